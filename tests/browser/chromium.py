"""Debian's Chromium and how it is started, for the browser tests and docs/screenshot.py."""

from pathlib import Path

# Playwright's own browser download does not work here; Debian's Chromium does.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
