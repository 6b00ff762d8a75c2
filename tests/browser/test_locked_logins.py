"""Locked log-ins in Chromium: a reviewer locks themselves out, an editor unlocks them, they log in."""

from django.test import Client
from playwright.sync_api import Page, expect
import pytest

from tests.factories import PASSWORD

LOCKED_OUT = (
    "Too many failed log-ins from your address. Try again in 15 minutes; "
    "each attempt before then restarts the wait. An editor can lift the lock sooner."
)

REFUSED_429 = "Failed to load resource: the server responded with a status of 429 (Too Many Requests)"


def try_log_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_an_editor_unlocks_a_locked_out_reviewer(
    page: Page, live_server, login, console_errors, settings, reviewer, reviewer2, editor, debug
):
    settings.DEBUG = debug
    client = Client()  # the same login page from this process, faster than typing twenty wrong passwords
    for username, wrong in (("reviewer", 9), ("reviewer2", 10)):
        for n in range(wrong):
            client.post("/accounts/login/", {"username": username, "password": f"wrong-{n}"})
    try_log_in(page, live_server, "reviewer", "wrong-9")
    expect(page.locator("h1")).to_have_text("Log-in paused")
    try_log_in(page, live_server, "reviewer", PASSWORD)
    expect(page.locator("h1")).to_have_text("Log-in paused")
    expect(page.get_by_role("alert")).to_have_text(LOCKED_OUT)

    login(page, live_server, editor)
    page.get_by_role("link", name="Locked log-ins").click()
    expect(page.locator("main h1")).to_have_text("Locked log-ins")
    expect(page.locator("#lock-count")).to_have_text("2 locked")
    expect(page.locator(".lock-item")).to_have_count(2)

    page.get_by_role("button", name="Unlock reviewer at 127.0.0.1").click()
    done = page.locator(".lock-item.is-done")
    expect(done).to_have_text("Unlocked: reviewer can log in again from 127.0.0.1.")
    expect(done).to_be_focused()
    expect(page.locator("#lock-count")).to_have_text("1 locked")
    expect(page.get_by_role("button", name="Unlock reviewer2 at 127.0.0.1")).to_be_visible()
    page.reload()
    expect(page.locator(".lock-item")).to_have_count(1)
    expect(page.locator(".lock-name")).to_have_text("reviewer2")

    page.context.clear_cookies()
    login(page, live_server, reviewer)
    # Chromium logs each 429 answer as a console error: the two refusals, and nothing else.
    refused = f"console: {REFUSED_429} ({live_server.url}/accounts/login/:0)"
    assert console_errors == [refused, refused]
