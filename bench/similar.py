"""Checked before's quality on the labelled set (tests/similar_corpus.py): recall@5 of the restated
claims, and whether the claims nobody checked find nothing.

    python bench/similar.py [--noise N]

Runs inside Django against a throwaway test database made from DATABASE_URL's (SQLite, or
PostgreSQL's `test_<name>`), created and destroyed by Django's test machinery, so no real data is
read or written. Prints one JSON object: {"recall_at_5", "pairs", "negatives_found_nothing",
"negatives", "database", "seconds", "noise"}. `--noise N` first adds N verdicts on made-up
sentences of 12 words drawn from the claims' own words (the hardest kind of distractor for the
full-text step: every one shares words with many claims), to see whether the candidates still
reach the right verdict when many verdicts share the topic.
"""

import argparse
import json
import random
import re
import sys
import time

import djangoenv


def noise(*, count: int, author) -> None:
    from annotations import services
    from tests import similar_corpus
    from tests.factories import ArticleFactory

    rng = random.Random(17)
    words = sorted({word for text in similar_corpus.CLAIMS.values() for word in re.findall(r"[A-Za-z]+", text)})
    for first in range(0, count, 50):
        lines = [
            " ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(min(50, count - first))
        ]
        article = ArticleFactory(
            title=f"Noise {first}", body="\n".join(f"{line} Number {first + n}." for n, line in enumerate(lines))
        )
        for line in lines:
            start = article.body.index(line)
            verdict = services.annotation_create(
                article=article, author=author, status="alleged", start=start, end=start + len(line), quote=line
            )
            services.annotation_submit(annotation=verdict, actor=author, version=verdict.version)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--noise", type=int, default=0)
    arguments = parser.parse_args()
    djangoenv.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import setup_test_environment

    from annotations import roles, selectors
    from tests import similar_corpus
    from tests.factories import ArticleFactory

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        reviewers = Group.objects.get(name=roles.REVIEWERS_GROUP)
        author, viewer = (get_user_model().objects.create(username=username) for username in ("author", "viewer"))
        for user in (author, viewer):
            user.groups.add(reviewers)
        noise(count=arguments.noise, author=author)
        verdicts = similar_corpus.load(author=author)
        new = ArticleFactory(title="Today's story", body="\n".join(text for text, _, _ in similar_corpus.PAIRS))
        began = time.perf_counter()
        recall, missed = similar_corpus.recall_at_5(viewer=viewer, verdicts=verdicts, exclude_article=new.pk)
        seconds = time.perf_counter() - began
        quiet = sum(selectors.similar_verdicts(viewer=viewer, text=text) == [] for text in similar_corpus.NEGATIVES)
        print(
            json.dumps(
                {
                    "recall_at_5": round(recall, 4),
                    "pairs": len(similar_corpus.PAIRS),
                    "negatives_found_nothing": quiet,
                    "negatives": len(similar_corpus.NEGATIVES),
                    "database": connection.vendor,
                    "seconds": round(seconds, 3),
                    "noise": arguments.noise,
                }
            )
        )
        for text, key, found in missed:
            print(f"missed {key}: {text} -> {found}", file=sys.stderr)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
