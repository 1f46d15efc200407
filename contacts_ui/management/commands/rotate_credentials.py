from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts_ui.crypto import SecretUnreadable, rotate
from contacts_ui.models import ApiCredentials


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored API secret with the first key of CREDENTIALS_KEYS, "
        "so that older keys can then be removed."
    )

    def handle(self, **options):
        rotated, unreadable = 0, []
        with transaction.atomic():
            for credentials in ApiCredentials.objects.select_for_update().select_related("user"):
                try:
                    credentials.encrypted_secret = rotate(credentials.encrypted_secret)
                except SecretUnreadable:
                    unreadable.append(credentials.user.get_username())
                    continue
                credentials.save(update_fields=["encrypted_secret"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} stored secret(s) with the newest key.")
        if unreadable:
            raise CommandError(
                "No configured key opens the secrets of: "
                + ", ".join(unreadable)
                + ". Keep the old key in CREDENTIALS_KEYS, or have these users enter them again."
            )
