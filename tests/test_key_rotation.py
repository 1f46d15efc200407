"""Rotating CREDENTIALS_KEYS, as an operator does it: put a new key first, run
`rotate_credentials`, then drop the old key. What tests/test_credentials_model.py
covers (one secret through one rotation) is not repeated here."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError

from contacts_ui.models import ApiCredentials
from contacts_ui.sandbox.models import Group
from tests.helpers import make_user
from tests.test_deploy_settings import production_env, run_python

pytestmark = pytest.mark.django_db(transaction=True)

UNREADABLE = "Your saved API secret can no longer be read"


def new_key() -> str:
    return Fernet.generate_key().decode()


def opens(key: str, stored: ApiCredentials) -> bool:
    """Whether this one key alone decrypts the stored secret."""
    try:
        Fernet(key).decrypt(stored.encrypted_secret.encode())
    except InvalidToken:
        return False
    return True


def test_credentials_keys_are_read_from_the_environment_newest_first():
    first, second = new_key(), new_key()
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(' '.join(s.CREDENTIALS_KEYS))"
    )
    result = run_python(production_env(CREDENTIALS_KEYS=f"{first},{second}"), "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [first, second]


def test_a_secret_saved_after_a_new_key_is_put_first_is_encrypted_with_it(settings, db):
    old, new = new_key(), new_key()
    settings.CREDENTIALS_KEYS = [new, old]
    stored = make_user("alice", token="alice-token").api_credentials
    assert opens(new, stored)
    assert not opens(old, stored)


def test_rotate_credentials_rewrites_every_row_for_the_newest_key_alone(settings, db):
    oldest, older, newest = new_key(), new_key(), new_key()
    settings.CREDENTIALS_KEYS = [oldest]
    make_user("alice", token="alice-token")
    make_user("bob", token="bob-token")
    settings.CREDENTIALS_KEYS = [older, oldest]
    make_user("erin", token="erin-token")
    settings.CREDENTIALS_KEYS = [newest, older, oldest]
    before = dict(ApiCredentials.objects.values_list("user__username", "encrypted_secret"))

    call_command("rotate_credentials")

    settings.CREDENTIALS_KEYS = [newest]
    for stored in ApiCredentials.objects.select_related("user"):
        username = stored.user.username
        assert stored.encrypted_secret != before[username]
        assert opens(newest, stored)
        assert not opens(older, stored) and not opens(oldest, stored)
        assert stored.get_secret() == f"{username}-token"


def test_rotate_credentials_says_how_many_it_re_encrypted(settings, db, capsys):
    settings.CREDENTIALS_KEYS = [new_key()]
    make_user("alice", token="alice-token")
    make_user("bob", token="bob-token")
    call_command("rotate_credentials")
    assert "Re-encrypted 2 stored secret(s) with the newest key." in capsys.readouterr().out


def test_rotate_credentials_can_run_twice(settings, db):
    settings.CREDENTIALS_KEYS = [new_key()]
    make_user("alice", token="alice-token")
    call_command("rotate_credentials")
    call_command("rotate_credentials")
    assert ApiCredentials.objects.get().get_secret() == "alice-token"


def test_rotate_credentials_re_encrypts_the_readable_rows_past_an_unreadable_one(settings, db):
    lost, old, new = new_key(), new_key(), new_key()
    settings.CREDENTIALS_KEYS = [lost]
    make_user("alice", token="alice-token")
    settings.CREDENTIALS_KEYS = [old]
    make_user("bob", token="bob-token")
    settings.CREDENTIALS_KEYS = [new, old]
    alices_before = ApiCredentials.objects.get(user__username="alice").encrypted_secret

    with pytest.raises(CommandError, match="alice"):
        call_command("rotate_credentials")

    assert opens(new, ApiCredentials.objects.get(user__username="bob"))
    assert ApiCredentials.objects.get(user__username="alice").encrypted_secret == alices_before


# --- The app across a rotation ----------------------------------------------------------


def test_the_app_keeps_working_through_a_whole_rotation(client, settings, alice_account, api_url):
    Group.objects.create(account=alice_account, name="Klienci")
    old, new = new_key(), new_key()
    settings.CREDENTIALS_KEYS = [old]
    client.force_login(make_user("alice", token="alice-token"))
    assert "Klienci" in client.get("/groups/").content.decode()

    settings.CREDENTIALS_KEYS = [new, old]
    assert "Klienci" in client.get("/groups/").content.decode()

    call_command("rotate_credentials")
    settings.CREDENTIALS_KEYS = [new]
    assert "Klienci" in client.get("/groups/").content.decode()


@pytest.mark.parametrize(
    "method, url, htmx",
    [
        ("get", "/contacts/", False),
        ("get", "/contacts/?q=Jan", True),
        ("get", "/contacts/add/", False),
        ("get", "/contacts/1/change/", False),
        ("get", "/find/?phone=500600700", False),
        ("get", "/groups/", False),
        ("get", "/groups/add/", True),
        ("post", "/groups/add/", False),
        ("post", "/contacts/1/delete/row/", True),
    ],
)
def test_a_secret_under_a_dropped_key_sends_the_user_to_enter_it_again(
    client, settings, api_url, method, url, htmx
):
    settings.CREDENTIALS_KEYS = [new_key()]
    client.force_login(make_user("alice", token="alice-token"))
    settings.CREDENTIALS_KEYS = [new_key()]  # the old key dropped before rotating
    headers = {"HX-Request": "true"} if htmx else {}
    response = getattr(client, method)(url, headers=headers)
    assert response.status_code == 302
    assert response.url.startswith("/settings/credentials/?next=")
    page = client.get(response.url).content.decode()
    assert UNREADABLE in page


def test_the_credentials_page_asks_again_for_a_secret_it_cannot_read(
    client, settings, alice_account, api_url
):
    settings.CREDENTIALS_KEYS = [new_key()]
    user = make_user("alice", token="alice-token")
    client.force_login(user)
    current = new_key()
    settings.CREDENTIALS_KEYS = [current]

    assert client.get("/settings/credentials/").status_code == 200
    kept = client.post("/settings/credentials/", {"auth_style": "token", "secret": ""})
    assert kept.status_code == 200
    assert "The saved secret can no longer be read; enter it again." in kept.content.decode()

    entered = client.post(
        "/settings/credentials/", {"auth_style": "token", "secret": "alice-token"}
    )
    assert entered.status_code == 302
    assert opens(current, ApiCredentials.objects.get(user=user))
    assert client.get("/groups/").status_code == 200
