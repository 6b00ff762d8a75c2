"""schema.org ClaimReview, one per approved verdict. Only approved verdicts are ever published.

The four statuses are not a truth scale, so the rating is text only (no numeric scale), and a
denial is reported as a denial, never as "False". The claim (itemReviewed) names where it appeared:
each article's own URL, or its public page (/factchecks/<id>/) when it has none, never a page
behind the log-in.
"""

from collections.abc import Iterator
from dataclasses import replace

from django.conf import settings
from django.urls import reverse

from .. import records
from ..models import Action, ClaimantType, Status
from .common import Selection, article_stream, day, dumps

CONTENT_TYPE = "application/ld+json"


def rating_name(verdict: dict) -> str:
    if verdict["status"] == Status.ALLEGED:
        return "Alleged – not independently verified"
    if verdict["status"] == Status.DENIED:
        return f"Disputed – denied by {verdict['denied_by']}"
    if verdict["status"] == Status.UNVERIFIED:
        return "Unverified"
    return "Supported by evidence"


def organization() -> dict:
    """The fact-checking organisation, author of every review (check --deploy warns when its name
    or web address is not set)."""
    org = {"@type": "Organization"}
    if settings.FACTCHECK_ORGANIZATION_NAME:
        org["name"] = settings.FACTCHECK_ORGANIZATION_NAME
    if settings.FACTCHECK_ORGANIZATION_URL:
        org["url"] = settings.FACTCHECK_ORGANIZATION_URL
    return org


def public_page_url(article_id: int, base_url: str) -> str:
    return f"{base_url}{reverse('annotations:factcheck-page', args=[article_id])}"


def approval_times(verdict: dict) -> tuple[str | None, str | None]:
    """When the verdict was first and last approved (ISO text), from its history."""
    approvals = [event["at"] for event in verdict["history"] if event["action"] == Action.APPROVE]
    if approvals:
        return approvals[0], approvals[-1]
    decided = verdict["review"]["decided_at"] if verdict["review"] else None
    return decided, decided


def creative_work(article: dict, *, base_url: str) -> dict:
    """Where a claim appears: an article as a schema.org CreativeWork, at its original URL, or at
    its public page when it has none (the reader's page asks anonymous visitors to log in)."""
    appearance = {"@type": "CreativeWork", "url": article["url"] or public_page_url(article["id"], base_url)}
    if article["title"]:
        appearance["headline"] = article["title"]
    if article["publisher"]:
        appearance["publisher"] = {"@type": "Organization", "name": article["publisher"]}
    if article["published_at"]:
        appearance["datePublished"] = day(article["published_at"])
    return appearance


def first_appearance(articles: list[dict]) -> dict:
    """The article the claim appeared in first: the earliest published of those with a date, else
    the first checked."""
    dated = [article for article in articles if article["published_at"]]
    return min(dated, key=lambda article: article["published_at"]) if dated else articles[0]


def claimant(verdict: dict) -> dict:
    """Who made the claim, as the reviewer says: a Person, or an Organization (also when not said)."""
    kind = "Person" if verdict["claimant_type"] == ClaimantType.PERSON else "Organization"
    return {"@type": kind, "name": verdict["claimant"]}


def claim_review(verdict: dict, article: dict, *, base_url: str, appearances: list[dict] = ()) -> dict:
    """A ClaimReview mapped from a verdict record with its history, and its article's fields. The
    claim's appearances are every article with an approved appearance of that claim
    (`appearances`, selectors.published_appearances: each article once, first checked first), or,
    for a verdict in no claim, its own article; firstAppearance is the earliest published of them.
    The claim's date is the reviewer's `claim_date`, else the article's publication date."""
    first, latest = approval_times(verdict)
    articles = list(appearances) or [article]
    item = {
        "@type": "Claim",
        "appearance": [creative_work(each, base_url=base_url) for each in articles],
        "firstAppearance": creative_work(first_appearance(articles), base_url=base_url),
    }
    if verdict["claimant"]:
        item["author"] = claimant(verdict)
    claim_date = verdict["claim_date"] or day(article["published_at"])
    if claim_date:
        item["datePublished"] = claim_date
    review = {
        "@type": "ClaimReview",
        "url": f"{public_page_url(article['id'], base_url)}#claim-{verdict['id']}",
        "claimReviewed": verdict["quote"],
        "itemReviewed": item,
        "reviewRating": {"@type": "Rating", "alternateName": rating_name(verdict)},
        "author": organization(),
        "datePublished": first,
    }
    if verdict["note"]:
        review["reviewRating"]["ratingExplanation"] = verdict["note"]
    if latest and latest != first:
        review["dateModified"] = latest
    return review


def published_verdicts(selection: Selection) -> Iterator[tuple[dict, dict, list[dict]]]:
    """(article, verdict record with history, its claim's published appearances) for every
    approved verdict of the selection."""
    # Published means approved, whatever state the caller asked for.
    selection = replace(selection, state="", published=True)
    for item in article_stream(selection, with_sentences=False, with_claims=True):
        for row in item.rows:
            verdict = records.verdict(
                row,
                sources=[records.source_link(link) for link in row["links"]],
                with_article=False,
                history=[records.event(event) for event in row["events"]],
            )
            yield item.article, verdict, row["appearances"]


def reviews(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[dict]:
    for article, verdict, appearances in published_verdicts(selection):
        if progress:
            progress(1)
        yield claim_review(verdict, article, base_url=base_url, appearances=appearances)


def head(selection: Selection, *, base_url: str = "") -> bytes:
    return b'{"@context":"https://schema.org","@graph":['


def entries(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[bytes]:
    """The selected approved verdicts as comma-separated ClaimReview objects."""
    for number, review in enumerate(reviews(selection, base_url=base_url, progress=progress)):
        yield (b"," if number else b"") + dumps(review)


TAIL = b"]}\n"
