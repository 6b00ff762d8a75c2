"""gunicorn's settings for production (`make serve`, or `gunicorn -c python:factcheck.gunicorn_config
factcheck.wsgi`). Each reads an environment variable, documented in the README's Configuration
table; gunicorn's own command-line flags still override them."""

import glob
import multiprocessing
import os
import tempfile


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}={raw!r} must be a whole number of at least 1.")
    return int(raw)


wsgi_app = "factcheck.wsgi:application"
bind = os.environ.get("FACTCHECK_BIND", "127.0.0.1:8000")
# Sync workers, two per CPU and one more (gunicorn's advice): requests are short and the database
# does the waiting; a slow export streams from a worker of its own.
workers = _int("FACTCHECK_WORKERS", 2 * multiprocessing.cpu_count() + 1)
# A request running longer than this is killed and logged; exports stream, so they stay within it.
timeout = _int("FACTCHECK_WORKER_TIMEOUT", 60)
# On SIGTERM or SIGHUP (a restart), a worker may finish its requests for this long.
graceful_timeout = _int("FACTCHECK_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# A worker is replaced after about this many requests (jittered, so not all at once): a slow leak
# in a dependency never grows without bound.
max_requests = _int("FACTCHECK_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# One access-log line per request on standard output, with its duration in microseconds.
accesslog = "-"
errorlog = "-"
# The path without its query string (%(U)s, not %(r)s): a token in a URL never reaches the log.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(D)sus "%(a)s"'
# The TLS proxy in front sets X-Forwarded-Proto; trust it from these addresses only.
forwarded_allow_ips = os.environ.get("FACTCHECK_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Load the application once in the master: a broken setting stops start-up before any worker forks.
preload_app = True

# /metrics adds up every worker's figures from files in this directory (prometheus-client's
# multiprocess mode): a fresh one per start unless PROMETHEUS_MULTIPROC_DIR names one, which is then
# emptied. Set before the application is loaded, which is when prometheus-client reads it.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="factcheck-metrics-")
for _stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
    os.remove(_stale)


def child_exit(server, worker) -> None:
    """A worker that ended no longer counts in the live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
