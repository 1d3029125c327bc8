"""Discovering landing files and checking each one before it loads.

A delivery is `<landing>/<source>/<YYYY-MM-DD>/<file>` with a file name of the landing contract.
`find_files` lists the deliveries of one feed file, `scan_landing` every other path and why it is
skipped, and `check_file` hashes a delivery and checks that it can be read as the contract says:
UTF-8, a known line ending and, for a CSV, a header that names every required column once.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dagster_project.ingest.contract import FEEDS, FeedFile

SUCCESS_MARKER = "_SUCCESS"  # a day folder's completeness marker (for the landing sensor), not a delivery
MAX_LINE_BYTES = 16 * 1024 * 1024  # a longer line makes its file `failed` (the readers' buffer)


class LandingFileError(Exception):
    """A landing file that cannot be loaded at all; the message says why and where in the file."""


@dataclass
class LandingFile:
    """A landing file of one feed, as checked before loading."""

    path: Path
    rel: str  # relative to the landing folder: the name in the manifest and in _source_file
    content_hash: str | None = None
    size: int | None = None
    modified_at: datetime | None = None  # mtime, UTC
    newline: str = "\n"  # "\n", "\r\n" or "\r" (old Mac exports)
    header: tuple[str, ...] = ()  # CSV column names by position; an unnamed one is column_<position>
    missing: tuple[str, ...] = ()  # optional contract columns the CSV header lacks (loaded as null)
    replaced: bool = False  # rows of an earlier version are in the warehouse
    error: str | None = None


@dataclass(frozen=True)
class SkippedPath:
    path: str  # relative to the landing folder
    reason: str
    looks_like_delivery: bool


def is_day_folder(name: str) -> bool:
    """A delivery day folder's name: YYYY-MM-DD."""
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10


def find_files(landing: Path, feed_file: FeedFile, through_day: str | None = None) -> list[Path]:
    """`<landing>/<source>/<YYYY-MM-DD>/<file>`, oldest day first, up to `through_day` when given
    (a daily partition); other paths: scan_landing."""
    source_dir = landing / feed_file.source
    if not source_dir.is_dir():
        return []
    return sorted(p for p in source_dir.glob(f"*/{feed_file.filename}") if is_day_folder(p.parent.name)
                  and (through_day is None or p.parent.name <= through_day))


_DATE_LIKE = re.compile(r"\d{4}\D?\d\d?\D?\d\d?|\d\d?\D\d\d?\D\d{4}")


def _close_to(name: str, expected) -> bool:
    return bool(difflib.get_close_matches(name.lower(), list(expected), n=1, cutoff=0.8))


def scan_landing(landing: Path, source: str) -> list[SkippedPath]:
    """Every path under the landing folder that the loader skips for `source`, and why.

    A skipped path looks like a delivery when its name is close to what the contract expects: a
    folder name with digits that could be a date (`2026-13-45`, `2026-1-5`, `20260121`), a file
    name close to one of the source's file names (`Contacts.csv`, `contact.csv`, `orders.json`).
    `_SUCCESS` in a day folder is the completeness marker, not skipped. Top-level entries that are
    not a source are listed with the first source of the contract (crm), so that each run reports
    them once.
    """
    names = [ff.filename for ff in FEEDS[source]]
    skipped = []
    if source == next(iter(FEEDS)) and landing.is_dir():
        expected = [*FEEDS, *(ff.filename for ffs in FEEDS.values() for ff in ffs)]
        skipped += [SkippedPath(p.name, "not a source folder of the landing contract",
                                bool(_DATE_LIKE.search(p.name)) or _close_to(p.name, expected))
                    for p in sorted(landing.iterdir()) if p.name not in FEEDS]
    source_dir = landing / source
    if not source_dir.is_dir():
        return skipped
    for folder in sorted(source_dir.iterdir()):
        rel = f"{source}/{folder.name}"
        if not folder.is_dir():
            skipped.append(SkippedPath(rel, "a file outside a day folder", _close_to(folder.name, names)))
        elif not is_day_folder(folder.name):
            skipped.append(SkippedPath(rel, "not a YYYY-MM-DD day folder", bool(_DATE_LIKE.search(folder.name))))
        else:
            skipped += [SkippedPath(f"{rel}/{p.name}", f"not a file of the {source} contract ({', '.join(names)})",
                                    _close_to(p.name, names))
                        for p in sorted(folder.iterdir()) if p.name not in (*names, SUCCESS_MARKER)]
    return skipped


def check_file(path: Path, rel: str, feed_file: FeedFile) -> LandingFile:
    """Hash the file and check it can be read as the contract says (`error` says why not)."""
    file = LandingFile(path, rel)
    try:
        mtime = path.stat().st_mtime
        data = path.read_bytes()
    except OSError as exc:
        file.error = f"cannot read file ({exc.strerror or exc})"
        return file
    file.content_hash, file.size = hashlib.sha256(data).hexdigest(), len(data)
    file.modified_at = datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None)
    file.newline = "\r\n" if b"\r\n" in data else "\n" if b"\n" in data or b"\r" not in data else "\r"
    line_end = file.newline[-1].encode()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(line_end, 0, exc.start) + 1
        file.error = f"not valid UTF-8 at byte offset {exc.start} (line {line}): {data[exc.start:exc.start + 4]!r}"
        return file
    if feed_file.fmt == "csv" and data and not data.isspace():
        end = data.find(line_end)
        file.error = _check_header(file, data[: end if end >= 0 else len(data)].decode("utf-8-sig"), feed_file)
    return file


def _check_header(file: LandingFile, first_line: str, feed_file: FeedFile) -> str | None:
    """Read the CSV header into file.header and file.missing; the reason when it cannot be loaded."""
    try:
        header = next(csv.reader([first_line.rstrip("\r")]), [])
    except csv.Error as exc:
        return f"unreadable header row ({exc})"
    file.header = tuple(h.strip() or f"column_{i}" for i, h in enumerate(header, 1))
    missing = [f for f in feed_file.table.fields if f.name not in file.header]
    if required := [f.name for f in missing if f.required]:
        return f"missing required column(s) {', '.join(required)} in the header row"
    if dupes := sorted({h for h in file.header if file.header.count(h) > 1}):
        return f"duplicate column(s) {', '.join(dupes)} in the header row"
    file.missing = tuple(f.name for f in missing)
    return None
