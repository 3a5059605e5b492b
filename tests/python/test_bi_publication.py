"""What readers and BI tools get (docs/bi.md): two published files, readable by DuckDB 1.x
clients, relocatable, documented inside the database, the analyst file free of person-level data,
and analyses that run against either file.

Every test reads the shared tiny build of the `default` profile (warehouses.built).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import venv
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from medfin import publish
from medfin.analyst_file import AnalystTable, privacy_findings, write_analyst_file
from medfin.build import dbt_env, environ, work_dir
from medfin.project import mart_schemas
from medfin.publish import layout
from warehouses import Built, built

BI_CLIENTS = Path(__file__).parent / "bi_clients"
PUBLISHED_SCHEMAS = set(mart_schemas())
# The independent privacy scan of these tests (not the project's seeds.privacy_rules).
# ("persons" is a population count, not a person)
PERSON_COLUMN = re.compile(r"person(?!s$)|birth|cpr|foedsel|fødsel", re.IGNORECASE)
CPR_SHAPED = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}\D?\d{4}(?!\d)")


def _query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _objects(path: Path) -> list[tuple[str, str, str]]:
    """(schema, name, kind) of every table and view of a file."""
    return [
        (schema, name, kind)
        for schema, name, kind in _query(
            path,
            "select schema_name, table_name, 'table' from duckdb_tables()"
            " where database_name = current_database() and not internal"
            " union all select schema_name, view_name, 'view' from duckdb_views()"
            " where database_name = current_database() and not internal order by 1, 2",
        )
    ]


@pytest.fixture(scope="module")
def demo() -> Built:
    return built("default")


# --------------------------------------------------------------------------- two files
def test_both_files_are_published_as_one_release(demo: Built) -> None:
    where = layout(demo.warehouse)
    release = publish.current_release(demo.warehouse)
    assert release is not None and release.parent == where.releases.resolve()
    assert demo.warehouse.resolve() == release / demo.warehouse.name
    assert where.marts.resolve() == release / where.marts.name
    assert [p.name for p in where.releases.iterdir()] == [release.name]  # older ones removed
    # the full warehouse is for controllers only; the analyst file for anyone with the folder
    assert os.stat(demo.warehouse).st_mode & 0o777 == 0o640
    assert os.stat(where.marts).st_mode & 0o777 == 0o644
    assert demo.result.marts == where.marts


def test_publish_swaps_both_names_at_once(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "medfin.duckdb"
    for release in ("first", "second"):
        full, marts = tmp_path / f"{release}.duckdb", tmp_path / f"{release}-marts.duckdb"
        for path, text in ((full, f"{release} full"), (marts, f"{release} marts")):
            path.write_text(text)
        publish.publish(warehouse, full, marts, release)
        assert warehouse.read_text() == f"{release} full"
        assert layout(warehouse).marts.read_text() == f"{release} marts"
        assert not full.exists() and not marts.exists()
    where = layout(warehouse)
    # the stable names link through the one `current` link, which the swap replaces
    assert os.readlink(warehouse) == "medfin.current/medfin.duckdb"
    assert os.readlink(where.marts) == "medfin.current/medfin-marts.duckdb"
    assert os.readlink(where.current) == "medfin.releases/second"
    assert [p.name for p in where.releases.iterdir()] == ["second"]


def test_publish_replaces_a_warehouse_published_before_releases(tmp_path: Path) -> None:
    warehouse = tmp_path / "medfin.duckdb"
    warehouse.write_text("old plain file")
    full, marts = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    full.write_text("new full")
    marts.write_text("new marts")
    publish.publish(warehouse, full, marts, "run-1")
    assert warehouse.is_symlink() and warehouse.read_text() == "new full"


# --------------------------------------------------------------------------- DuckDB 1.x clients
@pytest.fixture(scope="session")
def client_python() -> Path:
    """The Python of a venv with the clients of bi_clients/requirements.txt, created on first use
    and cached (keyed by the requirements) under $MEDFIN_TEST_CACHE or ~/.cache/medfin-tests."""
    requirements = BI_CLIENTS / "requirements.txt"
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    root = Path(os.environ.get("MEDFIN_TEST_CACHE") or Path.home() / ".cache" / "medfin-tests")
    env_dir = root / f"bi-clients-{key}"
    python = env_dir / "bin" / "python"
    if not (env_dir / ".complete").exists():
        shutil.rmtree(env_dir, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(requirements),
            ],
            check=True,
            timeout=600,
        )
        (env_dir / ".complete").write_text(key)
    return python


def _probe(client_python: Path, *files: Path) -> dict:
    done = subprocess.run(
        [str(client_python), str(BI_CLIENTS / "probe.py"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_duckdb_1x_client_reads_every_object_of_both_files(
    demo: Built, client_python: Path
) -> None:
    files = [demo.warehouse, layout(demo.warehouse).marts]
    probed = _probe(client_python, *files)
    assert probed["duckdb"].startswith("1.1.")
    for path in files:
        seen = probed["files"][str(path)]["objects"]
        # every table and view, with the row count DuckDB 2.0 sees
        expected = {
            f"{schema}.{name}": _query(path, f'select count(*) from "{schema}"."{name}"')[0][0]
            for schema, name, _ in _objects(path)
        }
        assert seen == expected
        assert expected["finance.co_financing_by_municipality_month"] > 0


def test_comments_reach_sqlalchemy_reflection(demo: Built, client_python: Path) -> None:
    marts = layout(demo.warehouse).marts
    probed = _probe(client_python, marts)["files"][str(marts)]
    reflected = probed["sqlalchemy_comments"]
    assert reflected and all(reflected.values()), [k for k, v in reflected.items() if not v]
    table_comments = probed["sqlalchemy_table_comments"]
    assert table_comments and all(table_comments.values())
    assert (
        "Citizens of the age group"
        in reflected["finance.co_financing_per_citizen_by_age_group.population"]
    )


def test_a_wal_beside_the_link_is_not_replayed_into_the_next_release(
    demo: Built, client_python: Path, tmp_path: Path
) -> None:
    # DuckDB 1.x keeps its write-ahead log beside the name it opened (the link), not beside the
    # release file; a writer that dies leaves it there, and the next release must not get it.
    warehouse = tmp_path / "medfin.duckdb"
    wal = tmp_path / "medfin.duckdb.wal"
    for release in ("r1", "r2"):
        full, marts = tmp_path / "full.duckdb", tmp_path / "marts.duckdb"
        shutil.copyfile(demo.warehouse, full)
        shutil.copyfile(layout(demo.warehouse).marts, marts)
        publish.publish(warehouse, full, marts, release)
        if release == "r1":
            writer = (
                "import duckdb, os, sys; con = duckdb.connect(sys.argv[1]);"
                " con.execute('create table main.stale as select 1 as x'); os._exit(0)"
            )
            subprocess.run([str(client_python), "-c", writer, str(warehouse)], check=True)
            assert wal.exists()
    assert not wal.exists()
    objects = _probe(client_python, warehouse)["files"][str(warehouse)]["objects"]
    assert "main.stale" not in objects and "finance.co_financing_per_citizen" in objects


def test_the_storage_version_decides_who_can_read(client_python: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    for path, version in ((old, None), (new, "latest")):
        publish.create_database(path, version)
        with duckdb.connect(str(path)) as con:
            con.execute("create table t as select 42 as answer")
    assert _probe(client_python, old)["files"][str(old)]["objects"] == {"main.t": 1}
    refused = subprocess.run(
        [str(client_python), str(BI_CLIENTS / "probe.py"), str(new)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0 and "version" in refused.stderr
    with pytest.raises(publish.PublishError, match="MEDFIN_STORAGE_COMPATIBILITY"):
        publish.storage_version("1.1")


# --------------------------------------------------------------------------- the analyst file
def test_the_analyst_file_holds_only_aggregated_marts(demo: Built) -> None:
    marts = layout(demo.warehouse).marts
    objects = _objects(marts)
    assert {kind for *_, kind in objects} == {"table"}
    assert {schema for schema, *_ in objects} <= PUBLISHED_SCHEMAS
    names = {f"{schema}.{name}" for schema, name, _ in objects}
    assert {
        "finance.co_financing_by_municipality_month",
        "finance.co_financing_per_citizen_by_age_group",
        "core.dim_label",
        "core.fct_population",
        "quality.contact_completeness",
    } <= names
    # person-level tables stay in the full warehouse
    for absent in ("core.fct_co_financing", "core.fct_contacts", "quality.contacts_not_found"):
        assert absent not in names
    assert demo.result.analyst_file.tables == {
        name: _query(marts, f"select count(*) from {name}")[0][0] for name in names
    }


def test_the_analyst_file_has_no_person_ids_birth_dates_or_cpr_numbers(demo: Built) -> None:
    marts = layout(demo.warehouse).marts
    persons = pq.read_table(demo.delivery / "persons.parquet").to_pydict()
    person_ids = set(persons["person_id"])
    birth_dates = {str(d) for d in persons["birth_date"]}
    columns = _query(
        marts,
        "select schema_name, table_name, column_name, data_type from duckdb_columns()"
        " where database_name = current_database() and not internal",
    )
    assert columns
    con = duckdb.connect(str(marts), read_only=True)
    for schema, table, column, data_type in columns:
        assert not PERSON_COLUMN.search(column), f"{schema}.{table}.{column}"
        values = {
            row[0]
            for row in con.execute(
                f'select distinct "{column}" from "{schema}"."{table}"'
            ).fetchall()
            if row[0] is not None
        }
        if data_type == "VARCHAR":
            assert not values & person_ids, f"{schema}.{table}.{column} holds person ids"
            assert not [v for v in values if CPR_SHAPED.search(v)], f"{schema}.{table}.{column}"
        if data_type == "DATE" and (schema, table) != ("core", "dim_date"):
            # months, 1 January, validity dates, deadlines: never a column of birth dates
            assert not values or not {str(v) for v in values} <= birth_dates, (
                f"{schema}.{table}.{column} holds only birth dates"
            )
    con.close()


def test_small_counts_are_hidden_and_money_is_exact(demo: Built) -> None:
    marts = layout(demo.warehouse).marts
    suppressed = _query(
        marts,
        "select schema_name, table_name, column_name from duckdb_columns()"
        " where database_name = current_database() and comment like '%shown as -1%'",
    )
    columns = {f"{s}.{t}.{c}" for s, t, c in suppressed}
    assert {
        "finance.co_financing_by_municipality_month.patients",
        "finance.co_financing_by_municipality_month.billing_units",
        "finance.full_financing_by_municipality_month.events",
        "core.fct_population.persons",
    } <= columns
    hidden_total = 0
    for schema, table, column in suppressed:
        relation, name = f'"{schema}"."{table}"', f'"{column}"'
        assert _query(marts, f"select count(*) from {relation} where {name} between 1 and 4") == [
            (0,)
        ]
        original = sorted(
            _query(demo.warehouse, f"select {name} from {relation}"),
            key=lambda r: (r[0] is None, r),
        )
        shown = sorted(
            _query(marts, f"select {name} from {relation}"), key=lambda r: (r[0] is None, r)
        )
        expected = sorted(
            (((-1,) if row[0] is not None and 1 <= row[0] <= 4 else row) for row in original),
            key=lambda r: (r[0] is None, r),
        )
        assert shown == expected, f"{schema}.{table}.{column}"
        hidden_total += sum(1 for row in original if row[0] is not None and 1 <= row[0] <= 4)
    assert hidden_total > 0 and demo.result.analyst_file.hidden_cells == hidden_total
    for mart, money in (
        ("finance.co_financing_by_municipality_month", "co_financing_dkk, basis_dkk"),
        ("finance.co_financing_per_citizen_by_age_group", "co_financing_dkk"),
        ("finance.full_financing_by_municipality_month", "amount_dkk"),
    ):
        sql = f"select {money} from {mart} order by all"
        assert _query(marts, sql) == _query(demo.warehouse, sql)


def test_the_privacy_scan_finds_person_level_data(tmp_path: Path) -> None:
    path = tmp_path / "leaky.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema seeds")
        con.execute(
            "create table seeds.privacy_rules as select * from read_csv(?, header=true,"
            " types={'valid_from': 'DATE', 'valid_to': 'DATE', 'pattern': 'VARCHAR',"
            " 'threshold_share': 'DOUBLE', 'min_distinct_values': 'INTEGER'})",
            [str(Path(__file__).parents[2] / "seeds" / "privacy_rules.csv")],
        )
        # 30 persons born on 30 different days of 1950
        con.execute(
            "create table persons as select 'P' || lpad(cast(i as varchar), 9, '0') as person_id,"
            " date '1950-01-01' + cast(i * 7 as integer) as birth_date from range(30) t(i)"
        )
        con.execute("create schema finance")
        con.execute(
            "create table finance.leaky as select * from (values"
            " ('note CPR 010203-1234 here', 'P000000001', 'ok', ['P000000002'], 101031234),"
            " ('no separator 0102031234', 'x', 'ok', ['x'], 42)"
            ") as t(note, holder, fine, holders, as_number)"
        )
        con.execute("create table finance.named as select 1 as birth_date_year, 2 as Personnummer")
        con.execute("create table finance.dates as select birth_date as born from persons")
        con.execute(
            "create table finance.months as select"
            " date '2021-01-01' + to_months(cast(i as integer)) as activity_month"
            " from range(24) t(i)"
        )
        found = privacy_findings(
            con,
            today=date(2026, 1, 1),
            persons="main.persons",
            rules_from="seeds.privacy_rules",
        )
    text = "\n".join(found)
    assert "finance.leaky.note: 2 value(s) match privacy rule cpr_shaped_value" in text
    assert "finance.leaky.as_number: 1 value(s) match privacy rule cpr_shaped_value" in text
    assert "finance.leaky.holder: 1 value(s) are person ids of the delivery" in text
    assert "finance.leaky.holders: 1 value(s) are person ids of the delivery" in text
    assert "finance.named.birth_date_year: the column name matches" in text
    assert "finance.named.Personnummer: the column name matches" in text
    assert "finance.dates.born: 30 of 30 distinct dates are birth dates" in text
    assert "main.persons.person_id: the column name matches" in text
    assert "finance.leaky.fine" not in text
    assert "finance.months" not in text


def test_a_person_level_model_marked_for_the_analyst_file_is_refused(
    demo: Built, tmp_path: Path
) -> None:
    candidate = tmp_path / "candidate.duckdb"
    shutil.copyfile(demo.warehouse, candidate)
    result = write_analyst_file(
        candidate,
        tmp_path / "marts.duckdb",
        [AnalystTable("core", "fct_contacts"), AnalystTable("core", "dim_sex")],
    )
    assert any("core.fct_contacts.person_id" in f for f in result.findings)
    assert not any("dim_sex" in f for f in result.findings)


# --------------------------------------------------------------------------- docs in the database
def test_descriptions_are_database_comments(demo: Built) -> None:
    missing = _query(
        demo.warehouse,
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()"
        " where database_name = current_database() and not internal"
        " and schema_name in ('core', 'finance', 'quality', 'seeds', 'staging')"
        " and coalesce(comment, '') = ''",
    )
    assert missing == []
    tables = _query(
        demo.warehouse,
        "select schema_name || '.' || table_name from duckdb_tables()"
        " where database_name = current_database() and not internal"
        " and schema_name in ('core', 'finance', 'quality') and coalesce(comment, '') = ''",
    )
    assert tables == []
    marts = layout(demo.warehouse).marts
    assert _query(
        marts,
        "select count(*) from duckdb_columns() where database_name = current_database()"
        " and not internal and coalesce(comment, '') = ''",
    ) == [(0,)]


def test_codes_have_danish_and_english_labels(demo: Built) -> None:
    rows = _query(
        layout(demo.warehouse).marts,
        "select category, category_name_da, category_name_en"
        " from finance.full_financing_by_municipality_month"
        " where category = 'faerdigbehandlet_somatik' limit 1",
    )
    assert rows == [
        (
            "faerdigbehandlet_somatik",
            "Færdigbehandlede patienter, somatik",
            "Patients ready for discharge, somatic (bed-days)",
        )
    ]
    unnamed = _query(
        demo.warehouse,
        "select count(*) from finance.co_financing_by_municipality_month"
        " where area_name_da is null or age_group_name_en is null"
        " or (provider_kind is not null and provider_kind_name_da is null)",
    )
    assert unnamed == [(0,)]


# --------------------------------------------------------------------------- relocatable
def test_copies_work_without_the_work_folder_and_the_delivery(demo: Built, tmp_path: Path) -> None:
    elsewhere = tmp_path / "bi-server"
    elsewhere.mkdir()
    copies = [
        Path(shutil.copyfile(demo.warehouse, elsewhere / "medfin.duckdb")),
        Path(shutil.copyfile(layout(demo.warehouse).marts, elsewhere / "medfin-marts.duckdb")),
    ]
    work, delivery = work_dir(demo.warehouse), demo.delivery
    hidden = [(work, tmp_path / "work-away"), (delivery, tmp_path / "delivery-away")]
    for source, away in hidden:
        source.rename(away)
    try:
        for copy in copies:
            objects = _objects(copy)
            assert objects
            for schema, name, _ in objects:
                _query(copy, f'select * from "{schema}"."{name}" limit 1')
            paths = _query(
                copy,
                "select view_name, sql from duckdb_views()"
                " where database_name = current_database() and not internal"
                " and regexp_matches(sql, 'read_(parquet|csv|json)|glob\\(', 'i')",
            )
            assert paths == []
    finally:
        for source, away in hidden:
            away.rename(source)


# --------------------------------------------------------------------------- analyses
def test_compiled_analyses_run_unchanged_on_both_files(demo: Built, tmp_path: Path) -> None:
    from medfin.build import Dbt

    target = tmp_path / "target"
    dbt = Dbt(work=tmp_path, verbose=False)
    scratch = tmp_path / "scratch.duckdb"
    with environ(dbt_env(work_dir(demo.warehouse) / "delivery", "parquet", scratch)):
        dbt.invoke(["compile", "--select", "resource_type:analysis"])
    compiled = sorted((target / "compiled" / "medfin" / "analyses").glob("*.sql"))
    assert len(compiled) == len(list((Path(__file__).parents[2] / "analyses").glob("*.sql")))
    for sql_file in compiled:
        sql = sql_file.read_text(encoding="utf-8")
        assert '"scratch"' not in sql and '"candidate"' not in sql
        for path in (demo.warehouse, layout(demo.warehouse).marts):
            rows = _query(path, sql)
            assert rows, f"{sql_file.name} returns nothing on {path.name}"


# --------------------------------------------------------------------------- the build's output
def test_the_build_reports_progress_and_a_short_summary(demo: Built) -> None:
    from rich.console import Console

    from medfin import cli

    dbt_events = [p for p in demo.progress if p.phase == "dbt build"]
    assert dbt_events and dbt_events[-1].done == dbt_events[-1].total > 400
    assert demo.progress[0].phase == "validating the delivery"
    assert "publishing" in {p.phase for p in demo.progress}

    console = Console(record=True, width=120, force_terminal=False)
    original = cli.console
    cli.console = console
    try:
        cli._print_build_summary(demo.result)
    finally:
        cli.console = original
    text = console.export_text()
    lines = text.splitlines()
    assert len(lines) <= 20, text
    assert "medfin-marts.duckdb" in text and "quality-report.html" in text
    assert re.search(r"checks: \d+ passed, 2 warning\(s\), 0 failed, \d+ not applicable", text)
    # one catalogue check, measured by two engines, each line naming its engine
    assert "contacts_not_found_share [quality_mart]: 2 of" in text
    assert "contacts_not_found_share [great_expectations]: " in text
    assert "\x1b[" not in text  # no colours off a terminal


def test_dates_are_birth_dates_only_when_a_random_day_would_not_be(tmp_path: Path) -> None:
    """With millions of persons every day of the last century is someone's birthday (national
    scale): 20 publication dates were all "birth dates" and stopped publication. A date column is
    flagged only when the days of its range are mostly not birth dates, so that its share says
    something; a column of real birth dates among sparse birthdays still is."""
    from medfin.analyst_file import privacy_findings

    with duckdb.connect(str(tmp_path / "privacy.duckdb")) as con:
        seed = Path(__file__).resolve().parents[2] / "seeds" / "privacy_rules.csv"
        con.execute(
            f"create table privacy_rules as select * replace (cast(valid_to as date) as valid_to)"
            f" from read_csv('{seed}', header = true)"
        )
        con.execute("create schema finance")
        # 25 publication dates, the 17th of each month
        con.execute(
            "create table finance.published as select cast(d as date) as published_on"
            " from range(date '2020-01-17', date '2022-02-17', interval 1 month) as t(d)"
        )
        everyone = "range(date '1920-01-01', date '2023-01-01', interval 1 day)"
        con.execute(
            f"create table crowd as select 'P' || row_number() over () as person_id,"
            f" cast(d as date) as birth_date from {everyone} as t(d)"
        )
        con.execute(
            "create table few as select * from crowd"
            " where day(birth_date) = 17 or birth_date < date '1921-01-01'"
        )
        today = date(2024, 1, 1)

        def published(persons: str) -> list[str]:  # (the persons tables are in the file too)
            found = privacy_findings(con, today=today, persons=persons, rules_from="privacy_rules")
            return [f for f in found if f.startswith("finance.")]

        assert published("crowd") == []
        flagged = published("few")
    assert flagged == [
        "finance.published.published_on: 25 of 25 distinct dates are birth dates of the delivery"
        " (privacy rule birth_date_column)"
    ]
