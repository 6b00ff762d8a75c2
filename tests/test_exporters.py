"""The three export formats, their validation, streaming, visibility, and the lossless round trip."""

import io
import json

from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
import jsonschema
import pytest
from rest_framework.test import APIClient

from annotations import services, workflow
from annotations.demo import create_demo_verdicts
from annotations.exporters import claimreview, native, stream, w3c
from annotations.exporters.common import Selection
from annotations.importing_export import validate_export
from annotations.models import Annotation, AnnotationEvent, Article, Sentence, Source
from annotations.paths import EXPORT_SCHEMA_PATH

from .conftest import sentence_span

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(EXPORT_SCHEMA_PATH.read_text(encoding="utf-8"))


def export_json(module, selection=None, base_url="https://fc.example"):
    selection = selection or Selection()
    return json.loads(b"".join(stream(module, selection, base_url=base_url)))


@pytest.fixture
def demo(seed_article, reviewer, reviewer2, editor):
    """Verdicts in every state: approved (twice, one with a changed status later reopened and re-approved),
    changes requested, submitted and draft."""
    verdicts = create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    phrase = verdicts[0]
    phrase = services.annotation_reopen(annotation=phrase, editor=editor, version=phrase.version, comment="Recheck")
    services.annotation_approve(annotation=phrase, editor=editor, version=phrase.version)
    return verdicts


def test_native_export_validates_and_holds_everything(demo, seed_article):
    data = export_json(native)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert validate_export(data) == []
    article = data["articles"][0]
    assert (article["title"], article["body"], len(article["sentences"])) == (
        "Huawei spying in Pakistan?",
        seed_article.body,
        26,
    )
    assert article["sentences"][0] == {"index": 0, "start": 0, "end": 183}
    annotations = article["annotations"]
    assert sorted(a["state"] for a in annotations) == [
        "approved",
        "approved",
        "changes_requested",
        "draft",
        "submitted",
    ]
    for item in annotations:
        assert item["quote"] == seed_article.body[item["start"] : item["end"]]
        assert item["prefix"] == seed_article.body[max(0, item["start"] - 32) : item["start"]]
    bbc = next(a for a in annotations if a["status"] == "evidenced")
    # Cited, so archiving was asked for; no worker ran (tests/test_exporters_archives.py has the rest).
    archive = bbc["sources"][0].pop("archive")
    assert (archive["state"], archive["snapshot"]) == ("pending", None)
    assert bbc["sources"] == [
        {
            "url": "https://example.org/demo/bbc-2019-04-08-wifi-cards",
            "title": "Report on Wi-Fi cards in PSCA CCTV, 8 April 2019 (demo placeholder)",
            "publisher": "BBC",
            "published_at": None,
            "archive_url": "",
            "relation": "supports",
            "pinpoint": "paragraphs 2–4",
        }
    ]
    assert [h["action"] for h in bbc["history"]] == ["create", "submit", "approve"]
    assert bbc["review"]["editor"] == "editor"
    assert bbc["sentence_indexes"] == [22]


def test_export_filters_by_state_and_status(demo):
    approved = export_json(native, Selection(state="approved"))["articles"][0]["annotations"]
    assert sorted(a["status"] for a in approved) == ["alleged", "evidenced"]
    denied = export_json(native, Selection(status="denied"))["articles"][0]["annotations"]
    assert [a["denied_by"] for a in denied] == ["Huawei"]


def test_w3c_export_has_the_required_fields(demo, seed_article):
    data = export_json(w3c)
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert (data["type"], data["total"]) == ("AnnotationCollection", 5)
    page = data["first"]
    assert (page["type"], page["startIndex"], len(page["items"])) == ("AnnotationPage", 0, 5)
    for item in page["items"]:
        assert {"@context", "id", "type", "created", "modified", "creator", "motivation", "body", "target"} <= set(item)
        assert item["type"] == "Annotation"
        assert item["id"].startswith("https://fc.example/api/v1/annotations/")
        target = item["target"]
        assert target["source"] == f"https://fc.example/articles/{seed_article.pk}/"
        quote, position = target["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert quote["exact"] == seed_article.body[position["start"] : position["end"]]
        assert position["type"] == "TextPositionSelector"
        purposes = [body.get("purpose") for body in item["body"]]
        assert purposes[0] == "assessing"
        assert all(p in {"assessing", "commenting", "describing", "linking"} for p in purposes)
    denied = next(i for i in page["items"] if i["body"][0]["value"] == "denied")
    assert {"type": "TextualBody", "purpose": "describing", "value": "Denied by: Huawei"} in denied["body"]
    linking = [b for b in denied["body"] if b["purpose"] == "linking"]
    assert linking == [
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": "https://example.org/demo/huawei-statement",
            "label": "Huawei statement denying covert access (demo placeholder)",
            "rdfs:comment": "denial",
        }
    ]


def test_claimreview_publishes_only_approved_verdicts(demo, seed_article, settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Desk of Record"
    settings.FACTCHECK_ORGANIZATION_URL = "https://desk.example"
    data = export_json(claimreview)
    reviews = data["@graph"]
    assert [r["reviewRating"]["alternateName"] for r in reviews] == [
        "Alleged – not independently verified",
        "Supported by evidence",
    ]
    for review in reviews:
        assert review["@type"] == "ClaimReview"
        assert {"claimReviewed", "itemReviewed", "reviewRating", "author", "datePublished", "url"} <= set(review)
        assert review["author"] == {"@type": "Organization", "name": "Desk of Record", "url": "https://desk.example"}
        assert "ratingValue" not in review["reviewRating"] and "bestRating" not in review["reviewRating"]
        assert review["itemReviewed"]["@type"] == "Claim"
        assert review["url"].startswith(f"https://fc.example/factchecks/{seed_article.pk}/#claim-")
    reopened = reviews[0]
    assert reopened["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "Business Efficiency Solutions (BES)",
    }
    assert reopened["dateModified"] > reopened["datePublished"]
    assert "dateModified" not in reviews[1]


def test_denied_is_never_false(seed_article, reviewer, editor):
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="denied", denied_by="Huawei", **sentence_span(seed_article, 20)
    )
    annotation = services.annotation_submit(annotation=annotation, actor=reviewer, version=1)
    services.annotation_approve(annotation=annotation, editor=editor, version=2)
    review = export_json(claimreview)["@graph"][0]
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Disputed – denied by Huawei"}
    assert "false" not in json.dumps(review).lower()


def test_public_page_embeds_claimreview_and_only_approved(client, demo, seed_article):
    response = client.get(reverse("annotations:factcheck-page", args=[seed_article.pk]))
    assert response.status_code == 200
    html = response.text
    start = html.index('<script type="application/ld+json"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    graph = json.loads(payload)["@graph"]
    assert len(graph) == 2
    for annotation in demo:
        annotation.refresh_from_db()
        shown = f'id="claim-{annotation.pk}"' in html
        assert shown == (annotation.state == "approved")


def test_api_export_streams_and_respects_visibility(demo, reviewer, seed_article):
    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.get(reverse("api:export"), {"article": seed_article.pk})
    assert response.streaming
    data = json.loads(b"".join(response.streaming_content))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    authors_states = sorted((a["author"], a["state"]) for a in data["articles"][0]["annotations"])
    # reviewer sees their own draft but not reviewer2's drafts (reviewer2 has none in draft here)
    assert ("reviewer", "draft") in authors_states
    assert all(state != "draft" or author == "reviewer" for author, state in authors_states)
    w3c_response = client.get(reverse("api:export"), {"format": "w3c"})
    assert w3c_response["Content-Type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    bad = client.get(reverse("api:export"), {"format": "csv"})
    assert bad.json() == {"format": ['"csv" is not a valid choice.']}
    assert client.get(reverse("api:export"), {"article": 999}).status_code == 404


def test_api_export_hides_other_reviewers_drafts(seed_article, reviewer, reviewer2):
    services.annotation_create(
        article=seed_article, author=reviewer2, status="alleged", **sentence_span(seed_article, 0)
    )
    client = APIClient()
    client.force_authenticate(reviewer)
    data = json.loads(b"".join(client.get(reverse("api:export")).streaming_content))
    assert data["articles"][0]["annotations"] == []


def test_export_schema_is_served(client, reviewer):
    api = APIClient()
    api.force_authenticate(reviewer)
    response = api.get(reverse("api:export-schema"))
    assert json.loads(b"".join(response.streaming_content)) == SCHEMA


def test_round_trip_is_identical_apart_from_generated_at(demo, tmp_path, django_user_model):
    first = tmp_path / "first.json"
    call_command("export_annotations", "--output", str(first))
    before = json.loads(first.read_text(encoding="utf-8"))
    decisions = AnnotationEvent.objects.filter(action__in=workflow.DECISIONS).order_by("annotation_id", "at")
    answered = list(decisions.values_list("annotation_id", "at", "answers_submission_at"))
    # An empty database: remove everything the export holds (events are append-only, so bypass them in SQL).
    from django.db import connection

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

    out = io.StringIO()
    call_command("import_annotations", str(first), stdout=out)
    assert out.getvalue().strip() == "Imported 1 article(s) and 5 verdict(s)."
    assert set(django_user_model.objects.values_list("username", "is_active")) == {
        ("reviewer", False),
        ("reviewer2", False),
        ("editor", False),
    }
    second = tmp_path / "second.json"
    call_command("export_annotations", "--output", str(second))

    def without_generated_at(path):
        text = path.read_text(encoding="utf-8")
        start = text.index('"generated_at":"')
        return text[:start] + text[text.index('"', start + len('"generated_at":"')) + 1 :]

    assert without_generated_at(second) == without_generated_at(first)  # byte for byte
    before.pop("generated_at")
    assert AnnotationEvent.objects.count() == sum(len(a["history"]) for a in before["articles"][0]["annotations"])
    # the import records the submission each decision answers, as services.annotation_transition did
    assert list(decisions.values_list("annotation_id", "at", "answers_submission_at")) == answered
    assert len(answered) == 4 and None not in {answers for *_, answers in answered}


def test_import_refuses_an_invalid_file_and_changes_nothing(tmp_path, demo):
    path = tmp_path / "bad.json"
    data = export_json(native)
    data["articles"][0]["annotations"][0]["status"] = "false"
    del data["articles"][0]["annotations"][1]["quote"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_annotations", str(path))
    message = str(raised.value)
    assert message.startswith(f"{path} was not imported; nothing was changed:")
    assert "articles/0/annotations/0/status: 'false' is not one of" in message
    assert "articles/0/annotations/1: 'quote' is a required property" in message
    assert Annotation.objects.count() == 5


def test_import_refuses_a_non_empty_database(tmp_path, demo):
    path = tmp_path / "export.json"
    call_command("export_annotations", "--output", str(path))
    with pytest.raises(CommandError, match=r"already stored\. import_annotations restores into an empty database\."):
        call_command("import_annotations", str(path))
    assert Annotation.objects.count() == 5


def test_export_command_formats_to_stdout(demo, capsys):
    call_command("export_annotations", "--format", "claimreview", "--state", "approved")
    assert len(json.loads(capsys.readouterr().out)["@graph"]) == 2
    with pytest.raises(CommandError, match=r"There is no article #99\."):
        call_command("export_annotations", "--article", "99")


def test_each_article_gets_its_own_annotations(reviewer):
    from .factories import ArticleFactory

    first, empty, third = (ArticleFactory(title=f"A{n}", body=f"Claim {n} one. Claim {n} two.") for n in range(3))
    for article in (third, first, third):
        index = 0 if article.annotations.count() == 0 else 1
        services.annotation_create(article=article, author=reviewer, status="alleged", **sentence_span(article, index))
    data = export_json(native)
    assert [(a["title"], [x["quote"] for x in a["annotations"]]) for a in data["articles"]] == [
        ("A0", ["Claim 0 one."]),
        ("A1", []),
        ("A2", ["Claim 2 one.", "Claim 2 two."]),
    ]
    items = export_json(w3c)["first"]["items"]
    assert [item["target"]["source"].rsplit("/", 2)[-2] for item in items] == [
        str(first.pk),
        str(third.pk),
        str(third.pk),
    ]
    assert empty.pk not in {int(item["target"]["source"].rsplit("/", 2)[-2]) for item in items}


def test_database_made_timestamps_match_python_iso_format(seed_article, reviewer):
    from datetime import UTC, datetime

    from annotations.exporters.common import timestamp

    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    whole_second = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    Annotation.objects.filter(pk=annotation.pk).update(created_at=whole_second)
    annotation.refresh_from_db()
    item = export_json(native)["articles"][0]["annotations"][0]
    assert item["created_at"] == "2026-01-02T03:04:05Z" == timestamp(whole_second)
    assert item["updated_at"] == timestamp(annotation.updated_at)
    assert item["history"][0]["at"] == timestamp(annotation.events.get().at)


def test_small_chunks_and_batches_give_the_same_export(demo, reviewer, bbc_source, monkeypatch):
    """Links and events are read per chunk of rows: every chunk boundary keeps each verdict's own."""
    from annotations.exporters import common

    from .factories import ArticleFactory

    other = ArticleFactory(title="Second", body="A claim here. Another claim there. A third one.")
    for index in range(3):
        annotation = services.annotation_create(
            article=other,
            author=reviewer,
            status="evidenced",
            sources=[services.SourceLink(bbc_source, "supports", f"p. {index}")],
            **sentence_span(other, index),
        )
        services.annotation_submit(annotation=annotation, actor=reviewer, version=annotation.version)
    whole = export_json(native)
    monkeypatch.setattr(common, "CHUNK_SIZE", 2)
    monkeypatch.setattr(common, "ARTICLE_BATCH", 1)
    assert export_json(native) | {"generated_at": None} == whole | {"generated_at": None}
    second = whole["articles"][1]["annotations"]
    assert [(item["sources"][0]["pinpoint"], len(item["history"])) for item in second] == [
        ("p. 0", 2),
        ("p. 1", 2),
        ("p. 2", 2),
    ]


@pytest.fixture
def four_articles(reviewer):
    """Articles with 1, 0, 3 and 2 verdicts, in id order."""
    from .factories import ArticleFactory

    articles = [ArticleFactory(title=f"A{n}", body=f"Claim {n} one. Claim {n} two. Claim {n} three.") for n in range(4)]
    for article, count in zip(articles, (1, 0, 3, 2), strict=True):
        for index in range(count):
            services.annotation_create(
                article=article, author=reviewer, status="unverified", **sentence_span(article, index)
            )
    return articles


def test_parallel_plan_cuts_the_articles_into_ranges_of_about_as_many_verdicts(four_articles):
    from annotations.exporters import parallel
    from annotations.exporters.common import annotation_count, articles

    def shape(parts):
        return [([article.title for article in articles(part)], annotation_count(part)) for part in parts]

    assert shape(parallel.plan(Selection(), 2, min_per_job=1)) == [(["A0", "A1", "A2"], 4), (["A3"], 2)]
    # Never a part without verdicts: at most one part per article that has some.
    assert shape(parallel.plan(Selection(), 8, min_per_job=1)) == [(["A0"], 1), (["A1", "A2"], 3), (["A3"], 2)]
    assert shape(parallel.plan(Selection(), 2, min_per_job=4)) == [(["A0", "A1", "A2", "A3"], 6)]
    assert shape(parallel.plan(Selection(article_id=four_articles[2].pk), 4, min_per_job=1)) == [(["A2"], 3)]
    # The parts' entries, in order, are the whole export's.
    whole = export_json(native)
    parts = parallel.plan(Selection(), 3, min_per_job=1)
    assert [article for part in parts for article in export_json(native, part)["articles"]] == whole["articles"]


def _without_generated_at(data: bytes) -> bytes:
    start = data.index(b'"generated_at":"')
    return data[:start] + data[data.index(b'"', start + len(b'"generated_at":"')) + 1 :]


def test_parallel_export_of_a_sqlite_file_is_the_one_process_export(demo, four_articles, tmp_path):
    """The command as people run it, on a SQLite file of its own (the test's rows are in its open
    transaction, which no child process can see): the export written by three processes, to a file
    and to standard output, is byte for byte the one written by one (here, in the test's process)."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    exported = tmp_path / "export.json"
    call_command("export_annotations", "--output", str(exported))
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'factcheck.sqlite3'}"}

    def manage(*args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        return subprocess.run(command, env=env, check=True, capture_output=True, **kwargs)

    manage("migrate", "--no-input")
    manage("import_annotations", str(exported))
    three = tmp_path / "three.json"
    written = manage("export_annotations", "--jobs", "3", "--output", str(three))
    assert written.stderr.decode().strip() == f"Wrote 11 verdict(s) to {three}."
    assert _without_generated_at(three.read_bytes()) == _without_generated_at(exported.read_bytes())
    to_stdout = manage("export_annotations", "-j", "3").stdout
    assert _without_generated_at(to_stdout) == _without_generated_at(exported.read_bytes())
    w3c_three = manage("export_annotations", "--format", "w3c", "-j", "3").stdout
    assert w3c_three == b"".join(stream(w3c, Selection()))
    # Three parts, two of them without an approved verdict: empty parts add nothing, not a comma.
    published = manage("export_annotations", "--format", "claimreview", "-j", "3").stdout
    assert published == b"".join(stream(claimreview, Selection()))
    assert len(json.loads(published)["@graph"]) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.json", "factcheck.sqlite3", "three.json"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="child processes need a database they can share")
def test_parallel_export_on_postgresql_and_a_failing_part(demo, four_articles, tmp_path, monkeypatch):
    from annotations.exporters import parallel

    one, three = tmp_path / "one.json", tmp_path / "three.json"
    call_command("export_annotations", "--jobs", "1", "--output", str(one))
    reported = io.StringIO()
    call_command("export_annotations", "--jobs", "3", "--output", str(three), stderr=reported)
    assert _without_generated_at(three.read_bytes()) == _without_generated_at(one.read_bytes())
    assert len(parallel.plan(Selection(), 3, min_per_job=1)) == 3
    assert reported.getvalue().strip() == f"Wrote 11 verdict(s) to {three}."  # the children's counts too

    real_entries = native.entries

    def failing_after_the_first_part(selection, **kwargs):
        if selection.after_article is not None:
            raise RuntimeError("disk full")
        return real_entries(selection, **kwargs)

    monkeypatch.setattr(native, "entries", failing_after_the_first_part)
    with pytest.raises(CommandError, match=r"The export failed: part 2 of 3 failed \(exit code 1\)"):
        call_command("export_annotations", "--jobs", "3", "--output", str(tmp_path / "failed.json"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["failed.json", "one.json", "three.json"]


def broken(data: dict) -> None:
    """Break one thing of each kind the services refuse, all in a schema-valid file."""
    article = data["articles"][0]
    article["url"] = "javascript:alert(1)"
    first, second, third, fourth = article["annotations"][:4]
    first["start"], first["end"] = 0, len(article["body"])  # spans two paragraphs
    first["quote"] = article["body"]
    second["note"] = "a\x00b"
    second["created_at"] = "2026-02-30T10:00:00Z"  # passes the schema's format check, not a calendar
    third["sources"] = [third["sources"][0] | {"url": "ftp://example.org/a"}] if third["sources"] else []
    third["id"] = 2**63
    fourth["status"], fourth["sources"] = "evidenced", []


def test_import_refuses_what_the_services_refuse_and_lists_it(tmp_path, demo):
    data = export_json(native)
    broken(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_annotations", str(path))
    message = str(raised.value)
    article = data["articles"][0]
    assert message.startswith(f"{path} was not imported; nothing was changed:")
    assert f"article {article['id']}: url: Only http:// and https:// addresses can be sources." in message
    assert Annotation.objects.count() == 5


def test_import_checks_every_verdict_of_a_sound_article(tmp_path, demo):
    data = export_json(native)
    broken(data)
    data["articles"][0]["url"] = ""
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_annotations", str(path))
    lines = str(raised.value).splitlines()[1:]
    first, second, third, fourth = (item["id"] for item in data["articles"][0]["annotations"][:4])
    where = f"article {data['articles'][0]['id']}, annotation"
    assert f"  {where} {first}: A selection must stay within one paragraph." in lines
    assert f"  {where} {second}: note holds a NUL character." in lines
    assert f"  {where} {second}: created_at “2026-02-30T10:00:00Z” is not a valid date." in lines
    assert f"  {where} {third}: the id {2**63} is not in the range 1 to {2**63 - 1}." in lines
    assert f"  {where} {fourth}: An evidenced verdict needs at least one source that supports it." in lines
    assert Annotation.objects.count() == 5


def test_import_refuses_sentences_out_of_order_or_past_the_body(tmp_path, demo):
    data = export_json(native)
    sentences = data["articles"][0]["sentences"]
    sentences[1], sentences[2] = sentences[2], sentences[1]
    sentences[-1]["end"] = len(data["articles"][0]["body"]) + 10
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_annotations", str(path))
    message = str(raised.value)
    assert "sentence 1 has index 2: sentences are numbered in order from 0." in message
    assert f"sentence {len(sentences) - 1} (" in message
    assert Annotation.objects.count() == 5


def test_import_refuses_deeply_nested_json_without_a_traceback(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CommandError, match="nested too deeply"):
        call_command("import_annotations", str(path))
