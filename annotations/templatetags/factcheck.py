from django import template

from annotations import rendering

register = template.Library()


@register.filter
def marked(piece):
    """A sentence or gap with its annotations as nested <mark> elements."""
    return rendering.piece_html(piece)


@register.filter
def mark_note(annotation) -> str:
    """The description a mark points to with aria-describedby: status, state, author."""
    return rendering.mark_description(annotation)


@register.filter
def mark_note_id(annotation) -> str:
    return rendering.mark_note_id(annotation)
