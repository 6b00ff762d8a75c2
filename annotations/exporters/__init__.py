"""Export formats. Each module turns the selection of exporters.common into a
stream of JSON text chunks, so memory does not grow with the export."""

from . import claimreview, native, w3c

FORMATS = {"native": native, "w3c": w3c, "claimreview": claimreview}
