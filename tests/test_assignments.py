"""Assignments: editors hand articles to reviewers, with a due date and a note; every step recorded.
The page, the API and the article list read the same services and selectors."""

from datetime import timedelta
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
import pytest
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Assignment

from .conftest import client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def assign(article, editor, username="reviewer", **extra):
    return services.assignment_create(article=article, editor=editor, username=username, **extra)


def test_an_editor_assigns_with_a_due_date_and_a_note(seed_article, editor, reviewer):
    due = timezone.localdate() + timedelta(days=2)
    made = assign(seed_article, editor, due=due, note="Check the legal claims")
    assert (made.reviewer, made.assigned_by, made.due, made.note, made.removed_at) == (
        reviewer,
        editor,
        due,
        "Check the legal claims",
        None,
    )


@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_only_editors_assign_and_unassign(seed_article, editor, reviewer, outsider, who):
    actor = {"reviewer": reviewer, "outsider": outsider}[who]
    with pytest.raises(PermissionDenied, match="Only editors can assign articles"):
        assign(seed_article, actor)
    assign(seed_article, editor)
    with pytest.raises(PermissionDenied):
        services.assignment_remove(article=seed_article, username="reviewer", editor=actor)
    assert Assignment.objects.filter(removed_at=None).count() == 1


def test_only_reviewers_can_be_assigned_and_the_due_date_is_not_past(seed_article, editor, outsider):
    with pytest.raises(ValidationError) as refused:
        assign(seed_article, editor, "outsider", due=timezone.localdate() - timedelta(days=1), note="x" * 501)
    assert refused.value.message_dict == {
        "reviewer": ["outsider is not a reviewer: only reviewers and editors can be assigned."],
        "due": ["The due date is in the past."],
        "note": ["At most 500 characters."],
    }
    with pytest.raises(ValidationError) as refused:
        assign(seed_article, editor, "nobody")
    assert refused.value.message_dict == {"reviewer": ["There is no active desk member called “nobody”."]}
    assert not Assignment.objects.exists()


def test_every_assignment_and_removal_is_kept_on_record(seed_article, editor, reviewer):
    first = assign(seed_article, editor, note="first")
    second = assign(seed_article, editor, note="second")  # again: the first is closed, not overwritten
    services.assignment_remove(article=seed_article, username="reviewer", editor=editor)
    rows = list(Assignment.objects.order_by("id").values_list("note", "removed_by", "assigned_by"))
    assert rows == [("first", editor.pk, editor.pk), ("second", editor.pk, editor.pk)]
    assert first.pk != second.pk
    assert not Assignment.objects.filter(removed_at=None).exists()
    with pytest.raises(ValidationError, match="is not assigned to this article"):
        services.assignment_remove(article=seed_article, username="reviewer", editor=editor)


# --- The API -------------------------------------------------------------------------------------


def test_the_api_assigns_lists_filters_and_unassigns(seed_article, editor, reviewer, reviewer2):
    other = ArticleFactory(title="Other", body="One sentence. Two sentences.")
    url = reverse("api:article-assignments", args=[seed_article.pk])
    due = (timezone.localdate() + timedelta(days=1)).isoformat()
    made = api_for(editor).post(url, {"reviewer": "reviewer", "due": due, "note": "legal"}, format="json")
    assert made.status_code == 201
    assert {key: made.json()[key] for key in ("article", "reviewer", "due", "note", "assigned_by")} == {
        "article": seed_article.pk,
        "reviewer": "reviewer",
        "due": due,
        "note": "legal",
        "assigned_by": "editor",
    }
    api_for(editor).post(reverse("api:article-assignments", args=[other.pk]), {"reviewer": "reviewer2"}, format="json")
    assert [row["reviewer"] for row in api_for(reviewer).get(url).json()] == ["reviewer"]
    listed = api_for(reviewer).get(reverse("api:article-list"), {"assigned_to": "me"}).json()["results"]
    assert [article["id"] for article in listed] == [seed_article.pk]
    listed = api_for(editor).get(reverse("api:article-list"), {"assigned_to": "reviewer2"}).json()["results"]
    assert [article["id"] for article in listed] == [other.pk]
    assert api_for(editor).get(reverse("api:article-list"), {"assigned_to": "nobody"}).json()["results"] == []
    gone = api_for(editor).delete(reverse("api:article-unassign", args=[seed_article.pk, "reviewer"]))
    assert gone.status_code == 204
    assert api_for(reviewer).get(url).json() == []


def test_the_api_refuses_with_field_messages_and_roles(seed_article, editor, reviewer, outsider):
    url = reverse("api:article-assignments", args=[seed_article.pk])
    refused = api_for(editor).post(url, {"reviewer": "outsider"}, format="json")
    assert (refused.status_code, refused.json()) == (
        400,
        {"reviewer": ["outsider is not a reviewer: only reviewers and editors can be assigned."]},
    )
    refused = api_for(editor).post(url, {"reviewer": "reviewer", "due": "tomorrow"}, format="json")
    assert (refused.status_code, list(refused.json())) == (400, ["due"])
    assert api_for(reviewer).post(url, {"reviewer": "reviewer"}, format="json").status_code == 403
    assert APIClient().post(url, {"reviewer": "reviewer"}, format="json").status_code in {401, 403}
    missing = api_for(editor).delete(reverse("api:article-unassign", args=[seed_article.pk, "reviewer"]))
    assert (missing.status_code, missing.json()) == (400, {"reviewer": ["“reviewer” is not assigned to this article."]})
    assert not Assignment.objects.exists()


# --- The pages -----------------------------------------------------------------------------------


def test_a_reviewer_sees_assigned_to_me_first_with_progress(seed_article, editor, reviewer, reviewer2):
    other = ArticleFactory(title="Later one", body="One sentence. Two sentences.")
    assign(other, editor)
    assign(seed_article, editor, due=timezone.localdate(), note="Check the <legal> claims")
    mine = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    services.annotation_submit(annotation=mine, actor=reviewer, version=mine.version)
    services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 2)
    )
    services.annotation_create(
        article=seed_article, author=reviewer2, status="denied", denied_by="x", **sentence_span(seed_article, 3)
    )
    html = client_for(reviewer).get(reverse("annotations:article-list")).text
    section = html[html.index('id="assigned-title"') : html.index("</section>")]
    titles = re.findall(r"<strong>([^<]+)</strong>", section)
    assert titles == [seed_article.title, "Later one"]  # soonest due first, undated last
    total = seed_article.sentences.count()
    # reviewer2's draft is not visible to reviewer: two sentences covered, one of them submitted
    assert f"2 of {total} sentences have a verdict · 1 of yours submitted · 0 approved" in section
    assert "Check the &lt;legal&gt; claims" in section
    assert 'id="assigned-title"' not in client_for(reviewer2).get(reverse("annotations:article-list")).text


def test_the_article_list_filters_by_assignee_and_shows_overdue(seed_article, editor, reviewer, reviewer2):
    other = ArticleFactory(title="Other article", body="One sentence. Two sentences.")
    assign(other, editor, "reviewer2")
    late = assign(seed_article, editor, due=timezone.localdate())
    Assignment.objects.filter(pk=late.pk).update(due=timezone.localdate() - timedelta(days=1))
    html = client_for(editor).get(reverse("annotations:article-list"), {"assigned": "reviewer"}).text
    assert re.findall(r'<a href="/articles/(\d+)/"', html) == [str(seed_article.pk)]
    assert '<span class="overdue-badge">overdue</span>' in html
    html = client_for(editor).get(reverse("annotations:article-list"), {"assigned": "reviewer2"}).text
    assert re.findall(r'<a href="/articles/(\d+)/"', html) == [str(other.pk)]
    html = client_for(reviewer2).get(reverse("annotations:article-list"), {"assigned": "me"}).text
    assert re.findall(r'<a href="/articles/(\d+)/"', html.split('id="article-table"')[1]) == [str(other.pk)]
    assert "No articles yet" in client_for(editor).get(reverse("annotations:article-list"), {"assigned": "nobody"}).text


@pytest.mark.parametrize("size", [1, 8])
def test_the_article_list_reads_assignments_in_a_fixed_number_of_queries(
    editor, reviewer, django_assert_num_queries, size
):
    for number in range(size):
        article = ArticleFactory(title=f"Article {number}", body=f"Sentence {number}. Another one.")
        assign(article, editor, due=timezone.localdate() + timedelta(days=number))
    client = client_for(reviewer)
    client.get(reverse("annotations:article-list"))  # the session, once
    with django_assert_num_queries(8):
        assert client.get(reverse("annotations:article-list")).status_code == 200


def test_an_editor_assigns_on_the_article_page_and_a_refusal_shows_at_its_field(
    seed_article, editor, reviewer, outsider
):
    client = client_for(editor)
    url = reverse("annotations:article-assign", args=[seed_article.pk])
    refused = client.post(url, {"reviewer": "outsider", "due": "", "note": ""}, headers=HTMX)
    assert refused.status_code == 400
    assert "outsider is not a reviewer: only reviewers and editors can be assigned." in refused.text
    done = client.post(url, {"reviewer": "reviewer", "note": "Check the legal claims"}, headers=HTMX)
    assert done.status_code == 200
    assert "<strong>reviewer</strong>" in done.text and "Check the legal claims" in done.text
    page = client.get(seed_article.get_absolute_url()).text
    assert 'id="assignments"' in page and 'name="reviewer"' in page
    reviewer_page = client_for(reviewer).get(seed_article.get_absolute_url()).text
    assert (
        "<strong>reviewer</strong>" in reviewer_page
        and 'action="/articles/' not in reviewer_page.split('id="assignments"')[1].split("</section>")[0]
    )
    assert client_for(reviewer).post(url, {"reviewer": "reviewer"}).status_code == 403
    removed = client.post(reverse("annotations:article-unassign", args=[seed_article.pk, "reviewer"]))
    assert (removed.status_code, removed.url) == (302, f"{seed_article.get_absolute_url()}#assignments")
    assert not Assignment.objects.filter(removed_at=None).exists()
