"""Measure one step of a benchmark as a child process: wall time, CPU time, and the peak resident
memory of the whole process tree (the benchmark's own process included).

Peak memory is sampled from /proc every SAMPLE_SECONDS and summed over the tree: dbt, DuckDB and
Great Expectations all run inside `medfin build`, but a step may start helpers of its own, and the
issue's limit is for everything on the machine that the build needs. Without /proc (not Linux)
the peak is the largest single child's (getrusage), and `rss_sampled` says so.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.1
_PROC = Path("/proc")


@dataclass
class Phase:
    """What one step cost. `cached`: the step was not run (its result was reused)."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rss_sampled: bool = True
    cached: bool = False


class StepFailed(RuntimeError):
    """A measured step exited with an error; the message names it and its log."""


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids of every process on the machine (from /proc/<pid>/stat)."""
    tree: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may hold spaces: the ppid follows the last ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and all its descendants, in kB."""
    tree = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, []))
    return total


class _TreeSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(me))
            self.stop.wait(SAMPLE_SECONDS)


def run_step(
    name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> Phase:
    """Run argv to completion with its output in `log`; raise StepFailed unless it exits 0."""
    sampled = _PROC.joinpath("self", "status").exists()
    sampler = _TreeSampler() if sampled else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        if sampler:
            sampler.start()
        start = time.perf_counter()
        try:
            code = subprocess.run(
                list(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                check=False,
            ).returncode
        finally:
            wall = time.perf_counter() - start
            if sampler:
                sampler.stop.set()
                sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise StepFailed(f"{name} failed (exit {code}); its log: {log}\n" + "\n".join(tail))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_kb = sampler.peak_kb if sampler else after.ru_maxrss
    return Phase(round(wall, 2), round(cpu, 2), round(peak_kb / 1024, 1), rss_sampled=sampled)
