"""Log-in locks: the editors' page (views.locked_logins, views.login_unlock), selectors.login_locks,
services.login_unlock and the rule roles.can_unlock_logins. Locks are made through the real login
page, or as django-axes' records for larger sizes."""

from datetime import timedelta
import logging

from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
import pytest

from annotations import roles, selectors, services
from annotations.selectors import LoginLock

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PAGE = reverse("annotations:locked-logins")
UNLOCK = reverse("annotations:login-unlock")
ARTICLES = "/"
EDITORS_ONLY = "Only editors can lift log-in locks."
LOCKED_OUT = (
    "Too many failed log-ins from your address. Try again in 15 minutes; "
    "each attempt before then restarts the wait. An editor can lift the lock sooner."
)


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:
    """The page in production (DEBUG off, as the suite runs) and in the demo (DEBUG on, where
    django-htmx's debug script would replace the page with any 4xx answer to an htmx request,
    were it loaded: templates/base.html leaves it out)."""
    settings.DEBUG = request.param
    return request.param


def log_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def lock_out(username: str, address: str = "127.0.0.1") -> Client:
    """Ten wrong passwords on the login page, then the right one, refused: 11 failures counted."""
    client = Client()
    answers = [log_in(client, username, f"wrong-{n}", address) for n in range(10)]
    assert [answer.status_code for answer in answers] == [200] * 9 + [429]
    refused = log_in(client, username, PASSWORD, address)
    assert (refused.status_code, LOCKED_OUT in refused.text) == (429, True)
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


def squash(html: str) -> str:
    return " ".join(html.split())


def listed(locks: list[LoginLock]) -> list[tuple]:
    return [(lock.username, lock.address, lock.failures, lock.accounts, lock.known) for lock in locks]


# --- Who may -------------------------------------------------------------------------------------


def test_only_editors_and_superusers_may_unlock(reviewer, editor, outsider):
    admin = UserFactory(username="admin", is_superuser=True)
    assert [roles.can_unlock_logins(user) for user in (reviewer, outsider, editor, admin)] == [
        False,
        False,
        True,
        True,
    ]


def test_reviewers_and_outsiders_are_refused_and_nothing_is_unlocked(reviewer_client, outsider_client, reviewer2):
    lock_out("reviewer2")
    for client in (reviewer_client, outsider_client):
        page = client.get(PAGE)
        assert (page.status_code, EDITORS_ONLY in page.text, "reviewer2" in page.text) == (403, True, False)
        for headers in ({}, HTMX):
            refused = client.post(UNLOCK, {"username": "reviewer2", "address": "127.0.0.1"}, headers=headers)
            assert (refused.status_code, EDITORS_ONLY in refused.text) == (403, True)
    assert AccessAttempt.objects.get().failures_since_start == 11
    assert log_in(Client(), "reviewer2", PASSWORD).status_code == 429


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"
    assert client.post(UNLOCK, {"address": "127.0.0.1"})["Location"] == f"/accounts/login/?next={UNLOCK}"


def test_the_service_refuses_a_reviewer(reviewer):
    with pytest.raises(PermissionDenied, match=EDITORS_ONLY):
        services.login_unlock(editor=reviewer, address="127.0.0.1", username="reviewer")


def test_only_editors_see_the_link(reviewer_client, editor_client):
    link = f'<a href="{PAGE}">Locked log-ins</a>'
    assert link not in reviewer_client.get(ARTICLES).text
    assert link in editor_client.get(ARTICLES).text


# --- The page --------------------------------------------------------------------------------------


def test_the_page_lists_a_locked_colleague(debug, editor_client, reviewer):
    lock_out("reviewer")
    page = editor_client.get(PAGE)
    assert page.status_code == 200
    lock = page.context["locks"][0]
    assert listed(page.context["locks"]) == [("reviewer", "127.0.0.1", 11, 1, True)]
    assert lock.lifts_at == lock.last_failure + timedelta(minutes=15)
    assert timezone.now() - lock.last_failure < timedelta(minutes=1)
    assert '<p class="queue-count" id="lock-count">1 locked</p>' in page.text
    assert '<strong class="lock-name">reviewer</strong>' in page.text
    assert "no such account" not in page.text
    assert "<dt>Failed log-ins</dt><dd>11</dd>" in page.text
    assert "A lock lifts by itself 15 minutes after the last attempt." in page.text
    assert f'by <time datetime="{lock.lifts_at.isoformat()}">' in page.text
    assert "</time> · just now</dd>" in page.text  # not "0 minutes ago"
    assert 'aria-current="page">Locked log-ins</a>' in page.text
    assert '<input type="hidden" name="username" value="reviewer">' in page.text
    assert '<span class="visually-hidden"> reviewer at 127.0.0.1</span>' in page.text
    assert "django_htmx/django-htmx.js" not in page.text  # in neither mode: see templates/base.html
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer nonce="' in page.text


def test_the_empty_page(debug, editor_client):
    page = editor_client.get(PAGE)
    assert page.context["locks"] == []
    assert '<p class="empty">Nobody is locked out.</p>' in page.text
    assert '<p class="queue-count" id="lock-count">0 locked</p>' in page.text


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


def test_a_locked_address_is_one_row_for_every_account(editor_client, settings):
    settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 30
    for n in range(3):
        failures(f"guess-{n}", "203.0.113.7", 10)
    page = editor_client.get(PAGE)
    assert listed(page.context["locks"]) == [(None, "203.0.113.7", 30, 3, False)]
    assert '<strong class="lock-name">Every account</strong> <span class="lock-tag">3 usernames tried</span>' in (
        page.text
    )
    assert '<input type="hidden" name="username" value="">' in page.text


def test_without_cool_off_the_page_says_only_an_unlock_lifts_it(editor_client, reviewer, settings):
    settings.AXES_COOLOFF_TIME = None
    lock_out_message = "Too many failed log-ins from your address. Ask an editor to lift the lock."
    client = Client()
    for n in range(10):
        log_in(client, "reviewer", f"wrong-{n}")
    assert lock_out_message in log_in(client, "reviewer", PASSWORD).text
    page = editor_client.get(PAGE)
    assert "A lock lasts until someone lifts it." in page.text
    assert "<dt>Lifts by itself</dt><dd>no: only when unlocked</dd>" in page.text


def test_a_name_nobody_has_is_marked(editor_client):
    lock_out("ceo")
    page = editor_client.get(PAGE)
    assert listed(page.context["locks"]) == [("ceo", "127.0.0.1", 11, 1, False)]
    assert '<strong class="lock-name">ceo</strong> <span class="lock-tag">no such account</span>' in page.text


def test_the_page_makes_the_same_queries_for_one_lock_and_for_many(editor_client, settings):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(PAGE).status_code == 200
        return len(captured)

    failures("user1", "198.51.100.1", 10)
    failures("guess", "203.0.113.1", 30)
    small = count()
    for n in range(12):
        failures(f"user{n}", f"198.51.100.{n + 2}", 10)
        failures(f"guess{n}", f"203.0.113.{n + 2}", 30)
    assert len(editor_client.get(PAGE).context["locks"]) == 26
    assert count() == small


# --- Unlocking -----------------------------------------------------------------------------------


def test_an_editor_unlocks_a_colleague_who_then_logs_in(debug, editor_client, reviewer):
    locked = lock_out("reviewer")
    answer = editor_client.post(UNLOCK, {"username": "reviewer", "address": "127.0.0.1"})
    assert answer["Location"] == PAGE
    page = editor_client.get(PAGE)
    assert '<p class="message message-success">Unlocked: reviewer can log in again from 127.0.0.1.</p>' in page.text
    assert page.context["locks"] == []
    assert AccessAttempt.objects.count() == 0
    assert log_in(locked, "reviewer", PASSWORD)["Location"] == ARTICLES


def test_unlocking_with_htmx_answers_the_row_in_its_place(debug, editor_client, reviewer, reviewer2):
    lock_out("reviewer")
    lock_out("reviewer2")
    answer = editor_client.post(UNLOCK, {"username": "reviewer", "address": "127.0.0.1"}, headers=HTMX)
    assert answer.status_code == 200
    assert squash(answer.text) == squash(
        '<li class="lock-item is-done" tabindex="-1" autofocus> '
        '<p class="lock-done" role="status">Unlocked: reviewer can log in again from 127.0.0.1.</p> '
        '<p class="queue-count" id="lock-count" hx-swap-oob="true">1 locked</p> </li>'
    )
    assert log_in(Client(), "reviewer", PASSWORD)["Location"] == ARTICLES
    assert log_in(Client(), "reviewer2", PASSWORD).status_code == 429


def test_unlocking_an_address_lets_every_account_in(editor_client, reviewer, reviewer2, settings):
    settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    client = Client()
    answers = [log_in(client, f"guess-{n}", "password", address="203.0.113.7") for n in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert log_in(Client(), "reviewer", PASSWORD, address="203.0.113.7").status_code == 429
    assert listed(editor_client.get(PAGE).context["locks"]) == [(None, "203.0.113.7", 4, 4, False)]

    answer = editor_client.post(UNLOCK, {"username": "", "address": "203.0.113.7"}, headers=HTMX)
    assert "Unlocked: every account can log in again from 203.0.113.7." in answer.text
    assert log_in(Client(), "reviewer", PASSWORD, address="203.0.113.7")["Location"] == ARTICLES
    assert log_in(Client(), "reviewer2", PASSWORD, address="203.0.113.7")["Location"] == ARTICLES


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


def test_a_lock_already_lifted_says_so(debug, editor_client, reviewer):
    lock_out("reviewer")
    data = {"username": "reviewer", "address": "127.0.0.1"}
    assert editor_client.post(UNLOCK, data, headers=HTMX).status_code == 200
    again = editor_client.post(UNLOCK, data, headers=HTMX)
    assert again.status_code == 200
    assert "No lock to lift for reviewer at 127.0.0.1: it had ended or someone lifted it." in again.text


@pytest.mark.parametrize("data", [{}, {"address": "not an address"}, {"address": "", "username": "reviewer"}])
def test_a_form_without_an_address_unlocks_nothing(debug, editor_client, reviewer, data):
    lock_out("reviewer")
    answer = editor_client.post(UNLOCK, data, headers=HTMX)
    assert (answer.status_code, "This lock could not be read: reload the page and try again." in answer.text) == (
        400,
        True,
    )
    assert '<p class="card-error" role="alert">' in answer.text
    plain = editor_client.post(UNLOCK, data)
    assert plain["Location"] == PAGE
    assert AccessAttempt.objects.get().failures_since_start == 11
