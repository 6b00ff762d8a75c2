"""Sources archived when they are first cited: the background task, the snapshot, the card, the
archive page and an editor's "Archive again", against a real local server (tests/webserver.py)."""

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
import pytest

from annotations import services
from annotations.models import Source, SourceSnapshot
from annotations.services import NewSource, SourceLink

from .conftest import client_for, sentence_span
from .webserver import ARTICLE_HTML, Page

pytestmark = pytest.mark.django_db

ARTICLE_TEXT = (
    "Flood defences failed, report says\n"
    "The city's flood defences failed in three places during the storm, an engineers' report found.\n"
    "The mayor denied that maintenance had been cut. The council said repairs would start in spring.\n"
    "Residents of the riverside district were evacuated on Tuesday night, the fire service said."
)


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """As in tests/test_imports.py: the worker must not close the connection holding the test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def cite(article, author, *urls, index=0, captured=None):
    """A verdict citing these URLs; the archiving tasks are queued as the write commits."""
    links = [SourceLink(NewSource(url=url, title=f"Source {n}"), "context") for n, url in enumerate(urls)]
    return services.annotation_create(
        article=article,
        author=author,
        status="alleged",
        claimant="The council",
        sources=links,
        **sentence_span(article, index),
    )


def day(moment) -> str:
    return f"{moment.day} {moment:%b %Y}"


def queued() -> int:
    return DBTaskResult.objects.filter(task_path="annotations.tasks.archive_source").count()


def test_a_source_cited_for_the_first_time_is_archived_by_the_worker(
    web, reviewer, seed_article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cite(seed_article, reviewer, web.url("/relative"))
    source = Source.objects.get()
    assert (queued(), source.archive_requested_at is not None, source.snapshots.count()) == (1, True, 0)
    assert web.requests == []  # the write only queues the task: no fetch holds up the request that cites

    run_worker()

    snapshot = SourceSnapshot.objects.get()
    source.refresh_from_db()
    assert (snapshot.source, snapshot.final_url, snapshot.http_status, snapshot.content_type) == (
        source,
        web.url("/article.html"),
        200,
        "text/html",
    )
    assert (snapshot.sha256, snapshot.byte_count, snapshot.text) == (
        services.body_sha256(ARTICLE_HTML),
        len(ARTICLE_HTML.encode()),
        ARTICLE_TEXT,
    )
    assert (source.archived_at, source.archive_checked_at, source.archive_error, source.link_broken_since) == (
        snapshot.taken_at,
        snapshot.taken_at,
        "",
        None,
    )


def test_a_source_is_archived_once_however_often_it_is_cited(
    web, reviewer, seed_article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cite(seed_article, reviewer, web.url("/article.html"), index=0)
        cite(seed_article, reviewer, web.url("/article.html"), index=1)
    assert queued() == 1
    run_worker()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cite(seed_article, reviewer, web.url("/article.html"), index=2)
    assert (callbacks, queued(), SourceSnapshot.objects.count(), len(web.requests)) == ([], 1, 1, 1)


def test_an_edit_citing_a_stored_source_for_the_first_time_archives_it(
    web, reviewer, seed_article, django_capture_on_commit_callbacks
):
    stored, _ = services.source_get_or_create(url=web.url("/article.html"), title="Stored", created_by=reviewer)
    verdict = cite(seed_article, reviewer)
    assert queued() == 0  # a source in the library that nobody cites is not fetched
    with django_capture_on_commit_callbacks(execute=True):
        services.annotation_update(
            annotation=verdict,
            actor=reviewer,
            version=verdict.version,
            status="alleged",
            claimant="The council",
            sources=[SourceLink(stored, "context")],
        )
    run_worker()
    assert list(stored.snapshots.values_list("final_url", flat=True)) == [web.url("/article.html")]


def test_a_page_that_cannot_be_fetched_says_why_and_stores_no_snapshot(web, reviewer, seed_article):
    source, _ = services.source_get_or_create(url=web.url("/missing"), title="Gone", created_by=reviewer)
    assert services.source_archive(source_id=source.pk) is None
    source.refresh_from_db()
    assert (source.archive_error, source.archived_at, source.link_broken_since, source.snapshots.count()) == (
        "The page answered HTTP 404 (Not Found).",
        None,
        None,
        0,
    )


def test_a_private_address_is_not_archived_by_default(web, reviewer, settings):
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False
    source, _ = services.source_get_or_create(url=web.url("/article.html"), title="Local", created_by=reviewer)
    services.source_archive(source_id=source.pk)
    source.refresh_from_db()
    assert source.archive_error == "127.0.0.1 is a loopback address; only public web addresses can be fetched."
    assert web.requests == []


def test_a_later_failed_check_marks_the_link_broken_and_keeps_the_snapshot(web, reviewer):
    source, _ = services.source_get_or_create(url=web.url("/story.html"), title="Story", created_by=reviewer)
    web.routes["/story.html"] = Page(ARTICLE_HTML)
    first = services.source_archive(source_id=source.pk)
    web.routes["/story.html"] = Page("<h1>Gone</h1>", status=410)
    assert services.source_archive(source_id=source.pk) is None
    source.refresh_from_db()
    broken_since = source.link_broken_since
    assert (source.archived_at, source.archive_error, broken_since == source.archive_checked_at) == (
        first.taken_at,
        "The page answered HTTP 410 (Gone).",
        True,
    )
    services.source_archive(source_id=source.pk)  # still broken: since the first failure
    source.refresh_from_db()
    assert (source.link_broken_since, list(source.snapshots.all())) == (broken_since, [first])

    web.routes["/story.html"] = Page(ARTICLE_HTML)  # back, unchanged: no second copy
    assert services.source_archive(source_id=source.pk) is None
    source.refresh_from_db()
    assert (source.link_broken_since, source.archive_error, source.archived_at, source.snapshots.count()) == (
        None,
        "",
        first.taken_at,
        1,
    )
    web.routes["/story.html"] = Page(ARTICLE_HTML.replace("three places", "four places"))  # changed: a new one
    second = services.source_archive(source_id=source.pk)
    source.refresh_from_db()
    assert (source.snapshots.count(), source.archived_at, "four places" in second.text) == (2, second.taken_at, True)


def test_a_page_without_article_text_is_archived_by_its_hash(web, reviewer):
    web.routes["/empty.html"] = Page("<html><body></body></html>")
    source, _ = services.source_get_or_create(url=web.url("/empty.html"), title="Empty", created_by=reviewer)
    snapshot = services.source_archive(source_id=source.pk)
    assert (snapshot.text, snapshot.sha256) == ("", services.body_sha256("<html><body></body></html>"))


# --- The card, the archive page, "Archive again" ------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_the_card_shows_when_a_source_was_archived_with_a_link_to_its_text(
    web, reviewer, seed_article, settings, debug
):
    settings.DEBUG = debug
    cite(seed_article, reviewer, web.url("/article.html"), web.url("/missing"))
    archived, failed = Source.objects.order_by("url")
    snapshot = services.source_archive(source_id=archived.pk)
    services.source_archive(source_id=failed.pk)
    page = client_for(reviewer).get(seed_article.get_absolute_url()).content.decode()
    archive_url = reverse("annotations:source-archive", args=[archived.pk])
    assert f'<a class="archive-link" href="{archive_url}">archived <time datetime="' in page
    assert f">{day(timezone.localtime(snapshot.taken_at))}</time></a>" in page
    assert "could not archive: The page answered HTTP 404 (Not Found).</a>" in page

    text = client_for(reviewer).get(archive_url)
    assert text.context["snapshot"] == snapshot
    body = text.content.decode()
    assert (
        "<p>The mayor denied that maintenance had been cut. The council said repairs would start in spring.</p>" in body
    )
    assert snapshot.sha256 in body
    assert "Archive again" not in body  # editors only


def test_the_card_says_since_when_a_link_is_broken(web, reviewer, seed_article):
    cite(seed_article, reviewer, web.url("/story.html"))
    source = Source.objects.get()
    web.routes["/story.html"] = Page(ARTICLE_HTML)
    services.source_archive(source_id=source.pk)
    del web.routes["/story.html"]
    services.source_archive(source_id=source.pk)
    source.refresh_from_db()
    page = client_for(reviewer).get(seed_article.get_absolute_url()).content.decode()
    assert f">{day(timezone.localtime(source.link_broken_since))}</time></a>" in page
    assert "link broken since <time" in page and "archived <time" in page


def test_archived_text_and_reasons_are_escaped(web, reviewer):
    web.routes["/evil.txt"] = Page("<script>alert(1)</script> & more\n", "text/plain")
    source, _ = services.source_get_or_create(url=web.url("/evil.txt"), title="<b>Evil</b>", created_by=reviewer)
    services.source_archive(source_id=source.pk)
    body = client_for(reviewer).get(reverse("annotations:source-archive", args=[source.pk])).content.decode()
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>" in body
    assert "<h1>&lt;b&gt;Evil&lt;/b&gt;</h1>" in body
    assert "<script>alert(1)" not in body


def test_an_editor_archives_a_source_again(web, editor, reviewer, django_capture_on_commit_callbacks):
    source, _ = services.source_get_or_create(url=web.url("/story.html"), title="Story", created_by=reviewer)
    url = reverse("annotations:source-archive", args=[source.pk])
    web.routes["/story.html"] = Page(ARTICLE_HTML)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(url)
    assert (response.status_code, response["Location"], queued()) == (302, url, 1)
    run_worker()
    page = client_for(editor).get(url).content.decode()
    assert "Archive again" in page and "HTTP 200, text/html" in page
    assert source.snapshots.count() == 1


def test_only_editors_archive_again_and_hidden_sources_are_404(web, reviewer, reviewer2, outsider, seed_article):
    cite(seed_article, reviewer, web.url("/article.html"))  # a draft: seen by its author and editors
    source = Source.objects.get()
    url = reverse("annotations:source-archive", args=[source.pk])
    refused = client_for(reviewer).post(url)
    assert (refused.status_code, queued()) == (403, 0)
    assert "Only editors can archive a source again." in refused.content.decode()
    assert client_for(reviewer2).get(url).status_code == 404
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(reviewer).get(reverse("annotations:source-archive", args=[source.pk + 1])).status_code == 404


def test_check_sources_rechecks_cited_sources_and_marks_broken_links(web, reviewer, seed_article, capsys):
    web.routes["/story.html"] = Page(ARTICLE_HTML)
    cite(seed_article, reviewer, web.url("/story.html"), web.url("/article.html"))
    services.source_get_or_create(url=web.url("/plain.txt"), title="Never cited", created_by=reviewer)
    call_command("check_sources")
    assert capsys.readouterr().out.strip() == "Checked 2 source(s): 2 new snapshot(s), 0 could not be fetched."

    del web.routes["/story.html"]
    call_command("check_sources")
    assert capsys.readouterr().out.strip() == "Checked 2 source(s): 0 new snapshot(s), 1 could not be fetched."
    story = Source.objects.get(url=web.url("/story.html"))
    assert (story.link_broken_since is not None, story.snapshots.count()) == (True, 1)
    assert Source.objects.get(title="Never cited").archive_checked_at is None

    call_command("check_sources", "--older-than-hours", "1")  # all were checked just now
    assert capsys.readouterr().out.strip() == "Checked 0 source(s): 0 new snapshot(s), 0 could not be fetched."
