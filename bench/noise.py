"""How much else ran on the machine during a measurement: the figures are only as good as this.

CPU seconds used by other processes = all busy CPU time (/proc/stat) minus this benchmark's own
processes (itself and the children it has waited for, gunicorn's workers included) minus the
PostgreSQL server (its live processes plus the backends the postmaster has reaped).
"""

from dataclasses import dataclass
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _busy_and_steal() -> tuple[float, float]:
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq) / TICKS, steal / TICKS


def _own() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def postgres_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL server so far: its live processes and the backends it has reaped."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            if comm != "postgres":
                continue
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if fields[1] == "1":  # the postmaster: add the backends it has reaped
            total += int(fields[13]) + int(fields[14])
    return total / TICKS


@dataclass(frozen=True, slots=True)
class Sample:
    busy: float
    steal: float
    own: float
    postgres: float


def sample() -> Sample:
    busy, steal = _busy_and_steal()
    return Sample(busy=busy, steal=steal, own=_own(), postgres=postgres_cpu_seconds())


def since(before: Sample) -> dict:
    after = sample()
    own = after.own - before.own
    postgres = after.postgres - before.postgres
    return {
        "bench_cpu_seconds": round(own, 1),
        "postgres_cpu_seconds": round(postgres, 1),
        "other_processes_cpu_seconds": round(max(0.0, after.busy - before.busy - own - postgres), 1),
        "cpu_steal_seconds": round(after.steal - before.steal, 1),
    }
