from django.urls import path

from .views import credentials, groups

app_name = "contacts_ui"

urlpatterns = [
    path("", groups.home, name="home"),
    path("groups/", groups.group_list, name="group_list"),
    path("settings/credentials/", credentials.credentials_edit, name="credentials"),
]
