"""Seeing the running app: a request id, one JSON log line and Prometheus figures per request, and
the three operator endpoints, /healthz, /readyz and /metrics.

`observe_requests` is the first middleware, so it times everything below it. It answers the three
endpoints itself, before the HTTPS redirect, the host check and the log-in requirement: a load
balancer probes over plain HTTP with its own Host header (often an address), and Prometheus scrapes
each instance by address. None of them reads a session or a user.

The log line names the request's id, user id, method, path (never the query string), view, status,
duration and database queries. Bodies, query strings and headers (Authorization, Cookie) are never
read for it, so passwords, tokens and article text cannot reach the log.
"""

from collections.abc import Callable
from contextlib import ExitStack
import hmac
import ipaddress
import logging
import os
import re
import time
import uuid

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import SimpleLazyObject, empty
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from . import health, logins, selectors

request_log = logging.getLogger("factcheck.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept if it is short and plain (a UUID, a proxy's trace id); else a new one is made.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Any other method is counted and logged as "other": labels stay few whatever a client sends.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "factcheck_http_requests", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
LATENCY = Histogram(
    "factcheck_http_request_duration_seconds",
    "Time from the first middleware receiving a request to its response, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUERIES = Histogram(
    "factcheck_http_request_db_queries",
    "Database queries a request made until its response was returned (not a streamed export's later chunks), by view.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
)


def request_id(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    """The user the request ran as, if anything below asked: a user never read is not loaded here
    (that would cost a session and a user query). DRF's token authentication sets request.user too."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "unresolved"


def observe_requests(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = request_id(request)
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(count))
            endpoint = ENDPOINTS.get(request.path_info)
            if endpoint is not None:
                view = endpoint.__name__
                response = endpoint(request)
            else:
                response = get_response(request)
                view = _view_name(request)
        duration = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request.request_id

        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        LATENCY.labels(view).observe(duration)
        QUERIES.labels(view).observe(queries)
        request_log.info(
            "request",
            extra={
                "fields": {
                    "request_id": request.request_id,
                    "user_id": _user_id(request),
                    "method": method,
                    "path": request.path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "db_queries": queries,
                }
            },
        )
        return response

    return middleware


# --- The operator endpoints ------------------------------------------------------------------------


def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers. No database: a database outage must not make every instance restart."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this instance should get traffic (health.readiness): 200 ready, 503 not."""
    checks = health.readiness()
    ready = health.is_ready(checks)
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, for the networks in FACTCHECK_METRICS_ADDRESSES or a caller with
    the FACTCHECK_METRICS_TOKEN bearer token. Per-request figures come from this process (or, with
    PROMETHEUS_MULTIPROC_DIR set, from every worker process); desk figures are read now (DeskFigures)."""
    if not metrics_allowed(request):
        return HttpResponse(
            "Metrics are served to the addresses in FACTCHECK_METRICS_ADDRESSES "
            "and to callers with the FACTCHECK_METRICS_TOKEN bearer token.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    desk = CollectorRegistry()
    desk.register(DeskFigures())
    return HttpResponse(generate_latest(processes) + generate_latest(desk), content_type=CONTENT_TYPE_LATEST)


ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.FACTCHECK_METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(logins.client_address(request) or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in settings.FACTCHECK_METRICS_NETWORKS)


class DeskFigures(Collector):
    """Figures read from the database at scrape time (three queries, only on /metrics)."""

    def collect(self):
        verdicts = GaugeMetricFamily(
            "factcheck_verdicts", "Live (not deleted) verdicts by review state.", labels=["state"]
        )
        for state, count in selectors.verdicts_by_state().items():
            verdicts.add_metric([state], count)
        yield verdicts
        queue = GaugeMetricFamily(
            "factcheck_task_queue_length", "Background tasks due and not yet started, by queue.", labels=["queue"]
        )
        for name, count in sorted(({"default": 0} | health.task_queue_lengths()).items()):
            queue.add_metric([name], count)
        yield queue
        seen_at = health.worker_seen_at()
        yield GaugeMetricFamily(
            "factcheck_worker_last_seen_timestamp_seconds",
            "When a task worker last ran the heartbeat task (Unix time; 0: never).",
            value=seen_at.timestamp() if seen_at else 0,
        )
