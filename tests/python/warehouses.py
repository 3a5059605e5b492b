"""The test session's deliveries and warehouses: each built once and shared, and a tampering helper
that rebuilds only what a tampering changed.

- `generated_delivery(defects, fmt, years)`: a tiny generated delivery (seed SEED), generated once.
- `built(defects, fmt, years)`: that delivery built with the whole project (`medfin.build.build`),
  once per session. Shared read-only: a test that writes copies the files first.
- `staging_built(delivery, warehouse)`: a delivery built with only the staging layer
  (`staging_project()`), for hand-made deliveries that the marts would refuse.
- `tampered_copy(base, where)` then `rebuild(base, delivery, warehouse)`: a copy of a built
  delivery to tamper with, and `medfin.build.build` of it that starts from a copy of the base
  warehouse and lets dbt build only the nodes downstream of what differs (the raw tables whose
  manifest entry changed, the build's delivery audit, the check history, and any `select`ed
  node such as a changed seed). Validation, Great Expectations, the publication gate and
  publication run as in every build.
- `reuse_dbt_parse()` (a session fixture in conftest.py): dbt parses the project once per session
  instead of once per build (see there).

The test command runs pytest in several worker processes (pytest-xdist, `make test`). The
deliveries and builds above are made once per run, not once per worker: they live in one folder
the workers share (`session_root`, named by the controlling process in SESSION_ROOT_ENV), and
the first worker to need one makes it while holding its lock; the others wait and read it.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import pickle
import pprint
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medfin import publish
from medfin.build import BuildResult, Dbt, Progress, build, work_dir
from medfin.checks.history import CHECK_RESULTS, GOLDEN_FIGURES, HISTORY_SOURCE
from medfin.contract import SOURCE_NAME
from medfin.contract.staging import STAGING_MODELS as staging_models_of_the_contract
from medfin.generate import generate_delivery

SEED = 11
REPO = Path(__file__).resolve().parents[2]

# Contract table -> its staging model (one source: medfin.contract.staging).
STAGING_MODELS = dict(staging_models_of_the_contract)
# What medfin build writes beside the staged tables (the delivery audit), a dbt source of its own.
BUILD_SOURCE = "medfin_build"

# The folder of the run's shared deliveries and builds, made and removed by the controlling
# process (conftest.py) and inherited by the xdist workers.
SESSION_ROOT_ENV = "MEDFIN_TEST_SESSION_ROOT"


@cache
def session_root() -> Path:
    """The run's shared folder; a process that was started without one (pytest without
    conftest.py's session hooks, a script importing this module) makes its own."""
    named = os.environ.get(SESSION_ROOT_ENV)
    if named:
        return Path(named)
    root = Path(tempfile.mkdtemp(prefix="medfin-warehouses-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


@contextmanager
def _made_once(name: str) -> Iterator[Path]:
    """Within: the exclusive right to make `session_root()/name` (other workers wait); yields its
    path, which the caller makes only if it is not there yet. A made thing appears complete or
    not at all: callers make it under another name and rename it."""
    root = session_root()
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root / name
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Built:
    """A delivery and the warehouse built from it (the published file, or the candidate of a
    refused build); `result` and `progress` when the build published."""

    delivery: Path
    warehouse: Path
    result: BuildResult | None = None
    # What the build reported to its progress callback, in order.
    progress: list[Progress] = field(default_factory=list)

    @property
    def manifest(self) -> dict[str, Any]:
        return _json(self.delivery / "manifest.json")

    @property
    def expected(self) -> dict[str, Any]:
        return _json(self.delivery / "expected.json")

    @property
    def fmt(self) -> str:
        """The format the build read the delivery in."""
        assert self.result is not None, "only a published build says how it read the delivery"
        return self.result.delivery.format

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def columns(self, model: str, schema: str = "staging") -> list[tuple[str, str]]:
        """(name, type) of a relation's columns, in order."""
        return self.query(
            "select column_name, data_type from information_schema.columns"
            f" where table_schema = '{schema}' and table_name = '{model}'"
            " order by ordinal_position"
        )


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _name(defects: str, fmt: str, years: tuple[int, int]) -> str:
    return f"{defects}-{fmt}-{years[0]}-{years[1]}"


def generated_delivery(
    defects: str = "default", fmt: str = "parquet", years: tuple[int, int] = (2021, 2021)
) -> Path:
    """A tiny generated delivery (seed SEED), generated once per session. Read-only."""
    # One cache key however the arguments are spelt (built("none") and built("none", "parquet")
    # were two keys: the same folder generated and built twice, its history holding two runs).
    return _generated_delivery(defects, fmt, tuple(years))


@cache
def _generated_delivery(defects: str, fmt: str, years: tuple[int, int]) -> Path:
    with _made_once(f"{_name(defects, fmt, years)}-delivery") as done:
        out = session_root() / _name(defects, fmt, years) / "delivery"
        if not done.exists():
            partial = out.with_name("delivery.partial")
            shutil.rmtree(partial, ignore_errors=True)
            generate_delivery(
                "tiny", years, SEED, partial, defects=defects, fmt=fmt, progress=False
            )
            partial.rename(out)
            done.touch()
    return out


def built(
    defects: str = "default", fmt: str = "parquet", years: tuple[int, int] = (2021, 2021)
) -> Built:
    """`generated_delivery(defects, fmt, years)` built with the whole project, once per session."""
    return _built(defects, fmt, tuple(years))


@cache
def _built(defects: str, fmt: str, years: tuple[int, int]) -> Built:
    source = generated_delivery(defects, fmt, years)
    with _made_once(f"{_name(defects, fmt, years)}-built.pickle") as done:
        if done.exists():  # built by another worker
            made: Built = pickle.loads(done.read_bytes())
        else:
            warehouse = source.parent / "medfin.duckdb"
            progress: list[Progress] = []
            result = build(source, warehouse, verbose=False, progress=progress.append)
            made = Built(source, warehouse, result, progress)
            done.with_suffix(".partial").write_bytes(pickle.dumps(made))
            done.with_suffix(".partial").rename(done)
    _keep_parse(made.warehouse)
    return made


@cache
def staging_project() -> Path:
    """A copy of the project with only its staging layer (models/staging, its dbt tests, every
    macro and seed): builds in a few seconds, and its own dbt tests gate publication."""
    with _made_once("staging-project") as project:
        if not project.exists():
            partial = project.with_name("staging-project.partial")
            shutil.rmtree(partial, ignore_errors=True)
            (partial / "models").mkdir(parents=True)
            (partial / "tests" / "dbt").mkdir(parents=True)
            for name in ("dbt_project.yml", "profiles.yml"):
                shutil.copy(REPO / name, partial / name)
            for folder in ("macros", "seeds", "models/staging", "tests/dbt/staging"):
                shutil.copytree(REPO / folder, partial / folder)
            partial.rename(project)
    return project


def staging_built(source: Path, warehouse: Path) -> Built:
    """`source` built with the staging-only project (its dbt tests gate publication; no Great
    Expectations, whose suites read the marts)."""
    result = build(source, warehouse, project=staging_project(), expectations=False, verbose=False)
    return Built(source, result.warehouse, result)


def project_copy(where: Path) -> Path:
    """A copy of the whole dbt project, for a test that changes a seed or a model."""
    project = where / "project"
    project.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(REPO / name, project / name)
    for folder in ("models", "macros", "seeds", "tests/dbt", "analyses"):
        shutil.copytree(REPO / folder, project / folder)
    return project


def published_copy(base: Built, folder: Path) -> Path:
    """A copy of `base`'s published files (full warehouse and analyst file), published as
    release `first` of `folder`/medfin.duckdb, for a test that builds into or checks it."""
    folder.mkdir(parents=True, exist_ok=True)
    full, marts = folder / "first-full.duckdb", folder / "first-marts.duckdb"
    shutil.copyfile(base.warehouse, full)
    shutil.copyfile(publish.layout(base.warehouse).marts, marts)
    warehouse = folder / "medfin.duckdb"
    publish.publish(warehouse, full, marts, "first")
    return warehouse


def digests(warehouse: Path) -> dict[str, str]:
    """SHA-256 of each published file of a warehouse (full and analyst file), by name."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in publish.layout(warehouse).published
    }


# --------------------------------------------------------------------------- tampering
def tampered_copy(base: Built, where: Path) -> Path:
    """A private copy of `base`'s delivery to tamper with (then rebuild it with `rebuild`)."""
    return Path(shutil.copytree(base.delivery, where / "delivery"))


def changed_tables(base: Path, other: Path) -> set[str]:
    """Contract tables whose manifest entry (file, rows, sha256) differs between two deliveries,
    or that only one of them delivers."""
    before = _json(base / "manifest.json")["tables"]
    after = _json(other / "manifest.json")["tables"]
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


def rebuild(
    base: Built,
    source: Path,
    warehouse: Path,
    *,
    changed: Iterable[str] = (),
    select: Sequence[str] = (),
    **kwargs: Any,
) -> BuildResult:
    """`medfin.build.build(source, warehouse, **kwargs)`, with the candidate starting as a copy
    of `base.warehouse` (its check history emptied, as in a first build) and dbt building only
    what `source` changed: the raw tables whose manifest entry differs from base's (and
    `changed`), the delivery audit and the history, each with everything downstream, plus the
    dbt selectors `select` (a changed seed: `"co_financing_ceilings+"`). Raises like build().

    Equivalent to a full build of `source` as long as the tampering is visible to the
    selection: a tampered delivery file changes its manifest hash (refresh_entry), a changed
    seed or model is selected by the caller.
    """
    tables = changed_tables(base.delivery, source) | set(changed)
    selectors = [
        *(f"source:{SOURCE_NAME}.{table}+" for table in sorted(tables)),
        f"source:{BUILD_SOURCE}+",
        f"source:{HISTORY_SOURCE}+",
        *select,
    ]
    with _incremental(base.warehouse, selectors) as used:
        result = build(source, warehouse, **kwargs)
    assert used == {"candidate", "dbt build"}, used
    return result


@contextmanager
def _incremental(base: Path, selectors: Sequence[str]) -> Iterator[set[str]]:
    """Within: build() starts its candidate from a copy of `base` and passes `--select` to its
    dbt build. Yields what was patched and used (a changed build() fails the assertion above
    instead of silently running a full build)."""
    used: set[str] = set()
    create_database = publish.create_database
    invoke = Dbt.invoke

    def start_from_base(path: Path, version: str | None = None) -> None:
        create_database(path, version)  # the same checks and mode as a new candidate
        shutil.copyfile(base, path)
        with duckdb.connect(str(path)) as con:
            for table in (CHECK_RESULTS, GOLDEN_FIGURES):
                con.execute(f"delete from {table}")
        used.add("candidate")

    def select(self: Dbt, args: Sequence[str], *, check: bool = True) -> Any:
        if args and args[0] == "build":
            args = [*args, "--select", *selectors]
            used.add("dbt build")
        return invoke(self, args, check=check)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish, "create_database", start_from_base)
        patch.setattr(Dbt, "invoke", select)
        yield used


# --------------------------------------------------------------------------- one dbt parse
# dbt's flag for where its saved parse (partial_parse.msgpack) is read from.
PARSE_FILE_ENV = "DBT_PARTIAL_PARSE_FILE_PATH"
# Profile fields that differ from build to build only because every build has a candidate file of
# its own (the path, and the settings that name its spill folder); nothing in the project reads
# them while parsing (no model, macro or YAML uses target.path or target.settings).
_PER_WAREHOUSE = ("path", "settings")


@contextmanager
def reuse_dbt_parse() -> Iterator[None]:
    """Within: dbt parses the repository's project once, not once per build (about a third of a
    tiny build). dbt already re-uses its saved parse when the same warehouse is built again and
    re-parses only the files that changed, the files that read a changed environment variable
    (the delivery's folder and format) included. It refuses when the profile changed, and the
    profile names the candidate file, which differs for every warehouse of the test session:
    here the profile's check leaves that path out, for the repository's project only (any other
    project, such as the staging-only copy, is parsed in full). The first shared build
    (`built`) saves the parse every later build starts from."""
    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader

    state_check = ManifestLoader.build_manifest_state_check

    def without_the_warehouse_path(self: ManifestLoader) -> Any:
        check = state_check(self)
        config = self.root_project
        keys = [(k, v) for k, v in config.credentials.connection_info() if k not in _PER_WAREHOUSE]
        keys.append(("project_root", str(Path(config.project_root).resolve())))
        check.profile_hash = FileHash.from_contents(pprint.pformat(sorted(keys)))
        return check

    before = os.environ.pop(PARSE_FILE_ENV, None)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ManifestLoader, "build_manifest_state_check", without_the_warehouse_path)
            yield
    finally:
        os.environ.pop(PARSE_FILE_ENV, None)  # set by _keep_parse
        if before is not None:
            os.environ[PARSE_FILE_ENV] = before


def _keep_parse(warehouse: Path) -> None:
    """After the first build of the repository's project (in any worker): every later dbt
    command reads its saved parse (dbt checks it is still valid, and re-parses what changed)."""
    if PARSE_FILE_ENV in os.environ:
        return
    saved = work_dir(warehouse) / "target" / "partial_parse.msgpack"
    with _made_once("partial_parse.msgpack") as kept:
        if not kept.exists() and saved.is_file():
            shutil.copyfile(saved, kept.with_suffix(".partial"))
            kept.with_suffix(".partial").rename(kept)
    if kept.exists():
        os.environ[PARSE_FILE_ENV] = str(kept)
