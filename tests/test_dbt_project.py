"""When the dbt manifest needs a new parse: missing, older than a project file, or written by a dbt
started with a relative project folder (its seed paths would not load in a run)."""

import json
import os
from types import SimpleNamespace

from dagster_project import dbt_project as module


def _project(tmp_path, monkeypatch, seed_root):
    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "models" / "m.sql").write_text("select 1", encoding="utf-8")
    manifest = project / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"nodes": {"seed.p.s": {"root_path": seed_root}}}), encoding="utf-8")
    monkeypatch.setattr(module, "dbt_project", SimpleNamespace(manifest_path=manifest, project_dir=project))
    monkeypatch.setattr(module, "DBT_PROJECT_DIR", project)
    return project, manifest


def test_a_fresh_manifest_of_this_folder_is_kept(tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch, str(tmp_path / "dbt"))
    assert not module.manifest_is_stale()


def test_a_manifest_written_from_a_relative_folder_is_parsed_again(tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch, "dbt")
    assert module.manifest_is_stale()


def test_a_manifest_older_than_a_model_is_parsed_again(tmp_path, monkeypatch):
    _, manifest = _project(tmp_path, monkeypatch, str(tmp_path / "dbt"))
    os.utime(manifest, (1, 1))
    assert module.manifest_is_stale()
