"""Failed log-ins (annotations/logins.py with django-axes): locked out before any hashing, on the page and the API."""

import io

from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
import pytest
from rest_framework.test import APIClient

from annotations import logins

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED_OUT = (
    "Too many failed log-ins from your address. Try again in 15 minutes; "
    "each attempt before then restarts the wait. An editor can lift the lock sooner."
)
WRONG_LOGIN = "Please enter a correct username and password. Note that both fields may be case-sensitive."
ARTICLES = "/"
WRONG_TOKEN = {"non_field_errors": ["Unable to log in with provided credentials."]}


class CountingMD5Hasher(MD5PasswordHasher):
    """conftest's fast MD5 hasher, counting the passwords it hashes (to check one or to store one)."""

    hashed = 0

    def encode(self, password: str, salt: str) -> str:
        CountingMD5Hasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def hasher(settings) -> type[CountingMD5Hasher]:
    settings.PASSWORD_HASHERS = ["tests.test_logins.CountingMD5Hasher"]
    CountingMD5Hasher.hashed = 0
    return CountingMD5Hasher


@pytest.fixture
def token_rate_off(settings):
    """The token endpoint's own rate (10/min per address) would refuse the 11th request first."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "token": None}}


def log_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def token_for(username: str, password: str, address: str = "127.0.0.1"):
    return APIClient().post(
        reverse("api:token"), {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def test_login_page_refuses_the_eleventh_wrong_password_without_hashing(client, reviewer, hasher):
    answers = [log_in(client, "reviewer", f"wrong-{n}") for n in range(10)]
    assert [answer.status_code for answer in answers] == [200] * 9 + [429]
    assert WRONG_LOGIN in answers[8].text
    assert hasher.hashed == 10

    eleventh = log_in(client, "reviewer", "wrong-10")
    right = log_in(client, "reviewer", PASSWORD)
    assert hasher.hashed == 10  # neither password was hashed
    for refused in (answers[9], eleventh, right):
        assert (refused.status_code, refused["Retry-After"]) == (429, "900")
        assert "registration/login_locked_out.html" in [t.name for t in refused.templates]
        assert LOCKED_OUT in refused.text
        assert 'name="password"' not in refused.text
        assert "'unsafe-inline'" not in refused["Content-Security-Policy"]
    assert "_auth_user_id" not in client.session


def test_token_endpoint_refuses_the_eleventh_wrong_password_without_hashing(reviewer, hasher, token_rate_off):
    answers = [token_for("reviewer", f"wrong-{n}") for n in range(10)]
    assert [answer.json() for answer in answers[:9]] == [WRONG_TOKEN] * 9
    assert hasher.hashed == 10

    eleventh = token_for("reviewer", "wrong-10")
    right = token_for("reviewer", PASSWORD)
    assert hasher.hashed == 10
    for refused in (answers[9], eleventh, right):
        assert (refused.status_code, refused["Retry-After"], refused.json()) == (429, "900", {"detail": LOCKED_OUT})


def test_page_and_api_count_the_same_failures(client, reviewer, hasher, token_rate_off):
    for n in range(5):
        log_in(client, "reviewer", f"wrong-{n}")
    for n in range(4):
        assert token_for("reviewer", f"wrong-api-{n}").json() == WRONG_TOKEN
    assert token_for("reviewer", "wrong-api-4").status_code == 429
    assert log_in(client, "reviewer", PASSWORD).status_code == 429
    assert hasher.hashed == 10


def test_a_lock_holds_one_username_at_one_address(client, reviewer, editor, hasher):
    """No lock is per username alone, or anyone could lock any account from anywhere."""
    for n in range(10):
        log_in(client, "reviewer", f"wrong-{n}", address="203.0.113.7")
    assert log_in(client, "reviewer", PASSWORD, address="203.0.113.7").status_code == 429
    assert log_in(Client(), "editor", PASSWORD, address="203.0.113.7")["Location"] == ARTICLES
    assert log_in(Client(), "reviewer", PASSWORD, address="198.51.100.2")["Location"] == ARTICLES


def test_many_usernames_from_one_address_lock_the_address(client, reviewer, hasher, settings):
    settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    answers = [log_in(client, f"guess-{n}", "password", address="203.0.113.7") for n in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    hashed = hasher.hashed
    assert log_in(client, "reviewer", PASSWORD, address="203.0.113.7").status_code == 429
    assert token_for("reviewer", PASSWORD, address="203.0.113.7").json() == {"detail": LOCKED_OUT}
    assert hasher.hashed == hashed
    assert log_in(Client(), "reviewer", PASSWORD, address="198.51.100.2")["Location"] == ARTICLES


def test_without_cool_off_the_lock_waits_for_an_unlock(client, reviewer, settings):
    settings.AXES_COOLOFF_TIME = None
    for n in range(10):
        log_in(client, "reviewer", f"wrong-{n}")
    refused = log_in(client, "reviewer", PASSWORD)
    assert refused.status_code == 429
    assert "Retry-After" not in refused
    assert "Too many failed log-ins from your address. Ask an editor to lift the lock." in refused.text


def lock_out_reviewer(client: Client) -> None:
    for n in range(10):
        log_in(client, "reviewer", f"wrong-{n}")
    assert log_in(client, "reviewer", PASSWORD).status_code == 429


def test_an_administrator_unlocks_in_the_admin(client, reviewer):
    lock_out_reviewer(client)
    admin = Client()
    admin.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"), {"username": "reviewer"})
    assert [(a.username, a.ip_address, a.failures_since_start) for a in listing.context["cl"].result_list] == [
        ("reviewer", "127.0.0.1", 11)
    ]
    ids = [str(a.pk) for a in AccessAttempt.objects.all()]
    deleted = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert deleted["Location"] == reverse("admin:axes_accessattempt_changelist")
    assert AccessAttempt.objects.count() == 0
    assert log_in(client, "reviewer", PASSWORD)["Location"] == ARTICLES


@pytest.mark.parametrize(("command", "argument"), [("axes_reset_username", "reviewer"), ("axes_reset_ip", "127.0.0.1")])
def test_reset_commands_unlock(client, reviewer, command, argument):
    lock_out_reviewer(client)
    output = io.StringIO()
    call_command(command, argument, stdout=output)
    assert output.getvalue() == "1 attempts removed.\n"
    assert log_in(client, "reviewer", PASSWORD)["Location"] == ARTICLES


def test_client_address_is_the_one_the_api_rates_count(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7")
    assert logins.client_address(request) == "10.0.0.1"  # no proxy (DJANGO_HTTPS=0): X-Forwarded-For is ignored
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert logins.client_address(request) == "203.0.113.7"  # the entry the proxy appended, not the client's own
