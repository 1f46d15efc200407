"""Who may do what (contacts_ui.roles): every URL of the application, GET and POST, for each
role and for someone given none, allowed or refused with a plain 403 page that changes
nothing. A new URL without a rule here fails test_every_url_has_a_rule."""

import pytest
from django.urls import get_resolver

from contacts_ui import roles
from tests.db_snapshot import every_row
from tests.every_url import SIGNED_IN_POSTS, app_routes
from tests.helpers import give_role

pytestmark = pytest.mark.django_db(transaction=True)

ANYONE = None  # any signed-in person, with a role or without
VIEW, EDIT, BLACKLIST, UNDO = roles.VIEW, roles.EDIT, roles.BLACKLIST, roles.UNDO_OWN
BULK, IMPORT, CLEANUP = roles.BULK, roles.IMPORT, roles.CLEANUP

# URL: (what a GET needs, what a POST needs), with the fields of tests.every_url's POSTs.
RULES = {
    "/": (ANYONE, ANYONE),
    "/contacts/": (VIEW, VIEW),
    "/contacts/add/": (EDIT, EDIT),
    "/contacts/export.csv": (VIEW, VIEW),
    "/contacts/action/": (BULK, BULK),
    "/contacts/count/": (BULK, BULK),
    # How many contacts the list finds: everyone who sees the list.
    "/contacts/total/": (VIEW, VIEW),
    "/contacts/columns/": (VIEW, VIEW),
    "/contacts/page-size/": (VIEW, VIEW),
    # A Viewer sees a contact or a group read-only; saving it is an Editor's.
    "/contacts/{contact}/change/": (VIEW, EDIT),
    "/contacts/{contact}/delete/": (EDIT, EDIT),
    "/contacts/{contact}/delete/row/": (EDIT, EDIT),
    "/contacts/{contact}/blacklist/": (BLACKLIST, BLACKLIST),
    "/find/": (VIEW, VIEW),
    "/blacklist/": (VIEW, VIEW),
    "/blacklist/add/": (BLACKLIST, BLACKLIST),
    "/blacklist/remove/": (BLACKLIST, BLACKLIST),
    "/cleanup/": (CLEANUP, CLEANUP),
    "/cleanup/scan/": (CLEANUP, CLEANUP),
    "/cleanup/empty-groups/delete/": (CLEANUP, CLEANUP),
    "/cleanup/no-group/add/": (CLEANUP, CLEANUP),
    "/cleanup/contacts/merge/": (CLEANUP, CLEANUP),
    "/cleanup/groups/merge/": (CLEANUP, CLEANUP),
    "/groups/": (VIEW, VIEW),
    "/groups/add/": (EDIT, EDIT),
    "/groups/{group}/change/": (VIEW, EDIT),
    # The POST asks to delete the group's contacts too: a Manager's.
    "/groups/{group}/delete/": (EDIT, roles.DELETE_GROUP_WITH_CONTACTS),
    "/settings/credentials/": (ANYONE, ANYONE),
    # Two-factor sign-in: each person's own, with a role or without.
    "/accounts/two-factor/": (ANYONE, ANYONE),
    "/settings/two-factor/": (ANYONE, ANYONE),
    "/settings/two-factor/setup/": (ANYONE, ANYONE),
    "/settings/two-factor/recovery-codes/": (ANYONE, ANYONE),
    "/settings/two-factor/off/": (ANYONE, ANYONE),
    # A superuser's alone: no role holds it.
    "/people/invite/": (roles.MANAGE_PEOPLE, roles.MANAGE_PEOPLE),
    "/people/{person}/credentials/": (roles.MANAGE_PEOPLE, roles.MANAGE_PEOPLE),
    # The invitation's link, for someone not signed in yet.
    "/invitation/{uid}/{token}/": (ANYONE, ANYONE),
    # The company's sign-in, for someone not signed in yet.
    "/oidc/authenticate/": (ANYONE, ANYONE),
    "/oidc/callback/": (ANYONE, ANYONE),
    "/history/": (VIEW, VIEW),
    "/history/{entry}/": (VIEW, VIEW),
    "/history/{entry}/undo/": (UNDO, UNDO),
    "/trash/": (UNDO, UNDO),
    "/trash/restore/": (UNDO, UNDO),
    "/history/batch/{batch}/undo/": (UNDO, UNDO),
    "/jobs/": (VIEW, VIEW),
    "/jobs/{job}/": (VIEW, VIEW),
    "/jobs/{job}/cancel/": (VIEW, VIEW),
    "/jobs/{job}/retry/": (VIEW, VIEW),
    "/jobs/{job}/failed.csv": (IMPORT, IMPORT),
    "/import/": (IMPORT, IMPORT),
    "/import/{upload}/": (IMPORT, IMPORT),
    "/import/{upload}/preview/": (IMPORT, IMPORT),
    "/import/{upload}/errors.csv": (IMPORT, IMPORT),
    "/import/{upload}/start/": (IMPORT, IMPORT),
    "/jsi18n/": (ANYONE, ANYONE),
    "/settings/diagnostics/": (VIEW, VIEW),
    "/accounts/logout/": (ANYONE, ANYONE),
    "/accounts/password_change/": (ANYONE, ANYONE),
    "/i18n/setlang/": (ANYONE, ANYONE),
    "/admin/logout/": (ANYONE, ANYONE),
}
FIELDS = dict(SIGNED_IN_POSTS)
# No role at all, then each role; the refused first, so that what an allowed request
# changes does not hide a refused one's changes.
WHO = [None, roles.VIEWER, roles.EDITOR, roles.MANAGER]


def _holds(role: str | None, needed: str | None) -> bool:
    return needed is ANYONE or (role is not None and needed in roles.ROLES[role])


def _request(client, method: str, url: str, data: dict):
    if method == "get":
        return client.get(url.format(**data))
    fields = {name: value.format(**data) for name, value in FIELDS[url].items()}
    return client.post(url.format(**data), fields)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", list(RULES))
def test_each_role_is_allowed_or_refused_as_the_rules_say(client, alice, url_data, url, method):
    needed = RULES[url][0 if method == "get" else 1]
    refused = [who for who in WHO if not _holds(who, needed)]
    allowed = [who for who in WHO if _holds(who, needed)]
    for who in refused:
        client.force_login(give_role(alice, who))
        before = every_row(leave_out=("sessions.session", "axes.accesslog"))
        response = _request(client, method, url, url_data)
        assert response.status_code == 403, (who, response.status_code)
        page = response.content.decode()
        assert "You may not do this" in page
        assert ("Your role here is" in page) == (who is not None)
        assert every_row(leave_out=("sessions.session", "axes.accesslog")) == before, who
    for who in allowed:
        client.force_login(give_role(alice, who))
        response = _request(client, method, url, url_data)
        assert response.status_code not in (403, 500), (who, response.status_code)


def test_every_url_has_a_rule():
    assert app_routes() <= set(RULES), sorted(app_routes() - set(RULES))
    assert set(FIELDS) == set(RULES)


def test_each_views_own_permission_is_what_a_get_needs():
    """The permission a view asks for (contacts_ui.roles.permission_required) is the rule's:
    a view whose decorator is changed, or forgotten, fails here as well as above."""
    resolver = get_resolver()
    for url, (get_needs, _post_needs) in RULES.items():
        if not url.startswith(("/accounts/", "/admin/", "/i18n/")):
            path = url.format(
                contact=1,
                group=1,
                entry=1,
                upload=1,
                uid="MQ",
                token="t",
                batch="0" * 32,
                job="0" * 32,
                person=1,
            )
            path = path.replace("0" * 32, "00000000-0000-0000-0000-000000000000")
            view = resolver.resolve(path).func
            assert getattr(view, "required_permission", None) == get_needs, url
