from django.utils.functional import SimpleLazyObject

from . import languages, roles, selectors


def review(request) -> dict:
    """Roles for the header, the number of verdicts waiting for an editor and of the user's unread
    notifications (each queried only when shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_editor = roles.user_is_editor(user)
    return {
        "nav_is_editor": is_editor,
        "nav_is_reviewer": roles.user_is_reviewer(user),
        "nav_can_unlock": roles.can_unlock_logins(user),
        "review_waiting": SimpleLazyObject(lambda: selectors.waiting_count(viewer=user)) if is_editor else None,
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_notification_count(user=user)),
    }


def catalogue(request) -> dict:
    """The JavaScript catalogue's version, for its URL in base.html (languages.catalogue_version)."""
    return {"js_catalogue_version": languages.catalogue_version()}
