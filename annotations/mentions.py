"""`@username` in a comment, found here and only here: services record the mentions, rendering
highlights them. Pure: no ORM.

A name is what Django allows in a username (letters, digits, `.`, `+`, `-`, `_`) but for a final
`.`, which ends the sentence ("ask @editor."); a name must not follow a letter or a digit, so an
email address ("a@example.org") mentions no one.
"""

import re

MENTION = re.compile(r"(?<![\w.@+-])@([\w.+-]*[\w+-])")


def mentioned_names(text: str) -> list[str]:
    """The names after `@` in the text, each once, in the order they first appear."""
    return list(dict.fromkeys(match.group(1) for match in MENTION.finditer(text)))
