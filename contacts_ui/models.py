"""What this application itself stores. The address book lives at the provider."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from . import crypto, group_list, roles, serwersms


class ApiCredentials(models.Model):
    """One user's SerwerSMS API credentials; the secret is encrypted at rest."""

    TOKEN = serwersms.TOKEN
    PASSWORD = serwersms.PASSWORD
    AUTH_STYLES = [
        (TOKEN, _("API token")),
        (PASSWORD, _("API username and password")),
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_credentials"
    )
    auth_style = models.CharField(_("sign-in method"), max_length=10, choices=AUTH_STYLES)
    username = models.CharField(_("API username"), max_length=150, blank=True)
    # A Fernet token (crypto.encrypt); never the secret in clear.
    encrypted_secret = models.TextField(editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # The same for users with the same credentials, telling nothing of the secret
    # (group_list.account_key); blank for rows saved before it existed.
    account_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Moved on by every write through the app: the cached group list is read afresh.
    groups_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("API credentials")
        verbose_name_plural = _("API credentials")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_auth_style_display()})"

    @classmethod
    def of(cls, user) -> "ApiCredentials | None":
        """The user's credentials, or None; read with the user when it was signed in
        (contacts_ui.auth), else now."""
        try:
            return user.api_credentials
        except cls.DoesNotExist:
            return None

    @sensitive_variables()
    def set_secret(self, secret: str) -> None:
        """Store the secret, encrypted; set auth_style and username first."""
        self.encrypted_secret = crypto.encrypt(secret)
        self.account_key = group_list.account_key(self.auth_style, self.username, secret)
        # A list cached under these credentials before may have missed writes made while
        # the user had others: it is read afresh.
        self.groups_version += 1

    @sensitive_variables()
    def get_secret(self) -> str:
        return crypto.decrypt(self.encrypted_secret)

    def as_credentials(self) -> serwersms.Credentials:
        return serwersms.Credentials(
            auth_style=self.auth_style, username=self.username, secret=self.get_secret()
        )


class ListPreferences(models.Model):
    """How a user likes the contacts list: page size and the optional columns shown."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences"
    )
    page_size = models.PositiveSmallIntegerField(default=50)
    extra_columns = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("list preferences")
        verbose_name_plural = _("list preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.page_size} per page"

    @classmethod
    def for_user(cls, user) -> "ListPreferences":
        try:
            # Read with the user when it was signed in (contacts_ui.auth), else now.
            return user.list_preferences
        except cls.DoesNotExist:
            return cls(user=user)


class HistoryEntry(models.Model):
    """One write a user made through the application, kept with the record before and after.

    Written by contacts_ui.history.recorder (the one place on the write path), never by views.
    `before` and `after` are whole records as plain JSON: a contact's fields with its
    group ids, a group's name (with its members, for a deletion), or a number and whether
    it is on the blacklist. Never a secret.
    """

    class Action(models.TextChoices):
        CONTACT_ADD = "contact_add", _("contact added")
        CONTACT_EDIT = "contact_edit", _("contact changed")
        CONTACT_DELETE = "contact_delete", _("contact deleted")
        GROUP_ADD = "group_add", _("group added")
        GROUP_EDIT = "group_edit", _("group renamed")
        GROUP_DELETE = "group_delete", _("group deleted")
        CREDENTIALS_CHANGE = "credentials_change", _("API credentials changed")
        BLACKLIST_ADD = "blacklist_add", _("number put on the blacklist")
        BLACKLIST_DELETE = "blacklist_delete", _("number taken off the blacklist")

    class Outcome(models.TextChoices):
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        # The request went out and no answer came: the change may or may not have been made.
        UNKNOWN = "unknown", _("outcome unknown")

    CONTACT, GROUP, CREDENTIALS, BLACKLIST = "contact", "group", "credentials", "blacklist"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="history_entries",
        verbose_name=_("user"),
    )
    # Kept as it was, should the user be deleted later.
    username = models.CharField(_("username"), max_length=150)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    kind = models.CharField(max_length=16, editable=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    target_id = models.BigIntegerField(_("id at SerwerSMS"), null=True, blank=True)
    target_name = models.CharField(_("name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # An undo is recorded as the write it makes, pointing at the entry it undoes.
    undo_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undos"
    )
    # While this entry is being undone: a second undo (a double submit, another tab) is
    # refused until the first has finished (history.undo).
    undo_started_at = models.DateTimeField(null=True, blank=True)
    # Items of one bulk action or import share a batch.
    batch = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "-at"]),
            models.Index(fields=["kind", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_name}"

    def save(self, *args, **kwargs):
        self.kind = self.action.split("_", 1)[0]
        super().save(*args, **kwargs)


class Job(models.Model):
    """Long work for one user, run by the task worker (contacts_ui.jobs.runner): a bulk action,
    an import, a merge or a scan. Its items are JobItems; each write is in the history,
    all under the job's batch."""

    class Kind(models.TextChoices):
        CONTACT_DELETE = "contact_delete", _("Delete contacts")
        CONTACT_ADD_TO_GROUP = "contact_add_to_group", _("Add contacts to a group")
        CONTACT_REMOVE_FROM_GROUP = "contact_remove_from_group", _("Remove contacts from a group")
        CONTACT_MOVE_TO_GROUP = "contact_move_to_group", _("Move contacts to a group")
        CONTACT_BLACKLIST_ADD = "contact_blacklist_add", _("Stop messages to contacts")
        CONTACT_BLACKLIST_REMOVE = "contact_blacklist_remove", _("Allow messages to contacts")
        CONTACT_IMPORT = "contact_import", _("Import contacts")
        GROUP_DELETE = "group_delete", _("Delete groups")
        GROUP_MERGE = "group_merge", _("Merge groups")
        ACCOUNT_SCAN = "account_scan", _("Look for what needs tidying")
        HISTORY_UNDO = "history_undo", _("Undo a bulk action")
        GROUP_RESTORE = "group_restore", _("Restore a deleted group's contacts")

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting to start")
        RUNNING = "running", _("running")
        DONE = "done", _("finished")
        CANCELLED = "cancelled", _("cancelled")
        # The work as a whole could not go on (say, the credentials stopped working).
        STOPPED = "stopped", _("stopped")

    # Not a sequence number: a job's address should not be guessable.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(_("action"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("what"), max_length=255)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    # What the kind needs besides its items: the target group, the search to resolve, ...
    params = models.JSONField(default=dict, blank=True)
    # Where the API was when the person started the work (the embedded sandbox's
    # address depends on the request), and the language to say things in.
    api_url = models.CharField(max_length=500)
    language = models.CharField(max_length=16, default="en")
    # The history batch of its writes; a retry of failed items shares it, so that the
    # whole action is undone as one.
    batch = models.UUIDField(default=uuid.uuid4, db_index=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    # The permissions (contacts_ui.roles) the work needs, checked again when it runs and
    # before a retry, should the person's role have changed meanwhile; empty before roles.
    permissions = models.JSONField(default=list, blank=True, editable=False)
    cancel_requested = models.BooleanField(default=False)
    # Why the work stopped as a whole, when it did.
    error = models.TextField(blank=True)
    # What a scan found (ACCOUNT_SCAN only).
    result = models.JSONField(null=True, blank=True)
    # Where the person came from, to go back to when the work is done.
    back_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the worker last said it was still at it: a running job whose worker was
    # stopped (a deploy, a crash) stops saying so.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            # A job is retried once: two retries posted at once cannot both make a job.
            models.UniqueConstraint(fields=["retry_of"], name="one_retry_a_job"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.CANCELLED, self.State.STOPPED)


class JobItem(models.Model):
    """One item of a job: one contact to delete, one row to import, ..."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        # Its calls are going out now. Found so by a worker taking over from one that was
        # stopped, it is marked UNKNOWN, never sent again.
        SENDING = "sending", _("being sent")
        DONE = "done", _("done")
        # Nothing needed doing (already in the group, say): counted as done.
        SKIPPED = "skipped", _("nothing to do")
        FAILED = "failed", _("failed")
        # The request went out and no answer came: it may or may not have been done.
        UNKNOWN = "unknown", _("outcome unknown")
        CANCELLED = "cancelled", _("not done (cancelled)")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=255)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Why it failed, or a note on what was done.
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_item_position"),
        ]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return self.label


class ImportUpload(models.Model):
    """A CSV file a user uploaded to import, kept parsed while they map and preview it (for a
    day: manage.py prune_history), with the target groups' members read at its first check."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_uploads"
    )
    filename = models.CharField(max_length=255)
    # The file's records as it was parsed on upload (imports.csv_rows.Table): each a
    # [line, [cell, ...]] pair; blank records left out. Never parsed again.
    records = models.JSONField(default=list)
    # The most cells a record has, empty ones at its end not counted.
    width = models.PositiveSmallIntegerField(default=0)
    encoding = models.CharField(max_length=32)
    delimiter = models.CharField(max_length=4)
    # The phones (E.164) in each target group, as read at the first check against it:
    # {"<group id>": {"read_at": ISO 8601, "phones": [...]}}. Read again only when the person
    # asks ("Check again against the groups" on the preview), and forgotten once an import of
    # the file starts.
    group_phones = models.JSONField(default=dict)
    # Each row's own checks (imports.csv_rows.check_fields) under the mapping last checked:
    # {"key": [header, mapping, language], "rows": [...]}; made again for another mapping.
    row_checks = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ContractCheck(models.Model):
    """The live contract check's answers for one API address (manage.py contract_check
    --save): which behaviour the configured API has, found once by the operator, and shown
    on the diagnostics page."""

    api_url = models.CharField(max_length=2000, db_index=True)
    checked_at = models.DateTimeField(default=timezone.now)
    # contract.Answer as dicts: number, question, assumed, observed, compatible.
    answers = models.JSONField(default=list)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.api_url} at {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def incompatible(self) -> list[dict]:
        return [answer for answer in self.answers if answer["compatible"] is False]


class LearnedBehaviour(models.Model):
    """A behaviour of the configured API that its documents leave open, learned from what it
    did the first time it mattered (a write read back, a refusal): from then on the
    application refuses up front, in a sentence, what that API would not do
    (contacts_ui.provider). Shown on the diagnostics page; delete it to learn again."""

    api_url = models.CharField(max_length=2000)
    # One of contacts_ui.provider.BEHAVIOURS, named as the sandbox's variants are.
    name = models.CharField(max_length=50)
    learned_at = models.DateTimeField(default=timezone.now)
    # What showed it, for the diagnostics page.
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["learned_at"]
        constraints = [
            models.UniqueConstraint(fields=["api_url", "name"], name="one_learned_behaviour")
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.api_url}"


class Access(models.Model):
    """No table: the holder of the application's permissions (contacts_ui.roles), which
    the roles Viewer, Editor and Manager are groups of."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = roles.PERMISSIONS
        verbose_name = _("access")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Invitation(models.Model):
    """A person a superuser invited by e-mail, in a role: their login is made at once, with no
    password; the e-mailed link (contacts_ui.invitations) lets them set one, once, before
    `expires_at`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitation",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=32)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("link valid until"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.email


class CompanyIdentity(models.Model):
    """Who a login is at the company's identity provider (contacts_ui.company_sign_in): the
    provider's issuer and its unchanging subject for the person. Made at their first sign-in
    there; deleting it lets the next sign-in match the login by e-mail again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="company_identities",
        verbose_name=_("user"),
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    first_signed_in_at = models.DateTimeField(_("first signed in"), default=timezone.now)

    class Meta:
        verbose_name = _("company sign-in")
        verbose_name_plural = _("company sign-ins")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_login_per_identity")
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.issuer})"


class WorkerHeartbeat(models.Model):
    """A task worker that is alive: `manage.py jobs_worker` writes its row every few seconds
    and deletes it when it stops, so that /readyz on any web instance can tell whether a
    worker was seen recently (contacts_ui.health)."""

    name = models.CharField(_("worker"), max_length=255, unique=True)  # host:pid
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return self.name
