"""HTML for annotated text: properly nested <mark> elements over segments.

Overlapping annotations cannot nest as written, so a mark is closed and
reopened where another one crosses it; every fragment carries its
annotation's id and status, and the text of all fragments of one annotation
is exactly its quote.
"""

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .reader import Piece


def _open(annotation, first: bool) -> str:
    return format_html(
        '<mark class="mark mark-{}{}" data-annotation-id="{}" data-status="{}" title="{} — {}">',
        annotation.status,
        " mark-first" if first else "",
        annotation.pk,
        annotation.status,
        annotation.get_status_display(),
        annotation.author.get_username(),
    )


def piece_html(piece: Piece) -> SafeString:
    out: list[str] = []
    stack: list = []
    for segment in piece.segments:
        wanted = segment.annotations
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep].pk == wanted[keep].pk:
            keep += 1
        out.extend("</mark>" for _ in stack[keep:])
        del stack[keep:]
        for annotation in wanted[keep:]:
            out.append(_open(annotation, first=segment.start == annotation.start))
            stack.append(annotation)
        out.append(escape(segment.text))
    out.extend("</mark>" for _ in stack)
    return mark_safe("".join(out))  # noqa: S308 - every part is escaped or built by format_html
