"""Named users for view tests: alice and bob each own a sandbox account; charlie has none."""

from django.contrib.auth.models import User

from contacts_ui.models import ApiCredentials


def make_user(username: str, token: str | None = None) -> User:
    user = User.objects.create_user(username, password="pass-for-tests")
    if token is not None:
        credentials = ApiCredentials(user=user, auth_style=ApiCredentials.TOKEN)
        credentials.set_secret(token)
        credentials.save()
    return user
