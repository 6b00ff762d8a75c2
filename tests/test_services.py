from datetime import date
import hashlib
import unicodedata

from django.core.exceptions import ValidationError
from django.test import override_settings
import pytest

from annotations import services
from annotations.models import Article, Sentence

pytestmark = pytest.mark.django_db


def assert_sentences_exact(article: Article) -> None:
    sentences = list(article.sentences.order_by("index"))
    assert [s.index for s in sentences] == list(range(len(sentences)))
    for sentence in sentences:
        text = article.body[sentence.start : sentence.end]
        assert text == text.strip() and text
        assert "\n" not in text


def test_import_seed_article_stores_26_sentences(seed_article, seed_text):
    assert seed_article.title == "Huawei spying in Pakistan?"
    assert seed_article.body == seed_text
    assert seed_article.body_sha256 == hashlib.sha256(seed_text.encode()).hexdigest()
    assert seed_article.sentences.count() == 26
    first = seed_article.sentences.get(index=0)
    assert (first.start, first.end) == (0, 183)
    assert_sentences_exact(seed_article)


@pytest.mark.parametrize(
    ("body", "language", "count"),
    [
        ("Launch day 🚀🚀 was chaotic. Nobody 🙈 expected it.\nA 𝒻𝒶𝓃𝒸𝓎 line.", "en", 3),
        ("First line.\r\nSecond line.\r\n\r\nThird line.", "en", 3),
        (unicodedata.normalize("NFD", "Café Zürich opened. Señor Núñez came."), "en", 2),
        ("حکومت نے بیان جاری کیا۔ اپوزیشن نے اسے مسترد کر دیا۔", "ur", 2),
        ("The U.S. case began Jan. 5. Dr. Lee of No. 4 Elm St. testified.", "en", 2),
    ],
)
def test_every_sentence_is_an_exact_trimmed_slice(body, language, count, reviewer):
    article = services.article_import(title="t", body=body, language=language, imported_by=reviewer)
    assert article.sentences.count() == count
    assert article.imported_by == reviewer
    assert_sentences_exact(article)


def test_import_normalises_to_nfc_and_line_feeds(reviewer):
    raw = unicodedata.normalize("NFD", "Résumé one.\r\nRésumé two.\rEnd.")
    article = services.article_import(title="  Spaced   title ", body=raw, imported_by=reviewer)
    assert article.body == "Résumé one.\nRésumé two.\nEnd."
    assert article.title == "Spaced title"


def test_duplicate_body_is_refused_naming_the_existing_article(seed_article, seed_text, reviewer):
    with pytest.raises(ValidationError) as raised:
        services.article_import(title="Again", body=seed_text.replace("\n", "\r\n"), imported_by=reviewer)
    assert raised.value.message_dict == {
        "body": [f"This text is already stored as article #{seed_article.pk}, “Huawei spying in Pakistan?”."]
    }
    assert Article.objects.count() == 1


@pytest.mark.parametrize("body", ["", "   \n\t\n  "])
def test_empty_body_is_refused_and_nothing_is_stored(body, reviewer):
    with pytest.raises(ValidationError) as raised:
        services.article_import(title="Empty", body=body, imported_by=reviewer)
    assert raised.value.message_dict == {"body": ["The article text is empty."]}
    assert Article.objects.count() == 0
    assert Sentence.objects.count() == 0


@override_settings(FACTCHECK_MAX_ARTICLE_BYTES=20)
def test_oversized_body_is_refused(reviewer):
    with pytest.raises(ValidationError) as raised:
        services.article_import(title="Long", body="é" * 11, imported_by=reviewer)
    assert raised.value.message_dict == {"body": ["The article text is 22 bytes; the limit is 20 bytes."]}
    assert Article.objects.count() == 0


def test_missing_title_and_bad_language_are_field_errors(reviewer):
    with pytest.raises(ValidationError) as raised:
        services.article_import(title=" ", body="Text.", language="en us!", imported_by=reviewer)
    assert raised.value.message_dict == {
        "title": ["Give the article a title."],
        "language": ["Use a language code such as en, ur or pt-BR."],
    }


def test_metadata_update_never_touches_the_body(seed_article):
    body = seed_article.body
    services.article_update_metadata(
        article=seed_article,
        title="New title",
        url="https://example.org/a",
        publisher="Pub",
        published_at=date(2021, 8, 13),
    )
    seed_article.refresh_from_db()
    assert (seed_article.title, seed_article.publisher, seed_article.published_at) == (
        "New title",
        "Pub",
        date(2021, 8, 13),
    )
    assert seed_article.body == body


def test_roles(reviewer, reviewer2, editor, outsider, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x-very-long-password")
    assert [services.user_is_reviewer(u) for u in (reviewer, editor, outsider, admin)] == [True, True, False, True]
    assert [services.user_is_editor(u) for u in (reviewer, editor, outsider, admin)] == [False, True, False, True]


def test_roles_anonymous():
    from django.contrib.auth.models import AnonymousUser

    assert services.user_is_reviewer(AnonymousUser()) is False
    assert services.user_is_editor(AnonymousUser()) is False


def test_groups_are_created_by_migration(django_user_model):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Reviewers", "Editors"}
