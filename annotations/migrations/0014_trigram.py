"""Desk search on PostgreSQL: pg_trgm and trigram indexes on the short texts (article titles, verdict
quotes, source titles), for misspelled words that full-text search cannot find (db.search_fuzzy).
pg_trgm is a trusted extension: the database's owner may create it. Nothing on SQLite."""

from django.db import migrations

TRIGRAM_INDEXES = {
    "annotations_article_title_trgm": ("annotations_article", "title"),
    "annotations_annotation_quote_trgm": ("annotations_annotation", "quote"),
    "annotations_source_title_trgm": ("annotations_source", "title"),
}


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for name, (table, column) in TRIGRAM_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)", params=None)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0013_search")]
    operations = [migrations.RunPython(forwards, backwards)]
