"""A large export written by several processes side by side (`export_annotations --jobs`), like `pg_dump -j`.

Python builds the JSON one row at a time under one interpreter lock, so one process keeps one
core busy. Here the selection is cut into ranges of article ids holding about as many annotations
each. Forked child processes write every range but the first into temporary files next to the
output, while this process writes the first range straight into it; the files are then appended
in order. The bytes are those of the one-process export (tests/test_exporters.py checks it).

Each child opens its own database connection (the parent's are closed before the fork) and reads
its range with its own queries: on a database being written to, the ranges are read moments
apart, as the chunks of a one-process export already are.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import accumulate, pairwise
import multiprocessing
import os
from pathlib import Path
import shutil
import signal
import sys
import tempfile
from types import ModuleType
from typing import BinaryIO

from django.db import connection, connections

from .common import Selection, annotation_counts

# Below this many annotations per process, a child's start-up and queries cost more than they save.
MIN_PER_JOB = 5_000
COPY_BUFFER = 1 << 20


class PartFailed(Exception):
    """A child process ended without writing its part."""


# The default number of processes is one per CPU, up to this: each holds a database connection.
MAX_DEFAULT_JOBS = 8


def default_jobs() -> int:
    return min(getattr(os, "process_cpu_count", os.cpu_count)() or 1, MAX_DEFAULT_JOBS)


def can_fork() -> bool:
    """Children need their own view of the same data: not an in-memory SQLite database (one per
    process), not rows inside this connection's open transaction, and a platform that forks."""
    if "fork" not in multiprocessing.get_all_start_methods() or connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def plan(selection: Selection, jobs: int, *, min_per_job: int = MIN_PER_JOB) -> list[Selection]:
    """The selection cut into at most `jobs` parts of consecutive article ids, with about as many
    selected annotations each, and on average at least `min_per_job`. Every article is in exactly one part."""
    if jobs < 2:
        return [selection]
    counts = annotation_counts(selection)
    total = sum(count for _article_id, count in counts)
    parts = min(jobs, len(counts), total // max(min_per_job, 1))
    if parts < 2:
        return [selection]
    # Cut k goes after the article whose running total of annotations is nearest k/parts of the
    # total, later than the cut before it and early enough to leave an article for each part after.
    running = list(accumulate(count for _article_id, count in counts))
    bounds: list[int] = []
    first = 0
    for cut in range(1, parts):
        nearest = min(range(first, len(counts) - parts + cut), key=lambda i: abs(running[i] - total * cut / parts))
        bounds.append(counts[nearest][0])
        first = nearest + 1
    edges = [selection.after_article, *bounds, selection.through_article]
    return [replace(selection, after_article=low, through_article=high) for low, high in pairwise(edges)]


@dataclass
class _Child:
    process: multiprocessing.Process
    path: Path
    counter: object  # a shared multiprocessing Value: annotations written so far
    reported: int = 0

    def report(self, progress: Callable[[int], None] | None) -> None:
        written = self.counter.value
        if progress and written > self.reported:
            progress(written - self.reported)
        self.reported = written


def write(
    exporter: ModuleType,
    selection: Selection,
    target: BinaryIO,
    *,
    jobs: int,
    min_per_job: int = MIN_PER_JOB,
    base_url: str = "",
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write one whole export document into `target`, with up to `jobs` processes."""
    parts = plan(selection, jobs, min_per_job=min_per_job) if can_fork() else [selection]
    target.write(exporter.head(selection, base_url=base_url))
    children: list[_Child] = []
    try:
        if len(parts) > 1:
            _start(exporter, parts[1:], base_url=base_url, target=target, children=children)

        def own_progress(step: int) -> None:
            if progress:
                progress(step)
            for child in children:
                child.report(progress)

        wrote = False
        for piece in exporter.entries(parts[0], base_url=base_url, progress=own_progress):
            target.write(piece)
            wrote = wrote or bool(piece)
        for number, child in enumerate(children, start=2):
            while child.process.exitcode is None:
                child.process.join(timeout=0.2)
                child.report(progress)
            child.report(progress)  # what it wrote since, if it had ended before
            if child.process.exitcode != 0:
                raise PartFailed(f"part {number} of {len(parts)} failed (exit code {child.process.exitcode})")
            wrote = _append(child.path, target, after_entries=wrote) or wrote
    finally:
        for child in children:
            if child.process.is_alive():
                child.process.terminate()
                child.process.join()
            child.path.unlink(missing_ok=True)
    target.write(exporter.TAIL)


def _start(
    exporter: ModuleType, parts: list[Selection], *, base_url: str, target: BinaryIO, children: list[_Child]
) -> None:
    """Fork one child per part, each added to `children` as soon as it exists (for the caller's cleanup)."""
    # What is buffered here would otherwise be written again by each child as it exits.
    target.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    connections.close_all()
    # Next to the output file (the same disk); for standard output, the system's temporary directory.
    name = getattr(target, "name", None)
    directory = Path(name).parent if isinstance(name, str) and Path(name).is_file() else None
    context = multiprocessing.get_context("fork")
    for part in parts:
        handle, name = tempfile.mkstemp(prefix=".factcheck-export-", suffix=".part", dir=directory)
        os.close(handle)
        counter = context.Value("q", 0, lock=False)
        process = context.Process(
            target=_write_part, args=(exporter, part, base_url, name, counter), name="export-part", daemon=True
        )
        children.append(_Child(process, Path(name), counter))
        process.start()


# Connections a child found open: kept, unused, until it exits (see _leave_inherited_connections).
_inherited: list = []


def _leave_inherited_connections() -> None:
    """In a child: set aside any database connection still open from the parent, without closing it.

    The parent closes its connections before forking, but Django keeps them per thread and, when an
    event loop runs in that thread, per context (asgiref's Local): one opened outside that context
    is still open in the child, on a socket it shares with the parent. Using it would mix both
    processes' messages, and closing it would end the parent's session; it is kept referenced so
    that it is never finalized (the child leaves with os._exit), and the child connects anew.
    """
    for wrapper in connections.all():
        if wrapper.connection is not None:
            _inherited.append(wrapper.connection)
            wrapper.connection = None


def _write_part(exporter: ModuleType, part: Selection, base_url: str, path: str, counter) -> None:
    """In a child process: one part's entries into its file."""
    # Ctrl-C reaches the whole process group: the parent stops the children and removes their files.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _leave_inherited_connections()

    def count(step: int) -> None:
        counter.value += step

    try:
        with open(path, "wb") as output:
            for piece in exporter.entries(part, base_url=base_url, progress=count):
                output.write(piece)
    finally:
        connections.close_all()


def _append(path: Path, target: BinaryIO, *, after_entries: bool) -> bool:
    """Copy a part's entries after those already written (with the comma between); True if it had any."""
    with path.open("rb") as part:
        first = part.read(COPY_BUFFER)
        if not first:
            return False
        target.write(b"," + first if after_entries else first)
        shutil.copyfileobj(part, target, COPY_BUFFER)
    return True
