"""Stored API secrets: encrypted at rest, readable across key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from contacts_ui.crypto import SecretUnreadable
from contacts_ui.models import ApiCredentials

pytestmark = pytest.mark.django_db

SECRET = "tajny-token-ÅÓ-123"


def _stored_for(username: str, secret: str = SECRET) -> ApiCredentials:
    user = User.objects.create_user(username)
    credentials = ApiCredentials(user=user, auth_style=ApiCredentials.TOKEN)
    credentials.set_secret(secret)
    credentials.save()
    return credentials


def _raw_column(credentials: ApiCredentials) -> str:
    table = ApiCredentials._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT encrypted_secret FROM {table} WHERE id = %s", [credentials.id])
        return cursor.fetchone()[0]


def test_the_database_never_holds_the_secret_in_clear():
    credentials = _stored_for("alice")
    raw = _raw_column(credentials)
    assert SECRET not in raw
    assert SECRET.encode().hex() not in raw
    assert ApiCredentials.objects.get(id=credentials.id).get_secret() == SECRET


def test_the_same_secret_encrypts_differently_each_time():
    assert _raw_column(_stored_for("alice")) != _raw_column(_stored_for("bob"))


def test_a_new_key_put_first_still_reads_old_secrets(settings):
    old_key = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [old_key]
    credentials = _stored_for("alice")
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode(), old_key]
    assert ApiCredentials.objects.get(id=credentials.id).get_secret() == SECRET


def test_rotate_credentials_re_encrypts_with_the_newest_key(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [old_key]
    credentials = _stored_for("alice")
    settings.CREDENTIALS_KEYS = [new_key, old_key]
    call_command("rotate_credentials")
    settings.CREDENTIALS_KEYS = [new_key]  # the old key can go now
    assert ApiCredentials.objects.get(id=credentials.id).get_secret() == SECRET


def test_a_removed_key_makes_the_secret_unreadable_not_wrong(settings):
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    credentials = _stored_for("alice")
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretUnreadable):
        ApiCredentials.objects.get(id=credentials.id).get_secret()


def test_rotate_credentials_names_the_users_it_could_not_read(settings):
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    _stored_for("alice")
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="alice"):
        call_command("rotate_credentials")


def test_the_secret_is_not_in_the_credentials_repr():
    credentials = _stored_for("alice").as_credentials()
    assert credentials.secret == SECRET
    assert SECRET not in repr(credentials)
