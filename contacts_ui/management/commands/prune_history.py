from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contacts_ui.imports import retention
from contacts_ui.models import HistoryEntry, Job


class Command(BaseCommand):
    help = (
        "Remove history entries and finished background jobs older than "
        "HISTORY_RETENTION_DAYS days (or --days), and uploaded CSV files, and the rows of "
        "finished imports, older than a day. Run it daily, from cron or a scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help="Keep this many days of history instead of HISTORY_RETENTION_DAYS.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say how many entries would be removed, and remove none.",
        )

    def handle(self, **options):
        days = options["days"]
        if days is None:
            days = settings.HISTORY_RETENTION_DAYS
        if days < 1:
            # Zero would wipe the whole history, most likely by mistake.
            raise CommandError("The retention must be at least one day.")
        cutoff = timezone.now() - timedelta(days=days)
        old = HistoryEntry.objects.filter(at__lt=cutoff)
        if options["dry_run"]:
            count = old.count()
            self.stdout.write(
                f"Would remove {count} history entries older than {days} days "
                f"(before {cutoff:%Y-%m-%d %H:%M} UTC); removed none (--dry-run)."
            )
            return
        # Undos made later keep their entry; only their link to the removed one is cleared.
        count, _ = old.delete()
        self.stdout.write(
            f"Removed {count} history entries older than {days} days "
            f"(before {cutoff:%Y-%m-%d %H:%M} UTC)."
        )
        finished = [Job.State.DONE, Job.State.CANCELLED, Job.State.STOPPED]
        jobs, _ = Job.objects.filter(created_at__lt=cutoff, state__in=finished).delete()
        # People's names and phones, uploaded to import: kept a day, not as long as the history.
        uploads, rows = retention.forget_rows(timezone.now() - retention.ROWS_KEPT)
        self.stdout.write(
            f"Removed {jobs} rows of finished background jobs, {uploads} uploaded files, "
            f"and the rows of {rows} items of imports older than a day."
        )
