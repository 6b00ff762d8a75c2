"""`make bench`: factcheck's performance figures, printed as one JSON document on standard output.

For SQLite (a file in a temporary directory) and PostgreSQL (a database created for the run and
dropped after it), in turn: migrate; seed; export 10,000 then 100,000 annotations with
`manage.py export_annotations` (one process per CPU, its default), and 100,000 again with
`--jobs 1`; time the article page in process; re-anchor a corrected article of 5,000 words with
500 verdicts (bench/reanchor.py); then, under gunicorn, the
cheapest authenticated endpoint, annotation creates through the API and an article's 500
annotations. Progress goes to standard error. Every process started here is stopped, and the
temporary files and the PostgreSQL database are removed, also when something fails.
"""

from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import version
import json
import os
from pathlib import Path
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

import api
import config
import databases
from export import export_stats
import imports
from load import Client, obtain_token
import noise
from server import Gunicorn
from targets import evaluate, evaluate_segmentation

STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def django_script(env: dict[str, str], script: str, *args: str) -> dict:
    """Run bench/<script> in its own process (it reads DATABASE_URL at start-up); return its JSON."""
    result = subprocess.run(
        [str(config.PYTHON), str(config.BENCH / script), *args],
        cwd=config.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench/{script} {' '.join(args)} exited with {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(config.PYTHON), "manage.py", *args], cwd=config.ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} exited with {result.returncode}:\n{result.stderr[-2000:]}")


@contextmanager
def timed(timings: dict[str, float], name: str):
    began = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - began, 2)


def bench_database(vendor: str, database_url: str, workdir: Path) -> dict:
    before, began = noise.sample(), time.monotonic()
    result = _bench_database(vendor, database_url, workdir)
    result["wall_seconds"] = round(time.monotonic() - began, 1)
    result["machine_cpu"] = noise.since(before)
    return result


def _bench_database(vendor: str, database_url: str, workdir: Path) -> dict:
    env = config.django_env(database_url)
    setup: dict[str, float] = {}
    log(f"{vendor}: migrate")
    with timed(setup, "migrate"):
        manage(env, "migrate", "--no-input")
    with timed(setup, "seed_base"):
        base = django_script(env, "seed.py", "base")
    reviewer = base["users"]["reviewer"]["username"]

    exports, seeded, first_copy, per_copy = {}, 0, None, None
    for size in config.EXPORT_SIZES:
        log(f"{vendor}: seed {size - seeded:,} annotations, then export {size:,}")
        with timed(setup, f"seed_{size}"):
            volume = django_script(env, "seed.py", "volume", "--add", str(size - seeded))
            if vendor == "postgresql":
                databases.vacuum_analyze(database_url)
        seeded = size
        first_copy = first_copy or volume["first_article_id"]
        per_copy = volume["annotations_per_article"]
        exports[str(size)] = export_stats(env=env, workdir=workdir, expected=size)
        log(f"{vendor}: exported {size:,} in {exports[str(size)]['seconds']} s")
    # The same export by one process (the figures above use one process per CPU, the default).
    largest = config.EXPORT_SIZES[-1]
    log(f"{vendor}: export {largest:,} in one process")
    exports[f"{largest}_one_process"] = export_stats(
        env=env, workdir=workdir, expected=largest, options=("--jobs", "1")
    )
    # Nothing is a draft yet: start-up, system checks and the per-article queries, without annotations.
    exports["empty_selection"] = export_stats(env=env, workdir=workdir, expected=0, options=("--state", "draft"))

    with timed(setup, "seed_page"):
        page_article = django_script(env, "seed.py", "page")
        if vendor == "postgresql":
            databases.vacuum_analyze(database_url)
    log(f"{vendor}: article page, {config.PAGE_REQUESTS} requests in process")
    page = django_script(
        env,
        "page.py",
        "--article",
        str(page_article["article_id"]),
        "--small-article",
        str(first_copy),
        "--username",
        reviewer,
        "--requests",
        str(config.PAGE_REQUESTS),
    )
    page["article"] = page_article
    page["small_article_annotations"] = per_copy
    log(f"{vendor}: re-anchoring 5,000 words with 500 verdicts after a correction")
    reanchoring = django_script(env, "reanchor.py")

    log(f"{vendor}: gunicorn")
    with (
        Gunicorn(env=env, log_path=workdir / f"gunicorn-{vendor}.log") as server,
        imports.import_worker(env, workdir / f"worker-{vendor}.log"),
    ):
        api_result = api.api_stats(
            server,
            username=reviewer,
            password=base["password"],
            demo_article_id=base["demo_article_id"],
            page_article_id=page_article["article_id"],
        )
        log(f"{vendor}: imports through the API (200 articles in one upload; saves during a 1 MB import)")
        token = obtain_token(server.port, reviewer, base["password"])
        client = Client(server.port, token)
        try:
            demo = client.json("GET", f"/api/v1/articles/{base['demo_article_id']}/")
        finally:
            client.close()
        import_result = imports.import_stats(
            server, token=token, demo_article=demo, make_create=api.create_requests(demo)[1]
        )
    return {
        "setup_seconds": setup,
        "article_page": page,
        "api": api_result,
        "imports": import_result,
        "export": exports,
        "reanchor": reanchoring,
    }


def source_state() -> dict:
    """The commit measured, and whether the app's files differ from it (they are being worked on)."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=config.ROOT, capture_output=True, text=True)
        return result.stdout.strip()

    changed = git("status", "--porcelain", "--", "annotations", "factcheck", "templates")
    return {"commit": git("rev-parse", "--short", "HEAD"), "app_files_changed": changed.splitlines()}


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": databases.postgres_version(),
        "sqlite": sqlite3.sqlite_version,
        "django": version("Django"),
        "djangorestframework": version("djangorestframework"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
    }


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    report = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "make bench",
        "machine": machine(),
        "source": source_state(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "sizes": {
            "article_page": "200 sentences, 500 annotations with 2 sources each",
            "page_requests": config.PAGE_REQUESTS,
            "http_requests_per_measurement": config.HTTP_REQUESTS,
            "http_time_cap_s": config.HTTP_TIME_CAP,
            "http_warmup_requests": config.HTTP_WARMUP,
            "list_requests": config.LIST_REQUESTS,
            "list_warmup_requests": config.LIST_WARMUP,
            "export_annotations": list(config.EXPORT_SIZES),
            "export_annotations_per_article": "100 (copies of the demo article, 2 source links and 2-3 events each)",
        },
        "databases": {},
    }
    failed = False
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp:
        workdir = Path(tmp)
        for vendor, database in (
            ("sqlite", databases.sqlite_database(workdir)),
            ("postgresql", databases.postgres_database()),
        ):
            try:
                with database as database_url:
                    report["databases"][vendor] = bench_database(vendor, database_url, workdir)
            except Exception as exc:
                failed = True
                traceback.print_exc()
                report["databases"][vendor] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        log("segmentation: 1 MB single paragraphs and 200 demo articles, in process")
        report["segmentation"] = django_script(dict(os.environ), "segment.py")
    except Exception as exc:
        failed = True
        traceback.print_exc()
        report["segmentation"] = {"error": f"{type(exc).__name__}: {exc}"}
    report["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    report["source_at_end"] = source_state()
    if report["source_at_end"] != report["source"]:
        log("warning: the app's code changed during the run; the figures mix two versions")
    report["targets"] = evaluate(report["databases"]) + evaluate_segmentation(report["segmentation"])
    report["total_seconds"] = round(time.monotonic() - STARTED, 1)
    log(f"done in {report['total_seconds']} s")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
