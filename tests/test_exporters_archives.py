"""Cited sources' archives in the native export (issue 16, part 4): the state and latest snapshot of
each source, its text with --with-snapshots, the round trip, and the queries. Sources are archived
against a real local server (tests/webserver.py)."""

import hashlib
import io
import json

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
import jsonschema
import pytest

from annotations import services
from annotations.exporters import claimreview, common, native, w3c
from annotations.exporters.common import Selection, timestamp
from annotations.importing_export import check_records
from annotations.models import Annotation, Article, Sentence, Source, SourceSnapshot
from annotations.paths import EXPORT_SCHEMA_PATH
from annotations.services import NewSource, SourceLink

from .conftest import api, sentence_span
from .test_exporters import export_json
from .webserver import ARTICLE_HTML, Page

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(EXPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
KINDS = ("archived", "broken", "failed", "pending", "never")


def cite(article, author, urls, *, index=0):
    links = [SourceLink(NewSource(url=url, title=f"Source {n}"), "context") for n, url in enumerate(urls)]
    return services.annotation_create(
        article=article,
        author=author,
        status="alleged",
        claimant="The council",
        sources=links,
        **sentence_span(article, index),
    )


@pytest.fixture
def sources(web, reviewer, seed_article) -> dict[str, Source]:
    """One verdict citing a source in each archive state, archived through the fetcher."""
    urls = {kind: web.url(f"/{kind}.html") for kind in KINDS}
    web.routes["/archived.html"] = Page(ARTICLE_HTML)
    web.routes["/broken.html"] = Page(ARTICLE_HTML.replace("three places", "two places"))
    cite(seed_article, reviewer, list(urls.values()))  # every source cited: archiving asked for
    by_kind = {kind: Source.objects.get(url=url) for kind, url in urls.items()}
    services.source_archive(source_id=by_kind["archived"].pk)
    services.source_archive(source_id=by_kind["broken"].pk)
    web.routes["/broken.html"] = Page("<h1>Gone</h1>", status=410)
    services.source_archive(source_id=by_kind["broken"].pk)
    services.source_archive(source_id=by_kind["failed"].pk)  # never served: 404
    # Cited before archiving existed: never asked for.
    Source.objects.filter(pk=by_kind["never"].pk).update(archive_requested_at=None)
    for source in by_kind.values():
        source.refresh_from_db()
    return by_kind


def archives(document) -> dict[str, dict | None]:
    (verdict,) = document["articles"][0]["annotations"]
    return {source["title"]: source["archive"] for source in verdict["sources"]}


def snapshot_record(source: Source) -> dict:
    snapshot = source.snapshots.get()
    return {
        "taken_at": timestamp(snapshot.taken_at),
        "final_url": source.url,
        "http_status": 200,
        "content_type": "text/html",
        "sha256": snapshot.sha256,
        "byte_count": snapshot.byte_count,
    }


def test_each_cited_source_carries_its_archive_state_and_latest_snapshot(sources):
    document = export_json(native)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(
        document
    )
    archived, broken, failed, pending = (sources[kind] for kind in ("archived", "broken", "failed", "pending"))
    assert archives(document) == {
        "Source 0": {
            "state": "archived",
            "requested_at": timestamp(archived.archive_requested_at),
            "checked_at": timestamp(archived.archive_checked_at),
            "archived_at": timestamp(archived.archived_at),
            "link_broken_since": None,
            "error": "",
            "snapshot": snapshot_record(archived),
        },
        "Source 1": {
            "state": "broken",
            "requested_at": timestamp(broken.archive_requested_at),
            "checked_at": timestamp(broken.archive_checked_at),
            "archived_at": timestamp(broken.archived_at),
            "link_broken_since": timestamp(broken.link_broken_since),
            "error": "The page answered HTTP 410 (Gone).",
            "snapshot": snapshot_record(broken),
        },
        "Source 2": {
            "state": "failed",
            "requested_at": timestamp(failed.archive_requested_at),
            "checked_at": timestamp(failed.archive_checked_at),
            "archived_at": None,
            "link_broken_since": None,
            "error": "The page answered HTTP 404 (Not Found).",
            "snapshot": None,
        },
        "Source 3": {
            "state": "pending",
            "requested_at": timestamp(pending.archive_requested_at),
            "checked_at": None,
            "archived_at": None,
            "link_broken_since": None,
            "error": "",
            "snapshot": None,
        },
        "Source 4": None,
    }
    assert check_records(document) == []


def test_with_snapshots_adds_the_text_and_the_hash_is_of_the_bytes_served(sources, tmp_path):
    path = tmp_path / "export.json"
    call_command("export_annotations", "--with-snapshots", "--output", str(path), stderr=io.StringIO())
    document = json.loads(path.read_text(encoding="utf-8"))
    snapshot = archives(document)["Source 0"]["snapshot"]
    served = ARTICLE_HTML.encode("utf-8")
    assert (snapshot["sha256"], snapshot["byte_count"]) == (hashlib.sha256(served).hexdigest(), len(served))
    assert snapshot["text"] == sources["archived"].snapshots.get().text
    assert "flood defences failed in three places" in snapshot["text"]
    assert "two places" in archives(document)["Source 1"]["snapshot"]["text"]  # the kept snapshot of a broken link
    jsonschema.validate(document, SCHEMA)
    # Without the option: metadata and hash only.
    assert "text" not in archives(export_json(native))["Source 0"]["snapshot"]


def test_the_api_adds_the_text_when_asked(sources, reviewer):
    url = reverse("api:export")
    with_text = json.loads(b"".join(api(reviewer).get(url, {"with_snapshots": "1"}).streaming_content))
    without = json.loads(b"".join(api(reviewer).get(url).streaming_content))
    assert archives(with_text)["Source 0"]["snapshot"]["text"] == sources["archived"].snapshots.get().text
    assert "text" not in archives(without)["Source 0"]["snapshot"]


def test_w3c_and_claimreview_do_not_carry_archives(sources):
    for module in (w3c, claimreview):
        text = json.dumps(export_json(module))
        assert ("link_broken_since" in text, "final_url" in text) == (False, False)


def empty_database(django_user_model) -> None:
    """As in tests/test_exporters.py: events are append-only, so they are removed in SQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE annotations_annotationevent DISABLE TRIGGER annotations_event_append_only")
        cursor.execute("DELETE FROM annotations_annotationevent")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE annotations_annotationevent ENABLE TRIGGER annotations_event_append_only")
    Annotation.sources.through.objects.all().delete()
    Annotation.objects.all().delete()
    Source.objects.all().delete()
    Sentence.objects.all().delete()
    Article.objects.all().delete()
    django_user_model.objects.all().delete()


def without_generated_at(text: str) -> str:
    start = text.index('"generated_at":"')
    return text[:start] + text[text.index('"', start + len('"generated_at":"')) + 1 :]


def export_text(tmp_path, name: str, *options: str) -> str:
    path = tmp_path / name
    call_command("export_annotations", *options, "--output", str(path), stderr=io.StringIO())
    return without_generated_at(path.read_text(encoding="utf-8"))


def test_round_trip_is_byte_identical_with_and_without_snapshot_text(sources, tmp_path, django_user_model):
    plain, full = export_text(tmp_path, "plain.json"), export_text(tmp_path, "full.json", "--with-snapshots")
    texts = dict(SourceSnapshot.objects.values_list("sha256", "text"))

    empty_database(django_user_model)
    call_command("import_annotations", str(tmp_path / "full.json"), stdout=io.StringIO())
    assert dict(SourceSnapshot.objects.values_list("sha256", "text")) == texts
    assert export_text(tmp_path, "full2.json", "--with-snapshots") == full
    assert export_text(tmp_path, "plain2.json") == plain

    # Written without the text, the snapshots come back with their metadata and hash, and no text.
    empty_database(django_user_model)
    call_command("import_annotations", str(tmp_path / "plain.json"), stdout=io.StringIO())
    assert export_text(tmp_path, "plain3.json") == plain
    assert dict(SourceSnapshot.objects.values_list("sha256", "text")) == dict.fromkeys(texts, "")
    restored = Source.objects.get(url=sources["broken"].url)
    assert (restored.archived_at, restored.link_broken_since, restored.archive_error) == (
        sources["broken"].archived_at,
        sources["broken"].link_broken_since,
        "The page answered HTTP 410 (Gone).",
    )


def test_import_refuses_an_archive_whose_state_its_fields_contradict(sources, tmp_path):
    document = export_json(native)
    archive = document["articles"][0]["annotations"][0]["sources"][2]["archive"]
    archive["state"] = "archived"
    assert check_records(document) == [
        f"article {document['articles'][0]['id']}, annotation {document['articles'][0]['annotations'][0]['id']}: "
        "source 2: archive: the state is archived, but its times and error make it failed."
    ]


def export_queries(**selection) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        b"".join(native.entries(Selection(**selection)))
    return [query["sql"] for query in captured.captured_queries]


def test_archives_are_read_once_per_chunk_whatever_the_number_of_sources(web, reviewer, seed_article):
    web.routes["/page.html"] = Page(ARTICLE_HTML)
    cite(seed_article, reviewer, [web.url("/page.html")], index=0)
    services.source_archive(source_id=Source.objects.get().pk)
    few = export_queries(snapshot_text=True)

    for index in range(1, 4):
        paths = [f"/page{index}-{n}.html" for n in range(5)]
        for path in paths:
            web.routes[path] = Page(ARTICLE_HTML.replace("three places", path))
        cite(seed_article, reviewer, [web.url(path) for path in paths], index=index)
    for source in Source.objects.all():
        services.source_archive(source_id=source.pk)
    assert SourceSnapshot.objects.count() == 16
    many = export_queries(snapshot_text=True)
    assert len(many) == len(few)
    assert sum("annotations_sourcesnapshot" in sql for sql in many) == 1


def test_chunks_of_one_verdict_give_the_same_archives(sources, reviewer, seed_article, monkeypatch):
    services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="alleged",
        claimant="The council",
        sources=[SourceLink(sources["archived"], "context"), SourceLink(sources["failed"], "refutes")],
        **sentence_span(seed_article, 1),
    )
    whole = export_json(native)
    monkeypatch.setattr(common, "CHUNK_SIZE", 1)
    assert export_json(native) | {"generated_at": None} == whole | {"generated_at": None}
