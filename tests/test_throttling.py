"""API rates (annotations/api/throttling.py): 429 with Retry-After, per user, per address, and on the token endpoint."""

from django.urls import reverse
import pytest
from rest_framework.test import APIClient

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Set some scopes' rates for one test (the others keep their defaults)."""

    def set_rates(**scopes: str | None) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **scopes}}

    return set_rates


def assert_throttled(response) -> None:
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert (response.status_code, response.json()) == (
        429,
        {"detail": f"Request was throttled. Expected available in {wait} seconds."},
    )


def test_defaults_are_documented_rates(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"anon": "60/min", "user": "600/min", "token": "10/min"}


def test_a_user_over_the_rate_gets_429_with_retry_after(reviewer, editor, rates):
    rates(user="3/min")
    client = APIClient()
    client.force_authenticate(reviewer)
    answers = [client.get(reverse("api:source-list")) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert_throttled(answers[3])
    other = APIClient()
    other.force_authenticate(editor)
    assert other.get(reverse("api:source-list")).status_code == 200  # counted per user


def test_anonymous_callers_are_counted_per_address(rates):
    rates(anon="2/min")
    client = APIClient()
    schema = reverse("api:schema")
    answers = [client.get(schema, HTTP_ACCEPT="application/json", REMOTE_ADDR="203.0.113.7") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert_throttled(answers[2])
    assert client.get(schema, HTTP_ACCEPT="application/json", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_token_endpoint_allows_ten_requests_a_minute_per_address(reviewer):
    client = APIClient()
    credentials = {"username": "reviewer", "password": PASSWORD}
    answers = [client.post(reverse("api:token"), credentials, format="json") for _ in range(11)]
    assert [answer.status_code for answer in answers] == [200] * 10 + [429]
    assert_throttled(answers[10])
    elsewhere = client.post(reverse("api:token"), credentials, format="json", REMOTE_ADDR="198.51.100.2")
    assert elsewhere.json() == answers[0].json()
