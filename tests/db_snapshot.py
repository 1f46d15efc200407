"""Every row of every model, to prove that a request changed nothing stored."""

from django.apps import apps


def every_row(*, leave_out: tuple[str, ...] = ("sessions.session",)) -> dict[str, list[dict]]:
    """Each model's rows by primary key (this app's, the sandbox's, auth's, axes'...).

    Sessions are left out unless asked: every request renews its own session's expiry.
    A model with no table (contacts_ui.Access, which only holds permissions) has no rows.
    """
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and model._meta.label_lower not in leave_out
    }
