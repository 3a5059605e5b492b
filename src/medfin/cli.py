"""The `medfin` command line (typer)."""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    name="medfin",
    help="Danish municipal health financing warehouse (dbt + DuckDB).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)


class Scale(StrEnum):
    tiny = "tiny"
    region = "region"
    national = "national"


class Defects(StrEnum):
    default = "default"
    none = "none"
    dirty = "dirty"


class Regions(StrEnum):
    current = "current"
    r2027 = "2027"


class FileFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


_YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def parse_years(value: str) -> tuple[int, int]:
    """`2021` -> (2021, 2021); `2021-2023` -> (2021, 2023)."""
    match = _YEARS.match(value.strip())
    if not match:
        raise typer.BadParameter("use a year (2021) or a range (2021-2023)")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        raise typer.BadParameter(f"{value}: the last year comes before the first")
    return first, last


def parse_municipalities(value: str) -> tuple[int, ...]:
    """`615, 727,746` -> (615, 727, 746)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise typer.BadParameter("use comma-separated municipality codes, e.g. 615,727,746")
    return tuple(int(part) for part in parts)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code=1)


@app.command()
def build(
    delivery: Annotated[
        Path, typer.Option("--delivery", help="Delivery folder with manifest.json.")
    ],
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="DuckDB file to build [default: $MEDFIN_WAREHOUSE or warehouse/medfin.duckdb].",
        ),
    ] = None,
    skip_sha256: Annotated[
        bool, typer.Option("--skip-sha256", help="Do not verify file checksums (faster).")
    ] = False,
    skip_expectations: Annotated[
        bool,
        typer.Option(
            "--skip-expectations",
            help="Do not run the Great Expectations suites (dbt tests and quality-mart checks"
            " still gate publication).",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Print dbt's node log (otherwise only in the work folder)."
        ),
    ] = False,
    regions: Annotated[
        Regions | None,
        typer.Option(
            "--regions",
            help="Regions of the health-council data packages: today's five or the four of 2027"
            " [default: $MEDFIN_DATA_PACKAGE_REGIONS or current].",
        ),
    ] = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Add a month delivery to the published warehouse (replacing an earlier version"
            " of the month; the first month starts a warehouse); see docs/incremental.md.",
        ),
    ] = False,
) -> None:
    """Validate a delivery, build a new warehouse with dbt, check it, and publish the warehouse and
    the analyst file when no fatal or error check failed (both are left as they were otherwise).
    With --incremental, add one month delivery to the published warehouse the same way."""
    from medfin.build import BuildError
    from medfin.build import build as run_build
    from medfin.extract import DeliveryError
    from medfin.project import ProjectNotFoundError

    try:
        with _build_progress(enabled=not verbose) as progress:
            result = run_build(
                delivery,
                warehouse,
                verify_sha256=not skip_sha256,
                expectations=not skip_expectations,
                verbose=verbose,
                progress=progress,
                regions=regions.value if regions else None,
                incremental=incremental,
            )
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    except (BuildError, ProjectNotFoundError) as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        # Publication is a rename at the very end: a full disk never reaches the published files.
        raise _fail(
            f"not published: the disk is full ({exc.strerror}: {exc.filename or warehouse});"
            " the published warehouse was left as it was"
        ) from None
    if not result.published:
        console.print(result.load_note, highlight=False, soft_wrap=True)
        return
    _print_build_summary(result)


@contextmanager
def _build_progress(*, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar for the dbt phases on a terminal; one line per phase elsewhere."""
    if not enabled:
        yield None
        return
    if not console.is_terminal:
        seen: set[str] = set()

        def lines(event: Any) -> None:
            if event.phase not in seen:
                seen.add(event.phase)
                console.print(f"{event.phase} ...", highlight=False)

        yield lines
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[node]}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None, node="")

        def update(event: Any) -> None:
            bar.update(
                task,
                description=event.phase,
                completed=event.done,
                total=event.total or None,
                node=event.node,
            )

        yield update


def _shown(path: Path | None) -> str:
    """A path relative to the working folder when it is inside it (shorter lines)."""
    if path is None:
        return "-"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_build_summary(result: Any, out: Console | None = None) -> None:
    """What was published, the main marts' rows, the checks by status, where to look (on `out`,
    default the console)."""
    from medfin.projection import NOT_DELIVERED
    from medfin.projection import TABLE as PROJECTION_TABLE

    say = partial((out or console).print, highlight=False, soft_wrap=True)
    analyst = result.analyst_file
    hidden = f", {analyst.hidden_cells:,} small counts shown as -1" if analyst else ""
    absent = ", ".join(result.delivery.absent_optional) or "none"
    say(f"[green]published[/] {_shown(result.warehouse)}  (full warehouse: owner and group only)")
    say(
        f"          {_shown(result.marts)}  (analyst file: {len(analyst.tables) if analyst else 0}"
        f" aggregated tables{hidden})"
    )
    say(
        f"from {_shown(result.delivery.origin)} ({result.delivery.format}; optional tables not"
        f" delivered: {absent}) in {result.seconds:.1f} s"
    )
    if PROJECTION_TABLE in result.delivery.absent_optional:
        say(f"projection: {NOT_DELIVERED}")
    if result.load_note:
        say(result.load_note)
    for warning in result.delivery.warnings:
        say(f"[yellow]delivery warning:[/] {warning}")
    if result.row_counts:
        say("rows: " + "; ".join(f"{name} {rows:,}" for name, rows in result.row_counts.items()))
    say(
        f"checks: {result.count('passed')} passed, {len(result.warnings)} warning(s),"
        f" {sum(c.blocks_publication for c in result.checks)} failed,"
        f" {result.count('not_applicable')} not applicable"
        f" (run {result.run_id}, in quality.check_results)"
    )
    for check in result.warnings:
        counts = (
            f"{check.violating_rows:,} of {check.denominator_rows:,}"
            if (check.violating_rows is not None and check.denominator_rows is not None)
            else check.status
        )
        # One catalogue check may be measured by two engines (the quality mart at build time, the
        # Great Expectations suite that `medfin check` reruns); each names its own unit.
        say(
            f"  [yellow]warning[/] {check.check_name} {escape(f'[{check.checked_by}]')}: {counts};"
            " look at"
            f" {check.where_to_look or check.scope}"
        )
    not_applicable = [c for c in result.checks if c.status == "not_applicable"]
    if not_applicable:
        say(
            "  not applicable (nothing to examine in this delivery): "
            + ", ".join(f"{c.check_name} ({c.scope})" for c in not_applicable)
        )
    if result.report is not None:
        say(f"quality report: {_shown(result.report)}")
    say(f"dbt log: {_shown(result.log)}")


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Delivery folder to write.")],
    scale: Annotated[Scale, typer.Option("--scale", help="Population size.")] = Scale.tiny,
    years: Annotated[
        str, typer.Option("--years", help="Activity year or range, e.g. 2021 or 2021-2023.")
    ] = "2021",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 42,
    region: Annotated[
        int, typer.Option("--region", help="Region code 1081-1085 of the delivering region.")
    ] = 1082,
    defects: Annotated[
        Defects, typer.Option("--defects", help="Planted data defects.")
    ] = Defects.default,
    fmt: Annotated[
        FileFormat, typer.Option("--format", help="File format of the tables.")
    ] = FileFormat.parquet,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
    municipalities: Annotated[
        str | None,
        typer.Option(
            "--municipalities",
            help="With --scale tiny: comma-separated municipality codes the tiny population lives"
            " in, e.g. 615,727,746,766 [default: 727,741,746].",
        ),
    ] = None,
    projection: Annotated[
        bool,
        typer.Option(
            "--projection/--no-projection",
            help="Write the population projection (contract 1.1); without, a contract 1.0"
            " delivery.",
        ),
    ] = True,
) -> None:
    """Write a synthetic raw extract delivery (contract version 1.1; 1.0 with --no-projection)."""
    first, last = parse_years(years)
    codes = parse_municipalities(municipalities) if municipalities is not None else None
    from medfin.generate import generate_delivery

    try:
        generate_delivery(
            scale=scale.value,
            years=(first, last),
            seed=seed,
            out=out,
            region=region,
            defects=defects.value,
            fmt=fmt.value,
            progress=progress,
            municipalities=codes,
            projection=projection,
        )
    except (ValueError, FileExistsError) as exc:
        raise _fail(str(exc)) from None
    console.print(f"[green]wrote[/] {out}", highlight=False)


@app.command()
def split(
    delivery: Annotated[
        Path, typer.Option("--delivery", help="Delivery folder to cut (e.g. a year).")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the month deliveries (out/YYYY-MM/).")
    ],
) -> None:
    """Cut a delivery into one month delivery per calendar month of its period (the input of
    `medfin build --incremental`); activity tables are cut by the contract's `by_month`, the
    other tables go whole into every month."""
    from medfin.extract import DeliveryError
    from medfin.generate.months import split_into_months

    try:
        folders = split_into_months(delivery, out)
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    except FileExistsError as exc:
        raise _fail(f"{exc.filename} exists already; give an empty --out") from None
    console.print(
        f"[green]wrote[/] {len(folders)} month deliveries to {out}: "
        + ", ".join(f.name for f in folders),
        highlight=False,
    )


@app.command()
def check(
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="DuckDB file to check [default: $MEDFIN_WAREHOUSE or warehouse/medfin.duckdb].",
        ),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Folder for data_docs/ and quality-report.html"
            " [default: <warehouse stem>.checks next to the warehouse].",
        ),
    ] = None,
) -> None:
    """Run the Great Expectations suites (expectations/) against a built warehouse.

    Prints the results, writes GX Data Docs and a self-contained quality report, appends the
    results to quality.check_results (a published warehouse: on a copy that is then published as a
    new release, never in place), and exits 1 when a fatal or error check fails.
    """
    from medfin.build import check_published_warehouse, default_warehouse
    from medfin.checks.gx_runner import CheckError, run_checks
    from medfin.checks.report import WIDE, notes, results_table, write_report
    from medfin.checks.suites import SuiteError
    from medfin.lock import WarehouseBusyError, warehouse_lock
    from medfin.project import ProjectNotFoundError
    from medfin.publish import PublishError, current_release, layout

    target = layout(warehouse or default_warehouse()).warehouse
    try:
        # Not while a build of the same warehouse runs: the build carries the check history over.
        with warehouse_lock(target, "check"):
            if current_release(target) is not None:
                # A published warehouse: checked on a copy that is then published, never in place.
                run = check_published_warehouse(target, report_dir)
            else:
                run = run_checks(target, report_dir)
    except (CheckError, SuiteError, ProjectNotFoundError, WarehouseBusyError) as exc:
        raise _fail(str(exc)) from None
    except (PublishError, OSError) as exc:
        raise _fail(f"the check results could not be published: {exc}") from None
    write_report(run)
    console.print(results_table(run, console.width))
    if console.width < WIDE:
        for note in notes(run):
            console.print(f"  {note}", highlight=False, soft_wrap=True)
    tally = ", ".join(
        f"{sum(r.status == s for r in run.results)} {s}"
        for s in ("passed", "failed", "error", "not_applicable")
    )
    console.print(
        f"{tally}; {run.recorded} rows appended to quality.check_results (run {run.run_id})"
        f" in {run.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    if run.data_docs_index is not None:
        console.print(f"Data Docs: {run.data_docs_index}", highlight=False, soft_wrap=True)
    console.print(f"quality report: {run.report}", highlight=False, soft_wrap=True)
    if run.blocking_outcomes:
        for outcome in run.blocking_outcomes:
            r = outcome.result
            what = "could not run" if r.status == "error" else "failed"
            why = f": {outcome.detail}" if outcome.detail else ""
            err.print(
                f"[bold red]{r.severity} check {what}:[/] {r.check_name} on {r.scope}{why};"
                f" look at {r.where_to_look or r.scope}",
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(code=1)


@app.command()
def cohort(
    ids: Annotated[
        Path,
        typer.Option(
            "--ids",
            exists=True,
            dir_okay=False,
            help="File of pseudonymised person ids, one per line (a person_id header is skipped).",
        ),
    ],
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="Published warehouse [default: $MEDFIN_WAREHOUSE or warehouse/medfin.duckdb].",
        ),
    ] = None,
    year: Annotated[int, typer.Option("--year", help="Year of the profile.")] = 2021,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="CSV written [default: <ids file stem>-profile-<year>.csv]."),
    ] = None,
) -> None:
    """The aggregated profile of a group of citizens: contacts, admissions, readmissions,
    co-financing and full financing per citizen against the average of the municipalities they
    live in, with small-number discretion (docs/cohort.md).

    Refused (exit 1) when fewer than 10 ids are found; ids not found are counted, never listed.
    """
    from rich.table import Table

    from medfin.build import default_warehouse
    from medfin.cohort import COLUMNS, CohortRefused, profile, rows, write_csv
    from medfin.publish import layout

    target = layout(warehouse or default_warehouse()).warehouse
    try:
        result = profile(target, ids, year)
    except CohortRefused as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"Cohort profile {year}: {result.found} citizens found")
    for column in COLUMNS[1:]:
        table.add_column(column.replace("_", " "), justify="left" if column == "label" else "right")
    for row in rows(result):
        table.add_row(*row[1:])
    console.print(table)
    console.print(
        f"{result.ids_given} ids given ({result.duplicates} repeated), {result.found} found,"
        f" {result.not_found} not found, {result.without_residence} found without a residence on"
        f" 1 January; figures of 1-4 citizens shown as {result.shown_as}",
        highlight=False,
        soft_wrap=True,
    )
    written = write_csv(result, out or ids.with_name(f"{ids.stem}-profile-{year}.csv"))
    console.print(f"written: {written}", highlight=False, soft_wrap=True)


@app.command()
def pseudonymise(
    extract: Annotated[
        Path,
        typer.Option("--extract", help="Folder in contract form whose person_id are CPR numbers."),
    ],
    out: Annotated[Path, typer.Option("--out", help="New folder for the pseudonymised delivery.")],
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="File holding the key (at least 32 bytes), outside the repository"
            " [default: $MEDFIN_PSEUDONYM_KEY].",
        ),
    ] = None,
) -> None:
    """Replace every CPR number by a keyed pseudonym (HMAC-SHA256), so that real extracts enter
    medfin without CPR numbers; the same CPR and key always give the same pseudonym."""
    from medfin.extract import DeliveryError
    from medfin.pseudonymise import PseudonymiseError, load_key, pseudonymise_extract

    try:
        summary = pseudonymise_extract(extract, out, load_key(key_file))
    except (PseudonymiseError, DeliveryError) as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"[green]wrote[/] {out}: {summary.tables} tables, {summary.rows:,} rows with a person id,"
        f" {summary.persons:,} distinct persons",
        highlight=False,
    )


export_app = typer.Typer(
    help="Files for readers outside the warehouse, from the published analyst file.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")

_EXPORT_SOURCE_HELP = (
    "Analyst file to read [default: the published warehouse/medfin-marts.duckdb, or the one"
    " beside $MEDFIN_WAREHOUSE]."
)


@export_app.command("datapakke")
def export_datapakke(
    year: Annotated[int, typer.Option("--year", help="Period (year) of the package.")],
    out: Annotated[
        Path, typer.Option("--out", help="Workbook to write (.xlsx), or a folder with --all.")
    ],
    health_council: Annotated[
        str | None,
        typer.Option("--health-council", help='Council name, e.g. "Sundhedsråd Horsens".'),
    ] = None,
    all_councils: Annotated[
        bool,
        typer.Option("--all", help="One workbook per council and one with all councils."),
    ] = False,
    warehouse: Annotated[Path | None, typer.Option("--warehouse", help=_EXPORT_SOURCE_HELP)] = None,
) -> None:
    """Write the health-council data package (Excel) from reporting.data_package."""
    from medfin.export import ExportError
    from medfin.export.datapakke import export_all, export_one

    if all_councils == (health_council is not None):
        raise _fail("give either --health-council NAME or --all")
    try:
        if all_councils:
            written = export_all(warehouse, year, out)
            console.print(f"[green]wrote[/] {len(written)} workbooks to {out}", highlight=False)
        else:
            export_one(warehouse, health_council or "", year, out)
            console.print(f"[green]wrote[/] {out}", highlight=False)
    except ExportError as exc:
        raise _fail(str(exc)) from None


@export_app.command("parquet")
def export_parquet_files(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (replaced whole).")],
    warehouse: Annotated[Path | None, typer.Option("--warehouse", help=_EXPORT_SOURCE_HELP)] = None,
) -> None:
    """Every finance, planning, projection, reporting and quality table as Parquet, with a README
    of the columns."""
    from medfin.export import ExportError
    from medfin.export.parquet import export_parquet

    try:
        written = export_parquet(warehouse, out)
    except ExportError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"[green]wrote[/] {len(written)} Parquet files and README.md to {out}", highlight=False
    )


@app.command()
def projection(
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="Warehouse whose analyst file is read (or the analyst file itself)"
            " [default: $MEDFIN_WAREHOUSE or warehouse/medfin.duckdb].",
        ),
    ] = None,
    municipality: Annotated[
        int | None, typer.Option("--municipality", help="Only this municipality, e.g. 727.")
    ] = None,
    council: Annotated[
        str | None,
        typer.Option(
            "--council",
            help='Only this health council and its municipalities ("Sundhedsråd Horsens").',
        ),
    ] = None,
) -> None:
    """Summarise the demographic projection (docs/projection.md): population, age-band shares,
    contacts, admissions and co-financing per area, every 5 years from the base year. Exits 1
    with the reason when there is no projection (e.g. the delivery had no population_projection
    table)."""
    from rich.table import Table

    from medfin.build import default_warehouse
    from medfin.export import ExportError
    from medfin.projection import PARTIAL_NOTE, NoProjection, read_summary, render

    if municipality is not None and council is not None:
        raise _fail("give --municipality or --council, not both")
    try:
        summary = read_summary(
            warehouse or default_warehouse(), municipality=municipality, council=council
        )
    except NoProjection as exc:
        raise _fail(f"no projection: {exc}") from None
    except ExportError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Demographic projection, base year {summary.base_year}", highlight=False)

    def new_table() -> Table:
        table = Table()
        for column in ("", *(str(year) for year in summary.years), "change"):
            table.add_column(column, justify="left" if not column else "right")
        return table

    # One table per area, its name a line of its own (a narrow terminal wraps a table's cells,
    # never this line).
    table: Table | None = None
    for row in render(summary):
        if len(row) == 1:
            if table is not None:
                console.print(table)
            console.print(f"\n[bold]{escape(row[0])}[/]", soft_wrap=True)
            table = new_table()
        else:
            table = table or new_table()
            table.add_row(*(escape(cell) for cell in row))
    if table is not None:
        console.print(table)
    if summary.partial:
        console.print(PARTIAL_NOTE, highlight=False)


@app.command()
def bench(
    scale: Annotated[Scale, typer.Option("--scale", help="Population size.")] = Scale.tiny,
    years: Annotated[str, typer.Option("--years", help="Year or range, e.g. 2021-2023.")] = "2021",
    seed: Annotated[int, typer.Option("--seed")] = 42,
    region: Annotated[
        int | None,
        typer.Option("--region", help="Region of the region scale [default: the generator's]."),
    ] = None,
    workdir: Annotated[
        Path,
        typer.Option(
            "--workdir",
            help="Deliveries (cached between runs), logs and scratch warehouses"
            " [default: bench/work].",
        ),
    ] = Path("bench/work"),
    results: Annotated[
        Path, typer.Option("--results", help="Folder of the JSON results [default: bench/results].")
    ] = Path("bench/results"),
    doc: Annotated[
        Path | None,
        typer.Option(
            "--doc",
            help="Markdown file whose runs table gets a row [default: docs/benchmarks.md of the"
            " project; --no-doc: none].",
        ),
    ] = None,
    no_doc: Annotated[bool, typer.Option("--no-doc", help="Add no row to a runs table.")] = False,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental/--no-incremental", help="Measure one monthly increment as well."
        ),
    ] = True,
) -> None:
    """Benchmark generation, build, check and a monthly increment at one scale, with DuckDB
    loading the raw files and a hand-written finance query as baselines in the same run.

    Writes <results>/<timestamp>-<scale>-<years>.json and a row in docs/benchmarks.md. Fails
    (exit 1, nothing recorded) when a step fails or the hand-written query and the marts differ.
    """
    from medfin.bench.harness import (
        BENCHMARKS_DOC,
        BenchError,
        append_doc_row,
        run_bench,
        write_results,
    )
    from medfin.project import project_dir

    parse_years(years)
    try:
        result = run_bench(
            scale.value,
            years,
            workdir,
            seed=seed,
            region=region if scale == Scale.region else None,
            incremental=incremental,
            report=lambda line: console.print(f"[dim]bench:[/] {line}", highlight=False),
        )
    except BenchError as exc:
        raise _fail(str(exc)) from None
    path = write_results(result, results)
    _print_bench(result)
    console.print(f"results: {path}", highlight=False)
    if not no_doc:
        target = doc or project_dir() / BENCHMARKS_DOC
        append_doc_row(result, target)
        console.print(f"row added to {target}", highlight=False)
    if not result.matches_expected:
        raise _fail("the marts differ from expected.json: " + "; ".join(result.notes))


def _print_bench(result: Any) -> None:
    from rich.table import Table

    table = Table(title=f"medfin bench: {result.scale} {result.years} ({result.rows:,} raw rows)")
    for column in ("phase", "wall s", "CPU s", "peak MB", ""):
        table.add_column(column, justify="left" if column in ("phase", "") else "right")
    for name, phase in result.phases.items():
        table.add_row(
            name,
            f"{phase.wall_s:.1f}",
            f"{phase.cpu_s:.1f}",
            f"{phase.peak_rss_mb:,.0f}",
            "cached" if phase.cached else "",
        )
    console.print(table)
    increment = (
        f"{result.incremental_vs_full:.1%}" if result.incremental_vs_full is not None else "n/a"
    )
    console.print(
        f"build + check {result.build_check_s:.1f} s; baselines: load {result.baseline_load_s:.1f}"
        f" s, finance query {result.baseline_query_s:.1f} s; finance path"
        f" {result.finance_path_s:.1f} s = {result.finance_path_vs_query:.2f} x the query;"
        f" increment / full {increment}; peak {result.peak_rss_mb:,.0f} MB;"
        f" matches expected.json: {str(result.matches_expected).lower()}",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def version() -> None:
    """Show the versions of medfin, dbt and DuckDB."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    parts = []
    for dist in ("medfin", "dbt-core", "dbt-duckdb", "duckdb"):
        try:
            parts.append(f"{dist} {dist_version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} (not installed)")
    console.print(", ".join(parts), highlight=False)


if __name__ == "__main__":
    app()
