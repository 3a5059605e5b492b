"""The health-council data packages as Excel workbooks, laid out as the health authority's.

Everything printed comes from reporting.data_package (figures, titles, source lines, notes) and
core.dim_label (headings), so the workbook cannot disagree with the table BI tools read. One sheet
per table: title, period, the rows (Hele landet, the region, the council, its municipalities),
the counts and, beside them, the rates per 1,000 citizens, then the source line, the discretion
note and, where an illustrative rule value is behind a figure, a note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from medfin import __version__
from medfin.export import ExportError, default_source, open_source, write_atomically

ALL_COUNCILS = "alle-sundhedsraad"
# Excel number formats; Excel shows them with the reader's separators (1.234,5 in Danish). The
# section after `;` is for negative numbers: the only one is the discretion value, shown as -1.
FORMAT_WHOLE = "#,##0"
FORMAT_RATE = "#,##0.0;-#,##0"
FORMAT_KRONER = "#,##0"
HEADER_ROWS = 5  # title, period, blank, measure headings, column headings
TITLE_FONT = Font(bold=True, size=13)
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, size=9)
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name: str
    parent: str | None
    sort: int


@dataclass
class Table:
    table_id: str
    sort: int
    titles: dict[str, str] = field(default_factory=dict)  # measure -> title
    unit: str = ""
    source_note: str = ""
    discretion_note: str = ""
    rule_note: str | None = None
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)  # value -> (sort, label)
    values: dict[tuple[str, str, str, str], Decimal | None] = field(default_factory=dict)


@dataclass
class Package:
    """reporting.data_package of one period, read once for any number of workbooks."""

    period: int
    areas: dict[tuple[str, str], Area]
    tables: list[Table]
    texts: dict[tuple[str, str], str]

    def councils(self) -> list[Area]:
        return sorted(
            (a for a in self.areas.values() if a.level == "health_council"), key=lambda a: a.sort
        )

    def children(self, parent: Area, level: str) -> list[Area]:
        return sorted(
            (a for a in self.areas.values() if a.level == level and a.parent == parent.code),
            key=lambda a: a.sort,
        )

    def area(self, level: str, code: str) -> Area:
        return self.areas[(level, code)]

    def text(self, domain: str, code: str) -> str:
        try:
            return self.texts[(domain, code)]
        except KeyError:
            raise ExportError(
                f"core.dim_label has no {domain} {code!r}; the warehouse was built by an older"
                " medfin: rebuild it (medfin build) and export again"
            ) from None

    def find_council(self, name: str) -> Area:
        """A council by its name (`Sundhedsråd Horsens`), the name without the prefix, or its id."""
        wanted = name.strip().casefold()
        prefix = self.text("geo_level", "health_council").casefold() + " "
        for council in self.councils():
            names = {council.name.casefold(), council.code.casefold()}
            names.add(council.name.casefold().removeprefix(prefix))
            if wanted in names:
                return council
        valid = "\n  ".join(c.name for c in self.councils())
        raise ExportError(f"no health council named {name!r}; the health councils are:\n  {valid}")


def read_package(con: duckdb.DuckDBPyConnection, period: int) -> Package:
    exists = con.execute(
        "select count(*) from duckdb_tables()"
        " where schema_name = 'reporting' and table_name = 'data_package'"
    ).fetchone()
    if not exists or not exists[0]:
        raise ExportError(
            "this warehouse has no reporting.data_package; rebuild it with this medfin version"
        )
    periods = [
        r[0]
        for r in con.execute(
            "select distinct period from reporting.data_package order by 1"
        ).fetchall()
    ]
    if period not in periods:
        shown = ", ".join(str(p) for p in periods) or "none"
        raise ExportError(f"no data package for {period}; the warehouse has the periods: {shown}")
    rows = con.execute(
        """
        select table_id, table_sort, table_title, measure, unit, source_note, discretion_note,
            rule_note, geo_level, geo_code, geo_name, parent_geo_code, geo_sort,
            breakdown_value, breakdown_label, breakdown_sort, value
        from reporting.data_package
        where period = ?
        order by table_sort, breakdown_sort
        """,
        [period],
    ).fetchall()
    areas: dict[tuple[str, str], Area] = {}
    tables: dict[str, Table] = {}
    for (
        table_id, table_sort, title, measure, unit, source_note, discretion_note, rule_note,
        level, code, name, parent, geo_sort, column, label, column_sort, value,
    ) in rows:  # fmt: skip
        areas.setdefault((level, code), Area(level, code, name, parent, geo_sort))
        table = tables.setdefault(table_id, Table(table_id, table_sort))
        table.titles[measure] = title
        table.unit, table.source_note, table.discretion_note = unit, source_note, discretion_note
        table.rule_note = table.rule_note or rule_note
        table.columns.setdefault(column, (column_sort, label))
        table.values[(measure, level, code, column)] = value
    texts = {
        (d, c): label
        for d, c, label in con.execute(
            "select domain, code, label_da from core.dim_label"
            " where domain in ('geo_level', 'measure', 'data_package_text', 'breakdown')"
        ).fetchall()
    }
    return Package(period, areas, sorted(tables.values(), key=lambda t: t.sort), texts)


def rows_for(package: Package, council: Area | None) -> list[Area]:
    """The rows of a workbook in the published order: Hele landet, the region, the council and
    each of its municipalities; for all councils each region followed by its councils, each
    council followed by its municipalities."""
    country = next(a for a in package.areas.values() if a.level == "country")
    if council is not None:
        region = package.area("region", council.parent or "")
        return [country, region, council, *package.children(council, "municipality")]
    ordered = [country]
    for region in package.children(country, "region"):
        ordered.append(region)
        for each in package.children(region, "health_council"):
            ordered += [each, *package.children(each, "municipality")]
    return ordered


def sheet_name(package: Package, table: Table) -> str:
    return f"{package.text('data_package_text', 'title_prefix')} {table.table_id}"


def write_workbook(package: Package, council: Area | None, out: Path, source: str) -> None:
    """One workbook: a contents sheet and one sheet per table (written atomically to `out`)."""
    workbook = Workbook()
    contents = workbook.active
    contents.title = package.text("data_package_text", "contents")
    rows = rows_for(package, council)
    subject = council.name if council else "Alle sundhedsråd"
    _write_contents(contents, package, subject, source)
    for table in package.tables:
        _write_table(workbook.create_sheet(sheet_name(package, table)), package, table, rows)
    workbook.properties.title = f"Datapakke {subject} {package.period}"
    workbook.properties.creator = f"medfin {__version__}"
    write_atomically(out, lambda tmp: workbook.save(tmp))


def _write_contents(sheet: Worksheet, package: Package, subject: str, source: str) -> None:
    sheet["A1"] = f"Datapakke: {subject}"
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = f"{package.text('data_package_text', 'period')}: {package.period}"
    sheet["A4"] = package.text("data_package_text", "contents")
    sheet["A4"].font = BOLD
    row = 5
    for table in package.tables:
        cell = sheet.cell(row=row, column=1, value=table.titles["count"])
        # An internal link (location), which Excel and LibreOffice follow within the file.
        cell.hyperlink = Hyperlink(
            ref=cell.coordinate, location=f"'{sheet_name(package, table)}'!A1"
        )
        cell.font = Font(color="1F4E79", underline="single")
        row += 1
    notes = {t.discretion_note for t in package.tables} | {
        t.rule_note for t in package.tables if t.rule_note
    }
    row += 1
    for note in sorted(notes):
        sheet.cell(row=row, column=1, value=note).font = NOTE_FONT
        row += 1
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    sheet.cell(row=row + 1, column=1, value=f"Dannet {made} af medfin {__version__} fra {source}")
    sheet.cell(row=row + 1, column=1).font = NOTE_FONT
    sheet.column_dimensions["A"].width = 100


def _number_format(table: Table, measure: str) -> str:
    if measure == "per_1000":
        return FORMAT_RATE
    return FORMAT_KRONER if table.unit == "kroner" else FORMAT_WHOLE


def _write_table(sheet: Worksheet, package: Package, table: Table, rows: list[Area]) -> None:
    columns = sorted(table.columns.items(), key=lambda item: item[1])
    measures = ("count", "per_1000")
    first_column = {"count": 2, "per_1000": 3 + len(columns)}  # one empty column between blocks
    sheet["A1"] = table.titles["count"]
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = f"{package.text('data_package_text', 'period')}: {package.period}"
    for measure in measures:
        start = first_column[measure]
        heading = sheet.cell(row=4, column=start, value=package.text("measure", measure))
        heading.font = BOLD
        if len(columns) > 1:
            sheet.merge_cells(
                start_row=4, start_column=start, end_row=4, end_column=start + len(columns) - 1
            )
        for offset, (_, (_, label)) in enumerate(columns):
            cell = sheet.cell(row=5, column=start + offset, value=label)
            cell.font, cell.fill = BOLD, HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    corner = sheet.cell(row=5, column=1, value=package.text("data_package_text", "row_heading"))
    corner.font, corner.fill = BOLD, HEADER_FILL
    for index, area in enumerate(rows):
        row = HEADER_ROWS + 1 + index
        name = sheet.cell(row=row, column=1, value=area.name)
        if area.level == "municipality":
            name.alignment = Alignment(indent=1)
        else:
            name.font = BOLD
        for measure in measures:
            for offset, (column, _) in enumerate(columns):
                value = table.values.get((measure, area.level, area.code, column))
                cell = sheet.cell(
                    row=row,
                    column=first_column[measure] + offset,
                    value=None if value is None else float(value),
                )
                cell.number_format = _number_format(table, measure)
    row = HEADER_ROWS + len(rows) + 2
    for note in (table.source_note, table.discretion_note, table.rule_note):
        if note:
            sheet.cell(row=row, column=1, value=note).font = NOTE_FONT
            row += 1
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=2)
    # Printed: landscape, one page wide, the header rows repeated on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{HEADER_ROWS}"
    sheet.column_dimensions["A"].width = max(len(a.name) for a in rows) + 4
    for measure in measures:
        for offset, (_, (_, label)) in enumerate(columns):
            letter = get_column_letter(first_column[measure] + offset)
            sheet.column_dimensions[letter].width = min(max(12, len(label) * 0.6 + 4), 30)
    sheet.row_dimensions[5].height = 45


def file_name(council: Area | None, period: int) -> str:
    slug = council.code if council else ALL_COUNCILS
    return f"datapakke-{re.sub(r'[^a-z0-9-]+', '-', slug.lower())}-{period}.xlsx"


def export_one(source: Path | None, council_name: str, period: int, out: Path) -> Path:
    with open_source(source) as con:
        package = read_package(con, period)
    council = package.find_council(council_name)
    write_workbook(package, council, out, str(source or default_source()))
    return out


def export_all(source: Path | None, period: int, out_dir: Path) -> list[Path]:
    """17 workbooks, one per council, and one with all councils."""
    with open_source(source) as con:
        package = read_package(con, period)
    written = []
    for council in [*package.councils(), None]:
        path = out_dir / file_name(council, period)
        write_workbook(package, council, path, str(source or default_source()))
        written.append(path)
    return written
