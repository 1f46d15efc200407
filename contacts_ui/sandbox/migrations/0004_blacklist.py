"""The blacklist, account-wide and by phone: a contact's flag follows it (a flag set on a
contact before becomes its phone on the list).

On SQLite, removing a column remakes the table, which drops the triggers that keep the
search index (0002) in step; they are made again and the index rebuilt, as in 0003.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

polish_sort_order = importlib.import_module("contacts_ui.sandbox.migrations.0003_polish_sort_order")


def list_the_flagged_phones(apps, schema_editor):
    Contact = apps.get_model("sandbox", "Contact")
    BlacklistedNumber = apps.get_model("sandbox", "BlacklistedNumber")
    flagged = Contact.objects.filter(blacklist=True).values_list("account_id", "phone").distinct()
    BlacklistedNumber.objects.bulk_create(
        [BlacklistedNumber(account_id=account, phone=phone) for account, phone in flagged],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox', '0003_polish_sort_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='BlacklistedNumber',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(max_length=32)),
                ('added', models.DateTimeField(auto_now_add=True)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blacklist', to='sandbox.account')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('account', 'phone'), name='unique_blacklisted_number')],
            },
        ),
        migrations.RunPython(list_the_flagged_phones, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='contact',
            name='blacklist',
        ),
        migrations.RunPython(
            polish_sort_order.keep_the_search_index_in_step, migrations.RunPython.noop
        ),
    ]
