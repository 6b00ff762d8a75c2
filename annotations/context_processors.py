from django.utils.functional import SimpleLazyObject

from . import selectors, services


def review(request) -> dict:
    """Roles for the header, and the number of verdicts waiting for an editor (queried only when shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_editor = services.user_is_editor(user)
    return {
        "nav_is_editor": is_editor,
        "nav_is_reviewer": services.user_is_reviewer(user),
        "review_waiting": SimpleLazyObject(selectors.waiting_count) if is_editor else None,
    }
