"""One writer of the working warehouse at a time, across processes.

DuckDB allows one writer per file; two refreshes that overlap fail with lock errors in whichever
steps collide. Every process that writes the warehouse (a run of `daily_refresh`, however it was
launched, and `mdw retract`) first takes an exclusive `flock` on `<warehouse>.lock` and writes who
holds it (run id, pid, start time) into that file, so that a second process can say what it waits
for. The kernel releases the lock when the holder dies, even by `kill -9`: no stale lock survives
a crash.

Within one process the lock is re-entrant (`mdw run` takes it before it launches the run, and the
run's warehouse resource takes it again): a process keeps one open file per warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Holder:
    """Who holds the warehouse, as written in the lock file."""

    pid: int | None
    run_id: str | None
    purpose: str
    since: str

    def describe(self) -> str:
        what = f"run {self.run_id}" if self.run_id else self.purpose
        return f"{what} (pid {self.pid}, since {self.since})"


class WarehouseBusy(Exception):
    def __init__(self, lock_path: Path, holder: Holder | None):
        self.holder = holder
        who = holder.describe() if holder else "another process"
        super().__init__(f"the warehouse is being written by {who}; lock file {lock_path}")


_held: dict[str, tuple[int, int]] = {}  # lock path -> (open fd, re-entry count) in this process


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def read_holder(warehouse: Path) -> Holder | None:
    try:
        data = json.loads(lock_path(warehouse).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return None
    if not data:
        return None
    return Holder(data.get("pid"), data.get("run_id"), data.get("purpose", "?"), data.get("since", "?"))


def acquire(warehouse: Path, purpose: str, run_id: str | None = None, wait: bool = True,
            on_wait: Callable[[Holder | None], None] | None = None, poll_seconds: float = 0.5) -> None:
    """Take the warehouse for this process; with `wait`, block until the holder is done (calling
    `on_wait` once with the holder), else raise WarehouseBusy at once."""
    path = lock_path(warehouse)
    key = str(path)
    if key in _held:
        fd, count = _held[key]
        _held[key] = (fd, count + 1)
        if run_id:
            _write_holder(fd, purpose, run_id)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_holder(warehouse)
                if not wait:
                    raise WarehouseBusy(path, holder) from None
                if not told and on_wait:
                    on_wait(holder)
                    told = True
                time.sleep(poll_seconds)
    except BaseException:
        os.close(fd)
        raise
    _held[key] = (fd, 1)
    _write_holder(fd, purpose, run_id)


def release(warehouse: Path) -> None:
    key = str(lock_path(warehouse))
    if key not in _held:
        return
    fd, count = _held[key]
    if count > 1:
        _held[key] = (fd, count - 1)
        return
    del _held[key]
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _write_holder(fd: int, purpose: str, run_id: str | None) -> None:
    record = {"pid": os.getpid(), "run_id": run_id, "purpose": purpose,
              "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode(), 0)
