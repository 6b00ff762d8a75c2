"""gunicorn on 127.0.0.1 for the duration of a `with` block, and its CPU time from /proc."""

import contextlib
import http.client
import os
from pathlib import Path
import signal
import socket
import subprocess
import time

from config import GUNICORN, ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the third on (state, ppid, …): the name may hold spaces."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()


class Gunicorn:
    """`gunicorn factcheck.wsgi -w WORKERS -b 127.0.0.1:PORT --keep-alive 5`, stopped (by its pid) on exit."""

    def __init__(self, *, env: dict[str, str], log_path: Path, workers: int = 2):
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.command = [
            str(GUNICORN), "factcheck.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--keep-alive", "5",
        ]  # fmt: skip

    def __enter__(self) -> "Gunicorn":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    connection.request("GET", "/api/v1/")
                    connection.getresponse().read()
                    return
                except OSError:
                    pass
                finally:
                    connection.close()
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def worker_pids(self) -> list[int]:
        master = self.process.pid
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                fields = _stat(int(entry))
                if fields and int(fields[1]) == master:
                    pids.append(int(entry))
        return pids

    def cpu_seconds(self) -> float:
        """User + system time of the master and its live workers, plus the workers it has reaped."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            fields = _stat(pid)
            if fields:
                # utime, stime are fields 14 and 15 of stat; cutime, cstime 16 and 17 (children reaped).
                total += int(fields[11]) + int(fields[12])
                if pid == self.process.pid:
                    total += int(fields[13]) + int(fields[14])
        return total / CLOCK_TICKS

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # The master has not reaped these yet, so their pids are still theirs.
            for pid in self.worker_pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()
