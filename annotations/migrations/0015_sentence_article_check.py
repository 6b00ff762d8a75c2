"""A sentence's article is checked once per statement on PostgreSQL, not once per row.

The foreign key from sentence to article made PostgreSQL run one referential check per inserted
row at commit: 8,000 checks for an upload of 200 articles, most of the database's time for their
sentences (docs/performance.md). The same rule, stated by triggers instead:

- PostgreSQL: after each INSERT or UPDATE statement on sentences, the articles they name are
  locked as a foreign key locks them (FOR KEY SHARE) and one query refuses the statement if any
  is missing (SQLSTATE 23503, foreign_key_violation, as the foreign key raised).
- SQLite: the same refusal, row by row (SQLite's own foreign key checks cost as much).
- Both: deleting an article deletes its sentences (ON DELETE CASCADE, as before).

The index on sentence.article_id goes too: the unique (article_id, index) serves every lookup.
"""

from django.db import migrations, models
import django.db.models.deletion

POSTGRESQL = (
    [
        """CREATE FUNCTION annotations_sentence_article_exists() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE missing bigint;
        BEGIN
          PERFORM 1 FROM annotations_article a WHERE a.id IN (SELECT article_id FROM new_rows) FOR KEY SHARE OF a;
          SELECT n.article_id INTO missing FROM new_rows n
            WHERE NOT EXISTS (SELECT 1 FROM annotations_article a WHERE a.id = n.article_id) LIMIT 1;
          IF FOUND THEN
            RAISE EXCEPTION 'insert or update on table "annotations_sentence" violates its article check: '
              'article % does not exist', missing USING ERRCODE = 'foreign_key_violation';
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER annotations_sentence_article_insert AFTER INSERT ON annotations_sentence "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION annotations_sentence_article_exists()",
        "CREATE TRIGGER annotations_sentence_article_update AFTER UPDATE ON annotations_sentence "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION annotations_sentence_article_exists()",
        """CREATE FUNCTION annotations_article_delete_sentences() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM annotations_sentence s USING old_rows o WHERE s.article_id = o.id;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER annotations_article_delete_sentences AFTER DELETE ON annotations_article "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION annotations_article_delete_sentences()",
    ],
    [
        "DROP TRIGGER IF EXISTS annotations_article_delete_sentences ON annotations_article",
        "DROP FUNCTION IF EXISTS annotations_article_delete_sentences()",
        "DROP TRIGGER IF EXISTS annotations_sentence_article_update ON annotations_sentence",
        "DROP TRIGGER IF EXISTS annotations_sentence_article_insert ON annotations_sentence",
        "DROP FUNCTION IF EXISTS annotations_sentence_article_exists()",
    ],
)

SQLITE_REFUSAL = (
    "WHEN NOT EXISTS (SELECT 1 FROM annotations_article WHERE id = NEW.article_id) "
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a sentence names an article that does not exist'); END"
)
SQLITE = (
    [
        f"CREATE TRIGGER annotations_sentence_article_insert BEFORE INSERT ON annotations_sentence {SQLITE_REFUSAL}",
        "CREATE TRIGGER annotations_sentence_article_update BEFORE UPDATE OF article_id ON annotations_sentence "
        f"{SQLITE_REFUSAL}",
        "CREATE TRIGGER annotations_article_delete_sentences AFTER DELETE ON annotations_article "
        "BEGIN DELETE FROM annotations_sentence WHERE article_id = OLD.id; END",
    ],
    [
        "DROP TRIGGER IF EXISTS annotations_article_delete_sentences",
        "DROP TRIGGER IF EXISTS annotations_sentence_article_update",
        "DROP TRIGGER IF EXISTS annotations_sentence_article_insert",
    ],
)


def _run(schema_editor, which: int) -> None:
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    for statement in statements[which] if statements else []:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor) -> None:
    _run(schema_editor, 0)


def backwards(apps, schema_editor) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0014_trigram")]
    operations = [
        migrations.AlterField(
            model_name="sentence",
            name="article",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sentences",
                to="annotations.article",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
