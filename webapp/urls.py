from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("contacts_ui.urls")),
]

if settings.SANDBOX:
    urlpatterns.append(path("sandbox/", include("contacts_ui.sandbox.urls")))
