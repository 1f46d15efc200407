"""Take docs/contacts-list.png: a freshly seeded demo's contacts list, in Chromium, 1366×768.

Run with `make screenshot` (or `.venv/bin/python docs/screenshot.py`). The app runs with
`manage.py runserver` on a free loopback port against a throwaway SQLite database, so the
development database is never touched; the server is stopped however this ends.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUTPUT = ROOT / "docs" / "contacts-list.png"
VIEWPORT = {"width": 1366, "height": 768}  # the most common office laptop screen
# Sandbox-only credentials for the throwaway demo account.
DEMO_TOKEN = "demo-sandbox-token"
DEMO_PASSWORD = "demo-sandbox-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    # Our own fixed commands, run by this Python: nothing untrusted goes in.
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def wait_until_serving(server: subprocess.Popen, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own http:// URL)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit(f"runserver did not answer at {url} within {timeout} seconds")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def take_screenshot(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(
                base_url=base_url, locale="en-US", viewport=VIEWPORT
            ).new_page()
            page.goto("/contacts/")
            page.get_by_label("Username").fill("demo")
            page.get_by_label("Password").fill("demo")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
            expect(page.get_by_role("table", name="Contacts")).to_be_visible()
            page.screenshot(path=str(OUTPUT))
        finally:
            browser.close()


def main() -> None:
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="contacts-screenshot-") as tmp:
        port = free_port()
        env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp}/shot.sqlite3",
            # The app calls its own sandbox on the port it serves on.
            "PORT": str(port),
        }
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        manage(env, "sandbox_account", "demo", "--password", DEMO_PASSWORD, "--token", DEMO_TOKEN)
        manage(env, "seed_sandbox", "--account", "demo", "--contacts", "300", "--groups", "10")
        manage(env, "demo_user", "--token", DEMO_TOKEN)
        base_url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "runserver.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603 (our own fixed command)
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_until_serving(server, f"{base_url}/accounts/login/")
                take_screenshot(base_url)
            except BaseException:
                # The server's own log says why a page did not come.
                sys.stderr.write(log_path.read_text(errors="replace")[-5000:])
                raise
            finally:
                stop(server)
    print(f"Saved {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
