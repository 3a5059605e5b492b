"""Build the warehouse from a delivery: validate it, run dbt, record every check, and publish the
new warehouse only when no fatal or error check failed (the publication gate, docs/data-quality.md).

Layout next to the warehouse file (default `warehouse/medfin.duckdb`):

    warehouse/medfin.duckdb                  the published warehouse (controllers; owner and group)
    warehouse/medfin-marts.duckdb            the published analyst file (aggregated marts only)
    warehouse/medfin.current, .releases/     where those two names point (medfin.publish)
    warehouse/medfin.checks/                 Great Expectations Data Docs and the quality report
    warehouse/medfin.work/delivery/          symlinks to the delivered files + empty optional
                                             tables + _delivery_audit.csv
    warehouse/medfin.work/candidate.duckdb   the new warehouse while it is built and checked
    warehouse/medfin.work/candidate-marts.duckdb  the new analyst file before publication
    warehouse/medfin.work/target/, logs/     dbt's artifacts and log (logs/dbt.log), last build

dbt builds the candidate, never the published file: readers keep the last good warehouse while a
build runs (DuckDB locks a file that is open for writing), and a build that fails its checks
leaves it untouched. The candidate is created empty first, in the storage format of
$MEDFIN_STORAGE_COMPATIBILITY (DuckDB 1.x clients read it). The history tables
(quality.check_results, quality.golden_figures) are copied from the published warehouse into the
candidate, so history survives every build. After the gate, the analyst file is written from the
candidate and scanned for person-level data; both files are then published in one step.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from medfin import increment, publish
from medfin.analyst_file import AnalystFile, AnalystFileError, analyst_tables, write_analyst_file
from medfin.checks import catalogue, dbt_results, golden, history
from medfin.checks.history import CheckResult
from medfin.contract import AUDIT_ENV, DELIVERY_ENV, DELIVERY_FORMAT_ENV
from medfin.extract import AUDIT_NAME, Delivery, DeliveryError, receive_delivery, stage_delivery
from medfin.lock import WarehouseBusyError, warehouse_lock
from medfin.project import project_dir

WAREHOUSE_ENV = "MEDFIN_WAREHOUSE"
# Which regions the health-council data packages show: today's five or the four of 2027
# (int_data_package_geography reads it; a dbt var of the same name overrides it).
REGIONS_ENV = "MEDFIN_DATA_PACKAGE_REGIONS"
REGION_SCHEMES = ("current", "2027")
DEFAULT_WAREHOUSE = Path("warehouse/medfin.duckdb")
CANDIDATE_NAME = "candidate.duckdb"
CANDIDATE_MARTS_NAME = f"candidate{publish.MARTS_SUFFIX}.duckdb"
ANALYST_CHECK = "analyst_file_private"
# The marts whose row counts the build summary shows.
SUMMARY_MARTS = (
    "finance.co_financing_by_municipality_month",
    "finance.full_financing_by_municipality_month",
    "finance.co_financing_per_citizen",
    "finance.co_financing_per_citizen_by_age_group",
    "core.fct_population",
    "reporting.data_package",
)


@dataclass(frozen=True)
class Progress:
    """What the build is doing now, for a progress display: `phase`, and within the dbt build the
    nodes `done` of `total` and the node that started last."""

    phase: str
    done: int = 0
    total: int = 0
    node: str = ""


ProgressCallback = Callable[[Progress], None]


class BuildError(RuntimeError):
    """dbt failed or a check stopped publication; the message says which and where to look.

    `candidate` is the unpublished warehouse of the failed build (None when dbt never started),
    `failed_checks` the checks that stopped publication.
    """

    def __init__(
        self,
        message: str,
        *,
        candidate: Path | None = None,
        failed_checks: Sequence[CheckResult] = (),
    ) -> None:
        super().__init__(message)
        self.candidate = candidate
        self.failed_checks = list(failed_checks)


@dataclass(frozen=True)
class BuildResult:
    warehouse: Path
    delivery: Delivery
    seconds: float
    run_id: str
    checks: list[CheckResult]
    published: bool
    marts: Path | None = None  # the published analyst file
    analyst_file: AnalystFile | None = None
    report: Path | None = None  # the quality report (None when the expectations were skipped)
    row_counts: dict[str, int] = field(default_factory=dict)  # SUMMARY_MARTS in the release
    log: Path | None = None  # dbt's log of this build
    # A monthly increment: what it loaded (published), or why nothing was done (not published).
    load_note: str | None = None

    @property
    def warnings(self) -> list[CheckResult]:
        """Checks that failed without stopping publication (severity warning)."""
        failed = [c for c in self.checks if c.status in ("failed", "error")]
        return [c for c in failed if not c.blocks_publication]

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)


def default_warehouse() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)


def work_dir(warehouse: Path) -> Path:
    """The build's scratch folder next to the warehouse file."""
    return warehouse.with_name(f"{warehouse.stem}.work")


def check_published_warehouse(warehouse: Path, report_dir: Path | None = None) -> Any:
    """`medfin check` of a published warehouse, which is never written in place: both published
    files are copied into the work folder, the suites run on the copy (their results appended to
    its check history), and the copies are published as a new release by the same one-rename swap
    as a build. Readers keep the previous release until then; a check killed half-way leaves only
    a copy in the work folder. Call it holding the warehouse's lock. Returns the CheckRun."""
    from medfin.checks import default_report_dir, run_checks

    where = publish.layout(warehouse)
    work = work_dir(where.warehouse)
    work.mkdir(mode=0o750, exist_ok=True)
    full = work / f"check-{CANDIDATE_NAME}"
    marts = work / f"check-{CANDIDATE_MARTS_NAME}"
    shutil.copyfile(where.warehouse, full)
    shutil.copyfile(where.marts, marts)
    run = run_checks(full, report_dir or default_report_dir(where.warehouse))
    publish.publish(where.warehouse, full, marts, f"check-{run.run_id}")
    return run


def _why_unreadable(warehouse: Path, error: duckdb.Error) -> str:
    """One line on why the published warehouse cannot be opened, from what is on disk, instead
    of guessing at a writer: a folder, a file that is no DuckDB database, a stale WAL beside it,
    or (only when none of these) another process writing it."""
    if warehouse.is_dir():
        return "it is a folder, not a DuckDB file; give --warehouse a file path"
    with warehouse.open("rb") as fh:
        header = fh.read(12)
    if header[8:12] != b"DUCK":
        return "it is not a DuckDB database file; move it away or give another --warehouse"
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():
        return (
            f"a write-ahead log {wal} lies beside it from an interrupted writer; if no process"
            " uses the warehouse, move the .wal file away and build again"
        )
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{first}. Another process may have it open for writing; close it and build again."


@contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for dbt (which reads env_var() from os.environ), then restore."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_env(
    staged_delivery: Path, fmt: str, warehouse: Path, regions: str | None = None
) -> dict[str, str]:
    """What dbt reads from the environment when `medfin build` runs it: the staged folder
    (stage_delivery) read as `<table>.<fmt>`, and the audit that validation wrote there. They win
    over what a plain `dbt build` works out from the delivery itself (macros/hooks/)."""
    values = {
        DELIVERY_ENV: str(staged_delivery),
        DELIVERY_FORMAT_ENV: fmt,
        AUDIT_ENV: str(staged_delivery / AUDIT_NAME),
        WAREHOUSE_ENV: str(warehouse),
    }
    if regions is not None:
        if regions not in REGION_SCHEMES:
            raise BuildError(f"regions must be one of {', '.join(REGION_SCHEMES)}, not {regions!r}")
        values[REGIONS_ENV] = regions
    return values


class Dbt:
    """One dbtRunner reused for several commands (saves about a second per command).

    Artifacts (run_results.json, manifest.json) and the log go to `work` when given, so that
    builds of different warehouses never share dbt's target folder.
    """

    def __init__(
        self,
        project: Path | None = None,
        work: Path | None = None,
        *,
        verbose: bool = True,
        progress: ProgressCallback | None = None,
    ) -> None:
        from dbt.cli.main import dbtRunner

        self.project = (project or project_dir()).resolve()
        self.target_path = work / "target" if work else None
        self.log_path = work / "logs" if work else None
        # Not verbose: dbt writes its node log only to <log_path>/dbt.log, not to the terminal.
        self.verbose = verbose
        self._progress = progress
        self._phase = ""
        self._total = 0
        self._done = 0
        self._runner = dbtRunner(callbacks=[self._on_event] if progress else [])

    @property
    def log_file(self) -> Path:
        return (self.log_path or Path("logs")) / "dbt.log"

    def _on_event(self, event: Any) -> None:
        """dbt event callback: nodes done of total, for the progress display."""
        if self._progress is None:
            return
        name = event.info.name
        if name == "ConcurrencyLine":
            self._total = int(event.data.node_count)
            self._done = 0
        elif name == "NodeStart":
            node = event.data.node_info.node_name
            self._progress(Progress(self._phase, self._done, self._total, node))
        elif name == "NodeFinished":
            self._done += 1
            # dbt's node_count leaves unit tests out: never show more done than total
            self._total = max(self._total, self._done)
            node = event.data.node_info.node_name
            self._progress(Progress(self._phase, self._done, self._total, node))

    def invoke(self, args: Sequence[str], *, check: bool = True) -> Any:
        """Run `dbt <args>` against the project; raise BuildError unless it succeeded.

        With check=False a failed command (failing tests, a model error) returns its result; dbt
        being unable to run at all still raises.
        """
        full = [*args, "--project-dir", str(self.project), "--profiles-dir", str(self.project)]
        if self.target_path is not None and self.log_path is not None:
            full += ["--target-path", str(self.target_path), "--log-path", str(self.log_path)]
        if not self.verbose:
            full += ["--log-level", "none", "--log-level-file", "debug"]
        self._phase = f"dbt {args[0]}"
        # On a full disk every dbt log line fails to write, and Python's logging prints a
        # traceback for each (84,897 lines for one tiny build): report the cause once instead.
        raise_exceptions = logging.raiseExceptions
        logging.raiseExceptions = False
        # dbt changes the process's working directory to the project; give the caller its own
        # back (a test's temporary project may be deleted while the process goes on).
        cwd = os.getcwd()
        try:
            result = self._runner.invoke(full)
        finally:
            logging.raiseExceptions = raise_exceptions
            os.chdir(cwd)
            release_duckdb()
        command = " ".join(args)
        if result.exception is not None:
            cause = result.exception
            full_disk = isinstance(cause, OSError) and cause.errno == errno.ENOSPC
            where = f" (the disk that holds {self.log_path} is full)" if full_disk else ""
            raise BuildError(
                f"dbt {command} could not run: {cause}{where}\n"
                f"The full dbt log: {self.log_file.resolve()}"
            )
        if check and not result.success:
            raise BuildError(f"dbt {command} failed:\n{_failures(result.result, self.log_path)}")
        return result


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after a command.

    dbt-duckdb 1.11 defaults to `keep_open: true`: its process-wide environment holds the database
    until the process exits, which locks the file against other processes and against opening it
    read-only (or renaming it for publication) in this one. Closing it also checkpoints the WAL.
    Uses dbt-duckdb internals (DuckDBConnectionManager._ENV), hence the defensive getattr.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with manager._LOCK:
        env = getattr(manager, "_ENV", None)
        if env is not None:
            env.close()
            manager._ENV = None


def _failures(run_result: Any, log_path: Path | None = None) -> str:
    """One line per failed node: status, node and the first 500 characters of its message."""
    lines = []
    for node_result in getattr(run_result, "results", None) or []:
        status = str(getattr(node_result, "status", ""))
        if status in {"error", "fail", "runtime error"}:
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", "?")
            message = [
                m.strip() for m in str(getattr(node_result, "message", "") or "").splitlines()
            ]
            detail = " | ".join(m for m in message if m)[:500]
            lines.append(f"  - {status}: {name}: {detail}")
    log = (log_path or Path("logs")) / "dbt.log"
    return "\n".join(lines) or f"  (see the dbt log {log})"


def build(
    delivery_dir: Path | str,
    warehouse: Path | str | None = None,
    *,
    project: Path | None = None,
    verify_sha256: bool = True,
    expectations: bool = True,
    verbose: bool = True,
    progress: ProgressCallback | None = None,
    regions: str | None = None,
    incremental: bool = False,
) -> BuildResult:
    """Validate `delivery_dir`, build a candidate warehouse with dbt, record and gate the checks,
    write and scan the analyst file, and publish both files when no fatal or error check failed.

    incremental=True adds a month delivery to the published warehouse (docs/incremental.md): the
    candidate starts as a copy of it, dbt reads every loaded month (the month replacing an earlier
    version of itself) and judges in staging only the months it affects; a month loaded already
    with the same files changes nothing (result not published, `load_note` says so). Without a
    published warehouse the month starts one. A delivery that is not one calendar month, or does
    not fit the loaded months, raises DeliveryError (medfin.increment.LoadRefused).

    expectations=False skips the Great Expectations suites (dbt tests and quality-mart checks
    still gate publication). verbose=False keeps dbt's node log out of the terminal (it is always
    in <warehouse stem>.work/logs/dbt.log); `progress` is called as the build goes. Raises
    DeliveryError for a bad delivery and BuildError when dbt cannot run, a node fails to build,
    or a check stops publication; then the published files are left as they were. `regions`
    (`current` or `2027`) picks the regions of the data packages (default:
    $MEDFIN_DATA_PACKAGE_REGIONS, else current).
    """
    started = time.perf_counter()
    # Absolute but not resolved: the published names are links into the current release.
    target = publish.layout(Path(warehouse) if warehouse is not None else default_warehouse())
    try:
        target.warehouse.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(
            f"cannot put a warehouse in {target.warehouse.parent}: {exc.strerror or exc}"
        ) from None
    try:
        with warehouse_lock(target.warehouse, "build"):
            return _build(
                delivery_dir,
                target,
                started,
                project=project,
                verify_sha256=verify_sha256,
                expectations=expectations,
                verbose=verbose,
                progress=progress,
                regions=regions,
                incremental=incremental,
            )
    except WarehouseBusyError as exc:
        raise BuildError(str(exc)) from None


def _build(
    delivery_dir: Path | str,
    target: publish.Layout,
    started: float,
    *,
    project: Path | None,
    verify_sha256: bool,
    expectations: bool,
    verbose: bool,
    progress: ProgressCallback | None,
    regions: str | None,
    incremental: bool = False,
) -> BuildResult:
    """build() while holding the warehouse's lock."""
    report = progress or (lambda _: None)
    report(Progress("validating the delivery"))
    work = work_dir(target.warehouse)
    # The work folder holds person-level data (the candidate, the delivery's copy): owner and
    # group only, like the published full warehouse.
    work.mkdir(mode=0o750, exist_ok=True)
    os.chmod(work, 0o750)
    # Validated and read from one private copy: what is verified is what is published.
    try:
        delivery = receive_delivery(delivery_dir, work / "received", verify_sha256=verify_sha256)
    except DeliveryError as exc:
        raise _refused(exc, work, target.warehouse) from None
    load: increment.Load | None = None
    if incremental:
        planned = _plan_load(delivery, target, work, project)
        if isinstance(planned, str):
            return BuildResult(
                warehouse=target.warehouse,
                delivery=delivery,
                seconds=time.perf_counter() - started,
                run_id="",
                checks=[],
                published=False,
                load_note=planned,
            )
        load = planned
    months = increment.store_dir(target.warehouse)
    try:
        return _build_candidate(
            delivery,
            target,
            started,
            work,
            load,
            months,
            project=project,
            expectations=expectations,
            verbose=verbose,
            progress=progress,
            regions=regions,
        )
    finally:
        if load is not None or months.exists():
            # Keep the files the published warehouse lists, whichever it is now (none after a
            # full build).
            _collect_garbage(target.warehouse, months)


def _plan_load(
    delivery: Delivery, target: publish.Layout, work: Path, project: Path | None
) -> increment.Load | str:
    """The month load of `delivery` (medfin.increment.plan), refusals written like a refused
    delivery's."""
    published = target.warehouse.exists()
    fingerprint = increment.project_fingerprint((project or project_dir()).resolve())
    try:
        return increment.plan(delivery, target.warehouse, published, fingerprint)
    except DeliveryError as exc:
        raise _refused(exc, work, target.warehouse) from None
    except duckdb.Error as exc:
        raise BuildError(
            f"cannot read the loaded months of the published warehouse {target.warehouse}:"
            f" {_why_unreadable(target.warehouse, exc)}"
        ) from None


def _collect_garbage(warehouse: Path, months: Path) -> None:
    """The month store keeps what the published warehouse lists (nothing after a full build)."""
    try:
        loaded = increment.read_loaded(warehouse) if warehouse.exists() else None
    except duckdb.Error:
        return  # unreadable now: leave the store as it is rather than guess
    increment.collect_garbage(months, loaded.store_paths() if loaded else ())


def _build_candidate(
    delivery: Delivery,
    target: publish.Layout,
    started: float,
    work: Path,
    load: increment.Load | None,
    months: Path,
    *,
    project: Path | None,
    expectations: bool,
    verbose: bool,
    progress: ProgressCallback | None,
    regions: str | None,
) -> BuildResult:
    """Build, check and publish the candidate of `delivery` (or of `load`, a monthly increment)."""
    report = progress or (lambda _: None)
    if load is None:
        staged = stage_delivery(delivery, work / "delivery")
    else:
        loaded = increment.store(load, months)
        staged = increment.stage(loaded, months, work / "delivery", delivery)
    candidate = work / CANDIDATE_NAME
    try:
        publish.check_published(target.warehouse)
        publish.create_database(candidate)
        if load is not None and load.before is not None:
            # The published warehouse, history and base tables included (never written in place).
            shutil.copyfile(target.warehouse, candidate)
        else:
            history.carry_over(target.warehouse, candidate)
        if load is not None:
            with duckdb.connect(str(candidate)) as con:
                increment.write_loaded(con, load.after)
    except publish.PublishError as exc:
        raise BuildError(str(exc)) from exc
    except duckdb.Error as exc:
        raise BuildError(
            f"cannot read the check history of the published warehouse {target.warehouse}:"
            f" {_why_unreadable(target.warehouse, exc)}"
        ) from None

    dbt = Dbt(project, work, verbose=verbose, progress=progress)
    env = dbt_env(staged, delivery.format, candidate, regions)
    if load is not None:
        env |= load.dbt_env()
    with environ(env):
        # One invocation (seeds first in the DAG): a separate `dbt seed` parsed the project
        # once more, about 4 s a build.
        try:
            outcome = dbt.invoke(["build"], check=False)
        except BuildError as exc:
            raise BuildError(
                f"{exc}\nThe published warehouse {target.warehouse} was left as it was."
            ) from None
    run = dbt_results.read_run(dbt.target_path or work / "target")

    with duckdb.connect(str(candidate)) as con:
        if load is not None:
            increment.record_run(con, load.month, run.invocation_id)
        entries = _catalogue(con)
        rows = dbt_results.check_results(run, entries, delivery.delivery_id)
        rows += _mart_checks(con, run, delivery.delivery_id)
        history.record_results(con, rows)
        history.comment_tables(con, run.sources)

    report_path: Path | None = None
    if expectations and outcome.success:
        from medfin.checks import default_report_dir, run_checks, write_report

        report(Progress("Great Expectations suites"))
        checked = run_checks(
            candidate, report_dir=default_report_dir(target.warehouse), run_id=run.invocation_id
        )
        report_path = write_report(checked)

    with duckdb.connect(str(candidate)) as con:
        checks = history.run_results(con, run.invocation_id)
        stopping = history.blocking(checks)
        if not stopping and not outcome.success:
            failed = ", ".join(run.failed_nodes) or "see the dbt log"
            raise BuildError(
                f"dbt build failed ({failed}):\n{_failures(outcome.result, dbt.log_path)}\n"
                f"The published warehouse {target.warehouse} was left as it was.",
                candidate=candidate,
            )
        if stopping and run.broken_nodes:
            # A node dbt could not build (a corrupt file, a full disk) makes every check after it
            # fail as well: name the cause first, not 47 consequences.
            raise BuildError(
                _broken_build_message(run, delivery, stopping, target.warehouse, candidate, dbt),
                candidate=candidate,
                failed_checks=stopping,
            )
        if stopping:
            raise BuildError(
                _gate_message(stopping, target.warehouse, candidate),
                candidate=candidate,
                failed_checks=stopping,
            )
        golden.store(con, run.invocation_id, run.started_at, delivery.delivery_id)
    release_duckdb()

    report(Progress("writing the analyst file"))
    analyst = _analyst_file(candidate, work / CANDIDATE_MARTS_NAME, run, delivery.delivery_id)
    if analyst.findings:
        publish.remove_database(analyst.path)  # never leave the refused file lying around
        raise BuildError(
            f"not published: the analyst file would carry person-level data (fatal check"
            f" {ANALYST_CHECK}):\n"
            + "\n".join(f"  - {finding}" for finding in analyst.findings)
            + f"\nMark only aggregated models `meta: {{analyst_file: true}}`."
            f"\nThe published files {target.warehouse} and {target.marts} were left as they"
            " were.",
            candidate=candidate,
        )
    with duckdb.connect(str(candidate)) as con:
        checks = history.run_results(con, run.invocation_id)
        counts = _row_counts(con)

    report(Progress("publishing"))
    try:
        publish.publish(target.warehouse, candidate, analyst.path, run.invocation_id)
    except publish.PublishError as exc:
        raise BuildError(str(exc), candidate=candidate) from exc
    return BuildResult(
        warehouse=target.warehouse,
        delivery=delivery,
        seconds=time.perf_counter() - started,
        run_id=run.invocation_id,
        checks=checks,
        published=True,
        marts=target.marts,
        analyst_file=analyst,
        report=report_path,
        row_counts=counts,
        log=dbt.log_file,
        load_note=load.describe() if load is not None else None,
    )


def _analyst_file(
    candidate: Path, destination: Path, run: dbt_results.DbtRun, delivery_id: str | None
) -> AnalystFile:
    """Write the analyst file from the candidate and record its privacy check in the candidate."""
    try:
        analyst = write_analyst_file(candidate, destination, analyst_tables(run.nodes))
    except (AnalystFileError, duckdb.Error) as exc:
        raise BuildError(f"cannot write the analyst file {destination}: {exc}") from exc
    with duckdb.connect(str(candidate)) as con:
        entry = _catalogue(con).get(ANALYST_CHECK)
        if entry is None:
            raise BuildError(f"{catalogue.TABLE} has no row valid today for {ANALYST_CHECK}")
        examined = len(analyst.tables)
        history.record_results(
            con,
            [
                CheckResult(
                    run_id=run.invocation_id,
                    run_at=run.started_at,
                    delivery_id=delivery_id,
                    checked_by="publication",
                    check_name=ANALYST_CHECK,
                    check_level=entry.check_level,
                    category=entry.category,
                    context=entry.context,
                    severity=entry.severity,
                    scope=f"{destination.name} ({examined} tables)",
                    violating_rows=len(analyst.findings),
                    denominator_rows=examined,
                    violating_share=len(analyst.findings) / examined if examined else None,
                    threshold_share=entry.threshold_share,
                    status="failed" if analyst.findings else "passed",
                    where_to_look="seeds.privacy_rules; the models marked meta analyst_file",
                )
            ],
        )
    return analyst


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for relation in SUMMARY_MARTS:
        try:
            counts[relation] = int(con.execute(f"select count(*) from {relation}").fetchall()[0][0])
        except duckdb.Error:
            continue
    return counts


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, catalogue.CatalogueRow]:
    """The check catalogue (seeds.check_catalogue), the rows valid today, by check name."""
    return catalogue.read(con)


def _mart_checks(
    con: duckdb.DuckDBPyConnection, run: dbt_results.DbtRun, delivery_id: str | None
) -> list[CheckResult]:
    """This build's quality-mart checks (quality.mart_check_results), if dbt built that model.

    When an upstream test failed, dbt skipped the model; the failing test is recorded by
    dbt_results and stops publication, so the mart checks are simply absent from that run.
    """
    built = any(
        r["unique_id"].endswith(".mart_check_results") and r.get("status") == "success"
        for r in run.results
    )
    if not built:
        return []
    cursor = con.execute(
        "select check_name, check_level, category, context, severity, scope, violating_rows,"
        " denominator_rows, violating_share, threshold_share, status, where_to_look"
        " from quality.mart_check_results"
    )
    return [
        CheckResult(
            run_id=run.invocation_id,
            run_at=run.started_at,
            delivery_id=delivery_id,
            checked_by="quality_mart",
            check_name=r[0],
            check_level=r[1],
            category=r[2],
            context=r[3],
            severity=r[4],
            scope=r[5],
            violating_rows=r[6],
            denominator_rows=r[7],
            violating_share=r[8],
            threshold_share=r[9],
            status=r[10],
            where_to_look=r[11],
        )
        for r in cursor.fetchall()
    ]


def _refused(exc: DeliveryError, work: Path, warehouse: Path) -> DeliveryError:
    """The refusal again, with every problem written to the work folder's log."""
    log = (work / "logs" / "delivery-refused.log").resolve()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(f"{p}\n" for p in exc.problems), encoding="utf-8")
    except OSError:  # a full disk must not hide the refusal
        log = None  # type: ignore[assignment]
    note = f"The published warehouse {warehouse} was left as it was."
    return DeliveryError(exc.directory, exc.problems, log=log, note=note)


def _broken_build_message(
    run: dbt_results.DbtRun,
    delivery: Delivery,
    stopping: Sequence[CheckResult],
    target: Path,
    candidate: Path,
    dbt: Dbt,
) -> str:
    """One line per node dbt could not build (the cause, and the delivered file it reads), then
    what followed from it, in a few lines, and where the full log is."""
    lines = []
    for result in run.broken_nodes[:3]:
        name = result["unique_id"].split(".")[-1]
        files = [
            delivery.tables[t].path.name if t in delivery.tables else t
            for t in run.raw_tables_read_by(result["unique_id"])
        ]
        reading = f" (reading {', '.join(files)})" if files else ""
        cause = dbt_results.first_cause(result.get("message"))
        lines.append(f"not published: dbt could not build {name}{reading}: {cause}")
    if len(run.broken_nodes) > 3:
        lines.append(f"  ... and {len(run.broken_nodes) - 3} more nodes could not be built")
    lines.append(
        f"  {run.skipped} nodes after it were skipped and {len(stopping)} checks failed as a"
        f" consequence (quality.check_results in {candidate})"
    )
    lines.append(f"The published warehouse {target} was left as it was.")
    lines.append(f"The full dbt log: {dbt.log_file.resolve()}")
    return "\n".join(lines)


def _gate_message(stopping: Sequence[CheckResult], target: Path, candidate: Path) -> str:
    lines = [
        f"not published: {len(stopping)} check{'s' if len(stopping) != 1 else ''}"
        " with severity fatal or error failed:"
    ]
    for check in stopping:
        counts = ""
        if check.violating_rows is not None:
            counts = f" ({check.violating_rows} violating"
            if check.denominator_rows:
                counts += f" of {check.denominator_rows}"
            counts += ")"
        lines.append(
            f"  - {check.severity} {check.check_name} [{check.checked_by}]: {check.status}{counts};"
            f" look at {check.where_to_look or check.scope}"
        )
    lines.append(f"The published warehouse {target} was left as it was.")
    lines.append(f"The unpublished build is {candidate} (quality.check_results has every result).")
    return "\n".join(lines)
