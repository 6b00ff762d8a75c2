"""Articles imported from a web address: the page, the API and the command, against a real local
server (tests/webserver.py). The fetcher's own rules are in tests/test_fetching.py."""

from datetime import date
import io

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
import pytest

from annotations import services
from annotations.models import Article, ArticleImport

from .conftest import api, client_for, sentence_span
from .webserver import ARTICLE_HTML, Page

pytestmark = pytest.mark.django_db

BODY = (
    "Flood defences failed, report says\n"
    "The city's flood defences failed in three places during the storm, an engineers' report found.\n"
    "The mayor denied that maintenance had been cut. The council said repairs would start in spring.\n"
    "Residents of the riverside district were evacuated on Tuesday night, the fire service said."
)


def stored_fields(article: Article) -> tuple:
    return (article.title, article.body, article.url, article.publisher, article.published_at, article.language)


def test_the_page_gives_text_title_publisher_date_and_language(web, reviewer):
    article = services.article_import_from_url(imported_by=reviewer, url=web.url("/article.html"))
    assert stored_fields(article) == (
        "Flood defences failed, report says",
        BODY,
        web.url("/article.html"),
        "Tagesblatt",
        date(2026, 11, 2),
        "en-GB",
    )
    assert article.imported_by == reviewer
    assert article.sentences.count() == 5


def test_given_metadata_wins_and_the_final_address_is_stored(web, reviewer):
    article = services.article_import_from_url(
        imported_by=reviewer, url=web.url("/hops/2"), title="Our title", publisher="Desk", language="de"
    )
    assert (article.title, article.url, article.publisher, article.language) == (
        "Our title",
        web.url("/article.html"),
        "Desk",
        "de",
    )


def test_a_plain_text_page_needs_a_title(web, reviewer):
    with pytest.raises(services.ValidationError) as caught:
        services.article_import_from_url(imported_by=reviewer, url=web.url("/latin1.txt"))
    assert caught.value.message_dict == {"title": ["Give the article a title."]}
    article = services.article_import_from_url(imported_by=reviewer, url=web.url("/latin1.txt"), title="Café")
    assert (article.body, article.language) == ("Café au lait in Zürich.\n", "en")


def test_the_same_page_twice_is_refused_naming_the_stored_article(web, reviewer):
    first = services.article_import_from_url(imported_by=reviewer, url=web.url("/article.html"))
    with pytest.raises(services.ValidationError) as caught:
        services.article_import_from_url(imported_by=reviewer, url=web.url("/relative"))
    assert caught.value.message_dict == {
        "body": [f"This text is already stored as article #{first.pk}, “Flood defences failed, report says”."]
    }


def test_someone_who_may_not_import_causes_no_fetch(web, outsider):
    with pytest.raises(services.PermissionDenied):
        services.article_import_from_url(imported_by=outsider, url=web.url("/article.html"))
    assert web.requests == []


def test_a_page_without_article_text_is_refused(web, reviewer):
    web.routes["/empty.html"] = Page("<html><head><title>Nothing</title></head><body></body></html>")
    with pytest.raises(services.ValidationError) as caught:
        services.article_import_from_url(imported_by=reviewer, url=web.url("/empty.html"))
    assert caught.value.message_dict == {"url": ["No article text could be found in the page."]}


def test_a_long_page_is_imported_in_the_background(web, reviewer, settings):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 100
    job = services.article_import_from_url(imported_by=reviewer, url=web.url("/article.html"))
    assert isinstance(job, ArticleImport)
    assert (job.total, job.items[0]["url"], job.items[0]["language"]) == (1, web.url("/article.html"), "en-GB")


# --- Add article ---------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_add_article_with_a_web_address_alone_opens_the_article(web, reviewer, settings, debug):
    settings.DEBUG = debug
    response = client_for(reviewer).post(reverse("annotations:article-create"), {"url": web.url("/article.html")})
    article = Article.objects.get()
    assert (response.status_code, response["Location"]) == (302, article.get_absolute_url())
    assert stored_fields(article)[:4] == (
        "Flood defences failed, report says",
        BODY,
        web.url("/article.html"),
        "Tagesblatt",
    )


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path, message",
    [
        ("/missing", "The page answered HTTP 404 (Not Found)."),
        ("/image.png", "The page is image/png, not HTML or plain text."),
        ("/hops/7", "The page redirects more than 5 times."),
    ],
)
def test_add_article_shows_why_a_page_could_not_be_fetched(web, reviewer, settings, debug, path, message):
    settings.DEBUG = debug
    response = client_for(reviewer).post(reverse("annotations:article-create"), {"url": web.url(path)})
    assert response.status_code == 200
    assert response.context["form"].errors == {"url": [message]}
    assert message in response.content.decode()
    assert not Article.objects.exists()


def test_add_article_refuses_a_private_address_by_default(web, reviewer, settings):
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False
    response = client_for(reviewer).post(reverse("annotations:article-create"), {"url": web.url("/article.html")})
    assert response.context["form"].errors == {
        "url": ["127.0.0.1 is a loopback address; only public web addresses can be fetched."]
    }
    assert (web.requests, Article.objects.count()) == ([], 0)


def test_add_article_without_text_file_or_address_says_what_to_give(reviewer):
    response = client_for(reviewer).post(reverse("annotations:article-create"), {"title": "x"})
    assert response.context["form"].errors == {
        "body": ["Paste the article text, upload a file or give the page's web address."]
    }


def test_outsiders_cannot_import_from_a_web_address(web, outsider):
    response = client_for(outsider).post(reverse("annotations:article-create"), {"url": web.url("/article.html")})
    assert response.status_code == 403
    assert (web.requests, Article.objects.count()) == ([], 0)


# --- API -----------------------------------------------------------------------------------------


def test_api_creates_an_article_from_a_url_alone(web, reviewer):
    response = api(reviewer).post(reverse("api:article-list"), {"url": web.url("/article.html")}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["title"], data["body"], data["url"], data["publisher"], data["published_at"], data["language"]) == (
        "Flood defences failed, report says",
        BODY,
        web.url("/article.html"),
        "Tagesblatt",
        "2026-11-02",
        "en-GB",
    )


def test_api_refuses_a_page_it_cannot_fetch_with_400_and_the_reason(web, reviewer, settings):
    response = api(reviewer).post(reverse("api:article-list"), {"url": web.url("/missing")}, format="json")
    assert (response.status_code, response.json()) == (400, {"url": ["The page answered HTTP 404 (Not Found)."]})
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False
    response = api(reviewer).post(reverse("api:article-list"), {"url": web.url("/to-loopback")}, format="json")
    assert response.json() == {"url": ["127.0.0.1 is a loopback address; only public web addresses can be fetched."]}
    assert (response.status_code, Article.objects.count()) == (400, 0)


def test_api_with_a_body_stores_the_body_and_does_not_fetch(web, reviewer):
    payload = {"title": "Given", "body": "Our own text.", "url": web.url("/article.html")}
    response = api(reviewer).post(reverse("api:article-list"), payload, format="json")
    assert (response.status_code, response.json()["body"], web.requests) == (201, "Our own text.", [])


def test_api_url_import_is_refused_to_outsiders_and_anonymous_callers(web, outsider):
    for client in (api(outsider), api()):
        response = client.post(reverse("api:article-list"), {"url": web.url("/article.html")}, format="json")
        assert response.status_code in (401, 403)
        assert response.json()["detail"] in {
            "Only reviewers and editors can add articles.",
            "Authentication credentials were not provided.",
        }
    assert web.requests == []


# --- manage.py import_article --urls -------------------------------------------------------------


def test_command_imports_every_listed_page_and_reports_the_rest(web, tmp_path, capsys):
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# pages to import\n{web.url('/article.html')}\n\n{web.url('/missing')}\n{web.url('/plain.txt')}\n",
        encoding="utf-8",
    )
    call_command("import_article", "--urls", str(listing))
    output = capsys.readouterr()
    assert list(Article.objects.values_list("title", "url")) == [
        ("Flood defences failed, report says", web.url("/article.html"))
    ]
    assert output.out.strip().endswith("Imported 1 article(s); skipped 2.")
    assert output.err.splitlines() == [
        f"Skipped {web.url('/missing')}: The page answered HTTP 404 (Not Found).",
        f"Skipped {web.url('/plain.txt')}: Give the article a title.",
    ]


class Terminal(io.StringIO):
    """Standard output as a person at a terminal has it: the command shows its progress bar only there."""

    def isatty(self) -> bool:
        return True


def test_command_shows_a_progress_bar_at_a_terminal(web, tmp_path, capsys):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"{web.url('/article.html')}\n{web.url('/missing')}\n", encoding="utf-8")
    out = Terminal()
    call_command("import_article", "--urls", str(listing), stdout=out)
    frames = capsys.readouterr().err.split("\r")
    assert frames[1].startswith("Importing:   0%|          | 0/2 [")
    assert frames[-1].startswith("Importing: 100%|██████████| 2/2 [")
    assert out.getvalue().strip().endswith("Imported 1 article(s); skipped 1.")


def test_command_needs_a_path_or_a_list_of_addresses(tmp_path):
    with pytest.raises(CommandError, match=r"Give a file or directory to import, or --urls FILE, not both\."):
        call_command("import_article")
    empty = tmp_path / "none.txt"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(CommandError, match="lists no web addresses"):
        call_command("import_article", "--urls", str(empty))


# --- "Check for updates": the article's address fetched again becomes its next version ---


def test_check_for_updates_stores_a_changed_page_as_the_next_version(web, reviewer, editor):
    article = services.article_import_from_url(imported_by=reviewer, url=web.url("/article.html"))
    services.annotation_create(
        author=reviewer, article=article, status="alleged", **sentence_span(article, 2)
    )  # "The mayor denied that maintenance had been cut."
    with pytest.raises(ValidationError) as unchanged:
        services.article_version_refetch(article=article, actor=editor)
    assert "nothing changed" in str(unchanged.value)
    corrected = ARTICLE_HTML.replace("in three places", "in four places")
    web.routes["/article.html"] = Page(corrected)
    report = services.article_version_refetch(article=article, actor=editor)
    article.refresh_from_db()
    assert (report.version, article.version, [item.outcome for item in report.items]) == (2, 2, ["exact"])
    assert "in four places" in article.body and "in three places" not in article.body


def test_check_for_updates_on_the_page_and_its_refusals(web, reviewer, settings):
    article = services.article_import_from_url(imported_by=reviewer, url=web.url("/article.html"))
    client = client_for(reviewer)
    url = reverse("annotations:article-version-new", args=[article.pk])
    page = client.get(url)
    assert b"Check for updates" in page.content
    unchanged = client.post(url, {"refetch": "1"})
    assert (
        unchanged.status_code == 400 and "nothing changed" in unchanged.text and 'id="refetch-errors"' in unchanged.text
    )
    web.routes["/article.html"] = Page("gone", status=404)
    gone = client.post(url, {"refetch": "1"})
    assert gone.status_code == 400 and "404" in gone.text
    web.routes["/article.html"] = Page(ARTICLE_HTML.replace("on Tuesday night", "on Wednesday night"))
    stored = client.post(url, {"refetch": "1"})
    assert stored.status_code == 302
    article.refresh_from_db()
    assert article.version == 2 and "Wednesday" in article.body
    settings.DEBUG = True
    assert b"Check for updates" in client.get(url).content


def test_check_for_updates_through_the_api(web, reviewer):
    article = services.article_import_from_url(imported_by=reviewer, url=web.url("/article.html"))
    web.routes["/article.html"] = Page(ARTICLE_HTML.replace("in spring", "in summer"))
    response = api(reviewer).post(f"/api/v1/articles/{article.pk}/versions/", {"refetch": True}, format="json")
    assert response.status_code == 201 and response.json()["version"] == 2
