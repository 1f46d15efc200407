"""The sandbox's own store: accounts, their groups, their contacts and their blacklists.

This is a stand-in for the provider's database, used only by the embedded
sandbox API. The product never imports it.
"""

import hashlib
import hmac

from django.db import models

from .collation import NAME as POLISH


def _digest(value: str) -> str:
    # The sandbox checks secrets on every call, so a fast digest is used rather
    # than Django's deliberately slow password hashers. These are test
    # credentials for a stand-in API, never real ones.
    return hashlib.sha256(value.encode()).hexdigest()


class Account(models.Model):
    """One SerwerSMS customer account with its API user and token."""

    name = models.CharField(max_length=100, unique=True)
    password_digest = models.CharField(max_length=64)
    token_digest = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return self.name

    def set_password(self, password: str) -> None:
        self.password_digest = _digest(password)

    def set_token(self, token: str) -> None:
        self.token_digest = _digest(token)

    def check_password(self, password: str) -> bool:
        return hmac.compare_digest(self.password_digest, _digest(password))

    @classmethod
    def by_token(cls, token: str) -> "Account | None":
        return cls.objects.filter(token_digest=_digest(token)).first()


class Group(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100, db_collation=POLISH)

    class Meta:
        indexes = [models.Index(fields=["account", "name"])]

    def __str__(self) -> str:
        return self.name


CONTACT_TEXT_FIELDS = (
    "phone",
    "email",
    "first_name",
    "last_name",
    "company",
    "tax_id",
    "address",
    "city",
    "description",
)


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    phone = models.CharField(max_length=255, db_collation=POLISH)
    email = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    first_name = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    last_name = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    company = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    tax_id = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    address = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    city = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    description = models.CharField(max_length=255, blank=True, db_collation=POLISH)
    # Lower-cased copy of every searchable field, so that a search is one
    # substring match on one column, the same on SQLite and PostgreSQL.
    search_text = models.TextField(editable=False, default="")
    groups = models.ManyToManyField(Group, through="Membership", related_name="contacts")

    class Meta:
        indexes = [models.Index(fields=["account", field]) for field in CONTACT_TEXT_FIELDS] + [
            models.Index(fields=["account", "id"])
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} {self.phone}".strip()

    def refresh_search_text(self) -> None:
        self.search_text = build_search_text(self)


def build_search_text(contact: Contact) -> str:
    # A newline between fields keeps a phrase from matching across two fields,
    # except the name, kept whole so that "Anna Kowalska" finds Anna Kowalska.
    parts = [f"{contact.first_name} {contact.last_name}"]
    parts += [
        getattr(contact, f) for f in CONTACT_TEXT_FIELDS if f not in ("first_name", "last_name")
    ]
    return "\n".join(parts).lower()


class Membership(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "group"], name="unique_membership")
        ]
        indexes = [models.Index(fields=["group", "contact"])]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.group_id}"


class BlacklistedNumber(models.Model):
    """A number on the account's blacklist: it gets no messages. Account-wide, by phone: a
    contact's `blacklist` flag says whether its phone is here."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="blacklist")
    phone = models.CharField(max_length=32)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "phone"], name="unique_blacklisted_number")
        ]

    def __str__(self) -> str:
        return self.phone
