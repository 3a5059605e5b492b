"""`medfin bench`: one run of the whole path at one scale, with its baselines measured in the same
run, written to bench/results/<timestamp>.json and as a row of docs/benchmarks.md.

Phases (each a child process, measured by medfin.bench.process: wall, CPU, peak memory of the
whole process tree):
  generate     `medfin generate` (or the cached delivery of the same arguments and generator:
               cached = true)
  build        `medfin build`: validation, every dbt model, unit and data test, the quality marts,
               the Great Expectations suites, the publication gate and publication; its wall time
               is build_check_s, the time until a warehouse that passed every check is published
  check        `medfin check` run again on the published warehouse: the Great Expectations suites
               and a new release with their results (what re-checking a warehouse costs)
  incremental  the last month of the period loaded with `medfin build --incremental` into a
               warehouse that holds the months before it, with every check as well
               (incremental_vs_full = its wall time over the build phase's)
Baselines: DuckDB loading the delivered files into a database (baseline_load_s) and the
hand-written finance query (baseline_query_s, medfin.bench.finance_query), which must give the
marts' figures to the øre or the benchmark fails. finance_path_s is `dbt build` of the seeds and
models the finance marts need (no tests) on the delivery as delivered, parsed beforehand.
matches_expected: the marts equal the delivery's expected.json (medfin.bench.expected).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medfin.bench.expected import compare_with_expected
from medfin.bench.process import Phase, StepFailed, run_step

FINANCE_MARTS = ("co_financing_by_municipality_month", "full_financing_by_municipality_month")
RESULTS_FOLDER = Path("bench") / "results"
BENCHMARKS_DOC = Path("docs") / "benchmarks.md"
# The row docs/benchmarks.md gets for a run; the table header there must list the same columns.
DOC_COLUMNS = (
    "date",
    "scale",
    "years",
    "build + check s",
    "load baseline s",
    "query baseline s",
    "finance path s",
    "finance ÷ query",
    "increment ÷ full",
    "peak MB",
    "matches expected",
)

Report = Callable[[str], None]


class BenchError(RuntimeError):
    """The benchmark could not run, or its figures disagree (then nothing is recorded)."""


@dataclass
class BenchResult:
    scale: str
    years: str
    seed: int
    region: int | None
    started_at: str
    machine: dict[str, Any]
    delivery: str
    rows: int
    phases: dict[str, Phase] = field(default_factory=dict)
    baseline_load_s: float = 0.0
    baseline_query_s: float = 0.0
    finance_path_s: float = 0.0
    finance_path_vs_query: float = 0.0
    build_check_s: float = 0.0
    incremental_vs_full: float | None = None
    peak_rss_mb: float = 0.0
    matches_expected: bool = False
    query_matches_marts: bool = False
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["phases"] = {name: asdict(phase) for name, phase in self.phases.items()}
        return data


def _python() -> list[str]:
    return [sys.executable]


def _medfin(*args: str) -> list[str]:
    return [*_python(), "-m", "medfin.cli", *args]


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, memory, Python, DuckDB and dbt versions."""
    import platform
    from importlib.metadata import version

    memory_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt_core": version("dbt-core"),
        "dbt_threads": os.environ.get("MEDFIN_DBT_THREADS", "4 (profile default)"),
        "memory_limit": os.environ.get("MEDFIN_MEMORY_LIMIT", "6GB (profile default)"),
    }


def generator_fingerprint() -> str:
    """A short hash of what decides a generated delivery besides its arguments: the generator's
    code, the contract and the seeds (rates, tariffs, codes). A delivery cached by an older
    generator is not reused (it may lack tables and expected figures of today's project)."""
    from medfin.project import seeds_dir

    package = Path(__file__).resolve().parent.parent
    files = sorted((package / "generate").glob("*.py")) + sorted((package / "contract").iterdir())
    files += sorted(seeds_dir().glob("*.csv"))
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def delivery_key(scale: str, years: str, seed: int, region: int | None) -> str:
    region_part = f"-region{region}" if region else ""
    return f"{scale}-{years}-seed{seed}{region_part}-{generator_fingerprint()}"


def _manifest(delivery: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    return data


def _generate(
    scale: str, years: str, seed: int, region: int | None, workdir: Path, logs: Path
) -> tuple[Path, Phase]:
    """The delivery of these arguments: generated, or reused when a complete one is cached (its
    manifest is written last, so a folder with one is whole)."""
    delivery = workdir / "deliveries" / delivery_key(scale, years, seed, region)
    measured = delivery.parent / f"{delivery.name}.generate.json"
    if (delivery / "manifest.json").exists() and measured.exists():
        phase = Phase(**json.loads(measured.read_text(encoding="utf-8")))
        phase.cached = True
        return delivery, phase
    shutil.rmtree(delivery, ignore_errors=True)
    args = ["generate", "--scale", scale, "--years", years, "--seed", str(seed)]
    args += ["--out", str(delivery), "--no-progress"]
    if scale == "region":
        args += ["--region", str(region)]
    phase = run_step("generate", _medfin(*args), logs / "generate.log")
    measured.write_text(json.dumps(asdict(phase)), encoding="utf-8")
    return delivery, phase


# Baseline: DuckDB copying every delivered table into a database file as it is, the cost of
# loading the data at all before any checking or modelling.
_LOAD_BASELINE = """
import json, sys
from pathlib import Path
import duckdb
delivery, target = Path(sys.argv[1]), sys.argv[2]
manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
con = duckdb.connect(target)
con.execute("set enable_progress_bar = false")
for table, entry in manifest["tables"].items():
    path = str(delivery / entry["file"]).replace("'", "''")
    reader = "read_parquet" if path.endswith(".parquet") else "read_csv_auto"
    con.execute(f"create or replace table {table} as select * from {reader}('{path}')")
con.close()
"""


def _finance_path(delivery: Path, scratch: Path, logs: Path) -> Phase:
    """`dbt build` of the seeds and models the finance marts need, without tests, on the delivery
    as delivered (the plain dbt path: on-run-start makes the views over the files). Parsed
    beforehand, untimed: parsing is the same for every build and is not finance work."""
    from medfin.project import project_dir

    project = project_dir()
    target = scratch / "finance-path"
    shutil.rmtree(target, ignore_errors=True)
    env = {
        "MEDFIN_DELIVERY": str(delivery),
        "MEDFIN_WAREHOUSE": str(target / "finance.duckdb"),
        "DBT_TARGET_PATH": str(target / "target"),
        "DBT_LOG_PATH": str(target / "logs"),
    }
    dbt = [str(Path(sys.executable).parent / "dbt")]
    common = ["--project-dir", str(project), "--profiles-dir", str(project)]
    run_step("dbt parse", [*dbt, "parse", *common], logs / "finance-parse.log", env)
    select = " ".join(f"+{mart}" for mart in FINANCE_MARTS)
    phase = run_step(
        "finance path",
        [*dbt, "build", *common, "--select", select]
        + ["--resource-type", "seed", "--resource-type", "model"],
        logs / "finance-path.log",
        env,
    )
    shutil.rmtree(target, ignore_errors=True)
    return phase


def _query_baseline(delivery: Path, warehouse: Path, logs: Path) -> float:
    """The hand-written finance query in a process of its own (its own timing: the query, not
    the interpreter's start); fails unless it gives the marts' figures to the øre."""
    log = logs / "finance-query.log"
    argv = [*_python(), "-m", "medfin.bench.finance_query", str(delivery)]
    argv += ["--warehouse", str(warehouse), "--json"]
    try:
        run_step("finance query", argv, log)
        failed = None
    except StepFailed as exc:  # exit 1 also when the figures differ: the JSON says which
        failed = exc
    lines = log.read_text(encoding="utf-8").strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise BenchError(str(failed or f"the finance query printed no result; see {log}")) from None
    if report.get("differences"):
        raise BenchError(
            "the hand-written finance query and the marts disagree:\n  "
            + "\n  ".join(report["differences"])
        )
    if failed is not None:
        raise BenchError(str(failed))
    return float(report["median_seconds"])


def _incremental(delivery: Path, scratch: Path, logs: Path) -> Phase:
    """Load the months of the period one by one with `medfin build --incremental` (untimed but
    the last), then time the last month: what a monthly delivery costs once the months before it
    are loaded. Loading month by month costs about a build per month (docs/incremental.md), so
    this phase is for the tiny and region scales; --no-incremental leaves it out."""
    from medfin.generate.months import split_into_months

    parts = scratch / "months"
    shutil.rmtree(parts, ignore_errors=True)
    months = split_into_months(delivery, parts)
    warehouse = scratch / "incremental" / "medfin.duckdb"
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    for month in months[:-1]:
        run_step(
            f"month {month.name}",
            _medfin("build", "--incremental", "--delivery", str(month), "--warehouse")
            + [str(warehouse), "--skip-expectations"],  # not measured: what the last starts from
            logs / f"incremental-{month.name}.log",
        )
    phase = run_step(
        "incremental month",
        _medfin("build", "--incremental", "--delivery", str(months[-1]))
        + ["--warehouse", str(warehouse)],
        logs / "incremental.log",
    )
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    shutil.rmtree(parts, ignore_errors=True)
    return phase


def run_bench(
    scale: str,
    years: str,
    workdir: Path,
    *,
    seed: int = 42,
    region: int | None = None,
    incremental: bool = True,
    report: Report = print,
) -> BenchResult:
    """Run every phase and baseline; raise BenchError when a step fails or figures disagree."""
    workdir = workdir.resolve()
    if scale == "region" and region is None:
        from medfin.generate.params import DEFAULT_REGION

        region = DEFAULT_REGION
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = workdir / "logs" / stamp
    scratch = workdir / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        report(f"generate {scale} {years} (seed {seed})")
        delivery, generate = _generate(scale, years, seed, region, workdir, logs)
        rows = sum(t["rows"] for t in _manifest(delivery)["tables"].values())
        result = BenchResult(
            scale=scale,
            years=years,
            seed=seed,
            region=region,
            started_at=stamp,
            machine=machine(),
            delivery=str(delivery),
            rows=rows,
        )
        result.phases["generate"] = generate

        warehouse = scratch / "warehouse" / "medfin.duckdb"
        report(f"build ({rows:,} raw rows)")
        result.phases["build"] = run_step(
            "build",
            _medfin("build", "--delivery", str(delivery), "--warehouse", str(warehouse)),
            logs / "build.log",
        )
        report("check")
        result.phases["check"] = run_step(
            "check", _medfin("check", "--warehouse", str(warehouse)), logs / "check.log"
        )
        result.build_check_s = result.phases["build"].wall_s
        differences = compare_with_expected(warehouse, delivery)
        result.matches_expected = not differences
        if differences:
            result.notes.append(f"{len(differences)} differences from expected.json")

        report("baseline: DuckDB loads the delivered files")
        load = run_step(
            "load baseline",
            [*_python(), "-c", _LOAD_BASELINE, str(delivery), str(scratch / "load.duckdb")],
            logs / "load-baseline.log",
        )
        result.baseline_load_s = load.wall_s
        (scratch / "load.duckdb").unlink(missing_ok=True)

        report("baseline: the hand-written finance query")
        result.baseline_query_s = _query_baseline(delivery, warehouse, logs)
        result.query_matches_marts = True

        report("finance path: dbt build of what the finance marts need")
        result.finance_path_s = _finance_path(delivery, scratch, logs).wall_s
        result.finance_path_vs_query = round(result.finance_path_s / result.baseline_query_s, 2)

        if incremental:
            report("incremental: the last month added to the months before it")
            result.phases["incremental"] = _incremental(delivery, scratch, logs)
            result.incremental_vs_full = round(
                result.phases["incremental"].wall_s / result.phases["build"].wall_s, 3
            )
        measured = [phase.peak_rss_mb for phase in result.phases.values() if not phase.cached]
        result.peak_rss_mb = max(measured, default=0.0)
    except StepFailed as exc:
        raise BenchError(str(exc)) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def write_results(result: BenchResult, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{result.started_at}-{result.scale}-{result.years}.json"
    path.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
    return path


def doc_row(result: BenchResult) -> str:
    increment = (
        f"{result.incremental_vs_full:.1%}" if result.incremental_vs_full is not None else "n/a"
    )
    cells = (
        result.started_at[:8],
        result.scale,
        result.years,
        f"{result.build_check_s:.1f}",
        f"{result.baseline_load_s:.1f}",
        f"{result.baseline_query_s:.1f}",
        f"{result.finance_path_s:.1f}",
        f"{result.finance_path_vs_query:.2f}",
        increment,
        f"{result.peak_rss_mb:,.0f}",
        "true" if result.matches_expected else "**false**",
    )
    return "| " + " | ".join(cells) + " |"


RUNS_HEADING = "## Runs"


def append_doc_row(result: BenchResult, doc: Path) -> None:
    """Add the run as the last row of the table under RUNS_HEADING in docs/benchmarks.md."""
    text = doc.read_text(encoding="utf-8")
    if RUNS_HEADING not in text:
        raise BenchError(f"{doc} has no '{RUNS_HEADING}' section to add the run to")
    head, _, tail = text.partition(RUNS_HEADING)
    lines = tail.split("\n")
    # the table starts at the first line beginning with '|'; insert after its last row
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    last = first
    while last + 1 < len(lines) and lines[last + 1].startswith("|"):
        last += 1
    header = [c.strip() for c in lines[first].strip("|").split("|")]
    if header != list(DOC_COLUMNS):
        raise BenchError(f"the runs table of {doc} has columns {header}, not {list(DOC_COLUMNS)}")
    lines.insert(last + 1, doc_row(result))
    doc.write_text(head + RUNS_HEADING + "\n".join(lines), encoding="utf-8")
