"""Every URL of the application that a signed-in person may POST to, with what a real form
would send, for the CSRF and the role tests; the `url_data` fixture (conftest) gives the
records its placeholders name."""

from contacts_ui import urls as app_urls

# A route's parameters, as the lists below write them.
PLACEHOLDERS = [
    ("<int:contact_id>", "{contact}"),
    ("<int:group_id>", "{group}"),
    ("<int:entry_id>", "{entry}"),
    ("<uuid:batch>", "{batch}"),
    ("<uuid:job_id>", "{job}"),
    ("<int:upload_id>", "{upload}"),
    ("<int:user_id>", "{person}"),
    ("<str:uidb64>", "{uid}"),
    ("<str:token>", "{token}"),
]


def app_routes() -> set[str]:
    """Every route of the application's own URLs (contacts_ui.urls), written as below."""
    routes = set()
    for pattern in app_urls.urlpatterns:
        route = "/" + str(pattern.pattern)
        for placeholder, name in PLACEHOLDERS:
            route = route.replace(placeholder, name)
        routes.add(route)
    return routes


NEW_PASSWORD = "N3w-pass-for-tests"

# Every URL that answers a signed-in user's POST, with what a real form would send.
SIGNED_IN_POSTS = [
    ("/", {}),
    ("/contacts/", {"n": "100"}),
    ("/contacts/add/", {"phone": "+48500600701", "first_name": "Ghost"}),
    ("/contacts/export.csv", {}),
    ("/contacts/action/", {"action": "delete", "_selected_action": "{contact}", "post": "yes"}),
    ("/contacts/count/", {}),
    ("/contacts/total/", {}),
    ("/contacts/columns/", {"columns": "tax_id"}),
    ("/contacts/page-size/", {"n": "100"}),
    (
        "/contacts/{contact}/change/",
        {"phone": "+48500600702", "first_name": "Changed", "groups_shown": "1"},
    ),
    ("/contacts/{contact}/delete/", {}),
    ("/contacts/{contact}/delete/row/", {}),
    ("/contacts/{contact}/blacklist/", {"listed": "yes"}),
    ("/find/", {"phone": "500600700"}),
    ("/blacklist/", {}),
    ("/blacklist/add/", {"phone": "500600701"}),
    ("/blacklist/remove/", {"phone": "500600701"}),
    ("/cleanup/", {}),
    ("/cleanup/scan/", {}),
    ("/cleanup/empty-groups/delete/", {"id": "{group}", "post": "yes"}),
    ("/cleanup/no-group/add/", {"id": "{contact}", "group_id": "{group}", "post": "yes"}),
    ("/cleanup/contacts/merge/", {"keep": "{contact}", "post": "yes"}),
    ("/cleanup/groups/merge/", {"keep": "{group}", "post": "yes"}),
    ("/groups/", {}),
    ("/groups/add/", {"name": "Ghost"}),
    ("/groups/{group}/change/", {"name": "Renamed"}),
    ("/groups/{group}/delete/", {"delete_contacts": "on"}),
    ("/settings/credentials/", {"auth_style": "token", "secret": "bob-token"}),
    ("/accounts/two-factor/", {"code": "000000"}),
    ("/settings/two-factor/", {}),
    ("/settings/two-factor/setup/", {"code": "000000"}),
    ("/settings/two-factor/recovery-codes/", {}),
    ("/settings/two-factor/off/", {"code": "000000"}),
    ("/people/invite/", {"email": "ewa.nowak@example.com", "role": "Editor"}),
    ("/people/{person}/credentials/", {"auth_style": "token", "secret": "bob-token"}),
    (
        "/invitation/{uid}/{token}/",
        {"new_password1": "Nowe-hasło-1", "new_password2": "Nowe-hasło-1"},
    ),
    # The company's sign-in (answering only when it is set up) and its callback.
    ("/oidc/authenticate/", {}),
    ("/oidc/callback/", {"code": "x", "state": "y"}),
    ("/history/", {}),
    ("/history/{entry}/", {}),
    ("/history/{entry}/undo/", {}),
    ("/trash/", {}),
    ("/trash/restore/", {"entry": "{entry}"}),
    ("/history/batch/{batch}/undo/", {"entry": "{entry}"}),
    ("/jobs/", {}),
    ("/jobs/{job}/", {}),
    ("/jobs/{job}/cancel/", {}),
    ("/jobs/{job}/retry/", {}),
    ("/jobs/{job}/failed.csv", {}),
    ("/import/", {}),
    ("/import/{upload}/", {"c1": "phone", "header": "on"}),
    ("/import/{upload}/preview/", {"c1": "phone", "header": "on"}),
    ("/import/{upload}/errors.csv", {"c1": "phone", "header": "on"}),
    ("/import/{upload}/start/", {"c1": "phone", "header": "on"}),
    ("/jsi18n/", {}),
    ("/settings/diagnostics/", {}),
    ("/accounts/logout/", {}),
    (
        "/accounts/password_change/",
        {
            "old_password": "pass-for-tests",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    ("/i18n/setlang/", {"language": "pl", "next": "/groups/"}),
    ("/admin/logout/", {}),
]
