#!/usr/bin/env bash
# Installs the project with its pinned dependencies into .venv and runs every check:
# ruff (Python), sqlfluff (dbt SQL), pytest (unit, loader, Dagster and end-to-end tests, which run
# dbt build with its data tests and unit tests).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DAGSTER_DISABLE_TELEMETRY=1
# The browser tests drive the system Chromium (Debian's package; nothing downloads a browser).
# The engine parity test runs the warehouse on a local Spark, which needs a Java runtime (17 or 21).
missing=()
command -v chromium >/dev/null || missing+=(chromium fonts-liberation)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "== installing ${missing[*]} for the browser and Spark tests"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "== ruff"
.venv/bin/ruff check .
echo "== sqlfluff"
# The dbt templater opens the profile's DuckDB file while compiling: give it a scratch one, so linting
# works on a fresh clone (no data/ folder yet) and never touches the real warehouse.
LINT_DIR="$(mktemp -d)"
trap 'rm -rf "$LINT_DIR"' EXIT
MDW_WAREHOUSE="$LINT_DIR/lint.duckdb" .venv/bin/sqlfluff lint --processes 2 dbt/models
echo "== dagster definitions validate"
.venv/bin/mdw prepare  # parse the dbt project: the code location does no work at import
.venv/bin/dagster definitions validate -w workspace.yaml
echo "== pytest: fast tier"
.venv/bin/pytest -m "not e2e"
echo "== pytest: end-to-end tier"
.venv/bin/pytest -m e2e --durations=10
