"""Review decisions through the API, in process: what approving and returning a verdict costs now
that each one records a notification and queues its e-mail (issue 18).

    python bench/decisions.py [--verdicts 300]

Runs inside Django against DATABASE_URL (migrated). Records `--verdicts` submitted verdicts on an
article of its own, then, as an editor with a token, approves two thirds and returns one third
through `POST /api/v1/annotations/{id}/approve/` and `…/request-changes/` (DRF's test client: the
whole request path, no network), after 20 untimed ones. Prints one JSON object: per decision the
wall time's p50/p95 in ms, the CPU time's mean in ms and the number of queries, and what the
decisions left behind (notifications, e-mails queued)."""

import argparse
import json
import statistics
import time

import djangoenv

WARMUP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=300)
    args = parser.parse_args()
    djangoenv.setup()
    from bench_users import users
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from annotations import models, services
    from annotations.models import Sentence

    # Before issue 18 (for the before/after figures) there were no notifications to count.
    notified = getattr(models, "Notification", None)

    reviewer, editor = users()
    reviewer.email, editor.email = "reviewer@example.org", "editor@example.org"
    reviewer.save()
    editor.save()
    text = (djangoenv.ROOT / "annotations/demo_data/huawei-pakistan.txt").read_text()
    article = services.article_import(
        title="Bench decisions", body=f"{text}\nDecisions run {time.time_ns()}.", imported_by=None
    )
    spans = list(Sentence.objects.filter(article=article).values_list("start", "end"))
    verdicts = []
    for number in range(args.verdicts + WARMUP):
        start, end = spans[number % len(spans)]
        verdicts.append(
            services.annotation_create_and_submit(
                article=article, author=reviewer, status="alleged", start=start, end=end, quote=article.body[start:end]
            )
        )
    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(editor)
    before = notified.objects.count() if notified else 0
    walls, cpus, queries = [], [], []
    for number, verdict in enumerate(verdicts):
        returned = number % 3 == 2
        path = f"/api/v1/annotations/{verdict.pk}/{'request-changes' if returned else 'approve'}/"
        payload = {"version": verdict.version, **({"comment": "Cite the filing."} if returned else {})}
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            answer = client.post(path, payload, format="json")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code} {answer.content[:300]}")
        if number >= WARMUP:
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
            queries.append(len(captured))
    walls.sort()
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "decisions": len(walls),
                "p50_ms": round(statistics.median(walls), 2),
                "p95_ms": round(walls[int(0.95 * (len(walls) - 1))], 2),
                "cpu_mean_ms": round(statistics.mean(cpus), 2),
                "queries": sorted(set(queries)),
                "notifications": notified.objects.count() - before if notified else None,
                "emails_queued": notified.objects.filter(email="queued").count() if notified else None,
            }
        )
    )


if __name__ == "__main__":
    main()
