"""Nothing left behind: the processes a test run started and did not stop.

A test that starts a server, a worker or a service must stop it, and what it forked,
also when it fails. This plugin (loaded for every run: pyproject's addopts) finds, at the
end of the run and of each xdist worker's share of it, this process's descendants still
running; it stops them and fails the run, naming each."""

import contextlib
import os
import signal
from pathlib import Path

import pytest

CHECKOUT = str(Path(__file__).resolve().parent.parent)
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time in clock ticks since boot) of a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid ...: comm may hold spaces and brackets, so read after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def _parent_and_state(pid: int) -> tuple[int, str] | None:
    found = _stat(pid)
    return None if found is None else (found[0], found[1])


def _now_in_ticks() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]) * TICKS_PER_SECOND)


def orphans_since(ticks: int) -> list[tuple[int, str]]:
    """Processes of this checkout started since `ticks` whose parent is gone (a server's
    worker whose master was stopped first): no test's child any more, yet running."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[0] == 1 and stat[1] != "Z" and stat[2] >= ticks:
                command = _command(int(entry.name))
                if CHECKOUT in command:
                    found.append((int(entry.name), command))
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def left_running(root: int | None = None) -> list[tuple[int, str]]:
    """Every running descendant of `root` (this process): (pid, command line)."""
    root = os.getpid() if root is None else root
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _parent_and_state(int(entry.name))
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


_session_started_at = 0


def pytest_sessionstart(session):
    global _session_started_at
    _session_started_at = _now_in_ticks()


def pytest_sessionfinish(session, exitstatus):
    """A process a test started and did not stop fails the run, and is stopped."""
    if session.config.getoption("numprocesses", None) and not hasattr(
        session.config, "workerinput"
    ):
        return  # xdist's controller: its children are the workers, each checking its own
    left = left_running() + orphans_since(_session_started_at)
    if not left:
        return
    stop(left)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("Processes left running by the tests (now stopped):", red=True)
        for pid, command in left:
            reporter.write_line(f"  {pid}: {command}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
