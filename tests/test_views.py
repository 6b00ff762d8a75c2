from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
import pytest

from annotations.models import Article

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_pages_require_login(client, seed_article):
    for url in [
        reverse("annotations:article-list"),
        seed_article.get_absolute_url(),
        reverse("annotations:article-create"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_is_styled_and_logs_in(client, reviewer):
    page = client.get(reverse("login"))
    assert "Log in to factcheck" in page.text
    response = client.post(reverse("login"), {"username": "reviewer", "password": "correct-horse-battery"})
    assert response["Location"] == reverse("annotations:article-list")


def test_article_list_shows_title_publisher_date_and_sentence_count(reviewer_client, seed_article):
    seed_article.publisher = "TechJuice"
    seed_article.save()
    response = reviewer_client.get(reverse("annotations:article-list"))
    row = response.context["page"].object_list[0]
    assert (row.title, row.sentence_count) == ("Huawei spying in Pakistan?", 26)
    assert '<td class="num">26</td>' in response.text
    assert "TechJuice" in response.text


def test_article_list_search_by_title_and_htmx_partial(reviewer_client, seed_article):
    ArticleFactory(title="Election results in Lahore")
    url = reverse("annotations:article-list")
    assert [a.title for a in reviewer_client.get(url, {"q": "huawei"}).context["page"]] == [seed_article.title]
    partial = reviewer_client.get(url, {"q": "lahore"}, headers={"HX-Request": "true", "HX-Target": "article-table"})
    assert partial.text.lstrip().startswith('<section id="article-table"')
    assert "Election results in Lahore" in partial.text
    assert "<html" not in partial.text
    empty = reviewer_client.get(url, {"q": "<b>nothing</b>"})
    assert "No article title matches “&lt;b&gt;nothing&lt;/b&gt;”." in empty.text


def test_article_list_paginates(reviewer_client):
    for n in range(27):
        ArticleFactory(title=f"Story {n:02d}")
    first = reviewer_client.get(reverse("annotations:article-list"))
    second = reviewer_client.get(reverse("annotations:article-list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert [a.title for a in second.context["page"]] == ["Story 01", "Story 00"]
    assert "Page 2 of 2" in second.text


def test_article_detail_renders_every_sentence_with_offsets(reviewer_client, seed_article):
    response = reviewer_client.get(seed_article.get_absolute_url())
    assert response.text.count('class="sentence"') == 26
    first = seed_article.sentences.get(index=0)
    assert f'data-index="0" data-start="{first.start}" data-end="{first.end}">A California-based' in response.text
    assert 'id="article-body" class="article-body" lang="en" dir="ltr"' in response.text
    for word in ["Alleged", "Denied", "Unverified", "Evidenced"]:
        assert word in response.text


def test_article_detail_rtl_and_escaping(reviewer_client):
    article = ArticleFactory(title="<script>alert(1)</script>", body="یہ <b>خبر</b> ہے۔", language="ur")
    response = reviewer_client.get(article.get_absolute_url())
    assert 'lang="ur" dir="rtl"' in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;b&gt;خبر&lt;/b&gt;" in response.text


def test_article_detail_query_count_does_not_grow_with_sentences(reviewer_client):
    small = ArticleFactory(body="One. Two.")
    large = ArticleFactory(body="\n".join(f"Paragraph {p} sentence one. Sentence two here." for p in range(150)))
    assert large.sentences.count() == 300

    def queries(article):
        with CaptureQueriesContext(connection) as captured:
            response = reviewer_client.get(article.get_absolute_url())
        assert response.status_code == 200
        return len(captured)

    assert queries(small) == queries(large)


def test_missing_article_is_404(reviewer_client):
    response = reviewer_client.get(reverse("annotations:article-detail", args=[999]))
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text


def test_reviewer_pastes_an_article(reviewer_client, reviewer):
    response = reviewer_client.post(
        reverse("annotations:article-create"),
        {"title": "Pasted", "body": "First sentence.\r\nSecond one.", "language": "en", "publisher": "Desk"},
    )
    article = Article.objects.get()
    assert response["Location"] == article.get_absolute_url()
    assert (article.body, article.imported_by, article.sentences.count()) == (
        "First sentence.\nSecond one.",
        reviewer,
        2,
    )


def test_reviewer_uploads_an_html_file_and_the_title_comes_from_the_page(reviewer_client):
    html = (
        b"<html><head><title>Court filing in Santa Ana</title></head><body><article><h1>Court filing in Santa Ana</h1>"
        b"<p>The consultancy sued the company on Wednesday in the US District Court in Santa Ana, California, "
        b"and says its designs were taken and reused for contracts in the Gulf states and in Pakistan.</p>"
        b"</article></body></html>"
    )
    response = reviewer_client.post(
        reverse("annotations:article-create"),
        {"language": "en", "file": SimpleUploadedFile("story.html", html, content_type="text/html")},
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert article.title == "Court filing in Santa Ana"
    assert article.body == (
        "Court filing in Santa Ana\nThe consultancy sued the company on Wednesday in the US District Court "
        "in Santa Ana, California, and says its designs were taken and reused for contracts "
        "in the Gulf states and in Pakistan."
    )


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"title": "x", "language": "en"}, "body", "Paste the article text or upload a file."),
        ({"title": "", "body": "Text.", "language": "en"}, "title", "Give the article a title."),
        (
            {"title": "x", "language": "en", "file": SimpleUploadedFile("a.txt", "Grüße".encode("latin-1"))},
            "file",
            "“a.txt” is not valid UTF-8 (first bad byte at position 3). Save it as UTF-8 and try again.",
        ),
        (
            {"title": "x", "language": "en", "file": SimpleUploadedFile("a.txt", b"\x00\x01\x02binary")},
            "file",
            "“a.txt” looks binary, not text. Upload a .txt or .html file.",
        ),
        (
            {"title": "x", "language": "en", "file": SimpleUploadedFile("a.txt", b"")},
            "file",
            "The submitted file is empty.",
        ),
    ],
)
def test_bad_imports_show_the_error_and_store_nothing(reviewer_client, data, field, error):
    response = reviewer_client.post(reverse("annotations:article-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert Article.objects.count() == 0


def test_duplicate_import_names_the_existing_article(reviewer_client, seed_article, seed_text):
    response = reviewer_client.post(
        reverse("annotations:article-create"), {"title": "Copy", "body": seed_text, "language": "en"}
    )
    assert response.context["form"].errors["body"] == [
        f"This text is already stored as article #{seed_article.pk}, “Huawei spying in Pakistan?”."
    ]
    assert Article.objects.count() == 1


def test_outsider_cannot_import(outsider_client):
    response = outsider_client.post(
        reverse("annotations:article-create"), {"title": "x", "body": "Text.", "language": "en"}
    )
    assert response.status_code == 403
    assert "Only reviewers and editors can do this." in response.text
    assert Article.objects.count() == 0


def test_outsider_sees_no_add_button(outsider_client, reviewer_client):
    url = reverse("annotations:article-list")
    assert "Add article" not in outsider_client.get(url).text
    assert "Add article" in reviewer_client.get(url).text


def test_responses_carry_a_strict_csp(reviewer_client, seed_article):
    csp = reviewer_client.get(seed_article.get_absolute_url())["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
