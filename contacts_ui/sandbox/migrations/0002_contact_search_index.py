"""A substring index over Contact.search_text, so that a search at 100,000
contacts costs in proportion to what it finds rather than to the account.

SQLite: an FTS5 table with the trigram tokenizer, kept in step by triggers.
PostgreSQL: a trigram GIN index (pg_trgm), which LIKE '%…%' uses by itself.
The full-name part of search_text is new here, so existing rows are rebuilt.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE sandbox_contact_search USING fts5("
    "search_text, content='sandbox_contact', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER sandbox_contact_search_insert AFTER INSERT ON sandbox_contact BEGIN "
    "INSERT INTO sandbox_contact_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER sandbox_contact_search_delete AFTER DELETE ON sandbox_contact BEGIN "
    "INSERT INTO sandbox_contact_search(sandbox_contact_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER sandbox_contact_search_update AFTER UPDATE OF search_text ON sandbox_contact "
    "BEGIN "
    "INSERT INTO sandbox_contact_search(sandbox_contact_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO sandbox_contact_search(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER sandbox_contact_search_update",
    "DROP TRIGGER sandbox_contact_search_delete",
    "DROP TRIGGER sandbox_contact_search_insert",
    "DROP TABLE sandbox_contact_search",
]
POSTGRESQL_INDEX = (
    "CREATE INDEX sandbox_contact_search_trgm ON sandbox_contact "
    "USING gin (search_text gin_trgm_ops)"
)


def rebuild_search_text(apps, schema_editor):
    from contacts_ui.sandbox.models import build_search_text

    Contact = apps.get_model("sandbox", "Contact")
    batch = []
    for contact in Contact.objects.using(schema_editor.connection.alias).iterator(chunk_size=2000):
        contact.search_text = build_search_text(contact)
        batch.append(contact)
        if len(batch) == 2000:
            Contact.objects.bulk_update(batch, ["search_text"])
            batch = []
    Contact.objects.bulk_update(batch, ["search_text"])


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    # Before the triggers exist: an external-content FTS table must never be
    # told to delete a row it has not indexed yet.
    rebuild_search_text(apps, schema_editor)
    if connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
        schema_editor.execute(
            "INSERT INTO sandbox_contact_search(sandbox_contact_search) VALUES ('rebuild')"
        )
    elif connection.vendor == "postgresql":
        # pg_trgm may need rights the database user lacks; the sandbox then
        # works unindexed (slower at scale) rather than failing to migrate.
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT sandbox_trgm")
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute(POSTGRESQL_INDEX)
            except Exception:  # noqa: BLE001
                cursor.execute("ROLLBACK TO SAVEPOINT sandbox_trgm")
            else:
                cursor.execute("RELEASE SAVEPOINT sandbox_trgm")


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS sandbox_contact_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
