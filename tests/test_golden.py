"""Golden test of the read path: the API's verdict list, retrieve and history, the three export
formats through the API and through `manage.py export_annotations`, compared byte for byte with
the outputs of the reference code (tests/golden/outputs.json): commit c9f1061, the code before the
read path was rebuilt on records.py and one visibility rule.

The database is tests/golden/seed.json (made by tests/golden/make_seed.py; its docstring says what
it holds), restored once for the module with importing_export.import_export; the restored users
are activated and given their groups, then the verdicts marked "[golden: deleted by <user>]" are
deleted through services.annotation_delete. Each case (a persona and a family of requests, or the
command) compares every response's status, Content-Type, length and SHA-256 of its body with the
stored ones. The one normalisation: the native export's "generated_at" value.

On a mismatch the actual bodies of the differing outputs are written under pytest's tmp_path and
the failure lists the keys and the directory. To see the reference bodies, run this file on the
reference commit with FACTCHECK_GOLDEN_DUMP=<directory> (every body is written there), then on
yours with another directory, and `diff -r` the two.

Regenerate the goldens (only for an intended change of output; they must come from the code whose
output is the reference), from the repository root:

    FACTCHECK_GOLDEN_WRITE=1 make test PYTEST_ARGS=tests/test_golden.py

This rewrites the entries of the cases that ran in tests/golden/outputs.json. Then run it again
without the variable on SQLite and on PostgreSQL (DATABASE_URL=postgres://…): both must pass.
"""

from dataclasses import dataclass
import hashlib
import io
import json
import os
from pathlib import Path
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import Client
import pytest

from annotations import roles, services
from annotations.importing_export import import_export
from annotations.models import Annotation

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
SEED = json.loads((GOLDEN_DIR / "seed.json").read_text(encoding="utf-8"))
OUTPUTS_PATH = GOLDEN_DIR / "outputs.json"
WRITE = os.environ.get("FACTCHECK_GOLDEN_WRITE") == "1"
DUMP = os.environ.get("FACTCHECK_GOLDEN_DUMP", "")

GROUPS = {
    "reviewer": roles.REVIEWERS_GROUP,
    "reviewer2": roles.REVIEWERS_GROUP,
    "editor": roles.EDITORS_GROUP,
    "editor2": roles.EDITORS_GROUP,
    "outsider": None,
}
PERSONAS = ("reviewer", "reviewer2", "editor", "outsider")
FORMATS = ("native", "w3c", "claimreview")

ARTICLE_IDS = [article["id"] for article in SEED["articles"]]
VERDICTS = [item for article in SEED["articles"] for item in article["annotations"]]
VERDICT_IDS = sorted(item["id"] for item in VERDICTS)
DELETE_MARK = re.compile(r"\[golden: deleted by (\w+)\]")
TO_DELETE = {item["id"]: match[1] for item in VERDICTS if (match := DELETE_MARK.search(item["note"]))}
GENERATED_AT = re.compile(rb'"generated_at":"[^"]*"')
MAX_PAGES = 100


def _first_with(action: str) -> int:
    return min(item["id"] for item in VERDICTS if any(event["action"] == action for event in item["history"]))


@dataclass(frozen=True)
class Output:
    status: int
    body: bytes
    content_type: str | None = None

    def summary(self) -> dict:
        summary = {"status": self.status, "sha256": hashlib.sha256(self.body).hexdigest(), "bytes": len(self.body)}
        if self.content_type is not None:
            summary["content_type"] = self.content_type
        return summary


@pytest.fixture(scope="module")
def golden_db(django_db_setup, django_db_blocker):
    """The seed, restored once for the module inside a transaction that is rolled back at its end;
    each test's own transaction (the `db` fixture) is a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        import_export(json.loads(json.dumps(SEED)))
        users = {}
        for username, group in GROUPS.items():
            user, _created = get_user_model().objects.get_or_create(username=username)
            user.is_active = True
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            users[username] = user
        for pk, username in sorted(TO_DELETE.items()):
            services.annotation_delete(annotation=Annotation.objects.get(pk=pk), actor=users[username])
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def publisher(settings):
    """The ClaimReview author, fixed whatever the environment says (with a URL, which it then carries)."""
    settings.FACTCHECK_ORGANIZATION_NAME = "factcheck newsroom"
    settings.FACTCHECK_ORGANIZATION_URL = "https://factcheck.example/about"


def _normalised(native: bytes) -> bytes:
    """The one normalisation: the native export's generated_at."""
    return GENERATED_AT.sub(b'"generated_at":"(normalised)"', native, count=1)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class Recorder:
    def __init__(self, client: Client | None = None, persona: str = ""):
        self.client = client
        self.persona = persona
        self.outputs: dict[str, Output] = {}

    def add(self, key: str, output: Output) -> None:
        assert key not in self.outputs, f"duplicate golden key {key}"
        self.outputs[key] = output

    def get(self, url: str, key: str | None = None) -> Output:
        response = self.client.get(url)
        body = _body(response)
        if url.startswith("/api/v1/export/") and ("format=native" in url or "format=" not in url):
            body = _normalised(body)
        output = Output(response.status_code, body, response.get("Content-Type"))
        self.add(f"{self.persona} GET {key or url}", output)
        return output

    def pages(self, first: str) -> None:
        """A list and every page after it, by its `next` links (keyed by the first page's URL)."""
        url = first
        for page in range(1, MAX_PAGES + 1):
            output = self.get(url, f"{first} #page{page}" if page > 1 else first)
            url = json.loads(output.body).get("next") if output.status == 200 else None
            if not url:
                return
        pytest.fail(f"{first}: more than {MAX_PAGES} pages")


def _client(persona: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=persona))
    return client


def _list_requests(record: Recorder) -> None:
    base = "/api/v1/annotations/"
    record.pages(f"{base}?page_size=500")
    record.pages(f"{base}?page_size=50")
    record.pages(base)
    for article_id in [*ARTICLE_IDS, 999999]:
        record.pages(f"{base}?page_size=500&article={article_id}")
    for status in ("alleged", "denied", "unverified", "evidenced"):
        record.pages(f"{base}?page_size=500&status={status}")
    for state in ("draft", "submitted", "approved", "changes_requested"):
        record.pages(f"{base}?page_size=500&state={state}")
    for author in [*GROUPS, "nobody"]:
        record.pages(f"{base}?page_size=500&author={author}")
    record.pages(f"{base}?page_size=50&article={ARTICLE_IDS[-1]}&state=approved&status=denied")
    record.get(f"{base}?status=false")
    record.get(f"{base}?article=0")


def _retrieve_requests(record: Recorder) -> None:
    for pk in [*VERDICT_IDS, VERDICT_IDS[-1] + 1]:
        record.get(f"/api/v1/annotations/{pk}/")
    for pk in event_ids():
        record.get(f"/api/v1/annotations/{pk}/events/")


def event_ids() -> list[int]:
    """A handful: the first with each kind of history, a draft of each author, deleted ones, and an unknown id."""
    chosen = {_first_with(action) for action in ("edit", "request_changes", "reopen", "restore")}
    for author in ("reviewer", "reviewer2", "editor"):
        chosen.add(min(item["id"] for item in VERDICTS if item["state"] == "draft" and item["author"] == author))
    chosen.update(sorted(TO_DELETE)[:2])
    chosen.update((VERDICT_IDS[0], VERDICT_IDS[-1], VERDICT_IDS[-1] + 1))
    return sorted(chosen)


def _export_requests(record: Recorder) -> None:
    for format in FORMATS:
        base = f"/api/v1/export/?format={format}"
        record.get(base)
        for article_id in ARTICLE_IDS:
            record.get(f"{base}&article={article_id}")
        record.get(f"{base}&state=submitted")
        record.get(f"{base}&status=denied")
        record.get(f"{base}&article={ARTICLE_IDS[1]}&state=approved&status=evidenced")
    record.get("/api/v1/export/")
    record.get("/api/v1/export/?format=native&article=999999")
    record.get("/api/v1/export/?format=csv")


FAMILIES = {"list": _list_requests, "retrieve": _retrieve_requests, "export": _export_requests}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_outputs_are_the_golden_ones(golden_db, db, persona, family, tmp_path):
    record = Recorder(_client(persona), persona)
    FAMILIES[family](record)
    compare(f"{persona} {family}", record.outputs, tmp_path)


COMMAND_RUNS = {
    "--jobs 1": ["--jobs", "1"],
    "default": [],
    "filtered": ["--article", str(ARTICLE_IDS[1]), "--state", "approved", "--base-url", "https://factcheck.example/"],
}


def test_export_command_outputs_are_the_golden_ones(golden_db, db, tmp_path):
    record = Recorder()
    exports = tmp_path / "exports"
    exports.mkdir()
    for format in FORMATS:
        for name, options in COMMAND_RUNS.items():
            path = exports / f"{format}-{len(record.outputs)}.json"
            call_command(
                "export_annotations", "--format", format, "--output", str(path), *options, stderr=io.StringIO()
            )
            body = path.read_bytes()
            if format == "native":
                body = _normalised(body)
            record.add(f"export_annotations --format {format} {name}", Output(0, body))
    compare("command", record.outputs, tmp_path)


def _file_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", key).strip("_")[:180] + ".out"


def _golden_text(golden: dict) -> str:
    """outputs.json with one output per line, so a regeneration's diff shows which ones changed."""
    cases = []
    for case in sorted(golden):
        lines = ",\n".join(
            f"  {json.dumps(key, ensure_ascii=False)}: {json.dumps(summary)}"
            for key, summary in sorted(golden[case].items())
        )
        cases.append(f" {json.dumps(case)}: {{\n{lines}\n }}")
    return "{\n" + ",\n".join(cases) + "\n}\n"


def compare(case: str, outputs: dict[str, Output], tmp_path: Path) -> None:
    """Check the outputs of one case against outputs.json (or write them there with FACTCHECK_GOLDEN_WRITE=1)."""
    if DUMP:
        directory = Path(DUMP)
        directory.mkdir(parents=True, exist_ok=True)
        for key, output in outputs.items():
            (directory / _file_name(key)).write_bytes(output.body)
    golden = json.loads(OUTPUTS_PATH.read_text(encoding="utf-8")) if OUTPUTS_PATH.exists() else {}
    if WRITE:
        golden[case] = {key: output.summary() for key, output in outputs.items()}
        OUTPUTS_PATH.write_text(_golden_text(golden), encoding="utf-8")
        return
    expected = golden.get(case)
    assert expected is not None, f"{OUTPUTS_PATH} has no outputs for {case!r}: see this module's docstring."
    problems = []
    for key in sorted(expected.keys() | outputs.keys()):
        if key not in outputs:
            problems.append(f"{key}: not requested any more (expected {expected[key]})")
            continue
        actual = outputs[key].summary()
        if actual == expected.get(key):
            continue
        path = tmp_path / _file_name(key)
        path.write_bytes(outputs[key].body)
        if key not in expected:
            problems.append(f"{key}: new output, not in the goldens; actual body in {path}")
        else:
            differing = ", ".join(
                f"{field} {expected[key].get(field)!r} -> {actual.get(field)!r}"
                for field in ("status", "content_type", "bytes", "sha256")
                if expected[key].get(field) != actual.get(field)
            )
            problems.append(f"{key}: {differing}; actual body in {path}")
    shown = "\n".join(problems[:40]) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")
    if problems:
        pytest.fail(
            f"{len(problems)} of {len(expected)} outputs of {case!r} differ from {OUTPUTS_PATH.name} "
            f"(actual bodies under {tmp_path}):\n{shown}",
            pytrace=False,
        )
