"""Claims in the exports: native schema_version 3 (each verdict's claim, the link events) and its
byte-identical round trip, version 2 files still read, ClaimReview's appearances."""

import io
import json

from django.core.management import call_command
from django.db import connection
import jsonschema
import pytest

from annotations import services
from annotations.exporters import claimreview, native
from annotations.exporters.common import Selection
from annotations.importing_export import check_records
from annotations.models import Annotation, AnnotationSource, Article, Claim, Sentence, Source
from annotations.paths import EXPORT_SCHEMA_PATH

from .factories import ArticleFactory
from .test_claims import approved, verdict
from .test_exporters_versions import export_json

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(EXPORT_SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def desk(reviewer, editor):
    """Three articles; one claim approved in the first two, a draft appearance in the third, one
    verdict in no claim, and a claim whose second appearance was removed (a claim of one)."""
    first = ArticleFactory(title="First", url="https://news.example/first", publisher="Dawn")
    second = ArticleFactory(title="Second", publisher="Geo", published_at=None)
    third = ArticleFactory(title="Third")
    a = approved(first, reviewer, editor, 0)
    b = approved(second, reviewer, editor, 0)
    twice = approved(first, reviewer, editor, 1)  # the same claim twice in one article
    claim = services.claim_link(annotation=b, earlier=a, actor=editor)
    services.claim_link(annotation=twice, earlier=a, actor=editor)
    draft = verdict(third, reviewer, 0)
    services.claim_link(annotation=draft, earlier=a, actor=reviewer)
    alone = approved(third, reviewer, editor, 1)
    c, d = verdict(second, reviewer, 1), verdict(second, reviewer, 2)
    single = services.claim_link(annotation=d, earlier=c, actor=reviewer)
    services.claim_remove(claim=single, annotation=d, actor=reviewer)
    return {"claim": claim, "single": single, "a": a, "b": b, "twice": twice, "draft": draft, "alone": alone}


def test_native_v3_names_each_verdicts_claim(desk):
    data = export_json(native)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    claims = {item["id"]: item["claim"] for article in data["articles"] for item in article["annotations"]}
    claim, single = desk["claim"].pk, desk["single"].pk
    assert data["schema_version"] == 3
    assert [claims[desk[name].pk] for name in ("a", "b", "twice", "draft", "alone")] == [claim] * 4 + [None]
    assert sorted(value for value in claims.values() if value == single) == [single]
    history = next(
        item["history"] for article in data["articles"] for item in article["annotations"] if item["id"] == desk["b"].pk
    )
    assert [event["action"] for event in history] == ["create", "submit", "approve", "claim_link"]


def empty_database(django_user_model) -> None:
    """Events are append-only, so they are removed in SQL; claims go after their verdicts (PROTECT)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE annotations_annotationevent DISABLE TRIGGER annotations_event_append_only")
        cursor.execute("DELETE FROM annotations_annotationevent")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE annotations_annotationevent ENABLE TRIGGER annotations_event_append_only")
    AnnotationSource.objects.all().delete()
    Annotation.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.all().delete()
    Sentence.objects.all().delete()
    Article.objects.all().delete()
    django_user_model.objects.all().delete()


def export_text(tmp_path, name: str) -> str:
    path = tmp_path / name
    call_command("export_annotations", "--output", str(path), stderr=io.StringIO())
    text = path.read_text(encoding="utf-8")
    start = text.index('"generated_at":"')
    return text[:start] + text[text.index('"', start + len('"generated_at":"')) + 1 :]


def test_round_trip_is_byte_identical_and_restores_each_claims_maker(desk, tmp_path, django_user_model):
    before = export_text(tmp_path, "before.json")
    made = {claim.pk: (claim.created_by.username, claim.created_at) for claim in Claim.objects.all()}

    empty_database(django_user_model)
    call_command("import_annotations", str(tmp_path / "before.json"), stdout=io.StringIO())

    assert export_text(tmp_path, "after.json") == before
    assert {claim.pk: (claim.created_by.username, claim.created_at) for claim in Claim.objects.all()} == made


def test_a_new_claim_after_an_import_takes_a_new_number(desk, tmp_path, django_user_model):
    export_text(tmp_path, "before.json")
    numbers = set(Claim.objects.values_list("pk", flat=True))
    empty_database(django_user_model)
    call_command("import_annotations", str(tmp_path / "before.json"), stdout=io.StringIO())
    editor = django_user_model.objects.get(username="editor")
    editor.is_superuser = True  # restored users have no groups; a superuser counts as an editor
    editor.save()
    alone = Annotation.objects.get(pk=desk["alone"].pk)
    other = Annotation.objects.filter(claim=None, deleted_at=None).exclude(pk=alone.pk).first()
    claim = services.claim_create(annotations=[alone, other], actor=editor)
    assert claim.pk not in numbers and claim.pk > max(numbers)


def test_a_schema_version_2_file_still_imports_in_no_claim(desk, tmp_path, django_user_model):
    data = export_json(native)
    data["schema_version"] = 2
    for article in data["articles"]:
        for item in article["annotations"]:
            del item["claim"], item["claimant_type"], item["claim_date"]  # added in schema_version 3
            item["history"] = [e for e in item["history"] if e["action"] not in ("claim_link", "claim_unlink")]
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    empty_database(django_user_model)
    call_command("import_annotations", str(path), stdout=io.StringIO())
    assert (Annotation.objects.count(), Annotation.objects.exclude(claim=None).count(), Claim.objects.count()) == (
        7,
        0,
        0,
    )


def test_a_version_3_file_needs_each_verdicts_claim_and_a_claim_in_range(desk):
    data = export_json(native)
    item = data["articles"][0]["annotations"][0]
    del item["claim"]
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    assert [error.message for error in errors] == ["'claim' is a required property"]
    item["claim"] = 2**63
    assert check_records(data) == [
        f"article {data['articles'][0]['id']}, annotation {item['id']}: "
        f"the claim {2**63} is not in the range 1 to {2**63 - 1}."
    ]


def test_import_refuses_a_claim_already_stored(desk, tmp_path):
    path = tmp_path / "again.json"
    path.write_text(json.dumps(export_json(native)), encoding="utf-8")
    from django.core.management import CommandError

    with pytest.raises(CommandError) as refused:
        call_command("import_annotations", str(path), stdout=io.StringIO())
    assert "already stored" in str(refused.value)


def test_claimreview_lists_every_approved_appearance_of_the_claim(desk):
    graph = export_json(claimreview, Selection(published=True))["@graph"]
    first = {"@type": "CreativeWork", "url": "https://news.example/first", "headline": "First"}
    first["publisher"] = {"@type": "Organization", "name": "Dawn"}
    second_article = desk["b"].article
    second = {
        "@type": "CreativeWork",
        "url": f"https://fc.example/factchecks/{second_article.pk}/",
        "headline": "Second",
        "publisher": {"@type": "Organization", "name": "Geo"},
    }
    by_id = {int(review["url"].rsplit("-", 1)[1]): review["itemReviewed"]["appearance"] for review in graph}
    # Each article once (the claim appears twice in the first), first checked first; the draft in
    # the third article is not published, so the third is not an appearance. An article without a
    # URL appears as its public page, never as the reader's page behind the log-in.
    assert by_id[desk["a"].pk] == [first, second]
    assert by_id[desk["b"].pk] == [first, second]
    assert by_id[desk["twice"].pk] == [first, second]
    third = desk["alone"].article
    assert sorted(by_id) == sorted(desk[name].pk for name in ("a", "b", "twice", "alone"))
    assert by_id[desk["alone"].pk] == [
        {"@type": "CreativeWork", "url": f"https://fc.example/factchecks/{third.pk}/", "headline": "Third"}
    ]
