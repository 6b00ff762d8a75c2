"""The API under gunicorn: the cheapest authenticated endpoint (the ceiling), annotation creates,
and listing an article's 500 annotations; requests/s, latency, and the CPU per request of the server
and of PostgreSQL."""

from collections.abc import Callable
import json

import config
from load import Client, Request, obtain_token, run
import noise
from server import Gunicorn
from spans import spans_of

CEILING_PATH = "/api/v1/sources/?page_size=1"
CREATE_STATUSES = ("alleged", "unverified")


def measure(
    server: Gunicorn,
    *,
    token: str,
    make_request: Callable[[int], Request],
    total: int,
    concurrency: int,
    warmup: int = config.HTTP_WARMUP,
) -> dict:
    """Warm up (not counted), then time `total` requests and read the CPU time of the server and of
    PostgreSQL around them."""
    if warmup:
        run(
            port=server.port,
            token=token,
            make_request=lambda number: make_request(total + number),
            total=warmup,
            concurrency=concurrency,
            time_cap=config.HTTP_TIME_CAP,
        )
    cpu_before, database_before = server.cpu_seconds(), noise.postgres_cpu_seconds()
    outcome = run(
        port=server.port,
        token=token,
        make_request=make_request,
        total=total,
        concurrency=concurrency,
        time_cap=config.HTTP_TIME_CAP,
    )
    cpu = server.cpu_seconds() - cpu_before
    database = noise.postgres_cpu_seconds() - database_before
    summary = outcome.summary()
    done = summary["requests"]
    summary["server_cpu_ms_per_request"] = round(cpu * 1000 / done, 2) if done else None
    # The PostgreSQL server's CPU in the same time (on SQLite's run it is idle: SQLite works inside
    # the gunicorn workers, so its share is in the server's CPU).
    summary["postgres_cpu_ms_per_request"] = round(database * 1000 / done, 2) if done else None
    return summary


def create_requests(article: dict) -> tuple[list[tuple[int, int]], Callable[[int], Request]]:
    """One span per request: the article's sentences, phrases inside them and their second halves."""
    body = article["body"]
    spans = spans_of(body, [(s["start"], s["end"]) for s in article["sentences"]])

    def make_request(number: int) -> Request:
        start, end = spans[number % len(spans)]
        payload = {
            "article": article["id"],
            "start": start,
            "end": end,
            "quote": body[start:end],
            "status": CREATE_STATUSES[number % len(CREATE_STATUSES)],
        }
        return Request("POST", "/api/v1/annotations/", json.dumps(payload).encode(), expect=201)

    return spans, make_request


def api_stats(server: Gunicorn, *, username: str, password: str, demo_article_id: int, page_article_id: int) -> dict:
    token = obtain_token(server.port, username, password)
    client = Client(server.port, token)
    try:
        article = client.json("GET", f"/api/v1/articles/{demo_article_id}/")
        listing_path = f"/api/v1/annotations/?article={page_article_id}&page_size=500"
        listed = len(client.json("GET", listing_path)["results"])
    finally:
        client.close()
    spans, make_create = create_requests(article)

    def make_ceiling(number: int) -> Request:
        return Request("GET", CEILING_PATH)

    result = {
        "server": " ".join(["gunicorn", *server.command[1:]]),
        "create_article": {"id": article["id"], "chars": len(article["body"]), "spans": len(spans)},
        "ceiling": {"path": CEILING_PATH},
        "create": {"path": "POST /api/v1/annotations/"},
    }
    for concurrency in config.CONCURRENCY:
        key = f"c{concurrency}"
        result["ceiling"][key] = measure(
            server, token=token, make_request=make_ceiling, total=config.HTTP_REQUESTS, concurrency=concurrency
        )
        result["create"][key] = measure(
            server, token=token, make_request=make_create, total=config.HTTP_REQUESTS, concurrency=concurrency
        )
        ceiling_rate = result["ceiling"][key]["requests_per_s"]
        create_rate = result["create"][key]["requests_per_s"]
        result["create"][key]["share_of_ceiling"] = round(create_rate / ceiling_rate, 3) if ceiling_rate else None
    result["list_500"] = {
        "path": listing_path,
        "annotations_listed": listed,
        **measure(
            server,
            token=token,
            make_request=lambda number: Request("GET", listing_path),
            total=config.LIST_REQUESTS,
            concurrency=1,
            warmup=config.LIST_WARMUP,
        ),
    }
    return result
