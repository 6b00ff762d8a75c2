"""Where people find the outputs: each article's exports and public page, the API docs and the export
schema in the footer. Every link a page shows is followed, as a person clicking it would."""

from html.parser import HTMLParser
import json

from django.test import Client
from django.urls import reverse
import pytest

from annotations import services
from annotations.demo import create_demo_verdicts

from .conftest import client_for, sentence_span

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NATIVE = "application/json"
W3C = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
LD_JSON = "application/ld+json"


class Links(HTMLParser):
    """The links inside the element with `element_id`: (text, href, type, download) each."""

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id = element_id
        self.depth = 0  # open elements inside the one looked for; 0: outside it
        self.links: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth:
            self.depth += 1
        elif attributes.get("id") == self.element_id:
            self.depth = 1
        if self.depth and tag == "a":
            self.current = {"text": "", **{name: attributes.get(name) for name in ("href", "type", "download")}}

    def handle_endtag(self, tag):
        if self.depth and tag == "a" and self.current is not None:
            self.current["text"] = " ".join(self.current["text"].split())
            self.links.append(self.current)
            self.current = None
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.current is not None:
            self.current["text"] += data


def links_in(html: str, element_id: str) -> list[dict]:
    parser = Links(element_id)
    parser.feed(html)
    return parser.links


def test_article_page_offers_its_three_exports_and_each_answers_with_its_format(
    reviewer, reviewer2, editor, seed_article
):
    verdicts = create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    client = client_for(reviewer2)
    links = links_in(client.get(seed_article.get_absolute_url()).text, "article-outputs")
    export = f"{reverse('api:export')}?article={seed_article.pk}&format="
    assert links[:3] == [
        {
            "text": "Native JSON",
            "href": f"{export}native",
            "type": NATIVE,
            "download": f"factcheck-article-{seed_article.pk}-native.json",
        },
        {
            "text": "W3C annotations",
            "href": f"{export}w3c",
            "type": LD_JSON,
            "download": f"factcheck-article-{seed_article.pk}-w3c.json",
        },
        {
            "text": "ClaimReview (approved)",
            "href": f"{export}claimreview",
            "type": LD_JSON,
            "download": f"factcheck-article-{seed_article.pk}-claimreview.json",
        },
    ]
    native, w3c, claimreview = (client.get(link["href"]) for link in links[:3])
    assert [r.status_code for r in (native, w3c, claimreview)] == [200, 200, 200]
    assert [r["Content-Type"] for r in (native, w3c, claimreview)] == [NATIVE, W3C, LD_JSON]
    assert [r["Content-Disposition"] for r in (native, w3c, claimreview)] == [
        f'inline; filename="{link["download"]}"' for link in links[:3]
    ]
    document = json.loads(b"".join(native.streaming_content))
    assert [article["id"] for article in document["articles"]] == [seed_article.pk]
    # Everything reviewer2 may see on the page, and not the other reviewer's draft (the visibility rule).
    shown = sorted(v.pk for v in verdicts if v.state != "draft")
    assert sorted(a["id"] for a in document["articles"][0]["annotations"]) == shown
    assert len(shown) == 4
    assert json.loads(b"".join(w3c.streaming_content))["type"] == "AnnotationCollection"
    reviews = json.loads(b"".join(claimreview.streaming_content))
    assert [review["@type"] for review in reviews["@graph"]] == ["ClaimReview", "ClaimReview"]


def test_readers_outside_both_groups_may_export_too(outsider, seed_article):
    client = client_for(outsider)
    links = links_in(client.get(seed_article.get_absolute_url()).text, "article-outputs")
    assert [link["text"] for link in links] == ["Native JSON", "W3C annotations", "ClaimReview (approved)"]
    response = client.get(links[0]["href"])
    assert (response.status_code, response["Content-Type"]) == (200, NATIVE)
    assert json.loads(b"".join(response.streaming_content))["articles"][0]["annotations"] == []
    # The whole export (no article) keeps its plain name.
    assert client.get(reverse("api:export"))["Content-Disposition"] == 'inline; filename="factcheck-native.json"'


def test_public_page_link_appears_with_the_first_approval_and_opens_the_page(reviewer, editor, seed_article):
    verdict = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", claimant="BES", **sentence_span(seed_article, 7)
    )
    verdict = services.annotation_submit(annotation=verdict, actor=reviewer, version=verdict.version)
    client = client_for(editor)
    before = links_in(client.get(seed_article.get_absolute_url()).text, "article-outputs")
    assert [link["text"] for link in before] == ["Native JSON", "W3C annotations", "ClaimReview (approved)"]

    # Approved from the article page: the swapped-in outputs now link the public page.
    approved = client.post(
        reverse("annotations:annotation-approve", args=[verdict.pk]), {"version": verdict.version}, headers=HTMX
    )
    assert approved.status_code == 200
    public = reverse("annotations:factcheck-page", args=[seed_article.pk])
    swapped = links_in(approved.text, "article-outputs")
    assert swapped[-1] == {"text": "Public page · 1 approved verdict", "href": public, "type": None, "download": None}
    assert 'id="article-outputs" hx-swap-oob="true"' in approved.text

    page = Client().get(swapped[-1]["href"])  # public: no login needed
    assert (page.status_code, page["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert f'<h1 lang="en" dir="auto">{seed_article.title}</h1>' in page.text


def test_footer_links_the_api_docs_for_everyone_and_the_export_schema_for_those_logged_in(reviewer):
    anonymous = links_in(Client().get(reverse("login")).text, "site-footer")
    assert anonymous == [
        {"text": "API documentation", "href": reverse("api:docs"), "type": None, "download": None},
    ]
    client = client_for(reviewer)
    footer = links_in(client.get(reverse("annotations:article-list")).text, "site-footer")
    assert footer == [
        {"text": "API documentation", "href": reverse("api:docs"), "type": None, "download": None},
        {
            "text": "Export format (JSON Schema)",
            "href": reverse("api:export-schema"),
            "type": "application/schema+json",
            "download": None,
        },
    ]
    docs = client.get(footer[0]["href"])
    assert (docs.status_code, docs["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert '<html lang="en" dir="ltr">' in docs.text
    schema = client.get(footer[1]["href"])
    assert (schema.status_code, schema["Content-Type"]) == (200, "application/schema+json")
    assert json.loads(b"".join(schema.streaming_content))["title"] == "factcheck native export, schema_version 3"
