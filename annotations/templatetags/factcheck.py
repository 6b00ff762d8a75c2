from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from annotations import rendering
from annotations.models import STATUS_DETAILS, State, Status

register = template.Library()


@register.filter
def marked(piece):
    """A sentence or gap with its annotations as nested <mark> elements."""
    return rendering.piece_html(piece)


@register.filter
def search_snippet(text: str):
    """A search snippet: escaped, the matched words in <mark>."""
    return rendering.search_snippet(text)


@register.filter
def comment_html(item):
    """A discussion item's body (selectors.ThreadItem): escaped, mentions highlighted, line breaks kept."""
    return rendering.comment_html(item.body, item.mentions or [])


@register.filter
def mark_note(annotation) -> str:
    """The description a mark points to with aria-describedby: status, state, author."""
    return rendering.mark_description(annotation)


@register.filter
def mark_note_id(annotation) -> str:
    return rendering.mark_note_id(annotation)


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago, in the largest unit: "just now" under a minute (never "0 minutes ago"),
    then "5 minutes ago", "2 hours ago", "3 days ago". Pages put the exact time in <time>."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):  # a clock a little ahead counts as now too
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, depth=1)}


@register.inclusion_tag("annotations/status_badges.html")
def status_badges(status: str, state: str = "") -> dict:
    """A verdict's status (icon and word, never colour alone) and state, from their stored values:
    for results that are plain records (search), not Annotation instances."""
    return {
        "status": status,
        "status_label": Status(status).label,
        "status_icon": STATUS_DETAILS[Status(status)][0],
        "state": state,
        "state_label": State(state).label if state else "",
    }
