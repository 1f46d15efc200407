from django.apps import AppConfig


class ContactsUIConfig(AppConfig):
    name = "contacts_ui"
    verbose_name = "SerwerSMS Contacts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # checks registers the system checks; second_factor notes at sign-in what is owed.
        from . import checks, second_factor  # noqa: F401
        from .auth import clear_own_login_failures

        user_logged_in.connect(clear_own_login_failures, dispatch_uid="clear_own_login_failures")
