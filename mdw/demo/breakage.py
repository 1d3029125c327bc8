"""Deliberate breakage: a few malformed rows of each kind the landing contract's "bad input" names.

After the landing files are written, rows are broken in place in proportion to each feed (a bad
timestamp, a missing id, a wrong field count, broken JSON, a non-numeric amount), and
`ground_truth/malformed.csv` lists each one (source, file, line, kind) so that what the loader
quarantines can be checked against it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from dagster_project.ingest import contract
from mdw.demo.writers import rows_key

# (file kind, kind of breakage, how to break one data line)
_BREAKAGES = [
    (contract.CRM_CONTACTS, "unparseable_timestamp", ("replace_field", "created_at", "2026-13-45 25:61:00")),
    (contract.CRM_CONTACTS, "missing_required_id", ("replace_field", "contact_id", "")),
    (contract.CRM_CONTACTS, "wrong_field_count", ("append_fields", None, "extra,fields")),
    (contract.CRM_CAMPAIGN_ACTIVITY, "unparseable_timestamp", ("replace_field", "occurred_at", "yesterday")),
    (contract.CRM_CAMPAIGN_ACTIVITY, "missing_required_id", ("replace_field", "activity_id", "")),
    (contract.CRM_CAMPAIGNS, "non_numeric_amount", ("replace_field", "spend", "12k")),
    (contract.SURVEY_RESPONSES, "non_numeric_amount", ("replace_field", "nps", "ten")),
    (contract.SURVEY_RESPONSES, "wrong_field_count", ("truncate_fields", None, 3)),
    (contract.SURVEY_RESPONSES, "missing_required_id", ("replace_field", "response_id", "")),
    (contract.ORDERS, "broken_json", ("truncate_line", None, 0.6)),
    (contract.ORDERS, "non_numeric_amount", ("json_replace", '"total":', '"total":"12O.50","_was":')),
    (contract.ORDERS, "missing_required_id", ("json_replace", '"order_id":"ORD', '"order_id":null,"_x":"')),
    (contract.ORDERS, "unparseable_timestamp", ("json_replace", '"ordered_at":"', '"ordered_at":"31/02/2026 ')),
    (contract.SOCIAL_ENGAGEMENTS, "broken_json", ("truncate_line", None, 0.5)),
    (contract.SOCIAL_ENGAGEMENTS, "missing_required_id", ("json_replace", '"event_id":"EV', '"event_id":"","_x":"')),
]


def inject_malformed(rng, out: Path, log_path: Path, rows: dict[str, int],
                     share: float = 0.002, most: int = 10) -> int:
    """Break `share` of the rows of each file kind (`rows`: rows per "source/file") in each way
    _BREAKAGES names for it, at most `most` rows per way, one row per chosen file.

    In proportion to the rows, as in real exports: a small feed gets none or one (a fixed minimum
    would put a tiny survey feed over any quarantine limit), a large one every kind of breakage.
    Files are chosen in proportion to their size, so no small file takes a large share.
    """
    log = []
    for feed, kind, (how, arg, value) in _BREAKAGES:
        source, is_csv = feed.source, feed.fmt == "csv"
        candidates = sorted(p for p in (out / source).glob(f"*/{feed.filename}") if p.stat().st_size)
        count = min(most, round(rows.get(rows_key(feed), 0) * share), len(candidates))
        if not count:
            continue
        sizes = np.array([p.stat().st_size for p in candidates], dtype=float)
        for path in rng.choice(candidates, size=count, replace=False, p=sizes / sizes.sum()):
            lines = path.read_text(encoding="utf-8").split("\n")
            rel = str(path.relative_to(out))
            header = 1 if is_csv else 0
            used = {e[2] for e in log if e[1] == rel}
            data_lines = [i for i in range(header, len(lines)) if lines[i] and i + 1 not in used
                          and not (is_csv and '"' in lines[i])]
            if not data_lines:
                continue
            i = int(rng.choice(data_lines))
            line = lines[i]
            if how == "replace_field":
                cols = lines[0].split(",")
                fields = line.split(",")
                fields[cols.index(arg)] = value
                line = ",".join(fields)
            elif how == "append_fields":
                line = line + "," + value
            elif how == "truncate_fields":
                line = ",".join(line.split(",")[:value])
            elif how == "truncate_line":
                line = line[: int(len(line) * value)]
            elif how == "json_replace":
                if arg not in line:
                    continue
                line = line.replace(arg, value, 1)
            lines[i] = line
            path.write_text("\n".join(lines), encoding="utf-8")
            log.append((source, rel, i + 1, kind))
    with open(log_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "file", "line", "kind"])
        writer.writerows(log)
    return len(log)
