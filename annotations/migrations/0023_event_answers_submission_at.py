"""Decisions record the submission they answer, so that the desk's waits are one range scan.

The backfill states workflow.answered_submission once more, in SQL, for the events written before
it: each approval and return answers the latest `submit` of its verdict at or before it. Events are
append-only (migrations 0005 and 0009, PostgreSQL only): the trigger that refuses updates is
disabled for this one statement, in the migration's transaction, and enabled again.
"""

from django.db import migrations, models

TABLE = "annotations_annotationevent"
BACKFILL = f"""
UPDATE {TABLE} SET answers_submission_at = (
    SELECT MAX(submitted.at) FROM {TABLE} AS submitted
    WHERE submitted.annotation_id = {TABLE}.annotation_id AND submitted.action = 'submit'
        AND submitted.at <= {TABLE}.at
)
WHERE action IN ('approve', 'request_changes')
"""
TRIGGER = "annotations_event_append_only"


def backfill(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # ALTER TABLE is refused while deferred checks of rows written in this transaction wait.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}", params=None)
    schema_editor.execute(BACKFILL, params=None)
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}", params=None)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0022_claim_publishing")]

    operations = [
        migrations.AddField(
            model_name="annotationevent",
            name="answers_submission_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Before the indexes change: the lookup reads event_annotation_action_at.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex(model_name="annotationevent", name="event_action_at"),
        migrations.RemoveIndex(model_name="annotationevent", name="event_annotation_action_at"),
        migrations.AddIndex(
            model_name="annotationevent",
            index=models.Index(fields=["action", "at", "answers_submission_at"], name="event_action_at_answers"),
        ),
    ]
