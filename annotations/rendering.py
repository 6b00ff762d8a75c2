"""HTML for annotated text: properly nested <mark> elements over segments.

Overlapping annotations cannot nest as written, so a mark is closed and
reopened where another one crosses it; every fragment carries its
annotation's id and status, and the text of all fragments of one annotation
is exactly its quote.

The first fragment of each annotation is its one tab stop (so marks are
reached in text order, once each) and points with `aria-describedby` at the
annotation's description in `#mark-notes`: status, state and author. A
`<mark>` may not carry `aria-label` (ARIA prohibits naming it), and text
inside the paragraph would change the offsets the reader counts.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .db import SEARCH_MARK
from .mentions import MENTION
from .models import Annotation
from .reader import Piece


def mark_description(annotation: Annotation) -> str:
    """What a mark is, in words: "Alleged verdict, draft, by reviewer"."""
    return _("%(status)s verdict, %(state)s, by %(author)s") % {
        "status": annotation.get_status_display(),
        "state": annotation.get_state_display().lower(),
        "author": annotation.author.get_username(),
    }


def mark_note_id(annotation: Annotation) -> str:
    return f"mark-note-{annotation.pk}"


def _open(annotation: Annotation, first: bool) -> str:
    if first:
        return format_html(
            '<mark class="mark mark-{} mark-first" data-annotation-id="{}" data-status="{}" title="{}" tabindex="0"'
            ' aria-describedby="{}">',
            annotation.status,
            annotation.pk,
            annotation.status,
            mark_description(annotation),
            mark_note_id(annotation),
        )
    return format_html(
        '<mark class="mark mark-{}" data-annotation-id="{}" data-status="{}" title="{}">',
        annotation.status,
        annotation.pk,
        annotation.status,
        mark_description(annotation),
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


def search_snippet(text: str) -> SafeString:
    """A search snippet as HTML: the text escaped, then each matched word (between
    db.SEARCH_MARK, put there by the engine) in <mark>; stray markers (typed into a note) dropped."""
    start, stop = SEARCH_MARK
    marked = re.sub(f"{start}([^{start}{stop}]+){stop}", r"<mark>\1</mark>", escape(text))
    return mark_safe(marked.replace(start, "").replace(stop, ""))  # noqa: S308 (escaped; only <mark> added)


def comment_html(body: str, mentions: list[str]) -> SafeString:
    """A comment as HTML: every character escaped, the recorded mentions (and only those: any other
    @word stays text) as `<strong class="mention">@name</strong>`, each line break a `<br>`."""
    known = set(mentions)
    out: list[str] = []
    last = 0
    for match in MENTION.finditer(body):
        if match.group(1) in known:
            out.append(escape(body[last : match.start()]))
            out.append(format_html('<strong class="mention">@{}</strong>', match.group(1)))
            last = match.end()
    out.append(escape(body[last:]))
    html = "".join(out)
    return mark_safe(html.replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308 (escaped; only <strong>, <br>)


# --- The dashboard's charts: drawn on the server as SVG, each with a title and a data table ------


def bar_chart(values: list[int], *, width: int = 600, height: int = 160, gap: int = 2) -> dict:
    """Bars of a column chart for an inline SVG of `width` × `height` (the axis along the bottom):
    each {x, y, width, height, middle, value}, tallest at the full height less room for its label; and
    the largest value (the axis's top)."""
    top = max(values, default=0)
    room = height - 16  # the tallest bar's value is written above it
    step = width / max(1, len(values))
    bars = []
    for index, value in enumerate(values):
        tall = 0 if not top else round(room * value / top, 1)
        bars.append(
            {
                "x": round(index * step + gap / 2, 1),
                "y": round(height - tall, 1),
                "width": round(max(1.0, step - gap), 1),
                "middle": round(index * step + step / 2, 1),
                "height": tall,
                "value": value,
            }
        )
    return {"bars": bars, "top": top, "width": width, "height": height}
