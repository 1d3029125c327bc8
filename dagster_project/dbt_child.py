"""`mdw-dbt`: dbt, bound to the life of the process that started it.

dagster-dbt starts dbt as a plain child process. If the run's process is killed (`kill -9` of
`mdw run`, an out-of-memory kill), that child would live on, holding the warehouse's DuckDB lock,
and every later refresh would fail on it. This entry point asks Linux to kill it when its parent
dies (PR_SET_PDEATHSIG), then replaces itself with the real dbt: same arguments, same process.
Elsewhere it simply runs dbt.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def real_dbt() -> str:
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_executable() -> str:
    """What the dbt resource runs: this entry point when installed beside the interpreter."""
    wrapper = Path(sys.executable).parent / "mdw-dbt"
    return str(wrapper) if wrapper.exists() else real_dbt()


def main() -> None:
    _die_with_parent()
    dbt = real_dbt()
    os.execv(dbt, [dbt, *sys.argv[1:]])


if __name__ == "__main__":
    main()
