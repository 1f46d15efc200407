import json

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import second_factor
from .models import ApiCredentials, HistoryEntry, Invitation, LearnedBehaviour


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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who was invited, by whom, and whether they took it up. Made only from the app's Invite
    a person page (it sends the e-mail). Deleting one not yet taken up withdraws it, with the
    login it made; deleting one taken up deletes the record alone, never the person's login."""

    list_display = ["email", "role", "invited_by", "sent_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    fields = ["email", "role", "user", "invited_by", "sent_at", "expires_at", "accepted_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        # A pending one's login goes, and the invitation with it (CASCADE).
        (obj.user if obj.accepted_at is None else obj).delete()

    def delete_queryset(self, request, queryset):
        for invitation in queryset.select_related("user"):
            self.delete_model(request, invitation)


admin.site.unregister(User)


@admin.register(User)
class UserWithSecondFactorAdmin(UserAdmin):
    """Django's user admin, with the reset of a person's two-factor sign-in (a lost phone):
    their authenticator app and recovery codes deleted, so that the password alone signs
    them in until they set it up again (at once, where REQUIRE_2FA asks for it)."""

    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset two-factor sign-in"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor.turn_off(user)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in was reset for %(count)s person.",
                "Two-factor sign-in was reset for %(count)s people.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )
