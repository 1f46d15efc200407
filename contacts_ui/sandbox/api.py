"""The sandbox's implementation of each API action (api/CONTRACT.md).

Each action takes the authenticated account and the call's parameters (a
dict, already decoded from JSON or a form) and returns the answer as a dict,
or raises ApiError, which the view turns into the provider's error object.
Parameters are read as leniently as the real service must read them: numbers
and booleans may arrive as strings, and `null` means absent.
"""

import math
from collections.abc import Callable
from typing import Any

import phonenumbers
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, OuterRef
from django.db.models.expressions import RawSQL

from .models import CONTACT_TEXT_FIELDS, Account, BlacklistedNumber, Contact, Group, Membership

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
GROUP_NAME_MAX = 100
CONTACT_FIELD_MAX = 255
CONTACT_SORTS = frozenset(CONTACT_TEXT_FIELDS)
TRIGRAM = 3  # the shortest phrase the trigram index can answer
# The largest id a database integer column holds; a larger one cannot exist.
MAX_ID = 2**63 - 1


class ApiError(Exception):
    """An error answered as `{"error": {"code", "type", "message"}}` with HTTP 200."""

    def __init__(self, code: int, type_: str, message: str):
        super().__init__(message)
        self.code = code
        self.type = type_
        self.message = message

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "type": self.type, "message": self.message}}


def invalid_action() -> ApiError:
    return ApiError(1000, "InvalidAction", "Nieprawidłowa akcja.")


def invalid_user() -> ApiError:
    return ApiError(1001, "InvalidUser", "Nieprawidłowy login lub hasło użytkownika API.")


def _invalid_id(name: str) -> ApiError:
    return ApiError(1004, "InvalidID", f"Nieprawidłowy identyfikator ({name}).")


def _invalid_data(message: str) -> ApiError:
    return ApiError(1006, "InvalidData", message)


def _required(name: str) -> ApiError:
    return ApiError(2000, "ValidationRequiredError", f"Pole {name} jest wymagane.")


# --- Reading parameters -------------------------------------------------------


def _opt_text(params: dict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid_data(f"Pole {name} musi być tekstem.")
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise _invalid_data(f"Pole {name} musi być tekstem.")
    if "\x00" in value:
        raise _invalid_data(f"Pole {name} zawiera niedozwolone znaki.")
    return value


def _parse_int(value: Any) -> int | None:
    """An integer from an int or a string of digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # isdecimal, not isdigit: int() refuses digits such as "²"; one minus sign at most.
    if isinstance(value, str) and value.strip().removeprefix("-").isdecimal() and len(value) < 20:
        return int(value.strip())
    return None


def _required_id(params: dict, name: str = "id") -> int:
    value = params.get(name)
    if value is None or value == "":
        raise _required(name)
    parsed = _parse_int(value)
    if parsed is None or parsed <= 0:
        raise _invalid_id(name)
    return parsed


def _opt_bool(params: dict, name: str) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    raise _invalid_data(f"Pole {name} musi mieć wartość true lub false.")


def _paging(params: dict) -> tuple[int, int]:
    page = params.get("page")
    limit = params.get("limit")
    page = 1 if page is None or page == "" else _parse_int(page)
    limit = DEFAULT_LIMIT if limit is None or limit == "" else _parse_int(limit)
    if page is None or page < 1:
        raise _invalid_data("Parametr page musi być liczbą całkowitą większą od zera.")
    if limit is None or limit < 1:
        raise _invalid_data("Parametr limit musi być liczbą całkowitą większą od zera.")
    return page, min(limit, MAX_LIMIT)


def _ordering(params: dict, allowed: frozenset[str], default: str) -> str:
    sort = _opt_text(params, "sort")
    order = (_opt_text(params, "order") or "asc").strip().lower()
    if order not in ("asc", "desc"):
        raise _invalid_data("Parametr order przyjmuje wartości asc lub desc.")
    if not sort:
        return default
    if sort not in allowed:
        raise _invalid_data(f"Nie można sortować według pola {sort}.")
    return ("-" if order == "desc" else "") + sort


def _page_of(
    queryset, params: dict, allowed_sorts: frozenset[str], *, page_queryset=None
) -> tuple[list, dict]:
    """One page of the queryset and the paging object; `page_queryset`, if
    given, selects the same rows by a plan better suited to fetching a page."""
    page, limit = _paging(params)
    ordering = _ordering(params, allowed_sorts, default="-id")
    tie_breaker = "-id" if ordering.startswith("-") else "id"
    total = queryset.count()
    offset = (page - 1) * limit
    rows = []
    # A page past the end is empty; asking the database for it could overflow its integers.
    if offset < total:
        ordered = (queryset if page_queryset is None else page_queryset).order_by(
            ordering, tie_breaker
        )
        rows = list(ordered[offset : offset + limit])
    return rows, {"page": page, "count": max(1, math.ceil(total / limit))}


def _group_ids(params: dict, account: Account) -> list[int]:
    """`group_id` as one id, a list of ids, or a comma-separated string; each must exist."""
    value = params.get("group_id")
    if value is None or value == "":
        return []
    if isinstance(value, str) and "," in value:
        value = [part for part in value.split(",") if part.strip()]
    values = value if isinstance(value, list) else [value]
    ids = []
    for item in values:
        parsed = _parse_int(item)
        if parsed is None or not 0 < parsed <= MAX_ID:
            raise _invalid_id("group_id")
        ids.append(parsed)
    ids = list(dict.fromkeys(ids))
    if Group.objects.filter(account=account, id__in=ids).count() != len(ids):
        raise _invalid_id("group_id")
    return ids


def normalise_phone(raw: str) -> str | None:
    """E.164 for a plausible number (Polish region by default), else None."""
    try:
        number = phonenumbers.parse(raw, "PL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(params: dict) -> str:
    raw = (_opt_text(params, "phone") or "").strip()
    if not raw:
        raise _required("phone")
    phone = normalise_phone(raw) if len(raw) <= 40 else None
    if phone is None:
        raise ApiError(2001, "ValidationPhoneError", "Nieprawidłowy numer telefonu.")
    return phone


# --- Groups -------------------------------------------------------------------


def _groups(account: Account):
    return Group.objects.filter(account=account).annotate(count=Count("membership"))


def _group_dict(group: Group) -> dict:
    return {"id": group.id, "name": group.name, "count": group.count}


def _get_group(account: Account, params: dict) -> Group:
    group_id = _required_id(params)
    group = _groups(account).filter(id=group_id).first()
    if group is None:
        raise _invalid_id("id")
    return group


def _group_name(params: dict, field: str = "name") -> str:
    name = (_opt_text(params, "name") or "").strip()
    if not name:
        raise _required(field)
    if len(name) > GROUP_NAME_MAX:
        raise _invalid_data(f"Nazwa grupy może mieć maksymalnie {GROUP_NAME_MAX} znaków.")
    return name


def groups_index(account: Account, params: dict) -> dict:
    groups = _groups(account)
    search = _opt_text(params, "search")
    if search:
        # Groups are few per account; filtering in Python makes the match
        # case-insensitive for Polish letters on every database.
        needle = search.lower()
        matching = [g.id for g in groups if needle in g.name.lower()]
        groups = groups.filter(id__in=matching)
    rows, paging = _page_of(groups, params, frozenset({"name"}))
    return {"paging": paging, "items": [_group_dict(g) for g in rows]}


def groups_view(account: Account, params: dict) -> dict:
    return _group_dict(_get_group(account, params))


def groups_add(account: Account, params: dict) -> dict:
    group = Group.objects.create(account=account, name=_group_name(params))
    return {"success": True, "id": group.id}


def groups_edit(account: Account, params: dict) -> dict:
    group = _get_group(account, params)
    group.name = _group_name(params)
    group.save(update_fields=["name"])
    return {"success": True, "id": group.id}


def groups_delete(account: Account, params: dict) -> dict:
    group = _get_group(account, params)
    with transaction.atomic():
        if _opt_bool(params, "delete_contacts"):
            Contact.objects.filter(account=account, membership__group=group).delete()
        group.delete()
    return {"success": True}


def groups_check(account: Account, params: dict) -> dict:
    return groups_holding(account, [_phone(params)])


def groups_holding(account: Account, phones: list[str]) -> dict:
    """groups/check's answer: every group holding a contact with one of these phones."""
    memberships = (
        Membership.objects.filter(contact__account=account, contact__phone__in=phones)
        .select_related("group")
        .order_by("group_id", "contact_id")
    )
    return {
        "items": [
            {"id": str(m.contact_id), "group_id": m.group_id, "group_name": m.group.name}
            for m in memberships
        ]
    }


# --- Contacts -----------------------------------------------------------------


def _contact_fields(params: dict) -> dict:
    """Every writable field; a field left out is empty (contacts/edit replaces)."""
    fields = {"phone": _phone(params)}
    for name in CONTACT_TEXT_FIELDS:
        if name == "phone":
            continue
        value = (_opt_text(params, name) or "").strip()
        if len(value) > CONTACT_FIELD_MAX:
            raise _invalid_data(f"Pole {name} przyjmuje maksymalnie {CONTACT_FIELD_MAX} znaków.")
        fields[name] = value
    return fields


def _contact_dict(contact: Contact, listed: set[str]) -> dict:
    """The contact as the API answers it; `listed`: the blacklisted phones among these
    contacts' (the flag follows the account's blacklist, by phone)."""
    data = {"id": contact.id}
    data.update({name: getattr(contact, name) for name in CONTACT_TEXT_FIELDS})
    data["blacklist"] = _as_listed(contact.phone) in listed
    return data


def _as_listed(phone: str) -> str:
    """A contact's phone as the blacklist holds it (E.164), also when the contact's was
    stored without its + (the phones-without-plus variant)."""
    return "+" + phone if phone.isdigit() else phone


def blacklisted_among(account: Account, phones) -> set[str]:
    """Which of these phones are on the account's blacklist, as it holds them (one query)."""
    wanted = {_as_listed(phone) for phone in phones}
    return set(
        BlacklistedNumber.objects.filter(account=account, phone__in=wanted).values_list(
            "phone", flat=True
        )
    )


def _get_contact(account: Account, params: dict) -> Contact:
    contact = Contact.objects.filter(account=account, id=_required_id(params)).first()
    if contact is None:
        raise _invalid_id("id")
    return contact


def _matching(contacts, phrase: str, *, walk_sort_order: bool):
    """Contacts whose searchable text contains the phrase (already lower-cased).

    On SQLite a phrase of three or more characters is answered by the trigram
    index (migration 0002): a phrase query there matches exactly the texts
    that hold it as a substring, without reading them. With `walk_sort_order`
    the unary plus keeps SQLite from driving the query by the matches, so it
    walks the sort column's index and stops at a page of matches instead of
    sorting them all.
    """
    if connection.vendor == "sqlite" and len(phrase) >= TRIGRAM:
        quoted = '"' + phrase.replace('"', '""') + '"'
        table = Contact._meta.db_table
        plus = "+" if walk_sort_order else ""
        # The phrase goes in as a parameter; only fixed SQL is formatted in.
        return contacts.filter(
            RawSQL(  # noqa: S611
                f"{plus}{table}.id IN (SELECT rowid FROM sandbox_contact_search "  # noqa: S608
                "WHERE sandbox_contact_search MATCH %s)",
                [quoted],
                output_field=BooleanField(),
            )
        )
    # PostgreSQL's trigram index serves this LIKE by itself.
    return contacts.filter(search_text__contains=phrase)


def contacts_index(account: Account, params: dict) -> dict:
    contacts = Contact.objects.filter(account=account)
    group = None
    group_param = params.get("group_id")
    if isinstance(group_param, str) and group_param.strip().lower() == "none":
        contacts = contacts.filter(~Exists(Membership.objects.filter(contact=OuterRef("pk"))))
    elif group_param is not None and group_param != "":
        group_id = _parse_int(group_param)
        group = Group.objects.filter(account=account, id=group_id).first() if group_id else None
        if group is None:
            raise _invalid_id("group_id")
        # The group is this account's, so its members are too; leaving the
        # account out spares SQLite a plan that re-checks every match (20x slower).
        contacts = Contact.objects.filter(membership__group=group)
    search = (_opt_text(params, "search") or "").strip().lower()
    page_contacts = contacts
    if search:
        # Counting is cheapest driven by the matches; so is a page of one
        # group's contacts. A page of the whole account walks the sort order.
        page_contacts = _matching(contacts, search, walk_sort_order=group is None)
        contacts = _matching(contacts, search, walk_sort_order=False)
    rows, paging = _page_of(contacts, params, CONTACT_SORTS, page_queryset=page_contacts)

    if group is not None:
        first_group = {c.id: (group.id, group.name) for c in rows}
    else:
        # One query for the page: each contact's first group, if it has one.
        first_group = {}
        memberships = (
            Membership.objects.filter(contact_id__in=[c.id for c in rows])
            .select_related("group")
            .order_by("group_id")
        )
        for m in memberships:
            first_group.setdefault(m.contact_id, (m.group_id, m.group.name))

    listed = blacklisted_among(account, [contact.phone for contact in rows])
    items = []
    for contact in rows:
        item = _contact_dict(contact, listed)
        group_id, group_name = first_group.get(contact.id, (None, ""))
        item["group_id"] = group_id
        item["group_name"] = group_name
        items.append(item)
    return {"paging": paging, "items": items}


def contacts_view(account: Account, params: dict) -> dict:
    contact = _get_contact(account, params)
    return _contact_dict(contact, blacklisted_among(account, [contact.phone]))


def _save_contact(contact: Contact, fields: dict, group_ids: list[int]) -> None:
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.refresh_search_text()
    with transaction.atomic():
        contact.save()
        Membership.objects.filter(contact=contact).delete()
        Membership.objects.bulk_create(
            [Membership(contact=contact, group_id=group_id) for group_id in group_ids]
        )


def contacts_add(account: Account, params: dict) -> dict:
    fields = _contact_fields(params)
    group_ids = _group_ids(params, account)
    contact = Contact(account=account)
    _save_contact(contact, fields, group_ids)
    return {"success": True, "id": contact.id}


def contacts_edit(account: Account, params: dict) -> dict:
    contact = _get_contact(account, params)
    fields = _contact_fields(params)
    group_ids = _group_ids(params, account)
    _save_contact(contact, fields, group_ids)
    return {"success": True, "id": contact.id}


def contacts_delete(account: Account, params: dict) -> dict:
    _get_contact(account, params).delete()
    return {"success": True}


# contacts/import: many contacts in one call, into the group named. The documents say it
# "creates a new group"; what they leave open is played this way by default (the variants
# play the other way): a name in use adds to that group, a row that cannot go in is
# counted in `failed` while the others go in, and a call takes up to IMPORT_MAX rows.
IMPORT_MAX = 5000
IMPORT_FIELDS = ("phone", "email", "first_name", "last_name", "company")


def import_rows(params: dict) -> list:
    """contacts/import's `contact`: a list of objects (each checked when it is imported)."""
    rows = params.get("contact")
    if rows is None or rows == "" or rows == []:
        raise _required("contact")
    if not isinstance(rows, list):
        raise _invalid_data("Pole contact musi być listą kontaktów.")
    if len(rows) > IMPORT_MAX:
        raise _invalid_data(f"Jednorazowo można zaimportować maksymalnie {IMPORT_MAX} kontaktów.")
    return rows


def import_group_name(params: dict) -> str:
    return _group_name({"name": params.get("group_name")}, field="group_name")


def import_row_fields(row) -> dict | None:
    """One row of an import as it would be stored, or None when it cannot go in."""
    if not isinstance(row, dict):
        return None
    try:
        fields = _contact_fields({name: row.get(name) for name in IMPORT_FIELDS})
    except ApiError:
        return None
    return fields


def contacts_import(account: Account, params: dict) -> dict:
    name = import_group_name(params)
    rows = import_rows(params)
    with transaction.atomic():
        group = Group.objects.filter(account=account, name=name).order_by("id").first()
        if group is None:
            group = Group.objects.create(account=account, name=name)
        held = set(Contact.objects.filter(membership__group=group).values_list("phone", flat=True))
        contacts = []
        for row in rows:
            fields = import_row_fields(row)
            # A row with no valid phone, a value too long, or a phone in the group already.
            if fields is None or fields["phone"] in held:
                continue
            held.add(fields["phone"])
            contact = Contact(account=account, **fields)
            contact.refresh_search_text()
            contacts.append(contact)
        Contact.objects.bulk_create(contacts, batch_size=500)
        Membership.objects.bulk_create(
            [Membership(contact=contact, group=group) for contact in contacts], batch_size=500
        )
    return {
        "success": True,
        "id": group.id,
        "correct": len(contacts),
        "failed": len(rows) - len(contacts),
    }


# --- The blacklist ---------------------------------------------------------------
# Account-wide, by phone: a number on it gets no messages. Adding a number listed already
# is answered as done (the number stays listed once); removing one not listed is refused.


def _not_listed() -> ApiError:
    return _invalid_data("Numer nie znajduje się na czarnej liście.")


def _blacklist_dict(number: BlacklistedNumber) -> dict:
    return {"phone": number.phone, "added": number.added.strftime("%Y-%m-%d %H:%M:%S")}


def blacklist_index(account: Account, params: dict) -> dict:
    numbers = BlacklistedNumber.objects.filter(account=account)
    # Part of a number: its digits, whatever the spacing or a leading + or 00.
    digits = "".join(ch for ch in (_opt_text(params, "phone") or "") if ch.isdigit())
    if digits:
        numbers = numbers.filter(phone__contains=digits)
    # Newest first, as the API pages its other lists.
    rows, paging = _page_of(numbers, params, frozenset())
    return {"paging": paging, "items": [_blacklist_dict(number) for number in rows]}


def blacklist_add(account: Account, params: dict) -> dict:
    number, _created = BlacklistedNumber.objects.get_or_create(
        account=account, phone=_phone(params)
    )
    return {"success": True, "id": number.id}


def blacklist_delete(account: Account, params: dict) -> dict:
    deleted, _by_model = BlacklistedNumber.objects.filter(
        account=account, phone=_phone(params)
    ).delete()
    if not deleted:
        raise _not_listed()
    return {"success": True}


def blacklist_check(account: Account, params: dict) -> dict:
    phone = _phone(params)
    return {"exists": BlacklistedNumber.objects.filter(account=account, phone=phone).exists()}


ACTIONS: dict[tuple[str, str], Callable[[Account, dict], dict]] = {
    ("groups", "index"): groups_index,
    ("groups", "view"): groups_view,
    ("groups", "add"): groups_add,
    ("groups", "edit"): groups_edit,
    ("groups", "delete"): groups_delete,
    ("groups", "check"): groups_check,
    ("contacts", "index"): contacts_index,
    ("contacts", "view"): contacts_view,
    ("contacts", "add"): contacts_add,
    ("contacts", "edit"): contacts_edit,
    ("contacts", "delete"): contacts_delete,
    ("contacts", "import"): contacts_import,
    ("blacklist", "index"): blacklist_index,
    ("blacklist", "add"): blacklist_add,
    ("blacklist", "delete"): blacklist_delete,
    ("blacklist", "check"): blacklist_check,
}


def authenticate(authorization: str, params: dict) -> Account:
    """The account of a Bearer token, or of the `username`/`password` fields."""
    if authorization.startswith("Bearer "):
        account = Account.by_token(authorization.removeprefix("Bearer ").strip())
        if account is None:
            raise invalid_user()
        return account
    username, password = params.get("username"), params.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or "\x00" in username:
        raise invalid_user()
    account = Account.objects.filter(name=username).first()
    if account is None or not account.check_password(password):
        raise invalid_user()
    return account


def call(authorization: str, resource: str, action: str, params: dict) -> dict:
    """Authenticate, then run one action; the answer or the error object as a dict."""
    from . import variants  # wraps this module's actions

    try:
        account = authenticate(authorization, params)
        # The provider's other plausible behaviours, when SANDBOX_PROVIDER asks for them.
        handler = variants.handler_for(resource, action, ACTIONS.get((resource, action)))
        if handler is None:
            raise invalid_action()
        return handler(account, params)
    except ApiError as error:
        return error.as_dict()
