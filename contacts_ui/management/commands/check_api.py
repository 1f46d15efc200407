"""`manage.py check_api --user NAME`: the diagnostics page's checks, for an operator."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contacts_ui import diagnostics
from contacts_ui.api_access import api_base_url
from contacts_ui.crypto import SecretUnreadable
from contacts_ui.models import ApiCredentials
from contacts_ui.serwersms import SerwerSMSClient


class Command(BaseCommand):
    help = "Check, read-only, that the SerwerSMS API works with a user's saved credentials."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The staff login whose credentials.")

    def handle(self, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['user']!r}.")
        stored = ApiCredentials.objects.filter(user=user).first()
        if stored is None:
            raise CommandError(f"{user.username} has no saved API credentials.")
        try:
            credentials = stored.as_credentials()
        except SecretUnreadable:
            raise CommandError(
                f"The saved secret of {user.username} can no longer be read "
                "(CREDENTIALS_KEYS changed?); they must enter it again."
            ) from None
        client = SerwerSMSClient(credentials, api_base_url(None))
        findings = diagnostics.run(client)
        self.stdout.write(f"SerwerSMS API at {client.base_url}, as {user.username}:")
        for finding in findings:
            mark = {True: "ok", False: "PROBLEM", None: "-"}[finding.ok]
            self.stdout.write(f"  {mark:8} {finding.check}: {finding.detail}")
        if any(finding.ok is False for finding in findings):
            raise CommandError("The API cannot be used as it is: see the problems above.")
