"""What `medfin check` shows: a short terminal table and a self-contained HTML quality report.

The HTML report is one file with inline CSS and no external resource (no scripts, fonts or
stylesheets from the network), so it renders on an offline machine; GX's Data Docs, next to it,
load their styling from CDNs. It lists every Great Expectations result of the run and the rows
the build run already recorded in quality.check_results (dbt tests, quality marts).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich import box
from rich.table import Table

from medfin.checks.history import CheckResult
from medfin.checks.results import CheckRun, Outcome

_SEVERITY_ORDER = {"fatal": 0, "error": 1, "warning": 2}
_STATUS_ORDER = {"error": 0, "failed": 1, "not_applicable": 2, "passed": 3}
WIDE = 110  # terminal width from which the table has its where-to-look column
_STATUS_STYLE = {
    "passed": "green",
    "failed": "bold red",
    "error": "bold magenta",
    "not_applicable": "dim",
}


def _sort_key(result: CheckResult) -> tuple[int, int, str, str]:
    return (
        _STATUS_ORDER.get(result.status, 9),
        _SEVERITY_ORDER.get(result.severity, 9),
        result.check_name,
        result.scope or "",
    )


def ordered(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """Problems first (error, failed), the most severe first."""
    return sorted(outcomes, key=lambda o: _sort_key(o.result))


def counts(result: CheckResult) -> str:
    if result.status == "not_applicable" or (
        result.violating_rows is None and result.denominator_rows is None
    ):
        return "-"
    violating = "?" if result.violating_rows is None else f"{result.violating_rows:,}"
    denominator = "?" if result.denominator_rows is None else f"{result.denominator_rows:,}"
    return f"{violating} / {denominator}"


def short_place(where_to_look: str | None) -> str:
    """The first thing to open: `quality.x (columns ...); other` -> `quality.x`."""
    text = (where_to_look or "").split(";")[0]
    return text.split(" (")[0].strip()


def by_check(outcomes: Iterable[Outcome]) -> list[tuple[CheckResult, int, str]]:
    """One line per check: its worst result, how many results it has, and where/why."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in ordered(outcomes):
        groups.setdefault(outcome.result.check_name, []).append(outcome)
    lines = []
    for group in groups.values():
        worst = group[0]
        r = worst.result
        numbered = [o.result for o in group if o.result.status in ("passed", "failed")]
        violating = sum(x.violating_rows or 0 for x in numbered) if numbered else None
        denominator = sum(x.denominator_rows or 0 for x in numbered) if numbered else None
        summary = CheckResult(
            **{
                **r.__dict__,
                "scope": r.scope if len(group) == 1 else f"{len(group)} scopes",
                "violating_rows": violating,
                "denominator_rows": denominator,
            }
        )
        problems = [o for o in group if o.result.status in ("failed", "error")]
        if r.status == "error":
            note = worst.detail
        elif r.status == "failed":
            note = short_place(r.where_to_look) or (r.scope or "")
        elif r.status == "not_applicable":
            note = worst.detail
        else:
            note = ""
        if len(problems) > 1:
            note += f" (+{len(problems) - 1} more)"
        lines.append((summary, len(group), note))
    return sorted(lines, key=lambda line: _sort_key(line[0]))


def results_table(run: CheckRun, width: int = 120) -> Table:
    """The short terminal table, one line per check: severity, worst status, violating rows /
    rows checked over its scopes, and where to look (or why it could not run). Narrower than
    `WIDE` characters, the where-to-look column is left out (see `notes`)."""
    table = Table(
        title=f"medfin check {run.run_id}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("check", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("violating/rows", justify="right", no_wrap=True, min_width=14)
    wide = width >= WIDE
    if wide:
        table.add_column("where to look", overflow="fold", min_width=20)
    for summary, _, note in by_check(run.outcomes):
        style = _STATUS_STYLE.get(summary.status, "")
        cells = [
            summary.check_name,
            summary.severity,
            f"[{style}]{summary.status}[/]" if style else summary.status,
            counts(summary),
        ]
        table.add_row(*cells, *([note] if wide else []))
    return table


def notes(run: CheckRun) -> list[str]:
    """`check: where to look` for every check that did not pass (for narrow terminals)."""
    return [
        f"{summary.check_name}: {note}"
        for summary, _, note in by_check(run.outcomes)
        if note and summary.status != "passed"
    ]


# --------------------------------------------------------------------------- HTML
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem;
       color: #1d2329; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de;
     padding-bottom: .25rem; }
.meta { color: #57606a; margin: 0 0 1rem 0; }
.meta dt { font-weight: 600; display: inline; }
.meta dd { display: inline; margin: 0 1.25rem 0 .25rem; }
.verdict { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; margin: 1rem 0; }
.verdict.ok { background: #dafbe1; color: #116329; }
.verdict.blocked { background: #ffebe9; color: #a40e26; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
         border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .75rem;
         font-weight: 600; white-space: nowrap; }
.passed { background: #dafbe1; color: #116329; }
.failed { background: #ffebe9; color: #a40e26; }
.error { background: #fbefff; color: #8250df; }
.not_applicable { background: #eaeef2; color: #57606a; }
.fatal { background: #a40e26; color: #fff; }
.sev-error { background: #ffcecb; color: #a40e26; }
.warning { background: #fff8c5; color: #7d4e00; }
.scope, .detail { color: #57606a; font-size: .8rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .8rem; }
.summary span { margin-right: 1rem; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _badge(value: str, kind: str) -> str:
    css = "sev-error" if kind == "severity" and value == "error" else value
    return f'<span class="badge {_e(css)}">{_e(value)}</span>'


def _share(value: float | None) -> str:
    if value is None:
        return "-"
    return "0 %" if value == 0 else f"{value * 100:.6g} %"


def _result_cells(r: CheckResult) -> str:
    return (
        f"<td>{_badge(r.status, 'status')}</td>"
        f"<td>{_badge(r.severity, 'severity')}</td>"
        f"<td><strong>{_e(r.check_name)}</strong><br>"
        f'<span class="scope"><code>{_e(r.scope)}</code></span></td>'
        f"<td>{_e(r.check_level)} / {_e(r.category)} / {_e(r.context)}</td>"
        f'<td class="num">{_e(counts(r))}</td>'
        f'<td class="num">{_e(_share(r.violating_share))}</td>'
        f'<td class="num">{_e(_share(r.threshold_share))}</td>'
        f"<td>{_e(r.where_to_look)}</td>"
    )


_HEAD = (
    "<tr><th>status</th><th>severity</th><th>check / scope</th><th>level / category /"
    " context</th><th>violating / rows</th><th>share</th><th>threshold</th>"
    "<th>where to look</th>{extra}</tr>"
)


def _summary(results: Sequence[CheckResult]) -> str:
    tally = Counter(r.status for r in results)
    parts = [f"<span>{_badge(s, 'status')} {tally[s]}</span>" for s in _STATUS_ORDER if tally[s]]
    return f'<p class="summary">{"".join(parts) or "no results"}</p>'


def render_report(run: CheckRun) -> str:
    """The quality report as one self-contained HTML document."""
    blocking = run.blocking
    if blocking:
        names = ", ".join(sorted({r.check_name for r in blocking}))
        verdict = (
            f'<div class="verdict blocked">Not publishable: {len(blocking)} fatal/error check'
            f"{'s' if len(blocking) != 1 else ''} failed or could not run ({_e(names)}).</div>"
        )
    else:
        verdict = '<div class="verdict ok">No fatal or error check failed.</div>'
    gx_rows = "".join(
        f"<tr>{_result_cells(o.result)}<td>{_e(o.description)}"
        f'{"<br>" if o.detail else ""}<span class="detail">{_e(o.detail)}</span></td></tr>'
        for o in ordered(run.outcomes)
    )
    earlier = sorted(run.earlier, key=_sort_key)
    earlier_rows = "".join(
        f"<tr>{_result_cells(r)}<td>{_e(r.checked_by)}</td></tr>" for r in earlier
    )
    if run.earlier_run_id:
        earlier_section = (
            f"<h2>Recorded by the build run <code>{_e(run.earlier_run_id)}</code></h2>"
            f"{_summary(earlier)}"
            f"<table>{_HEAD.format(extra='<th>checked by</th>')}{earlier_rows}</table>"
        )
    else:
        earlier_section = (
            "<h2>Recorded by the build</h2><p>quality.check_results holds no rows of a build"
            " run for this warehouse.</p>"
        )
    docs = (
        '<p>Great Expectations Data Docs: <a href="data_docs/index.html">data_docs/index.html</a>'
        " (their styling loads from the internet).</p>"
        if run.data_docs_index is not None
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>medfin quality report {_e(run.run_id)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>medfin quality report</h1>
<dl class="meta">
<dt>warehouse</dt><dd><code>{_e(run.warehouse)}</code></dd>
<dt>run</dt><dd><code>{_e(run.run_id)}</code></dd>
<dt>run at (UTC)</dt><dd>{_e(run.run_at.isoformat(sep=" "))}</dd>
<dt>delivery</dt><dd>{_e(run.delivery_id or "unknown")}</dd>
</dl>
{verdict}
<h2>Great Expectations suites</h2>
{_summary(run.results)}
<table>{_HEAD.format(extra="<th>expectation / detail</th>")}{gx_rows}</table>
{docs}
{earlier_section}
</body>
</html>
"""


def write_report(run: CheckRun) -> Path:
    """Write the quality report of `run` to `run.report` (the caller decides when)."""
    run.report_dir.mkdir(parents=True, exist_ok=True)
    run.report.write_text(render_report(run), encoding="utf-8")
    return run.report
