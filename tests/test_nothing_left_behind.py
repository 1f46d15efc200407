"""Nothing left behind: a test that starts a process and does not stop it fails the run,
which names and stops it (the plugin tests/leftovers.py)."""

import subprocess
import sys
from pathlib import Path

from tests import leftovers

ROOT = Path(__file__).resolve().parent.parent

LEAVING = """
import subprocess

def test_starts_a_process_and_leaves_it():
    subprocess.Popen(["sleep", "600"])
"""


def run_tests(folder: Path, source: str) -> subprocess.CompletedProcess:
    """A run of pytest, as the project configures it, on a test module of this source."""
    module = folder / "test_module.py"
    module.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(module), "-p", "no:cacheprovider", "-q"]
        # The project's settings (and so the plugin) for a test module outside the checkout.
        + ["-c", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_process_left_running_by_a_test_fails_the_run_and_is_stopped(tmp_path):
    run = run_tests(tmp_path, LEAVING)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Processes left running by the tests (now stopped):" in run.stdout
    assert "sleep 600" in run.stdout
    assert not [command for _pid, command in leftovers.left_running(1) if command == "sleep 600"]


ORPHANING = """
import subprocess, sys, time

def test_starts_a_process_whose_parent_goes_first():
    # A parent that starts a child and ends at once: the child is an orphan, as a server's
    # worker is when its master is stopped before it.
    child = (
        "import subprocess, sys; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(601)'])"
    )
    subprocess.run([sys.executable, "-c", child], check=True)
    time.sleep(0.2)
"""


def test_a_process_orphaned_by_a_test_fails_the_run_too(tmp_path):
    run = run_tests(tmp_path, ORPHANING)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "time.sleep(601)" in run.stdout
    assert "time.sleep(601)" not in " ".join(c for _pid, c in leftovers.left_running(1))
