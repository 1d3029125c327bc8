"""The dashboard's two settings, read from the environment at call time (as dagster_project.config
does for the rest of the warehouse): which serving file it reads, and whether it shows personal
data unmasked."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

UNMASK_VARIABLE = "MDW_DASHBOARD_UNMASK"


@dataclass(frozen=True)
class DashboardSettings:
    serving: Path  # the published marts (MDW_SERVING), opened read-only, one connection per query
    unmask: bool  # show emails, phone numbers and names as stored (MDW_DASHBOARD_UNMASK=1)


def dashboard_settings() -> DashboardSettings:
    from dagster_project.config import get_settings

    unmask = os.environ.get(UNMASK_VARIABLE, "").strip().lower() in ("1", "true", "yes")
    return DashboardSettings(serving=get_settings().serving, unmask=unmask)
