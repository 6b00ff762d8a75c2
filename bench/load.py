"""A small HTTP load generator from the standard library: one http.client connection per thread,
kept alive when the server allows it (and reopened when the server closes it)."""

from collections.abc import Callable
from dataclasses import dataclass, field
import http.client
import itertools
import json
import os
import threading
import time

from stats import summarize


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    expect: int = 200


@dataclass(slots=True)
class Outcome:
    concurrency: int
    seconds: float
    client_cpu_seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connections: int = 0

    def summary(self) -> dict:
        done = len(self.latencies_ms)
        return {
            "concurrency": self.concurrency,
            **summarize(self.latencies_ms),
            "errors": len(self.errors),
            "first_error": self.errors[0] if self.errors else None,
            "seconds": round(self.seconds, 3),
            "requests_per_s": round(done / self.seconds, 1) if self.seconds else 0.0,
            "tcp_connections": self.connections,
            "client_cpu_ms_per_request": round(self.client_cpu_seconds * 1000 / done, 2) if done else None,
        }


class Client:
    """A keep-alive connection with the token header; counts the TCP connections it opens."""

    def __init__(self, port: int, token: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connects = 0
        self.headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        connect = self.connection.connect

        def counting_connect() -> None:
            connect()
            self.connects += 1

        self.connection.connect = counting_connect

    def send(self, request: Request) -> tuple[int, bytes]:
        self.connection.request(request.method, request.path, body=request.body, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def json(self, method: str, path: str, payload: dict | None = None, expect: int = 200) -> dict:
        body = json.dumps(payload).encode() if payload is not None else None
        status, content = self.send(Request(method, path, body, expect))
        if status != expect:
            raise RuntimeError(f"{method} {path} answered {status}, expected {expect}: {content[:300]!r}")
        return json.loads(content)

    def close(self) -> None:
        self.connection.close()


def obtain_token(port: int, username: str, password: str) -> str:
    client = Client(port)
    try:
        return client.json("POST", "/api/v1/auth/token/", {"username": username, "password": password})["token"]
    finally:
        client.close()


def run(
    *,
    port: int,
    token: str,
    make_request: Callable[[int], Request],
    total: int,
    concurrency: int,
    time_cap: float,
) -> Outcome:
    """Send `total` requests (fewer if `time_cap` seconds pass) from `concurrency` threads."""
    numbers = itertools.count()
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    outcome = Outcome(concurrency=concurrency, seconds=0.0, client_cpu_seconds=0.0)
    deadline = time.perf_counter() + time_cap

    def worker() -> None:
        client = Client(port, token)
        latencies, errors = [], []
        start.wait()
        try:
            while True:
                with lock:
                    number = next(numbers)
                if number >= total or time.perf_counter() > deadline:
                    break
                request = make_request(number)
                began = time.perf_counter()
                try:
                    status, content = client.send(request)
                except (OSError, http.client.HTTPException) as exc:
                    errors.append(f"{request.method} {request.path}: {exc!r}")
                    client.close()
                    continue
                elapsed = (time.perf_counter() - began) * 1000
                if status == request.expect:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{request.method} {request.path} answered {status}: {content[:300]!r}")
        finally:
            client.close()
            with lock:
                outcome.latencies_ms.extend(latencies)
                outcome.errors.extend(errors)
                outcome.connections += client.connects

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu_before = sum(os.times()[:2])
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - began
    outcome.client_cpu_seconds = sum(os.times()[:2]) - cpu_before
    return outcome
