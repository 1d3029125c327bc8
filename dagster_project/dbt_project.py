"""The dbt project and its preparation: `dbt parse` writes target/manifest.json, which the dbt
assets are defined from.

Importing the code location parses nothing. The manifest is prepared by the command that needs it:
`mdw run`, `mdw ui` and `mdw prepare` (when a file of the project is newer than the manifest),
`dagster dev` (dagster-dbt's prepare_if_dev), and the test suite before it collects.
"""

from __future__ import annotations

import json
import os
import subprocess

from dagster_dbt import DbtProject

from dagster_project.config import DBT_PROJECT_DIR
from dagster_project.dbt_child import real_dbt

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale() -> bool:
    """The manifest is missing, older than a file of the project, or was written by a dbt started
    with a relative project folder (`dbt build --project-dir dbt` by hand): its seeds' paths are
    then relative to that folder, and a run, which starts dbt in the project folder, cannot load them."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    newest = max(p.stat().st_mtime for p in dbt_project.project_dir.rglob("*")
                 if p.is_file() and "target" not in p.parts and "logs" not in p.parts)
    if manifest.stat().st_mtime < newest:
        return True
    roots = {node.get("root_path") for key, node in json.loads(manifest.read_text(encoding="utf-8"))["nodes"].items()
             if key.startswith("seed.")}
    return bool(roots) and roots != {str(DBT_PROJECT_DIR)}


def prepare_dbt_project() -> bool:
    """Parse the dbt project when its manifest is missing or older than a file of the project;
    returns whether it parsed. Runs the dbt beside this interpreter (no PATH needed)."""
    if not manifest_is_stale():
        return False
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # a full parse: partial parsing would keep the paths of a manifest written from another folder
    parsed = subprocess.run([real_dbt(), "parse", "--quiet", "--no-partial-parse", "--project-dir",
                             str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
                            env=env, capture_output=True, text=True)
    if parsed.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{parsed.stdout[-4000:]}{parsed.stderr[-2000:]}")
    return True
