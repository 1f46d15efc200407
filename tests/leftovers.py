"""Nothing left behind: the processes a test run started and did not stop.

A test that starts a server, a worker or a service must stop it, and what it forked,
also when it fails. This plugin (loaded for every run: pyproject's addopts) finds, at the
end of the run and of each xdist worker's share of it, this process's descendants still
running, and the orphans it started (their parent gone first); it stops them and fails the
run, naming each."""

import contextlib
import os
import signal
import uuid
from pathlib import Path

import pytest

# Set at the start of each run (and of each xdist worker's), and so inherited by every
# process its tests start: an orphan carrying it was started by this run.
RUN_VARIABLE = "LEFTOVERS_RUN"


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid ...: comm may hold spaces and brackets, so read after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def _environment(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""


def orphans_of(run: str) -> list[tuple[int, str]]:
    """Processes this run started whose parent is gone (a server's worker whose master was
    stopped first): no test's child any more, yet running."""
    mark = f"{RUN_VARIABLE}={run}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            orphan = stat is not None and stat[0] == 1 and stat[1] != "Z"
            if orphan and mark in _environment(int(entry.name)).split(b"\0"):
                found.append((int(entry.name), _command(int(entry.name))))
    return found


def left_running(root: int | None = None) -> list[tuple[int, str]]:
    """Every running descendant of `root` (this process): (pid, command line)."""
    root = os.getpid() if root is None else root
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None and found[1] != "Z":  # an exited child not yet reaped is gone
                parents.setdefault(found[0], []).append(int(entry.name))
    left, waiting = [], list(parents.get(root, []))
    while waiting:
        pid = waiting.pop()
        left.append((pid, _command(pid)))
        waiting.extend(parents.get(pid, []))
    return left


def stop(processes: list[tuple[int, str]]) -> None:
    for pid, _command_line in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def pytest_sessionstart(session):
    os.environ[RUN_VARIABLE] = uuid.uuid4().hex


def pytest_sessionfinish(session, exitstatus):
    """A process a test started and did not stop fails the run, and is stopped."""
    if session.config.getoption("numprocesses", None) and not hasattr(
        session.config, "workerinput"
    ):
        return  # xdist's controller: its children are the workers, each checking its own
    left = left_running() + orphans_of(os.environ.get(RUN_VARIABLE, "-"))
    if not left:
        return
    stop(left)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("Processes left running by the tests (now stopped):", red=True)
        for pid, command in left:
            reporter.write_line(f"  {pid}: {command}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
