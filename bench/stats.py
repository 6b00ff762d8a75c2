"""Latency summaries: nearest-rank percentiles in milliseconds."""

import math


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarize(milliseconds: list[float]) -> dict:
    if not milliseconds:
        return {"requests": 0}
    return {
        "requests": len(milliseconds),
        "p50_ms": round(percentile(milliseconds, 0.50), 2),
        "p95_ms": round(percentile(milliseconds, 0.95), 2),
        "mean_ms": round(sum(milliseconds) / len(milliseconds), 2),
        "max_ms": round(max(milliseconds), 2),
    }
