from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "contacts_ui.sandbox"
    label = "sandbox"
    verbose_name = "SerwerSMS API sandbox"
