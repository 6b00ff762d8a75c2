"""The API's OpenAPI schema and its offline documentation page."""

from django.urls import reverse
import pytest

from .conftest import api

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
