"""The forms of the cleanup: which findings to fix, and how to merge."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class EmptyGroupsForm(forms.Form):
    """Empty groups ticked for deletion: ones the scan found."""

    id = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": gettext_lazy("Tick the groups to delete.")},
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id"].choices = [(g["id"], g["name"]) for g in groups]


class UngroupedForm(forms.Form):
    """Contacts in no group ticked, and the group to add them to."""

    id = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": gettext_lazy("Tick the contacts to add to a group.")},
    )
    group_id = forms.TypedChoiceField(
        label=gettext_lazy("Group"),
        coerce=int,
        choices=[],
        error_messages={"required": gettext_lazy("Choose the group to add them to.")},
    )

    def __init__(self, *args, contacts=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id"].choices = [(c["id"], c["phone"]) for c in contacts]
        self.fields["group_id"].choices = [("", "---------")] + [
            (g["id"], g["name"]) for g in groups
        ]


class KeepForm(forms.Form):
    """Which of the contacts under review to keep."""

    keep = forms.TypedChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": gettext_lazy("Choose the contact to keep.")},
    )

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(i, i) for i in ids]


class GroupMergeForm(forms.Form):
    """Which group to keep, and which to merge into it (the other one, of two)."""

    keep = forms.TypedChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": gettext_lazy("Choose the group to keep.")},
    )
    merge = forms.TypedChoiceField(coerce=int, choices=[], required=False, empty_value=None)

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ids = list(ids)
        for name in ("keep", "merge"):
            self.fields[name].choices = [(i, i) for i in self.ids]

    def clean(self):
        cleaned = super().clean()
        keep, merge = cleaned.get("keep"), cleaned.get("merge")
        if keep is None:
            return cleaned
        if merge is None and len(self.ids) == 2:
            cleaned["merge"] = merge = next(i for i in self.ids if i != keep)
        if merge is None:
            self.add_error("merge", _("Choose the group to merge into the one kept."))
        elif merge == keep:
            self.add_error("merge", _("Choose a group other than the one kept."))
        return cleaned
