"""The outputs in Chromium: an article's export button downloads its verdicts as a file, with the
page's log-in; the public page and the API docs are a click away."""

import json

from playwright.sync_api import Page, expect

from annotations.demo import create_demo_verdicts


def test_export_buttons_download_the_article_and_links_reach_the_public_page_and_docs(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    outputs = page.locator("#article-outputs")

    with page.expect_download() as download_info:
        outputs.get_by_role("link", name="Native JSON").click()
    download = download_info.value
    assert download.suggested_filename == f"factcheck-article-{seed_article.pk}-native.json"
    document = json.loads(download.path().read_text(encoding="utf-8"))
    assert [article["title"] for article in document["articles"]] == ["Huawei spying in Pakistan?"]
    assert len(document["articles"][0]["annotations"]) == 5

    outputs.get_by_role("link", name="Public page · 2 approved verdicts").click()
    expect(page.locator(".public-verdict")).to_have_count(2)

    page.get_by_role("contentinfo").get_by_role("link", name="API documentation").click()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("factcheck API")
    assert console_errors == []
