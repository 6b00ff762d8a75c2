"""factcheck's own JSON format, schema_version 1 (docs/export.schema.json).

Lossless: import_annotations reads it back.
"""

from collections.abc import Iterator
from itertools import batched

from django.utils import timezone

from .. import records
from .common import Selection, article_stream, day, dumps, sentence_indexes, timestamp

SCHEMA_VERSION = 1
RECORDS_PER_CHUNK = 500
CONTENT_TYPE = "application/json"


def annotation_record(row: dict, spans) -> dict:
    """A verdict as it sits inside its article: with its sentences and its history."""
    return records.verdict(
        row,
        sources=[records.source_link(link) for link in row["links"]],
        with_article=False,
        sentence_indexes=sentence_indexes(spans, row["start"], row["end"]),
        history=[records.event(event) for event in row["events"]],
    )


def head(selection: Selection, *, base_url: str = "") -> bytes:
    return b'{"schema_version":%d,"generated_at":%s,"articles":[' % (SCHEMA_VERSION, dumps(timestamp(timezone.now())))


def entries(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[bytes]:
    """The selected articles as comma-separated JSON objects, each with its annotations."""
    for number, item in enumerate(article_stream(selection)):
        article = item.article
        head = {
            "id": article["id"],
            "title": article["title"],
            "url": article["url"],
            "publisher": article["publisher"],
            "published_at": day(article["published_at"]),
            "language": article["language"],
            "body": article["body"],
            "body_sha256": article["body_sha256"],
            "sentences": [{"index": i, "start": s, "end": e} for i, s, e in item.spans],
        }
        yield (b"," if number else b"") + dumps(head)[:-1] + b',"annotations":['
        count = 0
        for batch in batched((annotation_record(row, item.spans) for row in item.rows), RECORDS_PER_CHUNK):
            # One dumps() per batch: a JSON array without its brackets is the comma-separated records.
            yield (b"," if count else b"") + dumps(list(batch))[1:-1]
            count += len(batch)
            if progress:
                progress(len(batch))
        yield b"]}"


TAIL = b"]}\n"
