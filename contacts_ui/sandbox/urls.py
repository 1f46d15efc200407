from django.urls import re_path

from . import views

app_name = "sandbox"

urlpatterns = [
    re_path(
        r"^api/(?P<resource>[^/]+)/(?P<action>[^/]+?)(?:\.json)?/?$",
        views.api_call,
        name="api",
    ),
]
