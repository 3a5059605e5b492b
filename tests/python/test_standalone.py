"""The repository stands alone: no tracked file cites a document that is not in the repository,
and every link to a page in docs/ (and to a heading of it) resolves.

Rules and their public sources are in docs/domain.md, measured tool behaviour in docs/tooling.md,
the checks in docs/data-quality.md. A citation of the design notes the project started from (which
live outside the repository) leaves a reader with nothing to follow, so it fails here.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

# The names below are joined from parts, so that this file, which every citation check reads,
# does not itself cite what it forbids.
SHARED = "sha" + "red"
RULES, DATA_QUALITY = "RUL" + "ES.md", "DATA-" + "QUALITY.md"
DOMAIN_REFERENCE, TOOLING_NOTES = "DOMAIN-" + "REFERENCE", "TOOLING-" + "NOTES"


def _after_no_word(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(name))


# Documents outside the repository, by how they are cited. A file name counts only while no tracked
# file has that name (adding docs/GLOSSARY.md would make "GLOSSARY.md" a citation that resolves).
FOREIGN_DOCUMENTS: dict[str, re.Pattern[str]] = {
    RULES: _after_no_word(RULES),
    DATA_QUALITY: re.compile(re.escape(DATA_QUALITY)),
    DOMAIN_REFERENCE: re.compile(re.escape(DOMAIN_REFERENCE)),
    TOOLING_NOTES: re.compile(re.escape(TOOLING_NOTES)),
    "ARCHITECTURE.md": _after_no_word("ARCHITECTURE.md"),
    "GLOSSARY.md": _after_no_word("GLOSSARY.md"),
    "ANCHORS.md": _after_no_word("ANCHORS.md"),
    "raw-extract.md": _after_no_word("raw-extract.md"),
}
FOREIGN_FOLDERS: dict[str, re.Pattern[str]] = {
    f"../{SHARED}": re.compile(re.escape(f"../{SHARED}") + r"\b"),
    f"/work/{SHARED}": re.compile(re.escape(f"/work/{SHARED}") + r"\b"),
    f"{SHARED}/<notes>": re.compile(
        r"(?<![\w./-])" + SHARED + r"/(?:contracts|design|domain|hooks)\b"
    ),
    f"the {SHARED} domain notes": re.compile(
        SHARED + r" domain (?:reference|notes|rules)", re.IGNORECASE
    ),
}

THIS_FILE = "tests/python/test_standalone.py"
DOCS_REFERENCE = re.compile(r"(?<![\w./-])docs/([\w.-]+\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _tracked(root: Path) -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:  # pragma: no cover - not a checkout
        pytest.skip(f"not a git checkout: {exc}")
    return [p for p in out.decode("utf-8").split("\0") if p]


def _text(root: Path, path: str) -> str | None:
    try:
        return (root / path).read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return None


def _lines_outside_code_fences(text: str) -> Iterator[tuple[int, str]]:
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def heading_anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: links and code marks reduced to their text,
    lower case, punctuation dropped (letters, digits, `_` and `-` stay), spaces become `-`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors_of(path: Path) -> frozenset[str]:
    """Every anchor a Markdown file offers: its headings (repeats numbered -1, -2 as GitHub does)
    and explicit <a id="..."> targets."""
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    for _, line in _lines_outside_code_fences(path.read_text(encoding="utf-8")):
        anchors.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if not match:
            continue
        anchor = heading_anchor(match.group(2))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return frozenset(anchors)


def foreign_citations(root: Path, files: list[str]) -> dict[str, list[str]]:
    """path -> 'line N: <what it cites>' for every citation of a document outside the repository."""
    names = {Path(p).name for p in files}
    patterns = {k: v for k, v in FOREIGN_DOCUMENTS.items() if k not in names} | FOREIGN_FOLDERS
    found: dict[str, list[str]] = {}
    for path in files:
        text = _text(root, path) if path != THIS_FILE else None
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for name, pattern in patterns.items():
                if pattern.search(line):
                    found.setdefault(path, []).append(f"line {number}: {name}")
    return found


def broken_links(root: Path, files: list[str]) -> list[str]:
    """Every `docs/x.md[#anchor]` mention (any tracked text file) and every relative Markdown link
    (Markdown files) whose file or heading does not exist."""
    problems: list[str] = []

    def check(where: str, target: Path, anchor: str | None, shown: str) -> None:
        if not target.exists():
            problems.append(f"{where}: {shown} does not exist")
        elif anchor and target.suffix == ".md" and anchor not in anchors_of(target):
            problems.append(f"{where}: {shown} has no heading #{anchor}")

    for path in files:
        text = _text(root, path) if path != THIS_FILE else None
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for doc, anchor in DOCS_REFERENCE.findall(line):
                shown = f"docs/{doc}" + (f"#{anchor}" if anchor else "")
                check(f"{path}:{number}", root / "docs" / doc, anchor or None, shown)
        if not path.endswith(".md"):
            continue
        for number, line in _lines_outside_code_fences(text):
            for link in MARKDOWN_LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE):
                    continue  # https:, mailto: ...
                file_part, _, anchor = link.partition("#")
                target = (root / path).parent / file_part if file_part else root / path
                check(f"{path}:{number}", target, anchor or None, link)
    return list(dict.fromkeys(problems))  # a Markdown link to docs/ is found by both scans


@pytest.fixture(scope="module")
def tracked(repo_root: Path) -> list[str]:
    return _tracked(repo_root)


@pytest.fixture(scope="module")
def citations(repo_root: Path, tracked: list[str]) -> dict[str, list[str]]:
    return foreign_citations(repo_root, tracked)


def test_no_citation_of_documents_outside_the_repository(citations: dict[str, list[str]]) -> None:
    unexpected = citations
    assert not unexpected, (
        "cite a file in the repository (docs/domain.md#..., docs/tooling.md#...) or a public "
        f"source instead: {unexpected}"
    )


def test_links_to_docs_resolve(repo_root: Path, tracked: list[str]) -> None:
    problems = broken_links(repo_root, tracked)
    assert not problems, "\n".join(problems)


def test_domain_page_has_the_anchors_others_cite(repo_root: Path) -> None:
    anchors = anchors_of(repo_root / "docs" / "domain.md")
    promised = {
        "co-financing",
        "full-financing",
        "controls-and-reconciliation",
        "publication-and-deadlines",
        "small-number-discretion",
        "data-protection",
        "age-groups",
        "regions-and-municipalities",
        "drg-and-tariffs",
        "psychiatry",
        "data-packages",
    }
    assert promised <= anchors, sorted(promised - anchors)


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """The scanners themselves: a foreign citation, a missing page and a missing heading are found;
    a heading's anchor follows GitHub's rules."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(
        "# Page\n## Co-financing: `seeds/x.csv`\n## Twice\n## Twice\n```\n# not a heading\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "a.sql").write_text(
        f"-- see {RULES} §2 and ../{SHARED}/domain\n-- docs/page.md#twice-1 docs/page.md#page\n"
        "-- docs/page.md#not-a-heading docs/gone.md\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "[ok](docs/page.md#co-financing-seedsxcsv) [bad](docs/page.md#nope) [web](https://x.y/z)\n",
        encoding="utf-8",
    )
    files = ["docs/page.md", "a.sql", "b.md"]
    assert foreign_citations(tmp_path, files) == {
        "a.sql": [f"line 1: {RULES}", f"line 1: ../{SHARED}"]
    }
    assert broken_links(tmp_path, files) == [
        "a.sql:3: docs/page.md#not-a-heading has no heading #not-a-heading",
        "a.sql:3: docs/gone.md does not exist",
        "b.md:1: docs/page.md#nope has no heading #nope",
    ]
    assert heading_anchor("One result table with history: `quality.check_results`") == (
        "one-result-table-with-history-qualitycheck_results"
    )
    assert heading_anchor("Sundhedsråd [Aarhus](x.md) 2027") == "sundhedsråd-aarhus-2027"


def test_the_longest_modules_named_in_conftest_exist(repo_root: Path) -> None:
    """conftest.LONGEST_MODULES_FIRST names modules by file: a renamed module would silently
    lose its place at the front of the xdist queue."""
    from conftest import LONGEST_MODULES_FIRST

    for name in LONGEST_MODULES_FIRST:
        assert (repo_root / "tests" / "python" / name).is_file(), name
