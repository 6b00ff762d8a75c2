"""Pages outside the reader: the offline API docs and the public fact-check page, under the strict CSP."""

import json

from playwright.sync_api import Page, expect

from annotations.demo import create_demo_verdicts


def test_api_docs_render_offline_without_csp_errors(page: Page, live_server, console_errors, reviewer):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("factcheck API")
    expect(page.get_by_text("/api/v1/annotations/{id}/approve/").first).to_be_visible()
    assert requested_hosts == {live_server.url.split("/")[2]}
    assert console_errors == []


def test_public_factcheck_page_shows_only_approved_verdicts(
    page: Page, live_server, console_errors, reviewer, reviewer2, editor, seed_article
):
    verdicts = create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    approved = sorted(v.pk for v in verdicts if v.state == "approved")
    page.goto(f"{live_server.url}/factchecks/{seed_article.pk}/")
    expect(page.locator("h1")).to_have_text("Huawei spying in Pakistan?")
    items = page.locator(".public-verdict")
    expect(items).to_have_count(2)
    assert sorted(int(i.split("-")[1]) for i in items.evaluate_all("els => els.map(e => e.id)")) == approved
    expect(page.locator(f"#claim-{approved[0]} .status-badge")).to_contain_text("Alleged – not independently verified")
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert [review["@type"] for review in ld["@graph"]] == ["ClaimReview", "ClaimReview"]
    assert console_errors == []
