from django import template

from annotations.rendering import piece_html

register = template.Library()


@register.filter
def marked(piece):
    """A sentence or gap with its annotations as nested <mark> elements."""
    return piece_html(piece)
