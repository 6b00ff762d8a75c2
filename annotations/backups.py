"""Back up and restore the whole database (manage.py backup / restore), on SQLite and PostgreSQL.

The rules, in one place:

- A backup is one file, written atomically: to a temporary file beside the target (mode 0600: it
  holds password hashes and tokens), synced, then renamed over it. A failed backup leaves no file.
- It is consistent while the app keeps writing: one snapshot of the database, never a mix of
  before and after a transaction. SQLite: the online backup API (`sqlite3.Connection.backup`) in
  one step, inside one read transaction (in WAL mode writers go on meanwhile). PostgreSQL:
  `pg_dump --format=custom`, which reads in one repeatable-read transaction.
- The engine is told by the file's first bytes (`SQLite format 3`, `PGDMP`); a backup is restored
  only by the engine that made it.
- A restore goes into a database without factcheck data (no users, articles, verdicts, sources,
  …): an empty one, or one that only ran `migrate`. With `force`, it replaces what is there. It is
  all or nothing: SQLite's backup API copies the pages in one write transaction; pg_restore runs
  with `--single-transaction --exit-on-error` (with `--clean --if-exists` when the database has
  tables, so their drops roll back too).
- Roles and grants are not restored (`--no-owner --no-privileges`): the role that restores owns
  the tables; run `grant_app_role` afterwards (README, "Two database roles").
- Afterwards the restored database's migrations are compared with the code's: a backup from an
  older release needs `migrate`, one from a newer release needs that release's code.

PostgreSQL's client programs are found in FACTCHECK_PG_BIN, else on the PATH, else in the newest
/usr/lib/postgresql/<version>/bin. The connection comes from the database settings (DATABASE_URL)
through the child's environment (PGHOST, PGPASSWORD, …), never its command line, and error
messages quote the programs' own output, which never holds the password.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import sqlite3
import subprocess
import tempfile

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
# The first bytes of each engine's backup file: an SQLite database, a pg_dump custom-format archive.
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
PG_TIMEOUT = 6 * 3600


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    engine: str
    size: int
    migration: str  # the app's latest applied migration, e.g. "0019_notifications"


@dataclass(frozen=True)
class Restored:
    engine: str
    migration: str
    pending: list[str] = field(default_factory=list)  # the code's migrations the database lacks
    unknown: list[str] = field(default_factory=list)  # applied migrations the code does not have


def engine_of_file(path: Path) -> str:
    """The engine whose backup `path` is, by its first bytes; BackupError for anything else."""
    try:
        with open(path, "rb") as file:
            start = file.read(16)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a directory, not a backup file.") from None
    for engine, magic in MAGIC.items():
        if start.startswith(magic):
            return engine
    raise BackupError(
        f"{path} is not a factcheck backup: neither an SQLite database nor a pg_dump custom-format archive."
    )


def latest_migration(using: str = DEFAULT_DB_ALIAS) -> str:
    """The app's latest applied migration's name ("" before the first)."""
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return ""
    return max((name for app, name in recorder.applied_migrations() if app == "annotations"), default="")


def backup(path: Path, *, using: str = DEFAULT_DB_ALIAS, snapshot: str = "") -> Backup:
    """Write a consistent backup of the database to `path` (replacing it atomically).

    SQLite: copied from this process's connection, so a read transaction the caller holds open is
    the snapshot copied (the tests export the same snapshot to compare). PostgreSQL: `snapshot`
    names a snapshot exported by another transaction (`pg_export_snapshot()`) for pg_dump to read;
    by default pg_dump takes its own."""
    connection = connections[using]
    engine = _engine(using)
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a directory: name the backup file to write.")
    migration = latest_migration(using)
    with _atomic_file(path) as temporary:
        if engine == SQLITE:
            connection.ensure_connection()
            target = sqlite3.connect(temporary)
            try:
                # One step (pages=-1): the whole copy reads one snapshot. Step by step, a write by another
                # connection between steps would restart the copy, for ever under a steady load.
                connection.connection.backup(target, pages=-1)
                # One self-contained file: no -wal beside it, whatever mode the database runs in.
                target.execute("PRAGMA journal_mode=DELETE")
                (check,) = target.execute("PRAGMA quick_check").fetchone()
            finally:
                target.close()
            if check != "ok":
                raise BackupError(f"The copy of the database failed SQLite's check: {check}.")
        else:
            command = [_pg_program("pg_dump"), "--format=custom", f"--file={temporary}"]
            if snapshot:
                command.append(f"--snapshot={snapshot}")
            _run(command, _pg_environment(connection.settings_dict), "pg_dump", "no backup was written")
    return Backup(path=path, engine=engine, size=path.stat().st_size, migration=migration)


def restore(path: Path, *, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> Restored:
    """Restore the backup at `path` into the database, all or nothing, then compare its migrations
    with the code's. Refused: a backup of the other engine, and a database holding factcheck data
    unless `force` (then it is replaced)."""
    connection = connections[using]
    engine = _engine(using)
    path = Path(path)
    made_by = engine_of_file(path)
    if made_by != engine:
        raise BackupError(
            f"{path} is a {ENGINE_NAMES[made_by]} backup and this database is {ENGINE_NAMES[engine]}: "
            f"restore it into a {ENGINE_NAMES[made_by]} database (set DATABASE_URL). To move between engines, "
            "use export_annotations and import_annotations."
        )
    held = holdings(using)
    if held and not force:
        raise BackupError(
            f"The database already holds factcheck data ({', '.join(held)}); nothing was restored. "
            "Restore into an empty database, or add --force to replace everything in it "
            "(back it up first)."
        )
    if engine == SQLITE:
        connection.ensure_connection()
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            # Replaces every page of the database in one write transaction: readers see before or after.
            source.backup(connection.connection, pages=-1)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite could not restore {path}: {exc}. Nothing was changed.") from None
        finally:
            source.close()
    else:
        command = [
            _pg_program("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ]
        if connection.introspection.table_names():
            command += ["--clean", "--if-exists"]
        command += [f"--dbname={connection.settings_dict['NAME']}", str(path)]
        _run(command, _pg_environment(connection.settings_dict), "pg_restore", "nothing was changed")
    connection.close()  # the restored schema, read afresh
    return _migration_state(engine, using)


def holdings(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The kinds of factcheck data the database holds ("users", "articles", …): empty for a new
    database or one that only ran migrate."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    models = [get_user_model(), *apps.get_app_config("annotations").get_models()]
    return [
        str(model._meta.verbose_name_plural)
        for model in models
        if model._meta.db_table in tables and model._default_manager.using(using).exists()
    ]


def _migration_state(engine: str, using: str) -> Restored:
    executor = MigrationExecutor(connections[using])
    pending = [
        f"{migration.app_label}.{migration.name}"
        for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())
    ]
    known = set(executor.loader.graph.nodes)
    unknown = sorted(f"{app}.{name}" for app, name in executor.loader.applied_migrations if (app, name) not in known)
    return Restored(engine=engine, migration=latest_migration(using), pending=pending, unknown=unknown)


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in ENGINE_NAMES:
        raise BackupError(f"Backups work on SQLite and PostgreSQL; this database is {vendor}.")
    return vendor


@contextmanager
def _atomic_file(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` (mode 0600) that becomes `path` when the block succeeds."""
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory: create it first.")
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        temporary.unlink(missing_ok=True)


def _pg_program(name: str) -> str:
    """FACTCHECK_PG_BIN/<name>, else <name> on the PATH, else the newest /usr/lib/postgresql/*/bin/<name>."""
    if settings.FACTCHECK_PG_BIN:
        program = Path(settings.FACTCHECK_PG_BIN) / name
        if not os.access(program, os.X_OK):
            raise BackupError(f"FACTCHECK_PG_BIN={settings.FACTCHECK_PG_BIN} has no program {name}.")
        return str(program)
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda program: int(program.parts[-3]) if program.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    raise BackupError(
        f"{name} was not found (PATH, /usr/lib/postgresql/*/bin). Install PostgreSQL's client programs of "
        "the server's version (apt-get install postgresql-client-15), or set FACTCHECK_PG_BIN to their directory."
    )


def _pg_environment(database: dict) -> dict[str, str]:
    """The child's environment: the connection as libpq's variables, so the password is on no command line."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    values = {
        "PGDATABASE": database.get("NAME"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
    }
    options = database.get("OPTIONS", {})
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ):
        values[variable] = options.get(option)
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _run(command: list[str], env: dict[str, str], program: str, outcome: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise BackupError(f"{program} did not finish within {PG_TIMEOUT // 3600} hours.") from None
    if result.returncode != 0:
        output = result.stderr.strip() or result.stdout.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{program} failed; {outcome}:\n{output}")
