"""manage.py backup / restore (annotations/backups.py) on the engine the suite runs on.

The main test backs up a populated database while another thread keeps saving verdicts through
the services, restores the backup into a new, empty database (SQLite: a new file; PostgreSQL: a
database created and dropped here) with the restore command, and compares the restored database's
native export with the export of the source *as of the backup*: the test holds the snapshot the
backup copies (SQLite: a read transaction on the connection the backup reads through; PostgreSQL:
pg_dump --snapshot of the test's repeatable-read transaction) and exports the source inside it, so
writes made after the snapshot are in neither. Real databases, real pg_dump and pg_restore.
"""

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import sqlite3
import subprocess
import sys
import threading
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
import psycopg
import pytest

from annotations import backups, services
from annotations.demo import create_demo_verdicts
from annotations.exporters import native, stream
from annotations.exporters.common import Selection
from annotations.models import Annotation, Article

from .conftest import sentence_span
from .factories import ArticleFactory

# A way out if a thread or a child hangs; a passing run never waits this long.
HANG = 120
MODELS = [get_user_model(), *apps.get_app_config("annotations").get_models()]


def without_generated_at(data: bytes) -> bytes:
    """An export without its one moment-dependent field, `generated_at` (as tests/test_exporters.py)."""
    start = data.index(b'"generated_at":"')
    return data[:start] + data[data.index(b'"', start + len(b'"generated_at":"')) + 1 :]


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """manage.py in a child process whose DATABASE_URL is `database_url` (the suite's other settings)."""
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=HANG,
        check=False,
    )


def table_counts_here() -> dict[str, int]:
    return {model._meta.db_table: model._default_manager.count() for model in MODELS}


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[tuple[str, object]]:
    """A new, empty database of the suite's engine: its DATABASE_URL and a function counting its tables' rows."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"

        def counts() -> dict[str, int]:
            with sqlite3.connect(path) as restored:
                return {
                    model._meta.db_table: restored.execute(f'SELECT count(*) FROM "{model._meta.db_table}"').fetchone()[
                        0
                    ]
                    for model in MODELS
                }

        yield f"sqlite:///{path}", counts
        return
    database = connection.settings_dict
    name = f"{database['NAME']}_restore"
    credentials = quote(database["USER"]) + (f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else "")
    url = f"postgres://{credentials}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def counts() -> dict[str, int]:
        with psycopg.connect(url) as restored:
            return {
                model._meta.db_table: restored.execute(f'SELECT count(*) FROM "{model._meta.db_table}"').fetchone()[0]
                for model in MODELS
            }

    try:
        yield url, counts
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def snapshot() -> Iterator[str]:
    """Hold one snapshot of the database on the test's connection; yields its PostgreSQL name.

    SQLite: a read transaction (the app's IMMEDIATE mode would take the write lock, so it is begun by
    hand); in WAL mode other connections keep writing. PostgreSQL: a repeatable-read transaction
    whose snapshot pg_dump can share (pg_export_snapshot)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            cursor.execute("SELECT count(*) FROM django_migrations")
        try:
            yield ""
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def populate(reviewer, reviewer2, editor, seed_article) -> Article:
    """Verdicts in every state with sources and history, a discussion, an assignment; returns the
    article the writer saves verdicts on."""
    verdicts = create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    services.comment_create(annotation=verdicts[0], author=editor, body="Which court filed this? @reviewer2")
    other = ArticleFactory(title="Another story", imported_by=reviewer)
    services.assignment_create(article=other, username=reviewer2.username, editor=editor, note="Check the figures")
    return other


class Writer(threading.Thread):
    """Saves verdicts on `article` through services.annotation_create, one after another, until stopped."""

    def __init__(self, article: Article, author) -> None:
        super().__init__(name="writer")
        self.article, self.author = article, author
        self.stop, self.saved, self.errors = threading.Event(), 0, []
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            spans = [sentence_span(self.article, index) for index in range(self.article.sentences.count())]
            while not self.stop.is_set():
                span = spans[self.saved % len(spans)]
                services.annotation_create(
                    article=self.article, author=self.author, status="alleged", claimant=f"Writer {self.saved}", **span
                )
                with self.progress:
                    self.saved += 1
                    self.progress.notify_all()
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def wait_for(self, more: int) -> None:
        """Return once `more` further verdicts are committed."""
        with self.progress:
            target = self.saved + more
            assert self.progress.wait_for(lambda: self.saved >= target or self.errors, HANG), "the writer stalled"
        assert self.errors == []


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_verdicts_are_saved_restores_to_the_same_export(
    reviewer, reviewer2, editor, seed_article, tmp_path
):
    written_on = populate(reviewer, reviewer2, editor, seed_article)
    writer = Writer(written_on, reviewer2)
    writer.start()
    backup_path = tmp_path / "factcheck.backup"
    try:
        writer.wait_for(3)
        with snapshot() as name:
            # Writes go on while the snapshot is held: they are in neither the backup nor the export below.
            writer.wait_for(2)
            written = backups.backup(backup_path, snapshot=name)
            writer.wait_for(2)
            exported = b"".join(stream(native, Selection()))
            counts = table_counts_here()
        writer.wait_for(2)
    finally:
        writer.stop.set()
        writer.join(HANG)
    assert writer.errors == []
    saved_in_snapshot = counts[Annotation._meta.db_table] - 5  # the five demo verdicts
    assert 3 <= saved_in_snapshot <= writer.saved - 6  # at least six verdicts saved after the snapshot
    assert (written.path, written.engine, written.size) == (
        backup_path,
        connection.vendor,
        backup_path.stat().st_size,
    )
    assert written.migration == backups.latest_migration()
    assert [path.name for path in tmp_path.iterdir()] == ["factcheck.backup"]  # no temporary file left

    with empty_database(tmp_path) as (url, restored_counts):
        restoring = manage(url, "restore", str(backup_path))
        assert (restoring.returncode, restoring.stderr) == (0, "")
        engine = backups.ENGINE_NAMES[connection.vendor]
        assert restoring.stdout.splitlines()[0] == (
            f"Restored {backup_path} into the {engine} database, at migration annotations.{written.migration}."
        )
        exporting = manage(url, "export_annotations", "--jobs", "1", "--output", str(tmp_path / "restored.json"))
        assert exporting.returncode == 0, exporting.stderr
        assert restored_counts() == counts
    restored = (tmp_path / "restored.json").read_bytes()
    assert without_generated_at(restored) == without_generated_at(exported)  # byte for byte
    assert restored.count(b'"claimant":"Writer ') == saved_in_snapshot


def other_engine_backup(path: Path) -> Path:
    """A backup file of the engine the suite does not run on."""
    if connection.vendor == "sqlite":
        path.write_bytes(backups.MAGIC[backups.POSTGRESQL] + b"\x01\x0e\x00\x04\x08\x01\x01")
    else:
        with sqlite3.connect(path) as database:
            database.execute("CREATE TABLE django_migrations (id integer)")
    return path


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_data_another_engine_and_other_files(seed_article, reviewer, tmp_path, capsys):
    call_command("backup", str(tmp_path / "first.backup"))
    size = (tmp_path / "first.backup").stat().st_size
    engine = backups.ENGINE_NAMES[connection.vendor]
    other = "PostgreSQL" if connection.vendor == "sqlite" else "SQLite"
    output = capsys.readouterr()
    assert (output.out, output.err) == (
        f"Backed up the {engine} database to {tmp_path / 'first.backup'} ({filesizeformat(size)}, {size} bytes), "
        f"at migration annotations.{backups.latest_migration()}.\n",
        "",
    )

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "first.backup"))
    assert str(refused.value) == (
        "The database already holds factcheck data (users, articles, sentences); nothing was restored. "
        "Restore into an empty database, or add --force to replace everything in it (back it up first)."
    )
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(other_engine_backup(tmp_path / "other.backup")), "--force")
    assert str(refused.value) == (
        f"{tmp_path / 'other.backup'} is a {other} backup and this database is {engine}: restore it into a "
        f"{other} database (set DATABASE_URL). To move between engines, use export_annotations and import_annotations."
    )
    (tmp_path / "notes.txt").write_text("not a backup")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "notes.txt"), "--force")
    assert str(refused.value) == (
        f"{tmp_path / 'notes.txt'} is not a factcheck backup: neither an SQLite database nor a pg_dump "
        "custom-format archive."
    )
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "missing.backup"))
    assert str(refused.value) == f"{tmp_path / 'missing.backup'} does not exist."
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path / "no-such-directory" / "x.backup"))
    assert str(refused.value) == f"{tmp_path / 'no-such-directory'} is not a directory: create it first."
    assert Article.objects.count() == 1
    assert (tmp_path / "first.backup").stat().st_size == size


@pytest.mark.django_db(transaction=True)
def test_restore_with_force_replaces_the_data(seed_article, reviewer, tmp_path, capsys):
    backup_path = tmp_path / "before.backup"
    call_command("backup", str(backup_path))
    ArticleFactory(title="Imported after the backup", imported_by=reviewer)
    capsys.readouterr()

    call_command("restore", str(backup_path), "--force")

    assert list(Article.objects.values_list("title", flat=True)) == [seed_article.title]
    assert capsys.readouterr().out.splitlines()[0] == (
        f"Restored {backup_path} into the {backups.ENGINE_NAMES[connection.vendor]} database, "
        f"at migration annotations.{backups.latest_migration()}."
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="an older backup is made by editing an SQLite file")
def test_restoring_an_older_backup_asks_for_migrate(seed_article, tmp_path):
    backup_path = tmp_path / "older.backup"
    call_command("backup", str(backup_path))
    latest = backups.latest_migration()
    with sqlite3.connect(backup_path) as older:
        older.execute("DELETE FROM django_migrations WHERE app = 'annotations' AND name = ?", [latest])
    restored = tmp_path / "restored.sqlite3"

    restoring = manage(f"sqlite:///{restored}", "restore", str(backup_path))

    assert restoring.returncode == 0
    assert restoring.stderr == (
        f"The backup is older than this code: 1 migration(s) to apply (annotations.{latest}). "
        "Run manage.py migrate before starting the app.\n"
    )
