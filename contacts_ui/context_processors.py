"""What the admin's own templates expect from AdminSite.each_context()."""

import functools

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import roles

SITE_HEADER = _("SerwerSMS Contacts")


def _sidebar_apps(user) -> list[dict]:
    """The shape of AdminSite.get_app_list(), so that admin/app_list.html renders it: each
    entry only for those whose role allows it, its Add link only for those who may add."""
    may = functools.partial(roles.may, user)
    apps = [
        {
            "name": _("Address book"),
            "app_label": "address_book",
            "app_url": reverse("contacts_ui:contact_list"),
            "models": [
                {
                    "name": _("Contacts"),
                    "object_name": "contact",
                    "shown": may(roles.VIEW),
                    "admin_url": reverse("contacts_ui:contact_list"),
                    "add_url": reverse("contacts_ui:contact_add") if may(roles.EDIT) else None,
                },
                {
                    "name": _("Groups"),
                    "object_name": "group",
                    "shown": may(roles.VIEW),
                    "admin_url": reverse("contacts_ui:group_list"),
                    "add_url": reverse("contacts_ui:group_add") if may(roles.EDIT) else None,
                },
                {
                    "name": _("Find by phone"),
                    "object_name": "find",
                    "shown": may(roles.VIEW),
                    "admin_url": reverse("contacts_ui:find_by_phone"),
                    "add_url": None,
                },
                {
                    "name": _("Blacklist"),
                    "object_name": "blacklist",
                    "shown": may(roles.VIEW),
                    "admin_url": reverse("contacts_ui:blacklist"),
                    "add_url": None,
                },
                {
                    "name": _("Import contacts"),
                    "object_name": "import",
                    "shown": may(roles.IMPORT),
                    "admin_url": reverse("contacts_ui:import_upload"),
                    "add_url": None,
                },
                {
                    "name": _("Cleanup"),
                    "object_name": "cleanup",
                    "shown": may(roles.CLEANUP),
                    "admin_url": reverse("contacts_ui:cleanup"),
                    "add_url": None,
                },
            ],
        },
        {
            "name": _("Activity"),
            "app_label": "activity",
            "app_url": reverse("contacts_ui:history_list"),
            "models": [
                {
                    "name": _("History"),
                    "object_name": "history",
                    "shown": may(roles.VIEW),
                    "admin_url": reverse("contacts_ui:history_list"),
                    "add_url": None,
                },
                {
                    "name": _("Trash"),
                    "object_name": "trash",
                    "shown": may(roles.UNDO_OWN),
                    "admin_url": reverse("contacts_ui:trash_list"),
                    "add_url": None,
                },
                {
                    "name": _("Background work"),
                    "object_name": "job",
                    "shown": may(roles.VIEW),
                    "admin_url": reverse("contacts_ui:job_list"),
                    "add_url": None,
                },
            ],
        },
        {
            "name": _("Settings"),
            "app_label": "settings",
            "app_url": reverse("contacts_ui:credentials"),
            "models": [
                {
                    "name": _("My API credentials"),
                    "object_name": "credentials",
                    "shown": True,
                    "admin_url": reverse("contacts_ui:credentials"),
                    "add_url": None,
                },
                {
                    "name": _("Two-factor sign-in"),
                    "object_name": "two_factor",
                    "shown": True,
                    "admin_url": reverse("contacts_ui:two_factor"),
                    "add_url": None,
                },
                {
                    "name": _("Invite a person"),
                    "object_name": "invitation",
                    "shown": user.is_superuser,
                    "admin_url": reverse("contacts_ui:people_invite"),
                    "add_url": None,
                },
            ],
        },
    ]
    for app in apps:
        app["models"] = [model for model in app["models"] if model.pop("shown")]
    return [app for app in apps if app["models"]]


def site(request):
    signed_in = bool(getattr(request, "user", None) and request.user.is_authenticated)
    return {
        "site_header": SITE_HEADER,
        "site_title": SITE_HEADER,
        "site_url": None,
        "has_permission": signed_in,
        # Off: no password signs in, so none is offered to change (see the login page).
        "password_sign_in": settings.PASSWORD_SIGN_IN,
        "is_nav_sidebar_enabled": signed_in,
        # A function, which a template calls only where it shows the sidebar: an htmx
        # partial never does, and saves the URLs' reversing.
        "available_apps": functools.partial(_sidebar_apps, request.user) if signed_in else [],
        "is_popup": False,
    }
