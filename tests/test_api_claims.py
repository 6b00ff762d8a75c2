"""The API's claims (/api/v1/claims/) and the verdict's `claim` and `same_claim_as`: answers,
field-level 400s, 403 and 404, what a viewer may see and count, and the query counts."""

import pytest

from annotations import services
from annotations.models import Annotation, Claim

from .conftest import api, create_payload
from .factories import ArticleFactory
from .test_claims import approved, verdict

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def articles(reviewer):
    return (
        ArticleFactory(title="First report", url="https://news.example/1", publisher="Dawn"),
        ArticleFactory(title="Second report"),
    )


@pytest.fixture
def claimed(reviewer, reviewer2, editor, articles):
    first, second = articles
    earlier = approved(first, reviewer, editor, 0)
    mine = verdict(second, reviewer, 1)
    claim = services.claim_link(annotation=mine, earlier=earlier, actor=reviewer)
    theirs = verdict(second, reviewer2, 2)
    services.claim_link(annotation=theirs, earlier=earlier, actor=reviewer2)
    return claim, earlier, mine, theirs


def appearance(annotation) -> dict:
    article = annotation.article
    return {
        "annotation": annotation.pk,
        "article": {
            "id": article.pk,
            "title": article.title,
            "url": article.url,
            "publisher": article.publisher,
            "published_at": None,
        },
        "quote": annotation.quote,
        "status": annotation.status,
        "state": annotation.state,
        "author": annotation.author.username,
        "date": iso(annotation.created_at),
    }


def test_read_lists_only_the_appearances_the_viewer_may_see_and_counts_only_them(reviewer, editor, claimed):
    claim, earlier, mine, theirs = claimed
    response = api(reviewer).get(f"{CLAIMS}{claim.pk}/")
    earlier, mine, theirs = (Annotation.objects.get(pk=a.pk) for a in (earlier, mine, theirs))
    assert (response.status_code, response.json()) == (
        200,
        {
            "id": claim.pk,
            "created_at": iso(claim.created_at),
            "created_by": "reviewer",
            "label": earlier.quote,
            "count": 2,
            "appearances": [appearance(earlier), appearance(mine)],
        },
    )
    as_editor = api(editor).get(f"{CLAIMS}{claim.pk}/").json()
    assert (as_editor["count"], [a["annotation"] for a in as_editor["appearances"]]) == (
        3,
        [earlier.pk, mine.pk, theirs.pk],
    )


def test_the_verdict_record_names_its_claim(reviewer, claimed, articles):
    claim, earlier, mine, _theirs = claimed
    client = api(reviewer)
    assert client.get(f"/api/v1/annotations/{mine.pk}/").json()["claim"] == claim.pk
    alone = verdict(articles[0], reviewer, 2)
    assert client.get(f"/api/v1/annotations/{alone.pk}/").json()["claim"] is None
    listed = {item["id"]: item["claim"] for item in client.get("/api/v1/annotations/").json()["results"]}
    assert listed == {earlier.pk: claim.pk, mine.pk: claim.pk, alone.pk: None}


def test_a_claim_of_hidden_drafts_and_malformed_ids_are_404(reviewer, reviewer2, articles):
    first, second = articles
    a, b = verdict(first, reviewer2), verdict(second, reviewer2)
    claim = services.claim_link(annotation=b, earlier=a, actor=reviewer2)
    client = api(reviewer)
    for path in (f"{CLAIMS}{claim.pk}/", f"{CLAIMS}{2**63}/", f"{CLAIMS}{'9' * 25}/", f"{CLAIMS}²/"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert client.get(f"{CLAIMS}{claim.pk}/").json() == {"detail": "No Claim matches the given query."}
    anonymous = api().get(f"{CLAIMS}{claim.pk}/")
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


def test_create_answers_the_claim(editor, reviewer, articles):
    first, second = articles
    a, b = approved(first, reviewer, editor, 0), approved(second, reviewer, editor, 0)
    response = api(editor).post(CLAIMS, {"annotations": [a.pk, str(b.pk)]}, format="json")
    claim = Claim.objects.get()
    assert (response.status_code, response.json()["id"], response.json()["count"]) == (201, claim.pk, 2)
    assert response.json()["appearances"][0]["annotation"] == a.pk


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"annotations": [1]}, {"annotations": ["Ensure this field has at least 2 elements."]}),
        ({}, {"annotations": ["This field is required."]}),
        ({"annotations": "1,2"}, {"annotations": ['Expected a list of items but got type "str".']}),
        (
            {"annotations": ["²", "9" * 25]},
            {
                "annotations": {
                    "0": ["A valid id is required: a whole number from 1 to 9223372036854775807."],
                    "1": ["A valid id is required: a whole number from 1 to 9223372036854775807."],
                }
            },
        ),
        (
            {"annotations": [True, 1.5]},
            {
                "annotations": {
                    "0": ["A valid id is required: a whole number from 1 to 9223372036854775807."],
                    "1": ["A valid id is required: a whole number from 1 to 9223372036854775807."],
                }
            },
        ),
    ],
)
def test_create_refuses_malformed_bodies_field_by_field(editor, body, errors):
    response = api(editor).post(CLAIMS, body, format="json")
    assert (response.status_code, response.json()) == (400, errors)


def test_create_refuses_hidden_drafts_as_a_field_error_and_outsiders_with_403(
    reviewer, reviewer2, outsider, editor, articles
):
    first, second = articles
    a, b = approved(first, reviewer, editor, 0), approved(second, reviewer, editor, 0)
    hidden = verdict(second, reviewer2, 1)
    response = api(reviewer).post(CLAIMS, {"annotations": [a.pk, hidden.pk]}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"annotations": [f"Verdict {hidden.pk} does not exist or you cannot see it."]},
    )
    response = api(outsider).post(CLAIMS, {"annotations": [a.pk, b.pk]}, format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You can group verdicts into a claim only when you may edit one of them."},
    )
    response = api(reviewer).post(CLAIMS, "[1, 2]", content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "JSON parse error - the body must be a JSON object."},
    )
    assert Claim.objects.count() == 0


def test_add_and_its_refusals(reviewer, reviewer2, editor, claimed, articles):
    claim, _earlier, _mine, theirs = claimed
    client = api(reviewer)
    new = verdict(articles[0], reviewer, 2)
    response = client.post(f"{CLAIMS}{claim.pk}/annotations/", {"annotation": new.pk}, format="json")
    assert (response.status_code, response.json()["count"]) == (200, 3)
    assert Annotation.objects.get(pk=new.pk).claim == claim
    bad = client.post(f"{CLAIMS}{claim.pk}/annotations/", {"annotation": "²"}, format="json")
    assert (bad.status_code, bad.json()) == (
        400,
        {"annotation": ["A valid id is required: a whole number from 1 to 9223372036854775807."]},
    )
    hidden = client.post(f"{CLAIMS}{claim.pk}/annotations/", {"annotation": theirs.pk}, format="json")
    assert (hidden.status_code, hidden.json()) == (
        400,
        {"annotation": [f"Verdict {theirs.pk} does not exist or you cannot see it."]},
    )
    other = approved(articles[1], reviewer2, editor, 0)
    denied = client.post(f"{CLAIMS}{claim.pk}/annotations/", {"annotation": other.pk}, format="json")
    assert (denied.status_code, denied.json()) == (
        403,
        {"detail": "Only its author or an editor can link this verdict."},
    )
    missing = client.post(f"{CLAIMS}{2**62}/annotations/", {"annotation": new.pk}, format="json")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Claim matches the given query."})


def test_remove_and_its_refusals(reviewer, editor, claimed):
    claim, earlier, mine, theirs = claimed
    client = api(reviewer)
    denied = client.delete(f"{CLAIMS}{claim.pk}/annotations/{earlier.pk}/")
    assert (denied.status_code, denied.json()) == (
        403,
        {"detail": "This verdict is approved: ask an editor to reopen it or return it before you unlink it."},
    )
    hidden = client.delete(f"{CLAIMS}{claim.pk}/annotations/{theirs.pk}/")
    assert (hidden.status_code, hidden.json()) == (404, {"detail": "No Annotation matches the given query."})
    assert client.delete(f"{CLAIMS}{claim.pk}/annotations/{'9' * 25}/").status_code == 404
    removed = client.delete(f"{CLAIMS}{claim.pk}/annotations/{mine.pk}/")
    assert (removed.status_code, [a["annotation"] for a in removed.json()["appearances"]]) == (200, [earlier.pk])
    again = client.delete(f"{CLAIMS}{claim.pk}/annotations/{mine.pk}/")
    assert (again.status_code, again.json()) == (404, {"detail": "No Annotation matches the given query."})


def test_removing_the_last_appearance_the_viewer_sees_answers_204(reviewer, articles):
    first, second = articles
    a, b = verdict(first, reviewer), verdict(second, reviewer)
    claim = services.claim_link(annotation=b, earlier=a, actor=reviewer)
    client = api(reviewer)
    assert client.delete(f"{CLAIMS}{claim.pk}/annotations/{a.pk}/").status_code == 200
    response = client.delete(f"{CLAIMS}{claim.pk}/annotations/{b.pk}/")
    assert (response.status_code, Claim.objects.filter(pk=claim.pk).exists()) == (204, False)


def test_annotation_create_and_update_take_same_claim_as(reviewer, reviewer2, editor, articles):
    first, second = articles
    earlier = approved(first, reviewer, editor, 0)
    client = api(reviewer)
    created = client.post(
        "/api/v1/annotations/", create_payload(second, index=0, same_claim_as=earlier.pk), format="json"
    )
    claim_id = Annotation.objects.get(pk=earlier.pk).claim_id
    assert (created.status_code, created.json()["claim"]) == (201, claim_id)
    assert claim_id is not None

    hidden = verdict(second, reviewer2, 2)
    refused = client.post(
        "/api/v1/annotations/", create_payload(second, index=1, same_claim_as=hidden.pk), format="json"
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"same_claim_as": ["Choose a verdict from the list: this one does not exist or you cannot see it."]},
    )
    malformed = client.post(
        "/api/v1/annotations/", create_payload(second, index=1, same_claim_as="9" * 25), format="json"
    )
    assert (malformed.status_code, malformed.json()) == (
        400,
        {"same_claim_as": ["A valid id is required: a whole number from 1 to 9223372036854775807."]},
    )
    assert Annotation.objects.filter(article=second).count() == 2  # the linked one and reviewer2's draft

    mine = verdict(first, reviewer, 1)
    updated = client.patch(
        f"/api/v1/annotations/{mine.pk}/", {"version": 1, "same_claim_as": earlier.pk}, format="json"
    )
    assert (updated.status_code, updated.json()["claim"], updated.json()["version"]) == (200, claim_id, 2)


@pytest.mark.parametrize("extra", [0, 10])
def test_read_uses_a_fixed_number_of_queries(reviewer, claimed, django_assert_num_queries, extra):
    claim, earlier, _mine, _theirs = claimed
    for _ in range(extra):
        services.claim_link(annotation=verdict(ArticleFactory(), reviewer), earlier=earlier, actor=reviewer)
    client = api(reviewer)
    # the claim, its appearances (the forced user's groups were read already, by the services)
    with django_assert_num_queries(2):
        response = client.get(f"{CLAIMS}{claim.pk}/")
    assert response.json()["count"] == 2 + extra
