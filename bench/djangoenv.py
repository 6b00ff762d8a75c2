"""For the bench scripts that run inside Django (seed.py, page.py): the project on sys.path, then django.setup().

Each of them runs as its own process so that DATABASE_URL, read once by settings.py, can differ per database.
"""

import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
