"""Markdown tables from the JSON that bench/run.py prints, for bench/RESULTS.md.

make bench > bench.json && .venv/bin/python bench/report.py bench.json
.venv/bin/python bench/report.py run1.json run2.json run3.json   # every target across runs
"""

import json
from pathlib import Path
import sys

VENDORS = ("sqlite", "postgresql")
CPU = "server_cpu_ms_per_request"
DATABASE_CPU = "postgres_cpu_ms_per_request"


def _cell(result: dict, path: tuple[str, ...], unit: str = "") -> str:
    value = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return "–"
        value = value[key]
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 100:
        value = round(value)
    text = f"{value:,}" if isinstance(value, int | float) else str(value)
    return f"{text} {unit}".strip()


def figures(report: dict) -> list[str]:
    databases = report["databases"]
    rows = [
        ("Article page p50 (in process)", ("article_page", "p50_ms"), "ms"),
        ("Article page p95", ("article_page", "p95_ms"), "ms"),
        ("Article page requests timed", ("article_page", "requests"), ""),
        ("Article page SQL queries (500 / 100 annotations)", None, ""),
        ("Article page HTML", ("article_page", "response_bytes"), "bytes"),
    ]
    for key in ("c1", "c4"):
        n = key[1:]
        rows += [
            (f"Ceiling GET sources, concurrency {n}: requests/s", ("api", "ceiling", key, "requests_per_s"), ""),
            (f"Ceiling, concurrency {n}: p50 / server CPU per request", ("api", "ceiling", key), "pair"),
            (f"Create, concurrency {n}: requests/s", ("api", "create", key, "requests_per_s"), ""),
            (f"Create, concurrency {n}: p50 / p95", ("api", "create", key), "latency"),
            (f"Create, concurrency {n}: server CPU per request", ("api", "create", key, CPU), "ms"),
            (f"Create, concurrency {n}: PostgreSQL's CPU per request", ("api", "create", key, DATABASE_CPU), "ms"),
            (f"Create, concurrency {n}: share of the ceiling", ("api", "create", key, "share_of_ceiling"), ""),
        ]
    rows += [
        ("List 500 annotations: p50 / p95", ("api", "list_500"), "latency"),
        ("List 500 annotations: server CPU per request", ("api", "list_500", CPU), "ms"),
        ("List 500 annotations: PostgreSQL's CPU per request", ("api", "list_500", DATABASE_CPU), "ms"),
    ]
    for size in ("10000", "100000"):
        rows += [
            (f"Export {int(size):,}: seconds", ("export", size, "seconds"), "s"),
            (f"Export {int(size):,}: annotations/s", ("export", size, "annotations_per_s"), ""),
            (f"Export {int(size):,}: peak RSS", ("export", size, "peak_rss_mb"), "MB"),
        ]
    rows += [
        ("Export 100,000 in one process (--jobs 1): seconds", ("export", "100000_one_process", "seconds"), "s"),
        ("Export, empty selection (start-up, per-article queries)", ("export", "empty_selection", "seconds"), "s"),
        ("Run time for this database", ("wall_seconds",), "s"),
        ("CPU used meanwhile by other processes / stolen by the hypervisor", None, ""),
    ]
    lines = ["| measurement | SQLite | PostgreSQL |", "| --- | ---: | ---: |"]
    for label, path, unit in rows:
        cells = []
        for vendor in VENDORS:
            result = databases.get(vendor, {})
            if label.startswith("Article page SQL"):
                page = result.get("article_page", {})
                cells.append(f"{page.get('queries', '–')} / {page.get('queries_small_article', '–')}")
            elif label.startswith("CPU used meanwhile"):
                other = _cell(result, ("machine_cpu", "other_processes_cpu_seconds"), "s")
                cells.append(f"{other} / {_cell(result, ('machine_cpu', 'cpu_steal_seconds'), 's')}")
            elif path and path[-1] == DATABASE_CPU and vendor == "sqlite":
                cells.append("–")  # SQLite works inside the server's processes
            elif unit == "pair":
                cells.append(f"{_cell(result, (*path, 'p50_ms'), 'ms')} / {_cell(result, (*path, CPU), 'ms')}")
            elif unit == "latency":
                cells.append(f"{_cell(result, (*path, 'p50_ms'))} / {_cell(result, (*path, 'p95_ms'), 'ms')}")
            else:
                cells.append(_cell(result, path, unit))
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return lines


def search_figures(report: dict) -> list[str]:
    """The desk search at 10,000 articles and 100,000 verdicts (bench/search.py), if it ran."""
    results = report.get("search") or {}
    if not results:
        return []
    rows = [
        ("Seed (10,000 articles, 100,000 verdicts)", ("setup_seconds", "seed"), "s"),
        ("migrate annotations 0013 (the index over all of it)", ("migrate_0013_seconds",), "s"),
    ]
    for kind in ("verdict", "article", "source"):
        rows += [
            (f"desk_search {kind}s: p50 / p95", ("desk_search", kind), "latency"),
            (f"GET /api/v1/search/ {kind}s: p50 / p95", ("api_search", kind), "latency"),
        ]
    rows += [
        ("similar_verdicts (a sentence): p50 / p95", ("similar_verdicts",), "latency"),
        ("GET /desk/ (50 reviewers, in process): p50 / p95", ("desk",), "latency"),
        ("GET /desk/: SQL queries · decisions in its 30 days", None, "desk"),
        ("Create, concurrency 1: server CPU per request", ("create", "c1", CPU), "ms"),
        ("Create, concurrency 4: server CPU per request", ("create", "c4", CPU), "ms"),
        ("Run time for this database", ("wall_seconds",), "s"),
        ("CPU used meanwhile by other processes / stolen by the hypervisor", None, ""),
    ]
    lines = ["| desk search at newsroom size | SQLite | PostgreSQL |", "| --- | ---: | ---: |"]
    for label, path, unit in rows:
        cells = []
        for vendor in VENDORS:
            result = results.get(vendor, {})
            if unit == "desk":
                cells.append(f"{_cell(result, ('desk', 'queries'))} · {_cell(result, ('desk', 'decisions'))}")
            elif path is None:
                other = _cell(result, ("machine_cpu", "other_processes_cpu_seconds"), "s")
                cells.append(f"{other} / {_cell(result, ('machine_cpu', 'cpu_steal_seconds'), 's')}")
            elif unit == "latency":
                cells.append(f"{_cell(result, (*path, 'p50_ms'))} / {_cell(result, (*path, 'p95_ms'), 'ms')}")
            else:
                cells.append(_cell(result, path, unit))
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return lines


def targets(report: dict) -> list[str]:
    lines = ["| target | database | value | result |", "| --- | --- | ---: | --- |"]
    for check in report["targets"]:
        verdict = {True: "pass", False: "**fail**", None: "–"}[check["pass"]]
        value = check["value"]
        value = f"{value:,}" if isinstance(value, int | float) else value
        lines.append(f"| {check['target']} | {check['database']} | {value} {check['unit']} | {verdict} |")
    return lines


def across_runs(reports: list[dict]) -> list[str]:
    """Each target's value in every run (in the order given) and how many runs met it."""
    lines = [
        f"Runs: {', '.join(report['date'][11:19] for report in reports)} UTC · commits "
        f"{', '.join(sorted({report['source']['commit'] for report in reports}))}",
        "",
        "| target | database | values, run by run | met |",
        "| --- | --- | --- | ---: |",
    ]
    for index, check in enumerate(reports[0]["targets"]):
        checks = [report["targets"][index] for report in reports]
        values = " · ".join(
            f"{c['value']:,}" if isinstance(c["value"], int | float) else str(c["value"]) for c in checks
        )
        met = sum(1 for c in checks if c["pass"])
        lines.append(f"| {check['target']} | {check['database']} | {values} {check['unit']} | {met} of {len(checks)} |")
    return lines


def main(path: str) -> None:
    report = json.loads(Path(path).read_text())
    machine = report["machine"]
    changed = report.get("source_at_end", report["source"]) != report["source"]
    out = [
        f"Date: {report['date']} · command: `{report['command']}` · commit {report['source']['commit']}"
        f"{' (the code changed during the run!)' if changed else ''} · total {report['total_seconds']} s",
        "",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu_model']}), {machine['memory_gb']} GB, kernel"
        f" {machine['kernel']}; Python {machine['python']}, PostgreSQL {machine['postgresql']}, SQLite"
        f" {machine['sqlite']}, Django {machine['django']}, DRF {machine['djangorestframework']}, gunicorn"
        f" {machine['gunicorn']}. Load average at start {report['load_average_at_start']}.",
        "",
        *(figures(report) if report.get("databases") else []),
        "",
        *search_figures(report),
        "",
        *targets(report),
    ]
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) > 2:
        print("\n".join(across_runs([json.loads(Path(path).read_text()) for path in sys.argv[1:]])))
    else:
        main(sys.argv[1])
