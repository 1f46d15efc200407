# Background jobs (contacts_ui.jobs) and CSV uploads being imported.

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts_ui', '0003_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportUpload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('filename', models.CharField(max_length=255)),
                ('text', models.TextField()),
                ('encoding', models.CharField(max_length=32)),
                ('delimiter', models.CharField(max_length=4)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_uploads', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('contact_delete', 'Delete contacts'), ('contact_add_to_group', 'Add contacts to a group'), ('contact_remove_from_group', 'Remove contacts from a group'), ('contact_move_to_group', 'Move contacts to a group'), ('contact_import', 'Import contacts'), ('group_delete', 'Delete groups'), ('group_merge', 'Merge groups'), ('account_scan', 'Look for what needs tidying'), ('history_undo', 'Undo a bulk action')], max_length=32, verbose_name='action')),
                ('title', models.CharField(max_length=255, verbose_name='what')),
                ('state', models.CharField(choices=[('queued', 'waiting to start'), ('running', 'running'), ('done', 'finished'), ('cancelled', 'cancelled'), ('stopped', 'stopped')], default='queued', max_length=16, verbose_name='state')),
                ('params', models.JSONField(blank=True, default=dict)),
                ('api_url', models.CharField(max_length=500)),
                ('language', models.CharField(default='en', max_length=16)),
                ('batch', models.UUIDField(db_index=True, default=uuid.uuid4)),
                ('cancel_requested', models.BooleanField(default=False)),
                ('error', models.TextField(blank=True)),
                ('result', models.JSONField(blank=True, null=True)),
                ('back_url', models.CharField(blank=True, max_length=2000)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='started')),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('retry_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='retries', to='contacts_ui.job')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'background job',
                'verbose_name_plural': 'background jobs',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='JobItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('label', models.CharField(max_length=255)),
                ('payload', models.JSONField()),
                ('status', models.CharField(choices=[('pending', 'waiting'), ('done', 'done'), ('skipped', 'nothing to do'), ('failed', 'failed'), ('unknown', 'outcome unknown'), ('cancelled', 'not done (cancelled)')], default='pending', max_length=16)),
                ('message', models.TextField(blank=True)),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='contacts_ui.job')),
            ],
            options={
                'ordering': ['position'],
                'indexes': [models.Index(fields=['job', 'status'], name='contacts_ui_job_id_80b885_idx')],
                'constraints': [models.UniqueConstraint(fields=('job', 'position'), name='job_item_position')],
            },
        ),
    ]
