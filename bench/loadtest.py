"""`make loadtest`: a desk of 50 people for 2 minutes against `make serve`'s gunicorn on PostgreSQL.

    python bench/loadtest.py [--users 50] [--minutes 2] [--replica postgres://…:5433]

In a PostgreSQL database of its own (dropped afterwards): migrate, seed 40 reviewers and 10
editors, the demo article and 19 more of its size with 400 verdicts in every state, then gunicorn
with factcheck/gunicorn_config.py (its default worker count) and locust with bench/locustfile.py,
headless. With --replica (a streaming replica of the same server, e.g. `make replica`), the run is
made again with DATABASE_REPLICA_URL naming it. Prints one JSON object: per kind of request
(page, API) and per request name, requests/s, failures, p50/p95/p99 in ms; and the targets
(0 errors; p95 ≤ 300 ms for pages and for the API), measured once all users have arrived and
logged in (logging in hashes the password on purpose, and is left out of the figures); and the
transactions each server ran in the run's database over the whole run (where the reads went).
"""

import argparse
import csv
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import config
from databases import postgres_database
from server import free_port

REVIEWERS, EDITORS = 40, 10
ARTICLES = 20
VERDICTS = 400
PASSWORD = "load-only-password"
P95_TARGET_MS = 300
# People arrive one every two seconds and each logs in twice (page and token: PBKDF2, about half a second
# of CPU each here); the figures are reset once
# all have arrived (--reset-stats), so they measure the desk at work for the whole `--minutes`.
# All 50 logging in within ten seconds queued every request behind the hashing: p99 above 8 s.
SPAWN_RATE = 0.5

SEED = """
import json, random
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from annotations import roles, services
from annotations.models import Sentence
random.seed(19)
User = get_user_model()
reviewers_group = Group.objects.get(name=roles.REVIEWERS_GROUP)
editors_group = Group.objects.get(name=roles.EDITORS_GROUP)
def account(name, group):
    user = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    user.groups.add(group)
    return user
reviewers = [account(f"load-reviewer-{n}", reviewers_group) for n in range(REVIEWERS)]
editors = [account(f"load-editor-{n}", editors_group) for n in range(EDITORS)]
text = open(DEMO).read()
articles = [services.article_import(title=f"Load article {n}", body=text + f"\\nCopy {n} of the demo text.",
                                    imported_by=None) for n in range(ARTICLES)]
spans = {a.pk: list(Sentence.objects.filter(article=a).values_list("start", "end")) for a in articles}
for n in range(VERDICTS):
    article = articles[n % ARTICLES]
    start, end = random.choice(spans[article.pk])
    author = reviewers[n % REVIEWERS]
    verdict = services.annotation_create_and_submit(article=article, author=author, status="alleged",
        start=start, end=end, quote=article.body[start:end])
    if n % 3 == 0:
        services.annotation_approve(annotation=verdict, editor=editors[n % EDITORS], version=verdict.version)
print(json.dumps([a.pk for a in articles]))
"""


def django_env(database_url: str, replica_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACTCHECK_", "DATABASE_"))}
    # 50 people log in from one address here: the token endpoint's per-address rate would refuse most.
    env |= config.DJANGO_ENV | {"DATABASE_URL": database_url, "FACTCHECK_API_RATE_TOKEN": "off"}
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(config.PYTHON), "manage.py", *args], cwd=config.ROOT, env=env, input=stdin,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def seed(env: dict[str, str]) -> list[int]:
    script = (
        f"REVIEWERS, EDITORS, ARTICLES, VERDICTS = {REVIEWERS}, {EDITORS}, {ARTICLES}, {VERDICTS}\n"
        f"PASSWORD = {PASSWORD!r}\nDEMO = {str(config.ROOT / 'annotations/demo_data/huawei-pakistan.txt')!r}\n" + SEED
    )
    return json.loads(manage(env, "shell", "--no-imports", "-c", script).strip().splitlines()[-1])


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [str(config.GUNICORN), "-c", "python:factcheck.gunicorn_config"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=config.ROOT, env=env | {"FACTCHECK_BIND": f"127.0.0.1:{port}"}, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")


def locust(port: int, articles: list[int], users: int, minutes: float, workdir: Path) -> dict:
    prefix = workdir / "locust"
    env = os.environ | {
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_ARTICLES": ",".join(map(str, articles)),
        "LOAD_REVIEWERS": str(REVIEWERS),
        "LOAD_EDITORS": str(EDITORS),
    }
    subprocess.run(
        [str(config.PYTHON.parent / "locust"), "-f", str(config.BENCH / "locustfile.py"), "--headless",
         "-u", str(users), "-r", str(SPAWN_RATE), "-t", f"{int(minutes * 60 + users / SPAWN_RATE)}s", "--reset-stats",
         "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=config.ROOT, env=env, check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    rows = list(csv.DictReader((workdir / "locust_stats.csv").open()))
    by_name = {
        row["Name"]: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "per_s": round(float(row["Requests/s"]), 2),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }
        for row in rows
        if int(row["Request Count"])  # a name seen only before the reset has no percentiles ("N/A")
    }
    return by_name


def kinds(by_name: dict) -> dict:
    """Pages and API requests taken together, from locust's per-name percentiles: the worst p95
    of a name is reported with the requests' total (locust's CSV has no merged histogram per kind)."""
    summary = {}
    for kind in ("page", "api", "login"):
        names = {name: row for name, row in by_name.items() if name.startswith(f"{kind}:")}
        summary[kind] = {
            "requests": sum(row["requests"] for row in names.values()),
            "failures": sum(row["failures"] for row in names.values()),
            "per_s": round(sum(row["per_s"] for row in names.values()), 2),
            "worst_p95_ms": max((row["p95_ms"] for row in names.values()), default=None),
        }
    return summary


def transactions(database_url: str) -> int:
    """Transactions committed or rolled back in the run's database on the server of `database_url`
    (a standby counts the read-only ones its own sessions ran): where the desk's work went."""
    name = database_url.rsplit("/", 1)[1]
    sql = f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{name}'"
    answer = subprocess.run(["psql", database_url, "-AtXc", sql], capture_output=True, text=True, check=True)
    return int(answer.stdout.strip() or 0)


def run_once(users: int, minutes: float, replica: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="factcheck-load-") as tmp, postgres_database("load") as url:
        workdir = Path(tmp)
        replica_url = f"{replica.rstrip('/')}/{url.rsplit('/', 1)[1]}" if replica else None
        env = django_env(url, replica_url)
        manage(env, "migrate", "--no-input")
        articles = seed(env)
        port = free_port()
        servers = {"primary": url} | ({"replica": replica_url} if replica_url else {})
        before = {role: transactions(server_url) for role, server_url in servers.items()}
        server = serve(env, port, workdir / "gunicorn.log")
        try:
            by_name = locust(port, articles, users, minutes, workdir)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        time.sleep(2)  # a server's statistics reach pg_stat_database up to a second after a session ends
        work = {role: transactions(server_url) - before[role] for role, server_url in servers.items()}
    summary = kinds(by_name)
    total = by_name.get("Aggregated", {})
    return {
        "replica": bool(replica),
        "users": users,
        "seconds": int(minutes * 60),
        "total": total,
        "kinds": summary,
        "transactions": work,
        "requests": {name: row for name, row in by_name.items() if name != "Aggregated"},
        "targets": {
            "no errors": total.get("failures") == 0,
            "page p95 <= 300 ms": all(
                row["p95_ms"] <= P95_TARGET_MS for name, row in by_name.items() if name.startswith("page:")
            ),
            "api p95 <= 300 ms": all(
                row["p95_ms"] <= P95_TARGET_MS for name, row in by_name.items() if name.startswith("api:")
            ),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument(
        "--replica", help="a streaming replica's URL without the database name, e.g. postgres://postgres@127.0.0.1:5433"
    )
    args = parser.parse_args()
    runs = [run_once(args.users, args.minutes, None)]
    if args.replica:
        runs.append(run_once(args.users, args.minutes, args.replica))
    json.dump({"loadtest": runs}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
