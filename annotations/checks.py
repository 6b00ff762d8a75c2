"""System checks of factcheck's own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def publishing_organization(app_configs, **kwargs) -> list[Warning]:
    """Published ClaimReviews name the fact-checking organisation as their author: its name and its
    web address. Without them the public pages and the ClaimReview export publish an anonymous
    review, which fact-check aggregators do not take."""
    missing = [
        name
        for name in ("FACTCHECK_ORGANIZATION_NAME", "FACTCHECK_ORGANIZATION_URL")
        if not getattr(settings, name).strip()
    ]
    if not missing:
        return []
    return [
        Warning(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
            hint="Set the fact-checking organisation's name and web address (https://…): published "
            "ClaimReviews name it as their author.",
            id="factcheck.W001",
        )
    ]
