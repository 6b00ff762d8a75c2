from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXPORT_SCHEMA_PATH = PROJECT_ROOT / "docs" / "export.schema.json"
EXPORT_SCHEMA_V1_PATH = PROJECT_ROOT / "docs" / "export.schema.v1.json"  # still read by import_annotations
EXPORT_SCHEMA_V2_PATH = PROJECT_ROOT / "docs" / "export.schema.v2.json"  # still read by import_annotations
