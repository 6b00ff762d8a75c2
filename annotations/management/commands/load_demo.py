"""manage.py load_demo: the seed article, the two demo articles restating its claims, the Urdu demo
article and the demo accounts, for DEBUG demos only. Safe to rerun: what is stored already is kept as it is."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from annotations import roles, services
from annotations.demo import create_demo_articles, create_demo_verdicts, create_urdu_demo_article
from annotations.models import Article
from annotations.segmentation import normalize_text

DEMO_ARTICLE = Path(__file__).resolve().parents[2] / "demo_data" / "huawei-pakistan.txt"
DEMO_TITLE = "Huawei spying in Pakistan?"
DEMO_PASSWORD = "factcheck-demo"
DEMO_USERS = [
    ("reviewer", roles.REVIEWERS_GROUP),
    ("reviewer2", roles.REVIEWERS_GROUP),
    ("editor", roles.EDITORS_GROUP),
]


class Command(BaseCommand):
    help = "Load the demo articles and the demo accounts (reviewer, reviewer2, editor). DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo only runs with DJANGO_DEBUG=1: the demo password is public.")
        User = get_user_model()
        users = {}
        for username, group_name in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                # example.org never receives mail; DEBUG prints the e-mails on the console instead.
                user.email = f"{username}@example.org"
                user.save()
            user.groups.add(Group.objects.get(name=group_name))
            users[username] = user
            self.stdout.write(f"{'Created' if created else 'Kept'} account {username} ({group_name}).")

        body = normalize_text(DEMO_ARTICLE.read_text(encoding="utf-8"))
        article = Article.objects.filter(body_sha256=services.body_sha256(body)).first()
        if article is None:
            article = services.article_import(title=DEMO_TITLE, body=body, language="en", imported_by=None)
            verdicts = create_demo_verdicts(
                article=article, reviewer=users["reviewer"], reviewer2=users["reviewer2"], editor=users["editor"]
            )
            self.stdout.write(
                f"Imported the demo article “{article.title}” ({article.sentences.count()} sentences, "
                f"{len(verdicts)} sample verdicts)."
            )
        else:
            self.stdout.write(f"The demo article is already stored as #{article.pk}.")
        for extra in create_demo_articles():
            self.stdout.write(f"Imported the demo article “{extra.title}” ({extra.sentences.count()} sentences).")
        urdu = create_urdu_demo_article(
            reviewer=users["reviewer"], reviewer2=users["reviewer2"], editor=users["editor"]
        )
        if urdu is not None:
            self.stdout.write(
                f"Imported the Urdu demo article “{urdu.title}” ({urdu.sentences.count()} sentences, "
                f"{urdu.annotations.count()} sample verdicts)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Log in at http://127.0.0.1:8000/ as reviewer, reviewer2 or editor, "
                f"password {DEMO_PASSWORD}."
            )
        )
