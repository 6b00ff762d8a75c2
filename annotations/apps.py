from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            languages,  # noqa: F401  (remembers a user's language at log-in)
        )
