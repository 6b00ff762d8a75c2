"""Every write and every rule of factcheck. Views, forms, the API and the
management commands call these functions; none of them re-implements a rule."""

from datetime import date
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Article, Sentence
from .segmentation import normalize_text, split_sentences

REVIEWERS_GROUP = "Reviewers"
EDITORS_GROUP = "Editors"

User = AbstractBaseUser | AnonymousUser


def _group_names(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_factcheck_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._factcheck_groups = cached
    return cached


def user_is_editor(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or EDITORS_GROUP in _group_names(user))


def user_is_reviewer(user: User) -> bool:
    """Reviewers and editors (an editor can do everything a reviewer can)."""
    return user_is_editor(user) or REVIEWERS_GROUP in _group_names(user)


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def article_import(
    *,
    title: str,
    body: str,
    imported_by: User | None,
    url: str = "",
    publisher: str = "",
    published_at: date | None = None,
    language: str = "en",
) -> Article:
    """Store an article and its sentences.

    Rules: the body is normalised (NFC, `\\n`) and must not be empty or larger
    than FACTCHECK_MAX_ARTICLE_BYTES; a body already stored is refused with a
    message naming the existing article. Side effects: one Article and its
    Sentence rows, in one transaction.
    """
    body = normalize_text(body)
    title = " ".join(title.split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["Give the article a title."]
    if not body.strip():
        errors["body"] = ["The article text is empty."]
    elif len(body.encode("utf-8")) > settings.FACTCHECK_MAX_ARTICLE_BYTES:
        errors["body"] = [
            f"The article text is {len(body.encode('utf-8')):,} bytes; "
            f"the limit is {settings.FACTCHECK_MAX_ARTICLE_BYTES:,} bytes."
        ]
    language = (language or "en").strip()
    if not language or len(language) > 16 or not language.replace("-", "").isalnum():
        errors["language"] = ["Use a language code such as en, ur or pt-BR."]
    if errors:
        raise ValidationError(errors)

    digest = body_sha256(body)
    with transaction.atomic():
        existing = Article.objects.filter(body_sha256=digest).first()
        if existing is not None:
            raise ValidationError(
                {"body": [f"This text is already stored as article #{existing.pk}, “{existing.title}”."]},
                code="duplicate",
            )
        article = Article.objects.create(
            title=title,
            body=body,
            body_sha256=digest,
            url=url.strip(),
            publisher=publisher.strip(),
            published_at=published_at,
            language=language,
            imported_by=imported_by if imported_by is not None and imported_by.is_authenticated else None,
        )
        Sentence.objects.bulk_create(
            Sentence(article=article, index=s.index, paragraph=s.paragraph, start=s.start, end=s.end)
            for s in split_sentences(body, language)
        )
    return article


def article_update_metadata(
    *, article: Article, title: str, url: str, publisher: str, published_at: date | None
) -> Article:
    """Change an article's metadata. The body is never changed here: offsets
    of sentences and annotations point into it (corrections are a separate flow)."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": ["Give the article a title."]})
    article.title, article.url, article.publisher, article.published_at = title, url, publisher, published_at
    article.save(update_fields=["title", "url", "publisher", "published_at"])
    return article
