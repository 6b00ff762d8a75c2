"""Exports and the API stay English whatever language is active: their keys, status values and
labels are data for other programs, not words for the page (issue 20)."""

import json

from django.urls import reverse
from django.utils import translation
import pytest

from annotations import services
from annotations.demo import create_demo_verdicts
from annotations.exporters import claimreview, native, stream, w3c
from annotations.exporters.common import Selection
from annotations.models import Status

from .conftest import api

pytestmark = pytest.mark.django_db

ENGLISH_W3C_LABELS = {
    "alleged": "Alleged: A party claims it; not established.",
    "denied": "Denied: A party named in it has denied it.",
    "unverified": "Unverified: No evidence either way could be found.",
    "evidenced": "Evidenced: Documents or reporting support it.",
}


@pytest.fixture
def approved(seed_article, reviewer, reviewer2, editor):
    """The demo's verdicts in every state, and a denied one approved (its rating names who denied it)."""
    verdicts = create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    denied = next(verdict for verdict in verdicts if verdict.status == Status.DENIED)
    denied.refresh_from_db()
    if denied.state != "approved":
        if denied.state != "submitted":
            denied = services.annotation_submit(annotation=denied, actor=denied.author, version=denied.version)
        services.annotation_approve(annotation=denied, editor=editor, version=denied.version)
    return verdicts


def _export(module) -> bytes:
    data = b"".join(stream(module, Selection(), base_url="https://fc.example"))
    if b'"generated_at":"' not in data:
        return data
    start = data.index(b'"generated_at":"')
    return data[:start] + data[data.index(b'"', start + len(b'"generated_at":"')) + 1 :]


def test_the_urdu_catalog_translates_the_status_labels_the_exports_must_not_use():
    """The premise of the tests below: with Urdu active, the models' labels are Urdu."""
    with translation.override("ur"):
        assert str(Status.ALLEGED.label) != "Alleged"
    with translation.override("en"):
        assert str(Status.ALLEGED.label) == "Alleged"


@pytest.mark.parametrize("module", [native, w3c, claimreview], ids=["native", "w3c", "claimreview"])
def test_an_export_is_the_same_in_urdu_as_in_english(approved, module):
    with translation.override("en"):
        english = _export(module)
    with translation.override("ur"):
        urdu = _export(module)
    assert urdu == english


def test_the_w3c_status_labels_and_claimreview_ratings_are_english_under_urdu(approved):
    with translation.override("ur"):
        items = json.loads(_export(w3c))["first"]["items"]
        reviews = json.loads(_export(claimreview))["@graph"]
    assessing = {item["body"][0]["value"]: item["body"][0]["label"] for item in items}
    assert assessing == {status: ENGLISH_W3C_LABELS[status] for status in assessing}
    assert set(assessing) == {"alleged", "denied", "unverified", "evidenced"}
    assert sorted(review["reviewRating"]["alternateName"] for review in reviews) == [
        "Alleged – not independently verified",
        "Disputed – denied by Huawei",
        "Supported by evidence",
    ]


def test_the_api_answers_a_verdict_in_english_to_an_urdu_reader(approved, editor):
    verdict = approved[0]
    url = reverse("api:annotation-detail", args=[verdict.pk])
    client = api(editor)
    with translation.override("en"):
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    with translation.override("ur"):
        urdu = client.get(url, HTTP_ACCEPT_LANGUAGE="ur").json()
    assert urdu == english
    assert (urdu["status"], urdu["state"]) == (verdict.status, verdict.state)
