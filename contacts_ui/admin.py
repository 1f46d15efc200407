import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import ApiCredentials, HistoryEntry, LearnedBehaviour


@admin.register(ApiCredentials)
class ApiCredentialsAdmin(admin.ModelAdmin):
    # The secret is left out on purpose: it is never shown, not even to a superuser.
    list_display = ["user", "auth_style", "username", "updated_at"]
    fields = ["user", "auth_style", "username", "updated_at"]
    readonly_fields = fields
    list_select_related = ["user"]
    search_fields = ["user__username", "username"]

    def has_add_permission(self, request):
        # Credentials are entered by their owner on the "My API credentials" page,
        # where they are checked with SerwerSMS first.
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    """Everyone's history, read-only, for superusers alone (staff see their own in the app)."""

    list_display = ["at", "username", "action", "target_name", "phone", "outcome"]
    list_filter = ["action", "outcome", "at"]
    search_fields = ["target_name", "phone", "username"]
    date_hierarchy = "at"
    fields = [
        "at",
        "user",
        "username",
        "action",
        "outcome",
        "error",
        "target_id",
        "target_name",
        "phone",
        "undo_of",
        "batch",
        "before_record",
        "after_record",
    ]
    readonly_fields = fields
    list_select_related = ["user"]

    @admin.display(description=_("before"))
    def before_record(self, entry):
        return self._record(entry.before)

    @admin.display(description=_("after"))
    def after_record(self, entry):
        return self._record(entry.after)

    @staticmethod
    def _record(record):
        if record is None:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(record, indent=2, ensure_ascii=False))

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        # Written only on the write path (contacts_ui.history.recorder), never by hand.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Removed by age alone (manage.py prune_history).
        return False


@admin.register(LearnedBehaviour)
class LearnedBehaviourAdmin(admin.ModelAdmin):
    """What the app learned of an API as it wrote (contacts_ui.provider). Kept as learned;
    an administrator deletes a row (after the provider changed, say) so that it is learned
    again."""

    list_display = ["name", "api_url", "learned_at"]
    fields = ["name", "api_url", "learned_at", "evidence"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
