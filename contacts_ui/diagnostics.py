"""Diagnostics: is the API usable with these credentials, and if not, what to do about it.

Read-only probes with a user's own credentials: two calls (a group and a contact, one
each), timed. Each finding is a sentence a person can act on. Shown at
/settings/diagnostics/ and printed by `manage.py check_api --user NAME`.
"""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from . import provider
from .serwersms import (
    AccessDenied,
    ApiError,
    BadResponse,
    CredentialsRejected,
    InvalidData,
    SerwerSMSClient,
    SerwerSMSError,
    TlsInvalid,
    TransportError,
)

# A call slower than this is said to be slow (the provider's own clients wait 30 s).
SLOW_MS = 2000


@dataclass(frozen=True)
class Finding:
    check: str
    # None: not checked (an earlier one failed, or nothing to check here).
    ok: bool | None
    detail: str


def _variant(base_url: str) -> Finding:
    check = _("Behaviour of the API")
    if settings.SANDBOX and urlsplit(base_url).path.endswith("/sandbox/api/"):
        from .sandbox import variants

        playing = variants.in_force()
        if playing:
            detail = _("The sandbox plays the provider variant: %(names)s.") % {
                "names": ", ".join(playing)
            }
            return Finding(check, False, detail)
        return Finding(check, True, _("The sandbox's own behaviour, which this app is built for."))
    from .models import ContractCheck

    saved = ContractCheck.objects.filter(api_url=base_url).first()
    if saved is None:
        return Finding(
            check,
            None,
            _(
                "Not known yet: run “python manage.py contract_check --save” with a test "
                "account of this API (see the README, “Before going live”)."
            ),
        )
    when = date_format(localtime(saved.checked_at), "DATETIME_FORMAT")
    if not saved.incompatible:
        return Finding(
            check, True, _("The contract check of %(when)s found it compatible.") % {"when": when}
        )
    return Finding(
        check,
        False,
        _("The contract check of %(when)s found it incompatible: %(answers)s.")
        % {
            "when": when,
            "answers": "; ".join(f"{a['question']} {a['observed']}" for a in saved.incompatible),
        },
    )


def run(client: SerwerSMSClient) -> list[Finding]:
    """Every finding, in order: where one fails, those that rest on it are not checked;
    last, what the application has learned of this API as it wrote."""
    return _probes(client) + [_learned(client.base_url)]


def _learned(base_url: str) -> Finding:
    check = _("Learned from this API")
    behaviours = list(provider.learned(base_url))
    if not behaviours:
        return Finding(
            check,
            True,
            _(
                "Nothing so far: every write has done what it said. A change that the API "
                "does not make is read back, said, and from then on refused up front."
            ),
        )
    said = " ".join(
        _("%(behaviour)s Learned %(when)s: “%(evidence)s”")
        % {
            "behaviour": provider.BEHAVIOURS[behaviour.name],
            "when": date_format(localtime(behaviour.learned_at), "DATETIME_FORMAT"),
            "evidence": behaviour.evidence,
        }
        for behaviour in behaviours
    )
    return Finding(
        check,
        False,
        said + " " + _("What this API does not do is refused up front, with a sentence."),
    )


def _probes(client: SerwerSMSClient) -> list[Finding]:
    https = urlsplit(client.base_url).scheme == "https"
    findings = []
    started = time.monotonic()
    try:
        client.groups_index(limit=1)
    except TlsInvalid as exc:
        findings += [
            Finding(_("Reachable"), True, _("The API answered the connection.")),
            Finding(_("TLS certificate"), False, exc.message),
        ]
        return findings + [_variant(client.base_url)]
    except TransportError as exc:
        if isinstance(exc, BadResponse):
            findings.append(Finding(_("Reachable"), True, _("The API answered.")))
            findings.append(Finding(_("Answers as the contract says"), False, exc.message))
        else:
            findings.append(Finding(_("Reachable"), False, exc.message))
        return findings + [_variant(client.base_url)]
    except CredentialsRejected as exc:
        findings += _reached(started, https)
        findings.append(Finding(_("Credentials accepted"), False, exc.message))
        return findings + [_variant(client.base_url)]
    except ApiError as exc:
        findings += _reached(started, https)
        if exc.code == 1003:
            accepted = Finding(
                _("Credentials accepted"),
                None,
                _("Not known: SerwerSMS refused the address first."),
            )
        else:
            accepted = Finding(_("Credentials accepted"), True, _("SerwerSMS accepted them."))
        findings += [accepted, _access(exc)]
        return findings + [_variant(client.base_url)]
    findings += _reached(started, https)
    findings.append(Finding(_("Credentials accepted"), True, _("SerwerSMS accepted them.")))
    findings.append(
        Finding(_("IP address allowed"), True, _("SerwerSMS accepts calls from this server."))
    )
    findings += _contacts(client)
    return findings + [_variant(client.base_url)]


def _reached(started: float, https: bool) -> list[Finding]:
    elapsed = (time.monotonic() - started) * 1000
    latency = _("%(ms)d ms for a call.") % {"ms": elapsed}
    if elapsed > SLOW_MS:
        latency += " " + _("That is slow: pages will be slow too.")
    return [
        Finding(_("Reachable"), True, _("The API answered.")),
        Finding(
            _("TLS certificate"),
            True if https else None,
            _("Valid.") if https else _("Not used: the API address is plain HTTP."),
        ),
        Finding(_("Latency"), elapsed <= SLOW_MS, latency),
    ]


def _access(exc: ApiError) -> Finding:
    if exc.code == 1003:
        return Finding(_("IP address allowed"), False, exc.message)
    if isinstance(exc, AccessDenied):
        return Finding(_("Permissions"), False, exc.message)
    return Finding(_("Answers as the contract says"), False, exc.message)


def _contacts(client: SerwerSMSClient) -> list[Finding]:
    """Whether contacts can be read, with their phone numbers."""
    try:
        page = client.contacts_index(limit=1)
    except AccessDenied as exc:
        return [Finding(_("Permissions"), False, exc.message)]
    except InvalidData as exc:
        if not provider.refused_for_want_of_a_group(exc):
            return [Finding(_("Answers as the contract says"), False, exc.message)]
        # A behaviour the app copes with: the contact list is then read group by group.
        return [
            Finding(_("Permissions"), True, _("Groups can be read.")),
            Finding(
                _("Answers as the contract says"),
                True,
                provider.list_only_by_group(client.base_url, exc),
            ),
        ]
    except SerwerSMSError as exc:
        return [Finding(_("Answers as the contract says"), False, exc.message)]
    hidden = any("*" in contact.phone for contact in page.items)
    permissions = (
        Finding(
            _("Permissions"),
            False,
            _(
                "Phone numbers come back hidden: the API user may not see them, and contacts "
                "cannot be saved. Ask the account owner for the permission."
            ),
        )
        if hidden
        else Finding(_("Permissions"), True, _("Groups and contacts can be read."))
    )
    return [
        permissions,
        Finding(
            _("Answers as the contract says"), True, _("Groups and contacts read as expected.")
        ),
    ]
