# An upload is kept parsed (its records), not as the file's text, with the checks made of it
# (the target groups' members, each row's own checks), so that no step parses or checks it
# again. Uploads stored before are parsed here; one that no longer parses is removed (an
# upload is kept only a day, and its owner uploads it again).

import csv
import io

from django.db import migrations, models


def parse_stored_text(apps, schema_editor):
    # The parser of the time this migration was written; imported here, not at the top, so
    # that a later change to it bothers only databases that still hold text to parse.
    from contacts_ui.imports import csv_rows

    ImportUpload = apps.get_model("contacts_ui", "ImportUpload")
    for upload in ImportUpload.objects.all():
        try:
            table = csv_rows.read_table(upload.text, upload.delimiter)
        except Exception:
            upload.delete()
            continue
        upload.records = table.records
        upload.width = table.width
        upload.save(update_fields=["records", "width"])


def write_text_again(apps, schema_editor):
    ImportUpload = apps.get_model("contacts_ui", "ImportUpload")
    for upload in ImportUpload.objects.all():
        out = io.StringIO()
        writer = csv.writer(out, delimiter=upload.delimiter, lineterminator="\r\n")
        writer.writerows(cells for _line, cells in upload.records)
        upload.text = out.getvalue()
        upload.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [
        ("contacts_ui", "0007_undo_started_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="importupload",
            name="records",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="importupload",
            name="width",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importupload",
            name="group_phones",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="importupload",
            name="row_checks",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(parse_stored_text, write_text_again),
        # A default for the text, so that reversed, the column is added back to rows that
        # have one (write_text_again then fills it).
        migrations.AlterField(
            model_name="importupload",
            name="text",
            field=models.TextField(default=""),
        ),
        migrations.RemoveField(
            model_name="importupload",
            name="text",
        ),
    ]
