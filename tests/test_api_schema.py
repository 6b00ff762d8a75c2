"""The API's OpenAPI schema and its offline documentation page."""

from django.urls import reverse
import pytest

from annotations import records

from .conftest import api, create_payload

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_offline_docs(reviewer):
    client = api(reviewer)
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/annotations/{id}/approve/" in schema.json()["paths"]
    filters = {p["name"]: p["schema"] for p in schema.json()["paths"]["/api/v1/annotations/"]["get"]["parameters"]}
    assert filters["article"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert filters["state"]["enum"] == ["approved", "changes_requested", "draft", "submitted"]
    docs = client.get(reverse("api:docs"))
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content


def test_the_events_list_is_what_the_schema_says(reviewer, seed_article):
    """The history is a plain list, and the schema says so (it described a paginated page)."""
    client = api(reviewer)
    created = client.post(reverse("api:annotation-list"), create_payload(seed_article), format="json").json()
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    documented = schema["paths"]["/api/v1/annotations/{id}/events/"]["get"]["responses"]["200"]
    assert documented["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Event"},
    }
    events = client.get(reverse("api:annotation-events", args=[created["id"]])).json()
    assert [event["action"] for event in events] == ["create"]
    assert list(events[0]) == list(schema["components"]["schemas"]["Event"]["properties"])


def test_the_schema_documents_the_claims(reviewer):
    schema = api(reviewer).get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {path: sorted(m for m in paths[path] if m != "parameters") for path in paths if "/claims/" in path} == {
        "/api/v1/claims/": ["post"],
        "/api/v1/claims/{id}/": ["get"],
        "/api/v1/claims/{id}/annotations/": ["post"],
        "/api/v1/claims/{id}/annotations/{annotation}/": ["delete"],
    }
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    assert list(claim) == ["id", "created_at", "created_by", "label", "count", "appearances"]
    annotation = schema["components"]["schemas"]["Annotation"]["properties"]
    assert annotation["claim"] == {"type": "integer", "readOnly": True, "nullable": True}
    write = schema["components"]["schemas"]["AnnotationCreateRequest"]["properties"]["same_claim_as"]
    assert (write["type"], write["minimum"], write["maximum"]) == ("integer", 1, 2**63 - 1)


def test_the_schema_documents_the_discussion(reviewer):
    schema = api(reviewer).get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {path: sorted(m for m in paths[path] if m != "parameters") for path in paths if "/comments/" in path} == {
        "/api/v1/annotations/{id}/comments/": ["get", "post"],
        "/api/v1/annotations/{id}/comments/{comment}/": ["delete", "patch"],
    }
    listed = paths["/api/v1/annotations/{id}/comments/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/ThreadItem"}}
    item = schema["components"]["schemas"]["ThreadItem"]["properties"]
    assert tuple(item) == records.THREAD_ITEM_KEYS
    assert list(schema["components"]["schemas"]["CommentWriteRequest"]["properties"]) == ["body"]
