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
    assert '<td class="num" data-label="Sentences">26</td>' in response.text
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


def test_offsets_and_ids_are_never_localised(reviewer_client, reviewer, seed_article, settings):
    """The page's script reads data-start/data-end as integers: a thousands separator would break
    selection, in the whole page and in the partials htmx swaps in."""
    from annotations import services

    from .conftest import sentence_span

    settings.USE_THOUSAND_SEPARATOR = True
    last = seed_article.sentences.order_by("index").last()
    assert last.start > 1000
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, last.index)
    )
    page = reviewer_client.get(seed_article.get_absolute_url()).text
    assert f'data-start="{last.start}" data-end="{last.end}"' in page
    edit = reviewer_client.get(reverse("annotations:annotation-edit", args=[annotation.pk]), HTTP_HX_REQUEST="true")
    assert f'data-start="{last.start}"' in edit.text


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
        (
            {"title": "x", "language": "en"},
            "body",
            "Paste the article text, upload a file or give the page's web address.",
        ),
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
    assert f'<a href="{seed_article.get_absolute_url()}" class="button button-small">Open the stored article</a>' in (
        response.text
    )
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


# --- Verdicts ------------------------------------------------------------------------------------

from annotations import services  # noqa: E402
from annotations.models import Annotation, Source  # noqa: E402

from .conftest import client_for, sentence_span  # noqa: E402

HTMX = {"HX-Request": "true"}


def create_url(article):
    return reverse("annotations:annotation-create", args=[article.pk])


def test_new_verdict_form_has_the_span_and_four_statuses(reviewer_client, seed_article):
    span = sentence_span(seed_article, 4)
    response = reviewer_client.get(
        reverse("annotations:annotation-new", args=[seed_article.pk]),
        {"start": span["start"], "end": span["end"]},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert (
        f'<blockquote class="editor-quote" id="selection-quote" lang="en" dir="auto">{span["quote"]}</blockquote>'
        in response.text
    )
    relations = {"alleged": "context", "denied": "denial", "unverified": "context", "evidenced": "supports"}
    for status, relation in relations.items():
        assert f'<input type="radio" name="status" value="{status}" data-relation="{relation}">' in response.text
    assert "A party claims it; not established." in response.text
    assert '<p class="editor-span muted" id="selection-place">Sentence 5</p>' in response.text
    assert (
        '<button type="submit" class="button button-primary save-and-submit" name="then" value="submit" '
        'aria-keyshortcuts="Control+Enter">Save and submit <kbd aria-hidden="true">Ctrl+Enter</kbd></button>'
    ) in response.text


def test_new_verdict_form_without_htmx_is_the_whole_page(reviewer_client, seed_article):
    response = reviewer_client.get(
        reverse("annotations:annotation-new", args=[seed_article.pk]), {"start": 0, "end": 183}
    )
    assert "<html" in response.text
    assert 'id="verdict-form"' in response.text


@pytest.mark.parametrize("params", [{"start": "x", "end": "3"}, {"start": 5, "end": 2}, {"start": 0, "end": 10**6}])
def test_new_verdict_form_refuses_bad_spans(reviewer_client, seed_article, params):
    response = reviewer_client.get(reverse("annotations:annotation-new", args=[seed_article.pk]), params)
    assert response.status_code == 400


def test_save_verdict_returns_only_the_changed_parts(reviewer_client, seed_article, bbc_source):
    span = sentence_span(seed_article, 22)
    response = reviewer_client.post(
        create_url(seed_article),
        {
            **span,
            "status": "evidenced",
            "note": "Line one\n<script>alert(1)</script>",
            "claimant": "BES",
            "source_id": [bbc_source.pk],
            "source_relation": ["supports"],
            "source_pinpoint": ["para 4"],
        },
        headers=HTMX,
    )
    annotation = Annotation.objects.get()
    assert response.status_code == 200
    assert response["HX-Trigger"] == f'{{"verdict-saved": {{"id": {annotation.pk}, "start": {span["start"]}}}}}'
    assert "Draft saved. Submit it for review when it is ready." in response.text
    # Only the touched paragraph, the verdict list and the counts are swapped out of band.
    assert response.text.count('class="para"') == 1
    assert f'id="para-{annotation.article.sentences.get(index=22).paragraph}"' in response.text
    assert 'id="verdicts" aria-labelledby="verdicts-title" hx-swap-oob="true"' in response.text
    assert 'id="status-counts" aria-label="Verdicts by status" hx-swap-oob="true"' in response.text
    assert (
        f'<mark class="mark mark-evidenced mark-first" data-annotation-id="{annotation.pk}" data-status="evidenced"'
        in response.text
    )
    # The marks' descriptions come along, so the new mark's aria-describedby points at something.
    assert f'<div id="mark-notes" hidden hx-swap-oob="true"><span id="mark-note-{annotation.pk}">' in response.text
    assert "Line one<br>&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": ""}, "Choose alleged, denied, unverified or evidenced."),
        ({"status": "denied"}, "Name who denied it: a denied verdict records the party that denied the claim."),
        ({"status": "evidenced"}, "An evidenced verdict needs at least one source that supports it."),
        ({"quote": "tampered"}, "The selected text does not match the article at 0–183"),
        ({"end": 999999}, "The selection 0–999999 is outside the article (0–3476)."),
        ({"source_id": ["999"], "source_relation": ["supports"], "source_pinpoint": [""]}, "A linked source no longer"),
        ({"source_id": ["1"], "source_relation": [], "source_pinpoint": []}, "The source list was incomplete."),
    ],
)
def test_invalid_verdict_is_a_400_with_the_message_and_saves_nothing(reviewer_client, seed_article, data, message):
    payload = {**sentence_span(seed_article, 0), "status": "alleged"} | data
    response = reviewer_client.post(create_url(seed_article), payload, headers=HTMX)
    assert response.status_code == 400
    assert message in response.text
    assert 'id="verdict-form"' in response.text
    assert Annotation.objects.count() == 0


def test_outsider_cannot_open_or_save_a_verdict(outsider_client, seed_article):
    span = sentence_span(seed_article, 0)
    assert (
        outsider_client.get(
            reverse("annotations:annotation-new", args=[seed_article.pk]), {"start": 0, "end": 5}
        ).status_code
        == 403
    )
    response = outsider_client.post(create_url(seed_article), {**span, "status": "alleged"})
    assert response.status_code == 403
    assert Annotation.objects.count() == 0


def test_anonymous_cannot_save(client, seed_article):
    response = client.post(create_url(seed_article), {**sentence_span(seed_article, 0), "status": "alleged"})
    assert response.status_code == 302
    assert Annotation.objects.count() == 0


@pytest.fixture
def verdict(seed_article, reviewer):
    return services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", claimant="BES", **sentence_span(seed_article, 7)
    )


def test_article_page_shows_marks_and_cards_in_text_order(reviewer_client, seed_article, reviewer, reviewer2):
    later = services.annotation_create(
        article=seed_article, author=reviewer, status="unverified", **sentence_span(seed_article, 21)
    )
    earlier = services.annotation_create(
        article=seed_article, author=reviewer2, status="denied", denied_by="Huawei", **sentence_span(seed_article, 19)
    )
    hidden_draft = services.annotation_create(
        article=seed_article, author=reviewer2, status="alleged", **sentence_span(seed_article, 2)
    )
    services.annotation_submit(annotation=earlier, actor=reviewer2, version=1)
    response = reviewer_client.get(seed_article.get_absolute_url())
    assert f'data-annotation-id="{hidden_draft.pk}"' not in response.text
    assert f'id="mark-note-{hidden_draft.pk}"' not in response.text
    assert [a.pk for a in response.context["annotations"]] == [earlier.pk, later.pk]
    assert response.text.index(f'id="annotation-{earlier.pk}"') < response.text.index(f'id="annotation-{later.pk}"')
    assert '<dt>Denied by</dt><dd dir="auto">Huawei</dd>' in response.text
    # reviewer may edit their own verdict only
    assert f'href="/annotations/{later.pk}/edit/"' in response.text
    assert f'href="/annotations/{earlier.pk}/edit/"' not in response.text


def test_overlapping_and_nested_marks(reviewer_client, seed_article, reviewer):
    body = seed_article.body
    outer_start = body.index("Huawei still hasn’t replied")
    outer_end = body.index(", Huawei has denied them.") + len(", Huawei has denied them.") - 1
    inner_start = body.index("Huawei has denied them")
    inner_end = inner_start + len("Huawei has denied them")
    cross_start = body.index("regarding these allegations")
    cross_end = body.index("when such allegations") + len("when such allegations")
    spans = [
        (outer_start, outer_end, "alleged"),
        (inner_start, inner_end, "denied"),
        (cross_start, cross_end, "unverified"),
    ]
    made = []
    for start, end, status in spans:
        made.append(
            services.annotation_create(
                article=seed_article,
                author=reviewer,
                start=start,
                end=end,
                quote=body[start:end],
                status=status,
                denied_by="Huawei" if status == "denied" else "",
            )
        )
    html = reviewer_client.get(seed_article.get_absolute_url()).text
    import re

    for annotation in made:
        fragments = re.findall(rf'<mark [^>]*data-annotation-id="{annotation.pk}"[^>]*>', html)
        assert fragments, annotation
    # Nested: the denial mark sits inside the allegation mark.
    outer, inner, _ = made
    opened_outer = html.index(f'data-annotation-id="{outer.pk}"')
    opened_inner = html.index(f'data-annotation-id="{inner.pk}"')
    assert opened_outer < opened_inner
    assert html.count(f'data-annotation-id="{inner.pk}" data-status="denied"') == 1
    # One tab stop per verdict, described by its note (a <mark> may not carry aria-label).
    for annotation in made:
        assert html.count(f'tabindex="0" aria-describedby="mark-note-{annotation.pk}"') == 1
        description = f"{annotation.get_status_display()} verdict, draft, by reviewer. Enter opens its card."
        assert f'<span id="mark-note-{annotation.pk}">{description}</span>' in html


def test_reviewer_edits_own_verdict_with_version(reviewer_client, verdict):
    url = reverse("annotations:annotation-edit", args=[verdict.pk])
    form = reviewer_client.get(url, headers=HTMX)
    assert 'name="version" value="1"' in form.text
    response = reviewer_client.post(url, {"version": 1, "status": "unverified", "note": "checked"}, headers=HTMX)
    assert "Verdict updated." in response.text
    verdict.refresh_from_db()
    assert (verdict.status, verdict.note, verdict.version) == ("unverified", "checked", 2)
    stale = reviewer_client.post(url, {"version": 1, "status": "alleged"}, headers=HTMX)
    assert stale.status_code == 409
    assert "This verdict was changed by reviewer at" in stale.text
    assert "(now version 2, draft, unverified). Reload to see the current version before you act on it." in stale.text
    verdict.refresh_from_db()
    assert verdict.status == "unverified"


def test_other_reviewer_cannot_see_a_draft_or_edit_a_submitted_verdict(reviewer, reviewer2, verdict):
    client = client_for(reviewer2)
    assert client.get(reverse("annotations:annotation-edit", args=[verdict.pk])).status_code == 404
    services.annotation_submit(annotation=verdict, actor=reviewer, version=1)
    assert client.get(reverse("annotations:annotation-edit", args=[verdict.pk])).status_code == 403
    response = client.post(
        reverse("annotations:annotation-edit", args=[verdict.pk]), {"version": 1, "status": "denied"}
    )
    assert response.status_code == 403
    assert client.post(reverse("annotations:annotation-delete", args=[verdict.pk])).status_code == 403
    verdict.refresh_from_db()
    assert (verdict.status, verdict.deleted_at) == ("alleged", None)


def test_editor_edits_any_verdict(editor_client, verdict):
    response = editor_client.post(
        reverse("annotations:annotation-edit", args=[verdict.pk]),
        {"version": 1, "status": "denied", "denied_by": "Huawei"},
        headers=HTMX,
    )
    assert response.status_code == 200
    verdict.refresh_from_db()
    assert (verdict.status, verdict.denied_by) == ("denied", "Huawei")


def test_delete_then_undo(reviewer_client, verdict, seed_article):
    response = reviewer_client.post(reverse("annotations:annotation-delete", args=[verdict.pk]), headers=HTMX)
    assert "Verdict deleted." in response.text
    assert f'hx-post="/annotations/{verdict.pk}/restore/"' in response.text
    assert f'data-annotation-id="{verdict.pk}"' not in reviewer_client.get(seed_article.get_absolute_url()).text
    reviewer_client.post(reverse("annotations:annotation-restore", args=[verdict.pk]), headers=HTMX)
    verdict.refresh_from_db()
    assert verdict.deleted_at is None


def test_editor_sees_deleted_verdicts_to_restore(editor_client, reviewer_client, verdict, seed_article):
    reviewer_client.post(reverse("annotations:annotation-delete", args=[verdict.pk]))
    page = editor_client.get(seed_article.get_absolute_url())
    assert "Deleted verdicts (1)" in page.text
    assert "Deleted verdicts" not in reviewer_client.get(seed_article.get_absolute_url()).text


def test_source_search_and_add(reviewer_client, bbc_source):
    results = reviewer_client.get(reverse("annotations:source-search"), {"q": "wi-fi pakistan"}, headers=HTMX)
    assert f'hx-get="/sources/{bbc_source.pk}/row/"' in results.text
    nothing = reviewer_client.get(reverse("annotations:source-search"), {"q": "<i>zzz</i>"}, headers=HTMX)
    assert "No source matches “&lt;i&gt;zzz&lt;/i&gt;”." in nothing.text
    row = reviewer_client.get(reverse("annotations:source-row", args=[bbc_source.pk]), headers=HTMX)
    assert f'<input type="hidden" name="source_id" value="{bbc_source.pk}">' in row.text


def test_new_source_from_the_form_is_stored_only_with_its_verdict(reviewer_client, seed_article):
    """A source added in the form is checked and normalised at once, but stored only when the verdict
    citing it is saved: a refused verdict leaves nothing in the library (as in the API)."""
    response = reviewer_client.post(
        reverse("annotations:source-create"),
        {"url": "https://Example.org/filing.pdf?utm_campaign=x#p2", "title": "Complaint, BES v. Huawei"},
        headers=HTMX,
    )
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#source-rows", "beforeend")
    assert '<input type="hidden" name="source_url" value="https://example.org/filing.pdf">' in response.text
    assert Source.objects.count() == 0
    bad = reviewer_client.post(
        reverse("annotations:source-create"), {"url": "javascript:alert(1)", "title": "x"}, headers=HTMX
    )
    assert bad.status_code == 400
    assert "Only http:// and https:// addresses can be sources." in bad.text

    new_source = {
        "source_id": [""],
        "source_url": ["https://example.org/filing.pdf"],
        "source_title": ["Complaint, BES v. Huawei"],
        "source_publisher": ["US District Court"],
        "source_published_at": ["2025-02-03"],
        "source_archive_url": [""],
        "source_relation": ["supports"],
        "source_pinpoint": ["p. 4"],
    }
    url = reverse("annotations:annotation-create", args=[seed_article.pk])
    refused = reviewer_client.post(url, {**sentence_span(seed_article, 1), "status": "denied", **new_source})
    assert refused.status_code == 400
    assert Source.objects.count() == 0
    saved = reviewer_client.post(url, {**sentence_span(seed_article, 1), "status": "evidenced", **new_source})
    assert saved.status_code == 302
    source = Source.objects.get()
    assert (source.url, source.title, source.publisher, str(source.published_at)) == (
        "https://example.org/filing.pdf",
        "Complaint, BES v. Huawei",
        "US District Court",
        "2025-02-03",
    )
    link = Annotation.objects.get().source_links.get()
    assert (link.source, link.relation, link.pinpoint) == (source, "supports", "p. 4")


@pytest.mark.parametrize(
    ("status", "relation"),
    [
        ("alleged", "context"),
        ("denied", "denial"),
        ("unverified", "context"),
        ("evidenced", "supports"),
        ("", "supports"),
    ],
)
def test_a_source_added_to_the_form_starts_with_the_relation_of_the_status(
    reviewer_client, bbc_source, status, relation
):
    row = reviewer_client.get(reverse("annotations:source-row", args=[bbc_source.pk]), {"status": status}, headers=HTMX)
    assert f'<option value="{relation}" selected>' in row.text
    assert row.text.count(" selected>") == 1
    new = reviewer_client.post(
        reverse("annotations:source-create"),
        {"url": "https://example.org/a", "title": "A", "status": status},
        headers=HTMX,
    )
    assert f'<option value="{relation}" selected>' in new.text
    assert new.text.count(" selected>") == 1


def test_save_and_submit_creates_a_submitted_verdict(reviewer_client, seed_article):
    span = sentence_span(seed_article, 15)
    response = reviewer_client.post(
        create_url(seed_article), {**span, "status": "alleged", "note": "n", "then": "submit"}, headers=HTMX
    )
    annotation = Annotation.objects.get()
    assert response.status_code == 200
    assert '<p class="saved-message">Saved and submitted for review.</p>' in response.text
    assert (annotation.state, annotation.version, annotation.note) == ("submitted", 2, "n")
    assert (
        f'id="annotation-{annotation.pk}" tabindex="-1" data-annotation-id="{annotation.pk}" data-state="submitted"'
        in (response.text)
    )


def test_save_and_submit_refused_keeps_everything_typed_and_stores_nothing(reviewer_client, seed_article):
    span = sentence_span(seed_article, 15)
    typed = {**span, "status": "denied", "note": "Typed <b>note</b>", "claimant": "BES", "then": "submit"}
    response = reviewer_client.post(create_url(seed_article), typed, headers=HTMX)
    assert response.status_code == 400
    assert '<form id="verdict-form"' in response.text
    assert " data-unsaved>" in response.text  # the page asks before it throws this away
    assert 'value="denied" data-relation="denial" checked>' in response.text
    assert ">Typed &lt;b&gt;note&lt;/b&gt;</textarea>" in response.text
    assert 'name="claimant" id="id_claimant" value="BES"' in response.text
    assert Annotation.objects.count() == 0


def test_save_and_resubmit_from_the_edit_form(reviewer_client, verdict, editor):
    submitted = services.annotation_submit(annotation=verdict, actor=verdict.author, version=1)
    returned = services.annotation_request_changes(annotation=submitted, editor=editor, version=2, comment="Why?")
    url = reverse("annotations:annotation-edit", args=[verdict.pk])
    form = reviewer_client.get(url, headers=HTMX)
    assert 'name="then" value="submit" aria-keyshortcuts="Control+Enter">Save and resubmit' in form.text
    assert '<p class="editor-span muted" id="selection-place">Sentence 8</p>' in form.text
    response = reviewer_client.post(
        url, {"version": returned.version, "status": "alleged", "note": "Because.", "then": "submit"}, headers=HTMX
    )
    assert "Saved and submitted for review." in response.text
    verdict.refresh_from_db()
    assert (verdict.state, verdict.note, verdict.version) == ("submitted", "Because.", 5)


def test_an_editor_editing_a_reviewers_draft_gets_no_save_and_submit(editor_client, verdict):
    url = reverse("annotations:annotation-edit", args=[verdict.pk])
    assert 'name="then"' not in editor_client.get(url, headers=HTMX).text
    refused = editor_client.post(
        url, {"version": 1, "status": "unverified", "note": "kept", "then": "submit"}, headers=HTMX
    )
    assert refused.status_code == 403
    assert "Only its author can submit this verdict." in refused.text
    assert ">kept</textarea>" in refused.text
    verdict.refresh_from_db()
    assert (verdict.state, verdict.status, verdict.version) == ("draft", "alleged", 1)


def test_source_endpoints_refuse_outsiders(outsider_client, bbc_source):
    assert outsider_client.get(reverse("annotations:source-search"), {"q": "bbc"}).status_code == 403
    assert outsider_client.get(reverse("annotations:source-row", args=[bbc_source.pk])).status_code == 403
    response = outsider_client.post(reverse("annotations:source-create"), {"url": "https://a.org/", "title": "A"})
    assert response.status_code == 403


def test_article_list_counts_verdicts(reviewer_client, seed_article, reviewer):
    services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 1)
    )
    services.annotation_create(
        article=seed_article, author=reviewer, status="denied", denied_by="Huawei", **sentence_span(seed_article, 19)
    )
    row = reviewer_client.get(reverse("annotations:article-list")).context["page"].object_list[0]
    assert (row.sentence_count, row.alleged_count, row.denied_count, row.evidenced_count, row.unreviewed_count) == (
        26,
        2,
        1,
        0,
        3,
    )


def test_article_page_query_count_does_not_grow_with_annotations(reviewer_client, reviewer, django_assert_num_queries):
    def build(n_sentences: int, n_annotations: int):
        article = ArticleFactory(body=" ".join(f"Sentence number {i} is here." for i in range(n_sentences)))
        sources = [
            services.source_get_or_create(
                url=f"https://example.org/{article.pk}/{i}", title=f"S{i}", created_by=reviewer
            )[0]
            for i in range(2)
        ]
        sentences = list(article.sentences.all())
        for i in range(n_annotations):
            s = sentences[i % len(sentences)]
            services.annotation_create(
                article=article,
                author=reviewer,
                start=s.start,
                end=s.end,
                quote=article.body[s.start : s.end],
                status="evidenced",
                sources=[services.SourceLink(src, "supports") for src in sources],
            )
        return article

    small, large = build(5, 2), build(60, 120)

    def count(article):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert reviewer_client.get(article.get_absolute_url()).status_code == 200
        return len(captured)

    assert count(small) == count(large)


def test_cards_come_a_page_at_a_time(reviewer_client, reviewer):
    article = ArticleFactory(body=" ".join(f"Sentence number {i} is here." for i in range(30)))
    made = []
    for sentence in article.sentences.order_by("index"):
        made.append(
            services.annotation_create(
                article=article,
                author=reviewer,
                status="alleged",
                start=sentence.start,
                end=sentence.end,
                quote=article.body[sentence.start : sentence.end],
            )
        )
    page = reviewer_client.get(article.get_absolute_url())
    assert [a.pk for a in page.context["window"].cards] == [a.pk for a in made[:25]]
    # Per card: the card, "Show in text" and "Add another verdict on this sentence".
    assert page.text.count('data-annotation-id="') - page.text.count("<mark") == 25 * 3
    url = reverse("annotations:verdict-cards", args=[article.pk])
    assert f'hx-get="{url}?offset=25"' in page.text
    more = reviewer_client.get(url, {"offset": 25}, headers=HTMX)
    assert [a.pk for a in more.context["window"].cards] == [a.pk for a in made[25:]]
    assert "Show more verdicts" not in more.text
    upto = reviewer_client.get(url, {"upto": made[27].pk}, headers=HTMX)
    assert len(upto.context["window"].cards) == 30
    assert f'id="annotation-{made[27].pk}"' in upto.text


def test_new_verdict_form_says_why_a_span_is_refused(reviewer_client, seed_article):
    url = reverse("annotations:annotation-new", args=[seed_article.pk])
    across = reviewer_client.get(url, {"start": 240, "end": 255})  # over the first line break
    assert (across.status_code, across.text) == (400, "A selection must stay within one paragraph.")
    outside = reviewer_client.get(url, {"start": 0, "end": 10**6})
    assert outside.text == "The selection 0–1000000 is outside the article (0–3476)."
