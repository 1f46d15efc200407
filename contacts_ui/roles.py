"""Who may do what: three roles, each a Django group of permissions (made by migration 0015,
editable in the admin), and the one decorator every view uses to ask for a permission.

A Viewer searches, views and exports; an Editor also adds, changes and deletes single
contacts and groups, keeps the blacklist and undoes their own changes; a Manager also runs
bulk actions, imports, cleanups and merges, deletes a group with its contacts, undoes
anyone's change and sees everyone's history. A superuser has every permission and manages
people in the admin. A user in no group may sign in, but may only enter their credentials.
"""

import functools

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

APP = "contacts_ui"

VIEW = "view_address_book"
EDIT = "edit_address_book"
BLACKLIST = "change_blacklist"
UNDO_OWN = "undo_own_changes"
BULK = "run_bulk_actions"
IMPORT = "import_contacts"
CLEANUP = "clean_up"
DELETE_GROUP_WITH_CONTACTS = "delete_group_with_contacts"
UNDO_ANY = "undo_any_change"
ALL_HISTORY = "view_all_history"

# Managing people (invitations, roles, the admin) is a superuser's alone: no role holds it.
MANAGE_PEOPLE = "manage_people"

# (codename, name): the permissions of the unmanaged model contacts_ui.Access.
PERMISSIONS = [
    (VIEW, "Can search, view and export contacts and groups"),
    (EDIT, "Can add, change and delete single contacts and groups"),
    (BLACKLIST, "Can put numbers on the blacklist and take them off"),
    (UNDO_OWN, "Can undo their own changes"),
    (BULK, "Can run bulk actions on contacts"),
    (IMPORT, "Can import contacts"),
    (CLEANUP, "Can run the cleanup and merge duplicates"),
    (DELETE_GROUP_WITH_CONTACTS, "Can delete a group with its contacts"),
    (UNDO_ANY, "Can undo anyone's change"),
    (ALL_HISTORY, "Can see everyone's history"),
]

VIEWER, EDITOR, MANAGER = "Viewer", "Editor", "Manager"
ROLES = {
    VIEWER: [VIEW],
    EDITOR: [VIEW, EDIT, BLACKLIST, UNDO_OWN],
    MANAGER: [
        VIEW,
        EDIT,
        BLACKLIST,
        UNDO_OWN,
        BULK,
        IMPORT,
        CLEANUP,
        DELETE_GROUP_WITH_CONTACTS,
        UNDO_ANY,
        ALL_HISTORY,
    ],
}
ROLE_LABELS = {VIEWER: _("Viewer"), EDITOR: _("Editor"), MANAGER: _("Manager")}


def may(user, codename: str) -> bool:
    """Whether the user holds this permission of the application (a superuser holds all)."""
    return bool(user and user.is_active and user.has_perm(f"{APP}.{codename}"))


def refuse_unless(user, codename: str) -> None:
    """A PermissionDenied (a plain 403 page) unless the user holds the permission."""
    if not may(user, codename):
        raise PermissionDenied(codename)


def permission_required(codename: str, *, post: str | None = None):
    """The view needs this permission (and, for a POST, `post` as well when given: a page
    anyone with `codename` may look at, whose form only some may send). Without it the
    answer is a 403 with a plain page, never a redirect to the login page. Use under
    @login_required. The codename is kept on the view for the access table's test."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            refuse_unless(request.user, codename)
            if post is not None and request.method == "POST":
                refuse_unless(request.user, post)
            return view(request, *args, **kwargs)

        wrapper.required_permission = codename
        return wrapper

    return decorator


def role_group(role: str):
    """The role's group, made with its permissions if it is missing (a test's flushed
    database, the demo login); an existing group is left as an administrator edited it."""
    from django.contrib.auth.models import Group, Permission

    group, created = Group.objects.get_or_create(name=role)
    if created:
        group.permissions.set(
            Permission.objects.filter(content_type__app_label=APP, codename__in=ROLES[role])
        )
    return group


def role_of(user) -> str | None:
    """The highest of the three roles the user is in, by group name; None for none."""
    return highest_role(user.groups.values_list("name", flat=True))


def highest_role(names) -> str | None:
    """The highest of the three roles among these names (groups', or a claim's)."""
    names = set(names)
    return next((role for role in (MANAGER, EDITOR, VIEWER) if role in names), None)


def set_role(user, role: str | None) -> None:
    """Put the person in this role's group and out of the other roles' (None: in none)."""
    from django.contrib.auth.models import Group

    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    if role is not None:
        user.groups.add(role_group(role))
