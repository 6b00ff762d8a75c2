"""schema.org ClaimReview, one per approved verdict. Only approved verdicts are ever published.

The four statuses are not a truth scale, so the rating is text only (no numeric scale), and a
denial is reported as a denial, never as "False".
"""

from collections.abc import Iterator
from dataclasses import replace

from django.conf import settings
from django.urls import reverse

from ..models import State, Status
from .common import Selection, article_annotations, articles, day, dumps, timestamp

CONTENT_TYPE = "application/ld+json"


def rating_name(annotation) -> str:
    if annotation.status == Status.ALLEGED:
        return "Alleged – not independently verified"
    if annotation.status == Status.DENIED:
        return f"Disputed – denied by {annotation.denied_by}"
    if annotation.status == Status.UNVERIFIED:
        return "Unverified"
    return "Supported by evidence"


def organization() -> dict:
    org = {"@type": "Organization", "name": settings.FACTCHECK_ORGANIZATION_NAME}
    if settings.FACTCHECK_ORGANIZATION_URL:
        org["url"] = settings.FACTCHECK_ORGANIZATION_URL
    return org


def public_page_url(article, base_url: str) -> str:
    return f"{base_url}{reverse('annotations:factcheck-page', args=[article.pk])}"


def claim_review(annotation, *, base_url: str) -> dict:
    article = annotation.article
    approvals = [event.at for event in annotation.events.all() if event.action == "approve"]
    first, latest = (approvals[0], approvals[-1]) if approvals else (annotation.reviewed_at, annotation.reviewed_at)
    appearance = {"@type": "CreativeWork", "url": article.url or f"{base_url}{article.get_absolute_url()}"}
    if article.title:
        appearance["headline"] = article.title
    if article.publisher:
        appearance["publisher"] = {"@type": "Organization", "name": article.publisher}
    if article.published_at:
        appearance["datePublished"] = day(article.published_at)
    item = {"@type": "Claim", "appearance": appearance}
    if annotation.claimant:
        item["author"] = {"@type": "Organization", "name": annotation.claimant}
    if article.published_at:
        item["datePublished"] = day(article.published_at)
    review = {
        "@type": "ClaimReview",
        "url": f"{public_page_url(article, base_url)}#claim-{annotation.pk}",
        "claimReviewed": annotation.quote,
        "itemReviewed": item,
        "reviewRating": {"@type": "Rating", "alternateName": rating_name(annotation)},
        "author": organization(),
        "datePublished": timestamp(first),
    }
    if annotation.note:
        review["reviewRating"]["ratingExplanation"] = annotation.note
    if latest and latest != first:
        review["dateModified"] = timestamp(latest)
    return review


def approved_only(selection: Selection) -> Selection:
    return replace(selection, state=State.APPROVED)


def reviews(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[dict]:
    selection = approved_only(selection)
    for article in articles(selection):
        for annotation in article_annotations(article, selection):
            if progress:
                progress(1)
            yield claim_review(annotation, base_url=base_url)


def head(selection: Selection, *, base_url: str = "") -> bytes:
    return b'{"@context":"https://schema.org","@graph":['


def entries(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[bytes]:
    """The selected approved verdicts as comma-separated ClaimReview objects."""
    for number, review in enumerate(reviews(selection, base_url=base_url, progress=progress)):
        yield (b"," if number else b"") + dumps(review)


TAIL = b"]}\n"
