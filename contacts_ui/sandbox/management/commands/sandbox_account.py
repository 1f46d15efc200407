from django.core.management.base import BaseCommand, CommandError

from contacts_ui.sandbox.models import Account


class Command(BaseCommand):
    help = "Create or update a sandbox API account: its API username is NAME."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--password", required=True, help="the API user's password")
        parser.add_argument("--token", required=True, help="the account's API token")

    def handle(self, name, password, token, **options):
        if not password or not token:
            raise CommandError("Both --password and --token must be non-empty.")
        account, created = Account.objects.get_or_create(name=name)
        account.set_password(password)
        account.set_token(token)
        account.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} sandbox account {name!r}.")
