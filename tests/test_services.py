import hashlib
import unicodedata

from django.core.exceptions import ValidationError
from django.test import override_settings
import pytest

from annotations import roles, services
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


@pytest.mark.parametrize("body", ["", "   \n\t\n  ", "\u200f\u202e\u2066 \u200b\n\u2069\ufeff", "\u0301\u0301"])
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


def test_roles(reviewer, reviewer2, editor, outsider, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x-very-long-password")
    assert [roles.user_is_reviewer(u) for u in (reviewer, editor, outsider, admin)] == [True, True, False, True]
    assert [roles.user_is_editor(u) for u in (reviewer, editor, outsider, admin)] == [False, True, False, True]


def test_roles_anonymous():
    from django.contrib.auth.models import AnonymousUser

    assert roles.user_is_reviewer(AnonymousUser()) is False
    assert roles.user_is_editor(AnonymousUser()) is False


def test_groups_are_created_by_migration(django_user_model):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Reviewers", "Editors"}


# --- Sources and annotations -------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.db import IntegrityError, transaction  # noqa: E402

from annotations.models import Annotation, AnnotationEvent, AnnotationSource, Source  # noqa: E402
from annotations.services import SourceLink  # noqa: E402

from .conftest import sentence_span  # noqa: E402


def test_source_is_stored_once_per_normalised_url(reviewer, reviewer2):
    first, created = services.source_get_or_create(
        url="https://WWW.Example.org/report?utm_source=x#top", title="Report", created_by=reviewer
    )
    again, created_again = services.source_get_or_create(
        url="https://www.example.org/report", title="Other title", created_by=reviewer2
    )
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert (again.url, again.title) == ("https://www.example.org/report", "Report")
    assert Source.objects.count() == 1


def test_source_rules(reviewer, outsider):
    with pytest.raises(ValidationError) as raised:
        services.source_get_or_create(
            url="javascript:alert(1)", title="x", archive_url="ftp://a/b", created_by=reviewer
        )
    assert raised.value.message_dict == {
        "url": ["Only http:// and https:// addresses can be sources."],
        "archive_url": ["Only http:// and https:// addresses can be sources."],
    }
    with pytest.raises(ValidationError) as raised:
        services.source_get_or_create(url="https://example.org/", title="  ", created_by=reviewer)
    assert raised.value.message_dict == {"title": ["Give the source a title."]}
    with pytest.raises(PermissionDenied):
        services.source_get_or_create(url="https://example.org/", title="x", created_by=outsider)
    assert Source.objects.count() == 0


def test_annotation_create_stores_span_context_and_sources(seed_article, reviewer, bbc_source):
    span = sentence_span(seed_article, 22)
    annotation = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="evidenced",
        note="The BBC report of 8 April 2019\nconfirms the Wi-Fi cards.",
        claimant="Business Efficiency Solutions (BES)",
        sources=[SourceLink(bbc_source, "supports", "paragraph 3")],
        **span,
    )
    annotation.refresh_from_db()
    assert annotation.quote == span["quote"]
    assert annotation.quote.startswith("The BES lawsuit cites a past instance")
    assert annotation.prefix == seed_article.body[span["start"] - 32 : span["start"]]
    assert annotation.suffix == seed_article.body[span["end"] : span["end"] + 32]
    assert annotation.version == 1
    assert [(ln.source, ln.relation, ln.pinpoint) for ln in annotation.source_links.all()] == [
        (bbc_source, "supports", "paragraph 3")
    ]


def test_annotation_create_writes_the_verdict_its_event_and_its_links_together(seed_article, reviewer, bbc_source):
    court = Source.objects.create(url="https://court.example/bes-v-huawei", title="Complaint", created_by=reviewer)
    span = sentence_span(seed_article, 22)
    annotation = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="evidenced",
        claimant="  BES ",
        sources=[SourceLink(court, "context", ""), SourceLink(bbc_source, "supports", " paragraph 3 ")],
        **span,
    )
    stored = Annotation.objects.get()
    assert (annotation.pk, annotation.state, annotation.version) == (stored.pk, "draft", 1)
    assert (stored.claimant, stored.created_at, stored.updated_at) == (
        "BES",
        annotation.created_at,
        annotation.created_at,
    )
    assert [(ln.position, ln.source, ln.relation, ln.pinpoint) for ln in stored.source_links.order_by("position")] == [
        (0, court, "context", ""),
        (1, bbc_source, "supports", "paragraph 3"),
    ]
    event = stored.events.get()
    assert (event.action, event.actor, event.at, event.comment, event.changes) == (
        "create",
        reviewer,
        annotation.created_at,
        "",
        [],
    )
    assert (event.from_state, event.to_state, event.from_status, event.to_status) == ("", "draft", "", "evidenced")
    # The returned verdict is a stored instance: the next step of the workflow works on it.
    services.annotation_submit(annotation=annotation, actor=reviewer, version=1)
    assert Annotation.objects.get().state == "submitted"


def test_annotation_create_that_fails_to_link_a_source_writes_nothing(seed_article, reviewer):
    unsaved = Source(url="https://example.org/never-saved", title="Never saved")
    # Refused by PostgreSQL (a link without a source), or by the ORM after the verdict and its
    # event were written on SQLite: either way nothing of the verdict stays.
    with pytest.raises((IntegrityError, ValueError)), transaction.atomic():
        services.annotation_create(
            article=seed_article,
            author=reviewer,
            status="alleged",
            sources=[SourceLink(unsaved, "context", "")],
            **sentence_span(seed_article, 4),
        )
    assert (Annotation.objects.count(), AnnotationEvent.objects.count(), AnnotationSource.objects.count()) == (0, 0, 0)


def test_a_verdict_links_at_most_fifty_sources(seed_article, reviewer):
    sources = [
        Source.objects.create(url=f"https://example.org/report-{n}", title=f"Report {n}", created_by=reviewer)
        for n in range(51)
    ]
    with pytest.raises(ValidationError) as raised:
        services.annotation_create(
            article=seed_article,
            author=reviewer,
            status="alleged",
            sources=[SourceLink(source, "context", "") for source in sources],
            **sentence_span(seed_article, 4),
        )
    assert raised.value.message_dict == {"sources": ["Link at most 50 sources to one verdict (it has 51)."]}
    assert Annotation.objects.count() == 0
    annotation = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="alleged",
        sources=[SourceLink(source, "context", "") for source in sources[:50]],
        **sentence_span(seed_article, 4),
    )
    assert annotation.source_links.count() == 50


def test_phrase_inside_a_sentence(seed_article, reviewer):
    start = seed_article.body.index("has not been made public")
    annotation = services.annotation_create(
        article=seed_article,
        author=reviewer,
        start=start,
        end=start + len("has not been made public"),
        quote="has not been made public",
        status="unverified",
    )
    assert seed_article.body[annotation.start : annotation.end] == "has not been made public"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"status": "false"}, {"status": ["Choose alleged, denied, unverified or evidenced."]}),
        (
            {"status": "denied", "denied_by": "  "},
            {"denied_by": ["Name who denied it: a denied verdict records the party that denied the claim."]},
        ),
        ({"status": "evidenced"}, {"sources": ["An evidenced verdict needs at least one source that supports it."]}),
        ({"note": "x" * 10_001}, {"note": ["Keep the note under 10,000 characters (it has 10,001)."]}),
        (
            {"quote": "The consultancy has sued Huawei"},
            {
                "quote": [
                    "The selected text does not match the article at 275–396: expected “The consultancy has sued "
                    "Huawei and its subsidiary in Pakis…”, got “The consultancy has sued Huawei”. "
                    "Reload the page and select again."
                ]
            },
        ),
        ({"end": 99_999}, {"quote": ["The selection 275–99999 is outside the article (0–3476)."]}),
        ({"start": 396, "end": 398, "quote": " T"}, {}),
    ],
)
def test_annotation_rules_write_nothing(seed_article, reviewer, changes, errors):
    data = {"status": "alleged", **sentence_span(seed_article, 4)} | changes
    if not errors:
        services.annotation_create(article=seed_article, author=reviewer, **data)
        return
    with pytest.raises(ValidationError) as raised:
        services.annotation_create(article=seed_article, author=reviewer, **data)
    assert raised.value.message_dict == errors
    assert Annotation.objects.count() == 0


def test_evidenced_needs_a_supports_link_not_just_any_source(seed_article, reviewer, bbc_source):
    span = sentence_span(seed_article, 22)
    with pytest.raises(ValidationError) as raised:
        services.annotation_create(
            article=seed_article,
            author=reviewer,
            status="evidenced",
            sources=[SourceLink(bbc_source, "context")],
            **span,
        )
    assert raised.value.message_dict == {
        "sources": ["An evidenced verdict needs at least one source that supports it."]
    }
    with pytest.raises(ValidationError) as raised:
        services.annotation_create(
            article=seed_article,
            author=reviewer,
            status="alleged",
            sources=[SourceLink(bbc_source, "context"), SourceLink(bbc_source, "context")],
            **span,
        )
    assert raised.value.message_dict == {
        "sources": ["“Huawei told to remove Wi-Fi cards from Pakistan CCTV” is linked twice as context."]
    }
    assert AnnotationSource.objects.count() == 0


def test_outsider_cannot_annotate(seed_article, outsider):
    with pytest.raises(PermissionDenied):
        services.annotation_create(
            article=seed_article, author=outsider, status="alleged", **sentence_span(seed_article, 0)
        )


def test_two_reviewers_may_annotate_the_same_span_differently(seed_article, reviewer, reviewer2):
    span = sentence_span(seed_article, 19)
    services.annotation_create(article=seed_article, author=reviewer, status="denied", denied_by="Huawei", **span)
    services.annotation_create(article=seed_article, author=reviewer2, status="alleged", **span)
    assert sorted(Annotation.objects.values_list("author__username", "status")) == [
        ("reviewer", "denied"),
        ("reviewer2", "alleged"),
    ]


def test_denied_by_is_dropped_for_other_statuses(seed_article, reviewer):
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", denied_by="Huawei", **sentence_span(seed_article, 0)
    )
    assert annotation.denied_by == ""


@pytest.fixture
def alleged(seed_article, reviewer):
    return services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", claimant="BES", **sentence_span(seed_article, 0)
    )


def test_author_and_editor_edit_other_reviewer_cannot(alleged, reviewer, reviewer2, editor):
    updated = services.annotation_update(annotation=alleged, actor=reviewer, version=1, status="unverified", note="n")
    assert (updated.status, updated.note, updated.version) == ("unverified", "n", 2)
    updated = services.annotation_update(
        annotation=alleged, actor=editor, version=2, status="denied", denied_by="Huawei"
    )
    assert (updated.status, updated.denied_by, updated.version) == ("denied", "Huawei", 3)
    with pytest.raises(PermissionDenied) as raised:
        services.annotation_update(annotation=alleged, actor=reviewer2, version=3, status="alleged")
    assert str(raised.value) == "Only its author or an editor can edit this verdict."
    alleged.refresh_from_db()
    assert (alleged.status, alleged.version) == ("denied", 3)


def test_create_and_submit_stores_a_submitted_verdict_with_both_events(seed_article, reviewer, bbc_source):
    annotation = services.annotation_create_and_submit(
        article=seed_article,
        author=reviewer,
        status="alleged",
        note="Only the complaint says so.",
        sources=[SourceLink(bbc_source, "context", "")],
        **sentence_span(seed_article, 15),
    )
    stored = Annotation.objects.get()
    assert (stored.pk, stored.state, stored.version, stored.status, stored.note) == (
        annotation.pk,
        "submitted",
        2,
        "alleged",
        "Only the complaint says so.",
    )
    assert stored.submitted_at == stored.updated_at
    assert list(stored.events.order_by("at", "id").values_list("action", "from_state", "to_state")) == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
    ]
    assert list(stored.source_links.values_list("source_id", "relation")) == [(bbc_source.pk, "context")]


def test_create_and_submit_refused_by_the_verdict_rules_stores_nothing(seed_article, reviewer):
    with pytest.raises(ValidationError) as raised:
        services.annotation_create_and_submit(
            article=seed_article, author=reviewer, status="denied", **sentence_span(seed_article, 15)
        )
    assert raised.value.message_dict == {
        "denied_by": ["Name who denied it: a denied verdict records the party that denied the claim."]
    }
    assert (Annotation.objects.count(), AnnotationEvent.objects.count()) == (0, 0)


def test_update_and_submit_resubmits_a_returned_verdict(alleged, reviewer, editor):
    submitted = services.annotation_submit(annotation=alleged, actor=reviewer, version=1)
    returned = services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="Name the claimant."
    )
    resubmitted = services.annotation_update_and_submit(
        annotation=returned, actor=reviewer, version=returned.version, status="alleged", claimant="BES", note="Done."
    )
    alleged.refresh_from_db()
    assert (alleged.state, alleged.version, alleged.note) == ("submitted", 5, "Done.")
    assert resubmitted.version == 5
    actions = list(alleged.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["create", "submit", "request_changes", "edit", "submit"]


def test_update_and_submit_refused_at_the_submission_changes_nothing(alleged, editor):
    """An editor may edit a reviewer's draft but not submit it: the edit is rolled back too."""
    with pytest.raises(PermissionDenied) as raised:
        services.annotation_update_and_submit(annotation=alleged, actor=editor, version=1, status="unverified")
    assert str(raised.value) == "Only its author can submit this verdict."
    alleged.refresh_from_db()
    assert (alleged.state, alleged.status, alleged.version) == ("draft", "alleged", 1)
    assert list(alleged.events.values_list("action", flat=True)) == ["create"]


def test_stale_version_is_a_conflict_and_overwrites_nothing(alleged, reviewer):
    services.annotation_update(annotation=alleged, actor=reviewer, version=1, status="unverified")
    with pytest.raises(services.VersionConflict) as raised:
        services.annotation_update(annotation=alleged, actor=reviewer, version=1, status="denied", denied_by="X")
    assert raised.value.annotation.version == 2
    alleged.refresh_from_db()
    assert alleged.status == "unverified"


def test_delete_is_soft_and_undoable_by_the_author_within_the_window(alleged, reviewer, settings):
    services.annotation_delete(annotation=alleged, actor=reviewer)
    alleged.refresh_from_db()
    assert alleged.is_deleted and alleged.deleted_by == reviewer
    services.annotation_restore(annotation=alleged, actor=reviewer)
    alleged.refresh_from_db()
    assert not alleged.is_deleted

    services.annotation_delete(annotation=alleged, actor=reviewer)
    alleged.refresh_from_db()
    alleged.deleted_at = _long_ago()
    alleged.save(update_fields=["deleted_at"])
    with pytest.raises(PermissionDenied) as raised:
        services.annotation_restore(annotation=alleged, actor=reviewer)
    assert str(raised.value) == "The undo window has passed: ask an editor to restore this verdict."


def _long_ago():
    from django.utils import timezone

    return timezone.now() - timedelta(hours=1)


def test_editor_restores_any_time_and_others_cannot_delete(alleged, reviewer2, editor):
    with pytest.raises(PermissionDenied):
        services.annotation_delete(annotation=alleged, actor=reviewer2)
    services.annotation_delete(annotation=alleged, actor=editor)
    alleged.deleted_at = _long_ago()
    alleged.save(update_fields=["deleted_at"])
    with pytest.raises(PermissionDenied):
        services.annotation_restore(annotation=alleged, actor=reviewer2)
    services.annotation_restore(annotation=alleged, actor=editor)
    alleged.refresh_from_db()
    assert alleged.deleted_at is None


def test_database_refuses_a_denied_verdict_without_who(seed_article, reviewer):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.create(
            article=seed_article, author=reviewer, start=0, end=5, quote="A Cal", status="denied", denied_by=""
        )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/a", "data:text/html,x", "https://"])
def test_an_article_url_passes_the_one_url_rule(url, reviewer):
    with pytest.raises(ValidationError) as raised:
        services.article_import(title="A", body="One sentence here.", url=url, imported_by=reviewer)
    assert list(raised.value.message_dict) == ["url"]
    assert Article.objects.count() == 0


def test_an_article_url_is_stored_normalised(reviewer):
    article = services.article_import(
        title="A", body="One sentence here.", url="HTTPS://Example.org/story?utm_source=x#top", imported_by=reviewer
    )
    assert article.url == "https://example.org/story"
