"""axe-core on every page and state, at a desktop and a phone size: no violation of any impact.

axe-core's script comes inside the pinned `axe-playwright-python` package and is injected by
Playwright itself (not through the page, so the CSP does not stand in the way); nothing is fetched
at run time. Every rule axe runs by default counts: WCAG 2.x A and AA and the best practices.

Each page is brought into its state afresh at each size, as a person on that screen would see it,
in production mode (DEBUG off) and, for the main pages, in the demo's mode (DEBUG on,
where django-htmx adds its debug script).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect
import pytest
from pytest_django.live_server_helper import LiveServer

from annotations import services
from annotations.demo import create_demo_articles, create_demo_verdicts
from annotations.models import Article, ArticleImport, Assignment, ImportState, Notification
from tests.factories import ArticleFactory
from tests.reanchoring_corpus import demo_correction

VIEWPORTS = [(1440, 900), (390, 844)]
URDU_TITLE = "ہواوے پر مقدمہ"
URDU_BODY = "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔"
NOT_FOUND_LOG = "Failed to load resource: the server responded with a status of 404 (Not Found)"

AXE = Axe()


@dataclass
class Visit:
    """One test's way through the site: personas and data made once, pages visited at each size."""

    request: pytest.FixtureRequest
    page: Page
    live_server: LiveServer
    made: dict[str, object] = field(default_factory=dict)
    logged_in_as: str | None = None

    def once(self, key: str, make: Callable[[], object]):
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]

    def user(self, name: str):
        return self.request.getfixturevalue(name)

    def login(self, name: str) -> None:
        if self.logged_in_as != name:
            self.page.context.clear_cookies()
            self.request.getfixturevalue("login")(self.page, self.live_server, self.user(name))
            self.logged_in_as = name

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.live_server.url}{path}")

    def demo_article(self) -> Article:
        """The seed article with the demo's five verdicts: approved, returned, waiting, draft."""

        def make() -> Article:
            article = self.request.getfixturevalue("seed_article")
            create_demo_verdicts(
                article=article,
                reviewer=self.user("reviewer"),
                reviewer2=self.user("reviewer2"),
                editor=self.user("editor"),
            )
            return article

        return self.once("demo", make)

    def corrected_article(self) -> Article:
        """The demo article corrected as in tests/browser/test_versions.py: one verdict moved to a close
        match (back in the queue), one orphaned."""

        def make() -> Article:
            article = self.demo_article()
            seed_text = self.request.getfixturevalue("seed_text")
            services.article_version_create(article=article, actor=self.user("editor"), body=demo_correction(seed_text))
            article.refresh_from_db()
            return article

        return self.once("corrected", make)

    def urdu_article(self) -> Article:
        return self.once("urdu", lambda: ArticleFactory(title=URDU_TITLE, body=URDU_BODY, language="ur"))


# Each scenario brings the page into its state and checks it got there; it returns the console
# errors that state logs by design (a 404 answer), which the test expects and nothing else.


def reader_as_reviewer(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.login("reviewer")
    visit.goto(f"/articles/{article.pk}/")
    expect(visit.page.locator("#verdicts .card-verdict")).to_have_count(5)
    return []


def reader_as_editor(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.login("editor")
    visit.goto(f"/articles/{article.pk}/")
    expect(visit.page.locator("#verdicts .review-box")).to_have_count(1)
    return []


def verdict_panel_open(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.login("reviewer")
    visit.goto(f"/articles/{article.pk}/")
    visit.page.locator('#article-body .sentence[data-index="21"]').click()
    expect(visit.page.locator("#verdict-form")).to_be_visible()
    visit.page.locator('#verdict-form input[name=status][value="denied"]').check()
    expect(visit.page.locator("#id_denied_by")).to_be_visible()
    return []


def checked_before(visit: Visit) -> list[str]:
    """The panel on a demo article's restated claims: earlier verdicts under "Checked before", one
    chosen as the same claim, its sources copied into the form."""
    visit.demo_article()
    visit.once("demo-articles", create_demo_articles)
    article = Article.objects.get(title__startswith="Demo: backdoor claims")
    visit.login("reviewer")  # who also sees their own draft on the seed article: two earlier verdicts
    visit.goto(f"/articles/{article.pk}/")
    visit.page.locator('#article-body .sentence[data-index="1"]').click()
    items = visit.page.locator("#checked-before .similar-item")
    expect(items).to_have_count(2)
    items.first.locator("input[name=same_claim_as]").check()
    items.nth(1).get_by_role("button", name="Copy its sources").click()  # the draft's: the other has none
    expect(visit.page.locator("#source-rows .source-row")).to_have_count(1)
    return []


def source_search_open(visit: Visit) -> list[str]:
    verdict_panel_open(visit)
    visit.page.locator("#source-q").fill("demo placeholder")
    expect(visit.page.locator("#source-results .source-results-list li")).to_have_count(3)
    visit.page.locator(".source-new-box summary").click()
    expect(visit.page.locator("#new-source-url")).to_be_visible()
    return []


def desk_search(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.login("reviewer")
    visit.goto(f"/search/?q=huawei&article={article.pk}")
    expect(visit.page.locator("#search-results .search-result").first).to_be_visible()
    expect(visit.page.locator("#search-results .status-badge").first).to_be_visible()
    return []


def history_open(visit: Visit) -> list[str]:
    reader_as_reviewer(visit)
    card = visit.page.locator("#verdicts .card-verdict").first
    card.locator(".history-box summary").click()
    expect(card.locator(".timeline .timeline-event").first).to_be_visible()
    return []


def _discussed(visit: Visit):
    """The demo's returned verdict with a conversation: its review comment, a reply mentioning the
    editor over two lines, the editor's answer and a deleted comment."""

    def make():
        article = visit.demo_article()
        returned = article.annotations.get(state="changes_requested")
        reviewer, editor = visit.user("reviewer"), visit.user("editor")
        services.comment_create(annotation=returned, author=reviewer, body="Done: I added ¶ 42.\nOK now, @editor?")
        services.comment_create(annotation=returned, author=editor, body="Yes, resubmit it.")
        gone = services.comment_create(annotation=returned, author=reviewer, body="Wrong verdict, sorry")
        services.comment_delete(comment=gone, actor=reviewer)
        return returned

    return visit.once("discussed", make)


def discussion_open(visit: Visit) -> list[str]:
    returned = _discussed(visit)
    visit.login("reviewer")
    visit.goto(f"/articles/{returned.article_id}/")
    card = visit.page.locator(f"#annotation-{returned.pk}")
    card.locator(".discussion-box summary").click()
    expect(card.locator(".thread-item")).to_have_count(4)
    expect(card.locator(".thread-tombstone")).to_have_text("Comment deleted by reviewer.")
    return []


def urdu_reader(visit: Visit) -> list[str]:
    article = visit.urdu_article()
    visit.login("reviewer")
    visit.goto(f"/articles/{article.pk}/")
    expect(visit.page.locator("#article-body .sentence")).to_have_count(2)
    return []


def urdu_panel_open(visit: Visit) -> list[str]:
    urdu_reader(visit)
    visit.page.locator('#article-body .sentence[data-index="1"]').click()
    expect(visit.page.locator("#verdict-form")).to_be_visible()
    return []


def correct_text(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.login("editor")
    visit.goto(f"/articles/{article.pk}/versions/new/")
    expect(visit.page.locator("h1")).to_have_text("Store a corrected version")
    expect(visit.page.locator("#id_body")).to_have_value(article.body)
    return []


def compare_versions(visit: Visit) -> list[str]:
    article = visit.corrected_article()
    visit.login("editor")
    visit.goto(f"/articles/{article.pk}/compare/")
    expect(visit.page.locator("#diff-body del", has_text="firm")).to_have_count(1)
    return []


def orphan_queue(visit: Visit) -> list[str]:
    visit.corrected_article()
    visit.login("editor")
    visit.goto("/orphans/")
    expect(visit.page.locator(".orphan-item")).to_have_count(1)
    return []


def review_queue(visit: Visit) -> list[str]:
    visit.demo_article()
    visit.login("editor")
    visit.goto("/review/")
    expect(visit.page.locator("#queue .queue-item")).to_have_count(1)
    return []


def my_verdicts(visit: Visit) -> list[str]:
    visit.demo_article()
    visit.login("reviewer2")
    visit.goto("/mine/")
    expect(visit.page.locator("#mine-changes_requested .mine-item")).to_have_count(1)
    return []


def assigned_to_me(visit: Visit) -> list[str]:
    """The home page with an overdue and a dated assignment; then the article's Assigned box as an editor
    after a refused assignment (its field error)."""
    article = visit.demo_article()

    def make():
        editor = visit.user("editor")
        other = ArticleFactory(title="Safe City cameras, part two", body="One sentence. Two sentences.")
        today = timezone.localdate()
        services.assignment_create(article=article, editor=editor, username="reviewer", due=today, note="Legal claims")
        services.assignment_create(article=other, editor=editor, username="reviewer", due=today + timedelta(days=4))
        Assignment.objects.filter(article=article).update(due=today - timedelta(days=1))

    visit.once("assignments", make)
    visit.login("reviewer")
    visit.goto("/")
    expect(visit.page.locator(".assigned-to-me li")).to_have_count(2)
    expect(visit.page.locator(".assigned-to-me .overdue-badge")).to_have_count(1)
    return []


def assign_refused(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.login("editor")
    visit.goto(f"/articles/{article.pk}/")
    visit.page.locator("#assign-due").fill("2001-01-01")
    visit.page.locator("#assign-reviewer").select_option("reviewer2")
    visit.page.locator("#assignments").get_by_role("button", name="Assign").click()
    expect(visit.page.locator("#assign-due-error")).to_have_text("The due date is in the past.")
    return [
        f"console: Failed to load resource: the server responded with a status of 400 (Bad Request) "
        f"({visit.live_server.url}/articles/{article.pk}/assignments/:0)"
    ]


def desk_dashboard(visit: Visit) -> list[str]:
    visit.demo_article()
    visit.login("editor")
    visit.goto("/desk/")
    expect(visit.page.locator("svg.chart")).to_have_count(2)
    visit.page.locator(".desk-data summary").click()
    return []


def article_list(visit: Visit) -> list[str]:
    visit.demo_article()
    visit.urdu_article()
    visit.login("reviewer")
    visit.goto("/")
    expect(visit.page.locator("#article-table tbody tr")).to_have_count(2)
    return []


def add_article(visit: Visit) -> list[str]:
    visit.login("reviewer")
    visit.goto("/articles/new/")
    expect(visit.page.locator("h1")).to_have_text("Add an article")
    return []


def add_article_refused(visit: Visit) -> list[str]:
    add_article(visit)
    visit.page.get_by_role("button", name="Import article").click()
    expect(visit.page.locator(".field-error")).to_have_text(
        ["Paste the article text, upload a file or give the page's web address."]
    )
    return []


def login_page(visit: Visit) -> list[str]:
    visit.page.context.clear_cookies()
    visit.logged_in_as = None
    visit.goto("/accounts/login/")
    expect(visit.page.locator("h1")).to_have_text("Log in to factcheck")
    return []


def login_refused(visit: Visit) -> list[str]:
    login_page(visit)
    visit.page.fill("#id_username", "reviewer")
    visit.page.fill("#id_password", "not the password")
    visit.page.get_by_role("button", name="Log in").click()
    expect(visit.page.locator(".form-errors")).to_be_visible()
    return []


def public_page(visit: Visit) -> list[str]:
    article = visit.demo_article()
    visit.page.context.clear_cookies()
    visit.logged_in_as = None
    visit.goto(f"/factchecks/{article.pk}/")
    expect(visit.page.locator(".public-verdict")).to_have_count(2)
    return []


def factchecks_index(visit: Visit) -> list[str]:
    visit.demo_article()
    visit.page.context.clear_cookies()
    visit.logged_in_as = None
    visit.goto("/factchecks/")
    expect(visit.page.locator(".factcheck-entry")).to_have_count(1)
    return []


def api_docs(visit: Visit) -> list[str]:
    visit.goto("/api/v1/docs/")
    expect(visit.page.locator(".swagger-ui .info .title")).to_contain_text("factcheck API")
    expect(visit.page.locator(".swagger-ui .opblock").first).to_be_visible()
    return []


def api_docs_explored(visit: Visit) -> list[str]:
    """A GET and a POST opened with "Try it out", the GET sent (401: nobody is logged in), a schema open."""
    api_docs(visit)
    listing = visit.page.locator("#operations-annotations-annotations_list")
    create = visit.page.locator("#operations-annotations-annotations_create")
    for operation in (listing, create):
        operation.locator(".opblock-summary-control").click()
        operation.locator(".try-out__btn").click()
    expect(listing.get_by_label("status (query)")).to_be_enabled()
    expect(create.get_by_label("Request body of POST /api/v1/annotations/")).to_be_visible()
    listing.locator(".btn.execute").click()
    expect(listing.locator(".live-responses-table tbody .response-col_status")).to_contain_text("401")
    schema = visit.page.locator("#model-AnnotationCreateRequest")
    schema.locator(".model-box-control").first.click()
    expect(schema.locator(".model .property-row").first).to_be_visible()
    unauthorized = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    return [f"console: {unauthorized} ({visit.live_server.url}/api/v1/annotations/:0)"]


def api_docs_authorize(visit: Visit) -> list[str]:
    api_docs(visit)
    visit.page.locator(".scheme-container .btn.authorize").click()
    expect(visit.page.get_by_role("dialog", name="Available authorizations")).to_be_visible()
    return []


def not_found(visit: Visit) -> list[str]:
    visit.login("reviewer")
    visit.goto("/no-such-page/")
    expect(visit.page.locator("h1")).to_have_text("Not found")
    return [f"console: {NOT_FOUND_LOG} ({visit.live_server.url}/no-such-page/:0)"]


def import_progress(visit: Visit) -> list[str]:
    def make() -> ArticleImport:
        settings = visit.request.getfixturevalue("settings")
        settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
        uploads = [
            {"title": f"Court filing, part {n}", "body": f"Filing part {n}. It has two sentences."} for n in (1, 2, 3)
        ]
        job = services.articles_import(articles=uploads, imported_by=visit.user("reviewer"))
        ArticleImport.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, done=1)
        return job

    job = visit.once("import", make)
    visit.login("reviewer")
    visit.goto(f"/imports/{job.pk}/")
    expect(visit.page.locator("#import-progress")).to_contain_text("1 of 3 articles so far")
    return []


def locked_logins(visit: Visit) -> list[str]:
    def make() -> None:
        client = Client()
        for username, address, wrong in [("reviewer2", "127.0.0.1", 10), ("j.doe", "198.51.100.23", 10)]:
            for n in range(wrong):
                client.post("/accounts/login/", {"username": username, "password": f"wrong-{n}"}, REMOTE_ADDR=address)

    visit.once("locks", make)
    visit.login("editor")
    visit.goto("/locked-logins/")
    expect(visit.page.locator(".lock-item")).to_have_count(2)
    return []


def _claim(visit: Visit):
    from tests.browser.test_claims import claim_world

    def make():
        return claim_world(
            article=visit.request.getfixturevalue("seed_article"),
            reviewer=visit.user("reviewer"),
            reviewer2=visit.user("reviewer2"),
            editor=visit.user("editor"),
        )

    return visit.once("claim", make)


def claim_page(visit: Visit) -> list[str]:
    world = _claim(visit)
    visit.login("reviewer")
    visit.goto(f"/claims/{world.claim.pk}/")
    expect(visit.page.locator("#claim-appearances .mine-item")).to_have_count(3)
    return []


def claim_removed(visit: Visit) -> list[str]:
    """After "Remove from this claim": the list again, its message, the focus on its heading."""
    world = _claim(visit)
    services.claim_link(annotation=world.draft, earlier=world.earlier, actor=visit.user("reviewer"))
    claim_page(visit)
    visit.page.get_by_role("button", name="Remove from this claim").click()
    expect(visit.page.locator("#claim-appearances [role=status]")).to_be_visible()
    expect(visit.page.locator("#claim-appearances-title")).to_be_focused()
    return []


def notifications_page(visit: Visit) -> list[str]:
    """The reviewer's notifications after the discussion: a mention, an assignment, one read."""

    def make():
        returned = _discussed(visit)
        editor = visit.user("editor")
        services.comment_create(annotation=returned, author=editor, body="@reviewer cite the docket too.")
        services.assignment_create(article=returned.article, editor=editor, username="reviewer", note="Legal claims")
        first = Notification.objects.filter(recipient=visit.user("reviewer")).order_by("id").first()
        Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())

    visit.once("notified", make)
    visit.login("reviewer")
    visit.goto("/notifications/")
    expect(visit.page.locator(".notification.is-unread").first).to_be_visible()
    return []


SCENARIOS: dict[str, Callable[[Visit], list[str]]] = {
    "reader": reader_as_reviewer,
    "reader-editor": reader_as_editor,
    "verdict-panel": verdict_panel_open,
    "checked-before": checked_before,
    "source-search": source_search_open,
    "history": history_open,
    "discussion": discussion_open,
    "desk-search": desk_search,
    "urdu-reader": urdu_reader,
    "urdu-panel": urdu_panel_open,
    "correct-text": correct_text,
    "compare-versions": compare_versions,
    "orphan-queue": orphan_queue,
    "review-queue": review_queue,
    "mine": my_verdicts,
    "article-list": article_list,
    "desk": desk_dashboard,
    "notifications": notifications_page,
    "assigned-to-me": assigned_to_me,
    "assign-refused": assign_refused,
    "add-article": add_article,
    "add-article-refused": add_article_refused,
    "login": login_page,
    "login-refused": login_refused,
    "public-page": public_page,
    "factchecks-index": factchecks_index,
    "api-docs": api_docs,
    "api-docs-explored": api_docs_explored,
    "api-docs-authorize": api_docs_authorize,
    "404": not_found,
    "import-progress": import_progress,
    "locked-logins": locked_logins,
    "claim": claim_page,
    "claim-removed": claim_removed,
}
# The main pages also in the demo's mode (make run: DEBUG on), where django-htmx adds its debug script;
# the markup is otherwise the same, so not every state twice. Django's own debug 404 page is not ours.
IN_DEBUG_TOO = {"reader", "verdict-panel", "checked-before", "article-list", "login", "claim", "claim-removed"}
IN_DEBUG_TOO |= {"notifications", "desk", "assigned-to-me", "discussion"}
CASES = [
    pytest.param(name, debug, id=f"{name}-{'debug' if debug else 'production'}")
    for name in SCENARIOS
    for debug in (False, True)
    if not debug or name in IN_DEBUG_TOO
]


def violations_report(violations: list[dict]) -> str:
    """Each violation with its rule, impact, help page and the elements it was found on."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    at {' > '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      {summary[:400]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("scenario", "debug"), CASES)
def test_no_axe_violations(
    scenario: str, debug: bool, page: Page, live_server, settings, request, console_errors: list[str]
):
    settings.DEBUG = debug
    visit = Visit(request=request, page=page, live_server=live_server)
    reports = []
    expected_errors = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        expected_errors += SCENARIOS[scenario](visit)
        violations = AXE.run(page).response["violations"]
        if violations:
            reports.append(
                f"{scenario} at {width}×{height}: {len(violations)} violations\n{violations_report(violations)}"
            )
    assert reports == [], "\n\n".join(reports)
    assert console_errors == expected_errors
