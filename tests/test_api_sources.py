"""The sources API: search, create (reusing a stored URL), refusals."""

from django.urls import reverse
import pytest

from annotations.models import Source

from .conftest import api

pytestmark = pytest.mark.django_db


def test_sources_endpoint(reviewer, outsider, bbc_source):
    client = api(reviewer)
    found = client.get(reverse("api:source-list"), {"q": "wi-fi"}).json()["results"]
    assert [s["id"] for s in found] == [bbc_source.pk]
    again = client.post(
        reverse("api:source-list"), {"url": "https://www.bbc.com/news/world-asia-47855015#x"}, format="json"
    )
    assert (again.status_code, again.json()["id"]) == (200, bbc_source.pk)
    new = client.post(
        reverse("api:source-list"), {"url": "https://example.org/f.pdf", "title": "Filing"}, format="json"
    )
    assert new.status_code == 201
    bad = client.post(reverse("api:source-list"), {"url": "ftp://x.org/", "title": "x"}, format="json")
    assert bad.json() == {"url": ["Only http:// and https:// addresses can be sources."]}
    assert (
        api(outsider)
        .post(reverse("api:source-list"), {"url": "https://b.org/", "title": "B"}, format="json")
        .status_code
        == 403
    )
    assert Source.objects.count() == 2
