"""Imports through the API, under gunicorn with the import worker (`manage.py db_worker`) running:

- 200 articles of 3,600 characters in one upload (POST /api/v1/imports/), timed from the request
  to the import's `done` (its state read every 50 ms); three uploads of new texts, the median kept.
  doccano, on the same machine: about 87 articles/s in one upload (issue "Hardening").
- a 1 MB single-paragraph article (POST /api/v1/articles/, 202: imported in the background) while
  a reviewer saves verdicts one after another on another article: how many saves failed, and the
  slowest save, which waited for the import's inserts if any did.
"""

from contextlib import contextmanager
from datetime import datetime
import json
import statistics
import subprocess
import time

import config
from load import Client, Request
from server import Gunicorn

ARTICLES = 200
ARTICLE_CHARS = 3_600
UPLOADS = 3
POLL_SECONDS = 0.05
IMPORT_TIMEOUT = 120.0
DOCCANO_ARTICLES_PER_S = 87
SENTENCE = "Lock demo sentence number x is here. "


@contextmanager
def import_worker(env: dict[str, str], log_path):
    """`manage.py db_worker`, as production runs it beside the web server, checking for work every 0.1 s."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(config.PYTHON), "manage.py", "db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay"],
            cwd=config.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def article_bodies(demo_body: str, upload: int) -> list[str]:
    """ARTICLES different texts of ARTICLE_CHARS characters: the demo article and a numbered last line."""
    bodies = []
    for number in range(ARTICLES):
        line = f"\nThis is copy {number} of upload {upload} for the benchmark. "
        filler = ARTICLE_CHARS - len(demo_body) - len(line)
        bodies.append(demo_body + line + ("More text follows here. " * (filler // 24 + 1))[:filler].rstrip())
    return bodies


def wait_until_finished(client: Client, location: str) -> dict:
    deadline = time.monotonic() + IMPORT_TIMEOUT
    while time.monotonic() < deadline:
        job = client.json("GET", location)
        if job["state"] in {"done", "failed"}:
            return job
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{location} not finished after {IMPORT_TIMEOUT:.0f} s")


def _between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def post(client: Client, path: str, payload: dict) -> tuple[int, dict, str]:
    client.connection.request("POST", path, body=json.dumps(payload).encode(), headers=client.headers)
    response = client.connection.getresponse()
    return response.status, json.loads(response.read()), response.getheader("Location", "")


def import_stats(server: Gunicorn, *, token: str, demo_article: dict, make_create) -> dict:
    client = Client(server.port, token)
    try:
        seconds, parts = [], []
        for upload in range(UPLOADS):
            payload = {
                "articles": [
                    {"title": f"Bench upload {upload} article {n}", "body": body}
                    for n, body in enumerate(article_bodies(demo_article["body"], upload))
                ]
            }
            began = time.perf_counter()
            status, job, location = post(client, "/api/v1/imports/", payload)
            answered = time.perf_counter() - began
            if status not in {201, 202}:
                raise RuntimeError(f"POST /api/v1/imports/ answered {status}: {str(job)[:300]}")
            job = wait_until_finished(client, location)
            seconds.append(time.perf_counter() - began)
            parts.append(
                {
                    "request_s": round(answered, 2),
                    "waiting_s": round(_between(job["created_at"], job["started_at"]), 2),
                    "worker_s": round(_between(job["started_at"], job["finished_at"]), 2),
                }
            )
            if job["state"] != "done" or len(job["articles"]) != ARTICLES:
                raise RuntimeError(f"the upload ended {job['state']} with {len(job['articles'])} articles")
        median = statistics.median(seconds)
        upload_result = {
            "articles": ARTICLES,
            "characters_each": ARTICLE_CHARS,
            "seconds": [round(s, 2) for s in seconds],
            "parts": parts,
            "articles_per_s": round(ARTICLES / median, 1),
            "doccano_articles_per_s": DOCCANO_ARTICLES_PER_S,
        }
        return {"upload_200": upload_result, "saves_during_1mb_import": _saves_during_large_import(client, make_create)}
    finally:
        client.close()


def _saves_during_large_import(client: Client, make_create) -> dict:
    size = 1_000_000  # FACTCHECK_MAX_ARTICLE_BYTES's default
    body = (SENTENCE * (size // len(SENTENCE) + 1))[: size - 100]
    status, job, location = post(client, "/api/v1/articles/", {"title": "Bench 1 MB paragraph", "body": body})
    if status != 202:
        raise RuntimeError(f"the 1 MB article answered {status}, expected 202: {str(job)[:300]}")
    statuses, latencies, number = [], [], 0
    began = time.perf_counter()
    while True:
        job = client.json("GET", location)
        if job["state"] in {"done", "failed"}:
            break
        request: Request = make_create(number)
        number += 1
        sent = time.perf_counter()
        answer, _ = client.send(request)
        latencies.append(time.perf_counter() - sent)
        statuses.append(answer)
        time.sleep(0.05)
    return {
        "import_state": job["state"],
        "import_seconds": round(time.perf_counter() - began, 2),
        "saves": len(statuses),
        "failed": sum(1 for answer in statuses if answer != 201),
        "slowest_save_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "median_save_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
    }
