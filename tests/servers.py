"""Servers the end-to-end and browser tests open (`mdw ui`, `mdw dashboard`): started in a process group of their own on a free loopback
port, and stopped by signalling that group (dagster dev and Streamlit both start children)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mdw_server(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """`mdw <args>` in a new session (its own process group); SIGINT to the group on the way out
    (dagster dev stops on it; Streamlit too), SIGKILL if it has not exited after 30 s."""
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "mdw.cli", *args], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield server
        finally:
            _stop_group(server)


def _stop_group(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):  # whatever is left of the group (a code server, a run)
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)


def wait_for_http(url: str, server: subprocess.Popen, log: Path, timeout: float = 180, expect: str = "") -> float:
    """Poll `url` until it answers (containing `expect`); the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        assert server.poll() is None, f"the server exited ({server.returncode}):\n{log_tail(log)}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if expect in response.read().decode(errors="replace"):
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} did not answer in {timeout:.0f}s:\n{log_tail(log)}")


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def foreign_requests(urls: list[str]) -> list[str]:
    """The URLs a page requested from anywhere but this machine's loopback."""
    offenders = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if (parts.hostname or "") not in LOOPBACK_HOSTS and f"[{parts.hostname}]" not in LOOPBACK_HOSTS:
            offenders.append(url)
    return sorted(set(offenders))


def log_tail(log: Path, chars: int = 3000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


LOCATION = """{ workspaceOrError { ... on Workspace { locationEntries { name
               locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def wait_until_loaded(port: int, server: subprocess.Popen, log: Path, timeout: float = 240) -> float:
    """Seconds until `mdw ui`'s webserver answers and its code location is loaded."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        assert server.poll() is None, f"mdw ui exited:\n{log_tail(log)}"
        try:
            entries = graphql(port, LOCATION)["workspaceOrError"]["locationEntries"]
        except OSError:
            entries = []
        loaded = {e["name"]: e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]}
        if "marketing_dw" in loaded:
            assert loaded["marketing_dw"]["__typename"] == "RepositoryLocation", loaded["marketing_dw"]
            return time.monotonic() - start
        time.sleep(2)
    raise AssertionError(f"the code location did not load in {timeout:.0f}s:\n{log_tail(log)}")
