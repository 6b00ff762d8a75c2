"""Playwright fixtures for the browser tests: system Chromium, login, console and CSP error collection."""

from collections.abc import Callable
import os
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Playwright, expect
import pytest
from pytest_django.live_server_helper import LiveServer

from tests.factories import PASSWORD

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM_DEFAULT = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Short, so that a missing element fails in seconds rather than after Playwright's 30 s default.
TIMEOUT_MS = 5000

expect.set_options(timeout=TIMEOUT_MS)

# Reports `securitypolicyviolation` events to Python. Init scripts and exposed bindings are injected by
# the browser itself, so the page's CSP does not block them.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__factcheckCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="Run the tests marked `screenshot`, which rewrite docs/screenshots/*.png (make screenshots).",
    )


def _in_browser_dir(item: pytest.Item) -> bool:
    return item.path.is_relative_to(BROWSER_DIR)


# tryfirst: the `browser` mark must be on the items before `-m browser` / `-m "not browser"` filters them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _in_browser_dir(item):
            item.add_marker(pytest.mark.browser)
        # Every test of test_screenshots.py writes docs/screenshots/: marked here, so that a test
        # that lost its decorator (it happened in merges) cannot rewrite the PNGs in every run.
        if item.path.name == "test_screenshots.py":
            item.add_marker(pytest.mark.screenshot)
    # Screenshot tests rewrite files in docs/: deselected (not skipped) unless asked for.
    if config.getoption("screenshots", default=False):
        return
    deselected = [item for item in items if _in_browser_dir(item) and item.get_closest_marker("screenshot")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = os.environ.get("FACTCHECK_CHROMIUM") or CHROMIUM_DEFAULT
    if not Path(executable).is_file():
        reason = f"Chromium not found at {executable}; apt-get install chromium (or set FACTCHECK_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI must run the browser tests.", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def _serialized_test_databases(django_db_setup: None) -> dict[str, str]:
    """The rows of the freshly migrated test databases, as Django serialized them for `serialized_rollback`."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def playwright(_serialized_test_databases: dict[str, str], playwright: Playwright) -> Playwright:
    """pytest-playwright's `playwright`, plus the serialized rows handed to the connections used from now on.

    Playwright's sync API keeps an asyncio loop running in the test thread. From then on asgiref's
    `Local`, and so `django.db.connections`, switches from thread-local to context-local storage and
    hands out new connection objects, which lack the `_test_serialized_contents` that
    `serialized_rollback` restores from. The test database itself is the same.
    """
    from django.db import connections

    for alias, contents in _serialized_test_databases.items():
        connections[alias]._test_serialized_contents = contents
    return playwright


@pytest.fixture(autouse=True)
def _restore_migrated_rows(django_db_serialized_rollback: None) -> None:
    """Put the rows created by data migrations (the Reviewers and Editors groups) back before each test.

    `live_server` makes a test transactional, and the teardown of such a test empties every table.
    """


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    context = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def console_errors(context: BrowserContext, page: Page) -> list[str]:
    """Console errors, uncaught exceptions and CSP violations of every page the test visits.

    Tests end with `assert console_errors == []`. Chromium also logs CSP refusals and failed
    resource loads (404 on a script or stylesheet) as console errors.
    """
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            errors.append(f"console: {message.text} ({location.get('url')}:{location.get('lineNumber')})")

    def on_page_error(error: Error) -> None:
        errors.append(f"pageerror: {error.message}")

    context.expose_function("__factcheckCspViolation", lambda text: errors.append(f"csp: {text}"))
    context.add_init_script(CSP_LISTENER)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return errors


LoginFunction = Callable[[Page, LiveServer, AbstractBaseUser], None]


@pytest.fixture
def login() -> LoginFunction:
    """`login(page, live_server, user)`: log in through the real form and land on the article list."""

    def _login(page: Page, live_server: LiveServer, user: AbstractBaseUser) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        expect(page.locator("h1")).to_have_text("Articles")

    return _login
