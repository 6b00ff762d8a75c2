"""ClaimReview as publishers need it: every published review carries the properties Google's
fact-check documentation marks required and recommended, for every approved verdict of the demo,
with and without an article URL; the claim's date, author and appearances; the organisation."""

from datetime import date, timedelta
import json

from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest
from rest_framework.test import APIClient

from annotations import services
from annotations.demo import create_demo_verdicts
from annotations.exporters import claimreview
from annotations.models import Annotation
from annotations.selectors import visibility_filter

from .conftest import SEED_TITLE, sentence_span
from .factories import ArticleFactory
from .test_exporters_versions import export_json

pytestmark = pytest.mark.django_db

# Google Search Central, "Fact Check (ClaimReview) structured data":
# https://developers.google.com/search/docs/appearance/structured-data/factcheck
# Each object's properties as that page marks them. The Rating's numeric properties (bestRating,
# ratingValue, worstRating: recommended "for numeric ratings") are deliberately left out: the four
# statuses are not a truth scale (annotations/exporters/claimreview.py), and `name` is, per that
# page, the same as alternateName ("use alternateName instead").
GOOGLE_FACTCHECK_PAGE = "https://developers.google.com/search/docs/appearance/structured-data/factcheck"
CLAIMREVIEW_REQUIRED = ("claimReviewed", "reviewRating", "url")
CLAIMREVIEW_RECOMMENDED = ("author", "itemReviewed")
CLAIM_RECOMMENDED = ("appearance", "author", "datePublished", "firstAppearance")
RATING_REQUIRED = ("alternateName",)
RATING_NUMERIC_LEFT_OUT = ("bestRating", "ratingValue", "worstRating")
ORGANIZATION = {"@type": "Organization", "name": "Desk of Record", "url": "https://desk.example"}
ARTICLE_URL = "https://www.dawn.com/news/huawei-spying"
PUBLISHED = date(2021, 8, 17)


@pytest.fixture
def publisher(settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Desk of Record"
    settings.FACTCHECK_ORGANIZATION_URL = "https://desk.example"


@pytest.fixture(params=["with-url", "without-url"])
def demo(request, publisher, seed_text, reviewer, reviewer2, editor):
    """The demo's verdicts on the seed article, stored with its original URL or without one."""
    url = ARTICLE_URL if request.param == "with-url" else ""
    article = ArticleFactory(title=SEED_TITLE, body=seed_text, url=url, publisher="Dawn", published_at=PUBLISHED)
    create_demo_verdicts(article=article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    return article


def published_ids() -> list[int]:
    return sorted(Annotation.objects.filter(visibility_filter(None, published=True)).values_list("pk", flat=True))


def review_id(review: dict) -> int:
    return int(review["url"].rsplit("#claim-", 1)[1])


def missing(obj: dict, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if obj.get(name) in (None, "", [], {})]


def test_every_published_review_has_googles_required_and_recommended_properties(demo):
    graph = export_json(claimreview)["@graph"]
    assert sorted(review_id(review) for review in graph) == published_ids()
    assert len(graph) == 2  # the demo approves two of its five verdicts
    page = f"https://fc.example/factchecks/{demo.pk}/"
    work = {"@type": "CreativeWork", "url": demo.url or page, "headline": SEED_TITLE}
    work |= {"publisher": {"@type": "Organization", "name": "Dawn"}, "datePublished": "2021-08-17"}
    for review in graph:
        where = f"ClaimReview {review['url']} ({GOOGLE_FACTCHECK_PAGE})"
        assert missing(review, CLAIMREVIEW_REQUIRED) == [], where
        assert missing(review, CLAIMREVIEW_RECOMMENDED) == [], where
        assert missing(review["itemReviewed"], CLAIM_RECOMMENDED) == [], where
        assert missing(review["reviewRating"], RATING_REQUIRED) == [], where
        assert [name for name in RATING_NUMERIC_LEFT_OUT if name in review["reviewRating"]] == []
        assert review["author"] == ORGANIZATION
        assert review["url"].startswith(f"{page}#claim-")
        item = review["itemReviewed"]
        assert (item["@type"], item["appearance"], item["firstAppearance"]) == ("Claim", [work], work)
        assert item["datePublished"] == "2021-08-17"
        assert item["author"]["@type"] == "Organization"
    ratings = [review["reviewRating"]["alternateName"] for review in graph]
    assert ratings == ["Alleged – not independently verified", "Supported by evidence"]


def test_no_appearance_is_a_page_behind_the_login(demo):
    anonymous = Client()
    for review in export_json(claimreview)["@graph"]:
        for work in review["itemReviewed"]["appearance"]:
            if work["url"].startswith("https://fc.example/"):
                response = anonymous.get(work["url"].removeprefix("https://fc.example"))
                assert (response.status_code, response.get("Location")) == (200, None)
            else:
                assert work["url"] == ARTICLE_URL


def test_the_public_page_embeds_the_same_reviews(demo, settings):
    settings.ALLOWED_HOSTS = ["fc.example"]
    response = Client().get(reverse("annotations:factcheck-page", args=[demo.pk]), HTTP_HOST="fc.example")
    html = response.text
    start = html.index('<script type="application/ld+json"')
    embedded = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])["@graph"]
    exported = export_json(claimreview)["@graph"]
    # The page is built with the request's scheme (http in the test client), the export with its base URL.
    assert json.loads(json.dumps(embedded).replace("http://fc.example", "https://fc.example")) == exported


def test_the_reviewers_claim_date_and_person_are_published(publisher, seed_article, reviewer, editor):
    created = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="alleged",
        claimant="Imran Khan",
        claimant_type="person",
        claim_date=date(2019, 4, 8),
        **sentence_span(seed_article, 7),
    )
    created = services.annotation_submit(annotation=created, actor=reviewer, version=created.version)
    services.annotation_approve(annotation=created, editor=editor, version=created.version)
    (review,) = export_json(claimreview)["@graph"]
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Imran Khan"}
    assert review["itemReviewed"]["datePublished"] == "2019-04-08"


def test_the_first_appearance_is_the_earliest_published_article(publisher, reviewer, editor):
    from .test_claims import approved

    later = ArticleFactory(title="Later", url="https://news.example/later", published_at=date(2022, 1, 2))
    earlier = ArticleFactory(title="Earlier", url="https://news.example/earlier", published_at=date(2020, 5, 6))
    a = approved(later, reviewer, editor, 0)
    b = approved(earlier, reviewer, editor, 0)
    services.claim_link(annotation=b, earlier=a, actor=editor)
    graph = export_json(claimreview)["@graph"]
    assert [[work["url"] for work in review["itemReviewed"]["appearance"]] for review in graph] == [
        ["https://news.example/later", "https://news.example/earlier"]
    ] * 2
    assert [review["itemReviewed"]["firstAppearance"]["url"] for review in graph] == [
        "https://news.example/earlier"
    ] * 2


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"claim_date": date(1899, 12, 31)}, {"claim_date": ["The claim's date cannot be before 1900."]}),
        ({"claimant_type": "person"}, {"claimant_type": [services.CLAIMANT_TYPE_NEEDS_CLAIMANT]}),
        (
            {"claimant": "X", "claimant_type": "robot"},
            {"claimant_type": ["Choose person or organization, or leave it blank."]},
        ),
    ],
)
def test_the_claim_fields_rules(seed_article, reviewer, fields, errors):
    with pytest.raises(ValidationError) as refused:
        services.annotation_create(
            article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0), **fields
        )
    assert refused.value.message_dict == errors


def test_a_claim_date_in_the_future_is_refused(seed_article, reviewer):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.annotation_create(
            article=seed_article,
            author=reviewer,
            status="alleged",
            claim_date=tomorrow,
            **sentence_span(seed_article, 0),
        )
    assert refused.value.message_dict == {"claim_date": ["The claim's date cannot be in the future."]}


def test_the_api_reads_and_writes_the_claim_fields(seed_article, reviewer):
    client = APIClient()
    client.force_authenticate(reviewer)
    body = {"article": seed_article.pk, "status": "alleged", "claimant": "BES", "claimant_type": "organization"}
    created = client.post(
        reverse("api:annotation-list"),
        body | {"claim_date": "2019-04-08"} | sentence_span(seed_article, 0),
        format="json",
    )
    assert (created.status_code, created.json()["claimant_type"], created.json()["claim_date"]) == (
        201,
        "organization",
        "2019-04-08",
    )
    pk, version = created.json()["id"], created.json()["version"]
    patched = client.patch(
        reverse("api:annotation-detail", args=[pk]), {"version": version, "note": "n"}, format="json"
    )
    assert (patched.json()["claimant_type"], patched.json()["claim_date"]) == ("organization", "2019-04-08")
    refused = client.patch(
        reverse("api:annotation-detail", args=[pk]), {"version": version + 1, "claim_date": "1850-01-01"}, format="json"
    )
    assert (refused.status_code, refused.json()) == (400, {"claim_date": ["The claim's date cannot be before 1900."]})


def test_the_verdict_form_saves_the_claim_fields(client, seed_article, reviewer):
    client.force_login(reviewer)
    span = sentence_span(seed_article, 0)
    response = client.post(
        reverse("annotations:annotation-create", args=[seed_article.pk]),
        {**span, "status": "alleged", "claimant": "Imran Khan", "claimant_type": "person", "claim_date": "2019-04-08"},
    )
    saved = Annotation.objects.get()
    assert (response.status_code, saved.claimant_type, saved.claim_date) == (302, "person", date(2019, 4, 8))
    form = client.get(reverse("annotations:annotation-edit", args=[saved.pk])).text
    assert '<option value="person" selected>Person</option>' in form
    assert 'value="2019-04-08"' in form
    # The claim fields sit in a disclosure after the sources: shut on a new verdict, open when they hold something.
    assert '<details class="publishing-details" open>' in form
    new = client.get(reverse("annotations:annotation-new", args=[seed_article.pk]), sentence_span(seed_article, 1)).text
    assert '<details class="publishing-details">' in new


def test_a_refused_claim_date_reopens_the_disclosure_with_its_error(client, seed_article, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("annotations:annotation-create", args=[seed_article.pk]),
        {**sentence_span(seed_article, 0), "status": "alleged", "claim_date": "1850-01-01"},
        headers={"HX-Request": "true"},
    )
    assert '<details class="publishing-details" open>' in response.text
    assert "The claim&#x27;s date cannot be before 1900." in response.text
    assert not Annotation.objects.exists()
