"""Fresh databases for one run: an SQLite file in the run's temporary directory, and a PostgreSQL
database created for the run and dropped afterwards, whatever happened."""

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import subprocess
from urllib.parse import urlsplit

import config


@contextmanager
def sqlite_database(workdir: Path, purpose: str = "") -> Iterator[str]:
    path = workdir / f"bench{'-' + purpose if purpose else ''}.sqlite3"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _pg_args() -> list[str]:
    parts = urlsplit(config.POSTGRES_URL)
    return ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]


@contextmanager
def postgres_database(purpose: str = "") -> Iterator[str]:
    """`factcheck_bench_[<purpose>_]<pid>`: a name no other run uses, so dropping it can only drop
    ours (FACTCHECK_BENCH_DATABASE_PREFIX replaces `factcheck_bench` on a shared server)."""
    name = f"{config.POSTGRES_DATABASE_PREFIX}_{purpose + '_' if purpose else ''}{os.getpid()}"
    _run(["createdb", *_pg_args(), name])
    try:
        yield f"{config.POSTGRES_URL}/{name}"
    finally:
        _run(["dropdb", *_pg_args(), "--if-exists", "--force", name])


def postgres_version() -> str:
    return _run(["psql", *_pg_args(), "-d", "postgres", "-AtXc", "SHOW server_version"]).strip()


def vacuum_analyze(database_url: str) -> None:
    """What autovacuum does soon after a bulk load, done before measuring so that it does not run
    during a measurement. Without statistics PostgreSQL plans `annotation_id IN (…)` as a parallel
    sequential scan (27 ms instead of 0.5 ms per export chunk)."""
    _run(["psql", database_url, "-qAtXc", "VACUUM (ANALYZE)"])


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}: {result.stderr.strip()}")
    return result.stdout
