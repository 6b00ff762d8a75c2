"""No input answers 500: every URL pattern, with malformed ids, numbers, NUL characters and JSON.

The walk reads the URL patterns themselves, so a new page or endpoint is probed without being
listed here. Each request must answer below 500; most answer 400 or 404.
"""

import re

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
import pytest

from annotations import services
from annotations.models import Annotation

from .conftest import sentence_span

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["²", "٣", "9" * 25, "9" * 19, "-1", "1.5", ""]
BAD_TEXT = ["a\x00b", "%_'\\", "☃" * 300]
PARAMS = [
    "offset",
    "upto",
    "article",
    "reviewer",
    "version",
    "page",
    "page_size",
    "cursor",
    "q",
    "search",
    "status",
    "state",
    "author",
    "format",
    "start",
    "end",
    "relation",
    "language",
    "publisher",
    "review",
    "annotations",
    "annotation",
    "same_claim_as",
]
FORM_FIELDS = {
    "version": "1",
    "start": "0",
    "end": "5",
    "quote": "x",
    "status": "alleged",
    "comment": "c",
    "source_id": "1",
    "source_relation": "supports",
    "source_pinpoint": "",
    "url": "https://example.org/",
    "title": "t",
    "same_claim_as": "1",
    "annotation": "1",
    "body": "b",
}
NUMBER_PARAMS = ["offset", "upto", "article", "reviewer", "version", "page", "page_size", "start", "end"]
SKIPPED_PREFIXES = ("admin/", "static/")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every URL pattern as text: route syntax (`<id:pk>`) or a regex (DRF's router)."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        text = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            if not text.startswith(SKIPPED_PREFIXES):
                found.extend(routes(entry, text))
        elif isinstance(entry, URLPattern) and "(?P<format>" not in text:
            found.append(text)
    return found


def fill(route: str, value: str) -> str:
    """The route with every parameter set to `value`."""
    route = re.sub(r"<(?:\w+:)?\w+>", value, route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", value, route)
    return "/" + route.replace("\\", "")


@pytest.fixture
def world(reviewer, editor, seed_article, bbc_source):
    live = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="evidenced",
        sources=[services.SourceLink(bbc_source, "supports")],
        **sentence_span(seed_article, 1),
    )
    services.annotation_submit(annotation=live, actor=reviewer, version=1)
    gone = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 2)
    )
    services.annotation_delete(annotation=gone, actor=reviewer)
    again = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 3)
    )
    claim = services.claim_link(annotation=again, earlier=live, actor=reviewer)
    comment = services.comment_create(annotation=live, author=reviewer, body="A comment @editor")
    return {
        # First: a claim's routes also name "annotations"; the claim's own id is the one to fill in.
        "claims": claim.pk,
        "articles": seed_article.pk,
        "annotations": live.pk,
        "sources": bbc_source.pk,
        "factchecks": seed_article.pk,
        "comments": comment.pk,
    }


def real_path(route: str, world: dict) -> str:
    """The route with its id set to a stored object of the kind its path names."""
    kind = next((name for name in world if name in route), "articles")
    return fill(route, str(world[kind]))


def clients(editor, reviewer) -> dict[str, Client]:
    made = {"anonymous": Client()}
    for name, user in (("editor", editor), ("reviewer", reviewer)):
        made[name] = Client()
        made[name].force_login(user)
    return made


def assert_no_500(client: Client, method: str, path: str, **kwargs) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 500, f"{method.upper()} {path} {kwargs} -> {response.status_code}"


def test_the_walk_finds_the_pages_and_the_api():
    found = routes()
    assert {"articles/<id:pk>/", "annotations/<id:pk>/restore/", "api/v1/auth/token/"} <= set(found)
    assert {"claims/<id:pk>/", "claims/<id:pk>/annotations/<id:annotation_pk>/remove/"} <= set(found)
    assert any(route.startswith("api/v1/claims/") and "(?P<annotation>" in route for route in found)
    assert any(route.startswith("api/v1/annotations/") for route in found)
    assert {"annotations/<id:pk>/discussion/", "comments/<id:pk>/edit/", "comments/<id:pk>/delete/"} <= set(found)
    assert any(route.startswith("api/v1/annotations/") and "(?P<comment>" in route for route in found)


@pytest.mark.parametrize("value", ["²", "٣", "9" * 19, "9" * 25, "0"])
def test_malformed_ids_in_every_path(world, editor, reviewer, value):
    client = clients(editor, reviewer)["editor"]
    for route in routes():
        path = fill(route, value)
        assert_no_500(client, "get", path)
        assert_no_500(client, "post", path, data=FORM_FIELDS)
        if route.startswith("api/"):
            assert_no_500(client, "delete", path)


@pytest.mark.parametrize("value", BAD_NUMBERS + BAD_TEXT)
def test_malformed_query_parameters_on_every_page(world, editor, reviewer, value):
    """All parameters at once with each value, and each number alone with the worst values (one
    refused early could hide another)."""
    for name, client in clients(editor, reviewer).items():
        for route in routes():
            path = real_path(route, world)
            assert_no_500(client, "get", path, data=dict.fromkeys(PARAMS, value))
            if name == "editor" and value in ("²", "9" * 25):
                for param in NUMBER_PARAMS:
                    assert_no_500(client, "get", path, data={param: value})


@pytest.mark.parametrize("value", BAD_NUMBERS + BAD_TEXT)
def test_malformed_form_fields_on_every_post(world, editor, reviewer, value):
    client = clients(editor, reviewer)["editor"]
    for route in routes():
        path = real_path(route, world)
        assert_no_500(client, "post", path, data=dict.fromkeys(FORM_FIELDS, value), headers={"HX-Request": "true"})
        if value in ("²", "9" * 25):
            for field in ("version", "start", "end", "source_id", "same_claim_as", "annotation"):
                data = FORM_FIELDS | {field: value}
                assert_no_500(client, "post", path, data=data, headers={"HX-Request": "true"})


DEEP = "[" * 100_000 + "]" * 100_000
JSON_BODIES = ["[]", '"text"', "1", "null", DEEP, '{"a": ' + DEEP + "}", "{", '{"status": "\\u0000"}']
JSON_BODIES += [
    '{"annotations": ["²", {}, null, 1e400]}',
    '{"annotation": "' + "9" * 25 + '"}',
    '{"same_claim_as": [1]}',
]


@pytest.mark.parametrize("body", JSON_BODIES, ids=range(len(JSON_BODIES)))
def test_json_bodies_that_are_not_objects_or_too_deep(world, editor, reviewer, body):
    for name, client in clients(editor, reviewer).items():
        for route in routes():
            if name == "editor" and not route.startswith("api/v1/auth"):
                continue
            if not route.startswith("api/"):
                continue
            path = real_path(route, world)
            for method in ("post", "put", "patch"):
                assert_no_500(client, method, path, data=body, content_type="application/json")


def test_a_json_body_that_is_not_an_object_gets_a_clear_400(world, reviewer):
    client = clients(reviewer, reviewer)["reviewer"]
    response = client.patch(f"/api/v1/annotations/{world['annotations']}/", data="[]", content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "JSON parse error - the body must be a JSON object."},
    )
    deep = client.post("/api/v1/auth/token/", data=DEEP, content_type="application/json")
    assert (deep.status_code, deep.json()) == (400, {"detail": "JSON parse error - nested deeper than 8 levels."})


def test_nul_in_a_query_is_refused_with_a_message(world, reviewer):
    client = clients(reviewer, reviewer)["reviewer"]
    page = client.get("/", {"q": "a\x00b"})
    api = client.get("/api/v1/sources/", {"q": "\x00"})
    assert (page.status_code, page.text) == (400, "Text may not contain NUL characters.")
    assert (api.status_code, api.json()) == (400, {"detail": "Text may not contain NUL characters."})


def test_restoring_a_live_verdict_is_a_conflict(world, editor):
    client = clients(editor, editor)["editor"]
    response = client.post(f"/annotations/{world['annotations']}/restore/", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "This verdict is not deleted: there is nothing to restore." in response.text
    assert Annotation.objects.get(pk=world["annotations"]).version == 2


def test_an_out_of_range_id_is_not_found(world, reviewer):
    client = clients(reviewer, reviewer)["reviewer"]
    assert client.get("/articles/9223372036854775808/").status_code == 404
    assert client.get("/api/v1/articles/9223372036854775808/").status_code == 404
    assert client.get("/api/v1/sources/9999999999999999999/").status_code == 404
    assert client.get("/articles/²/").status_code == 404
    assert client.get(f"/articles/{world['articles']}/verdicts/", {"offset": "²"}).status_code == 400


def test_password_reset_pages_are_not_routed(client):
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.get("/accounts/login/").status_code == 200
