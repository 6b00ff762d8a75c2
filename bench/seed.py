"""Benchmark data, written straight to the database (COPY or multi-row INSERT): a seed, not app code.

    python bench/seed.py base            users, a pool of sources and the demo article
    python bench/seed.py volume --add N  N more annotations, 100 per copy of the demo article
    python bench/seed.py page            an article of 200 sentences with 500 annotations

Each command prints one JSON object (ids and counts) on standard output.

The annotations look like the ones services.annotation_create and the review
workflow write: quote, prefix and suffix taken from the body, two source links,
and the events of their history (create and submit; approve for every other one).
The authors are two reviewers and nothing is a draft, so the benchmark reviewer
sees every annotation on the article page and in the API.
"""

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import sys

import djangoenv
from spans import spans_of

DEMO_PATH = djangoenv.ROOT / "annotations" / "demo_data" / "huawei-pakistan.txt"
DEMO_TITLE = "Huawei spying in Pakistan?"
PAGE_TITLE = "Bench: an article of 200 sentences"
COPY_TITLE = "Bench copy"
PASSWORD = "bench-only-password"
USERNAMES = {"reviewer": "bench-reviewer", "reviewer2": "bench-reviewer2", "editor": "bench-editor"}
SOURCE_COUNT = 200
ANNOTATIONS_PER_COPY = 100
PAGE_SENTENCES = 200
PAGE_ANNOTATIONS = 500
SENTENCES_PER_PARAGRAPH = 4
CHUNK = 2000
STATUSES = ["alleged", "denied", "unverified", "evidenced"]
REVIEW_COMMENT = "Name a second source for the figure."


def demo_body() -> str:
    from annotations.segmentation import normalize_text

    return normalize_text(DEMO_PATH.read_text(encoding="utf-8")).strip("\n")


def seed_base() -> dict:
    """The three personas, the source pool and the demo article (through the import service)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from annotations import services
    from annotations.models import Source

    user_model = get_user_model()
    groups = {"reviewer": "Reviewers", "reviewer2": "Reviewers", "editor": "Editors"}
    users = {}
    for role, username in USERNAMES.items():
        user = user_model(username=username)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=groups[role]))
        users[role] = user
    Source.objects.bulk_create(
        Source(
            url=f"https://example.org/bench/source-{number}",
            title=f"Bench source {number}: report on procurement and surveillance contracts",
            publisher=f"Publisher {number % 17}",
            created_by=users["reviewer"],
        )
        for number in range(SOURCE_COUNT)
    )
    article = services.article_import(title=DEMO_TITLE, body=demo_body(), imported_by=None)
    return {
        "users": {role: {"id": user.pk, "username": user.username} for role, user in users.items()},
        "password": PASSWORD,
        "demo_article_id": article.pk,
        "demo_sentences": article.sentences.count(),
    }


def insert_rows(model, names: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, multi-row INSERTs on SQLite. bulk_create spends ~0.6 ms per annotation
    in Django's SQL compiler (over a minute per 100,000 annotations with their links and events)."""
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
        batch = min(500, connection.features.max_query_params // len(names))
        for first in range(0, len(rows), batch):
            part = rows[first : first + batch]
            params = [value for row in part for value in row]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(part))}", params)


def reset_sequences(*models) -> None:
    """After rows were inserted with explicit ids (PostgreSQL identity columns do not follow them)."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What varies between seeded verdicts; the rest follows from the state (events, review fields)."""

    author: int
    state: str  # draft, submitted, approved or changes_requested
    status: str
    claimant: str
    denied_by: str
    note: str
    # (actor, at, action, from_state, to_state, comment), oldest first; empty: create, submit and a
    # decision three, two and one hours ago, as the state needs (the export and page benchmarks')
    history: tuple[tuple[int, datetime, str, str, str, str], ...] = ()


def standard_verdict(pk: int, users: dict) -> Verdict:
    """The export and page benchmarks' verdicts: two reviewers, submitted or approved, nothing a draft."""
    status = STATUSES[pk % len(STATUSES)]
    return Verdict(
        author=users["reviewer" if pk % 3 else "reviewer2"],
        state="approved" if pk % 2 == 0 else "submitted",
        status=status,
        claimant="Business Efficiency Solutions (BES)" if status != "unverified" else "",
        denied_by="Huawei" if status == "denied" else "",
        note=f"Bench verdict {pk}: the claim is attributed in the article and checked against two sources.",
    )


def standard_history(verdict: Verdict, editor: int, created_at: datetime) -> list[tuple]:
    """Create, then submit an hour later and a decision an hour after that, as the state needs."""
    author, state = verdict.author, verdict.state
    submitted_at, reviewed_at = created_at + timedelta(hours=1), created_at + timedelta(hours=2)
    history = [(author, created_at, "create", "", "draft", "")]
    if state != "draft":
        history.append((author, submitted_at, "submit", "draft", "submitted", ""))
    if state == "approved":
        history.append((editor, reviewed_at, "approve", "submitted", "approved", ""))
    elif state == "changes_requested":
        history.append((editor, reviewed_at, "request_changes", "submitted", state, REVIEW_COMMENT))
    return history


def bulk_annotations(
    *,
    article_spans: list[tuple[int, str, list[tuple[int, int]], int]],
    users: dict,
    verdict_of: Callable[[int], Verdict] | None = None,
) -> int:
    """Annotations on the given articles' spans (cycled), with their source links and events.

    `article_spans` holds (article id, body, spans, count); `verdict_of(pk)` gives each verdict's
    author, state, status and words (standard_verdict by default). Rows are written in chunks, each
    in one transaction, with the values Django would store (timestamps adapted once by the model fields).
    """
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from annotations.anchoring import anchor_span
    from annotations.models import Annotation, AnnotationEvent, AnnotationSource, Source

    sources = list(Source.objects.order_by("id").values_list("id", flat=True))
    now = timezone.now()
    stamps: dict[datetime, object] = {}

    def db_time(at: datetime):
        if at not in stamps:
            stamps[at] = Annotation._meta.get_field("created_at").get_db_prep_save(at, connection)
        return stamps[at]

    created_at = now - timedelta(hours=3)
    no_changes = AnnotationEvent._meta.get_field("changes").get_db_prep_save([], connection)
    annotation_names = [
        "id", "article_id", "author_id", "start", "end", "quote", "prefix", "suffix", "article_version", "anchor",
        "status", "claimant",
        "denied_by", "note", "state", "version", "submitted_at", "reviewed_by_id", "reviewed_at",
        "review_comment", "first_approved_at", "created_at", "updated_at", "deleted_at", "deleted_by_id",
    ]  # fmt: skip
    link_names = ["annotation_id", "source_id", "relation", "pinpoint", "position"]
    event_names = [
        "annotation_id", "actor_id", "at", "action", "from_state", "to_state", "from_status", "to_status",
        "comment", "changes",
    ]  # fmt: skip
    relations_for = {"evidenced": ("supports", "context"), "denied": ("context", "denial")}

    next_id = (Annotation.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    jobs = [
        (article_id, body, spans, number) for article_id, body, spans, count in article_spans for number in range(count)
    ]
    for chunk_start in range(0, len(jobs), CHUNK):
        annotations, links, events = [], [], []
        for article_id, body, spans, number in jobs[chunk_start : chunk_start + CHUNK]:
            pk = next_id
            next_id += 1
            start, end = spans[number % len(spans)]
            anchor = anchor_span(body, start=start, end=end, quote=body[start:end])
            verdict = verdict_of(pk) if verdict_of else standard_verdict(pk, users)
            status, state, author = verdict.status, verdict.state, verdict.author
            history = list(verdict.history) or standard_history(verdict, users["editor"], created_at)
            submits = [at for _, at, action, *_ in history if action == "submit"]
            approvals = [at for _, at, action, *_ in history if action == "approve"]
            decision = next((step for step in reversed(history) if step[2] in ("approve", "request_changes")), None)
            reviewed = state in ("approved", "changes_requested")
            annotations.append(
                (
                    pk, article_id, author, anchor.start, anchor.end, anchor.quote, anchor.prefix, anchor.suffix,
                    1, "exact",  # the seeded articles are never corrected: version 1, found as written
                    status, verdict.claimant, verdict.denied_by, verdict.note, state,
                    len(history),
                    db_time(submits[-1]) if state != "draft" else None,
                    decision[0] if reviewed else None,
                    db_time(decision[1]) if reviewed else None,
                    REVIEW_COMMENT if state == "changes_requested" else "",
                    db_time(approvals[0]) if approvals else None,
                    db_time(history[0][1]), db_time(history[-1][1]), None, None,
                )
            )  # fmt: skip
            first, second = sources[(pk * 7) % len(sources)], sources[(pk * 7 + 1) % len(sources)]
            relations = relations_for.get(status, ("context", "refutes"))
            links.append((pk, first, relations[0], "p. 3", 0))
            links.append((pk, second, relations[1], "", 1))
            for actor, at, action, from_state, to_state, comment in history:
                from_status = "" if action == "create" else status
                events.append(
                    (pk, actor, db_time(at), action, from_state, to_state, from_status, status, comment, no_changes)
                )
        with transaction.atomic():
            insert_rows(Annotation, annotation_names, annotations)
            insert_rows(AnnotationSource, link_names, links)
            insert_rows(AnnotationEvent, event_names, events)
    reset_sequences(Annotation)
    return len(jobs)


def user_ids() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=USERNAMES.values())
    by_name = {user.username: user.pk for user in users}
    return {role: by_name[username] for role, username in USERNAMES.items()}


def seed_volume(add: int) -> dict:
    """Copies of the demo article (one extra line each, so that bodies differ) with 100 annotations each."""
    from django.db import transaction

    from annotations.models import Annotation, Article, Sentence
    from annotations.segmentation import split_sentences
    from annotations.services import body_sha256

    base = demo_body()
    base_sentences = split_sentences(base)
    extra = {"index": len(base_sentences), "paragraph": base_sentences[-1].paragraph + 1, "start": len(base) + 1}
    done = Article.objects.filter(title__startswith=COPY_TITLE).count()
    copies = []
    for number in range(done + 1, done + 1 + -(-add // ANNOTATIONS_PER_COPY)):
        body = f"{base}\nBench copy {number} of the demo article."
        copies.append(Article(title=f"{COPY_TITLE} {number}: {DEMO_TITLE}", body=body, body_sha256=body_sha256(body)))
    with transaction.atomic():
        Article.objects.bulk_create(copies)
        rows = []
        for article in copies:
            rows.extend((article.pk, s.index, s.paragraph, s.start, s.end) for s in base_sentences)
            rows.append((article.pk, extra["index"], extra["paragraph"], extra["start"], len(article.body)))
        insert_rows(Sentence, ["article_id", "index", "paragraph", "start", "end"], rows)
    sentence_spans = [(s.start, s.end) for s in base_sentences]
    jobs = []
    left = add
    for article in copies:
        count = min(ANNOTATIONS_PER_COPY, left)
        jobs.append((article.pk, article.body, spans_of(article.body, sentence_spans), count))
        left -= count
    added = bulk_annotations(article_spans=jobs, users=user_ids())
    return {
        "added": added,
        "articles_added": len(copies),
        "annotations_per_article": ANNOTATIONS_PER_COPY,
        "first_article_id": copies[0].pk,
        "annotations_total": Annotation.objects.filter(deleted_at__isnull=True).count(),
    }


def seed_page() -> dict:
    """200 sentences of the demo article's prose in paragraphs of four, imported through the service
    (so pysbd segments it), and 500 annotations: every sentence, then phrases inside them."""
    from annotations import services
    from annotations.models import Annotation, AnnotationSource
    from annotations.segmentation import split_sentences

    base = demo_body()
    texts = [base[s.start : s.end] for s in split_sentences(base)]
    # Sentences without final punctuation (headlines) would merge with the next one.
    texts = [text for text in texts if text.endswith((".", "?", ".”"))]
    chosen = [texts[number % len(texts)] for number in range(PAGE_SENTENCES)]
    paragraphs = [
        " ".join(chosen[i : i + SENTENCES_PER_PARAGRAPH]) for i in range(0, PAGE_SENTENCES, SENTENCES_PER_PARAGRAPH)
    ]
    article = services.article_import(title=PAGE_TITLE, body="\n".join(paragraphs), imported_by=None)
    sentences = list(article.sentences.order_by("index").values_list("start", "end"))
    spans = spans_of(article.body, sentences)[:PAGE_ANNOTATIONS]
    bulk_annotations(article_spans=[(article.pk, article.body, spans, PAGE_ANNOTATIONS)], users=user_ids())
    return {
        "article_id": article.pk,
        "sentences": len(sentences),
        "annotations": Annotation.objects.filter(article=article).count(),
        "source_links": AnnotationSource.objects.filter(annotation__article=article).count(),
        "body_chars": len(article.body),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("base")
    volume = commands.add_parser("volume")
    volume.add_argument("--add", type=int, required=True)
    commands.add_parser("page")
    args = parser.parse_args(argv)
    djangoenv.setup()
    if args.command == "base":
        result = seed_base()
    elif args.command == "volume":
        result = seed_volume(args.add)
    else:
        result = seed_page()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
