"""Browser fixtures: headless Chromium (the system's Debian package; nothing downloads a browser)
driven by Playwright, and the folder the pages' screenshots go to.

Every test here is skipped, with the reason, when Chromium or Playwright is missing; CI installs
both (scripts/check.sh and the dev extra)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dagster_project.config import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"  # screenshots, ignored by git
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def chromium_executable() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium (/usr/bin/chromium or `chromium` on PATH): apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the dev extra)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Callable:
    """A folder under test-artifacts/, emptied first: `artifacts("dashboard")`."""

    def folder(name: str) -> Path:
        path = ARTIFACTS / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    return folder
