"""What a request names by number: ids, offsets, versions. One rule for every page, form and
endpoint: an ASCII whole number in range, or nothing. Pure: no ORM.

`"²".isdigit()` and `"٣".isdigit()` are true and Python's int() takes `"٣"`; a 25-digit id
overflows the database's integer columns. Both reached the database as 500s before this.
"""

from django.core.exceptions import BadRequest

BIGINT_MAX = 2**63 - 1  # the largest id the database's id columns hold
_DIGITS = frozenset("0123456789")


def whole_number(value: object, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """`value` as an int if it is ASCII digits (at most 19) within [minimum, maximum], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 19 and _DIGITS.issuperset(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A database id (1 to BIGINT_MAX), or None."""
    return whole_number(value, minimum=1)


def query_number(query, name: str, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """A number from a query string: None when absent or empty, 400 (BadRequest) when not a number."""
    value = query.get(name, "")
    if value == "":
        return None
    number = whole_number(value, minimum=minimum, maximum=maximum)
    if number is None:
        raise BadRequest(f"“{name}” must be a whole number from {minimum} to {maximum}.")
    return number


class IdConverter:
    """`<id:pk>` in a URL: a database id; anything else is no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
