"""Encryption of stored API secrets with Fernet, keys from CREDENTIALS_KEYS.

The first key encrypts; every key decrypts, so a new key can be put first
while secrets written under the old ones stay readable until re-encrypted
(`manage.py rotate_credentials`).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """No configured key opens this secret (a key was removed too early)."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CREDENTIALS_KEYS])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


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
