"""Benchmarks: wall time and peak memory of generation (and later builds), each reported with a
baseline measured in the same run, so figures compare across machines as ratios.

The baseline for generation is DuckDB writing the same number of rows of trivial data
(`range()` + `hash()`) to zstd Parquet: what the disk and the engine cost before any simulation.
Every measured step runs in its own process so that peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Measurement:
    name: str
    seconds: float
    peak_rss_mb: float
    rows: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# Runs one step as its own child and writes that child's peak RSS (kB) to a file: the parent's
# RUSAGE_CHILDREN would mix every step measured so far.
_WRAPPER = """
import resource, subprocess, sys
subprocess.run(sys.argv[2:], check=True)
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
"""


def measure(name: str, argv: list[str], rows: int | None = None) -> Measurement:
    """Run argv in a child process; wall time and that child's peak resident memory."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _WRAPPER, rss.name, *argv], check=True)
        seconds = time.perf_counter() - start
        peak_kb = int(Path(rss.name).read_text() or 0)
    return Measurement(name, seconds, peak_kb / 1024, rows or 0)


_BASELINE = """
import sys
import duckdb
rows, out = int(sys.argv[1]), sys.argv[2]
con = duckdb.connect()
con.execute("set enable_progress_bar = false")
con.execute(
    "copy (select range as id, hash(range) as h, (hash(range) % 100000)::decimal(14, 2) as amount,"
    f" 'x' || (range % 1000) as code from range({rows})) to '{out}' (format parquet,"
    " compression zstd)"
)
"""


def bench_generate(
    scale: str, years: str, seed: int, workdir: Path, region: int | None = None
) -> dict[str, object]:
    out = workdir / f"bench-{scale}"
    argv = [
        sys.executable,
        "-m",
        "medfin.cli",
        "generate",
        "--scale",
        scale,
        "--years",
        years,
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--no-progress",
    ]
    if region:
        argv += ["--region", str(region)]
    gen = measure(f"generate {scale} {years}", argv)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = sum(t["rows"] for t in manifest["tables"].values())
    gen.rows = rows
    base = measure(
        "baseline: DuckDB writes as many trivial rows",
        [sys.executable, "-c", _BASELINE, str(rows), str(workdir / "baseline.parquet")],
        rows,
    )
    (workdir / "baseline.parquet").unlink(missing_ok=True)
    return {
        "scale": scale,
        "years": years,
        "seed": seed,
        "tables": {k: v["rows"] for k, v in manifest["tables"].items()},
        "measurements": [
            asdict(gen) | {"rows_per_second": gen.rows_per_second},
            asdict(base) | {"rows_per_second": base.rows_per_second},
        ],
        "ratio_to_baseline": gen.seconds / base.seconds if base.seconds else None,
        "delivery": str(out),
    }


# Baseline for a build: DuckDB copying every delivered table into a database file as it is, the
# cost of loading the data at all before any checking or modelling.
_LOAD_BASELINE = """
import json, sys
from pathlib import Path
import duckdb
delivery, target = Path(sys.argv[1]), sys.argv[2]
manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
con = duckdb.connect(target)
con.execute("set enable_progress_bar = false")
for table, entry in manifest["tables"].items():
    con.execute(f"create or replace table {table} as select * from "
                f"read_parquet('{delivery / entry['file']}')")
con.close()
"""


def bench_build(delivery: Path, workdir: Path) -> dict[str, object]:
    """Time `medfin build` of a Parquet delivery against DuckDB loading the same files."""
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    rows = sum(t["rows"] for t in manifest["tables"].values())
    warehouse = workdir / "bench-build.duckdb"
    build = measure(
        "medfin build (seed + dbt build with all tests + quality checks + publication)",
        [
            sys.executable,
            "-m",
            "medfin.cli",
            "build",
            "--delivery",
            str(delivery),
            "--warehouse",
            str(warehouse),
        ],
        rows,
    )
    baseline_db = workdir / "bench-baseline.duckdb"
    base = measure(
        "baseline: DuckDB loads the delivered files",
        [sys.executable, "-c", _LOAD_BASELINE, str(delivery), str(baseline_db)],
        rows,
    )
    baseline_db.unlink(missing_ok=True)
    return {
        "delivery": str(delivery),
        "tables": {k: v["rows"] for k, v in manifest["tables"].items()},
        "measurements": [
            asdict(build) | {"rows_per_second": build.rows_per_second},
            asdict(base) | {"rows_per_second": base.rows_per_second},
        ],
        "ratio_to_baseline": build.seconds / base.seconds if base.seconds else None,
        "warehouse": str(warehouse),
    }
