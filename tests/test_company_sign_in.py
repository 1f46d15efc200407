"""Sign-in with the company's identity provider (contacts_ui.company_sign_in), against a real
OpenID Connect provider on loopback (tests.identity_provider): who a person is here, the role
a claim gives or a superuser gives, invitations, refusals said plainly, no second factor of
ours, and password sign-in switched off."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from contacts_ui import company_sign_in as company
from contacts_ui import roles, second_factor
from contacts_ui.auth import UserWithSettingsBackend
from contacts_ui.models import CompanyIdentity, Invitation
from tests.helpers import make_user
from tests.identity_provider import ACCOUNTS, CLIENT_SECRET, ROLE_VALUES

pytestmark = pytest.mark.django_db

ANNA = ACCOUNTS["anna"]


def sign_in(client: Client, provider, login: str, *, next_url: str = "", consent: bool = True):
    """Click "Sign in with …", go through the provider's pages as `login`, and come back: the
    application's answer to its callback."""
    start = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    assert start["Location"].startswith(provider.discovery["authorization_endpoint"])
    back = urlsplit(provider.sign_in(start["Location"], login, consent=consent))
    assert back.path == "/oidc/callback/"
    return client.get(f"{back.path}?{back.query}")


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_a_person_new_here_is_given_a_login_with_no_role(client, company_sign_in):
    answer = sign_in(client, company_sign_in, "anna")

    assert answer.status_code == 302 and answer["Location"] == "/"
    anna = signed_in_as(client)
    assert (anna.username, anna.email) == (ANNA["email"], ANNA["email"])
    assert (anna.first_name, anna.last_name) == ("Anna", "Kowalska")
    assert not anna.has_usable_password()
    assert roles.role_of(anna) is None
    identity = CompanyIdentity.objects.get(user=anna)
    assert (identity.issuer, identity.subject) == (company_sign_in.issuer, "anna")
    # With no role, the start page leads to the credentials, saying why.
    page = client.get("/", follow=True)
    assert "You have no role here yet" in page.content.decode()


def test_the_next_sign_in_is_the_same_login_and_keeps_the_role_a_superuser_gave(
    client, company_sign_in
):
    sign_in(client, company_sign_in, "bartek")
    bartek = signed_in_as(client)
    roles.set_role(bartek, roles.EDITOR)  # a superuser, in the admin
    client.logout()

    sign_in(client, company_sign_in, "bartek")

    assert signed_in_as(client) == bartek
    assert User.objects.filter(email=ACCOUNTS["bartek"]["email"]).count() == 1
    assert roles.role_of(bartek) == roles.EDITOR


def test_the_role_claim_gives_the_highest_role_it_names_at_each_sign_in(
    client, company_sign_in, settings
):
    settings.OIDC_ROLE_CLAIM = "roles"
    settings.OIDC_ROLE_VALUES = ROLE_VALUES
    sign_in(client, company_sign_in, "anna")  # sms-managers and sms-viewers
    anna = signed_in_as(client)
    assert roles.role_of(anna) == roles.MANAGER
    roles.set_role(anna, roles.VIEWER)  # given here, but the claim decides
    client.logout()

    sign_in(client, company_sign_in, "anna")
    assert roles.role_of(anna) == roles.MANAGER
    assert list(anna.groups.values_list("name", flat=True)) == [roles.MANAGER]

    sign_in(Client(), company_sign_in, "celina")  # the claim names no role of ours
    assert roles.role_of(User.objects.get(email="celina@example.com")) is None


def test_a_role_claim_may_be_a_dotted_path_and_a_single_value(settings):
    settings.OIDC_ROLE_CLAIM = "realm_access.roles"
    settings.OIDC_ROLE_VALUES = {}
    assert company.role_from_claims({"realm_access": {"roles": ["Editor", "x"]}}) == (
        True,
        roles.EDITOR,
    )
    settings.OIDC_ROLE_CLAIM = "group"
    assert company.role_from_claims({"group": "Viewer"}) == (True, roles.VIEWER)
    assert company.role_from_claims({}) == (True, None)
    settings.OIDC_ROLE_CLAIM = ""
    assert company.role_from_claims({"group": "Manager"}) == (False, None)


def test_an_invited_person_signs_in_as_the_login_the_invitation_made(client, company_sign_in, root):
    client.post("/people/invite/", {"email": ANNA["email"].upper(), "role": roles.EDITOR})
    invited = User.objects.get(email__iexact=ANNA["email"])
    anna = Client()

    sign_in(anna, company_sign_in, "anna")

    assert signed_in_as(anna) == invited
    assert roles.role_of(invited) == roles.EDITOR
    assert Invitation.objects.get(user=invited).accepted_at is not None
    assert CompanyIdentity.objects.get(user=invited).subject == "anna"


def test_an_address_the_provider_does_not_vouch_for_takes_over_no_login(client, company_sign_in):
    dorota = make_user("dorota", role=roles.MANAGER)
    dorota.email = ACCOUNTS["dorota"]["email"]
    dorota.save()

    sign_in(client, company_sign_in, "dorota")

    newcomer = signed_in_as(client)
    assert newcomer != dorota
    assert roles.role_of(newcomer) is None


def test_with_new_logins_turned_off_a_stranger_is_told_and_nothing_is_made(
    client, company_sign_in, settings
):
    settings.OIDC_CREATE_USER = False
    users = User.objects.count()

    answer = sign_in(client, company_sign_in, "celina")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    assert User.objects.count() == users
    page = client.get("/accounts/login/")
    assert "You have no login here yet" in messages_of(page)


def test_a_login_switched_off_here_is_refused(client, company_sign_in):
    sign_in(Client(), company_sign_in, "bartek")
    User.objects.filter(email=ACCOUNTS["bartek"]["email"]).update(is_active=False)

    sign_in(client, company_sign_in, "bartek")

    assert signed_in_as(client) is None
    assert "Your login here is switched off" in messages_of(client.get("/accounts/login/"))


def test_cancelling_at_the_provider_says_so_on_the_login_page(client, company_sign_in):
    answer = sign_in(client, company_sign_in, "anna", consent=False)

    assert answer["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    page = client.get("/accounts/login/")
    assert "Test IdP did not sign you in: " in messages_of(page)


def test_a_provider_that_fails_at_the_callback_is_said_plainly(client, company_sign_in, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens there

    answer = sign_in(client, company_sign_in, "anna")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    page = client.get("/accounts/login/")
    assert "Test IdP could not be reached or gave an error" in messages_of(page)
    assert CLIENT_SECRET not in page.content.decode()


def test_an_answer_from_another_issuer_is_refused(client, company_sign_in, settings):
    settings.OIDC_OP_ISSUER = "https://login.example.com"

    sign_in(client, company_sign_in, "anna")

    assert signed_in_as(client) is None
    assert "another identity provider" in messages_of(client.get("/accounts/login/"))


def test_a_callback_not_started_here_signs_nobody_in(client, company_sign_in):
    answer = client.get("/oidc/callback/?code=stolen-code&state=made-up")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_the_next_page_asked_for_is_where_the_sign_in_ends(client, company_sign_in):
    answer = sign_in(client, company_sign_in, "anna", next_url="/settings/credentials/")

    assert answer["Location"] == "/settings/credentials/"


def test_a_company_sign_in_owes_no_second_factor_of_ours(client, company_sign_in):
    sign_in(Client(), company_sign_in, "bartek")
    bartek = User.objects.get(email=ACCOUNTS["bartek"]["email"])
    bartek.set_password("pass-for-tests")
    bartek.save()
    TOTPDevice.objects.create(user=bartek, name="authenticator app", confirmed=True)

    sign_in(client, company_sign_in, "bartek")

    assert second_factor.OWED_SESSION_KEY not in client.session
    assert client.get("/settings/credentials/").status_code == 200
    page = client.get("/settings/two-factor/").content.decode()
    assert "You signed in with Test IdP this time" in page
    # The same person with a password still owes the code.
    by_password = Client()
    by_password.post(
        "/accounts/login/", {"username": bartek.username, "password": "pass-for-tests"}
    )
    assert by_password.session[second_factor.OWED_SESSION_KEY] == second_factor.VERIFY


def test_the_login_page_offers_both_ways_in(client, company_sign_in):
    page = client.get("/accounts/login/?next=/groups/").content.decode()

    assert 'href="/oidc/authenticate/?next=%2Fgroups%2F"' in page
    assert "Sign in with Test IdP" in page
    assert 'id="login-form"' in page


def test_without_a_provider_set_up_nothing_of_it_is_offered_or_answers(client, db):
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=a&state=b").status_code == 404


def test_a_password_login_is_never_taken_for_a_callback(client, company_sign_in, settings):
    """A login form sent to an address with a code in it signs in by password, and never
    sends that code to the provider."""
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # a call would fail loudly
    make_user("erin")

    answer = client.post(
        "/accounts/login/?code=abc&state=def", {"username": "erin", "password": "pass-for-tests"}
    )

    assert answer.status_code == 302
    assert signed_in_as(client).username == "erin"


class TestPasswordSignInOff:
    @pytest.fixture(autouse=True)
    def _passwords_off(self, settings, company_sign_in):
        settings.PASSWORD_SIGN_IN = False

    def test_the_login_page_offers_only_the_company_sign_in(self, client):
        page = client.get("/accounts/login/").content.decode()

        assert "Sign in with Test IdP" in page
        assert 'id="login-form"' not in page

    def test_a_password_sent_anyway_is_refused_plainly(self, client):
        make_user("erin")

        answer = client.post("/accounts/login/", {"username": "erin", "password": "pass-for-tests"})

        assert answer.status_code == 403
        assert "Signing in with a password is switched off here" in answer.content.decode()
        assert signed_in_as(client) is None
        # The admin, or anything else that checks a password, is refused too.
        assert UserWithSettingsBackend().authenticate(None, "erin", "pass-for-tests") is None

    def test_the_admins_login_leads_to_the_company_sign_in(self, client):
        answer = client.get("/admin/login/?next=/admin/")

        assert answer.status_code == 302
        assert answer["Location"] == "/accounts/login/?next=/admin/"

    def test_the_company_sign_in_still_works_and_no_password_change_is_offered(
        self, client, company_sign_in
    ):
        sign_in(client, company_sign_in, "anna")
        anna = signed_in_as(client)
        roles.set_role(anna, roles.VIEWER)

        page = client.get("/settings/credentials/").content.decode()

        assert "Change password" not in page

    def test_an_invitation_leads_to_the_company_sign_in(self, client, company_sign_in, root):
        client.post("/people/invite/", {"email": "ewa@example.com", "role": roles.VIEWER})
        body = mail.outbox[-1].body
        link = next(line for line in body.splitlines() if "/invitation/" in line)

        assert 'choose "Sign in with Test IdP"' in body
        assert "Set your password" not in body
        page = Client().get(urlsplit(link).path, follow=True).content.decode()
        assert "Sign in with Test IdP as ewa@example.com" in page
        assert 'id="invitation-form"' not in page


def test_the_admins_role_actions_and_filter_read_in_polish(client, root, settings):
    client.cookies["django_language"] = "pl"

    page = client.get("/admin/auth/user/").content.decode()

    assert "Nadaj rolę: Redaktor" in page and "Bez roli" in page


def test_the_provider_settings_are_printed_from_its_discovery_document(identity_provider):
    out = StringIO()

    call_command("oidc_settings", identity_provider.issuer, stdout=out)

    printed = dict(
        line.split("=", 1) for line in out.getvalue().splitlines() if not line.startswith("#")
    )
    expected = identity_provider.settings()
    for name in (
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
    ):
        assert printed[name] == expected[name]
    assert printed["OIDC_OP_ISSUER"] == identity_provider.issuer
    assert printed["OIDC_RP_SIGN_ALGO"] == "RS256"


def test_a_provider_that_cannot_be_read_is_said_plainly():
    with pytest.raises(CommandError, match="Could not read http://127.0.0.1:9/.well-known"):
        call_command("oidc_settings", "http://127.0.0.1:9")
