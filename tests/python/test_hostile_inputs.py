"""The hostile-input suite: deliveries and faults an operator or an attacker could throw at
`medfin build`, each ending one of two ways (issue 10):

- **refused**: exit code 1, a first line that names the file (and row and column where there is
  one) or the check, a few lines of detail at most, and the published files byte-identical and
  readable; or
- **quarantined**: the row sits in `staging.stg_medfin__quarantine` with the reason, and every
  delivered row is staged or quarantined exactly once.

Fast cases (validation refusals, properties) always run; the slow ones (SIGKILL at several
points, a full disk, a reader during a build) are marked `slow` and still run in CI.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from deliveries import refresh_entry, update_manifest, write_delivery
from medfin.build import build
from medfin.cli import app
from medfin.contract import is_pseudonym_shaped
from medfin.extract import DeliveryError, count_csv_rows, validate_delivery
from medfin.publish import layout
from warehouses import (
    STAGING_MODELS,
    built,
    digests,
    generated_delivery,
    published_copy,
    staging_built,
    tampered_copy,
)

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def _readable(warehouse: Path) -> int:
    """Rows of the main fact in the published full file (it opens, read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (rows,) = con.execute("select count(*) from core.fct_co_financing").fetchone()  # type: ignore[misc]
    return int(rows)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published warehouse of its own (a copy of the shared tiny build), for the refusals."""
    return published_copy(built("none"), tmp_path_factory.mktemp("hostile-published") / "wh")


# =========================================================================== refused at the door
def _parquet(tmp: Path) -> Path:
    write_delivery(tmp / "d", "parquet")
    return tmp / "d"


def _csv(tmp: Path) -> Path:
    write_delivery(tmp / "d", "csv")
    return tmp / "d"


def _rows_lie(d: Path) -> None:
    update_manifest(d, lambda m: m["tables"]["persons"].update(rows=3))


def _sha_lie(d: Path) -> None:
    update_manifest(d, lambda m: m["tables"]["residence"].update(sha256="0" * 64))


def _period_lie(d: Path) -> None:
    update_manifest(d, lambda m: m.update(period={"from": "2021-12-31", "to": "2021-01-01"}))


def _extracted_lie(d: Path) -> None:
    update_manifest(d, lambda m: m.update(extracted_at="last Tuesday"))


def _version_lie(d: Path) -> None:
    update_manifest(d, lambda m: m.update(contract_version=2))


def _truncated(d: Path) -> None:
    path = d / "residence.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()  # the manifest hashes the cut file
    update_manifest(d, lambda m: m["tables"]["residence"].update(sha256=digest))


def _retyped(d: Path) -> None:
    path = d / "persons.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index("birth_date")
    as_text = pa.array([str(v) for v in table.column("birth_date").to_pylist()])
    pq.write_table(table.set_column(index, "birth_date", as_text), path)
    refresh_entry(d, "persons")


def _zero_bytes(d: Path) -> None:
    (d / "drg_diagnoses.parquet").write_bytes(b"")
    empty = hashlib.sha256(b"").hexdigest()
    update_manifest(d, lambda m: m["tables"]["drg_diagnoses"].update(sha256=empty))


def _traversal(d: Path) -> None:
    shutil.copy(d / "persons.parquet", d.parent / "persons.parquet")
    update_manifest(d, lambda m: m["tables"]["persons"].update(file="../persons.parquet"))


def _link_outside_other_bytes(d: Path) -> None:
    """persons.parquet is a link to a file outside the delivery with other content."""
    outside = d.parent / "elsewhere.parquet"
    shutil.copy(d / "residence.parquet", outside)
    (d / "persons.parquet").unlink()
    (d / "persons.parquet").symlink_to(outside)


def _link_to_warehouse(d: Path) -> None:
    """persons.parquet links to a DuckDB file (the manifest even hashes it)."""
    target = d.parent / "some.duckdb"
    duckdb.connect(str(target)).close()
    (d / "persons.parquet").unlink()
    (d / "persons.parquet").symlink_to(target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    update_manifest(d, lambda m: m["tables"]["persons"].update(sha256=digest))


def _comma_delimited(d: Path) -> None:
    path = d / "persons.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=",", lineterminator="\n").writerows(rows)
    refresh_entry(d, "persons")


def _set_first_row(d: Path, table: str, column: str, value: str, encoding: str = "utf-8") -> None:
    """Set one value of the first data row of a minimal CSV delivery (written unquoted) and
    make the manifest hash agree with the file, so only the value is hostile."""
    path = d / f"{table}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(";")
    fields[lines[0].split(";").index(column)] = value
    lines[1] = ";".join(fields)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    update_manifest(d, lambda m: m["tables"][table].update(sha256=digest))


def _point_decimal(d: Path) -> None:
    # thousands separators: not the contract's number format
    _set_first_row(d, "practice_services", "fee_dkk", "1.234.567,50")


def _latin1(d: Path) -> None:
    _set_first_row(d, "practice_services", "specialty", "Øjenlæge", encoding="latin-1")


def _guessable_dates(d: Path) -> None:
    _set_first_row(d, "persons", "birth_date", "03-01-1950")


REFUSALS: dict[str, tuple[Callable[[Path], Path], Callable[[Path], None], str]] = {
    # case: (delivery, fault, what the first line names)
    "manifest rows lie": (_parquet, _rows_lie, "persons.parquet has 2 rows"),
    "manifest sha256 lies": (_parquet, _sha_lie, "residence"),
    "manifest period backwards": (_parquet, _period_lie, "period"),
    "manifest extracted_at not a time": (_parquet, _extracted_lie, "extracted_at"),
    "manifest contract version": (_parquet, _version_lie, "contract_version"),
    "truncated parquet": (_parquet, _truncated, "residence.parquet is not readable Parquet"),
    "retyped column": (_parquet, _retyped, "column birth_date"),
    "zero-byte file": (_parquet, _zero_bytes, "drg_diagnoses"),
    "path traversal": (_parquet, _traversal, "persons"),
    "link outside, other bytes": (_parquet, _link_outside_other_bytes, "persons"),
    "link to a DuckDB file": (_parquet, _link_to_warehouse, "persons.parquet"),
    "wrong delimiter": (_csv, _comma_delimited, "table persons"),
    "thousands separators": (_csv, _point_decimal, "practice_services"),
    "not UTF-8": (_csv, _latin1, "practice_services"),
    "day-first dates": (_csv, _guessable_dates, "persons"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_hostile_delivery_is_refused_in_one_line(
    case: str, tmp_path: Path, published: Path
) -> None:
    make, fault, named = REFUSALS[case]
    delivery = make(tmp_path)
    fault(delivery)
    before = digests(published)
    result = runner.invoke(
        app, ["build", "--delivery", str(delivery), "--warehouse", str(published)]
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("error:"))
    assert named in lines[first], (case, lines[first])
    assert len(lines) - first <= 10, result.output  # one line, a few of detail, the log
    log = Path(lines[-1].removeprefix("Every problem: "))
    assert log.is_absolute() and log.is_file(), lines[-1]
    assert digests(published) == before
    assert _readable(published) > 0


# =========================================================================== quarantined inside
SQL_LIKE = "'; drop table staging.stg_medfin__persons; --"


@pytest.fixture(scope="module")
def hostile_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """A tiny CSV delivery with a BOM and CRLF line ends in persons.csv, and hostile rows added to
    three tables; built with the staging-only project. Returns (delivery, warehouse, planted):
    planted maps a row's distinguishing value to the reason it must be quarantined with."""
    source = generated_delivery("none", "csv")
    delivery = Path(shutil.copytree(source, tmp_path_factory.mktemp("hostile-csv") / "delivery"))

    def rows(table: str) -> tuple[list[str], list[list[str]]]:
        with (delivery / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            header, *body = csv.reader(fh, delimiter=";")
        return header, body

    def write(table: str, header: list[str], body: list[list[str]], end: str = "\n") -> None:
        text = io.StringIO()
        csv.writer(text, delimiter=";", lineterminator=end).writerows([header, *body])
        bom = "\ufeff" if end == "\r\n" else ""
        (delivery / f"{table}.csv").write_bytes((bom + text.getvalue()).encode("utf-8"))

    header, body = rows("persons")
    for person_id, born in [
        ("HOSTILE000001", "1800-01-01"),  # 221 years old at the extract
        ("HOSTILE000002", "9999-12-31"),
        ("HOSTILE000003", "0001-01-01"),
        ("0101501234", "1950-01-01"),
        ("HOST'; drop table x; --", "1950-01-01"),
    ]:
        body.append([person_id, "M", born, ""])
    write("persons", header, body, end="\r\n")  # with a BOM and CRLF line ends

    header, body = rows("practice_services")
    for service_id, column, value in [
        ("HOSTILE-S1", "fee_dkk", "12,345"),
        ("HOSTILE-S2", "fee_dkk", "0,001"),
        ("HOSTILE-S3", "specialty", SQL_LIKE),  # text is text
    ]:
        row = list(body[0])
        row[header.index("service_id")] = service_id
        row[header.index(column)] = value
        body.append(row)
    write("practice_services", header, body)

    header, body = rows("population")
    row = list(body[0])
    row[header.index("age")] = "150"
    row[header.index("reference_date")] = "1999-01-01"  # a key of its own
    write("population", header, [*body, row])

    for table in ("persons", "practice_services", "population"):
        refresh_entry(delivery, table)
    warehouse = staging_built(delivery, tmp_path_factory.mktemp("hostile-csv-wh") / "medfin.duckdb")
    planted = {
        "HOSTILE000001": "out_of_range",
        "HOSTILE000002": "out_of_range",
        "HOSTILE000003": "out_of_range",
        "0101501234": "cpr_like_person_id",
        "HOST'; drop table x; --": "cpr_like_person_id",
        "HOSTILE-S1": "excess_precision",
        "HOSTILE-S2": "excess_precision",
    }
    return delivery, warehouse.warehouse, planted


def _query(warehouse: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(args)).fetchall()


def test_hostile_rows_are_quarantined_with_their_reason(
    hostile_csv: tuple[Path, Path, dict[str, str]],
) -> None:
    _, warehouse, planted = hostile_csv
    for key, reason in planted.items():
        got = _query(
            warehouse,
            "select rejection_reason from staging.stg_medfin__quarantine where record_key = ?",
            key,
        )
        assert got == [(reason,)], key
    (age,) = _query(
        warehouse,
        "select rejection_reason, rejection_column from staging.stg_medfin__quarantine"
        " where source_table = 'population'",
    )
    assert age == ("out_of_range", "age")  # was negative_value


def test_a_third_decimal_is_never_rounded_away(
    hostile_csv: tuple[Path, Path, dict[str, str]],
) -> None:
    _, warehouse, _ = hostile_csv
    (raw,) = _query(
        warehouse,
        "select raw_record from staging.stg_medfin__quarantine where record_key = 'HOSTILE-S1'",
    )[0]
    assert json.loads(raw)["fee_dkk"] == 12.345
    assert not _query(
        warehouse,
        "select * from staging.stg_medfin__practice_services where service_id like 'HOSTILE-S%'"
        " and service_id <> 'HOSTILE-S3'",
    )


def test_sql_like_text_is_only_text(hostile_csv: tuple[Path, Path, dict[str, str]]) -> None:
    _, warehouse, _ = hostile_csv
    assert _query(
        warehouse,
        "select specialty from staging.stg_medfin__practice_services where service_id = ?",
        "HOSTILE-S3",
    ) == [(SQL_LIKE,)]
    assert _query(warehouse, "select count(*) from staging.stg_medfin__persons")[0][0] > 0


def test_bom_and_crlf_read_like_any_file_and_nothing_is_lost(
    hostile_csv: tuple[Path, Path, dict[str, str]],
) -> None:
    delivery, warehouse, _ = hostile_csv
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    staged_ids = {
        r[0] for r in _query(warehouse, "select person_id from staging.stg_medfin__persons")
    }
    clean = pq.read_table(built("none").delivery / "persons.parquet").column("person_id")
    assert set(clean.to_pylist()) <= staged_ids  # the first column survived the BOM
    for table, entry in manifest["tables"].items():
        (quarantined,) = _query(
            warehouse,
            "select count(*) from staging.stg_medfin__quarantine where source_table = ?",
            table,
        )[0]
        (staged,) = _query(warehouse, f"select count(*) from staging.{STAGING_MODELS[table]}")[0]
        assert entry["rows"] == staged + quarantined, table


# =========================================================================== properties
# Day-month-year dates and four digits, disguised the ways that once slipped through.
_DISGUISES = st.sampled_from(["", " ", "\t", "\u00a0", "\n", "\u200b", "-", "\u2013", "/", "."])


@st.composite
def _disguised_cpr(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    digits = born.strftime("%d%m%y") + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=4, max_size=4))
    )
    if draw(st.booleans()):  # full-width digits read as digits
        digits = "".join(
            chr(ord(c) - ord("0") + 0xFF10) if draw(st.booleans()) else c for c in digits
        )
    out = draw(st.sampled_from(["", "CPR ", "cpr:", "P", "x-"]))
    for c in digits:
        out += c + draw(_DISGUISES)
    return out + draw(st.sampled_from(["", " ", "\t", "-X"]))


@settings(max_examples=300, deadline=None)
@given(_disguised_cpr())
def test_no_disguise_makes_a_cpr_number_a_pseudonym(value: str) -> None:
    assert not is_pseudonym_shaped(value), repr(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghijklmnop", min_size=20, max_size=20))
def test_medfin_pseudonymise_output_is_always_a_pseudonym(letters: str) -> None:
    assert is_pseudonym_shaped("P" + letters)


_CSV_FIELD = st.text(alphabet=st.sampled_from(list('ab;,"\n 1æ')), max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_CSV_FIELD, min_size=3, max_size=3), max_size=6),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_csv_rows_are_counted_as_duckdb_reads_them(
    rows: list[list[str]], end: str, final_newline: bool
) -> None:
    """Quoted delimiters, quotes and line breaks inside fields, CRLF: the row count that
    validation compares with the manifest is the count of records the warehouse reads."""
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator=end).writerows([["a", "b", "c"], *rows])
    body = text.getvalue() if final_newline or not rows else text.getvalue()[: -len(end)]
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"medfin-prop-{os.getpid()}.csv"
    try:
        path.write_bytes(body.encode("utf-8"))
        ((read,),) = duckdb.sql(
            f"select count(*) from read_csv('{path}', delim=';', quote='\"', header=true,"
            " all_varchar=true, columns={'a': 'VARCHAR', 'b': 'VARCHAR', 'c': 'VARCHAR'})"
        ).fetchall()
        assert count_csv_rows(path, ";") == read
    finally:
        path.unlink(missing_ok=True)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def small_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("prop") / "delivery"
    write_delivery(out, "parquet")
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(
        [
            "period",
            "extracted_at",
            "delivery_id",
            "csv",
            "tables",
            "contract_version",
            "contract_minor_version",
        ]
    ),
    value=_JSON,
)
def test_any_manifest_value_is_a_refusal_or_valid_never_a_crash(
    small_delivery: Path, field: str, value: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    delivery = Path(shutil.copytree(small_delivery, tmp_path_factory.mktemp("m") / "d"))
    update_manifest(delivery, lambda m: m.update({field: value}))
    problems: list[str] = []
    try:
        validate_delivery(delivery)
    except DeliveryError as refused:  # the only way to say no
        problems = refused.problems
        first = str(refused).splitlines()[0]
        assert first.startswith(f"delivery {delivery} refused: ") and problems[0] in first
    never_null = ("period", "extracted_at", "tables", "contract_version", "contract_minor_version")
    if field in never_null and value is None:
        assert problems, "a null manifest field is never valid"


# =========================================================================== killed, full, read
_KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from medfin import publish
    from medfin.build import build

    point, delivery, warehouse = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    sys.path.insert(0, sys.argv[4])
    from warehouses import Built, rebuild

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def progress(p):
        if point == "dbt" and p.phase.startswith("dbt") and p.done >= 150:
            die()
        if point == "analyst file" and p.phase.startswith("writing the analyst file"):
            die()

    if point == "publish swap":  # both files moved into the release, the link not yet switched
        publish._replace_link = lambda *a: die()
    if point == "dbt":
        build(delivery, warehouse, verbose=False, progress=progress)
    else:  # killed after dbt: dbt may rebuild only what differs from the shared build
        base = Built(Path(sys.argv[5]), Path(sys.argv[6]))
        rebuild(base, delivery, warehouse, verbose=False, progress=progress)
    sys.exit(3)  # not killed: the point was never reached
    """
)


@pytest.mark.slow
def test_sigkill_at_any_point_leaves_the_published_files_and_the_next_build_recovers(
    tmp_path: Path,
) -> None:
    warehouse = published_copy(built("none"), tmp_path / "wh")
    before, rows = digests(warehouse), _readable(warehouse)
    base = built("default")
    delivery = tampered_copy(base, tmp_path)  # the same delivery, in a folder of its own
    shared = [str(Path(__file__).parent), str(base.delivery), str(base.warehouse)]

    for point in ("dbt", "analyst file", "publish swap"):
        killed = subprocess.run(
            [sys.executable, "-c", _KILL_SCRIPT, point, str(delivery), str(warehouse), *shared],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr[-2000:])
        assert digests(warehouse) == before, point
        assert _readable(warehouse) == rows, point
        assert not list(warehouse.parent.glob("*.wal")), point

    # Recovery is nothing: the next build runs as if nothing had happened, while a reader holds
    # the published file open; the reader keeps its release, new readers see the new one.
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = build(delivery, warehouse, verbose=False)
        assert result.published
        (still,) = reader.execute("select count(*) from core.fct_co_financing").fetchone()  # type: ignore[misc]
        assert still == rows
    finally:
        reader.close()
    assert digests(warehouse) != before
    assert _readable(warehouse) == len(
        built("default").query("select * from core.fct_co_financing")
    )
    releases = [p for p in layout(warehouse).releases.iterdir() if p.is_dir()]
    assert len(releases) == 1  # the killed builds' half-made releases are gone


_DISK_FULL_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, shutil, subprocess, sys
    from pathlib import Path
    import duckdb
    from medfin import publish
    from medfin.publish import layout

    source, marts, delivery, mount, size = sys.argv[1:6]
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mount], check=True)
    warehouse = Path(mount) / "wh" / "medfin.duckdb"
    warehouse.parent.mkdir()
    full = Path(mount) / "full.duckdb"
    small = Path(mount) / "marts.duckdb"
    shutil.copyfile(source, full)
    shutil.copyfile(marts, small)
    publish.publish(warehouse, full, small, "first")
    def digest():
        files = layout(warehouse).published
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

    before = digest()
    run = subprocess.run(
        [sys.executable, "-m", "medfin.cli", "build", "--delivery", delivery,
         "--warehouse", str(warehouse)],
        capture_output=True, text=True,
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from core.fct_co_financing").fetchone()[0]
    print(json.dumps({"rc": run.returncode, "output": run.stdout + run.stderr,
                      "unchanged": digest() == before, "rows": rows}))
    """
)


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True, check=False,
    )  # fmt: skip
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(
    not _can_mount_tmpfs(),
    reason="needs a private mount namespace to mount a small tmpfs (root or CAP_SYS_ADMIN);"
    " the disk-full case then cannot be made without filling a real disk",
)
def test_a_full_disk_is_one_clear_refusal_and_the_published_files_stay(tmp_path: Path) -> None:
    """Disk full used to print up to 2,400 lines of logging tracebacks (84,897 at tiny scale)."""
    source = built("none")
    size = (
        source.warehouse.resolve().stat().st_size
        + layout(source.warehouse).marts.resolve().stat().st_size
    )
    mount = tmp_path / "small"
    mount.mkdir()
    run = subprocess.run(
        [
            "unshare", "-m", sys.executable, "-c", _DISK_FULL_SCRIPT,
            str(source.warehouse.resolve()), str(layout(source.warehouse).marts.resolve()),
            str(built("default").delivery), str(mount), str(size + 12 * 2**20),
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.splitlines()[-1])
    assert outcome["rc"] == 1
    assert outcome["unchanged"] and outcome["rows"] > 0
    lines = [line for line in outcome["output"].splitlines() if line.strip()]
    assert len(lines) <= 8, outcome["output"][:3000]
    error = next(line for line in lines if line.startswith("error:"))
    assert "No space left on device" in error or "disk is full" in error, error


@pytest.mark.slow
def test_a_corrupt_page_is_one_line_and_the_published_audit_stays(
    tmp_path: Path, published: Path
) -> None:
    """A Parquet page corrupted at the source (the manifest hashes the corrupt file) used to give
    52 lines of consequences with the cause in the middle; and the published delivery audit, a
    view over the work folder's CSV, then reported the refused delivery (issue 10)."""
    delivery = tampered_copy(built("none"), tmp_path)
    path = delivery / "drg_procedures.parquet"
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 200):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    digest = hashlib.sha256(bytes(data)).hexdigest()
    update_manifest(delivery, lambda m: m["tables"]["drg_procedures"].update(sha256=digest))
    update_manifest(delivery, lambda m: m.update(delivery_id="corrupt-page"))

    def audit() -> set[str]:
        return {
            r[0]
            for r in _query(
                published, "select delivery_id from staging.stg_medfin_build__delivery_audit"
            )
        }

    published_audit = audit()
    before = digests(published)
    result = runner.invoke(
        app, ["build", "--delivery", str(delivery), "--warehouse", str(published)]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("error:"))
    assert lines[first].startswith(
        "error: not published: dbt could not build base_medfin__drg_procedures"
        " (reading drg_procedures.parquet): "
    ), lines[first]
    assert len(lines) - first <= 5, result.output
    assert Path(lines[-1].removeprefix("The full dbt log: ")).is_file()
    assert digests(published) == before
    # The published audit is a table in the published file: neither the refused delivery nor a
    # removed work folder (`make clean`) changes what it says.
    assert audit() == published_audit and "corrupt-page" not in published_audit
    shutil.rmtree(published.with_name(f"{published.stem}.work"))
    assert audit() == published_audit
