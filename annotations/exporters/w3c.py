"""W3C Web Annotation Data Model: one JSON-LD AnnotationCollection whose first AnnotationPage holds every annotation.

Each annotation targets the article (its URL, or the app's page for it) with a TextQuoteSelector
and a TextPositionSelector (code points, end exclusive, as in the model) on the text of the
verdict's version; for a corrected article, a TimeState says which (sourceDate: when that version
was stored). Bodies: the status
(purpose "assessing"), the note ("commenting"), attribution ("describing") and each source ("linking").
"""

from collections.abc import Iterator
from functools import cache
from itertools import batched

from django.urls import reverse
from django.utils import translation

from .. import records
from ..models import STATUS_DETAILS, Status
from .common import Selection, annotation_count, article_stream, dumps, timestamp

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
RECORDS_PER_CHUNK = 500


@cache
def _status_labels() -> dict[str, str]:
    """Each status's label and definition in English: the export is the same whatever language the
    page that asked for it is in (the models' labels are translated)."""
    with translation.override("en"):
        return {status.value: f"{status.label}: {STATUS_DETAILS[status][1]}" for status in Status}


def annotation_record(
    verdict: dict, *, base_url: str, article_url: str, list_path: str, version_date: str | None = None
) -> dict:
    """A Web Annotation mapped from a verdict record (records.verdict)."""
    bodies = [
        {
            "type": "TextualBody",
            "purpose": "assessing",
            "value": verdict["status"],
            "format": "text/plain",
            "label": _status_labels()[verdict["status"]],
        }
    ]
    if verdict["note"]:
        bodies.append(
            {"type": "TextualBody", "purpose": "commenting", "value": verdict["note"], "format": "text/plain"}
        )
    if verdict["claimant"]:
        bodies.append({"type": "TextualBody", "purpose": "describing", "value": f"Claimed by: {verdict['claimant']}"})
    if verdict["denied_by"]:
        bodies.append({"type": "TextualBody", "purpose": "describing", "value": f"Denied by: {verdict['denied_by']}"})
    for source in verdict["sources"]:
        body = {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": source["url"],
            "label": source["title"],
            "rdfs:comment": source["relation"],
        }
        if source["pinpoint"]:
            body["selector"] = {"type": "FragmentSelector", "value": source["pinpoint"]}
        bodies.append(body)
    target = {"source": article_url}
    if version_date is not None:
        target["state"] = {"type": "TimeState", "sourceDate": version_date}
    target["selector"] = [
        {
            "type": "TextQuoteSelector",
            "exact": verdict["quote"],
            "prefix": verdict["prefix"],
            "suffix": verdict["suffix"],
        },
        {"type": "TextPositionSelector", "start": verdict["start"], "end": verdict["end"]},
    ]
    return {
        "@context": CONTEXT,
        "id": f"{base_url}{list_path}{verdict['id']}/",
        "type": "Annotation",
        "motivation": "assessing",
        "created": verdict["created_at"],
        "modified": verdict["updated_at"],
        "creator": {"type": "Person", "nickname": verdict["author"]},
        "body": bodies,
        "target": target,
    }


def _verdict(row: dict) -> dict:
    return records.verdict(row, sources=[records.source_link(link) for link in row["links"]], with_article=False)


def _collection_id(base_url: str) -> str:
    return f"{base_url}{reverse('api:export')}?format=w3c"


def head(selection: Selection, *, base_url: str = "") -> bytes:
    collection_id = _collection_id(base_url)
    collection = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": "factcheck verdicts",
        "total": annotation_count(selection),
    }
    page = {"id": f"{collection_id}#page-1", "type": "AnnotationPage", "partOf": collection_id, "startIndex": 0}
    return dumps(collection)[:-1] + b',"first":' + dumps(page)[:-1] + b',"items":['


def entries(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[bytes]:
    """The selected annotations as comma-separated JSON objects, article after article."""
    first = True
    list_path = reverse("api:annotation-list")  # once, not per row
    for item in article_stream(selection, with_sentences=False):
        article_url = (
            item.article["url"] or f"{base_url}{reverse('annotations:article-detail', args=[item.article['id']])}"
        )
        mapped = (
            annotation_record(
                _verdict(row),
                base_url=base_url,
                article_url=article_url,
                list_path=list_path,
                version_date=timestamp(item.version_created_at(row["article_version"])),
            )
            for row in item.rows
        )
        for batch in batched(mapped, RECORDS_PER_CHUNK):
            yield (b"" if first else b",") + dumps(list(batch))[1:-1]
            first = False
            if progress:
                progress(len(batch))


TAIL = b"]}}\n"
