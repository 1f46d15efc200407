import requests
from django.core.management.base import BaseCommand, CommandError

# The discovery document's names for what the app's environment variables hold.
DISCOVERED = [
    ("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    ("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint"),
    ("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint"),
    ("OIDC_OP_JWKS_ENDPOINT", "jwks_uri"),
]


class Command(BaseCommand):
    help = (
        "Read an OpenID Connect provider's discovery document (<issuer>/.well-known/"
        "openid-configuration) and print the environment variables that point this app at it "
        "(add OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET from the app's registration there)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "issuer",
            help="the provider's issuer, e.g. https://login.microsoftonline.com/<tenant>/v2.0, "
            "https://accounts.google.com or https://<host>/realms/<realm>",
        )

    def handle(self, issuer, **options):
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise CommandError(f"Could not read {url}: {exc}") from exc
        missing = [name for _variable, name in DISCOVERED if not document.get(name)]
        if missing:
            raise CommandError(f"{url} does not give {', '.join(missing)}.")
        if document.get("issuer") != issuer:
            self.stderr.write(f"Note: the document names its issuer {document.get('issuer')!r}.")
        algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        lines = [f"OIDC_OP_ISSUER={document.get('issuer', issuer)}"]
        lines += [f"{variable}={document[name]}" for variable, name in DISCOVERED]
        lines.append(f"OIDC_RP_SIGN_ALGO={'RS256' if 'RS256' in algorithms else algorithms[0]}")
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            "# Register this app's redirect URI there: https://<this app>/oidc/callback/"
        )
