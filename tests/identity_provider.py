"""A real OpenID Connect provider for the tests of the company sign-in: the npm package
oidc-provider (tests/oidc, installed by `make test`), started on loopback by the tests, and a
way to go through its development sign-in pages without a browser (the browser test clicks
them). Not a mock of the protocol: the application talks to it as to Entra ID or Keycloak."""

import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "serwersms-contacts"
CLIENT_SECRET = "idp-client-secret-for-tests"
ROLE_VALUES = {"Manager": "sms-managers", "Editor": "sms-editors", "Viewer": "sms-viewers"}

# Who the provider knows: each login's claims.
ACCOUNTS = {
    "anna": {
        "email": "anna.kowalska@example.com",
        "email_verified": True,
        "given_name": "Anna",
        "family_name": "Kowalska",
        "roles": ["sms-managers", "sms-viewers"],
    },
    "bartek": {
        "email": "bartek.nowak@example.com",
        "email_verified": True,
        "given_name": "Bartek",
        "family_name": "Nowak",
        "roles": ["sms-editors"],
    },
    "celina": {"email": "celina@example.com", "email_verified": True, "roles": []},
    # An address the provider does not vouch for.
    "dorota": {"email": "dorota@example.com", "email_verified": False},
}

MISSING = "The test identity provider needs Node.js and `npm ci` in tests/oidc (make test does it)"


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IdentityProvider:
    """oidc-provider on 127.0.0.1, knowing ACCOUNTS and one client, the application, whose
    callback is at each of `redirect_uris`."""

    def __init__(self, redirect_uris: list[str]):
        if shutil.which("node") is None or not (HERE / "node_modules" / "oidc-provider").exists():
            # CI must run these tests; a skip there would hide that none ran.
            (pytest.fail if _on_ci() else pytest.skip)(MISSING)
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "IDP_PORT": str(self.port),
            "IDP_CLIENT_ID": CLIENT_ID,
            "IDP_CLIENT_SECRET": CLIENT_SECRET,
            "IDP_REDIRECT_URIS": ",".join(redirect_uris),
            "IDP_ACCOUNTS": json.dumps(ACCOUNTS),
        }
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"The test identity provider did not start: {line!r}")
        self.discovery = requests.get(
            f"{self.issuer}/.well-known/openid-configuration", timeout=5
        ).json()

    def settings(self) -> dict:
        """The application's settings for this provider, as its environment would give them."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.discovery["jwks_uri"],
            "OIDC_RP_SCOPES": "openid email profile roles",
            "OIDC_PROVIDER_NAME": "Test IdP",
        }

    def sign_in(self, authorization_url: str, login: str, *, consent: bool = True) -> str:
        """Go through the provider's sign-in and consent pages as `login`, from the address the
        application sent the browser to; the address the provider sends the browser back to
        (the application's callback, with the code, or with an error when not consenting)."""
        browser = requests.Session()
        page = browser.get(authorization_url, timeout=5)
        page = browser.post(
            _form_action(page.text),
            {"prompt": "login", "login": login, "password": "any"},
            timeout=5,
        )
        if consent:
            answer = browser.post(
                _form_action(page.text), {"prompt": "consent"}, allow_redirects=False, timeout=5
            )
        else:
            answer = browser.get(
                re.search(r'href="([^"]+/abort)"', page.text)[1], allow_redirects=False, timeout=5
            )
        while urlsplit(answer.headers["Location"]).netloc == urlsplit(self.issuer).netloc:
            answer = browser.get(answer.headers["Location"], allow_redirects=False, timeout=5)
        return answer.headers["Location"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _form_action(page: str) -> str:
    return re.search(r'<form[^>]* action="([^"]+)"', page)[1]
