"""`manage.py export_annotations --output FILE` as a child process: wall time, throughput and peak RSS."""

import os
from pathlib import Path
import re
import subprocess
import time

import config


def export_stats(*, env: dict[str, str], workdir: Path, expected: int, options: tuple[str, ...] = ()) -> dict:
    """Run the export once; its own rusage (os.wait4) gives the peak RSS of that process alone."""
    output = workdir / f"export-{expected}.json"
    log = workdir / f"export-{expected}.log"
    command = [str(config.PYTHON), "manage.py", "export_annotations", *options, "--output", str(output)]
    with log.open("wb") as stderr:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=config.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            status, usage = _wait(process, config.EXPORT_TIMEOUT)
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if process.returncode is None:
                process.kill()
                process.wait()
        seconds = time.perf_counter() - began
    message = log.read_text(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"export_annotations exited with {process.returncode}:\n{message[-2000:]}")
    written = re.search(r"Wrote (\d+) verdict", message)
    count = int(written.group(1)) if written else None
    size = output.stat().st_size
    output.unlink()
    return {
        "annotations": count,
        "expected": expected,
        "seconds": round(seconds, 2),
        "annotations_per_s": round(count / seconds) if count else None,
        "options": " ".join(options) or None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "output_mb": round(size / 1_000_000, 1),
    }


def _wait(process: subprocess.Popen, timeout: float):
    """os.wait4 with a deadline (polling), so that a runaway export cannot stall the benchmark."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return status, usage
        if time.monotonic() > deadline:
            raise TimeoutError(f"export_annotations took longer than {timeout:.0f} s")
        time.sleep(0.02)
