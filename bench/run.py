"""`make bench`: factcheck's performance figures, printed as one JSON document on standard output.

For SQLite (a file in a temporary directory) and PostgreSQL (a database created for the run and
dropped after it), in turn: migrate; seed; export 10,000 then 100,000 annotations with
`manage.py export_annotations` (one process per CPU, its default), and 100,000 again with
`--jobs 1`; time the article page in process; re-anchor a corrected article of 5,000 words with
500 verdicts (bench/reanchor.py); then, under gunicorn, the
cheapest authenticated endpoint, annotation creates through the API and an article's 500
annotations. Then, in a database of its own, the desk search at newsroom size (bench/search.py:
10,000 articles, 100,000 verdicts, the search index's migration, search and creates; and the desk
dashboard, GET /desk/, issue 18); `--only search` (`make bench-search`) runs that part alone.
Progress goes to standard error. Every process started here is stopped, and the temporary files
and the PostgreSQL databases are removed, also when something fails.
"""

import argparse
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
from search import bench_search
from server import Gunicorn
from steps import STARTED, django_script, log, manage, timed
from targets import evaluate, evaluate_search, evaluate_segmentation


def bench_database(vendor: str, database_url: str, workdir: Path, *, search: bool = False) -> dict:
    before, began = noise.sample(), time.monotonic()
    result = (bench_search if search else _bench_database)(vendor, database_url, workdir)
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["search"], help="only the desk search at newsroom size (bench/search.py)")
    only = parser.parse_args(argv).only
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    report = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "make bench-search" if only else "make bench",
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
            "search": "10,000 articles of at least 3,500 characters (3,723 on average), 100,000 verdicts (a fifth "
            "drafts) of 50 reviewers with their review events over 60 days, 2,000 assignments, 400 sources; "
            "40 queries per type, one untimed pass and two timed; GET /desk/ 2 untimed, 20 timed",
        },
        "databases": {},
        "search": {},
    }
    failed = False
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp:
        workdir = Path(tmp)
        for vendor, database, search_database in (
            ("sqlite", databases.sqlite_database(workdir), databases.sqlite_database(workdir, "search")),
            ("postgresql", databases.postgres_database(), databases.postgres_database("search")),
        ):
            # The desk search has a database of its own: 10,000 articles would change every other figure.
            for key, chosen, search in (("databases", database, False), ("search", search_database, True)):
                if only and not search:
                    continue
                try:
                    with chosen as database_url:
                        report[key][vendor] = bench_database(vendor, database_url, workdir, search=search)
                except Exception as exc:
                    failed = True
                    traceback.print_exc()
                    report[key][vendor] = {"error": f"{type(exc).__name__}: {exc}"}
    if only:
        report["segmentation"] = {"skipped": "--only search"}
    else:
        failed = segmentation(report) or failed
    report["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    report["source_at_end"] = source_state()
    if report["source_at_end"] != report["source"]:
        log("warning: the app's code changed during the run; the figures mix two versions")
    report["targets"] = (
        [] if only else evaluate(report["databases"]) + evaluate_segmentation(report["segmentation"])
    ) + evaluate_search(report["search"])
    report["total_seconds"] = round(time.monotonic() - STARTED, 1)
    log(f"done in {report['total_seconds']} s")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if failed else 0


def segmentation(report: dict) -> bool:
    """Segmentation needs no database; True if it failed."""
    try:
        log("segmentation: 1 MB single paragraphs and 200 demo articles, in process")
        report["segmentation"] = django_script(dict(os.environ), "segment.py")
    except Exception as exc:
        traceback.print_exc()
        report["segmentation"] = {"error": f"{type(exc).__name__}: {exc}"}
        return True
    return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
