from django.apps import AppConfig


class ContactsUIConfig(AppConfig):
    name = "contacts_ui"
    verbose_name = "SerwerSMS Contacts"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
