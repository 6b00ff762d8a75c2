import contextlib
import io
import json
import os
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
import psycopg
from psycopg import sql
import pytest

from annotations.models import Annotation, AnnotationEvent, Article

pytestmark = pytest.mark.django_db


def test_import_article_text_file(tmp_path, capsys):
    path = tmp_path / "story.txt"
    path.write_text("Heading\nFirst sentence. Second sentence.", encoding="utf-8")
    call_command(
        "import_article",
        str(path),
        "--title",
        "A story",
        "--publisher",
        "Desk",
        "--published",
        "2021-08-13",
        "--url",
        "https://example.org/story",
        "--language",
        "en",
    )
    article = Article.objects.get()
    assert (article.title, article.publisher, str(article.published_at), article.url) == (
        "A story",
        "Desk",
        "2021-08-13",
        "https://example.org/story",
    )
    assert article.sentences.count() == 3
    assert f"Imported article #{article.pk} “A story” with 3 sentences." in capsys.readouterr().out


def test_import_article_refuses_bad_files_and_stores_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(CommandError, match="is not valid UTF-8"):
        call_command("import_article", str(bad))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match=r"“empty\.txt” is empty\."):
        call_command("import_article", str(empty))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_article", str(tmp_path / "missing.txt"))
    assert Article.objects.count() == 0


def test_import_article_duplicate(tmp_path, seed_article, seed_text):
    path = tmp_path / "again.txt"
    path.write_text(seed_text, encoding="utf-8")
    with pytest.raises(CommandError, match=f"already stored as article #{seed_article.pk}"):
        call_command("import_article", str(path), "--title", "Again")


def test_import_directory_and_jsonl_in_bulk(tmp_path, capsys):
    (tmp_path / "one.txt").write_text("One sentence.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Two sentences. Here.", encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    call_command("import_article", str(tmp_path))
    output = capsys.readouterr()
    assert "Imported 2 article(s); skipped 1." in output.out
    assert "Skipped broken.txt" in output.err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["One", "Two"]

    jsonl = tmp_path / "batch.jsonl"
    jsonl.write_text(
        json.dumps({"title": "Urdu", "body": "یہ خبر ہے۔ دوسرا جملہ۔", "language": "ur", "published_at": "2021-08-13"})
        + "\n\nnot json\n",
        encoding="utf-8",
    )
    call_command("import_article", str(jsonl))
    assert "Imported 1 article(s); skipped 1." in capsys.readouterr().out
    urdu = Article.objects.get(title="Urdu")
    assert (urdu.language, urdu.sentences.count(), str(urdu.published_at)) == ("ur", 2, "2021-08-13")


def test_import_article_refuses_a_javascript_url_from_the_option_and_from_jsonl(tmp_path, capsys):
    (tmp_path / "one.txt").write_text("One sentence.", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_article", str(tmp_path / "one.txt"), "--url", "javascript:alert(1)")
    jsonl = tmp_path / "batch.jsonl"
    jsonl.write_text(json.dumps({"title": "T", "body": "A sentence.", "url": "javascript:alert(1)"}), encoding="utf-8")
    call_command("import_article", str(jsonl))
    assert "Imported 0 article(s); skipped 1." in capsys.readouterr().out
    assert Article.objects.count() == 0


@override_settings(DEBUG=True)
def test_load_demo_is_idempotent(capsys):
    call_command("load_demo")
    call_command("load_demo")
    article = Article.objects.get(title="Huawei spying in Pakistan?")
    assert sorted(Article.objects.exclude(pk=article.pk).values_list("title", "publisher")) == [
        ("Demo: backdoor claims, restated (written for the demo)", "factcheck demo"),
        ("Demo: the Hua Wei lawsuit, retold (written for the demo)", "factcheck demo"),
        ("نمونے کا مضمون: چنار نگر کی نئی پائپ لائن (ڈیمو کے لیے لکھا گیا)", "factcheck demo"),
    ]
    assert (article.title, article.sentences.count()) == ("Huawei spying in Pakistan?", 26)
    assert sorted(article.annotations.values_list("status", flat=True)) == [
        "alleged",
        "alleged",
        "denied",
        "evidenced",
        "unverified",
    ]
    users = get_user_model().objects.order_by("username")
    assert [(u.username, [g.name for g in u.groups.all()]) for u in users] == [
        ("editor", ["Editors"]),
        ("reviewer", ["Reviewers"]),
        ("reviewer2", ["Reviewers"]),
    ]
    assert users[0].check_password("factcheck-demo")
    assert "The demo article is already stored" in capsys.readouterr().out


def test_load_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="load_demo only runs with DJANGO_DEBUG=1"):
        call_command("load_demo")
    assert get_user_model().objects.count() == 0


# --- grant_app_role: the app as a PostgreSQL role that owns nothing ---------------------------------

APP_ROLE = "factcheck_app_test"
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
EVENTS = AnnotationEvent._meta.db_table


def connect_as(user: str) -> psycopg.Connection:
    """A connection of its own to the test database (trust authentication on 127.0.0.1)."""
    database = connection.settings_dict
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        dbname=database["NAME"],
        user=user,
        password=database["PASSWORD"] if user == database["USER"] else None,
        autocommit=True,
    )


@pytest.fixture
def app_role(django_db_setup) -> str:
    """A login role, created once per cluster: roles are shared by every database, and left in place
    for other runs (it owns nothing; its privileges go with the test database)."""
    # Already there: created by an earlier run, or by one running now.
    with (
        connect_as(connection.settings_dict["USER"]) as admin,
        contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation),
    ):
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(APP_ROLE)))
    return APP_ROLE


def grant(role: str) -> str:
    out = io.StringIO()
    call_command("grant_app_role", role, stdout=out)
    return out.getvalue().strip()


GRANTED = (
    f"Granted {APP_ROLE} on database {{database}}: CONNECT; USAGE on schema public; "
    "SELECT, INSERT, UPDATE, DELETE on {tables} tables; SELECT, INSERT on the append-only "
    "annotations_annotationevent; SELECT on django_migrations; USAGE, SELECT on {sequences} sequences. "
    "No TRUNCATE, no ownership."
)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_grant_app_role_refuses_sqlite():
    with pytest.raises(CommandError) as refused:
        call_command("grant_app_role", APP_ROLE)
    assert str(refused.value) == (
        "grant_app_role works on PostgreSQL only; the 'default' database is SQLite, which has no roles: "
        "whoever can open the file can change it."
    )


@postgresql_only
def test_grant_app_role_grants_exactly_what_the_app_needs(app_role):
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE ON "{EVENTS}" TO {app_role}')  # by hand: the command takes it back
    # Every table of the installed apps but the event log, every sequence: the command reads them.
    expected = GRANTED.format(
        database=connection.settings_dict["NAME"],
        tables=len(tables) - 1,
        sequences=len(connection.introspection.sequence_list()),
    )
    assert grant(app_role) == expected
    assert grant(app_role) == expected  # again: the same grants

    privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, array_agg(p ORDER BY p) FILTER (WHERE has_table_privilege(%s, t, p)) "
            "FROM unnest(%s::text[]) t, unnest(%s::text[]) p GROUP BY t",
            [app_role, [*tables, "django_migrations"], privileges],
        )
        granted = dict(cursor.fetchall())
        cursor.execute(
            "SELECT has_database_privilege(%s, current_database(), 'CONNECT'), "
            "has_schema_privilege(%s, 'public', 'USAGE'), "
            "has_sequence_privilege(%s, 'annotations_annotationevent_id_seq', 'USAGE, SELECT'), "
            "has_sequence_privilege(%s, 'annotations_annotationevent_id_seq', 'UPDATE')",
            [app_role] * 4,
        )
        assert cursor.fetchone() == (True, True, True, False)
    assert granted == {
        **{table: ["DELETE", "INSERT", "SELECT", "UPDATE"] for table in tables},
        EVENTS: ["INSERT", "SELECT"],
        "django_migrations": ["SELECT"],  # /readyz reads which migrations ran
    }


@postgresql_only
def test_grant_app_role_refuses_roles_that_could_disable_triggers():
    owner, creator = f"factcheck_owner_test_{os.getpid()}", f"factcheck_creator_test_{os.getpid()}"
    with connection.cursor() as cursor:  # created and dropped with the test's transaction
        cursor.execute(f"CREATE ROLE {owner} LOGIN")
        cursor.execute(f"CREATE ROLE {creator} LOGIN CREATEROLE")
        cursor.execute(f"ALTER TABLE annotations_source OWNER TO {owner}")
    refusals = {}
    superuser = connection.settings_dict["USER"]
    for role in ["no_such_role_anywhere", superuser, creator, owner]:
        with pytest.raises(CommandError) as refused:
            grant(role)
        refusals[role] = str(refused.value)
    assert refusals == {
        "no_such_role_anywhere": (
            "There is no PostgreSQL role 'no_such_role_anywhere'. Create it first (CREATE ROLE … LOGIN PASSWORD '…')."
        ),
        superuser: f"{superuser!r} is a superuser: it could disable the event log's triggers.",
        creator: (
            f"{creator!r} has CREATEROLE: it could make itself a member of the tables' owner. "
            "Use a role without it (ALTER ROLE … NOCREATEROLE)."
        ),
        owner: (
            f"{owner!r} owns (or is a member of the owner of) annotations_source, annotations_source_id_seq: "
            "an owner can disable the event log's triggers. Give the app a role that owns nothing."
        ),
    }


# Run as the app role in a process of its own: users, an article, a verdict through review, a page.
APP_SCRIPT = """
import json

import django

django.setup()
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from annotations import roles, services
from annotations.models import AnnotationEvent

def person(name, group):
    user = User.objects.create_user(name)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user

reviewer, editor = person("app-reviewer", roles.REVIEWERS_GROUP), person("app-editor", roles.EDITORS_GROUP)
article = services.article_import(title="Written as the app role", body="One claim. Another.", imported_by=reviewer)
verdict = services.annotation_create(
    article=article, author=reviewer, start=0, end=10, quote="One claim.", status="unverified"
)
verdict = services.annotation_submit(annotation=verdict, actor=reviewer, version=verdict.version)
verdict = services.annotation_approve(annotation=verdict, editor=editor, version=verdict.version)
client = Client()
client.force_login(editor)
page = client.get(f"/articles/{article.pk}/")
ready = Client().get("/readyz").json()["checks"]
with connection.cursor() as cursor:
    cursor.execute("SELECT current_user")
    (user,) = cursor.fetchone()
print(json.dumps({
    "user": user,
    "verdict": [verdict.state, verdict.version],
    "events": list(AnnotationEvent.objects.filter(annotation=verdict).values_list("action", flat=True)),
    "page": [page.status_code, "Written as the app role" in page.text],
    "readiness": [ready["database"], ready["migrations"]],
}))
"""


@pytest.mark.django_db(transaction=True)  # the other connections see committed rows only
@postgresql_only
def test_the_app_runs_as_a_role_that_cannot_truncate_or_disable_triggers(app_role):
    grant(app_role)
    database = connection.settings_dict
    as_app_role = f"postgres://{app_role}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    run = subprocess.run(
        [sys.executable, "-c", APP_SCRIPT],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DATABASE_URL": as_app_role, "DJANGO_ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "user": app_role,
        "verdict": ["approved", 3],
        "events": ["create", "submit", "approve"],
        "page": [200, True],
        "readiness": ["ok", "ok"],  # it may read which migrations ran (and nothing more on them)
    }

    events = sql.Identifier(EVENTS)
    refused = {}
    with connect_as(app_role) as app:
        for statement in [
            sql.SQL("TRUNCATE {}").format(events),
            sql.SQL("TRUNCATE {} CASCADE").format(sql.Identifier(Annotation._meta.db_table)),
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER annotations_event_append_only").format(events),
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(events),
            sql.SQL("UPDATE {} SET comment = 'rewritten'").format(events),
            sql.SQL("DELETE FROM {}").format(events),
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
                app.execute(statement)
            refused[statement.as_string(app)] = str(error.value)
        assert app.execute(sql.SQL("SELECT count(*) FROM {}").format(events)).fetchone() == (3,)
    assert refused == {
        'TRUNCATE "annotations_annotationevent"': "permission denied for table annotations_annotationevent",
        'TRUNCATE "annotations_annotation" CASCADE': "permission denied for table annotations_annotation",
        'ALTER TABLE "annotations_annotationevent" DISABLE TRIGGER annotations_event_append_only': (
            "must be owner of table annotations_annotationevent"
        ),
        'ALTER TABLE "annotations_annotationevent" DISABLE TRIGGER ALL': (
            "must be owner of table annotations_annotationevent"
        ),
        "UPDATE \"annotations_annotationevent\" SET comment = 'rewritten'": (
            "permission denied for table annotations_annotationevent"
        ),
        'DELETE FROM "annotations_annotationevent"': "permission denied for table annotations_annotationevent",
    }
    assert list(AnnotationEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "create",
        "submit",
        "approve",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY 1",
            [EVENTS],
        )
        assert cursor.fetchall() == [("annotations_event_append_only", "O"), ("annotations_event_no_truncate", "O")]
