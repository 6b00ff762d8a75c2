"""The API's JSON parser: DRF's, refusing what no endpoint takes, with a 400 instead of a 500.

Every endpoint's body is a JSON object of flat fields and one list of source objects, so a body
that is not an object, or that nests deeper than MAX_DEPTH, is refused before any view reads it
(a deeply nested body used to exhaust the recursion limit in the decoder: a 500).
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 8


def _depth_exceeds(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class JSONObjectParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        if not isinstance(data, dict):
            raise ParseError("JSON parse error - the body must be a JSON object.")
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        return data
