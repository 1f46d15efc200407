import time

from django.core.management.base import BaseCommand, CommandError

from contacts_ui.sandbox.models import Account
from contacts_ui.sandbox.seed import MAX_CONTACTS, seed_account


class Command(BaseCommand):
    help = (
        "Fill a sandbox account with repeatable, realistic Polish groups and contacts, "
        "replacing the ones it has."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="the sandbox account's name")
        parser.add_argument("--contacts", type=int, required=True, help="how many contacts")
        parser.add_argument("--groups", type=int, required=True, help="how many groups")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if the account already has any contact or group",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="the random seed (default 1); same seed, same data"
        )

    def handle(self, account, contacts, groups, if_empty, seed, **options):
        if not 0 <= contacts <= MAX_CONTACTS:
            raise CommandError(f"--contacts must be between 0 and {MAX_CONTACTS:,}.")
        if groups < 0:
            raise CommandError("--groups must not be negative.")
        name = account
        account = Account.objects.filter(name=name).first()
        if account is None:
            raise CommandError(
                f"There is no sandbox account {name!r}; "
                f"create it first with `manage.py sandbox_account {name} --password P --token T`."
            )

        if if_empty:
            existing_contacts = account.contacts.count()
            existing_groups = account.groups.count()
            if existing_contacts or existing_groups:
                self.stdout.write(
                    f"Sandbox account {name!r} already has {existing_contacts} contacts and "
                    f"{existing_groups} groups; left as it is (--if-empty)."
                )
                return

        started = time.perf_counter()
        cleared, seeded = seed_account(account, contacts=contacts, groups=groups, seed=seed)
        elapsed = time.perf_counter() - started
        if cleared.contacts or cleared.groups:
            self.stdout.write(
                f"Deleted {cleared.contacts} contacts and {cleared.groups} groups "
                f"of sandbox account {name!r}."
            )
        self.stdout.write(
            f"Created {seeded.groups} groups and {seeded.contacts} contacts "
            f"({seeded.memberships} group memberships) in sandbox account {name!r} "
            f"with seed {seed}, in {elapsed:.1f} s."
        )
