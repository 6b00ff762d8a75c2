"""Background work, run by `manage.py db_worker` (django-tasks-db): Django's task framework."""

from django.tasks import task

from . import services


@task()
def run_article_import(job_id: int) -> None:
    """Store a queued ArticleImport (services.import_run)."""
    services.import_run(job_id=job_id)


@task()
def archive_source(source_id: int) -> None:
    """Fetch a cited source and store its snapshot (services.source_archive)."""
    services.source_archive(source_id=source_id)
