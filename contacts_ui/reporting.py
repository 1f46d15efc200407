"""Error reports (mailed to ADMINS, or shown with DEBUG) that never carry an API secret."""

from django.views.debug import SafeExceptionReporterFilter

# The frames that hold a secret in their local variables: the service module's
# (the Authorization header, the password in the body) and those of the HTTP
# client beneath it, down to the socket.
MODULES_HOLDING_SECRETS = ("contacts_ui.serwersms", "requests", "urllib3", "http.client")


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, and the local variables of those frames hidden whole.

    @sensitive_variables covers our own frames that hold the plaintext secret (crypto,
    ApiCredentials.set_secret, group_list.account_key, CredentialsForm.clean) but cannot
    mark the libraries' (requests keeps the headers and the encoded body in several).
    """

    def get_traceback_frame_variables(self, request, tb_frame):
        module = tb_frame.f_globals.get("__name__", "")
        if any(module == name or module.startswith(name + ".") for name in MODULES_HOLDING_SECRETS):
            return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
        return super().get_traceback_frame_variables(request, tb_frame)
