from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
import factory

from annotations import services

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


class ArticleFactory(factory.Factory):
    """Articles go through services.article_import(), the one path that segments them."""

    class Meta:
        model = dict

    title = factory.Sequence(lambda n: f"Article {n}")
    body = factory.Sequence(lambda n: f"Story number {n} begins here. It has a second sentence.\nA new paragraph.")
    language = "en"
    url = ""
    publisher = ""
    published_at = None
    imported_by = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.article_import(**kwargs)
