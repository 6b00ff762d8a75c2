"""The article page's server time, in process: GET /articles/<id>/ through django.test.Client as a reviewer.

    python bench/page.py --article ID --username NAME [--small-article ID] [--requests 50]

Prints one JSON object: p50/p95/mean milliseconds over the timed requests, the SQL query count
of one request (also for a smaller article, to show whether the count depends on the data size),
and the response size.
"""

import argparse
import json
import sys
import time

import djangoenv
from stats import summarize

WARMUP = 3
TIME_CAP_SECONDS = 30.0


def page_stats(*, article_id: int, username: str, requests: int, small_article_id: int | None) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    url = f"/articles/{article_id}/"

    def get(path: str):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}, expected 200.")
        return response

    for _ in range(WARMUP):
        get(url)
    with CaptureQueriesContext(connection) as queries:
        response = get(url)
    result = {"url": url, "queries": len(queries), "response_bytes": len(response.content)}
    if small_article_id:
        with CaptureQueriesContext(connection) as small:
            get(f"/articles/{small_article_id}/")
        result["queries_small_article"] = len(small)

    timings = []
    deadline = time.perf_counter() + TIME_CAP_SECONDS
    while len(timings) < requests and time.perf_counter() < deadline:
        started = time.perf_counter()
        get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return result | summarize(timings)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", type=int, required=True)
    parser.add_argument("--small-article", type=int)
    parser.add_argument("--username", required=True)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)
    djangoenv.setup()
    result = page_stats(
        article_id=args.article,
        username=args.username,
        requests=args.requests,
        small_article_id=args.small_article,
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
