from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from .cleanup import views as cleanup
from .history import undo_views as undo
from .history import views as history
from .imports import views as imports
from .jobs import views as jobs
from .views import (
    blacklist,
    bulk,
    company_sign_in,
    contacts,
    credentials,
    export,
    groups,
    people,
    second_factor,
)

app_name = "contacts_ui"

urlpatterns = [
    path("", groups.home, name="home"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/add/", contacts.contact_add, name="contact_add"),
    path("contacts/export.csv", export.contact_export, name="contact_export"),
    path("contacts/action/", bulk.contact_action, name="contact_action"),
    path("contacts/count/", bulk.contact_count, name="contact_count"),
    path("contacts/total/", contacts.contact_total, name="contact_total"),
    path("contacts/columns/", contacts.contact_columns, name="contact_columns"),
    path("contacts/page-size/", contacts.contact_page_size, name="contact_page_size"),
    path("contacts/<int:contact_id>/change/", contacts.contact_change, name="contact_change"),
    path("contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path(
        "contacts/<int:contact_id>/delete/row/",
        contacts.contact_delete_row,
        name="contact_delete_row",
    ),
    path(
        "contacts/<int:contact_id>/blacklist/",
        blacklist.contact_blacklist,
        name="contact_blacklist",
    ),
    path("find/", contacts.find_by_phone, name="find_by_phone"),
    path("blacklist/", blacklist.blacklist_list, name="blacklist"),
    path("blacklist/add/", blacklist.blacklist_add, name="blacklist_add"),
    path("blacklist/remove/", blacklist.blacklist_remove, name="blacklist_remove"),
    path("cleanup/", cleanup.cleanup_page, name="cleanup"),
    path("cleanup/scan/", cleanup.cleanup_scan, name="cleanup_scan"),
    path(
        "cleanup/empty-groups/delete/",
        cleanup.cleanup_delete_groups,
        name="cleanup_delete_groups",
    ),
    path("cleanup/no-group/add/", cleanup.cleanup_add_to_group, name="cleanup_add_to_group"),
    path("cleanup/contacts/merge/", cleanup.cleanup_merge_contacts, name="cleanup_merge_contacts"),
    path("cleanup/groups/merge/", cleanup.cleanup_merge_groups, name="cleanup_merge_groups"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/add/", groups.group_add, name="group_add"),
    path("groups/<int:group_id>/change/", groups.group_change, name="group_change"),
    path("groups/<int:group_id>/delete/", groups.group_delete, name="group_delete"),
    path("history/<int:entry_id>/undo/", undo.history_undo, name="history_undo"),
    path("trash/", undo.trash_list, name="trash_list"),
    path("trash/restore/", undo.trash_restore, name="trash_restore"),
    path("history/batch/<uuid:batch>/undo/", undo.batch_undo, name="batch_undo"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("jobs/<uuid:job_id>/retry/", jobs.job_retry, name="job_retry"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/<int:upload_id>/", imports.import_map, name="import_map"),
    path("import/<int:upload_id>/preview/", imports.import_preview, name="import_preview"),
    path("import/<int:upload_id>/errors.csv", imports.import_errors_csv, name="import_errors_csv"),
    path("import/<int:upload_id>/start/", imports.import_start, name="import_start"),
    path("jobs/<uuid:job_id>/failed.csv", imports.import_failed_rows, name="import_failed_rows"),
    path("settings/credentials/", credentials.credentials_edit, name="credentials"),
    path("settings/diagnostics/", credentials.diagnostics_page, name="diagnostics"),
    path("accounts/two-factor/", second_factor.second_step, name="second_step"),
    path("settings/two-factor/", second_factor.two_factor_settings, name="two_factor"),
    path("settings/two-factor/setup/", second_factor.two_factor_setup, name="two_factor_setup"),
    path(
        "settings/two-factor/recovery-codes/",
        second_factor.new_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("settings/two-factor/off/", second_factor.turn_off, name="two_factor_off"),
    path("people/invite/", people.invite_person, name="people_invite"),
    path(
        "people/<int:user_id>/credentials/",
        people.person_credentials,
        name="person_credentials",
    ),
    path(
        "invitation/<str:uidb64>/<str:token>/",
        people.accept_invitation,
        name="invitation_accept",
    ),
    # Sign-in with the company's identity provider (OpenID Connect), when it is configured.
    path("oidc/authenticate/", company_sign_in.CompanySignInView.as_view(), name="company_sign_in"),
    path(
        "oidc/callback/",
        company_sign_in.CompanySignInCallbackView.as_view(),
        name="company_sign_in_callback",
    ),
    path("history/", history.history_list, name="history_list"),
    path("history/<int:entry_id>/", history.history_detail, name="history_detail"),
    # The admin's widgets need its JavaScript translations; the admin's own
    # catalog is for staff only, this one for every signed-in user.
    path(
        "jsi18n/",
        login_required(JavaScriptCatalog.as_view(packages=["django.contrib.admin"])),
        name="jsi18n",
    ),
]
