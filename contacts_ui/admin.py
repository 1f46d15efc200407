import json
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import roles, second_factor
from .models import (
    ApiCredentials,
    CompanyIdentity,
    HistoryEntry,
    Invitation,
    LearnedBehaviour,
    WorkerHeartbeat,
)


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


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """The task workers running now, as /readyz sees them. Written by the workers alone."""

    list_display = ["name", "seen_at"]
    readonly_fields = ["name", "seen_at"]

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


class RoleFilter(admin.SimpleListFilter):
    """By role, with those given none yet (a first company sign-in, say) to find at once."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [*roles.ROLE_LABELS.items(), ("none", _("No role yet"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            # A superuser may do everything, with a role or without.
            return queryset.exclude(groups__name__in=roles.ROLES).exclude(is_superuser=True)
        if self.value() in roles.ROLES:
            return queryset.filter(groups__name=self.value())
        return queryset


class CompanyIdentityInline(admin.TabularInline):
    """Who the person is at the company's identity provider; deleting it lets their next
    sign-in there match a login by e-mail again."""

    model = CompanyIdentity
    extra = 0
    fields = readonly_fields = ["issuer", "subject", "first_signed_in_at"]

    def has_add_permission(self, request, obj=None):
        return False


def _give_role_action(role: str | None):
    label = roles.ROLE_LABELS[role] if role else _("no role")

    def give(modeladmin, request, queryset):
        for user in queryset:
            roles.set_role(user, role)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)s person now has the role: %(role)s.",
                "%(count)s people now have the role: %(role)s.",
                len(queryset),
            )
            % {"count": len(queryset), "role": label},
            messages.SUCCESS,
        )

    give.__name__ = f"give_role_{(role or 'none').lower()}"
    # Lazy, so that the action reads in each request's language, not the import's.
    description = lazy(lambda: _("Give the role: %(role)s") % {"role": label}, str)()
    return admin.action(description=description)(give)


@admin.register(User)
class UserWithSecondFactorAdmin(UserAdmin):
    """Django's user admin, with each person's role (given here, to several at once, as to
    someone who has just signed in with the company's account for the first time), and the
    reset of a person's two-factor sign-in (a lost phone): their authenticator app and
    recovery codes deleted, so that the password alone signs them in until they set it up
    again (at once, where REQUIRE_2FA asks for it)."""

    list_display = [*UserAdmin.list_display, "role"]
    list_filter = [RoleFilter, *UserAdmin.list_filter]
    inlines = [CompanyIdentityInline]
    actions = [
        *(_give_role_action(role) for role in (roles.VIEWER, roles.EDITOR, roles.MANAGER, None)),
        "reset_second_factor",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("SerwerSMS API"), {"fields": ["api_access"]})]

    def get_readonly_fields(self, request, obj=None):
        # Not "api_credentials": that is the user's relation, which the admin would show.
        return [*super().get_readonly_fields(request, obj), "api_access"]

    @admin.display(description=_("API credentials"))
    def api_access(self, user):
        """What is saved (never the secret), and the page where a superuser enters them."""
        stored = ApiCredentials.objects.filter(user=user).first()
        url = reverse("contacts_ui:person_credentials", args=[user.pk])
        url += "?" + urlencode({"next": reverse("admin:auth_user_change", args=[user.pk])})
        if stored is None:
            return format_html('{} <a href="{}">{}</a>', _("None saved."), url, _("Enter them"))
        return format_html(
            '{} <a href="{}">{}</a>',
            _("%(style)s, saved %(when)s.")
            % {
                "style": stored.get_auth_style_display(),
                "when": date_format(localtime(stored.updated_at), "DATETIME_FORMAT"),
            },
            url,
            _("Enter new ones"),
        )

    @admin.display(description=_("role"))
    def role(self, user):
        held = roles.highest_role(group.name for group in user.groups.all())
        return roles.ROLE_LABELS[held] if held else "—"

    @admin.action(description=_("Reset two-factor sign-in"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor.turn_off(user)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in was reset for %(count)s person.",
                "Two-factor sign-in was reset for %(count)s people.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
