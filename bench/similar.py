"""Checked before's quality on the labelled set (tests/similar_corpus.py): recall@5 of the restated
claims, and whether the claims nobody checked find nothing.

    python bench/similar.py

Runs inside Django against a throwaway test database made from DATABASE_URL's (SQLite, or
PostgreSQL's `test_<name>`), created and destroyed by Django's test machinery, so no real data is
read or written. Prints one JSON object: {"recall_at_5", "pairs", "negatives_found_nothing",
"negatives", "database", "seconds"}.
"""

import json
import sys
import time

import djangoenv


def main() -> None:
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
                }
            )
        )
        for text, key, found in missed:
            print(f"missed {key}: {text} -> {found}", file=sys.stderr)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
