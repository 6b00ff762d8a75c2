"""Exports with versions (issue 16): native schema_version 2 (now 3) and its round trip, W3C on the
version's text, ClaimReview of anchored approved verdicts only; version 1 files still import."""

import io
import json

from django.core.management import call_command
from django.db import connection
import jsonschema
import pytest

from annotations import services
from annotations.exporters import claimreview, native, stream, w3c
from annotations.exporters.common import Selection, timestamp
from annotations.models import Annotation, Article, ArticleVersion, Source
from annotations.paths import EXPORT_SCHEMA_PATH

from .reanchoring_corpus import CASES

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(EXPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
LEAD = CASES[0].old
FIXED = LEAD.replace("recieved", "received").replace(
    "Officials said the contract was worth two billion rupees.",
    "No price for the deal has ever been made public, according to court records.",
)


def export_json(module, selection=None):
    return json.loads(b"".join(stream(module, selection or Selection(), base_url="https://fc.example")))


def _approved(article, reviewer, editor, quote):
    start = article.body.index(quote)
    verdict = services.annotation_create(
        article=article, author=reviewer, start=start, end=start + len(quote), quote=quote, status="alleged"
    )
    verdict = services.annotation_submit(annotation=verdict, actor=reviewer, version=verdict.version)
    return services.annotation_approve(annotation=verdict, editor=editor, version=verdict.version)


@pytest.fixture
def corrected(reviewer, editor):
    article = services.article_import(title="Safe City", body=LEAD, imported_by=reviewer)
    exact = _approved(article, reviewer, editor, "The authority denied the claim in a short statement on Friday.")
    fuzzy = _approved(article, reviewer, editor, "The ministry recieved 40 complaints in March.")
    orphan = _approved(article, reviewer, editor, "Officials said the contract was worth two billion rupees.")
    services.article_version_create(article=article, actor=editor, body=FIXED)
    article.refresh_from_db()
    return article, exact, fuzzy, orphan


def test_native_v3_carries_versions_and_each_verdicts_version(corrected):
    article, exact, fuzzy, orphan = corrected
    data = export_json(native)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["schema_version"] == 3
    item = data["articles"][0]
    old = ArticleVersion.objects.get(article=article)
    assert (item["version"], item["corrected_by"], item["body"]) == (2, "editor", FIXED)
    assert item["corrected_at"] == timestamp(article.corrected_at)
    assert item["versions"] == [
        {
            "version": 1,
            "created_at": timestamp(old.created_at),
            "created_by": "reviewer",
            "replaced_at": timestamp(article.corrected_at),
            "body": LEAD,
            "body_sha256": old.body_sha256,
        }
    ]
    verdicts = {v["id"]: v for v in item["annotations"]}
    assert [(verdicts[v.pk]["article_version"], verdicts[v.pk]["anchor"]) for v in (exact, fuzzy, orphan)] == [
        (2, "exact"),
        (2, "fuzzy"),
        (1, "orphaned"),
    ]
    assert verdicts[orphan.pk]["sentence_indexes"] == []
    assert LEAD[verdicts[orphan.pk]["start"] : verdicts[orphan.pk]["end"]] == verdicts[orphan.pk]["quote"]
    assert verdicts[fuzzy.pk]["history"][-1]["action"] == "reanchor"


def test_round_trip_with_versions_is_identical(corrected, tmp_path, django_user_model):
    first = tmp_path / "first.json"
    call_command("export_annotations", "--output", str(first))
    w3c_before = b"".join(stream(w3c, Selection()))
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
    Article.objects.all().delete()
    django_user_model.objects.all().delete()

    out = io.StringIO()
    call_command("import_annotations", str(first), stdout=out)
    assert out.getvalue().strip() == "Imported 1 article(s) and 3 verdict(s)."
    second = tmp_path / "second.json"
    call_command("export_annotations", "--output", str(second))

    def without_generated_at(data: bytes) -> bytes:
        start = data.index(b'"generated_at":"')
        return data[:start] + data[data.index(b'"', start + len(b'"generated_at":"')) + 1 :]

    assert without_generated_at(second.read_bytes()) == without_generated_at(first.read_bytes())
    assert b"".join(stream(w3c, Selection())) == w3c_before


def test_w3c_targets_the_text_of_each_verdicts_version(corrected):
    article, exact, _, orphan = corrected
    items = {int(a["id"].rstrip("/").rsplit("/", 1)[1]): a for a in export_json(w3c)["first"]["items"]}
    old = ArticleVersion.objects.get(article=article)
    assert items[orphan.pk]["target"]["state"] == {"type": "TimeState", "sourceDate": timestamp(old.created_at)}
    assert items[exact.pk]["target"]["state"] == {"type": "TimeState", "sourceDate": timestamp(article.corrected_at)}
    quote, position = items[orphan.pk]["target"]["selector"]
    assert LEAD[position["start"] : position["end"]] == quote["exact"] == orphan.quote


def test_w3c_of_an_article_never_corrected_has_no_state(reviewer):
    article = services.article_import(title="t", body=LEAD, imported_by=reviewer)
    start = LEAD.index("two billion rupees")
    services.annotation_create(
        article=article, author=reviewer, start=start, end=start + 18, quote="two billion rupees", status="alleged"
    )
    assert list(export_json(w3c)["first"]["items"][0]["target"]) == ["source", "selector"]


def test_claimreview_publishes_only_anchored_approved_verdicts(corrected):
    _, exact, fuzzy, orphan = corrected
    graph = export_json(claimreview, Selection(published=True))["@graph"]
    assert [review["claimReviewed"] for review in graph] == [exact.quote]
    assert Annotation.objects.get(pk=orphan.pk).state == "approved"  # kept, not published
    assert Annotation.objects.get(pk=fuzzy.pk).state == "submitted"  # back in the queue


def test_a_schema_version_1_file_still_imports(reviewer, tmp_path, django_user_model):
    article = services.article_import(title="Old", body=LEAD, imported_by=reviewer)
    start = LEAD.index("two billion rupees")
    services.annotation_create(
        article=article, author=reviewer, start=start, end=start + 18, quote="two billion rupees", status="alleged"
    )
    data = export_json(native)
    data["schema_version"] = 1
    for item in data["articles"]:
        for key in ("version", "corrected_at", "corrected_by", "versions"):
            del item[key]
        for verdict in item["annotations"]:
            del verdict["article_version"], verdict["anchor"], verdict["claim"]
            del verdict["claimant_type"], verdict["claim_date"]
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE annotations_annotationevent DISABLE TRIGGER annotations_event_append_only")
        cursor.execute("DELETE FROM annotations_annotationevent")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE annotations_annotationevent ENABLE TRIGGER annotations_event_append_only")
    Annotation.objects.all().delete()
    Article.objects.all().delete()
    call_command("import_annotations", str(path), stdout=io.StringIO())
    restored = Article.objects.get()
    assert (restored.version, restored.annotations.get().article_version) == (1, 1)


def test_import_refuses_a_verdict_on_a_version_the_article_lacks(corrected, tmp_path):
    data = export_json(native)
    data["articles"][0]["annotations"][0]["article_version"] = 5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    from django.core.management import CommandError

    with pytest.raises(CommandError) as raised:
        call_command("import_annotations", str(path), stdout=io.StringIO())
    verdict_id = data["articles"][0]["annotations"][0]["id"]
    assert f"article {data['articles'][0]['id']}, annotation {verdict_id}: article_version 5 is not a version" in str(
        raised.value
    )
