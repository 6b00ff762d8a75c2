import os
from pathlib import Path

from django.core.cache import cache
from django.test import Client
import pytest

from annotations import services

from .factories import ArticleFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SEED_PATH = Path(__file__).resolve().parent.parent / "annotations" / "demo_data" / "huawei-pakistan.txt"
SEED_TITLE = "Huawei spying in Pakistan?"


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", groups=[services.REVIEWERS_GROUP])


@pytest.fixture
def reviewer2(db):
    return UserFactory(username="reviewer2", groups=[services.REVIEWERS_GROUP])


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=[services.EDITORS_GROUP])


@pytest.fixture
def outsider(db):
    """Logged in, but in neither group."""
    return UserFactory(username="outsider")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    return client_for(reviewer)


@pytest.fixture
def editor_client(editor):
    return client_for(editor)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


@pytest.fixture
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture
def seed_article(db, seed_text):
    return ArticleFactory(title=SEED_TITLE, body=seed_text)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real passwords, not test personas."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_request_counts():
    """The API's rate limits count in the default cache, which outlives a test: each test starts at zero.
    (Failed log-ins are counted in the database and go with the test's transaction.)"""
    cache.clear()


@pytest.fixture
def bbc_source(reviewer):
    source, _ = services.source_get_or_create(
        url="https://www.bbc.com/news/world-asia-47855015",
        title="Huawei told to remove Wi-Fi cards from Pakistan CCTV",
        publisher="BBC News",
        created_by=reviewer,
    )
    return source


def sentence_span(article, index: int) -> dict:
    """start/end/quote of one sentence, as the page would submit them."""
    sentence = article.sentences.get(index=index)
    return {"start": sentence.start, "end": sentence.end, "quote": article.body[sentence.start : sentence.end]}
