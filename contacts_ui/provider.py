"""What the configured SerwerSMS API does where its documents leave it open, learned the
first time it matters, and what the application then refuses up front.

The provider's documents leave open (api/CONTRACT.md) whether contacts/edit replaces a
contact's groups or adds to them, whether a contact may be left in no group or added in
none, and whether the whole contact list may be read without a group. Each write that
depends on one of them is checked: leaving a group is read back (history.recorder), and a
refusal is heard. What that shows is kept for the API's address (LearnedBehaviour), so
that from then on the same action is refused before anything is sent, in a sentence
saying why, rather than tried and found not done. The diagnostics page shows what is
known; `manage.py contract_check --save` teaches the same from a test account.

A Knowledge is read once where a recorder is made (a request, or a job's runner thread)
and carried with it: a job's item threads do not touch the database, so what they learn
waits in it until the runner saves it (`save_pending`).
"""

import threading

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .serwersms import NotSupported

EDIT_ADDS_GROUPS = "edit-adds-groups"
EDIT_REFUSES_NO_GROUPS = "edit-refuses-no-groups"
ADD_REQUIRES_GROUP = "add-requires-group"
INDEX_REQUIRES_GROUP = "index-requires-group"
IMPORT_MAKES_ANOTHER_GROUP = "import-makes-another-group"

BEHAVIOURS = {
    EDIT_ADDS_GROUPS: gettext_lazy(
        "Changing a contact only adds groups: the API does not take a contact out of a group."
    ),
    EDIT_REFUSES_NO_GROUPS: gettext_lazy("The API does not leave a contact in no group."),
    ADD_REQUIRES_GROUP: gettext_lazy("The API adds a contact only into a group."),
    INDEX_REQUIRES_GROUP: gettext_lazy("The API lists contacts only group by group."),
    IMPORT_MAKES_ANOTHER_GROUP: gettext_lazy(
        "The bulk import makes a new group with each call, even under a name in use: an "
        "import sends its first rows that way and the rest one by one."
    ),
}


def learned(api_url: str):
    """What is known of this API, oldest first (LearnedBehaviour rows)."""
    from .models import LearnedBehaviour

    return LearnedBehaviour.objects.filter(api_url=api_url, name__in=BEHAVIOURS)


def remember(api_url: str, name: str, evidence: str) -> None:
    """Keep a behaviour of this API; one already kept stays as it was first learned."""
    from .models import LearnedBehaviour

    try:
        with transaction.atomic():
            LearnedBehaviour.objects.get_or_create(
                api_url=api_url, name=name, defaults={"evidence": evidence[:2000]}
            )
    except IntegrityError:  # learned at the same moment by another request
        pass


class Knowledge:
    """What one recorder knows of its API, and what it learns while it writes."""

    def __init__(self, api_url: str, known=(), *, save_at_once: bool = True):
        self.api_url = api_url
        self.known = set(known)
        self.save_at_once = save_at_once
        self.pending: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    @classmethod
    def of(cls, api_url: str, *, save_at_once: bool = True) -> "Knowledge":
        names = learned(api_url).values_list("name", flat=True)
        return cls(api_url, names, save_at_once=save_at_once)

    def __contains__(self, name: str) -> bool:
        return name in self.known

    def learn(self, name: str, evidence: str) -> None:
        with self._lock:
            if name in self.known:
                return
            self.known.add(name)
            if not self.save_at_once:
                self.pending.append((name, evidence))
                return
        remember(self.api_url, name, evidence)

    def save_pending(self) -> None:
        with self._lock:
            pending, self.pending = self.pending, []
        for name, evidence in pending:
            remember(self.api_url, name, evidence)

    # --- What is refused up front, before anything is sent; and said when the API refused ---

    def refuse_leaving_a_group(self, name: str) -> None:
        if EDIT_ADDS_GROUPS in self:
            raise NotSupported(
                _(
                    "This SerwerSMS API does not take a contact out of a group: changing a "
                    "contact only adds groups. Nothing was sent for “%(name)s”; take it out "
                    "of the group in the SerwerSMS panel."
                )
                % {"name": name}
            )

    def refuse_no_group_left(self, name: str) -> None:
        if EDIT_REFUSES_NO_GROUPS in self:
            raise NotSupported(
                _(
                    "This SerwerSMS API does not leave a contact in no group, so “%(name)s” "
                    "cannot be taken out of its last group. Nothing was sent: put it in "
                    "another group too, or delete it."
                )
                % {"name": name}
            )

    def refuse_adding_in_no_group(self, name: str) -> None:
        if ADD_REQUIRES_GROUP in self:
            raise NotSupported(
                _(
                    "This SerwerSMS API adds a contact only into a group. Nothing was sent "
                    "for “%(name)s”: choose at least one group."
                )
                % {"name": name}
            )

    def refused_no_group_left(self, name: str, error) -> NotSupported:
        self.learn(EDIT_REFUSES_NO_GROUPS, error.message)
        return NotSupported(
            _(
                "SerwerSMS refused to leave “%(name)s” in no group: this API keeps every "
                "contact in at least one group. Nothing was changed; put it in another group "
                "too, or delete it."
            )
            % {"name": name}
        )

    def refused_adding_in_no_group(self, name: str, error) -> NotSupported:
        self.learn(ADD_REQUIRES_GROUP, error.message)
        return NotSupported(
            _(
                "SerwerSMS refused to add “%(name)s” in no group: this API adds a contact "
                "only into a group. Nothing was added; choose at least one group."
            )
            % {"name": name}
        )


def refusal_to_take_out_of_groups(api_url: str) -> str | None:
    """For an action that would take many contacts out of groups: why it is refused up
    front with this API, or None."""
    if not learned(api_url).filter(name=EDIT_ADDS_GROUPS).exists():
        return None
    return _(
        "This SerwerSMS API does not take a contact out of a group: changing a contact only "
        "adds groups. Nothing was sent; take contacts out of a group in the SerwerSMS panel."
    )


def list_only_by_group(api_url: str, error=None) -> str:
    """The sentence for a contact list that this API will not give without a group; with
    the API's refusal, it is learned first."""
    if error is not None:
        remember(api_url, INDEX_REQUIRES_GROUP, error.message)
    return _(
        "This SerwerSMS API lists contacts only group by group, so every contact at once "
        "cannot be shown. Choose a group under “By group”."
    )


def refused_for_want_of_a_group(error) -> bool:
    """Whether an API refusal of a write sent with no group is about the missing group."""
    return error.code == 2000 or "group" in error.api_message.lower()
