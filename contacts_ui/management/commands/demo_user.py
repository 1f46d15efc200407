from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from contacts_ui.models import ApiCredentials


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo staff login demo/demo, a superuser (it may do "
        "everything, managing people included), with API credentials (a token) for the "
        "embedded sandbox."
    )

    def add_arguments(self, parser):
        parser.add_argument("--token", required=True, help="the sandbox account's API token")
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")

    def handle(self, token, username, password, **options):
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        credentials, _ = ApiCredentials.objects.get_or_create(
            user=user, defaults={"auth_style": ApiCredentials.TOKEN}
        )
        credentials.auth_style = ApiCredentials.TOKEN
        credentials.username = ""
        credentials.set_secret(token)
        credentials.save()
        self.stdout.write(
            f"{'Created' if created else 'Updated'} the demo login {username} / {password}."
        )
