"""Mask personal data before it leaves the warehouse as text people read: Dagster metadata,
check results, log lines and the run summary. The warehouse itself keeps the raw values.

Masks keep enough to recognise a value without revealing it: `j***@example.com`,
`138****5678`, `W***` for a name, `1987-**-**` for a birth date. Columns are recognised by name
(email, phone, names, handles, birth dates); free text (a quarantined line, a JSON sample) by
pattern (emails, phone-like digit runs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# 7 or more digits, optionally with a leading + and separators (spaces, dashes, dots)
PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{5,}\d(?![\w.])")
_DATE_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")  # dates and times are not phone numbers
_EMAIL_COLUMNS = re.compile(r"e_?mail", re.IGNORECASE)
_PHONE_COLUMNS = re.compile(r"phone|mobile|tel\b", re.IGNORECASE)
_NAME_COLUMNS = re.compile(r"(^|_)(first_?name|last_?name|full_?name|display_name|name_?raw|handle|nickname)$",
                           re.IGNORECASE)
_BIRTH_COLUMNS = re.compile(r"birth|(^|_)dob$", re.IGNORECASE)


def mask_email(value: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`."""
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", value)


def mask_phone(value: str) -> str:
    """Keep the first three and last four digits of a long number: `13812345678` -> `138****5678`."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return "*" * len(digits)
    keep_start = 3 if len(digits) >= 10 else 0
    return digits[:keep_start] + "*" * (len(digits) - keep_start - 4) + digits[-4:]


def mask_name(value: str) -> str:
    """First character, then stars: `Wang Fang` -> `W***`."""
    value = value.strip()
    return f"{value[0]}***" if value else value


def mask_text(text: str) -> str:
    """Free text with emails and phone numbers in it (a raw line, a JSON sample)."""
    return PHONE.sub(_mask_phone_match, mask_email(text))


def _mask_phone_match(match: re.Match) -> str:
    found = match.group(0)
    # a date, or a figure such as 10361.5 (no phone number has fewer than 7 digits)
    if _DATE_TIME.match(found) or sum(c.isdigit() for c in found) < 7:
        return found
    return mask_phone(found)


def mask_birth_date(value: Any) -> str:
    """Keep the year only: `1987-03-14` -> `1987-**-**` (anything else: stars)."""
    text = str(value).strip()
    return f"{text[:4]}-**-**" if re.match(r"\d{4}\b", text) else "*" * min(len(text), 10)


def mask_value(column: str, value: Any) -> Any:
    """One value, masked by what its column holds; other non-text values pass unchanged."""
    if _BIRTH_COLUMNS.search(column) and not _missing(value):
        return mask_birth_date(value)  # typed dates too
    if not isinstance(value, str) or not value:
        return value
    if _EMAIL_COLUMNS.search(column):
        return mask_email(value) if "@" in value else mask_name(value)
    if _PHONE_COLUMNS.search(column):
        return mask_phone(value)
    if _NAME_COLUMNS.search(column):
        return mask_name(value)
    return mask_text(value)


def _missing(value: Any) -> bool:
    """None, NaN, NaT or NA (pandas' missing values), or empty text."""
    if value is None:
        return True
    try:
        if value != value:  # NaN and NaT differ from themselves
            return True
    except TypeError:  # pandas.NA has no truth value
        return True
    return not str(value).strip()


def mask_record(record: Mapping[str, Any]) -> dict[str, Any]:
    return {column: mask_value(column, value) for column, value in record.items()}


def mask_frame(frame):
    """A pandas DataFrame with every personal column masked (a copy)."""
    masked = frame.copy()
    for column in masked.columns:
        masked[column] = [mask_value(str(column), v) for v in masked[column].tolist()]
    return masked
