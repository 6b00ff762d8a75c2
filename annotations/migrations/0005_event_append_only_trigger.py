"""On PostgreSQL, the database itself refuses to update or delete annotation events."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION annotations_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'annotation events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER annotations_event_append_only
    BEFORE UPDATE OR DELETE ON annotations_annotationevent
    FOR EACH ROW EXECUTE FUNCTION annotations_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS annotations_event_append_only ON annotations_annotationevent;
DROP FUNCTION IF EXISTS annotations_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_review_workflow")]

    operations = [migrations.RunPython(forwards, backwards)]
