"""Paths, the environment of every process the benchmark starts, and the sizes it measures."""

import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.parent / "gunicorn"

# What `make bench` sets; filled in when bench/run.py is started by hand.
DJANGO_ENV = {
    "DJANGO_SECRET_KEY": "bench-only",
    "DJANGO_HTTPS": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    # One user sends thousands of requests a minute here, far above FACTCHECK_API_RATE_USER: with
    # the rate on, most would be refused with 429. The rate's own cost (a cache read and write) is
    # not measured.
    "FACTCHECK_API_RATE_USER": "off",
}

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"
POSTGRES_DATABASE_PREFIX = os.environ.get("FACTCHECK_BENCH_DATABASE_PREFIX", "factcheck_bench")

PAGE_REQUESTS = 50
HTTP_REQUESTS = 300
HTTP_TIME_CAP = 20.0
# Warm-up requests are not timed. Each of the 2 workers keeps its database connection, and on
# PostgreSQL a statement is prepared on its fifth run on a connection (DATABASE_PREPARED_STATEMENTS):
# until then it is planned on every run (about 3 ms for a listing's two statements). Which worker
# takes a request is up to the workers, so the warm-up gives each of them several.
HTTP_WARMUP = 20
LIST_WARMUP = 20
LIST_REQUESTS = 60
CONCURRENCY = (1, 4)
EXPORT_SIZES = (10_000, 100_000)
EXPORT_TIMEOUT = 120.0


def django_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in DJANGO_ENV.items():
        env.setdefault(name, value)
    env["DATABASE_URL"] = database_url
    env["PYTHONWARNINGS"] = "ignore:No directory at:UserWarning"
    return env
