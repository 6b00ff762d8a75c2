"""Review pages: the queue, my verdicts, history, transitions from the page, and draft visibility on every read path."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
import pytest

from annotations import services
from annotations.models import Annotation, State

from .conftest import client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def verdict(article, author, index, status="alleged", **extra):
    return services.annotation_create(
        article=article, author=author, status=status, **sentence_span(article, index), **extra
    )


def submitted(article, author, index, **extra):
    annotation = verdict(article, author, index, **extra)
    return services.annotation_submit(annotation=annotation, actor=author, version=annotation.version)


@pytest.fixture
def draft_by_reviewer2(seed_article, reviewer2):
    return verdict(seed_article, reviewer2, 12, claimant="Secret claimant")


def test_drafts_are_hidden_from_other_reviewers_on_every_read_path(
    seed_article, reviewer, reviewer2, editor, draft_by_reviewer2
):
    other = client_for(reviewer)
    pk = draft_by_reviewer2.pk
    page = other.get(seed_article.get_absolute_url())
    assert f'data-annotation-id="{pk}"' not in page.text
    assert page.context["counts"][0] == {"value": "alleged", "label": "Alleged", "count": 0}
    listing = other.get(reverse("annotations:article-list")).context["page"].object_list[0]
    assert (listing.annotation_count, listing.alleged_count, listing.draft_state_count) == (0, 0, 0)
    for url in [
        reverse("annotations:annotation-edit", args=[pk]),
        reverse("annotations:annotation-history", args=[pk]),
    ]:
        assert other.get(url, headers=HTMX).status_code == 404
    for url in [
        reverse("annotations:annotation-delete", args=[pk]),
        reverse("annotations:annotation-submit", args=[pk]),
        reverse("annotations:annotation-approve", args=[pk]),
    ]:
        assert other.post(url, {"version": 1}, headers=HTMX).status_code == 404
    form = other.get(
        reverse("annotations:annotation-new", args=[seed_article.pk]), {"start": 0, "end": 5}, headers=HTMX
    )
    assert "Secret claimant" not in form.text
    assert "Secret claimant" not in other.get(reverse("annotations:my-verdicts")).text

    # The author and editors see it.
    for user in (reviewer2, editor):
        client = client_for(user)
        assert f'data-annotation-id="{pk}"' in client.get(seed_article.get_absolute_url()).text
        assert client.get(reverse("annotations:annotation-history", args=[pk])).status_code == 200
        row = client.get(reverse("annotations:article-list")).context["page"].object_list[0]
        assert row.draft_state_count == 1


def test_queue_lists_submitted_oldest_first_with_context(seed_article, reviewer, reviewer2, editor_client, bbc_source):
    first = submitted(seed_article, reviewer, 4)
    phrase_start = seed_article.body.index("stole its trade secrets")
    phrase = services.annotation_create(
        article=seed_article,
        author=reviewer2,
        status="evidenced",
        start=phrase_start,
        end=phrase_start + len("stole its trade secrets"),
        quote="stole its trade secrets",
        sources=[services.SourceLink(bbc_source, "supports")],
    )
    services.annotation_submit(annotation=phrase, actor=reviewer2, version=1)
    verdict(seed_article, reviewer, 8)  # a draft: not in the queue
    response = editor_client.get(reverse("annotations:review-queue"))
    assert [item.pk for item in response.context["page"].object_list] == [first.pk, phrase.pk]
    item = response.context["page"].object_list[1]
    assert (
        item.context_before
        == "The consultancy has sued Huawei and its subsidiary in Pakistan alleging the Chinese telecom firm "
    )
    assert item.context_after == "."
    assert '<mark class="mark mark-evidenced">stole its trade secrets</mark>' in response.text
    assert "2 waiting" in response.text
    assert 'id="review-waiting" aria-label="2 waiting">2</span>' in response.text


def test_queue_filters(seed_article, reviewer, reviewer2, editor_client):
    a = submitted(seed_article, reviewer, 4)
    b = submitted(seed_article, reviewer2, 5, status="unverified")
    other_article = ArticleFactory(title="Other story")
    c = submitted(other_article, reviewer, 0)
    url = reverse("annotations:review-queue")

    def pks(**params):
        return [item.pk for item in editor_client.get(url, params).context["page"].object_list]

    assert pks() == [a.pk, b.pk, c.pk]
    assert pks(article=other_article.pk) == [c.pk]
    assert pks(status="unverified") == [b.pk]
    assert pks(reviewer=reviewer2.pk) == [b.pk]
    partial = editor_client.get(url, {"status": "unverified"}, headers={**HTMX, "HX-Target": "queue"})
    assert partial.text.lstrip().startswith('<section id="queue"')


def test_queue_query_count_does_not_grow(seed_article, reviewer, editor_client, bbc_source):
    url = reverse("annotations:review-queue")

    def count():
        with CaptureQueriesContext(connection) as captured:
            editor_client.get(url)
        return len(captured)

    for index in range(2):
        submitted(seed_article, reviewer, index, claimant="BES")
    small = count()
    for index in range(2, 14):
        submitted(seed_article, reviewer, index, claimant="BES")
    assert count() == small


def test_queue_and_mine_access(client, reviewer_client, outsider_client, editor_client):
    queue = reverse("annotations:review-queue")
    assert reviewer_client.get(queue).status_code == 403
    assert outsider_client.get(queue).status_code == 403
    assert client.get(queue).status_code == 302
    assert outsider_client.get(reverse("annotations:my-verdicts")).status_code == 403
    assert editor_client.get(reverse("annotations:my-verdicts")).status_code == 200


def test_approve_from_the_queue_returns_the_done_item(seed_article, reviewer, editor_client):
    annotation = submitted(seed_article, reviewer, 4)
    response = editor_client.post(
        reverse("annotations:annotation-approve", args=[annotation.pk]),
        {"version": annotation.version, "from": "queue", "comment": ""},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == f'{{"queue-item-done": {{"id": {annotation.pk}}}}}'
    assert "<strong>Approved.</strong>" in response.text
    assert 'id="review-waiting" hx-swap-oob="true" aria-label="0 waiting">0</span>' in response.text
    annotation.refresh_from_db()
    assert annotation.state == State.APPROVED


def test_return_without_comment_shows_the_error_at_the_comment_keeping_the_status(
    seed_article, reviewer, editor_client
):
    annotation = submitted(seed_article, reviewer, 4)
    response = editor_client.post(
        reverse("annotations:annotation-request-changes", args=[annotation.pk]),
        {"version": annotation.version, "from": "queue", "comment": "", "status": "denied"},
        headers=HTMX,
    )
    assert response.status_code == 400
    pk = annotation.pk
    assert (
        f'<textarea name="comment" id="review-comment-{pk}" rows="2" dir="auto" '
        f'placeholder="Required to change the status or '
        f'return it" aria-invalid="true" aria-describedby="review-comment-error-{pk}"></textarea>\n'
        f'        <p class="field-error" id="review-comment-error-{pk}" role="alert">'
        "Tell the author what to change.</p>"
    ) in response.text
    assert '<option value="denied" selected>Change to Denied</option>' in response.text
    assert "card-error" not in response.text
    annotation.refresh_from_db()
    assert (annotation.state, annotation.version) == (State.SUBMITTED, 2)


def test_a_refused_review_keeps_the_typed_comment(seed_article, reviewer, editor_client):
    annotation = submitted(seed_article, reviewer, 4)
    typed = "<b>Check</b> the court record. " * 200  # longer than a comment may be
    response = editor_client.post(
        reverse("annotations:annotation-approve", args=[annotation.pk]),
        {"version": annotation.version, "from": "queue", "comment": typed},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert f">{escape(typed)}</textarea>" in response.text
    assert f'id="review-comment-error-{annotation.pk}" role="alert">Ensure this value has at most' in response.text
    annotation.refresh_from_db()
    assert (annotation.state, annotation.version) == (State.SUBMITTED, 2)


def test_a_refused_reopen_on_the_article_page_keeps_the_box_open_with_the_error(
    seed_article, reviewer, editor, editor_client
):
    waiting = submitted(seed_article, reviewer, 4)
    approved = services.annotation_approve(annotation=waiting, editor=editor, version=waiting.version)
    response = editor_client.post(
        reverse("annotations:annotation-reopen", args=[approved.pk]),
        {"version": approved.version, "comment": "  "},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert (response["HX-Retarget"], response["HX-Reswap"]) == (f"#annotation-{approved.pk}", "outerHTML")
    assert '<details class="reopen-box" open>' in response.text
    assert (
        f'<p class="field-error" id="reopen-comment-error-{approved.pk}" role="alert">Say why you are reopening it.</p>'
        in response.text
    )
    approved.refresh_from_db()
    assert approved.state == State.APPROVED


def test_stale_queue_action_is_a_409_with_the_current_state(seed_article, reviewer, editor, editor_client):
    annotation = submitted(seed_article, reviewer, 4)
    stale = annotation.version
    services.annotation_request_changes(annotation=annotation, editor=editor, version=stale, comment="Source?")
    response = editor_client.post(
        reverse("annotations:annotation-approve", args=[annotation.pk]),
        {"version": stale, "from": "queue"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "This verdict was changed by editor at" in response.text
    assert "changes requested" in response.text


def test_self_approval_is_refused_on_the_page(seed_article, editor, editor_client):
    annotation = submitted(seed_article, editor, 4)
    page = editor_client.get(seed_article.get_absolute_url())
    assert (
        '<p class="four-eyes muted">You cannot approve your own verdict: another editor must review it.</p>'
        in page.text
    )
    response = editor_client.post(
        reverse("annotations:annotation-approve", args=[annotation.pk]), {"version": annotation.version}, headers=HTMX
    )
    assert response.status_code == 403
    assert "You cannot approve your own verdict: another editor must review it." in response.text
    assert response["HX-Retarget"] == f"#annotation-{annotation.pk}"
    annotation.refresh_from_db()
    assert annotation.state == State.SUBMITTED


def test_submit_and_approve_from_the_article_page(seed_article, reviewer, reviewer_client, editor_client):
    annotation = verdict(seed_article, reviewer, 4)
    response = reviewer_client.post(
        reverse("annotations:annotation-submit", args=[annotation.pk]), {"version": 1}, headers=HTMX
    )
    assert "Submitted for review." in response.text
    response = editor_client.post(
        reverse("annotations:annotation-approve", args=[annotation.pk]),
        {"version": 2, "status": "unverified", "comment": "The filing is not public."},
        headers=HTMX,
    )
    assert "Approved." in response.text
    assert '<span class="state-badge state-badge-approved">Approved</span>' in response.text
    assert "Review complete" in response.text
    annotation.refresh_from_db()
    assert (annotation.state, annotation.status) == ("approved", "unverified")


def test_my_verdicts_groups_by_state_with_the_editors_comment(seed_article, reviewer, editor, reviewer_client):
    draft = verdict(seed_article, reviewer, 1)
    returned = submitted(seed_article, reviewer, 2)
    services.annotation_request_changes(
        annotation=returned, editor=editor, version=returned.version, comment="Name the <b>claimant</b>."
    )
    waiting = submitted(seed_article, reviewer, 3)
    response = reviewer_client.get(reverse("annotations:my-verdicts"))
    sections = {key: [a.pk for a in items] for key, _title, _help, items in response.context["sections"]}
    assert sections == {
        "changes_requested": [returned.pk],
        "draft": [draft.pk],
        "submitted": [waiting.pk],
        "approved": [],
    }
    assert 'editor asked for changes:</span> <span dir="auto">Name the &lt;b&gt;claimant&lt;/b&gt;.' in response.text


def test_my_verdicts_offers_submit_and_resubmit_only_where_the_author_may(
    seed_article, reviewer, editor, reviewer_client
):
    draft = verdict(seed_article, reviewer, 1)
    returned = submitted(seed_article, reviewer, 2)
    returned = services.annotation_request_changes(annotation=returned, editor=editor, version=2, comment="Why?")
    waiting = submitted(seed_article, reviewer, 3)
    page = reviewer_client.get(reverse("annotations:my-verdicts")).text
    assert page.count('<input type="hidden" name="from" value="mine">') == 2
    assert (
        f'hx-post="/annotations/{draft.pk}/submit/" hx-target="#mine-item-{draft.pk}" hx-swap="outerHTML">\n'
        f'        <input type="hidden" name="csrfmiddlewaretoken"'
    ) in page
    assert f'<input type="hidden" name="version" value="{returned.version}"><input type="hidden" name="from"' in page
    assert ">Resubmit</button>" in page
    assert f'hx-post="/annotations/{waiting.pk}/submit/"' not in page


def test_submit_from_mine_answers_with_the_item(seed_article, reviewer, reviewer_client):
    draft = verdict(seed_article, reviewer, 1)
    url = reverse("annotations:annotation-submit", args=[draft.pk])
    response = reviewer_client.post(url, {"version": 1, "from": "mine"}, headers=HTMX)
    assert response.status_code == 200
    assert (
        '<p class="queue-done" role="status"><strong>Submitted for review.</strong> '
        "It is in the editors' queue now.</p>"
    ) in response.text
    assert f'id="mine-item-{draft.pk}"' in response.text
    assert "<html" not in response.text
    draft.refresh_from_db()
    assert (draft.state, draft.version) == ("submitted", 2)


def test_a_stale_submit_from_mine_is_told_at_the_item_and_changes_nothing(seed_article, reviewer, reviewer_client):
    draft = verdict(seed_article, reviewer, 1)
    services.annotation_update(annotation=draft, actor=reviewer, version=1, status="unverified")
    response = reviewer_client.post(
        reverse("annotations:annotation-submit", args=[draft.pk]), {"version": 1, "from": "mine"}, headers=HTMX
    )
    assert response.status_code == 409
    assert '<p class="card-error" role="alert">This verdict was changed by reviewer at' in response.text
    assert '<input type="hidden" name="version" value="2"><input type="hidden" name="from" value="mine">' in (
        response.text
    )
    draft.refresh_from_db()
    assert (draft.state, draft.version) == ("draft", 2)


def test_submit_from_mine_without_htmx_goes_back_to_mine(seed_article, reviewer, reviewer_client, editor_client):
    draft = verdict(seed_article, reviewer, 1)
    url = reverse("annotations:annotation-submit", args=[draft.pk])
    refused = editor_client.post(url, {"version": 1, "from": "mine"}, headers=HTMX)
    assert refused.status_code == 403
    assert '<p class="card-error" role="alert">Only its author can submit this verdict.</p>' in refused.text
    response = reviewer_client.post(url, {"version": 1, "from": "mine"})
    assert (response.status_code, response["Location"]) == (302, reverse("annotations:my-verdicts"))
    draft.refresh_from_db()
    assert (draft.state, draft.version) == ("submitted", 2)


def test_a_reopened_card_says_who_reopened_it_and_when(seed_article, reviewer, editor, reviewer_client):
    waiting = submitted(seed_article, reviewer, 4)
    approved = services.annotation_approve(annotation=waiting, editor=editor, version=2)
    page = reviewer_client.get(seed_article.get_absolute_url()).text
    assert '<p class="card-foot muted">reviewer · approved by editor <time datetime="' in page
    reopened = services.annotation_reopen(annotation=approved, editor=editor, version=3, comment="New filing.")
    page = reviewer_client.get(seed_article.get_absolute_url()).text
    stamp = reopened.updated_at.isoformat()
    assert f'<p class="card-foot muted">reviewer · reopened by editor <time datetime="{stamp}"' in page
    assert ">just now</time></p>" in page


def test_the_queue_says_just_now_not_zero_minutes(seed_article, reviewer, editor_client):
    submitted(seed_article, reviewer, 4)
    page = editor_client.get(reverse("annotations:review-queue")).text
    assert ">just now</time></span>" in page
    assert "0\xa0minutes" not in page


def test_history_timeline(seed_article, reviewer, editor, reviewer_client):
    annotation = submitted(seed_article, reviewer, 4)
    services.annotation_request_changes(annotation=annotation, editor=editor, version=2, comment="Add the filing.")
    response = reviewer_client.get(reverse("annotations:annotation-history", args=[annotation.pk]), headers=HTMX)
    assert [e.action for e in response.context["events"]] == ["create", "submit", "request_changes"]
    assert "<strong>Returned for changes</strong> by editor" in response.text
    assert "Add the filing." in response.text
    assert "<html" not in response.text


def test_article_list_review_progress_filter(seed_article, reviewer, editor, editor_client):
    done = ArticleFactory(title="Checked story")
    annotation = submitted(done, reviewer, 0)
    services.annotation_approve(annotation=annotation, editor=editor, version=annotation.version)
    verdict(seed_article, reviewer, 0)
    url = reverse("annotations:article-list")
    complete = editor_client.get(url, {"review": "complete"})
    assert [a.title for a in complete.context["page"]] == ["Checked story"]
    assert "✓ Review complete" in complete.text
    assert [a.title for a in editor_client.get(url, {"review": "open"}).context["page"]] == [seed_article.title]


def test_counter_in_the_header_is_for_editors_only(seed_article, reviewer, reviewer_client, editor_client):
    submitted(seed_article, reviewer, 4)
    assert 'id="review-waiting" aria-label="1 waiting">1</span>' in editor_client.get("/").text
    assert "review-waiting" not in reviewer_client.get("/").text


def test_annotation_count_is_exact(seed_article, reviewer):
    verdict(seed_article, reviewer, 0)
    assert Annotation.objects.count() == 1


def test_refusals_show_in_place_for_htmx(seed_article, reviewer, reviewer2):
    annotation = submitted(seed_article, reviewer, 4)
    response = client_for(reviewer2).get(reverse("annotations:annotation-edit", args=[annotation.pk]), headers=HTMX)
    assert response.status_code == 403
    assert response.text.strip() == (
        '<p class="card-error" role="alert">Only its author or an editor can edit this verdict.</p>'
    )


def test_stale_queue_item_shows_the_new_state_without_controls(seed_article, reviewer, editor, editor_client):
    annotation = submitted(seed_article, reviewer, 4)
    stale = annotation.version
    services.annotation_approve(annotation=annotation, editor=editor, version=stale)
    response = editor_client.post(
        reverse("annotations:annotation-request-changes", args=[annotation.pk]),
        {"version": stale, "from": "queue", "comment": "Too late"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "No longer waiting: now approved (editor)." in response.text
    assert "Return for changes</button>" not in response.text
    assert 'id="review-waiting" hx-swap-oob="true" aria-label="0 waiting">0</span>' in response.text


CONTRIBUTOR = (
    "You changed this verdict since it was submitted, so you cannot approve it: another editor must review it."
)


def test_an_editor_who_rewrote_a_submitted_verdict_cannot_approve_it_on_the_page(
    seed_article, reviewer, editor, editor_client
):
    """Four eyes: the editor's edit makes them a contributor; the card says why, the approval is refused."""
    annotation = submitted(seed_article, reviewer, 4)
    services.annotation_update(
        annotation=annotation, actor=editor, version=annotation.version, status="unverified", note="Rewritten."
    )
    page = editor_client.get(seed_article.get_absolute_url())
    assert f'<p class="four-eyes muted">{CONTRIBUTOR}</p>' in page.text
    queue = editor_client.get(reverse("annotations:review-queue"))
    assert f'<p class="four-eyes muted">{CONTRIBUTOR}</p>' in queue.text
    response = editor_client.post(
        reverse("annotations:annotation-approve", args=[annotation.pk]), {"version": 3}, headers=HTMX
    )
    assert (response.status_code, CONTRIBUTOR in response.text) == (403, True)
    assert Annotation.objects.get(pk=annotation.pk).state == State.SUBMITTED
