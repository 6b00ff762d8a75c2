"""factcheck's own JSON format, schema_version 3 (docs/export.schema.json): with the articles' versions,
each cited source's archive (its latest snapshot's metadata and hash; its text too when the
selection asks for `snapshot_text`), and each verdict's `claim` (records.verdict).

Lossless: import_annotations reads it back.
"""

from collections.abc import Iterator
from itertools import batched

from django.utils import timezone

from .. import records
from .common import Selection, article_stream, day, dumps, sentence_indexes, timestamp

SCHEMA_VERSION = 3
RECORDS_PER_CHUNK = 500
CONTENT_TYPE = "application/json"


def annotation_record(row: dict, spans, version: int) -> dict:
    """A verdict as it sits inside its article: with its sentences (none for an orphan, whose span
    points into an earlier version) and its history."""
    return records.verdict(
        row,
        sources=[native_source(link, row["archives"]) for link in row["links"]],
        with_article=False,
        sentence_indexes=sentence_indexes(spans, row["start"], row["end"]) if row["article_version"] == version else [],
        history=[records.event(event) for event in row["events"]],
    )


def native_source(link: tuple, archives: dict[str, dict | None]) -> dict:
    """A source link (records.source_link) with its source's archive (records.source_archive, made
    once per chunk by exporters.common.annotation_rows; None for a source never archived)."""
    record = records.source_link(link)
    record["archive"] = archives.get(link[1])  # records.LINK_FIELDS: the source's URL
    return record


def head(selection: Selection, *, base_url: str = "") -> bytes:
    return b'{"schema_version":%d,"generated_at":%s,"articles":[' % (SCHEMA_VERSION, dumps(timestamp(timezone.now())))


def entries(selection: Selection, *, base_url: str = "", progress=None) -> Iterator[bytes]:
    """The selected articles as comma-separated JSON objects, each with its annotations."""
    for number, item in enumerate(article_stream(selection, with_bodies=True, with_archives=True)):
        article = item.article
        head = {
            "id": article["id"],
            "title": article["title"],
            "url": article["url"],
            "publisher": article["publisher"],
            "published_at": day(article["published_at"]),
            "language": article["language"],
            "version": article["version"],
            "corrected_at": timestamp(article["corrected_at"]),
            "corrected_by": article["corrected_by__username"],
            "body": article["body"],
            "body_sha256": article["body_sha256"],
            "versions": [
                {
                    "version": version["number"],
                    "created_at": timestamp(version["created_at"]),
                    "created_by": version["created_by__username"],
                    "replaced_at": timestamp(version["replaced_at"]),
                    "body": version["body"],
                    "body_sha256": version["body_sha256"],
                }
                for version in item.versions
            ],
            "sentences": [{"index": i, "start": s, "end": e} for i, s, e in item.spans],
        }
        yield (b"," if number else b"") + dumps(head)[:-1] + b',"annotations":['
        count = 0
        records_ = (annotation_record(row, item.spans, article["version"]) for row in item.rows)
        for batch in batched(records_, RECORDS_PER_CHUNK):
            # One dumps() per batch: a JSON array without its brackets is the comma-separated records.
            yield (b"," if count else b"") + dumps(list(batch))[1:-1]
            count += len(batch)
            if progress:
                progress(len(batch))
        yield b"]}"


TAIL = b"]}\n"
