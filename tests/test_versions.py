"""Corrected versions: services.article_version_create re-anchors every verdict (the corpus in
tests/reanchoring_corpus.py, on SQLite and PostgreSQL), orphans wait, and nothing is lost."""

from django.core.exceptions import PermissionDenied, ValidationError
import pytest

from annotations import selectors, services
from annotations.models import Action, Annotation, AnnotationEvent, Article, ArticleVersion, State, Status

from .reanchoring_corpus import CASES

pytestmark = pytest.mark.django_db


def _verdict(article, author, quote, occurrence=0, status=Status.ALLEGED):
    start = -1
    for _ in range(occurrence + 1):
        start = article.body.index(quote, start + 1)
    return services.annotation_create(
        article=article, author=author, start=start, end=start + len(quote), quote=quote, status=status
    )


def _approve(annotation, reviewer, editor):
    submitted = services.annotation_submit(annotation=annotation, actor=reviewer, version=annotation.version)
    return services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_through_the_service(case, reviewer, editor):
    article = services.article_import(title=case.name, body=case.old, imported_by=reviewer)
    verdicts = [_approve(_verdict(article, reviewer, v.quote, v.occurrence), reviewer, editor) for v in case.verdicts]
    old_spans = {v.pk: (v.start, v.end, v.quote) for v in verdicts}

    report = services.article_version_create(article=article, actor=editor, body=case.new)

    article.refresh_from_db()
    assert (report.version, article.version, article.body) == (2, 2, case.new)
    assert {item.annotation_id: item.outcome for item in report.items} == {
        v.pk: expected.outcome for v, expected in zip(verdicts, case.verdicts, strict=True)
    }
    for verdict, expected in zip(verdicts, case.verdicts, strict=True):
        stored = Annotation.objects.get(pk=verdict.pk)
        item = next(item for item in report.items if item.annotation_id == verdict.pk)
        assert item.old == old_spans[verdict.pk]
        assert stored.anchor == expected.outcome
        if expected.new_quote is None:  # orphan: its old span on version 1, unchanged
            assert (stored.start, stored.end, stored.quote, stored.article_version) == (*old_spans[verdict.pk], 1)
            assert item.new is None
            assert stored.state == State.APPROVED
        else:  # never attached to the wrong text
            assert article.body[stored.start : stored.end] == stored.quote == expected.new_quote
            assert item.new == (stored.start, stored.end, stored.quote)
            assert stored.article_version == 2
            words_changed = expected.new_quote.split() != expected.quote.split()
            assert stored.state == (State.SUBMITTED if words_changed else State.APPROVED)
    # The report's counts are the events': one reanchor event per verdict, with its outcome.
    events = AnnotationEvent.objects.filter(annotation__article=article, action=Action.REANCHOR)
    outcomes = [next(c["new"] for c in event.changes if c["field"] == "anchor") for event in events]
    assert sorted(outcomes) == sorted(item.outcome for item in report.items)
    assert len(outcomes) == len(verdicts)


def test_a_fuzzy_approved_verdict_goes_back_to_the_queue_with_an_event(reviewer, editor):
    case = next(case for case in CASES if case.name == "typo fixed inside a quote")
    article = services.article_import(title="t", body=case.old, imported_by=reviewer)
    verdict = _approve(_verdict(article, reviewer, case.verdicts[0].quote), reviewer, editor)

    services.article_version_create(article=article, actor=editor, body=case.new)

    stored = Annotation.objects.get(pk=verdict.pk)
    assert (stored.state, stored.anchor, stored.version) == (State.SUBMITTED, "fuzzy", verdict.version + 1)
    event = stored.events.order_by("-at", "-id").first()
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "reanchor",
        "approved",
        "submitted",
        editor,
    )
    assert event.comment == (
        "Moved to the closest text in version 2 (similarity 0.98). "
        "The quoted words changed, so the approved verdict goes back to the queue."
    )
    assert {"field": "quote", "old": case.verdicts[0].quote, "new": case.verdicts[0].new_quote} in event.changes
    assert [a.pk for a in selectors.review_queue(viewer=editor)] == [verdict.pk]


def test_old_bodies_are_kept_once_each_and_sentences_follow_the_current(reviewer, editor):
    article = services.article_import(title="t", body="One. Two.\nThree.", imported_by=reviewer)
    for _ in range(3):
        _verdict(article, reviewer, "Two.")
    services.article_version_create(article=article, actor=reviewer, body="One. Two.\nThree. Four.")
    article.refresh_from_db()
    services.article_version_create(article=article, actor=editor, body="Zero.\nOne. Two.\nThree. Four.")
    article.refresh_from_db()
    assert list(ArticleVersion.objects.filter(article=article).values_list("number", "body")) == [
        (1, "One. Two.\nThree."),
        (2, "One. Two.\nThree. Four."),
    ]
    assert [(v.number, v.current) for v in selectors.article_versions(article=article)] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert [article.body[s.start : s.end] for s in article.sentences.order_by("index")] == [
        "Zero.",
        "One.",
        "Two.",
        "Three.",
        "Four.",
    ]
    assert set(Annotation.objects.values_list("start", "article_version")) == {(11, 3)}


def test_an_orphan_waits_in_the_queue_and_is_reselected(reviewer, reviewer2, editor):
    case = next(case for case in CASES if case.name == "sentence rewritten beyond recognition")
    article = services.article_import(title="t", body=case.old, imported_by=reviewer)
    verdict = _approve(_verdict(article, reviewer, case.verdicts[0].quote), reviewer, editor)
    services.article_version_create(article=article, actor=editor, body=case.new)

    assert [o.pk for o in selectors.orphan_queue(viewer=reviewer)] == [verdict.pk]
    assert [o.pk for o in selectors.orphan_queue(viewer=editor)] == [verdict.pk]
    assert selectors.orphan_queue(viewer=reviewer2) == []
    orphan = selectors.orphan_queue(viewer=editor)[0]
    assert (orphan.context_before, orphan.context_after) == ("", " The ministry recieved 40 complaints in March.")
    # Not on the reader page, not published, not in the review queue.
    article.refresh_from_db()
    assert selectors.reader_page(article=article, viewer=editor).annotations == []
    assert not Annotation.objects.filter(selectors.visibility_filter(None, published=True)).exists()

    with pytest.raises(PermissionDenied):
        services.annotation_reselect(
            annotation=orphan, actor=reviewer2, version=orphan.version, start=0, end=2, quote=article.body[:2]
        )
    quote = "No price for the deal has ever been made public"
    start = article.body.index(quote)
    with pytest.raises(ValidationError) as raised:
        services.annotation_reselect(
            annotation=orphan, actor=reviewer, version=orphan.version, start=start, end=start + 3, quote="Yes"
        )
    assert raised.value.message_dict["quote"][0].startswith("The selected text does not match the article")
    moved = services.annotation_reselect(
        annotation=orphan, actor=reviewer, version=orphan.version, start=start, end=start + len(quote), quote=quote
    )
    assert (moved.article_version, moved.anchor, moved.quote, moved.state) == (2, "fuzzy", quote, State.SUBMITTED)
    assert selectors.orphan_queue(viewer=editor) == []
    assert [a.pk for a in selectors.reader_page(article=article, viewer=editor).annotations] == [verdict.pk]


def test_an_orphan_is_closed_with_a_reason_and_kept(reviewer, editor):
    case = next(case for case in CASES if case.name == "quoted sentence deleted")
    article = services.article_import(title="t", body=case.old, imported_by=reviewer)
    verdict = _verdict(article, reviewer, case.verdicts[0].quote)
    services.article_version_create(article=article, actor=reviewer, body=case.new)
    orphan = Annotation.objects.get(pk=verdict.pk)
    with pytest.raises(ValidationError) as raised:
        services.annotation_orphan_close(annotation=orphan, actor=reviewer, version=orphan.version, reason="  ")
    assert raised.value.message_dict == {"reason": ["Say why the verdict is closed."]}
    closed = services.annotation_orphan_close(
        annotation=orphan, actor=reviewer, version=orphan.version, reason="The sentence was removed."
    )
    assert closed.is_deleted
    assert closed.events.order_by("-at", "-id").first().comment == "Closed as an orphan: The sentence was removed."
    assert selectors.orphan_queue(viewer=editor) == []
    # An orphan of version 1 is tried again on version 3 (restored first by an editor).
    services.annotation_restore(annotation=closed, actor=editor)
    article.refresh_from_db()
    report = services.article_version_create(article=article, actor=editor, body=case.old)
    assert [(item.outcome, item.old_version) for item in report.items] == [("exact", 1)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   \n\u200b", "The corrected text is empty."),
        ("Same text.\n", "This is the current text of the article: nothing changed."),
        ("Same text.\r\n", "This is the current text of the article: nothing changed."),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_written(body, message, reviewer):
    article = services.article_import(title="t", body="Same text.\n", imported_by=reviewer)
    _verdict(article, reviewer, "Same text.")
    with pytest.raises(ValidationError) as raised:
        services.article_version_create(article=article, actor=reviewer, body=body)
    assert raised.value.message_dict == {"body": [message]}
    article.refresh_from_db()
    assert (article.version, ArticleVersion.objects.count(), AnnotationEvent.objects.count()) == (1, 0, 1)


def test_another_articles_text_is_refused(reviewer):
    article = services.article_import(title="t", body="First text.", imported_by=reviewer)
    other = services.article_import(title="Other", body="Second text.", imported_by=reviewer)
    with pytest.raises(ValidationError) as raised:
        services.article_version_create(article=article, actor=reviewer, body="Second text.")
    assert raised.value.message_dict == {"body": [f"This text is already stored as article #{other.pk}, “Other”."]}


def test_oversized_body_is_refused(reviewer, settings):
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 20
    article = services.article_import(title="t", body="Short.", imported_by=reviewer)
    with pytest.raises(ValidationError) as raised:
        services.article_version_create(article=article, actor=reviewer, body="é" * 11)
    assert raised.value.message_dict == {"body": ["The corrected text is 22 bytes; the limit is 20."]}


def test_a_stale_article_is_refused(reviewer):
    article = services.article_import(title="t", body="First text.", imported_by=reviewer)
    stale = Article.objects.get(pk=article.pk)
    services.article_version_create(article=article, actor=reviewer, body="First text, corrected.")
    with pytest.raises(ValidationError) as raised:
        services.article_version_create(article=stale, actor=reviewer, body="First text, again.")
    assert raised.value.message_dict == {
        "body": ["The article was corrected by someone else meanwhile: reload it and compare first."]
    }


def test_only_reviewers_and_editors_correct(outsider, reviewer):
    article = services.article_import(title="t", body="First text.", imported_by=reviewer)
    with pytest.raises(PermissionDenied):
        services.article_version_create(article=article, actor=outsider, body="Other text.")
    with pytest.raises(ValidationError) as raised:
        services.article_version_refetch(article=article, actor=reviewer)
    assert raised.value.message_dict == {
        "refetch": ["This article has no web address to check: paste the corrected text."]
    }


def test_a_verdict_created_on_a_replaced_body_is_an_orphan_not_misplaced(reviewer, editor):
    """A verdict saved from a page that still showed version 1 after the correction committed."""
    article = services.article_import(title="t", body="Alpha beta. Gamma delta.", imported_by=reviewer)
    stale = Article.objects.get(pk=article.pk)
    services.article_version_create(article=article, actor=editor, body="Intro. Alpha beta. Gamma delta.")
    late = _verdict(stale, reviewer, "Gamma delta.")
    assert late.article_version == 1
    assert [o.pk for o in selectors.orphan_queue(viewer=editor)] == [late.pk]
