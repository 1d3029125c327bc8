"""Audience exports for activation: one CSV per audience and channel, with a JSON manifest each.

The rows are those of `marts.mart_audience_exports` (treatment members only, behind the quality
gate); a file carries only what its channel needs: the address for an owned channel (email, sms,
wechat), the SHA-256 of the normalised email or phone and which of the two it is for an ad platform.
Files go to `<exports>/<as_of>/<audience>__<channel>.csv`; the folder of one as-of date is
written beside the old one and renamed over it, so a reader never sees half an export.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

# what each kind of channel receives (seed channel_contact_points, column export_as)
EXPORT_COLUMNS = {"address": ("contact_point",), "sha256": ("contact_point_type", "contact_point_sha256")}
SAFE_NAME = re.compile(r"[a-z0-9_]+")  # audience names become file names


@dataclass(frozen=True)
class ExportFile:
    audience: str
    channel: str
    file: str  # relative to the as-of folder
    rows: int
    sha256: str
    columns: tuple[str, ...]
    as_of: str
    run_id: str
    definition_md5: str


def write_exports(con: duckdb.DuckDBPyConnection, exports_root: Path, run_id: str) -> tuple[Path, list[ExportFile]]:
    """Write every declared audience and channel an export reaches (an empty audience gives a file
    with its header only) into `<exports_root>/<as_of>/`, replacing that folder whole."""
    as_of = con.execute("select cast(max(as_of_date) as varchar) from marts.mart_customer_profile").fetchone()[0]
    if as_of is None:
        raise ValueError("marts.mart_customer_profile is empty: there is no as-of date to export for")
    definitions = con.execute(
        "select audience_name, channel, export_as, definition_md5 from marts.mart_audience_definitions "
        "where export_as is not null order by audience_name, channel").fetchall()
    final = exports_root / as_of
    staging = exports_root / f".{as_of}.{run_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        files = [_write_one(con, staging, row, as_of, run_id) for row in definitions]
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # nothing half-written is left behind
        raise
    con.execute("drop table if exists _export")
    old = exports_root / f".{as_of}.{run_id}.old"
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final, files


def _write_one(con, staging: Path, definition: tuple, as_of: str, run_id: str) -> ExportFile:
    """One audience and channel: its CSV and manifest in the staging folder."""
    audience, channel, export_as, definition_md5 = definition
    if not SAFE_NAME.fullmatch(audience):
        raise ValueError(f"audience name {audience!r} cannot name a file: use lower_snake_case (audiences.yml)")
    columns = EXPORT_COLUMNS[export_as]
    name = f"{audience}__{channel}.csv"
    listed = ", ".join(columns)
    con.execute(f"create or replace temp table _export as select {listed} from marts.mart_audience_exports "
                f"where audience_name = ? and channel = ?", [audience, channel])
    target = str(staging / name).replace("'", "''")
    con.execute(f"copy (select * from _export order by {listed}) to '{target}' (header, delimiter ',')")
    rows = con.execute("select count(*) from _export").fetchone()[0]
    digest = hashlib.sha256((staging / name).read_bytes()).hexdigest()
    export = ExportFile(audience, channel, name, rows, digest, columns, as_of, run_id, definition_md5)
    (staging / f"{audience}__{channel}.manifest.json").write_text(
        json.dumps(asdict(export), indent=2) + "\n", encoding="utf-8")
    return export
