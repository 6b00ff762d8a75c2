"""factcheck's own JSON format, schema_version 1 (docs/export.schema.json).

Lossless: import_annotations reads it back.
"""

from collections.abc import Iterator

from django.utils import timezone

from .common import (
    Selection,
    article_annotations,
    articles,
    day,
    dumps,
    sentence_indexes,
    sentence_spans,
    timestamp,
    username,
)

SCHEMA_VERSION = 1
CONTENT_TYPE = "application/json"


def annotation_record(annotation, spans) -> dict:
    review = None
    if annotation.reviewed_by_id:
        review = {
            "editor": username(annotation.reviewed_by),
            "decided_at": timestamp(annotation.reviewed_at),
            "comment": annotation.review_comment,
        }
    return {
        "id": annotation.pk,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "sentence_indexes": sentence_indexes(spans, annotation.start, annotation.end),
        "status": annotation.status,
        "claimant": annotation.claimant,
        "denied_by": annotation.denied_by,
        "note": annotation.note,
        "state": annotation.state,
        "version": annotation.version,
        "author": username(annotation.author),
        "created_at": timestamp(annotation.created_at),
        "updated_at": timestamp(annotation.updated_at),
        "review": review,
        "sources": [
            {
                "url": link.source.url,
                "title": link.source.title,
                "publisher": link.source.publisher,
                "published_at": day(link.source.published_at),
                "archive_url": link.source.archive_url,
                "relation": link.relation,
                "pinpoint": link.pinpoint,
            }
            for link in annotation.source_links.all()
        ],
        "history": [
            {
                "action": event.action,
                "actor": username(event.actor),
                "at": timestamp(event.at),
                "from_state": event.from_state or None,
                "to_state": event.to_state,
                "from_status": event.from_status or None,
                "to_status": event.to_status,
                "comment": event.comment,
            }
            for event in annotation.events.all()
        ],
    }


def stream(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[str]:
    yield f'{{"schema_version":{SCHEMA_VERSION},"generated_at":{dumps(timestamp(timezone.now()))},"articles":['
    for number, article in enumerate(articles(selection)):
        spans = sentence_spans(article)
        head = {
            "id": article.pk,
            "title": article.title,
            "url": article.url,
            "publisher": article.publisher,
            "published_at": day(article.published_at),
            "language": article.language,
            "body": article.body,
            "body_sha256": article.body_sha256,
            "sentences": [{"index": i, "start": s, "end": e} for i, s, e in spans],
        }
        yield ("," if number else "") + dumps(head)[:-1] + ',"annotations":['
        for position, annotation in enumerate(article_annotations(article, selection)):
            yield ("," if position else "") + dumps(annotation_record(annotation, spans))
            if progress:
                progress(1)
        yield "]}"
    yield "]}\n"
