"""A reviewer and an editor for the bench scripts that write through the services (reanchor.py)."""


def users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from annotations import roles

    User = get_user_model()
    reviewer, _ = User.objects.get_or_create(username="bench-reanchor-reviewer")
    editor, _ = User.objects.get_or_create(username="bench-reanchor-editor")
    reviewer.groups.add(Group.objects.get_or_create(name=roles.REVIEWERS_GROUP)[0])
    editor.groups.add(Group.objects.get_or_create(name=roles.EDITORS_GROUP)[0])
    return reviewer, editor
