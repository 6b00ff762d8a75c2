"""`make serve`'s server: gunicorn with factcheck/gunicorn_config.py, DEBUG off, behind a TLS proxy.
Started for real on a free port against the test database; it answers over the proxy's HTTPS,
redirects plain HTTP, serves static files, refuses a bad setting at start and stops gracefully."""

import http.client
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time

from django.db import connection
import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
PROXIED = {"X-Forwarded-Proto": "https", "Host": "factcheck.example.org"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def production_env(port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACTCHECK_", "DATABASE_"))}
    return env | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-key-value",
        "DJANGO_ALLOWED_HOSTS": "factcheck.example.org",
        "DATABASE_URL": database_url(),
        "FACTCHECK_BIND": f"127.0.0.1:{port}",
        "FACTCHECK_WORKERS": "2",
        "FACTCHECK_ORGANIZATION_NAME": "Desk of Record",
        "FACTCHECK_ORGANIZATION_URL": "https://desk.example",
        **extra,
    }


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    client.request("GET", path, headers=headers)
    response = client.getresponse()
    response.read()
    return response


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}: {process.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not listen within 30 s")


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_behind_the_tls_proxy_and_stops_gracefully(tmp_path):
    port = free_port()
    # As make serve does: the static files collected (hashed, compressed) where WhiteNoise serves them.
    env = production_env(port, DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    manage = [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"]
    subprocess.run(manage, cwd=ROOT, env=env, check=True, timeout=300)
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "python:factcheck.gunicorn_config"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(port, process)
        login = get(port, "/accounts/login/", PROXIED)
        assert login.status == 200
        assert login.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
        plain = get(port, "/accounts/login/", {"Host": "factcheck.example.org"})
        assert (plain.status, plain.getheader("Location")) == (301, "https://factcheck.example.org/accounts/login/")
        style = get(port, "/static/annotations/css/factcheck.css", PROXIED)
        assert (style.status, style.getheader("Content-Type")) == (200, 'text/css; charset="utf-8"')
        assert get(port, "/", {**PROXIED, "Host": "evil.example.com"}).status == 400
        # Both workers' requests are counted in /metrics (prometheus-client's multiprocess mode).
        for _ in range(6):
            get(port, "/accounts/login/?next=/secret-token", PROXIED)
        metrics = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        metrics.request("GET", "/metrics")
        text = metrics.getresponse().read().decode()
        line = 'factcheck_http_requests_total{method="GET",status="200",view="login"}'
        assert f"{line} 7.0" in text, text
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=40)
    assert process.returncode == 0
    assert "Handling signal: term" in output
    assert '"GET /accounts/login/ HTTP/1.1" 200' in output  # the access log, one line per request
    assert "secret-token" not in output  # the path without its query string
    assert "Shutting down: Master" in output


def test_a_bad_worker_count_stops_start_up():
    port = free_port()
    result = subprocess.run(
        [str(GUNICORN), "-c", "python:factcheck.gunicorn_config", "--check-config"],
        cwd=ROOT,
        env=production_env(port, FACTCHECK_WORKERS="many", DATABASE_URL="sqlite:////nonexistent/x.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FACTCHECK_WORKERS='many' must be a whole number of at least 1." in result.stdout + result.stderr
