"""Encryption of stored API secrets with Fernet, keys from CREDENTIALS_KEYS.

The first key encrypts; every key decrypts, so a new key can be put first
while secrets written under the old ones stay readable until re-encrypted
(`manage.py rotate_credentials`).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


class SecretUnreadable(Exception):
    """No configured key opens this secret (a key was removed too early)."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CREDENTIALS_KEYS])


# Error reports show none of these frames' local variables: they hold the plaintext secret.


@sensitive_variables()
def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


@sensitive_variables()
def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The stored API secret cannot be decrypted with the keys in CREDENTIALS_KEYS."
        ) from None


def rotate(token: str) -> str:
    """The same secret, encrypted again under the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The stored API secret cannot be decrypted with the keys in CREDENTIALS_KEYS."
        ) from None
