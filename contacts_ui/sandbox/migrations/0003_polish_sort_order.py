"""Text sorted as a Polish user expects (contacts_ui.sandbox.collation), on both databases.

On SQLite, altering a column remakes the table, which drops the triggers that keep the
search index (0002) in step; they are made again and the index rebuilt from the table.
"""

import importlib

from django.db import migrations, models

search_index = importlib.import_module("contacts_ui.sandbox.migrations.0002_contact_search_index")


def make_the_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE COLLATION IF NOT EXISTS polish (provider = icu, locale = 'pl-x-icu')"
        )


def keep_the_search_index_in_step(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in search_index.SQLITE_FORWARD:
        if statement.startswith("CREATE TRIGGER"):
            schema_editor.execute(
                statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
            )
    schema_editor.execute(
        "INSERT INTO sandbox_contact_search(sandbox_contact_search) VALUES ('rebuild')"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox', '0002_contact_search_index'),
    ]

    operations = [
        migrations.RunPython(make_the_collation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='contact',
            name='address',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='city',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='company',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='description',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='email',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='first_name',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='last_name',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='phone',
            field=models.CharField(db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='contact',
            name='tax_id',
            field=models.CharField(blank=True, db_collation='polish', max_length=255),
        ),
        migrations.AlterField(
            model_name='group',
            name='name',
            field=models.CharField(db_collation='polish', max_length=100),
        ),
        migrations.RunPython(keep_the_search_index_in_step, migrations.RunPython.noop),
    ]
