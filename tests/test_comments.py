"""Discussion on a verdict: who may read and write it, what a comment may hold, mentions, the edit
window, tombstones, review comments in the same thread, and the page and the API that show it."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
import pytest

from annotations import mentions, records, rendering, roles, selectors, services
from annotations.models import Annotation, AnnotationEvent, Comment, field_limit

from .conftest import api, client_for, sentence_span
from .factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def draft(seed_article, reviewer):
    return services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 1)
    )


@pytest.fixture
def submitted(draft, reviewer):
    return services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)


def comment(annotation, author, body="A comment."):
    return services.comment_create(annotation=annotation, author=author, body=body)


def age(made: Comment, seconds: int) -> None:
    """Set a comment's writing time `seconds` ago, as a row would hold it (no sleeping)."""
    Comment.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))
    made.refresh_from_db()


# --- Who may read and write -----------------------------------------------------------------------


def test_a_draft_is_discussed_by_its_author_and_editors_only(draft, reviewer, reviewer2, editor, outsider):
    assert (roles.can_discuss(reviewer, draft), roles.can_discuss(editor, draft)) == (True, True)
    assert (roles.can_discuss(reviewer2, draft), roles.can_discuss(outsider, draft)) == (False, False)
    comment(draft, reviewer, "Mine")
    comment(draft, editor, "An editor's")
    for stranger in (reviewer2, outsider):
        with pytest.raises(PermissionDenied, match="Only its author, editors and, once it is submitted, reviewers"):
            comment(draft, stranger)
    assert list(Comment.objects.order_by("id").values_list("body", flat=True)) == ["Mine", "An editor's"]


def test_once_submitted_every_reviewer_may_discuss_but_not_an_outsider(submitted, reviewer2, outsider):
    assert roles.can_discuss(reviewer2, submitted) is True
    assert roles.can_discuss(outsider, submitted) is False
    made = comment(submitted, reviewer2, "Seen it")
    assert made.annotation_id == submitted.pk
    with pytest.raises(PermissionDenied):
        comment(submitted, outsider)


def test_a_deleted_verdict_has_no_discussion(submitted, reviewer, editor):
    services.annotation_delete(annotation=submitted, actor=editor)
    submitted.refresh_from_db()
    assert roles.can_discuss(editor, submitted) is False
    with pytest.raises(PermissionDenied):
        comment(submitted, editor)


def test_a_comment_changes_nothing_of_the_verdict(submitted, editor):
    before = Annotation.objects.values("state", "version", "updated_at", "status").get(pk=submitted.pk)
    events = AnnotationEvent.objects.count()
    made = comment(submitted, editor, "Looks right")
    services.comment_edit(comment=made, actor=editor, body="Looks right to me")
    services.comment_delete(comment=made, actor=editor)
    assert Annotation.objects.values("state", "version", "updated_at", "status").get(pk=submitted.pk) == before
    assert AnnotationEvent.objects.count() == events


# --- What a comment may hold ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   \n  ", "Write a comment first."),
        ("a\x00b", "The comment cannot contain NUL characters."),
        ("x" * 4001, "At most 4000 characters (this one has 4001)."),
    ],
)
def test_a_body_is_checked_at_its_field(submitted, reviewer, body, message):
    with pytest.raises(ValidationError) as refused:
        comment(submitted, reviewer, body)
    assert refused.value.message_dict == {"body": [message]}
    assert not Comment.objects.exists()


def test_a_body_is_stripped_and_its_line_endings_made_one(submitted, reviewer):
    made = comment(submitted, reviewer, "  First line\r\nSecond line\n" + "y" * 10 + "  ")
    assert made.body == "First line\nSecond line\n" + "y" * 10
    assert len(comment(submitted, reviewer, "z" * 4000).body) == 4000


def test_the_limit_is_the_fields():
    assert field_limit(Comment, "body") == 4000


# --- Mentions -------------------------------------------------------------------------------------


def test_mentions_are_parsed_in_one_place():
    text = "Ask @editor. And @reviewer2, not a@example.org nor @@x; @editor again; @first.last+1"
    assert mentions.mentioned_names(text) == ["editor", "reviewer2", "first.last+1"]


def test_only_desk_members_who_may_read_the_thread_are_mentioned(draft, reviewer, reviewer2, editor, outsider):
    UserFactory(username="gone", groups=[roles.REVIEWERS_GROUP], is_active=False)
    made = comment(draft, reviewer, "@editor @reviewer2 @outsider @gone @nobody please look")
    # A draft: reviewer2 may not read it yet; outsiders and inactive accounts never.
    assert sorted(made.mentions.values_list("username", flat=True)) == ["editor"]
    services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)
    again = comment(draft, reviewer, "@editor @reviewer2 @outsider")
    assert sorted(again.mentions.values_list("username", flat=True)) == ["editor", "reviewer2"]


def test_a_mention_is_highlighted_and_every_other_at_word_stays_text(submitted, reviewer, editor):
    comment(submitted, reviewer, "Thanks @editor, and @outsider <b>too</b>")
    [item] = selectors.annotation_thread(annotation=submitted, viewer=editor)
    assert item.mentions == ["editor"]
    assert rendering.comment_html(item.body, item.mentions) == (
        'Thanks <strong class="mention">@editor</strong>, and @outsider &lt;b&gt;too&lt;/b&gt;'
    )


# --- Editing and deleting ---------------------------------------------------------------------------


def test_the_writer_edits_within_ten_minutes(submitted, reviewer, editor, settings):
    assert settings.FACTCHECK_COMMENT_EDIT_SECONDS == 600
    made = comment(submitted, reviewer, "Frist")
    age(made, 599)
    edited = services.comment_edit(comment=made, actor=reviewer, body="First @editor")
    assert (edited.body, edited.edited_at is not None) == ("First @editor", True)
    assert list(edited.mentions.values_list("username", flat=True)) == ["editor"]
    with pytest.raises(PermissionDenied, match=r"Only its writer can edit a comment\."):
        services.comment_edit(comment=made, actor=editor, body="Not mine")
    age(made, 601)
    with pytest.raises(PermissionDenied) as late:
        services.comment_edit(comment=made, actor=reviewer, body="Too late")
    assert str(late.value) == "A comment can be edited for 10 minutes after it is written: write a new one."
    assert Comment.objects.get(pk=made.pk).body == "First @editor"


def test_an_edit_is_checked_as_a_new_comment(submitted, reviewer):
    made = comment(submitted, reviewer, "Something")
    with pytest.raises(ValidationError) as refused:
        services.comment_edit(comment=made, actor=reviewer, body="  ")
    assert refused.value.message_dict == {"body": ["Write a comment first."]}


def test_a_deleted_comment_leaves_who_deleted_it(submitted, reviewer, reviewer2, editor):
    mine = comment(submitted, reviewer2, "Remove me @editor")
    other = comment(submitted, reviewer, "Stays")
    with pytest.raises(PermissionDenied, match=r"Only its writer or an editor can delete a comment\."):
        services.comment_delete(comment=other, actor=reviewer2)
    services.comment_delete(comment=mine, actor=reviewer2)
    services.comment_delete(comment=other, actor=editor)
    with pytest.raises(PermissionDenied, match=r"This comment was already deleted\."):
        services.comment_delete(comment=other, actor=editor)
    assert Comment.objects.count() == 2  # no row deleted
    items = selectors.annotation_thread(annotation=submitted, viewer=reviewer)
    assert [(item.body, item.deleted_by, item.mentions, item.can_edit) for item in items] == [
        ("", "reviewer2", [], False),
        ("", "editor", [], False),
    ]
    with pytest.raises(PermissionDenied, match=r"This comment was deleted\."):
        services.comment_edit(comment=mine, actor=reviewer2, body="Back")


# --- The thread: comments and review comments in one place ------------------------------------------


def test_the_thread_holds_the_review_comments_in_time_order(submitted, reviewer, editor):
    first = comment(submitted, reviewer, "Please check the date @editor")
    returned = services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="Add the minister's source."
    )
    reply = comment(returned, reviewer, "Added it")
    items = selectors.annotation_thread(annotation=submitted, viewer=editor)
    assert [(item.kind, item.author, item.body, item.action) for item in items] == [
        ("comment", "reviewer", "Please check the date @editor", ""),
        ("review", "editor", "Add the minister's source.", "request_changes"),
        ("comment", "reviewer", "Added it", ""),
    ]
    assert [item.id for item in items if item.kind == "comment"] == [first.pk, reply.pk]
    assert selectors.discussion_counts([submitted.pk]) == {submitted.pk: 3}


@pytest.mark.parametrize("size", [1, 6])
def test_the_thread_reads_in_a_fixed_number_of_queries(submitted, reviewer, editor, django_assert_num_queries, size):
    for number in range(size):
        comment(submitted, reviewer, f"Comment {number} @editor")
        services.comment_delete(comment=comment(submitted, editor, "gone"), actor=editor)
    services.annotation_request_changes(annotation=submitted, editor=editor, version=submitted.version, comment="Fix")
    with django_assert_num_queries(3):  # comments with people, their mentions, review events
        items = selectors.annotation_thread(annotation=submitted, viewer=editor)
    assert len(items) == 2 * size + 1


# --- The page -------------------------------------------------------------------------------------


def test_the_card_shows_the_discussion_to_those_who_may_read_it(submitted, reviewer, reviewer2, outsider):
    comment(submitted, reviewer, "One")
    page = client_for(reviewer2).get(submitted.article.get_absolute_url()).text
    url = reverse("annotations:annotation-discussion", args=[submitted.pk])
    assert f'hx-get="{url}"' in page
    assert f'Discussion (<span id="discussion-count-{submitted.pk}">1</span>)' in page
    outsider_page = client_for(outsider).get(submitted.article.get_absolute_url()).text
    assert f'id="annotation-{submitted.pk}"' in outsider_page and url not in outsider_page


def test_the_thread_escapes_and_keeps_line_breaks(submitted, reviewer, editor):
    comment(submitted, reviewer, f"Line one\nLine two {XSS} @editor")
    html = client_for(editor).get(reverse("annotations:annotation-discussion", args=[submitted.pk]), headers=HTMX).text
    assert (
        "Line one<br>Line two &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; "
        '<strong class="mention">@editor</strong>'
    ) in html
    assert "<script>alert" not in html


def test_posting_a_comment_swaps_the_thread_and_a_refusal_stays_at_its_field(submitted, reviewer2):
    client = client_for(reviewer2)
    url = reverse("annotations:annotation-discussion", args=[submitted.pk])
    refused = client.post(url, {"body": "   "}, headers=HTMX)
    assert refused.status_code == 400
    field = f'id="comment-body-{submitted.pk}"'
    assert f'{field} rows="3" maxlength="4000" dir="auto" required autofocus aria-invalid="true"' in refused.text
    error_id = f"comment-body-{submitted.pk}-error"
    assert f'aria-describedby="{error_id}"' in refused.text
    assert f'<p class="field-error" id="{error_id}" role="alert">Write a comment first.</p>' in refused.text
    done = client.post(url, {"body": "Agreed.\nShip it."}, headers=HTMX)
    assert done.status_code == 200
    assert '<div class="thread-body" dir="auto">Agreed.<br>Ship it.</div>' in done.text
    assert f'<span id="discussion-count-{submitted.pk}" hx-swap-oob="true">1</span>' in done.text
    plain = client.post(url, {"body": "Without htmx"})
    assert (plain.status_code, plain.url) == (302, url)


def test_the_page_refuses_who_may_not_discuss(submitted, outsider):
    url = reverse("annotations:annotation-discussion", args=[submitted.pk])
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(outsider).post(url, {"body": "hi"}).status_code == 403
    assert not Comment.objects.exists()


def test_the_page_hides_a_draft_thread_from_another_reviewer(draft, reviewer2):
    url = reverse("annotations:annotation-discussion", args=[draft.pk])
    assert client_for(reviewer2).get(url).status_code == 404
    assert client_for(reviewer2).post(url, {"body": "hi"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(submitted, client):
    url = reverse("annotations:annotation-discussion", args=[submitted.pk])
    response = client.get(url)
    assert (response.status_code, response.url.split("?")[0]) == (302, "/accounts/login/")


def test_edit_and_delete_controls_follow_the_rules(submitted, reviewer, reviewer2, editor):
    mine = comment(submitted, reviewer2, "Mine")
    url = reverse("annotations:annotation-discussion", args=[submitted.pk])
    edit = reverse("annotations:comment-edit", args=[mine.pk])
    delete = reverse("annotations:comment-delete", args=[mine.pk])
    writer = client_for(reviewer2).get(url, headers=HTMX).text
    assert f'hx-get="{edit}"' in writer and f'hx-post="{delete}"' in writer
    other = client_for(reviewer).get(url, headers=HTMX).text
    assert edit not in other and delete not in other
    an_editor = client_for(editor).get(url, headers=HTMX).text
    assert edit not in an_editor and f'hx-post="{delete}"' in an_editor
    age(mine, 601)
    assert edit not in client_for(reviewer2).get(url, headers=HTMX).text


def test_editing_and_deleting_on_the_page(submitted, reviewer2, editor):
    mine = comment(submitted, reviewer2, "Frist")
    client = client_for(reviewer2)
    form = client.get(reverse("annotations:comment-edit", args=[mine.pk]), headers=HTMX).text
    assert f'<textarea name="body" id="comment-edit-{mine.pk}"' in form and ">Frist</textarea>" in form
    saved = client.post(reverse("annotations:comment-edit", args=[mine.pk]), {"body": "First"}, headers=HTMX)
    assert saved.status_code == 200 and '<div class="thread-body" dir="auto">First</div>' in saved.text
    age(mine, 601)
    late = client.post(reverse("annotations:comment-edit", args=[mine.pk]), {"body": "Later"}, headers=HTMX)
    assert late.status_code == 403
    assert "A comment can be edited for 10 minutes after it is written: write a new one." in late.text
    refused = client_for(editor).post(reverse("annotations:comment-edit", args=[mine.pk]), {"body": "x"}, headers=HTMX)
    assert (refused.status_code, "Only its writer can edit a comment." in refused.text) == (403, True)
    gone = client_for(editor).post(reverse("annotations:comment-delete", args=[mine.pk]), headers=HTMX)
    assert gone.status_code == 200
    assert '<p class="thread-tombstone">Comment deleted by editor.</p>' in gone.text
    assert "First" not in gone.text.split('class="thread-items"')[1]


def test_the_returned_verdicts_card_counts_the_review_comment(submitted, reviewer, editor):
    services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="Name the minister."
    )
    page = client_for(reviewer).get(submitted.article.get_absolute_url()).text
    assert f'Discussion (<span id="discussion-count-{submitted.pk}">1</span>)' in page
    thread = (
        client_for(reviewer).get(reverse("annotations:annotation-discussion", args=[submitted.pk]), headers=HTMX).text
    )
    assert "<strong>editor</strong> <span" in thread and "returned for changes" in thread
    assert "Name the minister." in thread


# --- The API --------------------------------------------------------------------------------------


def test_the_api_lists_and_posts_comments(submitted, reviewer, editor):
    url = reverse("api:annotation-comments", args=[submitted.pk])
    made = api(editor).post(url, {"body": "  Check @reviewer's source\nplease "}, format="json")
    assert made.status_code == 201
    record = made.json()
    assert {key: record[key] for key in record if key not in {"id", "created_at"}} == {
        "kind": "comment",
        "action": None,
        "author": "editor",
        "body": "Check @reviewer's source\nplease",
        "edited_at": None,
        "deleted_by": None,
        "mentions": ["reviewer"],
    }
    services.annotation_request_changes(annotation=submitted, editor=editor, version=submitted.version, comment="Fix")
    listed = api(reviewer).get(url).json()
    assert [(item["kind"], item["action"], item["author"], item["body"]) for item in listed] == [
        ("comment", None, "editor", "Check @reviewer's source\nplease"),
        ("review", "request_changes", "editor", "Fix"),
    ]
    assert tuple(listed[0]) == records.THREAD_ITEM_KEYS
    assert Annotation.objects.get(pk=submitted.pk).state == "changes_requested"


def test_the_api_refuses_with_the_right_status(draft, submitted, reviewer, reviewer2, outsider):
    url = reverse("api:annotation-comments", args=[submitted.pk])
    refused = api(outsider).post(url, {"body": "hi"}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only its author, editors and, once it is submitted, reviewers can discuss this verdict."},
    )
    assert api(outsider).get(url).status_code == 403
    assert api().get(url).status_code in {401, 403}
    bad = api(reviewer2).post(url, {"body": ""}, format="json")
    assert (bad.status_code, bad.json()) == (400, {"body": ["Write a comment first."]})
    assert api(reviewer2).post(url, {}, format="json").json() == {"body": ["This field is required."]}
    assert api(reviewer2).post(url, {"body": ["x"]}, format="json").status_code == 400
    other = UserFactory(username="other", groups=[roles.REVIEWERS_GROUP])
    hidden = services.annotation_create(
        article=submitted.article, author=other, status="alleged", **sentence_span(submitted.article, 5)
    )
    missing = api(reviewer2).get(reverse("api:annotation-comments", args=[hidden.pk]))
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Annotation matches the given query."})
    assert not Comment.objects.exists()


def test_the_api_edits_and_deletes_a_comment(submitted, reviewer, reviewer2, editor):
    made = comment(submitted, reviewer2, "Typo")
    url = reverse("api:annotation-comment", args=[submitted.pk, made.pk])
    assert api(reviewer).patch(url, {"body": "Not mine"}, format="json").status_code == 403
    edited = api(reviewer2).patch(url, {"body": "Fixed"}, format="json")
    assert (edited.status_code, edited.json()["body"], edited.json()["edited_at"] is not None) == (200, "Fixed", True)
    assert api(reviewer).delete(url).status_code == 403
    assert api(editor).delete(url).status_code == 204
    listed = api(reviewer).get(reverse("api:annotation-comments", args=[submitted.pk])).json()
    assert [(item["body"], item["deleted_by"]) for item in listed] == [("", "editor")]
    elsewhere = reverse("api:annotation-comment", args=[submitted.pk, made.pk + 1000])
    assert api(editor).delete(elsewhere).status_code == 404


def test_the_queue_and_mine_show_the_discussion(submitted, reviewer, editor):
    comment(submitted, reviewer, "Ready when you are")
    count = f'Discussion (<span id="discussion-count-{submitted.pk}">1</span>)'
    assert count in client_for(editor).get(reverse("annotations:review-queue")).text
    assert count in client_for(reviewer).get(reverse("annotations:my-verdicts")).text


def test_the_article_page_counts_discussions_in_one_query(reviewer, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build(size: int):
        article = ArticleFactory(body=" ".join(f"Sentence {i} of {size} is here." for i in range(6)))
        for index in range(size):
            draft = services.annotation_create(
                article=article, author=reviewer, status="alleged", **sentence_span(article, index)
            )
            comment(draft, reviewer, f"Note {index}")
            comment(draft, editor, f"Reply {index}")
        return article

    client = client_for(editor)
    counted = {}
    for size in (1, 5):
        article = build(size)
        client.get(article.get_absolute_url())  # the session, once
        with CaptureQueriesContext(connection) as captured:
            page = client.get(article.get_absolute_url()).text
        assert page.count(">2</span>)") == size
        assert len([query for query in captured if '"annotations_comment"' in query["sql"]]) == 1
        counted[size] = len(captured)
    assert counted[1] == counted[5]
