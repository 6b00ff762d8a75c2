"""The steps every bench script is made of: progress on standard error, a bench script or
manage.py in its own process (each reads DATABASE_URL at start-up), and a timer."""

from contextlib import contextmanager
import json
import subprocess
import sys
import time

import config

STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def django_script(env: dict[str, str], script: str, *args: str) -> dict:
    """Run bench/<script> in its own process (it reads DATABASE_URL at start-up); return its JSON."""
    result = subprocess.run(
        [str(config.PYTHON), str(config.BENCH / script), *args],
        cwd=config.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench/{script} {' '.join(args)} exited with {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(config.PYTHON), "manage.py", *args], cwd=config.ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} exited with {result.returncode}:\n{result.stderr[-2000:]}")


@contextmanager
def timed(timings: dict[str, float], name: str):
    began = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - began, 2)
