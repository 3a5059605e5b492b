"""Publication: the two files readers open, written so that DuckDB 1.x clients can read them, and
swapped in together.

Next to the warehouse path (default `warehouse/medfin.duckdb`):

    warehouse/medfin.duckdb        -> medfin.current/medfin.duckdb        the full warehouse
    warehouse/medfin-marts.duckdb  -> medfin.current/medfin-marts.duckdb  the analyst file
    warehouse/medfin.current       -> medfin.releases/<run id>            the link a build swaps
    warehouse/medfin.releases/<run id>/                                   one build's two files

Readers open the two stable names. A build moves its two files into a new release folder and then
replaces the `medfin.current` link by one rename: from that instant both names show the new
release, and a crash before it leaves both showing the old one; a build that is refused touches
none of it. Older release folders are removed after the swap (a reader that still has one open
keeps reading it: the inode lives until it is closed).

Write-ahead logs: DuckDB 2.x follows the link and keeps a WAL beside the real file, inside its
release. DuckDB 1.x clients keep it beside the name they opened (`medfin.duckdb.wal` next to the
link), where it would be replayed into the next release; publication therefore removes any WAL
beside the stable names, before and after the swap. Readers should open the files read-only.

Both files are created with a DuckDB storage compatibility version (`MEDFIN_STORAGE_COMPATIBILITY`,
default `v1.1.0`) so that the DuckDB 1.x engines inside BI drivers can open them; it is fixed when a
file is created and cannot be lowered afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

STORAGE_ENV = "MEDFIN_STORAGE_COMPATIBILITY"
# The oldest DuckDB release whose clients must open the published files (DuckDB 1.1, 2024-09).
# Measured: Python duckdb 1.1.3 and 1.5.6 open a DuckDB 2.0 file created with v1.1.0; with
# v1.2.0 duckdb 1.1.3 refuses it ("version number 65, but we can only read version 64").
DEFAULT_STORAGE_VERSION = "v1.1.0"
_STORAGE_VERSION = re.compile(r"^(v\d+\.\d+\.\d+|latest)$")

MARTS_SUFFIX = "-marts"
# The full warehouse holds person-level rows: owner and group only. The analyst file holds only
# aggregated, suppressed marts and may be read by anyone who can reach the folder.
FULL_MODE = 0o640
MARTS_MODE = 0o644
RELEASE_DIR_MODE = 0o755


class PublishError(RuntimeError):
    """The release could not be put in place; the published files are as they were."""


def storage_version(value: str | None = None) -> str:
    """The storage compatibility version new files get: `value`, else $MEDFIN_STORAGE_COMPATIBILITY,
    else DEFAULT_STORAGE_VERSION. `latest` means DuckDB's own newest format (2.x readers only)."""
    chosen = (value or os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE_VERSION).strip()
    if not _STORAGE_VERSION.match(chosen):
        raise PublishError(
            f"{STORAGE_ENV}={chosen!r}: use a DuckDB version such as v1.1.0 (or latest)"
        )
    return chosen


def create_database(path: Path, version: str | None = None) -> None:
    """Create an empty DuckDB file at `path` in the storage format `version` (replacing any)."""
    remove_database(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {"storage_compatibility_version": storage_version(version)}
    try:
        duckdb.connect(str(path), config=config).close()
    except duckdb.Error as exc:
        raise PublishError(f"cannot create {path} with storage version {config}: {exc}") from exc
    os.chmod(path, FULL_MODE)  # until published, every file may hold person-level rows


def remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class Layout:
    """Where the published files of one warehouse path live."""

    warehouse: Path

    @property
    def marts(self) -> Path:
        return self.warehouse.with_name(f"{self.warehouse.stem}{MARTS_SUFFIX}.duckdb")

    @property
    def current(self) -> Path:
        return self.warehouse.with_name(f"{self.warehouse.stem}.current")

    @property
    def releases(self) -> Path:
        return self.warehouse.with_name(f"{self.warehouse.stem}.releases")

    def release(self, release_id: str) -> Path:
        return self.releases / release_id

    @property
    def published(self) -> tuple[Path, Path]:
        return self.warehouse, self.marts


def layout(warehouse: Path) -> Layout:
    """The layout of `warehouse`, made absolute without following links (the stable names are
    links into the current release; resolving them would point at one release)."""
    return Layout(Path(os.path.abspath(warehouse)))


def publish(warehouse: Path, full: Path, marts: Path, release_id: str) -> Layout:
    """Move the built `full` and `marts` files into a new release and make it current at once.

    Raises PublishError when the release cannot be put in place; up to the swap the published
    names still show the previous release.
    """
    try:
        return _publish(layout(warehouse), full, marts, release_id)
    except OSError as exc:
        raise PublishError(f"cannot publish {warehouse}: {exc}") from exc


def _publish(where: Layout, full: Path, marts: Path, release_id: str) -> Layout:
    release = where.release(_safe_name(release_id))
    if current_release(where.warehouse) == release.resolve():
        raise PublishError(f"release {release.name} is the published one; build with a new run id")
    if release.exists():
        shutil.rmtree(release)
    _remove_leftovers(where)
    release.mkdir(parents=True, mode=RELEASE_DIR_MODE)
    targets = {
        full: (release / where.warehouse.name, FULL_MODE),
        marts: (release / where.marts.name, MARTS_MODE),
    }
    for source, (target, mode) in targets.items():
        os.replace(source, target)
        os.chmod(target, mode)
        _fsync(target)
    _fsync(release)
    _fsync(where.releases)

    # The swap: one rename of the `current` link, after which both stable names show the release.
    _replace_link(where.current, os.path.relpath(release, where.current.parent))
    for stable in where.published:
        link = os.path.join(where.current.name, stable.name)
        if not (stable.is_symlink() and os.readlink(stable) == link):
            # First publication, or a warehouse published before releases existed.
            _replace_link(stable, link)
    _fsync(where.warehouse.parent)
    _remove_leftovers(where)
    _remove_old_releases(where, keep=release)
    return where


def check_published(warehouse: Path) -> None:
    """Refuse a published name that is a link to nothing (a release folder deleted by hand, or a
    crash in a first publication): building on it would start an empty check history."""
    for name in layout(warehouse).published:
        if name.is_symlink() and not name.exists():
            raise PublishError(
                f"{name} links to {os.readlink(name)}, which does not exist; restore the release"
                f" folder, or remove {name} to start a new warehouse without history"
            )


def _remove_leftovers(where: Layout) -> None:
    """WALs beside the stable names (DuckDB 1.x writers) and temporary links of a crashed swap."""
    for name in where.published:
        name.with_name(name.name + ".wal").unlink(missing_ok=True)
    for temporary in where.warehouse.parent.glob(".*.new"):
        if temporary.is_symlink():
            temporary.unlink(missing_ok=True)


def current_release(warehouse: Path) -> Path | None:
    """The release folder readers see now, or None before the first publication."""
    where = layout(warehouse)
    if not where.current.is_symlink():
        return None
    return (where.current.parent / os.readlink(where.current)).resolve()


def _replace_link(link: Path, target: str) -> None:
    temporary = link.with_name(f".{link.name}.{os.getpid()}.new")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _remove_old_releases(where: Layout, keep: Path) -> None:
    if not where.releases.is_dir():
        return
    for old in where.releases.iterdir():
        if old.is_dir() and old.resolve() != keep.resolve():
            shutil.rmtree(old, ignore_errors=True)


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk, so a crash after the rename finds what the rename names."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe_name(release_id: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", release_id).strip(".")
    if not name:
        raise PublishError(f"unusable release id {release_id!r}")
    return name
