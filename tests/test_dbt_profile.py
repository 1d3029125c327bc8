"""The dbt profile's DuckDB settings survive a spill: a model that spills to the temp folder, then
another model (a new cursor) in the same build."""

import os
import subprocess
import sys
from pathlib import Path

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"


def test_a_build_goes_on_after_a_model_spilled(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: spill\nversion: '1.0.0'\nprofile: marketing_dw\nconfig-version: 2\nmodels:\n  +materialized: table\n", encoding="utf-8")
    # sorting ~200 MB of text under a 100 MB limit spills
    (project / "models" / "spilled.sql").write_text(
        "select range as n, md5(cast(range as varchar)) || md5(cast(range + 1 as varchar)) as h "
        "from range(3000000) order by h", encoding="utf-8")
    for name in ("after_1", "after_2", "after_3"):  # new cursors on dbt's threads
        (project / "models" / f"{name}.sql").write_text("select count(*) as n from {{ ref('spilled') }}",
                                                       encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "MDW_WAREHOUSE": str(warehouse), "MDW_DUCKDB_MEMORY_LIMIT": "100MB",
           "MDW_DUCKDB_THREADS": "1", "MDW_DBT_THREADS": "2", "MDW_DUCKDB_TEMP_DIR": str(tmp_path / "spill")}
    done = subprocess.run([str(Path(sys.executable).parent / "dbt"), "run", "--project-dir", str(project),
                           "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs")],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
