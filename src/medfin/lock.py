"""One process at a time per warehouse: `medfin build` and `medfin check` hold an exclusive lock
on `<warehouse stem>.lock` beside the warehouse from before the delivery is read until the files
are published. Two builds of one warehouse share its work folder (the staged delivery, the
candidate); without the lock one build could publish the other's delivery under its own name.

The lock is an advisory `flock` on an open file: the kernel drops it when the process ends, however
it ends, so a killed build never leaves a stale lock behind. The file itself stays (empty between
runs) and names the holder while it is held.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse's lock."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}.lock")


@contextmanager
def warehouse_lock(warehouse: Path, purpose: str) -> Iterator[Path]:
    """Hold the warehouse's lock for `purpose` (e.g. `build`), or raise WarehouseBusyError at once
    naming the holder. Never waits: an operator should know that another build runs."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another process"
            raise WarehouseBusyError(
                f"{warehouse} is busy: {holder} holds {path}. Wait for it to finish (or stop it)"
                " and run again; nothing was read or written."
            ) from None
        os.ftruncate(fd, 0)
        since = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        os.pwrite(fd, f"medfin {purpose} (pid {os.getpid()}, since {since})\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
