"""Claims across articles (issue 17, part 4): the services, the verdict form's `same_claim_as`, the
claim page and its Remove, the card's link, and who sees what. Real database, both engines."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
import pytest

from annotations import services
from annotations.models import Action, Annotation, AnnotationEvent, Claim

from .conftest import client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
UNKNOWN = "Choose a verdict from the list: this one does not exist or you cannot see it."


def verdict(article, author, index=0, *, status="alleged", **fields):
    return services.annotation_create(
        article=article, author=author, status=status, **sentence_span(article, index), **fields
    )


def approved(article, author, editor, index=0):
    created = verdict(article, author, index)
    submitted = services.annotation_submit(annotation=created, actor=author, version=created.version)
    return services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)


def claim_events(annotation) -> list[tuple]:
    return list(
        AnnotationEvent.objects.filter(annotation=annotation, action__in=[Action.CLAIM_LINK, Action.CLAIM_UNLINK])
        .order_by("at", "id")
        .values_list("action", "actor__username", "changes", "from_state", "to_state")
    )


@pytest.fixture
def two_articles(reviewer):
    return ArticleFactory(title="First report"), ArticleFactory(title="Second report")


# --- Services ------------------------------------------------------------------------------------


def test_link_creates_a_claim_from_both_with_an_event_in_each_history(reviewer, editor, two_articles):
    first, second = two_articles
    earlier = approved(first, reviewer, editor)
    later = verdict(second, reviewer)

    claim = services.claim_link(annotation=later, earlier=earlier, actor=reviewer)

    assert (claim.created_by, Annotation.objects.filter(claim=claim).count()) == (reviewer, 2)
    change = [{"field": "claim", "old": None, "new": claim.pk}]
    assert claim_events(earlier) == [("claim_link", "reviewer", change, "approved", "approved")]
    assert claim_events(later) == [("claim_link", "reviewer", change, "draft", "draft")]
    # Not an edit: the versions and times the forms and the review rely on stay as they were.
    assert Annotation.objects.get(pk=earlier.pk).version == earlier.version
    assert Annotation.objects.get(pk=earlier.pk).updated_at == earlier.updated_at


def test_link_joins_the_earlier_verdicts_claim_and_again_changes_nothing(reviewer, editor, two_articles):
    first, second = two_articles
    a, b = approved(first, reviewer, editor, 0), approved(first, reviewer, editor, 1)
    claim = services.claim_link(annotation=b, earlier=a, actor=editor)
    c = verdict(second, reviewer, 2)

    assert services.claim_link(annotation=c, earlier=b, actor=reviewer) == claim
    assert services.claim_link(annotation=c, earlier=a, actor=reviewer) == claim
    assert sorted(Annotation.objects.filter(claim=claim).values_list("pk", flat=True)) == [a.pk, b.pk, c.pk]
    assert claim_events(c) == [
        ("claim_link", "reviewer", [{"field": "claim", "old": None, "new": claim.pk}], "draft", "draft")
    ]


def test_link_puts_an_earlier_verdict_without_a_claim_in_this_ones(reviewer, editor, two_articles):
    first, second = two_articles
    a, b = approved(first, reviewer, editor, 0), approved(first, reviewer, editor, 1)
    claim = services.claim_create(annotations=[a, b], actor=editor)
    earlier = approved(second, reviewer, editor, 0)
    services.claim_link(annotation=a, earlier=earlier, actor=editor)
    assert Annotation.objects.get(pk=earlier.pk).claim == claim


def test_link_refuses_an_earlier_verdict_the_actor_cannot_see(reviewer, reviewer2, two_articles):
    first, second = two_articles
    hidden = verdict(first, reviewer2)  # reviewer2's draft
    mine = verdict(second, reviewer)
    with pytest.raises(ValidationError) as refused:
        services.claim_link(annotation=mine, earlier=hidden, actor=reviewer)
    assert refused.value.message_dict == {"same_claim_as": [UNKNOWN]}
    assert (Claim.objects.count(), claim_events(hidden), claim_events(mine)) == (0, [], [])


def test_link_follows_the_edit_rule_for_the_verdict_linked(reviewer, reviewer2, editor, two_articles):
    first, second = two_articles
    earlier = approved(first, reviewer2, editor)
    submitted = verdict(second, reviewer)
    submitted = services.annotation_submit(annotation=submitted, actor=reviewer, version=1)
    with pytest.raises(PermissionDenied) as refused:
        services.claim_link(annotation=submitted, earlier=earlier, actor=reviewer)
    assert str(refused.value) == (
        "This verdict is submitted: ask an editor to reopen it or return it before you link it."
    )
    with pytest.raises(PermissionDenied) as refused:
        services.claim_link(annotation=earlier, earlier=submitted, actor=reviewer)
    assert str(refused.value) == "Only its author or an editor can link this verdict."
    assert Claim.objects.count() == 0


def test_link_refuses_itself_and_two_different_claims(reviewer, editor, two_articles):
    first, second = two_articles
    a, b = approved(first, reviewer, editor, 0), approved(first, reviewer, editor, 1)
    c, d = approved(second, reviewer, editor, 0), approved(second, reviewer, editor, 1)
    one = services.claim_create(annotations=[a, b], actor=editor)
    two = services.claim_create(annotations=[c, d], actor=editor)
    with pytest.raises(ValidationError) as refused:
        services.claim_link(annotation=a, earlier=a, actor=editor)
    assert refused.value.message_dict == {
        "same_claim_as": ["A verdict cannot be the same claim as itself: choose another."]
    }
    with pytest.raises(ValidationError) as refused:
        services.claim_link(annotation=a, earlier=c, actor=editor)
    assert refused.value.message_dict == {
        "same_claim_as": [
            f"This verdict is in claim {one.pk} and the earlier one in claim {two.pk}: "
            "remove this one from its claim first."
        ]
    }


def test_create_needs_two_visible_verdicts_in_no_claim_and_one_the_actor_may_edit(
    reviewer, reviewer2, editor, outsider, two_articles
):
    first, second = two_articles
    a, b = approved(first, reviewer, editor, 0), approved(second, reviewer, editor, 0)
    hidden = verdict(second, reviewer2, 1)
    with pytest.raises(ValidationError) as refused:
        services.claim_create(annotations=[a, a], actor=editor)
    assert refused.value.message_dict == {
        "annotations": ["Name at least two verdicts: a claim is one statement checked in more than one place."]
    }
    with pytest.raises(ValidationError) as refused:
        services.claim_create(annotations=[a, hidden], actor=reviewer)
    assert refused.value.message_dict == {"annotations": [f"Verdict {hidden.pk} does not exist or you cannot see it."]}
    with pytest.raises(PermissionDenied) as denied:
        services.claim_create(annotations=[a, b], actor=outsider)
    assert str(denied.value) == "You can group verdicts into a claim only when you may edit one of them."
    claim = services.claim_create(annotations=[a, b], actor=editor)
    with pytest.raises(ValidationError) as refused:
        services.claim_create(annotations=[a, verdict(first, reviewer, 2)], actor=reviewer)
    assert refused.value.message_dict == {
        "annotations": [f"Verdict {a.pk} is already in claim {claim.pk}: add the others to that claim."]
    }


def test_add_follows_the_edit_rule_and_one_claim_per_verdict(reviewer, reviewer2, editor, two_articles):
    first, second = two_articles
    a, b = approved(first, reviewer, editor, 0), approved(second, reviewer, editor, 0)
    claim = services.claim_create(annotations=[a, b], actor=editor)
    mine = verdict(second, reviewer2, 1)
    with pytest.raises(PermissionDenied):
        services.claim_add(claim=claim, annotation=mine, actor=reviewer)
    assert services.claim_add(claim=claim, annotation=mine, actor=reviewer2) == claim
    assert services.claim_add(claim=claim, annotation=mine, actor=reviewer2) == claim  # nothing more
    assert [event[0] for event in claim_events(mine)] == ["claim_link"]
    c, d = approved(first, reviewer, editor, 1), approved(first, reviewer, editor, 2)
    other = services.claim_create(annotations=[c, d], actor=editor)
    with pytest.raises(ValidationError) as refused:
        services.claim_add(claim=other, annotation=mine, actor=editor)
    assert refused.value.message_dict == {
        "annotation": [f"This verdict is already in claim {claim.pk}: remove it from there first."]
    }


def test_remove_keeps_a_claim_of_one_and_deletes_an_empty_one(reviewer, editor, two_articles):
    first, second = two_articles
    a, b = verdict(first, reviewer), verdict(second, reviewer)
    claim = services.claim_link(annotation=b, earlier=a, actor=reviewer)

    assert services.claim_remove(claim=claim, annotation=b, actor=reviewer) == claim
    assert list(Annotation.objects.filter(claim=claim).values_list("pk", flat=True)) == [a.pk]
    assert claim_events(b)[-1] == (
        "claim_unlink",
        "reviewer",
        [{"field": "claim", "old": claim.pk, "new": None}],
        "draft",
        "draft",
    )
    with pytest.raises(ValidationError) as refused:
        services.claim_remove(claim=claim, annotation=b, actor=reviewer)
    assert refused.value.message_dict == {"annotation": ["This verdict is not in this claim."]}

    assert services.claim_remove(claim=claim, annotation=a, actor=reviewer) is None
    assert Claim.objects.filter(pk=claim.pk).exists() is False


def test_remove_follows_the_edit_rule(reviewer, editor, two_articles):
    first, second = two_articles
    a, b = approved(first, reviewer, editor), approved(second, reviewer, editor)
    claim = services.claim_create(annotations=[a, b], actor=editor)
    with pytest.raises(PermissionDenied) as denied:
        services.claim_remove(claim=claim, annotation=a, actor=reviewer)
    assert (
        str(denied.value) == "This verdict is approved: ask an editor to reopen it or return it before you unlink it."
    )
    assert Annotation.objects.get(pk=a.pk).claim == claim


def test_a_deleted_verdict_keeps_its_claim_and_the_claim_lives(reviewer, editor, two_articles):
    first, second = two_articles
    a, b = verdict(first, reviewer), verdict(second, reviewer)
    claim = services.claim_link(annotation=b, earlier=a, actor=reviewer)
    services.claim_remove(claim=claim, annotation=a, actor=reviewer)
    services.annotation_delete(annotation=b, actor=reviewer)
    assert (Claim.objects.filter(pk=claim.pk).exists(), Annotation.objects.get(pk=b.pk).claim_id) == (True, claim.pk)


# --- The verdict form's same_claim_as ------------------------------------------------------------


def form_data(article, index=0, **extra):
    return {**sentence_span(article, index), "status": "alleged", "note": "", **extra}


def test_the_form_links_a_new_verdict_to_the_earlier_ones_claim(reviewer, editor, two_articles):
    first, second = two_articles
    earlier = approved(first, reviewer, editor)
    client = client_for(reviewer)
    response = client.post(
        reverse("annotations:annotation-create", args=[second.pk]),
        form_data(second, same_claim_as=str(earlier.pk), then="submit"),
    )
    saved = Annotation.objects.get(article=second)
    assert (response.status_code, saved.state) == (302, "submitted")
    assert saved.claim_id == Annotation.objects.get(pk=earlier.pk).claim_id is not None
    actions = list(saved.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["create", "claim_link", "submit"]


@pytest.mark.parametrize("value", ["²", "9" * 25, "0", "abc"])
def test_the_form_refuses_a_malformed_earlier_verdict_and_saves_nothing(reviewer, two_articles, value):
    first, _second = two_articles
    response = client_for(reviewer).post(
        reverse("annotations:annotation-create", args=[first.pk]),
        form_data(first, same_claim_as=value),
        headers={"HX-Request": "true"},
    )
    assert (response.status_code, Annotation.objects.count()) == (400, 0)
    assert f'<p class="field-error" id="id_same_claim_as-error" role="alert">{UNKNOWN}</p>' in response.text


def test_the_form_refuses_a_draft_the_author_cannot_see_and_saves_nothing(reviewer, reviewer2, two_articles):
    first, second = two_articles
    hidden = verdict(first, reviewer2)
    response = client_for(reviewer).post(
        reverse("annotations:annotation-create", args=[second.pk]),
        form_data(second, same_claim_as=str(hidden.pk), then="submit"),
        headers={"HX-Request": "true"},
    )
    assert (response.status_code, Annotation.objects.filter(article=second).count()) == (400, 0)
    assert UNKNOWN in response.text
    assert Claim.objects.count() == 0


def test_the_edit_form_links_in_the_same_transaction(reviewer, editor, two_articles):
    first, second = two_articles
    earlier = approved(first, reviewer, editor)
    mine = verdict(second, reviewer)
    response = client_for(reviewer).post(
        reverse("annotations:annotation-edit", args=[mine.pk]),
        {"version": "1", "status": "unverified", "note": "Seen before.", "same_claim_as": str(earlier.pk)},
    )
    mine.refresh_from_db()
    assert (response.status_code, mine.status, mine.version) == (302, "unverified", 2)
    assert mine.claim_id == Annotation.objects.get(pk=earlier.pk).claim_id is not None


def test_the_edit_form_asks_checked_before_about_the_verdict_being_edited(reviewer, two_articles):
    """Checked before in the edit form too (not only for a new verdict): about the verdict's own quote,
    leaving it and its article out, so a reviewer revising a verdict can still link a restated claim."""
    second = two_articles[1]
    mine = verdict(second, reviewer)
    html = client_for(reviewer).get(reverse("annotations:annotation-edit", args=[mine.pk]), headers=HTMX).text
    assert (
        f'<div class="checked-before-slot" id="checked-before" hx-get="/similar/?annotation={mine.pk}&amp;article='
        f'{second.pk}" hx-trigger="load" hx-target="this" hx-swap="innerHTML">'
    ) in html


def test_checked_before_for_a_verdict_says_which_are_already_its_claim(reviewer, editor, two_articles):
    first, second = two_articles
    third = ArticleFactory(title="Third report")
    linked, other = approved(first, reviewer, editor), approved(third, reviewer, editor)
    mine = verdict(second, reviewer)
    services.claim_link(annotation=mine, earlier=linked, actor=reviewer)

    url = reverse("annotations:similar-verdicts")
    html = client_for(reviewer).get(url, {"annotation": mine.pk, "article": second.pk}, headers=HTMX).text

    assert f'id="similar-{linked.pk}"' in html and f'id="similar-{other.pk}"' in html
    assert html.count("Already linked as the same claim") == 1
    assert f'name="same_claim_as" value="{linked.pk}"' not in html
    assert f'name="same_claim_as" value="{other.pk}"' in html


def test_a_refused_link_in_the_edit_form_changes_nothing(reviewer, reviewer2, two_articles):
    first, second = two_articles
    hidden = verdict(first, reviewer2)
    mine = verdict(second, reviewer)
    response = client_for(reviewer).post(
        reverse("annotations:annotation-edit", args=[mine.pk]),
        {"version": "1", "status": "unverified", "same_claim_as": str(hidden.pk)},
        headers={"HX-Request": "true"},
    )
    mine.refresh_from_db()
    assert (response.status_code, mine.status, mine.version, mine.claim_id) == (400, "alleged", 1, None)


# --- The claim page ------------------------------------------------------------------------------


@pytest.fixture
def claimed(reviewer, reviewer2, editor, two_articles):
    """A claim of three appearances: reviewer's draft, an approved one, and reviewer2's draft."""
    first, second = two_articles
    earlier = approved(first, reviewer, editor, 0)
    mine = verdict(second, reviewer, 1)
    claim = services.claim_link(annotation=mine, earlier=earlier, actor=reviewer)
    theirs = verdict(second, reviewer2, 2, status="unverified")
    services.claim_link(annotation=theirs, earlier=earlier, actor=reviewer2)
    return claim, earlier, mine, theirs


def test_the_page_lists_what_the_viewer_may_see_in_date_order(reviewer, claimed):
    claim, earlier, mine, theirs = claimed
    response = client_for(reviewer).get(reverse("annotations:claim-detail", args=[claim.pk]))
    assert response.status_code == 200
    page = response.text
    assert 'Appearances <span class="count">2</span>' in page
    assert page.index(f'id="appearance-{earlier.pk}"') < page.index(f'id="appearance-{mine.pk}"')
    assert f'id="appearance-{theirs.pk}"' not in page
    assert theirs.quote not in page
    assert '<span class="status-icon" aria-hidden="true">❝</span> Alleged</span>' in page
    assert '<span class="state-badge state-badge-approved">Approved</span>' in page
    # Remove only where the viewer may edit: their draft, not the approved verdict.
    assert page.count("Remove from this claim") == 1
    assert reverse("annotations:claim-remove", args=[claim.pk, mine.pk]) in page


def test_the_editor_sees_every_appearance_and_may_remove_each(editor, claimed):
    claim, _earlier, _mine, _theirs = claimed
    page = client_for(editor).get(reverse("annotations:claim-detail", args=[claim.pk])).text
    assert 'Appearances <span class="count">3</span>' in page
    assert page.count("Remove from this claim") == 3


def test_a_claim_of_drafts_the_viewer_cannot_see_does_not_exist_for_them(reviewer, reviewer2, two_articles):
    first, second = two_articles
    a, b = verdict(first, reviewer2), verdict(second, reviewer2)
    claim = services.claim_link(annotation=b, earlier=a, actor=reviewer2)
    assert client_for(reviewer).get(reverse("annotations:claim-detail", args=[claim.pk])).status_code == 404
    assert client_for(reviewer2).get(reverse("annotations:claim-detail", args=[claim.pk])).status_code == 200


def test_outsiders_see_the_page_without_remove_and_cannot_post_it(outsider, claimed):
    claim, earlier, _mine, _theirs = claimed
    client = client_for(outsider)
    page = client.get(reverse("annotations:claim-detail", args=[claim.pk])).text
    assert ('Appearances <span class="count">1</span>' in page, "Remove from this claim" in page) == (True, False)
    response = client.post(
        reverse("annotations:claim-remove", args=[claim.pk, earlier.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert "Only its author or an editor can unlink this verdict." in response.text
    assert Annotation.objects.get(pk=earlier.pk).claim == claim


def test_anonymous_visitors_are_sent_to_log_in(client, claimed):
    claim = claimed[0]
    response = client.get(reverse("annotations:claim-detail", args=[claim.pk]))
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next=/claims/{claim.pk}/")


def test_remove_from_the_page_answers_with_the_list_and_a_message(reviewer, claimed):
    claim, _earlier, mine, _theirs = claimed
    response = client_for(reviewer).post(
        reverse("annotations:claim-remove", args=[claim.pk, mine.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f"Verdict #{mine.pk} is no longer part of this claim." in response.text
    assert 'Appearances <span class="count">1</span>' in response.text
    assert Annotation.objects.get(pk=mine.pk).claim_id is None


def test_remove_of_the_last_visible_appearance_goes_to_the_article(reviewer, two_articles):
    first, second = two_articles
    a, b = verdict(first, reviewer), verdict(second, reviewer)
    claim = services.claim_link(annotation=b, earlier=a, actor=reviewer)
    client = client_for(reviewer)
    client.post(reverse("annotations:claim-remove", args=[claim.pk, b.pk]))
    response = client.post(reverse("annotations:claim-remove", args=[claim.pk, a.pk]), headers={"HX-Request": "true"})
    assert (response.status_code, response["HX-Redirect"]) == (200, f"/articles/{first.pk}/")
    assert Claim.objects.filter(pk=claim.pk).exists() is False


def test_the_card_links_its_claim_and_the_history_shows_the_link(reviewer, claimed):
    claim, _earlier, mine, _theirs = claimed
    client = client_for(reviewer)
    article = client.get(reverse("annotations:article-detail", args=[mine.article_id])).text
    link = f'<a href="/claims/{claim.pk}/">Checked elsewhere too: claim #{claim.pk}</a>'
    assert link in article
    history = client.get(reverse("annotations:annotation-history", args=[mine.pk])).text
    assert "<strong>Linked to a claim</strong> by reviewer" in history
    assert (
        f'<span class="field-name">claim</span>: <del dir="auto">—</del> → <ins dir="auto">{claim.pk}</ins>' in history
    )


def _grow(claim, earlier, reviewer, count):
    for _ in range(count):
        article = ArticleFactory()
        services.claim_link(annotation=verdict(article, reviewer), earlier=earlier, actor=reviewer)


@pytest.mark.parametrize("extra", [0, 12])
def test_the_page_reads_with_a_fixed_number_of_queries(reviewer, claimed, django_assert_num_queries, extra):
    claim, earlier, _mine, _theirs = claimed
    _grow(claim, earlier, reviewer, extra)
    client = client_for(reviewer)
    # session, user, the user's groups, the claim, its appearances, the unread count
    with django_assert_num_queries(6):
        response = client.get(reverse("annotations:claim-detail", args=[claim.pk]))
    assert f'Appearances <span class="count">{2 + extra}</span>' in response.text
