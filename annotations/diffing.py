"""A readable diff of two article bodies: words removed and added, inline. Pure: no ORM.

difflib.SequenceMatcher on word tokens (words, single punctuation marks, runs of whitespace), so a
fixed typo shows as one word replaced rather than scattered letters. The template escapes every
piece and marks them with <del>/<ins> plus words for screen readers (HtmlDiff's side-by-side table
is neither readable on a phone nor accessible).
"""

from dataclasses import dataclass
from difflib import SequenceMatcher
import re

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # "equal", "delete" or "insert"
    text: str


@dataclass(frozen=True, slots=True)
class BodyDiff:
    changes: list[Change]
    removed_words: int
    added_words: int


# An unchanged run this short between two changes (a space, "the", a comma) is folded into them,
# so that a rewritten sentence reads as one removal and one addition, not a word salad.
FOLD_TOKENS = 3


def body_diff(old: str, new: str) -> BodyDiff:
    """The changes that turn `old` into `new`, in reading order (a replacement: removal, then addition)."""
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    runs: list[list] = []  # [changed?, i1, i2, j1, j2], merged
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        changed = tag != "equal"
        between_changes = 0 < index < len(opcodes) - 1 and not changed
        if between_changes and i2 - i1 <= FOLD_TOKENS and "\n" not in "".join(a[i1:i2]):
            changed = True
        if runs and runs[-1][0] and changed:
            runs[-1][2], runs[-1][4] = i2, j2
        else:
            runs.append([changed, i1, i2, j1, j2])
    changes: list[Change] = []
    removed = added = 0
    for changed, i1, i2, j1, j2 in runs:
        if not changed:
            changes.append(Change("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            changes.append(Change("delete", "".join(a[i1:i2])))
            removed += _words(a[i1:i2])
        if j2 > j1:
            changes.append(Change("insert", "".join(b[j1:j2])))
            added += _words(b[j1:j2])
    return BodyDiff(changes=changes, removed_words=removed, added_words=added)


def _words(tokens: list[str]) -> int:
    return sum(1 for token in tokens if not token.isspace())
