"""The claim page in Chromium: the card's link to it, and removing an appearance (htmx and focus)."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from annotations import services
from annotations.demo import create_demo_verdicts
from annotations.models import Annotation, Article, Claim
from tests.conftest import sentence_span
from tests.factories import ArticleFactory

SECOND_BODY = (
    "A US consultancy has sued Huawei, alleging the Chinese telecom firm stole its trade secrets.\n"
    "The company says the claim is baseless."
)
THIRD_BODY = (
    "Court papers filed in California repeat the claim that Huawei stole trade secrets from a consultancy.\n"
    "Lawyers for the firm did not answer questions."
)


@dataclass
class ClaimWorld:
    claim: Claim
    earlier: Annotation  # the demo's approved verdict, in the seed article
    approved: Annotation  # an approved appearance in a second article
    draft: Annotation  # the reviewer's draft in a third article: theirs to remove
    hidden: Annotation  # reviewer2's draft: the reviewer never sees it


def claim_world(*, article: Article, reviewer, reviewer2, editor) -> ClaimWorld:
    """The demo article's verdicts, and one claim checked in three articles (four verdicts)."""
    create_demo_verdicts(article=article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    earlier = Annotation.objects.filter(article=article, state="approved").order_by("id").first()
    second = ArticleFactory(
        title="Consultancy sues Huawei over trade secrets", body=SECOND_BODY, publisher="Wire service"
    )
    third = ArticleFactory(title="Court papers repeat the allegation", body=THIRD_BODY, publisher="Court reporter")
    approved = services.annotation_create(
        article=second,
        author=reviewer,
        status="alleged",
        claimant="Business Efficiency Solutions (BES)",
        **sentence_span(second, 0),
    )
    claim = services.claim_link(annotation=approved, earlier=earlier, actor=reviewer)
    approved = services.annotation_submit(annotation=approved, actor=reviewer, version=approved.version)
    approved = services.annotation_approve(annotation=approved, editor=editor, version=approved.version)
    draft = services.annotation_create(
        article=third, author=reviewer, status="alleged", same_claim_as=earlier.pk, **sentence_span(third, 0)
    )
    hidden = services.annotation_create(
        article=third, author=reviewer2, status="unverified", same_claim_as=earlier.pk, **sentence_span(third, 0)
    )
    return ClaimWorld(claim=claim, earlier=earlier, approved=approved, draft=draft, hidden=hidden)


def test_remove_an_appearance_from_the_claim_page(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    world = claim_world(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/{world.draft.article_id}/")
    card = page.locator(f"#annotation-{world.draft.pk}")
    card.get_by_role("link", name=f"Checked elsewhere too: claim #{world.claim.pk}").click()

    expect(page.locator("h1")).to_have_text(f"Claim #{world.claim.pk}")
    items = page.locator("#claim-appearances .mine-item")
    expect(items).to_have_count(3)  # reviewer2's draft is not shown
    expect(page.locator("#claim-appearances-title .count")).to_have_text("3")
    expect(page.get_by_role("button", name="Remove from this claim")).to_have_count(1)

    page.get_by_role("button", name="Remove from this claim").click()
    expect(page.locator("#claim-appearances [role=status]")).to_have_text(
        f"Verdict #{world.draft.pk} is no longer part of this claim."
    )
    expect(items).to_have_count(2)
    expect(page.locator("#claim-appearances-title")).to_be_focused()
    expect(page).to_have_url(f"{live_server.url}/claims/{world.claim.pk}/")
    assert Annotation.objects.get(pk=world.draft.pk).claim_id is None
    assert Annotation.objects.get(pk=world.hidden.pk).claim_id == world.claim.pk
    assert console_errors == []
