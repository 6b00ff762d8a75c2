"""Verdicts are saved while a large article is imported, on SQLite and PostgreSQL (issue 14).

services.article_import() segments the text before its transaction opens, so it holds SQLite's
write lock only while it inserts; a save that meets that lock waits for it (the busy timeout,
DJANGO_SQLITE_BUSY_TIMEOUT) instead of failing with "database is locked". Each thread has its own
connection, so the test runs with committed rows (transaction=True) on the file database that
tests/conftest.py sets up for SQLite.
"""

from collections.abc import Callable
import threading

from django.conf import settings
from django.db import connection
from django.urls import reverse
import pytest

from annotations import roles, segmentation, services
from annotations.models import Annotation, Article

from .conftest import api, create_payload, sentence_span
from .factories import UserFactory

SENTENCE = "Lock demo sentence number x is here. "
# A way out if a thread hangs; a passing run never waits this long.
HANG = 120


def in_thread(work: Callable[[], object], outcomes: dict[str, object], name: str) -> threading.Thread:
    """Run `work` on a connection of its own; its result, or the error it raised, lands in outcomes."""

    def run() -> None:
        try:
            outcomes[name] = work()
        except Exception as exc:
            outcomes[name] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_verdicts_are_saved_while_a_large_article_is_imported(reviewer, reviewer2, seed_article, monkeypatch):
    """An article as large as FACTCHECK_MAX_ARTICLE_BYTES allows (1 MB), in one paragraph, takes
    seconds to segment. Three reviewers save verdicts on another article while it is segmented,
    then again as its inserts begin: every save and the import succeed. To make the order certain,
    segmentation (a pure function; the database is not touched) signals when it starts and
    returns only once the first saves are done, so those saves complete while the import runs.
    Were segmentation inside the import's transaction, they would wait for SQLite's write lock
    until the busy timeout and fail. The second saves usually meet the import's inserts: SQLite
    makes them wait for its write lock; PostgreSQL, which locks rows, lets them through."""
    body = SENTENCE * (settings.FACTCHECK_MAX_ARTICLE_BYTES // len(SENTENCE))
    others = [reviewer2, *(UserFactory(username=f"reviewer{n}", groups=[roles.REVIEWERS_GROUP]) for n in (3, 4))]
    payloads = {index: create_payload(seed_article, index) for index in range(12)}
    # Two verdicts per reviewer and wave: indexes 0-5 while segmenting, 6-11 as the inserts begin.
    waves = {
        wave: {user: [first + 2 * n, first + 2 * n + 1] for n, user in enumerate(others)}
        for wave, first in (("segmenting", 0), ("inserting", 6))
    }

    segmenting, first_saves_done, inserting = threading.Event(), threading.Event(), threading.Event()

    def split_sentences(text: str, language: str):
        segmenting.set()
        spans = segmentation.split_sentences(text, language)
        first_saves_done.wait(HANG)
        inserting.set()
        return spans

    monkeypatch.setattr(services, "split_sentences", split_sentences)

    def save(user, indexes: list[int]) -> Callable[[], list[tuple[int, object]]]:
        def work() -> list[tuple[int, object]]:
            client = api(user)
            answers = [client.post(reverse("api:annotation-list"), payloads[i], format="json") for i in indexes]
            return [(answer.status_code, answer.json().get("quote", answer.json())) for answer in answers]

        return work

    def import_article() -> Article:
        return services.article_import(title="A long article", body=body, imported_by=reviewer)

    outcomes: dict[str, object] = {}
    importing = in_thread(import_article, outcomes, "import")
    assert segmenting.wait(HANG)
    first_wave = [
        in_thread(save(user, indexes), outcomes, f"segmenting {user}") for user, indexes in waves["segmenting"].items()
    ]
    for thread in first_wave:
        thread.join(HANG)
    import_running_after_first_saves = importing.is_alive()
    article_stored_before_first_saves = Article.objects.filter(body_sha256=services.body_sha256(body)).exists()
    first_saves_done.set()
    assert inserting.wait(HANG)
    second_wave = [
        in_thread(save(user, indexes), outcomes, f"inserting {user}") for user, indexes in waves["inserting"].items()
    ]
    for thread in [*second_wave, importing]:
        thread.join(HANG)

    assert (import_running_after_first_saves, article_stored_before_first_saves) == (True, False)
    quote = {index: payload["quote"] for index, payload in payloads.items()}
    assert {name: result for name, result in outcomes.items() if name != "import"} == {
        f"{wave} {user}": [(201, quote[index]) for index in indexes]
        for wave, saves in waves.items()
        for user, indexes in saves.items()
    }
    article = outcomes["import"]
    assert isinstance(article, Article), article
    assert article.sentences.count() == len(body) // len(SENTENCE)
    assert sorted(Annotation.objects.filter(article=seed_article).values_list("quote", "author__username")) == sorted(
        (quote[index], user.username)
        for saves in waves.values()
        for user, indexes in saves.items()
        for index in indexes
    )


@pytest.mark.django_db(transaction=True)
def test_two_links_to_one_earlier_verdict_at_once_make_one_claim(reviewer, reviewer2, seed_article):
    """Two reviewers say "same claim as" the same earlier verdict, which is in no claim yet, at the
    same moment. Each claim_link locks both verdict rows (in id order) and reads the earlier one's
    claim again under the lock (PostgreSQL: row locks; SQLite: IMMEDIATE transactions), so the
    second waits, finds the first's claim and joins it: one claim of three, never two claims."""
    earlier = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    services.annotation_submit(annotation=earlier, actor=reviewer, version=1)
    mine = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 1)
    )
    theirs = services.annotation_create(
        article=seed_article, author=reviewer2, status="alleged", **sentence_span(seed_article, 2)
    )
    start = threading.Barrier(2)

    def link(annotation, actor) -> Callable[[], int]:
        def work() -> int:
            start.wait(HANG)
            return services.claim_link(annotation=annotation, earlier=earlier, actor=actor).pk

        return work

    outcomes: dict[str, object] = {}
    threads = [
        in_thread(link(mine, reviewer), outcomes, "mine"),
        in_thread(link(theirs, reviewer2), outcomes, "theirs"),
    ]
    for thread in threads:
        thread.join(HANG)
    assert outcomes["mine"] == outcomes["theirs"]
    claims = set(Annotation.objects.filter(pk__in=[earlier.pk, mine.pk, theirs.pk]).values_list("claim_id", flat=True))
    assert claims == {outcomes["mine"]}
