"""records.py: the one statement of each output shape, and the schema that documents it."""

from django.urls import reverse
import pytest
from rest_framework.test import APIClient

from annotations import records, services
from annotations.api import serializers
from annotations.models import AnnotationEvent

from .conftest import sentence_span

ROW = {
    "id": 7,
    "article_id": 3,
    "start": 10,
    "end": 20,
    "quote": "a quote",
    "prefix": "before ",
    "suffix": " after",
    "article_version": 2,
    "anchor": "fuzzy",
    "status": "denied",
    "claimant": "BES",
    "claimant_type": "organization",
    "denied_by": "Huawei",
    "note": "Why.",
    "state": "approved",
    "version": 4,
    "claim_id": 5,
    "author__username": "reviewer",
    "reviewed_by__username": "editor",
    "review_comment": "Fine.",
    "created": "2026-12-01T10:00:00Z",
    "updated": "2026-12-01T11:00:00.5Z",
    "reviewed": "2026-12-01T11:00:00.5Z",
    "claim_day": "2025-01-31",
}
LINK = (7, "https://example.org/", "A filing", "Court", "2025-02-03", "", "denial", "p. 4")
EVENT = (7, "approve", "editor", "2026-12-01T11:00:00.5Z", "submitted", "approved", "denied", "denied", "")


def test_the_api_verdict_names_its_article_and_no_history():
    record = records.verdict(ROW, sources=[records.source_link(LINK)])
    assert list(record) == [field for field in serializers.AnnotationSerializer.Meta.fields]
    assert record["review"] == {"editor": "editor", "decided_at": "2026-12-01T11:00:00.5Z", "comment": "Fine."}


def test_the_native_verdict_sits_in_its_article_with_sentences_and_history():
    record = records.verdict(ROW, sources=[], with_article=False, sentence_indexes=[2], history=[records.event(EVENT)])
    assert list(record)[:10] == [
        *("id", "start", "end", "quote", "prefix", "suffix"),
        *("article_version", "anchor", "sentence_indexes", "status"),
    ]
    assert (list(record)[-1], "article" in record) == ("history", False)


def test_a_verdict_names_its_claim_in_the_api_and_the_native_export():
    assert records.verdict(ROW, sources=[])["claim"] == 5
    assert records.verdict(ROW | {"claim_id": None}, sources=[], with_article=False, history=[])["claim"] is None


def test_a_claim_and_its_appearances_have_the_documented_fields():
    assert tuple(serializers.ClaimSerializer().fields) == records.CLAIM_KEYS
    assert tuple(serializers.AppearanceSerializer().fields) == records.APPEARANCE_KEYS


def test_an_unreviewed_verdict_has_no_review():
    assert records.verdict(ROW | {"reviewed_by__username": None}, sources=[])["review"] is None


def test_a_source_link_has_the_documented_fields():
    assert list(records.source_link(LINK)) == list(serializers.SourceLinkSerializer().fields)


def test_an_api_event_has_the_documented_fields_and_a_native_one_writes_null_states():
    assert list(records.event(EVENT, changes=[])) == serializers.EventSerializer.Meta.fields
    first = records.event((7, "create", "reviewer", "2026-12-01T10:00:00Z", "", "draft", "", "denied", ""))
    assert (first["from_state"], first["from_status"], "changes" in first) == (None, None, False)


@pytest.mark.django_db
def test_the_api_answers_with_the_records(reviewer, seed_article, bbc_source):
    """A verdict read through the API is records.verdict of its row: no second shape on the way."""
    annotation = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="alleged",
        sources=[services.SourceLink(bbc_source, "supports", "p. 2")],
        **sentence_span(seed_article, 2),
    )
    client = APIClient()
    client.force_authenticate(reviewer)
    answer = client.get(reverse("api:annotation-detail", args=[annotation.pk])).json()
    created = AnnotationEvent.objects.get(annotation=annotation).at
    assert answer["created_at"] == created.isoformat().replace("+00:00", "Z")
    assert answer["sources"] == [
        {
            "url": bbc_source.url,
            "title": bbc_source.title,
            "publisher": "BBC News",
            "published_at": None,
            "archive_url": "",
            "relation": "supports",
            "pinpoint": "p. 2",
        }
    ]


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, None),
        ({"requested": "t1"}, "pending"),
        ({"requested": "t1", "error": "HTTP 404"}, "failed"),
        ({"requested": "t1", "archived": "t2"}, "archived"),
        ({"requested": "t1", "archived": "t2", "error": "HTTP 410", "broken": "t3"}, "broken"),
    ],
)
def test_an_archive_state_follows_the_sources_fields(fields, state):
    values = {"requested": None, "archived": None, "error": "", "broken": None} | fields
    assert records.archive_state(**values) == state


def test_a_source_never_archived_has_no_archive_and_a_snapshot_has_its_text_only_when_read():
    never = ("https://a.example/", None, None, None, "", None, *(None,) * 7)
    assert (records.source_archive(None), records.source_archive(never)) == (None, None)
    archived = ("https://a.example/", "t1", "t2", "t2", "", None, "t2", "https://a.example/", 200, "text/html")
    snapshot = {
        "taken_at": "t2",
        "final_url": "https://a.example/",
        "http_status": 200,
        "content_type": "text/html",
        "sha256": "ab" * 32,
        "byte_count": 3,
    }
    assert records.source_archive((*archived, "ab" * 32, 3, None))["snapshot"] == snapshot
    assert records.source_archive((*archived, "ab" * 32, 3, "Text"))["snapshot"] == snapshot | {"text": "Text"}
