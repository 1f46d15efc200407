from django.urls import path
from django.views.i18n import JavaScriptCatalog

from .views import contacts, credentials, groups, history, undo

app_name = "contacts_ui"

urlpatterns = [
    path("", groups.home, name="home"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/add/", contacts.contact_add, name="contact_add"),
    path("contacts/columns/", contacts.contact_columns, name="contact_columns"),
    path("contacts/page-size/", contacts.contact_page_size, name="contact_page_size"),
    path("contacts/<int:contact_id>/change/", contacts.contact_change, name="contact_change"),
    path("contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path(
        "contacts/<int:contact_id>/delete/row/",
        contacts.contact_delete_row,
        name="contact_delete_row",
    ),
    path("find/", contacts.find_by_phone, name="find_by_phone"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/add/", groups.group_add, name="group_add"),
    path("groups/<int:group_id>/change/", groups.group_change, name="group_change"),
    path("groups/<int:group_id>/delete/", groups.group_delete, name="group_delete"),
    path("history/<int:entry_id>/undo/", undo.history_undo, name="history_undo"),
    path("trash/", undo.trash_list, name="trash_list"),
    path("trash/restore/", undo.trash_restore, name="trash_restore"),
    path("history/batch/<uuid:batch>/undo/", undo.batch_undo, name="batch_undo"),
    path("settings/credentials/", credentials.credentials_edit, name="credentials"),
    path("history/", history.history_list, name="history_list"),
    path("history/<int:entry_id>/", history.history_detail, name="history_detail"),
    # The admin's widgets need its JavaScript translations; the admin's own
    # catalog is for staff only, this one for every signed-in user.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django.contrib.admin"]),
        name="jsi18n",
    ),
]
