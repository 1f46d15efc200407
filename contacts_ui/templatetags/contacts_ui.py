from django import template

register = template.Library()

READABLE_FIELDS = frozenset(
    {"first_name", "last_name", "phone", "email", "company", "tax_id", "address", "city",
     "description"}
)  # fmt: skip


@register.filter
def field(record, name: str):
    """One of a contact's text fields by name, for tables whose columns vary."""
    return getattr(record, name) if name in READABLE_FIELDS else ""
