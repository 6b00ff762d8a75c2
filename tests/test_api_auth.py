"""The API's authentication: tokens with their roles, inactive users, anonymous requests."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Annotation

from .conftest import create_payload, token_client
from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_auth(reviewer, seed_article):
    client = APIClient()
    response = client.post(reverse("api:token"), {"username": "reviewer", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=reviewer).key}
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listing = client.get(reverse("api:article-list"))
    assert [a["title"] for a in listing.json()["results"]] == ["Huawei spying in Pakistan?"]
    bad = APIClient().post(reverse("api:token"), {"username": "reviewer", "password": "nope"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_token_auth_reads_the_roles_with_the_user(reviewer, editor, outsider, seed_article, django_assert_num_queries):
    """Roles come from the token's own query: each role gets exactly its rights, in one query fewer."""
    client = token_client(reviewer)
    with django_assert_num_queries(2):  # the token with its user and roles, then the sources
        assert client.get(reverse("api:source-list")).status_code == 200
    created = token_client(reviewer).post(reverse("api:annotation-list"), create_payload(seed_article), format="json")
    assert created.status_code == 201
    assert created.json()["author"] == "reviewer"
    refused = token_client(outsider).post(reverse("api:annotation-list"), create_payload(seed_article), format="json")
    assert refused.status_code == 403
    assert Annotation.objects.count() == 1
    annotation_id = created.json()["id"]
    token_client(reviewer).post(reverse("api:annotation-submit", args=[annotation_id]), {"version": 1}, format="json")
    own = token_client(reviewer).post(
        reverse("api:annotation-approve", args=[annotation_id]), {"version": 2}, format="json"
    )
    assert own.status_code == 403
    approved = token_client(editor).post(
        reverse("api:annotation-approve", args=[annotation_id]), {"version": 2}, format="json"
    )
    assert (approved.status_code, approved.json()["state"]) == (200, "approved")


def test_token_of_an_inactive_user_is_refused(reviewer):
    client = token_client(reviewer)
    reviewer.is_active = False
    reviewer.save()
    response = client.get(reverse("api:source-list"))
    assert (response.status_code, response.json()) == (401, {"detail": "User inactive or deleted."})
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = unknown.get(reverse("api:source-list"))
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."})


def age_token(token: Token, hours: float) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=hours))


def test_token_expires_after_its_ttl(reviewer, settings):
    assert settings.FACTCHECK_TOKEN_TTL_HOURS == 720
    client = token_client(reviewer)
    token = Token.objects.get(user=reviewer)
    age_token(token, 719.9)
    assert client.get(reverse("api:source-list")).status_code == 200
    age_token(token, 720)
    response = client.get(reverse("api:source-list"))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has expired."})
    assert response["WWW-Authenticate"] == "Token"
    settings.FACTCHECK_TOKEN_TTL_HOURS = 0  # never
    assert client.get(reverse("api:source-list")).status_code == 200


def test_logging_in_again_replaces_an_expired_token_only(reviewer):
    client = token_client(reviewer)  # sends the old token along, as a client library would
    old = Token.objects.get(user=reviewer)
    credentials = {"username": "reviewer", "password": PASSWORD}
    assert client.post(reverse("api:token"), credentials, format="json").json() == {"token": old.key}
    age_token(old, 721)
    fresh = client.post(reverse("api:token"), credentials, format="json").json()["token"]
    assert fresh != old.key
    assert list(Token.objects.filter(user=reviewer).values_list("key", flat=True)) == [fresh]
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert client.get(reverse("api:source-list")).status_code == 200


def test_delete_revokes_the_callers_token(reviewer, editor):
    client = token_client(reviewer)
    editors = token_client(editor)
    response = client.delete(reverse("api:token"))
    assert (response.status_code, response.content) == (204, b"")
    refused = client.get(reverse("api:source-list"))
    assert (refused.status_code, refused.json()) == (401, {"detail": "Invalid token."})
    assert editors.get(reverse("api:source-list")).status_code == 200
    assert list(Token.objects.values_list("user__username", flat=True)) == ["editor"]


def test_revoking_needs_credentials(reviewer):
    token_client(reviewer)
    response = APIClient().delete(reverse("api:token"))
    assert (response.status_code, response.json()) == (401, {"detail": "Authentication credentials were not provided."})
    assert Token.objects.filter(user=reviewer).count() == 1


def test_anonymous_gets_401_not_a_login_redirect(seed_article):
    response = APIClient().get(reverse("api:article-list"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
