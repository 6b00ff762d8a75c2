"""Reading a native export back (manage.py import_annotations). Validation first, then one transaction."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.dateparse import parse_date, parse_datetime
import jsonschema

from .anchoring import SpanError, anchor_span
from .models import (
    Action,
    Annotation,
    AnnotationEvent,
    AnnotationSource,
    Article,
    ArticleVersion,
    Claim,
    Relation,
    Sentence,
    Source,
    SourceSnapshot,
    field_limit,
)
from .parsing import BIGINT_MAX, parse_id
from .paths import EXPORT_SCHEMA_PATH, EXPORT_SCHEMA_V1_PATH, EXPORT_SCHEMA_V2_PATH
from .records import archive_state
from .services import body_sha256, claim_errors, status_errors
from .weburls import UrlError, normalize_url
from .workflow import DECISIONS, answered_submission

MAX_LISTED_ERRORS = 10


def validate_export(document) -> list[str]:
    """The first schema errors of a parsed export, as readable lines (empty when valid). A file of
    schema_version 1 (before versions) or 2 (before claims) is checked against that schema: version 1
    is read as version 1 of every article, and both as verdicts in no claim."""
    given = document.get("schema_version") if isinstance(document, dict) else None
    path = {1: EXPORT_SCHEMA_V1_PATH, 2: EXPORT_SCHEMA_V2_PATH}.get(given, EXPORT_SCHEMA_PATH)
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}" for error in errors][
        :MAX_LISTED_ERRORS
    ]


def check_records(document: dict) -> list[str]:
    """What the services and the API would refuse in a schema-valid export, as readable lines."""
    errors: list[str] = []
    for article in document["articles"]:
        where = f"article {article['id']}"
        errors += _check_article(article, where)
        if len(errors) >= MAX_LISTED_ERRORS:
            break
    return errors[:MAX_LISTED_ERRORS]


def _check_article(article: dict, where: str) -> list[str]:
    errors = [f"{where}: {problem}" for problem in _problems_of_article(article)]
    if errors:
        return errors  # the verdicts are checked against a body and sentences that are sound
    bodies = _bodies(article)
    for item in article["annotations"]:
        at = f"{where}, annotation {item.get('id')}"
        if item.get("article_version", 1) not in bodies:
            errors.append(f"{at}: article_version {item['article_version']} is not a version of this article.")
            continue
        body = bodies[item.get("article_version", 1)]
        errors += [f"{at}: {problem}" for problem in _problems_of_verdict(item, body)]
        if len(errors) >= MAX_LISTED_ERRORS:
            break
    return errors


def _bodies(article: dict) -> dict[int, str]:
    """Each version's body by number (a schema_version 1 article is version 1)."""
    return {v["version"]: v["body"] for v in article.get("versions", [])} | {article.get("version", 1): article["body"]}


def _problems_of_article(article: dict) -> list[str]:
    problems = [*_text_problems(article, Article, ("title", "publisher", "language")), *_id_problems(article)]
    body = article["body"]
    numbers = [v["version"] for v in article.get("versions", [])]
    if numbers != list(range(1, article.get("version", 1))):
        problems.append(
            f"versions are {numbers}: the earlier versions 1 to {article.get('version', 1) - 1} are listed in order."
        )
    for version in article.get("versions", []):
        if body_sha256(version["body"]) != version["body_sha256"]:
            problems.append(f"version {version['version']}: body_sha256 does not match the body.")
    problems += _date_problems(article, ("corrected_at",), parse_datetime)
    for version in article.get("versions", []):
        problems += [
            f"version {version['version']}: {p}"
            for p in _date_problems(version, ("created_at", "replaced_at"), parse_datetime)
        ]
    if "\x00" in body:
        problems.append("the body holds a NUL character.")
    problems += _url_problems(article, ("url",))
    problems += _date_problems(article, ("published_at",), parse_date)
    previous_end = 0
    for number, sentence in enumerate(article["sentences"]):
        start, end = sentence["start"], sentence["end"]
        if sentence["index"] != number:
            problems.append(f"sentence {number} has index {sentence['index']}: sentences are numbered in order from 0.")
        elif not previous_end <= start < end <= len(body):
            problems.append(f"sentence {number} ({start}–{end}) is not inside the body after the one before it.")
        elif "\n" in body[start:end]:
            problems.append(f"sentence {number} ({start}–{end}) crosses a line break.")
        else:
            previous_end = end
    return problems


def _problems_of_verdict(item: dict, body: str) -> list[str]:
    problems = [
        *_text_problems(item, Annotation, ("claimant", "denied_by", "note", "review_comment")),
        *_id_problems(item),
    ]
    if item.get("claim") is not None and parse_id(item["claim"]) is None:
        problems.append(f"the claim {item['claim']} is not in the range 1 to {BIGINT_MAX}.")
    try:
        anchor_span(body, start=item["start"], end=item["end"], quote=item["quote"])
    except SpanError as exc:
        problems.append(str(exc))
    claim_date = parse_date(item["claim_date"]) if item.get("claim_date") else None
    if item.get("claim_date") and claim_date is None:
        problems.append(f"the claim_date {item['claim_date']} is not a date.")
    problems += claim_errors(
        claimant=item["claimant"], claimant_type=item.get("claimant_type", ""), claim_date=claim_date
    ).values()
    supported = any(source["relation"] == Relation.SUPPORTS for source in item["sources"])
    problems += status_errors(status=item["status"], denied_by=item["denied_by"], supported=supported).values()
    for position, source in enumerate(item["sources"]):
        at = f"source {position}: "
        problems += [at + problem for problem in _url_problems(source, ("url", "archive_url"))]
        problems += [at + problem for problem in _text_problems(source, Source, ("title", "publisher"))]
        problems += [at + problem for problem in _date_problems(source, ("published_at",), parse_date)]
        if len(source["pinpoint"]) > field_limit(AnnotationSource, "pinpoint") or "\x00" in source["pinpoint"]:
            problems.append(at + "the pinpoint is too long or holds a NUL character.")
        if source.get("archive"):
            problems += [at + problem for problem in _archive_problems(source["archive"])]
    times = [("created_at", item), ("updated_at", item)] + [("at", event) for event in item["history"]]
    if item["review"]:
        times.append(("decided_at", item["review"]))
    for name, holder in times:
        problems += _date_problems(holder, (name,), parse_datetime)
    return problems


ARCHIVE_TIMES = ("requested_at", "checked_at", "archived_at", "link_broken_since")


def _archive_problems(archive: dict) -> list[str]:
    """A source's archive: its state is the one its fields give (records.archive_state), its times
    are dates, and a snapshot goes with an archived_at (and none without)."""
    problems = _date_problems(archive, ARCHIVE_TIMES, parse_datetime)
    if "\x00" in archive["error"]:
        problems.append("archive: the error holds a NUL character.")
    derived = archive_state(
        requested=archive["requested_at"],
        archived=archive["archived_at"],
        error=archive["error"],
        broken=archive["link_broken_since"],
    )
    if derived != archive["state"]:
        problems.append(f"archive: the state is {archive['state']}, but its times and error make it {derived}.")
    snapshot = archive["snapshot"]
    if (snapshot is None) != (archive["archived_at"] is None):
        problems.append("archive: a snapshot is given exactly when archived_at is.")
    if snapshot:
        problems += [f"archive: snapshot {p}" for p in _date_problems(snapshot, ("taken_at",), parse_datetime)]
        problems += [f"archive: snapshot {p}" for p in _url_problems(snapshot, ("final_url",))]
        if "\x00" in snapshot.get("text", ""):
            problems.append("archive: the snapshot's text holds a NUL character.")
    return problems


def _text_problems(record: dict, model, names: tuple[str, ...]) -> list[str]:
    problems = []
    for name in names:
        value = record.get(name)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            problems.append(f"{name} holds a NUL character.")
        limit = field_limit(model, name)
        if limit and len(value) > limit:
            problems.append(f"{name} is {len(value):,} characters; the limit is {limit:,}.")
    return problems


def _id_problems(record: dict) -> list[str]:
    return (
        [] if parse_id(record["id"]) is not None else [f"the id {record['id']} is not in the range 1 to {BIGINT_MAX}."]
    )


def _url_problems(record: dict, names: tuple[str, ...]) -> list[str]:
    problems = []
    for name in names:
        if record.get(name):
            try:
                normalize_url(record[name])
            except UrlError as exc:
                problems.append(f"{name}: {exc}")
    return problems


def _date_problems(record: dict, names: tuple[str, ...], parse) -> list[str]:
    problems = []
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        try:
            parsed = parse(value)
        except ValueError:
            parsed = None
        if parsed is None:
            problems.append(f"{name} “{value}” is not a valid date.")
    return problems


def _user(username: str, cache: dict):
    if username not in cache:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, is_active=False)
            user.set_unusable_password()
            user.save()
        cache[username] = user
    return cache[username]


def import_export(document: dict) -> tuple[int, int]:
    """Restore articles, sentences, sources, annotations, their claims and history. Returns (articles, annotations).

    Rules: the document validates against docs/export.schema.json, and every record passes the
    checks the API applies (check_records): spans and sentences inside the body and one paragraph,
    quotes equal to their slice, field limits, no NUL, ids and dates in range, http(s) URLs, the
    status rules; each body matches its SHA-256; no article, annotation or claim id is already stored.
    The first errors are listed and nothing is stored.
    """
    errors = validate_export(document) or check_records(document)
    if errors:
        raise ValidationError(errors)
    users: dict = {}
    sources: dict[str, Source] = {}
    counts = [0, 0]
    with transaction.atomic():
        _import_claims(document, users)
        for article_data in document["articles"]:
            _import_article(article_data, users, sources, counts)
        _reset_sequences()
    return counts[0], counts[1]


def _import_claims(document: dict, users: dict) -> None:
    """The claims the verdicts name, by their number. A claim's creator and time are those of the
    earliest `claim_link` event of its verdicts (the link that made it), else of its earliest verdict."""
    found: dict[int, tuple[str, str]] = {}
    for article in document["articles"]:
        for item in article["annotations"]:
            number = item.get("claim")
            if number is None:
                continue
            links = [(e["at"], e["actor"]) for e in item["history"] if e["action"] == Action.CLAIM_LINK]
            made = min(links) if links else (item["created_at"], item["author"])
            if number not in found or parse_datetime(made[0]) < parse_datetime(found[number][0]):
                found[number] = made
    stored = set(Claim.objects.filter(pk__in=found).values_list("pk", flat=True))
    if stored:
        raise ValidationError(
            f"claim {min(stored)}: already stored. import_annotations restores into an empty database."
        )
    Claim.objects.bulk_create(
        Claim(id=number, created_at=parse_datetime(at), created_by=_user(actor, users))
        for number, (at, actor) in sorted(found.items())
    )


def _import_article(data: dict, users: dict, sources: dict, counts: list[int]) -> None:
    body = data["body"]
    where = f"article {data['id']}"
    if body_sha256(body) != data["body_sha256"]:
        raise ValidationError(f"{where}: body_sha256 does not match the body.")
    if (
        Article.objects.filter(pk=data["id"]).exists()
        or Article.objects.filter(body_sha256=data["body_sha256"]).exists()
    ):
        raise ValidationError(f"{where}: already stored. import_annotations restores into an empty database.")
    article = Article.objects.create(
        id=data["id"],
        title=data["title"],
        body=body,
        body_sha256=data["body_sha256"],
        url=data["url"],
        publisher=data["publisher"],
        published_at=parse_date(data["published_at"]) if data["published_at"] else None,
        language=data["language"],
        version=data.get("version", 1),
        corrected_at=parse_datetime(data["corrected_at"]) if data.get("corrected_at") else None,
        corrected_by=_user(data["corrected_by"], users) if data.get("corrected_by") else None,
    )
    ArticleVersion.objects.bulk_create(
        ArticleVersion(
            article=article,
            number=version["version"],
            body=version["body"],
            body_sha256=version["body_sha256"],
            created_at=parse_datetime(version["created_at"]),
            created_by=_user(version["created_by"], users) if version["created_by"] else None,
            replaced_at=parse_datetime(version["replaced_at"]),
        )
        for version in data.get("versions", [])
    )
    Sentence.objects.bulk_create(
        Sentence(
            article=article,
            index=s["index"],
            paragraph=body.count("\n", 0, s["start"]),
            start=s["start"],
            end=s["end"],
        )
        for s in data["sentences"]
    )
    _renumber_paragraphs(article)
    counts[0] += 1
    bodies = _bodies(data)
    for item in data["annotations"]:
        _import_annotation(article, item, users, sources, bodies)
        counts[1] += 1


def _renumber_paragraphs(article: Article) -> None:
    """Paragraph numbers count non-empty lines; line numbers were stored above, so compact them."""
    lines = sorted(set(article.sentences.values_list("paragraph", flat=True)))
    mapping = {line: number for number, line in enumerate(lines)}
    for sentence in article.sentences.all():
        if mapping[sentence.paragraph] != sentence.paragraph:
            Sentence.objects.filter(pk=sentence.pk).update(paragraph=mapping[sentence.paragraph])


def _import_annotation(article: Article, item: dict, users: dict, sources: dict, bodies: dict[int, str]) -> None:
    where = f"annotation {item['id']}"
    if bodies.get(item.get("article_version", 1), "")[item["start"] : item["end"]] != item["quote"]:
        raise ValidationError(f"{where}: the quote does not match the body at {item['start']}–{item['end']}.")
    if Annotation.objects.filter(pk=item["id"]).exists():
        raise ValidationError(f"{where}: already stored.")
    review = item["review"]
    history = item["history"]
    approvals = [event["at"] for event in history if event["action"] == Action.APPROVE]
    submissions = [event["at"] for event in history if event["action"] in {Action.SUBMIT, Action.REOPEN}]
    annotation = Annotation.objects.create(
        id=item["id"],
        article=article,
        author=_user(item["author"], users),
        start=item["start"],
        end=item["end"],
        quote=item["quote"],
        prefix=item["prefix"],
        suffix=item["suffix"],
        article_version=item.get("article_version", 1),
        anchor=item.get("anchor", "exact"),
        status=item["status"],
        claimant=item["claimant"],
        claimant_type=item.get("claimant_type", ""),
        claim_date=parse_date(item["claim_date"]) if item.get("claim_date") else None,
        denied_by=item["denied_by"],
        note=item["note"],
        state=item["state"],
        version=item["version"],
        reviewed_by=_user(review["editor"], users) if review else None,
        reviewed_at=parse_datetime(review["decided_at"]) if review else None,
        review_comment=review["comment"] if review else "",
        first_approved_at=parse_datetime(approvals[0]) if approvals else None,
        submitted_at=parse_datetime(submissions[-1]) if submissions else None,
        created_at=parse_datetime(item["created_at"]),
        updated_at=parse_datetime(item["updated_at"]),
        claim_id=item.get("claim"),
    )
    links = []
    for position, link in enumerate(item["sources"]):
        source = sources.get(link["url"]) or Source.objects.filter(url=link["url"]).first()
        if source is None:
            source = Source.objects.create(
                url=link["url"],
                title=link["title"],
                publisher=link["publisher"],
                published_at=parse_date(link["published_at"]) if link["published_at"] else None,
                archive_url=link["archive_url"],
                **_archive_fields(link.get("archive")),
            )
            _restore_snapshot(source, link.get("archive"))
        sources[link["url"]] = source
        links.append(
            AnnotationSource(
                annotation=annotation,
                source=source,
                relation=link["relation"],
                pinpoint=link["pinpoint"],
                position=position,
            )
        )
    AnnotationSource.objects.bulk_create(links)
    steps = [(event["action"], parse_datetime(event["at"])) for event in history]
    AnnotationEvent.objects.bulk_create(
        AnnotationEvent(
            annotation=annotation,
            actor=_user(event["actor"], users),
            at=at,
            action=action,
            from_state=event["from_state"] or "",
            to_state=event["to_state"],
            from_status=event["from_status"] or "",
            to_status=event["to_status"],
            comment=event["comment"],
            answers_submission_at=answered_submission(steps, decided_at=at) if action in DECISIONS else None,
        )
        for event, (action, at) in zip(history, steps, strict=True)
    )


def _archive_fields(archive: dict | None) -> dict:
    """A Source's archive fields from its export record (none for a source never archived)."""
    if not archive:
        return {}
    times = {name: parse_datetime(archive[name]) if archive[name] else None for name in ARCHIVE_TIMES}
    return {
        "archive_requested_at": times["requested_at"],
        "archive_checked_at": times["checked_at"],
        "archived_at": times["archived_at"],
        "link_broken_since": times["link_broken_since"],
        "archive_error": archive["error"],
    }


def _restore_snapshot(source: Source, archive: dict | None) -> None:
    """The source's latest snapshot, as exported: its text is empty when the export was written
    without --with-snapshots (the metadata and hash still say what was archived)."""
    snapshot = archive and archive["snapshot"]
    if not snapshot:
        return
    SourceSnapshot.objects.create(
        source=source,
        taken_at=parse_datetime(snapshot["taken_at"]),
        final_url=snapshot["final_url"],
        http_status=snapshot["http_status"],
        content_type=snapshot["content_type"],
        sha256=snapshot["sha256"],
        byte_count=snapshot["byte_count"],
        text=snapshot.get("text", ""),
    )


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [Article, Annotation, Claim])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
