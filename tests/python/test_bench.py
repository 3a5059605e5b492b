"""`medfin bench --scale tiny` as a smoke test: every phase and baseline runs, the JSON has its
fields, the runs table gets its row, and a failing step records nothing. No timing assertions:
timings are compared as ratios in docs/benchmarks.md, never asserted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from medfin.bench.harness import DOC_COLUMNS, RUNS_HEADING, delivery_key
from warehouses import SEED, generated_delivery

REPO = Path(__file__).resolve().parents[2]
Run = subprocess.CompletedProcess[str]
# What a cached delivery's generation is recorded as having cost.
MEASURED = {"wall_s": 1.0, "cpu_s": 1.0, "peak_rss_mb": 1.0}

PHASE_FIELDS = {"wall_s", "cpu_s", "peak_rss_mb"}
RESULT_FIELDS = {
    "scale",
    "years",
    "phases",
    "baseline_load_s",
    "baseline_query_s",
    "finance_path_s",
    "finance_path_vs_query",
    "build_check_s",
    "incremental_vs_full",
    "peak_rss_mb",
    "matches_expected",
}


def _runs_table(path: Path) -> Path:
    """A copy of the runs table of docs/benchmarks.md (the real one is not written by tests)."""
    text = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    return path


def _runs_rows(doc: str) -> list[str]:
    """The lines of the first table under the runs heading (header, rule, runs)."""
    lines = doc.split(RUNS_HEADING)[1].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def _bench(workdir: Path, doc: Path, *extra: str) -> Run:
    return subprocess.run(
        [sys.executable, "-m", "medfin.cli", "bench", "--scale", "tiny", "--seed", str(SEED)]
        + ["--workdir", str(workdir), "--results", str(workdir / "results"), "--doc", str(doc)]
        + list(extra),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def _cache(delivery: Path, workdir: Path, generate: dict[str, object]) -> Path:
    """Put a delivery where the benchmark looks for the one of its arguments."""
    cached = workdir / "deliveries" / delivery_key("tiny", "2021", SEED, None)
    shutil.copytree(delivery, cached)
    (cached.parent / f"{cached.name}.generate.json").write_text(json.dumps(generate))
    return cached


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    workdir = tmp_path_factory.mktemp("bench")
    # The session's tiny delivery, cached: the benchmark reuses it instead of generating it again.
    _cache(generated_delivery("default"), workdir, MEASURED)
    doc = _runs_table(workdir / "benchmarks.md")
    return _bench(workdir, doc, "--no-incremental"), workdir


def test_a_tiny_run_writes_every_field_and_a_row(
    tiny_run: tuple[Run, Path],
) -> None:
    run, workdir = tiny_run
    assert run.returncode == 0, run.stdout + run.stderr
    [path] = (workdir / "results").glob("*-tiny-2021.json")
    result = json.loads(path.read_text(encoding="utf-8"))
    assert set(result) >= RESULT_FIELDS
    assert result["phases"]["generate"]["cached"] is True
    for name in ("build", "check"):
        phase = result["phases"][name]
        assert set(phase) >= PHASE_FIELDS and phase["wall_s"] > 0 and phase["peak_rss_mb"] > 0
    assert result["matches_expected"] is True and result["query_matches_marts"] is True
    assert result["baseline_query_s"] > 0 and result["finance_path_s"] > 0
    assert result["finance_path_vs_query"] == round(
        result["finance_path_s"] / result["baseline_query_s"], 2
    )
    assert result["build_check_s"] == result["phases"]["build"]["wall_s"]
    # The whole tree: at least the build's own process.
    assert result["peak_rss_mb"] >= result["phases"]["build"]["peak_rss_mb"]
    assert result["incremental_vs_full"] is None  # --no-incremental

    header, _, *runs = _runs_rows((workdir / "benchmarks.md").read_text(encoding="utf-8"))
    assert [c.strip() for c in header.strip("|").split("|")] == list(DOC_COLUMNS)
    assert runs[-1].split("|")[2].strip() == "tiny" and runs[-1].rstrip().endswith("| true |")


def test_the_runs_table_of_the_docs_has_the_benchmark_columns() -> None:
    header, *_ = _runs_rows((REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8"))
    assert [c.strip() for c in header.strip("|").split("|")] == list(DOC_COLUMNS)


def test_a_failing_step_records_nothing(tmp_path: Path) -> None:
    """A delivery that the build refuses: exit 1 naming the step and its log, no JSON, no row."""
    delivery = _cache(generated_delivery("default"), tmp_path, MEASURED)
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    first = next(iter(manifest["tables"].values()))
    first["sha256"] = "0" * 64
    (delivery / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    doc = _runs_table(tmp_path / "benchmarks.md")
    before = doc.read_text(encoding="utf-8")
    run = _bench(tmp_path, doc, "--no-incremental")
    assert run.returncode == 1
    assert "build failed" in run.stderr and "build.log" in run.stderr
    assert not (tmp_path / "results").exists()
    assert doc.read_text(encoding="utf-8") == before


def test_a_delivery_of_another_generator_or_seed_is_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key names the generator's code, contract and seeds: a seed changed since a
    delivery was generated gives another key, so the benchmark generates anew."""
    before = delivery_key("tiny", "2021", SEED, None)
    project = tmp_path / "project"
    shutil.copytree(REPO / "seeds", project / "seeds")
    (project / "dbt_project.yml").write_text("name: copy\n")
    monkeypatch.setenv("MEDFIN_PROJECT_DIR", str(project))
    assert delivery_key("tiny", "2021", SEED, None) == before
    tariffs = project / "seeds" / "co_financing_rules.csv"
    tariffs.write_text(tariffs.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert delivery_key("tiny", "2021", SEED, None) != before
