"""Reading a native export back (manage.py import_annotations). Validation first, then one transaction."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.dateparse import parse_date, parse_datetime
import jsonschema

from .models import Action, Annotation, AnnotationEvent, AnnotationSource, Article, Sentence, Source
from .paths import EXPORT_SCHEMA_PATH
from .services import body_sha256

MAX_LISTED_ERRORS = 10


def validate_export(document) -> list[str]:
    """The first schema errors of a parsed export, as readable lines (empty when valid)."""
    schema = json.loads(EXPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}" for error in errors][
        :MAX_LISTED_ERRORS
    ]


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
    """Restore articles, sentences, sources, annotations and their history. Returns (articles, annotations).

    Rules: the document validates against docs/export.schema.json; each body matches its SHA-256;
    each quote equals its slice of the body; no article or annotation id is already stored.
    """
    errors = validate_export(document)
    if errors:
        raise ValidationError(errors)
    users: dict = {}
    sources: dict[str, Source] = {}
    counts = [0, 0]
    with transaction.atomic():
        for article_data in document["articles"]:
            _import_article(article_data, users, sources, counts)
        _reset_sequences()
    return counts[0], counts[1]


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
    for item in data["annotations"]:
        _import_annotation(article, item, users, sources)
        counts[1] += 1


def _renumber_paragraphs(article: Article) -> None:
    """Paragraph numbers count non-empty lines; line numbers were stored above, so compact them."""
    lines = sorted(set(article.sentences.values_list("paragraph", flat=True)))
    mapping = {line: number for number, line in enumerate(lines)}
    for sentence in article.sentences.all():
        if mapping[sentence.paragraph] != sentence.paragraph:
            Sentence.objects.filter(pk=sentence.pk).update(paragraph=mapping[sentence.paragraph])


def _import_annotation(article: Article, item: dict, users: dict, sources: dict) -> None:
    where = f"annotation {item['id']}"
    if article.body[item["start"] : item["end"]] != item["quote"]:
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
        status=item["status"],
        claimant=item["claimant"],
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
            )
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
    AnnotationEvent.objects.bulk_create(
        AnnotationEvent(
            annotation=annotation,
            actor=_user(event["actor"], users),
            at=parse_datetime(event["at"]),
            action=event["action"],
            from_state=event["from_state"] or "",
            to_state=event["to_state"],
            from_status=event["from_status"] or "",
            to_status=event["to_status"],
            comment=event["comment"],
        )
        for event in history
    )


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [Article, Annotation])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
