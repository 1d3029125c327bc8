"""A sentence for every dbt test, shown as its asset check's description in the Dagster UI.

dagster-dbt reads a check's description only from the test's `meta.description`, which nobody
writes, so the UI said "No description provided" for every dbt test. A description written in the
YAML (`description:` or `meta: {description: ...}`) still wins; otherwise it is built from what the
manifest knows: the test's name, its column, its model and its arguments
("customer_key of dim_customers is unique"), or, for a singular test, the comment at the top of
its SQL file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

MAX_VALUES = 12  # accepted values listed in full up to this many
_JINJA = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.DOTALL)
_REF = re.compile(r"""\b(ref|source)\(\s*(['"][^)]*)\)""")
_LEADING_COMMENT = re.compile(r"^\s*(\{#-?(?P<block>.*?)-?#\}|(?P<lines>(?:[ \t]*--[^\n]*\n?)+))", re.DOTALL)


def describe_test(test: Mapping[str, Any], manifest: Mapping[str, Any] | None = None,
                  project_vars: Mapping[str, Any] | None = None) -> str:
    """The description of one dbt test node of the manifest. `manifest` names the attached model
    (else it is read from the test's arguments); `project_vars` (dbt_project.yml `vars`) turns
    arguments such as `{{ var('source_systems') }}` into their values."""
    own = (test.get("description") or (test.get("meta") or {}).get("description")
           or ((test.get("config") or {}).get("meta") or {}).get("description"))
    if own:
        return str(own).strip()
    metadata = test.get("test_metadata")
    if not metadata:
        return _describe_singular(test)
    kwargs = dict(metadata.get("kwargs") or {})
    column = test.get("column_name") or kwargs.get("column_name")
    model = _model_name(test, kwargs, manifest)
    subject = f"{column} of {model}" if column else model
    values = {name: _value(value, project_vars) for name, value in kwargs.items()
              if name not in ("model", "column_name")}
    name = metadata["name"]
    text = _describe_generic(name, subject, model, column, values, kwargs)
    where = (test.get("config") or {}).get("where")
    if where:
        text += f" (rows where {where})"
    return text


def _describe_generic(name: str, subject: str, model: str, column: str | None, values: dict[str, Any],
                      kwargs: Mapping[str, Any]) -> str:
    if name == "unique":
        return f"{subject} is unique"
    if name == "not_null":
        return f"{subject} is never null"
    if name == "accepted_values":
        return f"{subject} is one of{_var_note(kwargs.get('values'))}: {_listing(values.get('values'))}"
    if name == "relationships":
        target = _relation(str(kwargs.get("to", "")))
        return f"every {subject} is in {target}.{values.get('field') or column}"
    if name == "unique_combination":
        return f"each combination of {_listing(values.get('columns'))} is unique in {model}"
    if name == "not_negative":
        return f"{subject} is never negative (null passes)"
    if name == "max_identifiers_per_customer":
        limit = values.get("max_identifiers")
        return (f"no {column} of {model} holds more than {limit}{_var_note(kwargs.get('max_identifiers'), True)} "
                "identifiers (an over-merge)")
    arguments = ", ".join(f"{key}: {_listing(value) if isinstance(value, list) else value}"
                          for key, value in values.items())
    return f"{name.replace('_', ' ')} holds for {subject}" + (f" ({arguments})" if arguments else "")


def _describe_singular(test: Mapping[str, Any]) -> str:
    """The comment at the top of the test's SQL file (`{#- ... -#}` or `--` lines), else its name."""
    found = _LEADING_COMMENT.match(test.get("raw_code") or "")
    if found:
        text = found.group("block") if found.group("block") is not None else re.sub(
            r"^[ \t]*--[ \t]?", "", found.group("lines"), flags=re.MULTILINE)
        text = " ".join(text.split())
        if text:
            return text
    words = re.sub(r"^assert_", "", str(test.get("name", ""))).replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else "dbt singular test"


def _model_name(test: Mapping[str, Any], kwargs: Mapping[str, Any], manifest: Mapping[str, Any] | None) -> str:
    attached = test.get("attached_node")
    if attached and manifest is not None:
        node = manifest.get("nodes", {}).get(attached) or manifest.get("sources", {}).get(attached)
        if node:
            return _node_label(node)
    return _relation(str(kwargs.get("model", ""))) or (attached or "").split(".")[-1] or "its model"


def _node_label(node: Mapping[str, Any]) -> str:
    if node.get("resource_type") == "source":
        return f"{node['source_name']}.{node['name']}"
    return str(node["name"])


def _relation(text: str) -> str:
    """`{{ get_where_subquery(ref('dim_customers')) }}` -> dim_customers; `source('raw', 'orders')`
    -> raw.orders; anything else as written, without Jinja braces."""
    found = _REF.search(text)
    if found:
        names = re.findall(r"""['"]([^'"]+)['"]""", found.group(2))
        return ".".join(names) if found.group(1) == "source" else (names[-1] if names else text)
    match = _JINJA.match(text)
    return (match.group(1) if match else text).strip()


def _value(value: Any, project_vars: Mapping[str, Any] | None) -> Any:
    """An argument as its value: Jinja made of literals, `+` and `var()` is evaluated with the
    project's vars; other Jinja stays as written."""
    if not isinstance(value, str):
        return value
    match = _JINJA.match(value)
    if not match:
        return value
    try:
        return _evaluate(ast.parse(match.group(1).strip(), mode="eval").body, project_vars or {})
    except (SyntaxError, ValueError, KeyError):
        return match.group(1).strip()


def _evaluate(node: ast.AST, project_vars: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_evaluate(item, project_vars) for item in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _evaluate(node.left, project_vars) + _evaluate(node.right, project_vars)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "var"
            and node.args and isinstance(node.args[0], ast.Constant)):
        name = node.args[0].value
        if name in project_vars:
            return project_vars[name]
        if len(node.args) > 1:
            return _evaluate(node.args[1], project_vars)
        raise KeyError(name)
    raise ValueError(ast.dump(node))


def _var_note(raw: Any, brackets: bool = False) -> str:
    """` the source_systems` for an argument that is exactly one var, so the reader knows where
    to change the list."""
    names = re.findall(r"""var\(\s*['"]([^'"]+)['"]""", raw) if isinstance(raw, str) else []
    if len(names) != 1 or not _JINJA.match(raw) or "+" in raw:
        return ""
    return f" (var {names[0]})" if brackets else f" the {names[0]}"


def _listing(values: Any) -> str:
    if not isinstance(values, (list, tuple)):
        return str(values)
    shown = [str(v) for v in values[:MAX_VALUES]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f", ... ({len(values)} in all)" if more > 0 else "")
