from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from contacts_ui.views import health, prometheus
from contacts_ui.views.login import SignInView, admin_login

# Django's account pages that the app uses: no password reset (no e-mail is set up for it;
# an administrator sets a forgotten password in the admin).
accounts = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

# With PASSWORD_SIGN_IN off, the admin's login page leads to the app's (company sign-in).
admin.site.login = admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("contacts_ui.urls")),
    # Health probes for load balancers, no login (contacts_ui.health; answered early by its
    # ProbeMiddleware). Not in contacts_ui.urls, whose pages follow the role and CSRF rules.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Prometheus metrics, to the allow-list or the token only (contacts_ui.views.prometheus).
    path("metrics", prometheus.metrics_view, name="metrics"),
]

# While the database cannot be reached, a plain 503 page in the admin's look, not a 500.
handler500 = "contacts_ui.views.errors.server_error"
# What a role may not do: a plain page, never a 500 or a redirect to the login page.
handler403 = "contacts_ui.views.errors.permission_denied"

if settings.SANDBOX:
    urlpatterns.append(path("sandbox/", include("contacts_ui.sandbox.urls")))
