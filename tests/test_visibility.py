"""Every read path shows exactly the verdicts (and sources) `selectors.visibility_filter` allows.

One desk: drafts of two reviewers and of an editor, a submitted, an approved and a deleted verdict,
each with a claimant of its own and some with sources; four people look at it through every page,
partial, API endpoint and export. The expected set is always the selector's, never restated here.
"""

import re

from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
import orjson
import pytest
from rest_framework.test import APIClient

from annotations import roles, selectors, services
from annotations.models import Annotation, Source, State

from .conftest import sentence_span
from .factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
PERSONAS = ("reviewer", "reviewer2", "editor", "outsider")


@pytest.fixture
def desk(reviewer, reviewer2, editor, outsider, seed_article):
    editor2 = UserFactory(username="editor2", groups=[roles.EDITORS_GROUP])
    people = {"reviewer": reviewer, "reviewer2": reviewer2, "editor": editor, "outsider": outsider}

    def source(slug: str) -> Source:
        return services.source_get_or_create(
            url=f"https://example.org/{slug}", title=f"Document {slug}", created_by=reviewer
        )[0]

    draft_only, public, deleted_only = source("draft-only"), source("public"), source("deleted-only")
    source("uncited")

    def verdict(author, index: int, name: str, sources=()) -> Annotation:
        links = [services.SourceLink(item, "context") for item in sources]
        return services.annotation_create(
            article=seed_article,
            author=author,
            status="alleged",
            claimant=f"Claimant {name}",
            sources=links,
            **sentence_span(seed_article, index),
        )

    verdict(reviewer, 0, "reviewer draft", [draft_only])
    verdict(reviewer2, 1, "reviewer2 draft")
    verdict(editor, 2, "editor draft")
    submitted = verdict(reviewer, 3, "submitted")
    services.annotation_submit(annotation=submitted, actor=reviewer, version=1)
    approved = verdict(reviewer2, 4, "approved", [public])
    services.annotation_submit(annotation=approved, actor=reviewer2, version=1)
    services.annotation_approve(annotation=approved, editor=editor2, version=2)
    gone = verdict(reviewer, 5, "deleted", [deleted_only])
    services.annotation_delete(annotation=gone, actor=reviewer)
    return people, seed_article


def expected(user) -> set[int]:
    return set(selectors.visible_annotations(viewer=user).values_list("id", flat=True))


def claimants_of(ids: set[int]) -> set[str]:
    return set(Annotation.objects.filter(id__in=ids).values_list("claimant", flat=True))


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids_in(html: str, pattern: str) -> set[int]:
    return {int(found) for found in re.findall(pattern, html)}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_reader_page_and_its_partials(desk, persona):
    people, article = desk
    user = people[persona]
    client = page_client(user)
    page = client.get(reverse("annotations:article-detail", args=[article.pk])).text
    assert ids_in(page, r'<mark[^>]*data-annotation-id="(\d+)"') == expected(user)
    assert ids_in(page, r'id="annotation-(\d+)"') == expected(user)
    cards = client.get(reverse("annotations:verdict-cards", args=[article.pk]), headers=HTMX).text
    assert ids_in(cards, r'id="annotation-(\d+)"') == expected(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_article_list_counts(desk, persona):
    people, article = desk
    user = people[persona]
    listed = selectors.article_list(viewer=user).get(pk=article.pk)
    assert listed.annotation_count == len(expected(user))
    page = page_client(user).get(reverse("annotations:article-list")).text
    # Every verdict of the desk is alleged: the list's badge counts them.
    assert f'{len(expected(user))}<span class="visually-hidden"> alleged</span>' in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_single_verdict_pages(desk, persona):
    people, _article = desk
    user = people[persona]
    client = page_client(user)
    for annotation in Annotation.objects.filter(deleted_at__isnull=True):
        history = client.get(reverse("annotations:annotation-history", args=[annotation.pk]))
        assert (history.status_code == 200) == (annotation.pk in expected(user)), annotation.claimant


def test_the_review_queue_and_its_count(desk):
    people, _article = desk
    editor = people["editor"]
    queue = page_client(editor).get(reverse("annotations:review-queue")).text
    waiting = expected(editor) & set(Annotation.objects.filter(state=State.SUBMITTED).values_list("id", flat=True))
    assert ids_in(queue, r'id="queue-item-(\d+)"') == waiting
    assert selectors.waiting_count(viewer=editor) == len(waiting)


@pytest.mark.parametrize("persona", ["reviewer", "reviewer2", "editor"])
def test_my_verdicts(desk, persona):
    people, _article = desk
    user = people[persona]
    mine = page_client(user).get(reverse("annotations:my-verdicts")).text
    own = set(Annotation.objects.filter(author=user).values_list("id", flat=True))
    assert ids_in(mine, r'id="mine-item-(\d+)"') == expected(user) & own


@pytest.mark.parametrize("persona", ["reviewer", "reviewer2", "editor"])
def test_claimant_suggestions(desk, persona):
    people, article = desk
    user = people[persona]
    form = page_client(user).get(
        reverse("annotations:annotation-new", args=[article.pk]), sentence_span(article, 6), headers=HTMX
    )
    assert set(re.findall(r'<option value="(Claimant [^"]+)">', form.text)) == claimants_of(expected(user))


@pytest.mark.parametrize("persona", ["reviewer", "reviewer2", "editor"])
def test_sources_follow_their_verdicts(desk, persona):
    people, _article = desk
    user = people[persona]
    visible = {"public", "uncited", "deleted-only"} | ({"draft-only"} if persona in ("reviewer", "editor") else set())
    search = page_client(user).get(reverse("annotations:source-search"), {"q": "document"}, headers=HTMX).text
    assert set(re.findall(r'<strong dir="auto">Document ([a-z-]+)</strong>', search)) == visible
    listed = api_client(user).get(reverse("api:source-list"), {"page_size": 50}).json()["results"]
    assert {item["title"].removeprefix("Document ") for item in listed} == visible
    hidden = Source.objects.get(url="https://example.org/draft-only")
    row = page_client(user).get(reverse("annotations:source-row", args=[hidden.pk]), headers=HTMX)
    assert row.status_code == (200 if "draft-only" in visible else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_retrieve_and_events(desk, persona):
    people, _article = desk
    user = people[persona]
    client = api_client(user)
    listed = client.get(reverse("api:annotation-list"), {"page_size": 500}).json()["results"]
    assert {item["id"] for item in listed} == expected(user)
    for annotation in Annotation.objects.all():
        visible = annotation.pk in expected(user)
        detail = client.get(reverse("api:annotation-detail", args=[annotation.pk]))
        events = client.get(reverse("api:annotation-events", args=[annotation.pk]))
        assert (detail.status_code, events.status_code) == ((200, 200) if visible else (404, 404))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("export_format", ["native", "w3c", "claimreview"])
def test_exports(desk, persona, export_format):
    people, _article = desk
    user = people[persona]
    response = api_client(user).get(reverse("api:export"), {"format": export_format})
    document = orjson.loads(b"".join(response.streaming_content))
    if export_format == "native":
        ids = {item["id"] for article in document["articles"] for item in article["annotations"]}
        assert ids == expected(user)
    elif export_format == "w3c":
        ids = {int(item["id"].rstrip("/").rsplit("/", 1)[1]) for item in document["first"]["items"]}
        assert ids == expected(user)
    else:
        ids = {int(item["url"].rsplit("-", 1)[1]) for item in document["@graph"]}
        assert ids == expected(user) & set(Annotation.objects.filter(state=State.APPROVED).values_list("id", flat=True))


def test_the_public_page_shows_only_what_is_published(desk, client):
    _people, article = desk
    page = client.get(reverse("annotations:factcheck-page", args=[article.pk])).text
    published = set(selectors.visible_annotations(viewer=AnonymousUser()).values_list("id", flat=True))
    assert ids_in(page, r'id="claim-(\d+)"') == published
    assert claimants_of(published) == {"Claimant approved"}
