"""Full-text search, kept by the database (issue 17).

SQLite: three external-content FTS5 tables (articles, verdicts, sources) kept in sync by
triggers, ranked by bm25. PostgreSQL: a weighted tsvector column per table (generated for
articles and sources, set by a trigger for verdicts, whose language is their article's), each
GIN-indexed. Each article's text search configuration follows its language
(`factcheck_ts_config`, `simple` where PostgreSQL has none, e.g. Urdu). Queries: annotations/db.py.
"""

from django.db import migrations

FTS5_TABLES = {
    # fts table: (content table, columns)
    "search_article": ("annotations_article", ("title", "body")),
    "search_annotation": ("annotations_annotation", ("quote", "note", "claimant", "denied_by")),
    "search_source": ("annotations_source", ("title", "publisher", "url")),
}

# BCP 47 primary subtag -> PostgreSQL 15 configuration; anything else is `simple`.
CONFIGS = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}


def sqlite_statements() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for fts, (table, columns) in FTS5_TABLES.items():
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        forward += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        ]
        backward += [f"DROP TRIGGER IF EXISTS {fts}_{s}" for s in ("ai", "ad", "au")] + [f"DROP TABLE IF EXISTS {fts}"]
    return forward, backward


def postgresql_statements() -> tuple[list[str], list[str]]:
    cases = " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in CONFIGS.items())
    forward = [
        "CREATE FUNCTION factcheck_ts_config(language text) RETURNS regconfig LANGUAGE sql IMMUTABLE "
        f"AS $$ SELECT CASE split_part(lower(language), '-', 1) {cases} ELSE 'simple'::regconfig END $$",
        "ALTER TABLE annotations_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector(factcheck_ts_config(language), title), 'A') || "
        "setweight(to_tsvector(factcheck_ts_config(language), body), 'B')) STORED",
        "CREATE INDEX annotations_article_search ON annotations_article USING gin (search_vector)",
        "ALTER TABLE annotations_source ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', publisher), 'B') || "
        "setweight(to_tsvector('simple', regexp_replace(url, '[^[:alnum:]]+', ' ', 'g')), 'C')) STORED",
        "CREATE INDEX annotations_source_search ON annotations_source USING gin (search_vector)",
        "ALTER TABLE annotations_annotation ADD COLUMN search_vector tsvector",
        """CREATE FUNCTION annotations_annotation_search() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE config regconfig;
        BEGIN
          SELECT factcheck_ts_config(language) INTO config FROM annotations_article WHERE id = NEW.article_id;
          NEW.search_vector :=
            setweight(to_tsvector(config, NEW.quote), 'A') ||
            setweight(to_tsvector(config, NEW.claimant || ' ' || NEW.denied_by), 'B') ||
            setweight(to_tsvector(config, NEW.note), 'C');
          RETURN NEW;
        END $$""",
        "CREATE TRIGGER annotations_annotation_search BEFORE INSERT OR UPDATE OF quote, note, claimant, "
        "denied_by, article_id ON annotations_annotation FOR EACH ROW EXECUTE FUNCTION annotations_annotation_search()",
        # Fill existing rows through the trigger (an UPDATE OF quote fires it).
        "UPDATE annotations_annotation SET quote = quote",
        "CREATE INDEX annotations_annotation_search_idx ON annotations_annotation USING gin (search_vector)",
    ]
    backward = [
        "DROP TRIGGER IF EXISTS annotations_annotation_search ON annotations_annotation",
        "DROP FUNCTION IF EXISTS annotations_annotation_search()",
        "ALTER TABLE annotations_annotation DROP COLUMN IF EXISTS search_vector",
        "ALTER TABLE annotations_source DROP COLUMN IF EXISTS search_vector",
        "ALTER TABLE annotations_article DROP COLUMN IF EXISTS search_vector",
        "DROP FUNCTION IF EXISTS factcheck_ts_config(text)",
    ]
    return forward, backward


def _run(apps, schema_editor, *, reverse: bool = False) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = sqlite_statements()
    elif vendor == "postgresql":
        statements = postgresql_statements()
    else:
        return
    for statement in statements[1 if reverse else 0]:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor) -> None:
    _run(apps, schema_editor)


def backwards(apps, schema_editor) -> None:
    _run(apps, schema_editor, reverse=True)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0012_article_versions")]
    operations = [migrations.RunPython(forwards, backwards)]
