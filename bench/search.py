"""Desk search at newsroom size (issue 17) and the desk dashboard (issue 18): 10,000 articles of at
least 3,500 characters (3,723 on average) with their 352,000 sentences, 400 sources and 100,000
verdicts (50 reviewers, a fifth of them drafts, every state, with their review events over the
last 60 days: returns, resubmissions, reopenings), 2,000 assignments, in a database of its own
per engine.

    python bench/search.py seed [--articles 10000] [--verdicts 100000]   (migrated to 0012)
    python bench/search.py measure                                       (migrated to the end)
    python bench/search.py queries                                       (the 40 queries, seeded)
    python bench/search.py assignments                                   (migrated to the end)
    python bench/search.py desk                                          (GET /desk/, seeded)

Each runs inside Django against DATABASE_URL and prints one JSON object. `bench_search()` is the
whole measurement for one engine, called by bench/run.py: migrate to 0012 (no search index), seed,
time `manage.py migrate annotations 0013` (the index built over everything seeded), migrate to the
end, then in process `selectors.desk_search` for 40 queries of one to four words of each type as
a reviewer with drafts of their own (one untimed pass, then two timed), `selectors.similar_verdicts`
for 20 sentences when it exists, GET /desk/ as the editor, and under gunicorn GET /api/v1/search/
for the same queries and verdict creates through the API (the create targets, on this database
with its index). The seed writes events as 0012 knew them: the submission each decision answers
(what /desk/'s waits read) is filled in by migration 0023's backfill, as in an upgraded database.

The text is made of words drawn by Zipf's law from a vocabulary of 20,000: English stop words, real
words, then made-up ones, with a name in about every fourth sentence, so that a query may match
almost every article, a few, or none.
"""

import argparse
from dataclasses import dataclass
from datetime import date, datetime, timedelta
import hashlib
import itertools
import json
import math
import os
from pathlib import Path
import random
import statistics
import sys
import time
from urllib.parse import urlencode

import config
import djangoenv
from spans import spans_of
from stats import summarize

ARTICLES = 10_000
VERDICTS = 100_000
SOURCES = 400
ARTICLE_CHARS = 3_500
VOCABULARY = 20_000
REVIEWERS = 50  # six until the desk dashboard was measured here (issue 18)
REVIEW_DAYS = 60  # verdicts were written and reviewed over the last 60 days
ASSIGNMENTS_PER_REVIEWER = 40
DESK_REQUESTS = int(os.environ.get("DESK_REQUESTS", 20))
PASSWORD = "bench-only-password"
USERNAME = "bench-search-reviewer-{}"
EDITOR = "bench-search-editor"
SEED = 17
PASSES = 2  # timed passes over the queries, after one untimed
SIMILAR_SENTENCES = 20
TYPES = ("verdict", "article", "source")
# Of every 20 verdicts: 4 drafts, 5 submitted, 9 approved, 2 returned for changes.
STATES = ["draft"] * 4 + ["submitted"] * 5 + ["approved"] * 9 + ["changes_requested"] * 2
STATUSES = ["alleged", "denied", "unverified", "evidenced"]
STOP_WORDS = [
    *("the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "was", "with", "as", "by", "it", "at"),
    *("from", "said", "has", "have", "be", "are", "an", "this", "which", "not", "but", "his", "her", "their"),
    *("will", "were", "been", "had", "its", "also", "who", "after", "more", "than", "would", "about", "into"),
    *("over", "there", "one", "they"),
]
PUBLISHERS = [
    f"The {place} {paper}"
    for place, paper in itertools.product(
        ("Lahore", "Karachi", "Northern", "Coastal", "Daily", "Evening"),
        ("Times", "Herald", "Post", "Observer", "Star"),
    )
]


# --- The text --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    words: list[str]
    weights: list[float]  # cumulative, Zipf's law by rank
    names: list[str]

    def draw(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.weights, k=count)


def corpus() -> Corpus:
    """Stop words first, then real English words (Faker's word list, factory_boy's dependency, and
    the demo article's), then pronounceable made-up words; names from Faker's lists."""
    from faker.providers.lorem.en_US import Provider as Lorem
    from faker.providers.person.en_US import Provider as Person

    rng = random.Random(SEED)
    demo = (djangoenv.ROOT / "annotations" / "demo_data" / "huawei-pakistan.txt").read_text(encoding="utf-8")
    real = {word.lower() for word in [*Lorem.word_list, *demo.split()] if word.isalpha() and len(word) > 2}
    real = sorted(real - set(STOP_WORDS))
    rng.shuffle(real)
    seen = set(STOP_WORDS) | set(real)
    made_up = []
    onsets = [*"bcdfghklmnprstvz", "br", "ch", "dr", "st", "tr"]
    vowels = [*"aeiou", "ai", "ou"]
    while len(STOP_WORDS) + len(real) + len(made_up) < VOCABULARY:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 4))) + rng.choice("nlrsx")
        if word not in seen:
            seen.add(word)
            made_up.append(word)
    words = [*STOP_WORDS, *real, *made_up]
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    first, last = sorted(Person.first_names), sorted(Person.last_names)
    names = [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(60)]
    return Corpus(words=words, weights=weights, names=names)


def sentence(rng: random.Random, text: Corpus) -> str:
    words = text.draw(rng, rng.randint(8, 24))
    if rng.random() < 0.25:
        words.insert(rng.randrange(len(words)), rng.choice(text.names))
    said = " ".join(words)
    return said[0].upper() + said[1:] + "."


def article_text(rng: random.Random, text: Corpus) -> tuple[str, list[tuple[int, int, int, int]]]:
    """A body of about ARTICLE_CHARS characters in paragraphs of three to five sentences, and its
    sentences as (index, paragraph, start, end)."""
    paragraphs, sentences, length, index = [], [], 0, 0
    while length < ARTICLE_CHARS:
        parts = []
        for _ in range(rng.randint(3, 5)):
            said = sentence(rng, text)
            start = length + sum(len(part) + 1 for part in parts)
            sentences.append((index, len(paragraphs), start, start + len(said)))
            parts.append(said)
            index += 1
        paragraph = " ".join(parts)
        paragraphs.append(paragraph)
        length += len(paragraph) + 1
    return "\n".join(paragraphs), sentences


def queries(text: Corpus, sentences: list[str]) -> list[str]:
    """40 different queries: one word (common, middling or rare in the vocabulary), two to four
    words taken from one seeded sentence (so that they meet in some article), names; the last word
    of every third one cut to its first four letters (typed as a prefix)."""
    rng = random.Random(SEED + 1)
    content = text.words[len(STOP_WORDS) :]
    pools = (content[:60], content[60:2000], content[2000:12000])
    stop = set(STOP_WORDS)
    found: list[str] = []
    number = 0
    while len(found) < 40:
        if number % 10 == 9:
            name = rng.choice(text.names)
            query = name if number % 20 == 9 else name.split()[1]
        elif number % 4 == 0:
            query = rng.choice(pools[(number // 4) % len(pools)])
        else:
            said = [word.strip(".") for word in sentences[number % len(sentences)].split()]
            said = [word for word in said if word.lower() not in stop and len(word) > 2]
            chosen = sorted(rng.sample(range(len(said)), min(len(said), 1 + number % 4)))
            query = " ".join(said[index] for index in chosen)
        if number % 3 == 0 and len(query.split()[-1]) > 5:
            query = query[: len(query) - len(query.split()[-1]) + 4]
        if query not in found:
            found.append(query)
        number += 1
    return found


def sample_sentences() -> list[str]:
    """A sentence from every 250th seeded article (the third of each)."""
    from annotations.models import Article, Sentence

    ids = list(Article.objects.order_by("id").values_list("id", flat=True)[::250])
    bodies = dict(Article.objects.filter(id__in=ids).values_list("id", "body"))
    third = Sentence.objects.filter(article_id__in=ids, index=2).order_by("article_id")
    return [bodies[row.article_id][row.start : row.end] for row in third]


def review_history(local: random.Random, *, author: int, editor: int, state: str, now: datetime) -> tuple:
    """A verdict's events as the review workflow writes them, over the last REVIEW_DAYS days: created,
    submitted within hours, returned and resubmitted in one case of four (twice in one of twenty), then
    decided after a wait of hours to days (log-normal); one approval in twenty reopened and approved again."""
    at = now - timedelta(days=local.uniform(0, REVIEW_DAYS))
    steps = [(author, at, "create", "", "draft", "")]

    def step(actor: int, hours: float, action: str, from_state: str, to_state: str, comment: str = "") -> None:
        nonlocal at
        at += timedelta(hours=local.lognormvariate(math.log(hours), 1.0))
        steps.append((actor, at, action, from_state, to_state, comment))

    if state != "draft":
        step(author, 2, "submit", "draft", "submitted")
        for _ in range((local.random() < 0.25) + (local.random() < 0.2)):
            step(editor, 10, "request_changes", "submitted", "changes_requested", "Name a second source.")
            step(author, 6, "submit", "changes_requested", "submitted")
        if state == "approved":
            step(editor, 10, "approve", "submitted", "approved")
            if local.random() < 0.05:
                step(editor, 48, "reopen", "approved", "submitted", "A reader wrote in.")
                step(editor, 10, "approve", "submitted", "approved")
        elif state == "changes_requested":
            step(editor, 10, "request_changes", "submitted", "changes_requested", "Name a second source.")
    late = at - now + timedelta(minutes=local.uniform(1, 600))
    if late > timedelta(0):  # everything happened before now
        steps = [(actor, when - late, *rest) for actor, when, *rest in steps]
    return tuple(steps)


def seed_assignments() -> dict:
    """ASSIGNMENTS_PER_REVIEWER articles per reviewer: a quarter removed, the rest open, of those a
    third overdue, a third due later and a third without a date. (Assignments came with migration
    0017: this runs once the database is migrated to the end.)"""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from annotations.models import Article, Assignment

    users = get_user_model().objects
    reviewers = [users.get(username=USERNAME.format(number)).pk for number in range(1, REVIEWERS + 1)]
    editor, today = users.get(username=EDITOR).pk, timezone.localdate()
    articles = list(Article.objects.order_by("id").values_list("id", flat=True))
    now, rows = timezone.now(), []
    for number, reviewer in enumerate(reviewers):
        for index in range(ASSIGNMENTS_PER_REVIEWER):
            article = articles[(number * 97 + index * 13) % len(articles)]
            removed = index % 4 == 3
            due = [today - timedelta(days=1 + index % 9), today + timedelta(days=1 + index % 9), None][index % 3]
            rows.append(
                Assignment(
                    article_id=article,
                    reviewer_id=reviewer,
                    due=due,
                    assigned_by_id=editor,
                    assigned_at=now - timedelta(days=10 + index % 20),
                    removed_by_id=editor if removed else None,
                    removed_at=now - timedelta(days=index % 9) if removed else None,
                )
            )
    Assignment.objects.bulk_create(rows)
    return {"assignments": len(rows), "open": Assignment.objects.filter(removed_at=None).count()}


# --- Seeding (at migration 0012: no search index yet) ----------------------------------------------


def seed(*, articles: int, verdicts: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone
    from seed import Verdict, bulk_annotations

    from annotations import db
    from annotations.models import Annotation, AnnotationEvent, Article, Sentence, Source

    began = time.perf_counter()
    rng = random.Random(SEED)
    text = corpus()
    user_model = get_user_model()
    reviewers_group, editors_group = Group.objects.get(name="Reviewers"), Group.objects.get(name="Editors")
    password = make_password(PASSWORD)  # once: hashing takes most of a second
    reviewers = []
    for number in range(1, REVIEWERS + 1):
        user = user_model.objects.create(username=USERNAME.format(number), password=password)
        user.groups.add(reviewers_group)
        reviewers.append(user.pk)
    editor = user_model.objects.create(username=EDITOR, password=password)
    editor.groups.add(editors_group)

    sources = []
    for number in range(SOURCES):
        title = sentence(rng, text)[:-1]
        publisher = PUBLISHERS[number % len(PUBLISHERS)]
        slug = "-".join(title.lower().split()[:4])
        url = f"https://{publisher.lower().replace(' ', '')}.example/{2020 + number % 6}/{slug}-{number}"
        sources.append(Source(url=url, title=title, publisher=publisher, created_by_id=reviewers[number % REVIEWERS]))
    Source.objects.bulk_create(sources)

    jobs, per_article = [], -(-verdicts // articles)
    for first in range(0, articles, 500):
        batch, sentence_rows = [], []
        for number in range(first, min(first + 500, articles)):
            body, spans = article_text(rng, text)
            title = sentence(rng, text)[:120].rstrip(".")
            batch.append(
                Article(
                    title=title,
                    body=body,
                    body_sha256=hashlib.sha256(body.encode()).hexdigest(),
                    publisher=PUBLISHERS[number % len(PUBLISHERS)],
                    published_at=date(2026, 1, 1) + timedelta(days=number % 330),
                    language="en",
                )
            )
            sentence_rows.append(spans)
        with transaction.atomic():
            Article.objects.bulk_create(batch)
            db.insert_sentences(
                [
                    (article.pk, *sentence)
                    for article, spans in zip(batch, sentence_rows, strict=True)
                    for sentence in spans
                ]
            )
        for article, spans in zip(batch, sentence_rows, strict=True):
            count = min(per_article, verdicts - len(jobs) * per_article)
            if count > 0:
                jobs.append((article.pk, article.body, spans_of(article.body, [(s[2], s[3]) for s in spans]), count))
    seeded_articles = time.perf_counter() - began

    now = timezone.now()

    def verdict_of(pk: int) -> Verdict:
        local = random.Random(pk)
        status = STATUSES[pk % len(STATUSES)]
        author, state = reviewers[pk % REVIEWERS], STATES[(pk // REVIEWERS) % len(STATES)]
        return Verdict(
            author=author,
            state=state,
            status=status,
            claimant=local.choice(text.names) if status != "unverified" else "",
            denied_by=local.choice(text.names) if status == "denied" else "",
            note=sentence(local, text),
            history=review_history(local, author=author, editor=editor.pk, state=state, now=now),
        )

    users = {"reviewer": reviewers[0], "reviewer2": reviewers[1], "editor": editor.pk}
    added = bulk_annotations(article_spans=jobs, users=users, verdict_of=verdict_of)
    return {
        "articles": Article.objects.count(),
        "mean_article_chars": round(sum(len(job[1]) for job in jobs) / max(1, len(jobs))),
        "sentences": Sentence.objects.count(),
        "sources": Source.objects.count(),
        "verdicts": added,
        "verdict_states": dict(Annotation.objects.order_by("state").values_list("state").annotate(n=Count("id"))),
        "reviewers": REVIEWERS,
        "events": AnnotationEvent.objects.count(),
        "articles_and_sentences_seconds": round(seeded_articles, 1),
        "seconds": round(time.perf_counter() - began, 1),
        "search_as": USERNAME.format(1),
    }


# --- Measuring (at migration 0013) ------------------------------------------------------------------


def _timed(call) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def measure() -> dict:
    """selectors.desk_search per type, and selectors.similar_verdicts if it exists, in process."""
    from django.contrib.auth import get_user_model

    from annotations import selectors
    from annotations.forms import SEARCH_PAGE
    from annotations.models import Article, Sentence

    viewer = get_user_model().objects.get(username=USERNAME.format(1))
    asked = queries(corpus(), sample_sentences())
    result = {"viewer": viewer.username, "queries": asked, "passes": PASSES}
    for type in TYPES:

        def search(query: str, type: str = type) -> list[dict]:
            return selectors.desk_search(viewer=viewer, query=query, type=type, limit=SEARCH_PAGE + 1)

        found = [len(search(query)) for query in asked]  # the untimed pass
        times = {query: [_timed(lambda query=query: search(query)) for _ in range(PASSES)] for query in asked}
        slowest = sorted(asked, key=lambda query: -statistics.median(times[query]))[:5]
        result[type] = summarize([ms for query in asked for ms in times[query]]) | {
            "queries_with_results": sum(1 for count in found if count),
            "queries_with_a_full_page": sum(1 for count in found if count > SEARCH_PAGE),
            "slowest_ms": {query: round(statistics.median(times[query]), 1) for query in slowest},
        }

    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    result["create_article_id"] = ids[0]
    similar = getattr(selectors, "similar_verdicts", None)
    if similar is None:
        result["similar_verdicts"] = {"measured": False, "why": "selectors.similar_verdicts is not on this commit"}
        return result
    chosen = ids[:: max(1, len(ids) // SIMILAR_SENTENCES)][:SIMILAR_SENTENCES]
    bodies = dict(Article.objects.filter(id__in=chosen).values_list("id", "body"))
    picks = []
    for article_id in chosen:
        middle = Sentence.objects.filter(article_id=article_id).order_by("index")[3]
        picks.append((article_id, bodies[article_id][middle.start : middle.end]))

    def similar_to(article_id: int, text: str) -> list:
        return list(similar(viewer=viewer, text=text, exclude_article=article_id, limit=5))

    found = [len(similar_to(*pick)) for pick in picks]
    timings = [_timed(lambda pick=pick: similar_to(*pick)) for _ in range(PASSES) for pick in picks]
    result["similar_verdicts"] = {"measured": True, "sentences": len(picks)} | summarize(timings)
    result["similar_verdicts"]["sentences_with_results"] = sum(1 for count in found if count)
    return result


def measure_desk() -> dict:
    """GET /desk/ in process (django.test.Client) as the editor: two untimed requests (the second
    counts the SQL queries), then DESK_REQUESTS timed; and the figures it shows (to compare code
    that computes them differently)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from annotations import selectors

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=EDITOR))

    def get() -> None:
        response = client.get("/desk/")
        if response.status_code != 200:
            raise RuntimeError(f"GET /desk/ answered {response.status_code}, expected 200.")

    get()
    with CaptureQueriesContext(connection) as captured:
        get()
    queries = len(captured)  # now: the next request empties the connection's log
    timings = [_timed(get) for _ in range(DESK_REQUESTS)]
    figures = selectors.desk_dashboard()
    return (
        {"queries": queries}
        | summarize(timings)
        | {
            "decisions": figures.decisions,
            "returned": figures.returned,
            "median_hours": figures.median_hours,
            "p90_hours": figures.p90_hours,
            "members": len(figures.reviewers),
            "open_assignments": sum(row["assigned_open"] for row in figures.reviewers),
            "overdue_assignments": sum(row["assigned_overdue"] for row in figures.reviewers),
        }
    )


# --- The whole measurement for one engine (called by bench/run.py) ---------------------------------


def bench_search(vendor: str, database_url: str, workdir: Path) -> dict:
    import api
    import databases
    from load import Client, Request, obtain_token
    from server import Gunicorn
    from steps import django_script, log, manage, timed

    env = config.django_env(database_url)
    setup: dict[str, float] = {}
    log(f"{vendor} search: migrate, back to 0012 (no search index)")
    manage(env, "migrate", "--no-input")
    manage(env, "migrate", "annotations", "0012", "--no-input")
    log(f"{vendor} search: seed {ARTICLES:,} articles and {VERDICTS:,} verdicts")
    with timed(setup, "seed"):
        seeded = django_script(env, "search.py", "seed")
        if vendor == "postgresql":
            databases.vacuum_analyze(database_url)
    log(f"{vendor} search: migrate annotations 0013 (builds the index)")
    with timed(setup, "migrate_0013"):
        manage(env, "migrate", "annotations", "0013", "--no-input")
    with timed(setup, "migrate_after_0013"):  # whatever later migrations there are (none yet)
        manage(env, "migrate", "--no-input")
    with timed(setup, "seed_assignments"):
        seeded["assignments"] = django_script(env, "search.py", "assignments")
    if vendor == "postgresql":
        with timed(setup, "vacuum_analyze_after_0013"):
            databases.vacuum_analyze(database_url)
    log(f"{vendor} search: desk_search in process")
    in_process = django_script(env, "search.py", "measure")
    asked = in_process["queries"]
    log(f"{vendor} search: GET /desk/ in process")
    desk = django_script(env, "search.py", "desk")

    log(f"{vendor} search: gunicorn, GET /api/v1/search/ and creates")
    http: dict = {}
    with Gunicorn(env=env, log_path=workdir / f"gunicorn-search-{vendor}.log") as server:
        token = obtain_token(server.port, seeded["search_as"], PASSWORD)
        for type in TYPES:
            paths = [f"/api/v1/search/?{urlencode({'q': query, 'type': type})}" for query in asked]
            http[type] = api.measure(
                server,
                token=token,
                make_request=lambda number, paths=paths: Request("GET", paths[number % len(paths)]),
                total=len(paths) * PASSES,
                concurrency=1,
                warmup=len(paths),
            )
        client = Client(server.port, token)
        try:
            article = client.json("GET", f"/api/v1/articles/{in_process['create_article_id']}/")
        finally:
            client.close()
        make_create = api.create_requests(article)[1]
        creates = {
            f"c{concurrency}": api.measure(
                server, token=token, make_request=make_create, total=config.HTTP_REQUESTS, concurrency=concurrency
            )
            for concurrency in config.CONCURRENCY
        }
    return {
        "setup_seconds": setup,
        "seeded": seeded,
        "migrate_0013_seconds": setup["migrate_0013"],
        "desk_search": {type: in_process[type] for type in TYPES},
        "api_search": http,
        "similar_verdicts": in_process["similar_verdicts"],
        "desk": desk,
        "create": creates,
        "queries": asked,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--articles", type=int, default=ARTICLES)
    seeding.add_argument("--verdicts", type=int, default=VERDICTS)
    commands.add_parser("measure")
    commands.add_parser("queries")
    commands.add_parser("assignments")
    commands.add_parser("desk")
    args = parser.parse_args(argv)
    djangoenv.setup()
    if args.command == "seed":
        result = seed(articles=args.articles, verdicts=args.verdicts)
    elif args.command == "measure":
        result = measure()
    elif args.command == "assignments":
        result = seed_assignments()
    elif args.command == "desk":
        result = measure_desk()
    else:
        result = {"queries": queries(corpus(), sample_sentences())}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
