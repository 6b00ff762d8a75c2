"""selectors.py: one behaviour per test."""

from django.contrib.auth.models import AnonymousUser
import pytest

from annotations import selectors, services
from annotations.models import Annotation

from .conftest import sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def draft(article, author, index: int = 0, **extra) -> Annotation:
    return services.annotation_create(
        article=article, author=author, status="alleged", **sentence_span(article, index), **extra
    )


def visible_ids(viewer, **options) -> set[int]:
    return set(Annotation.objects.filter(selectors.visibility_filter(viewer, **options)).values_list("id", flat=True))


def test_a_draft_is_seen_by_its_author(seed_article, reviewer):
    mine = draft(seed_article, reviewer)
    assert visible_ids(reviewer) == {mine.pk}


def test_a_draft_is_hidden_from_another_reviewer(seed_article, reviewer, reviewer2):
    draft(seed_article, reviewer)
    assert visible_ids(reviewer2) == set()


def test_editors_see_every_draft(seed_article, reviewer, reviewer2, editor):
    drafts = {draft(seed_article, reviewer, 0).pk, draft(seed_article, reviewer2, 1).pk}
    assert visible_ids(editor) == drafts


def test_a_submitted_verdict_is_seen_by_everyone_logged_in(seed_article, reviewer, outsider):
    submitted = services.annotation_submit(annotation=draft(seed_article, reviewer), actor=reviewer, version=1)
    assert visible_ids(outsider) == {submitted.pk}


def test_the_deleted_are_never_seen_unless_asked_for(seed_article, reviewer, editor):
    gone = services.annotation_delete(annotation=draft(seed_article, reviewer), actor=reviewer)
    assert (visible_ids(editor), visible_ids(editor, deleted=True)) == (set(), {gone.pk})


def test_the_system_sees_every_live_verdict(seed_article, reviewer, reviewer2):
    drafts = {draft(seed_article, reviewer, 0).pk, draft(seed_article, reviewer2, 1).pk}
    assert visible_ids(None) == drafts


def test_published_and_anonymous_readers_see_approved_only(seed_article, reviewer, editor):
    approved = services.annotation_submit(annotation=draft(seed_article, reviewer, 0), actor=reviewer, version=1)
    services.annotation_approve(annotation=approved, editor=editor, version=2)
    services.annotation_submit(annotation=draft(seed_article, reviewer, 1), actor=reviewer, version=1)
    assert visible_ids(AnonymousUser()) == visible_ids(editor, published=True) == {approved.pk}


def test_article_matches_every_word_of_the_title_in_any_order(db):
    wanted = ArticleFactory(title="Huawei spying in Pakistan?")
    ArticleFactory(title="Huawei results")
    matched = selectors.article_list(viewer=AnonymousUser(), search="pakistan HUAWEI")
    assert [article.pk for article in matched] == [wanted.pk]


def test_source_matches_title_publisher_or_url(reviewer, bbc_source):
    for words in ("wi-fi cards", "BBC news", "world-asia-47855015"):
        assert selectors.source_search(viewer=reviewer, query=words) == [bbc_source], words


def test_a_source_cited_only_by_a_draft_follows_the_draft(seed_article, reviewer, reviewer2, bbc_source):
    draft(seed_article, reviewer, sources=[services.SourceLink(bbc_source, "supports")])
    assert selectors.source_search(viewer=reviewer2, query="bbc") == []


def test_verdict_records_keep_the_rows_order_with_their_sources(seed_article, reviewer, bbc_source):
    first = draft(seed_article, reviewer, 0, sources=[services.SourceLink(bbc_source, "supports", "p. 2")])
    second = draft(seed_article, reviewer, 1)
    rows = selectors.visible_verdict_rows(viewer=reviewer).order_by("-id")[0:10]
    records = selectors.verdict_records(rows)
    assert [(r["id"], [s["pinpoint"] for s in r["sources"]]) for r in records] == [
        (second.pk, []),
        (first.pk, ["p. 2"]),
    ]


def test_the_card_window_runs_on_to_the_card_asked_for(seed_article, reviewer, monkeypatch):
    monkeypatch.setattr(selectors, "CARDS_PER_PAGE", 2)
    made = [draft(seed_article, reviewer, index) for index in range(5)]
    page = selectors.reader_page(article=seed_article, viewer=reviewer, upto=made[4].pk)
    assert ([card.pk for card in page.window.cards], page.window.next_offset) == ([a.pk for a in made], None)


def test_card_actions_come_with_the_cards(seed_article, reviewer, editor):
    mine = draft(seed_article, reviewer)
    page = selectors.reader_page(article=seed_article, viewer=reviewer)
    assert page.window.cards[0].actions == {"edit", "delete", "submit"}
    assert selectors.reader_page(article=seed_article, viewer=editor).window.cards[0].actions == {"edit", "delete"}
    assert page.window.cards[0].pk == mine.pk


def test_an_editor_who_changed_a_submitted_verdict_gets_no_approve_button(seed_article, reviewer, editor):
    submitted = services.annotation_submit(annotation=draft(seed_article, reviewer), actor=reviewer, version=1)
    services.annotation_update(annotation=submitted, actor=editor, version=2, status="unverified")
    card = selectors.reader_page(article=seed_article, viewer=editor).window.cards[0]
    assert "approve" not in card.actions


def test_the_queue_holds_submitted_verdicts_oldest_first(seed_article, reviewer, editor):
    first = services.annotation_submit(annotation=draft(seed_article, reviewer, 0), actor=reviewer, version=1)
    second = services.annotation_submit(annotation=draft(seed_article, reviewer, 1), actor=reviewer, version=1)
    draft(seed_article, reviewer, 2)
    assert [item.pk for item in selectors.review_queue(viewer=editor)] == [first.pk, second.pk]


def test_claimant_suggestions_are_the_most_used_first(seed_article, reviewer):
    for index, claimant in enumerate(["Huawei", "BES", "BES"]):
        draft(seed_article, reviewer, index, claimant=claimant)
    assert selectors.claimant_suggestions(viewer=reviewer) == ["BES", "Huawei"]


def test_span_sentences_are_those_the_span_overlaps(seed_article):
    twelfth = seed_article.sentences.get(index=11)
    thirteenth = seed_article.sentences.get(index=12)
    assert selectors.span_sentences(seed_article, twelfth.start, twelfth.end) == [(11, twelfth.start, twelfth.end)]
    across = selectors.span_sentences(seed_article, twelfth.end - 3, thirteenth.start + 3)
    assert across == [(11, twelfth.start, twelfth.end), (12, thirteenth.start, thirteenth.end)]
    assert selectors.span_sentences(seed_article, twelfth.end, thirteenth.start) == []  # the space between
