"""Public pages that travel (annotations/publishing.py and the public views): the index, the feed and
the sitemap list exactly the published verdicts (visibility_filter(published=True)); each public
page has its sharing tags; robots.txt; and every other page asks an anonymous visitor to log in."""

from datetime import date
from xml.etree import ElementTree

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
import pytest

from annotations import services
from annotations.demo import create_demo_verdicts
from annotations.models import Annotation, Article
from annotations.selectors import visibility_filter

from .conftest import SEED_TITLE, sentence_span
from .factories import ArticleFactory
from .test_claims import approved, verdict

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def desk(settings, seed_text, reviewer, reviewer2, editor):
    """The demo's verdicts (two approved, one returned, one submitted, one draft) on the seed
    article; an article with a submitted verdict only; one whose approved verdict was deleted; and
    a later article with one approved verdict."""
    settings.ALLOWED_HOSTS = ["fc.example"]
    settings.FACTCHECK_ORGANIZATION_NAME = "Desk of Record"
    settings.FACTCHECK_ORGANIZATION_URL = "https://desk.example"
    seed = ArticleFactory(title=SEED_TITLE, body=seed_text, publisher="Dawn", published_at=date(2021, 8, 17))
    demo = create_demo_verdicts(article=seed, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    waiting = ArticleFactory(title="Only waiting")
    submitted = verdict(waiting, reviewer, 0)
    services.annotation_submit(annotation=submitted, actor=reviewer, version=submitted.version)
    gone = ArticleFactory(title="Deleted after approval")
    deleted = approved(gone, reviewer, editor, 0)
    services.annotation_delete(annotation=deleted, actor=editor)
    later = ArticleFactory(title="Later <b>article</b>", url="https://news.example/later")
    latest = approved(later, reviewer, editor, 1)
    return {"seed": seed, "demo": demo, "waiting": waiting, "gone": gone, "later": later, "latest": latest}


def published() -> list[Annotation]:
    """What is public, by the one rule."""
    return list(Annotation.objects.filter(visibility_filter(None, published=True)).order_by("id"))


def published_article_ids() -> set[int]:
    return {annotation.article_id for annotation in published()}


def anonymous() -> Client:
    return Client(HTTP_HOST="fc.example")


def test_the_index_lists_exactly_the_articles_with_published_verdicts_newest_first(desk):
    response = anonymous().get(reverse("annotations:factcheck-index"))
    html = response.text
    listed = [article.pk for article in response.context["page"].object_list]
    assert response.status_code == 200
    assert set(listed) == published_article_ids() == {desk["seed"].pk, desk["later"].pk}
    assert listed == [desk["later"].pk, desk["seed"].pk]  # the later article's verdict was approved last
    assert [article.published_count for article in response.context["page"].object_list] == [1, 2]
    assert "Only waiting" not in html and "Deleted after approval" not in html
    assert "Later &lt;b&gt;article&lt;/b&gt;" in html
    assert '<link rel="canonical" href="http://fc.example/factchecks/">' in html
    assert '<meta property="og:type" content="website">' in html


def test_the_index_is_paginated(desk, settings):
    settings.FACTCHECK_PUBLIC_PAGE_SIZE = 1
    first = anonymous().get(reverse("annotations:factcheck-index"))
    second = anonymous().get(reverse("annotations:factcheck-index"), {"page": 2})
    assert [a.pk for a in first.context["page"].object_list] == [desk["later"].pk]
    assert [a.pk for a in second.context["page"].object_list] == [desk["seed"].pk]
    assert '<a href="?page=2" rel="next">Older →</a>' in first.text
    assert '<a href="?page=1" rel="prev">← Newer</a>' in second.text


def test_the_feed_lists_exactly_the_published_verdicts(desk):
    response = anonymous().get(reverse("annotations:factcheck-feed"))
    feed = ElementTree.fromstring(response.content)
    links = [entry.find(f"{ATOM}link").get("href") for entry in feed.findall(f"{ATOM}entry")]
    expected = {
        f"http://fc.example/factchecks/{annotation.article_id}/#claim-{annotation.pk}" for annotation in published()
    }
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert (len(links), set(links)) == (3, expected)
    assert links[0] == f"http://fc.example/factchecks/{desk['later'].pk}/#claim-{desk['latest'].pk}"
    assert feed.find(f"{ATOM}title").text == "Desk of Record: approved fact-checks"
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert titles[0] == f"Alleged – not independently verified: “{desk['latest'].quote}”"
    # Editors' comments and reviewers' names stay on the desk.
    assert b"Checked against the BBC report" not in response.content
    names = [name.text for name in feed.iter(f"{ATOM}name")]
    assert names == ["Desk of Record"]  # the organisation only, never a reviewer


def test_the_sitemap_lists_the_index_and_exactly_the_public_pages(desk):
    response = anonymous().get("/sitemap.xml")
    urls = [url.find(f"{SITEMAP}loc").text for url in ElementTree.fromstring(response.content)]
    assert response.status_code == 200
    assert urls[0] == "http://fc.example/factchecks/"
    assert sorted(urls[1:]) == sorted(f"http://fc.example/factchecks/{pk}/" for pk in published_article_ids())
    assert len(urls) == 3


def test_robots_txt_keeps_the_desk_out(desk):
    response = anonymous().get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == (
        "User-agent: *\n"
        "Allow: /factchecks/\n"
        "Allow: /sitemap.xml\n"
        "Disallow: /\n"
        "\n"
        "Sitemap: http://fc.example/sitemap.xml\n"
    )


def test_the_public_page_has_sharing_tags_and_shows_only_what_is_public(desk):
    seed = desk["seed"]
    html = anonymous().get(reverse("annotations:factcheck-page", args=[seed.pk])).text
    page = f"http://fc.example/factchecks/{seed.pk}/"
    title = f"Fact-checks: {SEED_TITLE}"
    description = "2 approved fact-checks: Alleged – not independently verified; Supported by evidence."
    for tag in (
        f'<link rel="canonical" href="{page}">',
        f'<meta property="og:url" content="{page}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{title}">',
        f'<meta property="og:description" content="{description}">',
        '<meta property="og:site_name" content="Desk of Record">',
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{title}">',
        f'<meta name="twitter:description" content="{description}">',
        '<link rel="alternate" type="application/atom+xml" title="Approved fact-checks" href="/factchecks/feed/">',
    ):
        assert tag in html, tag
    shown = sorted(a.pk for a in desk["demo"] if f'id="claim-{a.pk}"' in html)
    assert shown == sorted(a.pk for a in published() if a.article_id == seed.pk)
    assert "Checked against the BBC report" not in html  # an editor's comment
    assert "Link the complaint as a context source" not in html  # a returned verdict's comment
    assert ' by <span dir="auto">editor</span>' not in html


def test_reviewer_names_show_only_when_the_desk_opts_in(desk, settings):
    settings.FACTCHECK_PUBLIC_SHOW_REVIEWERS = True
    html = anonymous().get(reverse("annotations:factcheck-page", args=[desk["seed"].pk])).text
    assert html.count(' by <span dir="auto">editor</span>') == 2


def test_the_public_pages_make_a_fixed_number_of_queries(desk, django_assert_num_queries, reviewer, editor):
    client = anonymous()
    with django_assert_num_queries(2):  # the count for the paginator, the page
        client.get(reverse("annotations:factcheck-index"))
    for index in range(2, 5):
        approved(ArticleFactory(title=f"More {index}"), reviewer, editor, 0)
    with django_assert_num_queries(2):
        client.get(reverse("annotations:factcheck-index"))


# --- Every other page asks for a log-in -----------------------------------------------------------

PUBLIC = {"factcheck-index", "factcheck-page", "factcheck-feed", "sitemap", "robots-txt", "login"}
# The language switcher and the JavaScript's strings serve the log-in and public pages too.
PUBLIC |= {"set_language", "javascript-catalog"}
# Their own access rules: the API answers 401/403 in JSON, the admin sends to its own log-in page.
NOT_PAGES = ("api/", "admin/")


def page_patterns(resolver=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """(route, pattern) for every URL pattern of the site outside the API and the admin."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(NOT_PAGES):
            continue
        if isinstance(pattern, URLResolver):
            found += page_patterns(pattern, route)
        else:
            found.append((route, pattern))
    return found


def example_path(route: str) -> str:
    """A path for a route, with 1 for an id and a plain word for any other part."""
    path = route.replace("<id:pk>", "1").replace("<id:annotation_pk>", "1")
    for part in ("<str:username>", "<slug:name>"):
        path = path.replace(part, "backlog")
    return "/" + path.lstrip("^").rstrip("$")


PRIVATE = [(route, pattern) for route, pattern in page_patterns() if pattern.name not in PUBLIC]


def test_the_private_patterns_are_the_desks_pages():
    assert len(PRIVATE) >= 40
    assert {pattern.name for _, pattern in page_patterns()} >= PUBLIC


@pytest.mark.parametrize(("route", "pattern"), PRIVATE, ids=[pattern.name for _, pattern in PRIVATE])
def test_anonymous_requests_to_every_private_url_redirect_to_login(route, pattern, seed_article):
    path = example_path(route)
    response = Client().get(path)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")


def test_a_draft_never_reaches_the_public(seed_article, reviewer, settings):
    settings.ALLOWED_HOSTS = ["fc.example"]
    draft = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    index = anonymous().get(reverse("annotations:factcheck-index"))
    feed = anonymous().get(reverse("annotations:factcheck-feed"))
    page = anonymous().get(reverse("annotations:factcheck-page", args=[seed_article.pk]))
    assert list(index.context["page"].object_list) == []
    assert f"#claim-{draft.pk}".encode() not in feed.content
    assert f'id="claim-{draft.pk}"' not in page.text
    assert Article.objects.count() == 1
