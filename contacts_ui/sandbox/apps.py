from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SandboxConfig(AppConfig):
    name = "contacts_ui.sandbox"
    label = "sandbox"
    verbose_name = "SerwerSMS API sandbox"

    def ready(self) -> None:
        from . import collation

        connection_created.connect(collation.register, dispatch_uid="sandbox-collation")
