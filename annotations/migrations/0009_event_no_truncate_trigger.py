"""On PostgreSQL, the database itself refuses to TRUNCATE annotation events.

TRUNCATE fires no row triggers, so 0005's trigger does not stop it. This statement-level trigger
runs 0005's function, which raises with TG_OP = 'TRUNCATE'. It fires also when the table is
truncated through CASCADE from the annotations table.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER annotations_event_no_truncate
    BEFORE TRUNCATE ON annotations_annotationevent
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS annotations_event_no_truncate ON annotations_annotationevent;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0008_field_limits")]

    operations = [migrations.RunPython(forwards, backwards)]
