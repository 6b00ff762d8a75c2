"""The articles API: retrieve with sentences, list filters and pages, create."""

from django.urls import reverse
import pytest

from annotations import services
from annotations.models import Article

from .conftest import api

pytestmark = pytest.mark.django_db


def test_article_retrieve_has_sentences(reviewer, seed_article):
    data = api(reviewer).get(reverse("api:article-detail", args=[seed_article.pk])).json()
    assert data["sentence_count"] == 26
    assert data["sentences"][0] == {
        "index": 0,
        "start": 0,
        "end": 183,
        "text": seed_article.body[:183],
    }
    assert len(data["sentences"]) == 26


def test_article_list_filters_and_cursor_pagination(reviewer):
    for n in range(3):
        services.article_import(
            title=f"Story {n}", body=f"Body {n}.", language="ur" if n == 2 else "en", imported_by=None
        )
    client = api(reviewer)
    first = client.get(reverse("api:article-list"), {"page_size": 2}).json()
    assert [a["title"] for a in first["results"]] == ["Story 2", "Story 1"]
    second = client.get(first["next"]).json()
    assert [a["title"] for a in second["results"]] == ["Story 0"]
    assert [a["title"] for a in client.get(reverse("api:article-list"), {"language": "ur"}).json()["results"]] == [
        "Story 2"
    ]
    assert [a["title"] for a in client.get(reverse("api:article-list"), {"search": "story 1"}).json()["results"]] == [
        "Story 1"
    ]


def test_article_create_segments_like_the_import(reviewer, outsider):
    payload = {"title": "API story", "body": "First one.\r\nSecond one. Third.", "language": "en"}
    response = api(reviewer).post(reverse("api:article-list"), payload, format="json")
    assert response.status_code == 201
    data = response.json()
    assert [s["text"] for s in data["sentences"]] == ["First one.", "Second one.", "Third."]
    assert data["body"] == "First one.\nSecond one. Third."
    duplicate = api(reviewer).post(reverse("api:article-list"), payload, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"body": [f"This text is already stored as article #{data['id']}, “API story”."]}
    assert api(outsider).post(reverse("api:article-list"), {**payload, "body": "x."}, format="json").status_code == 403
    empty = api(reviewer).post(reverse("api:article-list"), {"title": "", "body": ""}, format="json")
    assert empty.json() == {"title": ["Give the article a title."], "body": ["The article text is empty."]}
    assert Article.objects.count() == 1
