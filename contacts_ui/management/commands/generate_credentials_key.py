from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new Fernet key for CREDENTIALS_KEYS."

    def handle(self, **options):
        self.stdout.write(Fernet.generate_key().decode())
