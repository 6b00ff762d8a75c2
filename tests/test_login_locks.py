"""Log-in locks: the rule roles.can_unlock_logins, selectors.login_locks and services.login_unlock.
Locks are made through the real login page, or as django-axes' records for larger sizes."""

from datetime import timedelta
import logging

from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest

from annotations import roles, selectors, services
from annotations.selectors import LoginLock

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ARTICLES = "/"
EDITORS_ONLY = "Only editors can lift log-in locks."


def log_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def lock_out(username: str, address: str = "127.0.0.1") -> Client:
    """Ten wrong passwords on the login page, then the right one, refused: 11 failures counted."""
    client = Client()
    answers = [log_in(client, username, f"wrong-{n}", address) for n in range(10)]
    assert [answer.status_code for answer in answers] == [200] * 9 + [429]
    assert log_in(client, username, PASSWORD, address).status_code == 429
    return client


def failures(
    username: str | None, address: str, count: int, *, ago: timedelta = timedelta(0), browser: str = "test"
) -> None:
    """Failure records as django-axes writes them, for sizes the login page would take long to make."""
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        user_agent=browser,
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=count,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - ago)


def listed(locks: list[LoginLock]) -> list[tuple]:
    return [(lock.username, lock.address, lock.failures, lock.accounts, lock.known) for lock in locks]


def test_only_editors_and_superusers_may_unlock(reviewer, editor, outsider):
    admin = UserFactory(username="admin", is_superuser=True)
    assert [roles.can_unlock_logins(user) for user in (reviewer, outsider, editor, admin)] == [
        False,
        False,
        True,
        True,
    ]


def test_the_service_refuses_a_reviewer(reviewer):
    with pytest.raises(PermissionDenied, match=EDITORS_ONLY):
        services.login_unlock(editor=reviewer, address="127.0.0.1", username="reviewer")


def test_locks_are_counted_as_axes_counts_them(editor, settings):
    """Nine failures lock no one, ten do; past the cool-off they no longer count."""
    failures("nine", "198.51.100.1", 9)
    failures("ten", "198.51.100.1", 6)
    failures("ten", "198.51.100.1", 4, browser="other")  # the same account at the same address
    failures("stale", "198.51.100.3", 12, ago=timedelta(minutes=16))
    failures("mallory", "198.51.100.2", 10, ago=timedelta(minutes=1))
    assert listed(selectors.login_locks()) == [
        ("ten", "198.51.100.1", 10, 1, False),
        ("mallory", "198.51.100.2", 10, 1, False),
    ]
    settings.AXES_COOLOFF_TIME = None
    locks = selectors.login_locks()
    assert [(lock.username, lock.lifts_at) for lock in locks] == [("ten", None), ("mallory", None), ("stale", None)]


def test_unlocking_one_account_leaves_the_others_locked(editor, reviewer, reviewer2):
    lock_out("reviewer")
    lock_out("reviewer2")
    lock_out("reviewer", address="198.51.100.2")
    assert services.login_unlock(editor=editor, address="127.0.0.1", username="reviewer") == 1
    assert listed(selectors.login_locks()) == [
        ("reviewer", "198.51.100.2", 11, 1, True),
        ("reviewer2", "127.0.0.1", 11, 1, True),
    ]
    assert log_in(Client(), "reviewer", PASSWORD)["Location"] == ARTICLES
    assert log_in(Client(), "reviewer", PASSWORD, address="198.51.100.2").status_code == 429


def test_an_unlock_is_logged_with_who_lifted_what(editor, reviewer, caplog):
    lock_out("reviewer")
    with caplog.at_level(logging.WARNING, logger="annotations.services"):
        assert services.login_unlock(editor=editor, address="127.0.0.1", username="reviewer") == 1
        assert services.login_unlock(editor=editor, address="127.0.0.1") == 0
    assert [r.getMessage() for r in caplog.records if r.name == "annotations.services"] == [
        "Log-in lock lifted by editor: account 'reviewer' at 127.0.0.1 (1 failure records removed).",
        "Log-in lock lifted by editor: every account at 127.0.0.1 (0 failure records removed).",
    ]
    assert AccessAttempt.objects.count() == 0
    assert log_in(Client(), "reviewer", PASSWORD)["Location"] == ARTICLES
