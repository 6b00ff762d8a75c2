"""Export formats. Each module turns the selection of exporters.common into JSON text in three
parts: `head(selection)`, `entries(selection)` (comma-separated, streamed, so memory does not grow
with the export) and `TAIL`. `stream()` joins them; exporters.parallel writes entries side by side."""

from collections.abc import Iterator
from types import ModuleType

from . import claimreview, native, w3c
from .common import Selection

FORMATS = {"native": native, "w3c": w3c, "claimreview": claimreview}


def stream(exporter: ModuleType, selection: Selection, *, base_url: str = "", progress=None) -> Iterator[bytes]:
    """One whole export document, in pieces."""
    yield exporter.head(selection, base_url=base_url)
    yield from exporter.entries(selection, base_url=base_url, progress=progress)
    yield exporter.TAIL
