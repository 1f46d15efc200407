from django.contrib import admin

from .models import ApiCredentials


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
