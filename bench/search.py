"""Desk search at newsroom size (issue 17): 10,000 articles of at least 3,500 characters (3,723 on
average) with their 352,000 sentences, 400 sources and 100,000 verdicts (six reviewers, a fifth
of them drafts, every state), in a database of its own per engine.

    python bench/search.py seed [--articles 10000] [--verdicts 100000]   (migrated to 0012)
    python bench/search.py measure                                       (migrated to the end)
    python bench/search.py queries                                       (the 40 queries, seeded)

Each runs inside Django against DATABASE_URL and prints one JSON object. `bench_search()` is the
whole measurement for one engine, called by bench/run.py: migrate to 0012 (no search index), seed,
time `manage.py migrate annotations 0013` (the index built over everything seeded), migrate to the
end, then in process `selectors.desk_search` for 40 queries of one to four words of each type as
a reviewer with drafts of their own (one untimed pass, then two timed), `selectors.similar_verdicts`
for 20 sentences when it exists, and under gunicorn GET /api/v1/search/ for the same queries and
verdict creates through the API (the create targets, on this database with its index).

The text is made of words drawn by Zipf's law from a vocabulary of 20,000: English stop words, real
words, then made-up ones, with a name in about every fourth sentence, so that a query may match
almost every article, a few, or none.
"""

import argparse
from dataclasses import dataclass
from datetime import date, timedelta
import hashlib
import itertools
import json
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
REVIEWERS = 6
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


# --- Seeding (at migration 0012: no search index yet) ----------------------------------------------


def seed(*, articles: int, verdicts: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Count
    from seed import Verdict, bulk_annotations

    from annotations import db
    from annotations.models import Annotation, Article, Sentence, Source

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

    def verdict_of(pk: int) -> Verdict:
        local = random.Random(pk)
        status = STATUSES[pk % len(STATUSES)]
        return Verdict(
            author=reviewers[pk % REVIEWERS],
            state=STATES[(pk // REVIEWERS) % len(STATES)],
            status=status,
            claimant=local.choice(text.names) if status != "unverified" else "",
            denied_by=local.choice(text.names) if status == "denied" else "",
            note=sentence(local, text),
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
    if vendor == "postgresql":
        with timed(setup, "vacuum_analyze_after_0013"):
            databases.vacuum_analyze(database_url)
    log(f"{vendor} search: desk_search in process")
    in_process = django_script(env, "search.py", "measure")
    asked = in_process["queries"]

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
    args = parser.parse_args(argv)
    djangoenv.setup()
    if args.command == "seed":
        result = seed(articles=args.articles, verdicts=args.verdicts)
    elif args.command == "measure":
        result = measure()
    else:
        result = {"queries": queries(corpus(), sample_sentences())}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
