"""The provider's other plausible behaviours, played by the sandbox when asked.

The provider's documents leave open how some calls behave (api/CONTRACT.md, "What the
documents leave open"); the sandbox answers each open question one way by default.
`SANDBOX_PROVIDER` (a comma-separated list of the names below) makes it answer the other
way, so that the application can be tested, and `make contract` run, against each
behaviour the real API might have. Each variant wraps the default action: it takes the
default handler, the account and the call's parameters.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import api
from .models import Contact, Group, Membership

Handler = Callable[[object, dict], dict]
Wrapper = Callable[[Handler, object, dict], dict]


@dataclass(frozen=True)
class Variant:
    question: int
    behaviour: str
    wraps: dict[tuple[str, str], Wrapper]
    # The application copes with it (the service module reads it as the default), so the
    # contract check finds its question compatible.
    adapted: bool = False


def _no_groups(params: dict) -> bool:
    value = params.get("group_id")
    return value in (None, "", []) or (isinstance(value, str) and not value.strip(","))


# --- 1. contacts/edit and its groups ----------------------------------------------------


def _edit_adding_groups(handler, account, params):
    contact = api._get_contact(account, params)
    kept = list(Membership.objects.filter(contact=contact).values_list("group_id", flat=True))
    answer = handler(account, params)
    for group_id in kept:
        Membership.objects.get_or_create(contact=contact, group_id=group_id)
    return answer


def _edit_refusing_no_groups(handler, account, params):
    if _no_groups(params):
        raise api._required("group_id")
    return handler(account, params)


# --- 2. contacts/add without a group ----------------------------------------------------


def _add_requiring_a_group(handler, account, params):
    if _no_groups(params):
        raise api._required("group_id")
    return handler(account, params)


# --- 3. contacts/index without group_id -------------------------------------------------


def _index_requiring_a_group(handler, account, params):
    if params.get("group_id") in (None, ""):
        raise api._required("group_id")
    return handler(account, params)


def _index_once_per_group(handler, account, params):
    answer = handler(account, params)
    if params.get("group_id") not in (None, ""):
        return answer
    items = []
    for item in answer["items"]:
        memberships = Membership.objects.filter(contact_id=item["id"]).select_related("group")
        items += [
            {**item, "group_id": m.group_id, "group_name": m.group.name} for m in memberships
        ] or [item]
    return {**answer, "items": items}


# --- 4. the largest limit ---------------------------------------------------------------

SMALL_LIMIT = 100


def _limit_of_a_hundred(handler, account, params):
    limit = api._parse_int(params.get("limit")) if params.get("limit") not in (None, "") else None
    if limit is not None and limit > SMALL_LIMIT:
        raise api._invalid_data(f"Parametr limit przyjmuje maksymalnie {SMALL_LIMIT}.")
    return handler(account, params)


# --- 5. groups/check of a phone in no group ---------------------------------------------


def _check_refusing_a_phone_in_no_group(handler, account, params):
    answer = handler(account, params)
    if not answer["items"]:
        raise api._invalid_id("phone")
    return answer


# --- 7. phones as stored ----------------------------------------------------------------


def _phones_without_plus(handler, account, params):
    answer = handler(account, params)
    contact = Contact.objects.get(account=account, id=answer["id"])
    contact.phone = contact.phone.lstrip("+")
    contact.refresh_search_text()
    contact.save(update_fields=["phone", "search_text"])
    return answer


def _check_without_plus(handler, account, params):
    """The phone asked about is rewritten as the stored ones are, so a check finds them."""
    phone = api._phone(params)
    return api.groups_holding(account, [phone, phone.lstrip("+")])


# --- 8. numbers masked ------------------------------------------------------------------


def _masked(phone: str) -> str:
    return phone[:-6] + "***" + phone[-3:] if len(phone) > 6 else "***"


def _index_masking_numbers(handler, account, params):
    answer = handler(account, params)
    return {**answer, "items": [{**i, "phone": _masked(i["phone"])} for i in answer["items"]]}


def _view_masking_numbers(handler, account, params):
    answer = handler(account, params)
    return {**answer, "phone": _masked(answer["phone"])}


# --- 9. the blacklist flag -------------------------------------------------------------


def _flag_of_its_own(answer: dict) -> dict:
    return {**answer, "blacklist": False}


def _index_with_a_flag_of_its_own(handler, account, params):
    answer = handler(account, params)
    return {**answer, "items": [_flag_of_its_own(item) for item in answer["items"]]}


def _view_with_a_flag_of_its_own(handler, account, params):
    return _flag_of_its_own(handler(account, params))


# --- 10 to 12. contacts/import ------------------------------------------------------------

IMPORT_SMALL_MAX = 100


def _import_of_a_hundred(handler, account, params):
    rows = params.get("contact")
    if isinstance(rows, list) and len(rows) > IMPORT_SMALL_MAX:
        raise api._invalid_data(
            f"Jednorazowo można zaimportować maksymalnie {IMPORT_SMALL_MAX} kontaktów."
        )
    return handler(account, params)


def _import_into_another_group(handler, account, params):
    """Each call makes a group of its own, even under a name in use: the default handler
    imports under a name no group has, and the group takes the name asked for after."""
    name = api.import_group_name(params)
    answer = handler(account, {**params, "group_name": f"import {uuid.uuid4().hex}"})
    Group.objects.filter(account=account, id=answer["id"]).update(name=name)
    return answer


def _import_refusing_invalid_rows(handler, account, params):
    """A call with a row that cannot go in is refused whole, and nothing is made."""
    for row in api.import_rows(params):
        if api.import_row_fields(row) is None:
            raise api.ApiError(2001, "ValidationPhoneError", "Nieprawidłowy numer telefonu.")
    return handler(account, params)


def _import_without_plus(handler, account, params):
    answer = handler(account, params)
    for contact in Contact.objects.filter(membership__group_id=answer["id"], phone__startswith="+"):
        contact.phone = contact.phone.lstrip("+")
        contact.refresh_search_text()
        contact.save(update_fields=["phone", "search_text"])
    return answer


VARIANTS: dict[str, Variant] = {
    "edit-adds-groups": Variant(
        1,
        "contacts/edit adds the groups sent to the contact's groups",
        {("contacts", "edit"): _edit_adding_groups},
    ),
    "edit-refuses-no-groups": Variant(
        1,
        "contacts/edit refuses an empty group list (2000)",
        {("contacts", "edit"): _edit_refusing_no_groups},
    ),
    "add-requires-group": Variant(
        2,
        "contacts/add refuses a contact with no group (2000)",
        {("contacts", "add"): _add_requiring_a_group},
    ),
    "index-requires-group": Variant(
        3,
        "contacts/index without group_id is refused (2000)",
        {("contacts", "index"): _index_requiring_a_group},
    ),
    "index-once-per-group": Variant(
        3,
        "contacts/index without group_id lists a contact once per group",
        {("contacts", "index"): _index_once_per_group},
        adapted=True,
    ),
    "limit-100": Variant(
        4,
        f"a limit above {SMALL_LIMIT} is refused (1006)",
        {
            ("contacts", "index"): _limit_of_a_hundred,
            ("groups", "index"): _limit_of_a_hundred,
        },
        adapted=True,
    ),
    "check-refuses-unknown-phone": Variant(
        5,
        "groups/check of a phone in no group answers an error (1004)",
        {("groups", "check"): _check_refusing_a_phone_in_no_group},
        adapted=True,
    ),
    "phones-without-plus": Variant(
        7,
        "phones are stored without their + (48500600700)",
        {
            ("contacts", "add"): _phones_without_plus,
            ("contacts", "edit"): _phones_without_plus,
            ("contacts", "import"): _import_without_plus,
            ("groups", "check"): _check_without_plus,
        },
        adapted=True,
    ),
    "blacklist-flag-own": Variant(
        9,
        "a contact's blacklist flag is its own, not the blacklist's (it stays clear)",
        {
            ("contacts", "index"): _index_with_a_flag_of_its_own,
            ("contacts", "view"): _view_with_a_flag_of_its_own,
        },
    ),
    "import-limit-100": Variant(
        10,
        f"contacts/import refuses more than {IMPORT_SMALL_MAX} contacts in one call (1006)",
        {("contacts", "import"): _import_of_a_hundred},
    ),
    "import-makes-another-group": Variant(
        11,
        "contacts/import makes a new group even under a name in use",
        {("contacts", "import"): _import_into_another_group},
    ),
    "import-refuses-invalid-rows": Variant(
        12,
        "contacts/import refuses a whole call with an invalid row (2001)",
        {("contacts", "import"): _import_refusing_invalid_rows},
        adapted=True,
    ),
    "numbers-masked": Variant(
        8,
        "phone numbers are masked in answers (no permission to see them)",
        {
            ("contacts", "index"): _index_masking_numbers,
            ("contacts", "view"): _view_masking_numbers,
        },
    ),
}


def in_force() -> list[str]:
    """The variants SANDBOX_PROVIDER names; an unknown name is a configuration error."""
    names = [name.strip() for name in settings.SANDBOX_PROVIDER if name.strip()]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise ImproperlyConfigured(
            f"SANDBOX_PROVIDER names no such variant: {', '.join(unknown)}. "
            f"The variants: {', '.join(VARIANTS)}."
        )
    return names


def handler_for(resource: str, action: str, default: Handler | None) -> Handler | None:
    """The action's handler with the variants in force wrapped around it."""
    if default is None:
        return None
    handler = default
    for name in in_force():
        wrapper = VARIANTS[name].wraps.get((resource, action))
        if wrapper is not None:
            handler = _wrapped(wrapper, handler)
    return handler


def _wrapped(wrapper: Wrapper, handler: Handler) -> Handler:
    return lambda account, params: wrapper(handler, account, params)
