"""Login throttling (django-axes): failed logins lock a username, or an address, for a while."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"
LOCKED = "Too many failed logins for this username or from this address"


@pytest.fixture
def limit(settings) -> int:
    return settings.AXES_FAILURE_LIMIT


@pytest.fixture
def erin(db):
    return User.objects.create_user("erin", password=PASSWORD)


def log_in(client, username, password=PASSWORD, address="10.0.0.1", url="/accounts/login/", **meta):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **meta
    )


def fail(client, times, username="erin", address="10.0.0.1", url="/accounts/login/", **meta):
    for _ in range(times):
        log_in(client, username, "wrong-password", address, url, **meta)


def assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "_auth_user_id" not in response.wsgi_request.session


def assert_logged_in(response, url="/"):
    assert response.status_code == 302
    assert response.url == url
    assert "_auth_user_id" in response.wsgi_request.session


def test_the_limit_is_configured_and_not_huge(limit, settings):
    assert 3 <= limit <= 10
    assert timedelta(minutes=5) <= settings.AXES_COOLOFF_TIME


def test_a_wrong_password_below_the_limit_is_an_ordinary_error(client, erin, limit):
    fail(client, limit - 2)
    response = log_in(client, "erin", "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert LOCKED not in response.content.decode()


def test_the_login_after_the_last_allowed_failure_is_locked(client, erin, limit):
    fail(client, limit - 1)
    assert_locked_out(log_in(client, "erin", "wrong-password"))


def test_once_locked_even_the_right_password_is_refused_with_a_clear_message(
    client, erin, limit, settings
):
    fail(client, limit)
    response = log_in(client, "erin")
    assert_locked_out(response)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"logging in is locked for {minutes} minutes" in response.content.decode()
    # The username stays in the form, as after any refused login.
    assert 'name="username" value="erin"' in response.content.decode()


def test_a_username_flooded_from_one_address_is_locked_there_and_not_for_its_owner_elsewhere(
    client, erin, limit
):
    """The trade-off: a username and address together are locked, and an address on its own,
    so that anyone can flood a username from their address without locking its owner out."""
    fail(client, limit, address="10.0.0.66")
    assert_locked_out(log_in(client, "erin", address="10.0.0.66"))
    assert_logged_in(log_in(client, "erin", address="10.0.0.2"))


def test_ones_own_login_never_clears_failures_against_another_username(client, erin, limit):
    """From one address: wrong guesses for someone else, a good login as oneself, repeat:
    the guesses still count, and the address is locked at the limit."""
    User.objects.create_user("admin", password=PASSWORD)
    for _ in range(limit - 1):
        fail(client, 1, username="admin")
        assert_logged_in(log_in(client, "erin"))
        client.post("/accounts/logout/")
    assert_locked_out(log_in(client, "admin", "wrong-password"))
    assert_locked_out(log_in(client, "admin"))


def test_many_usernames_from_one_address_lock_that_address(client, erin, limit):
    for n in range(limit):
        fail(client, 1, username=f"guess-{n}", address="10.0.0.66")
    assert_locked_out(log_in(client, "erin", address="10.0.0.66"))
    # The same user from elsewhere is not locked out: only the address was.
    assert_logged_in(log_in(client, "erin", address="10.0.0.2"))


def test_a_forged_forwarded_address_does_not_escape_the_address_lock(client, erin, limit):
    for n in range(limit):
        fail(
            client, 1, username=f"guess-{n}", address="10.0.0.66", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        )
    response = log_in(client, "erin", address="10.0.0.66", HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert_locked_out(response)


def test_a_lockout_leaves_other_users_alone(client, erin, limit):
    User.objects.create_user("frank", password=PASSWORD)
    fail(client, limit, username="erin", address="10.0.0.1")
    assert_logged_in(log_in(client, "frank", address="10.0.0.2"))


def test_after_the_lockout_time_the_right_password_works_again(client, erin, limit, settings):
    fail(client, limit)
    assert_locked_out(log_in(client, "erin"))
    # As if the lockout time had passed since the failures.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert_logged_in(log_in(client, "erin"))


def test_before_the_lockout_time_has_passed_it_still_holds(client, erin, limit, settings):
    fail(client, limit)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - settings.AXES_COOLOFF_TIME
        + timedelta(minutes=1)
    )
    assert_locked_out(log_in(client, "erin"))


def test_a_successful_login_before_the_limit_starts_the_count_again(client, erin, limit):
    fail(client, limit - 1)
    assert_logged_in(log_in(client, "erin"))
    client.post("/accounts/logout/")
    fail(client, limit - 1)
    assert_logged_in(log_in(client, "erin"))


def test_the_admin_login_is_throttled_too(client, limit):
    User.objects.create_superuser("root", password=PASSWORD)
    fail(client, limit, username="root", url="/admin/login/")
    response = log_in(client, "root", url="/admin/login/")
    assert_locked_out(response)


def test_failures_on_the_admin_login_lock_the_app_login(client, erin, limit):
    fail(client, limit, username="erin", url="/admin/login/")
    assert_locked_out(log_in(client, "erin"))
