"""The page and the API find the same articles and sources for the same words (one rule: selectors)."""

import re

from django.urls import reverse
import pytest
from rest_framework.test import APIClient

from annotations import services

from .conftest import client_for
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
ARTICLE_WORDS = ["huawei", "Pakistan HUAWEI", "spying?", "lawsuit", "pakistan lawsuit", "nothing-like-this"]
SOURCE_WORDS = ["bbc", "BBC news", "wi-fi cards", "world-asia", "court filing", "example.org", "reuters"]


@pytest.fixture
def desk(reviewer, seed_article):
    ArticleFactory(title="Huawei sues over a Pakistan lawsuit", body="A different story. It has two sentences.")
    ArticleFactory(title="Lawsuit in Lahore", body="Another story entirely. Nothing about the firm.")
    for url, title, publisher in [
        ("https://www.bbc.com/news/world-asia-47855015", "Huawei told to remove Wi-Fi cards", "BBC News"),
        ("https://example.org/complaint.pdf", "Complaint", "US District Court"),
        ("https://example.org/court-filing", "Court filing, 2025", "Reuters"),
    ]:
        services.source_get_or_create(url=url, title=title, publisher=publisher, created_by=reviewer)


@pytest.mark.parametrize("words", ARTICLE_WORDS)
def test_article_search_is_the_same_on_the_page_and_in_the_api(desk, reviewer, words):
    page = client_for(reviewer).get(reverse("annotations:article-list"), {"q": words}).text
    on_page = {int(pk) for pk in re.findall(r'href="/articles/(\d+)/"', page)}
    api = APIClient()
    api.force_authenticate(reviewer)
    in_api = {item["id"] for item in api.get(reverse("api:article-list"), {"search": words}).json()["results"]}
    assert on_page == in_api


@pytest.mark.parametrize("words", SOURCE_WORDS)
def test_source_search_is_the_same_on_the_page_and_in_the_api(desk, reviewer, words):
    page = client_for(reviewer).get(reverse("annotations:source-search"), {"q": words}, headers=HTMX).text
    on_page = set(re.findall(r'<strong dir="auto">([^<]+)</strong>', page))
    api = APIClient()
    api.force_authenticate(reviewer)
    in_api = {item["title"] for item in api.get(reverse("api:source-list"), {"q": words}).json()["results"]}
    assert on_page == in_api
    assert words != "BBC news" or on_page == {"Huawei told to remove Wi-Fi cards"}  # matched by publisher
