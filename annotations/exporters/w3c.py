"""W3C Web Annotation Data Model: one JSON-LD AnnotationCollection whose first AnnotationPage holds every annotation.

Each annotation targets the article (its URL, or the app's page for it) with a TextQuoteSelector
and a TextPositionSelector (code points, end exclusive, as in the model). Bodies: the status
(purpose "assessing"), the note ("commenting"), attribution ("describing") and each source ("linking").
"""

from collections.abc import Iterator

from django.urls import reverse

from ..models import STATUS_DETAILS, Status
from .common import Selection, annotation_count, article_annotations, articles, dumps, timestamp, username

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def annotation_record(annotation, *, base_url: str, article_url: str) -> dict:
    bodies = [
        {
            "type": "TextualBody",
            "purpose": "assessing",
            "value": annotation.status,
            "format": "text/plain",
            "label": f"{Status(annotation.status).label}: {STATUS_DETAILS[Status(annotation.status)][1]}",
        }
    ]
    if annotation.note:
        bodies.append(
            {"type": "TextualBody", "purpose": "commenting", "value": annotation.note, "format": "text/plain"}
        )
    if annotation.claimant:
        bodies.append({"type": "TextualBody", "purpose": "describing", "value": f"Claimed by: {annotation.claimant}"})
    if annotation.denied_by:
        bodies.append({"type": "TextualBody", "purpose": "describing", "value": f"Denied by: {annotation.denied_by}"})
    for link in annotation.source_links.all():
        body = {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": link.source.url,
            "label": link.source.title,
            "rdfs:comment": link.relation,
        }
        if link.pinpoint:
            body["selector"] = {"type": "FragmentSelector", "value": link.pinpoint}
        bodies.append(body)
    return {
        "@context": CONTEXT,
        "id": f"{base_url}{reverse('api:annotation-detail', args=[annotation.pk])}",
        "type": "Annotation",
        "motivation": "assessing",
        "created": timestamp(annotation.created_at),
        "modified": timestamp(annotation.updated_at),
        "creator": {"type": "Person", "nickname": username(annotation.author)},
        "body": bodies,
        "target": {
            "source": article_url,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": annotation.quote,
                    "prefix": annotation.prefix,
                    "suffix": annotation.suffix,
                },
                {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
            ],
        },
    }


def stream(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[str]:
    collection_id = f"{base_url}{reverse('api:export')}?format=w3c"
    head = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": "factcheck verdicts",
        "total": annotation_count(selection),
    }
    page_head = {"id": f"{collection_id}#page-1", "type": "AnnotationPage", "partOf": collection_id, "startIndex": 0}
    yield dumps(head)[:-1] + ',"first":' + dumps(page_head)[:-1] + ',"items":['
    first = True
    for article in articles(selection):
        article_url = article.url or f"{base_url}{article.get_absolute_url()}"
        for annotation in article_annotations(article, selection):
            yield ("" if first else ",") + dumps(
                annotation_record(annotation, base_url=base_url, article_url=article_url)
            )
            first = False
            if progress:
                progress(1)
    yield "]}}\n"
