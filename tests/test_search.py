"""The page and the API find the same articles and sources for the same words (one rule: selectors)."""

from datetime import date, timedelta
import re

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest
from rest_framework.test import APIClient

from annotations import rendering, selectors, services
from annotations.models import Annotation

from .conftest import client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
ARTICLE_WORDS = ["huawei", "Pakistan HUAWEI", "spying?", "lawsuit", "pakistan lawsuit", "nothing-like-this"]
SOURCE_WORDS = ["bbc", "BBC news", "wi-fi cards", "world-asia", "court filing", "example.org", "reuters"]


@pytest.fixture
def desk(reviewer, seed_article):
    ArticleFactory(title="Huawei sues over a Pakistan lawsuit", body="A different story. It has two sentences.")
    ArticleFactory(title="Lawsuit in Lahore", body="Another story entirely. Nothing about the firm.")
    for url, title, publisher in [
        ("https://www.bbc.com/news/world-asia-47855015", "Huawei told to remove Wi-Fi cards", "BBC News"),
        ("https://example.org/complaint.pdf", "Complaint", "US District Court"),
        ("https://example.org/court-filing", "Court filing, 2025", "Reuters"),
    ]:
        services.source_get_or_create(url=url, title=title, publisher=publisher, created_by=reviewer)


@pytest.mark.parametrize("words", ARTICLE_WORDS)
def test_article_search_is_the_same_on_the_page_and_in_the_api(desk, reviewer, words):
    page = client_for(reviewer).get(reverse("annotations:article-list"), {"q": words}).text
    on_page = {int(pk) for pk in re.findall(r'href="/articles/(\d+)/"', page)}
    api = APIClient()
    api.force_authenticate(reviewer)
    in_api = {item["id"] for item in api.get(reverse("api:article-list"), {"search": words}).json()["results"]}
    assert on_page == in_api


@pytest.mark.parametrize("words", SOURCE_WORDS)
def test_source_search_is_the_same_on_the_page_and_in_the_api(desk, reviewer, words):
    page = client_for(reviewer).get(reverse("annotations:source-search"), {"q": words}, headers=HTMX).text
    on_page = set(re.findall(r'<strong dir="auto">([^<]+)</strong>', page))
    api = APIClient()
    api.force_authenticate(reviewer)
    in_api = {item["title"] for item in api.get(reverse("api:source-list"), {"q": words}).json()["results"]}
    assert on_page == in_api
    assert words != "BBC news" or on_page == {"Huawei told to remove Wi-Fi cards"}  # matched by publisher


# --- Desk search (selectors.desk_search): the same cases run on SQLite (FTS5) and PostgreSQL ---

# Each is searched as its words; True: every word is in the seed article's body.
HOSTILE_QUERIES = {
    '"': False,
    '"Suzhou': True,
    "-Suzhou": True,
    "Suzhou OR Zanzibar": False,
    "Suzh*": True,
    "title:Suzhou": False,
    "'; DROP TABLE annotations_article; --": False,
    "1' OR '1'='1": False,
    "NEAR(Suzhou Huawei)": False,
    "^Suzhou": True,
    "(((": False,
    "&|!<->:*": False,
    "Suzhou " * 125: True,
    "x" * 1000: False,
}


def verdict(article, author, index=0, **extra):
    return services.annotation_create(
        article=article, author=author, status="alleged", **sentence_span(article, index), **extra
    )


def found(viewer, query, type="verdict", **filters):
    results = selectors.desk_search(viewer=viewer, query=query, type=type, filters=selectors.SearchFilters(**filters))
    return [result["id"] for result in results]


def test_words_from_an_article_body_are_found_with_the_word_marked(seed_article, reviewer):
    [result] = selectors.desk_search(viewer=reviewer, query="Suzhou", type="article")
    assert (result["type"], result["id"], result["title"], result["url"]) == (
        "article",
        seed_article.pk,
        seed_article.title,
        f"/articles/{seed_article.pk}/",
    )
    assert "\ue000Suzhou\ue001" in result["snippet"]
    assert result["score"] > 0


def test_the_last_word_is_a_prefix_and_every_word_is_needed(seed_article, reviewer):
    assert found(reviewer, "Suzh", "article") == [seed_article.pk]
    assert found(reviewer, "Huawei Suzhou", "article") == [seed_article.pk]
    assert found(reviewer, "Suzhou Lahoreville", "article") == []


def test_notes_claimants_and_denials_are_found(seed_article, reviewer):
    noted = verdict(seed_article, reviewer, 0, note="The ministry published a rebuttal.")
    claimed = verdict(seed_article, reviewer, 1, claimant="Punjab Safe City Authority")
    denied = services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="denied",
        denied_by="Zhongxing spokesperson",
        **sentence_span(seed_article, 2),
    )
    assert found(reviewer, "rebuttal") == [noted.pk]
    assert found(reviewer, "punjab safe") == [claimed.pk]
    assert found(reviewer, "zhongxing") == [denied.pk]
    [result] = selectors.desk_search(viewer=reviewer, query="rebuttal")
    assert result["article"] == {"id": seed_article.pk, "title": seed_article.title}
    assert result["url"] == f"/articles/{seed_article.pk}/#annotation-{noted.pk}"
    assert result["title"] == noted.quote


def test_sources_are_found_by_title_publisher_and_url(reviewer, bbc_source):
    for words in ("wi-fi cards", "BBC news", "world asia 47855015"):
        assert found(reviewer, words, "source") == [bbc_source.pk], words


def test_drafts_of_another_reviewer_never_appear(seed_article, reviewer, reviewer2, editor, bbc_source):
    mine = verdict(seed_article, reviewer, note="zanzibar", sources=[services.SourceLink(bbc_source, "supports")])
    assert found(reviewer, "zanzibar") == [mine.pk]
    assert found(editor, "zanzibar") == [mine.pk]
    assert found(reviewer2, "zanzibar") == []
    assert found(reviewer2, "wi-fi cards", "source") == []  # cited only by the draft
    services.annotation_submit(annotation=mine, actor=reviewer, version=mine.version)
    assert found(reviewer2, "zanzibar") == [mine.pk]


def test_a_deleted_verdict_is_not_found(seed_article, reviewer):
    gone = verdict(seed_article, reviewer, note="zanzibar")
    services.annotation_delete(annotation=gone, actor=reviewer, version=gone.version)
    assert found(reviewer, "zanzibar") == []


def test_the_index_follows_edits(seed_article, reviewer):
    mine = verdict(seed_article, reviewer, note="zanzibar")
    services.annotation_update(
        annotation=mine, actor=reviewer, version=mine.version, status="alleged", note="tanganyika"
    )
    assert (found(reviewer, "zanzibar"), found(reviewer, "tanganyika")) == ([], [mine.pk])


def test_filters_narrow_the_results(seed_article, reviewer, reviewer2):
    other = ArticleFactory(title="Second", body="The zanzibar claim again. Another sentence.")
    first = verdict(seed_article, reviewer, note="zanzibar")
    second = verdict(other, reviewer2, note="zanzibar", claimant="x")
    services.annotation_submit(annotation=second, actor=reviewer2, version=second.version)
    assert set(found(reviewer, "zanzibar")) == {first.pk, second.pk}
    assert found(reviewer, "zanzibar", article=other.pk) == [second.pk]
    assert found(reviewer, "zanzibar", reviewer=reviewer.pk) == [first.pk]
    assert found(reviewer, "zanzibar", state="submitted") == [second.pk]
    assert found(reviewer, "zanzibar", status="denied") == []
    today = timezone.now().date()
    assert set(found(reviewer, "zanzibar", since=today, until=today)) == {first.pk, second.pk}
    assert found(reviewer, "zanzibar", until=today - timedelta(days=1)) == []


def test_better_matches_come_first(reviewer):
    in_body = ArticleFactory(title="Weather", body="One mention of zanzibar here. And more text.")
    in_title = ArticleFactory(title="Zanzibar zanzibar", body="A story about an island. Zanzibar again.")
    assert found(reviewer, "zanzibar", "article") == [in_title.pk, in_body.pk]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
@pytest.mark.parametrize("type", ["verdict", "article", "source"])
def test_operators_sql_and_long_queries_are_searched_as_words(seed_article, reviewer, query, type):
    expected = [seed_article.pk] if type == "article" and HOSTILE_QUERIES[query] else []
    assert found(reviewer, query, type) == expected


@pytest.mark.parametrize("query", ["", "   ", "*", '""', "-- ;"])
def test_no_words_no_query(reviewer, django_assert_num_queries, query):
    with django_assert_num_queries(0):
        assert selectors.desk_search(viewer=reviewer, query=query) == []


@pytest.mark.parametrize("size", [1, 6])
def test_one_query_whatever_the_number_of_results(seed_article, reviewer, django_assert_num_queries, size):
    for index in range(size):
        verdict(seed_article, reviewer, index, note="zanzibar")
    with django_assert_num_queries(1):
        assert len(selectors.desk_search(viewer=reviewer, query="zanzibar")) == size


def test_snippets_are_escaped_and_only_the_matched_words_marked(seed_article, reviewer):
    verdict(seed_article, reviewer, note="<script>alert(1)</script> zanzibar \ue000")
    [result] = selectors.desk_search(viewer=reviewer, query="zanzibar")
    html = rendering.search_snippet(result["snippet"])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>zanzibar</mark>" in html
    assert html.count("<mark>") == html.count("</mark>") == 1


def test_an_urdu_article_is_found_by_its_words(reviewer):
    urdu = ArticleFactory(title="سیف سٹی", body="لاہور میں کیمرے لگائے گئے۔ یہ دوسرا جملہ ہے۔", language="ur")
    assert found(reviewer, "کیمرے", "article") == [urdu.pk]
    assert found(reviewer, "لاہور کیمرے", "article") == [urdu.pk]


# --- The page and GET /api/v1/search/ ------------------------------------------------------------


def page_results(user, **params) -> list[tuple[str, str]]:
    html = client_for(user).get(reverse("annotations:search"), params, headers=HTMX).text
    return re.findall(r'<li class="card search-result">\s*<a href="([^"]+)" dir="auto"><strong>', html)


def api_results(user, **params) -> list[dict]:
    api = APIClient()
    api.force_authenticate(user)
    return api.get(reverse("api:search"), params).json()["results"]


@pytest.mark.parametrize(
    ("query", "type"), [("Suzhou", "article"), ("zanzibar", "verdict"), ("huawei", "source"), ("zan", "verdict")]
)
def test_the_page_and_the_api_return_the_same_results(seed_article, reviewer, reviewer2, bbc_source, query, type):
    verdict(seed_article, reviewer, note="zanzibar one")
    verdict(seed_article, reviewer2, 1, note="zanzibar hidden from reviewer")
    verdict(seed_article, reviewer, 2, note="zanzibar two")
    in_api = [result["url"] for result in api_results(reviewer, q=query, type=type)]
    assert page_results(reviewer, q=query, type=type) == in_api
    assert len(in_api) == {"article": 1, "verdict": 2, "source": 1}[type]


def test_the_api_answers_the_result_shape_with_escaped_snippets(seed_article, reviewer):
    mine = verdict(seed_article, reviewer, note="<img src=x onerror=alert(1)> zanzibar")
    [result] = api_results(reviewer, q="zanzibar")
    assert set(result) == {"type", "id", "score", "title", "snippet", "url", "article", "status", "state"}
    assert (result["type"], result["id"], result["article"]["id"]) == ("verdict", mine.pk, seed_article.pk)
    assert (result["status"], result["state"]) == ("alleged", "draft")
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>zanzibar</mark>" in result["snippet"]


def test_the_page_shows_a_payload_in_a_note_as_text(seed_article, reviewer):
    verdict(seed_article, reviewer, note="<script>alert(1)</script> zanzibar")
    html = client_for(reviewer).get(reverse("annotations:search"), {"q": "zanzibar"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>zanzibar</mark>" in html


def test_the_api_pages_through_results_with_a_cursor(reviewer):
    for number in range(45):
        ArticleFactory(title=f"Zanzibar {number}", body=f"Zanzibar story {number}. Second sentence.")
    api = APIClient()
    api.force_authenticate(reviewer)
    first = api.get(reverse("api:search"), {"q": "zanzibar", "type": "article"}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert [len(page["results"]) for page in (first, second, third)] == [20, 20, 5]
    assert (first["previous"], third["next"]) == (None, None)
    assert "cursor=" in first["next"] and "page=" not in first["next"]
    # Back from the second page is the first page, without a cursor.
    assert second["previous"] == "http://testserver/api/v1/search/?q=zanzibar&type=article"
    assert api.get(third["previous"]).json()["results"] == second["results"]
    ids = [result["id"] for page in (first, second, third) for result in page["results"]]
    assert len(ids) == len(set(ids)) == 45


@pytest.mark.parametrize("cursor", ["not-a-cursor", "bz0x", "bz0yMQ", "bz05OTk5OTk5", "bz0tMjA", "%00"])
def test_a_forged_cursor_is_a_400_with_its_message(reviewer, cursor):
    api = APIClient()
    api.force_authenticate(reviewer)
    response = api.get(reverse("api:search"), {"q": "zanzibar", "cursor": cursor})
    assert (response.status_code, response.json()) == (
        400,
        {"cursor": ["This cursor is not valid: start again from the first page."]},
    )


def test_the_page_links_to_the_next_and_previous_results(reviewer):
    for number in range(25):
        ArticleFactory(title=f"Zanzibar {number}", body=f"Zanzibar story {number}. Second sentence.")
    client = client_for(reviewer)
    html = client.get(reverse("annotations:search"), {"q": "zanzibar", "type": "article"}).text
    [next_query] = re.findall(r'<a class="button button-small" href="\?([^"]+)">Next</a>', html)
    assert "Previous</a>" not in html
    second = client.get(f"{reverse('annotations:search')}?{next_query.replace('&amp;', '&')}").text
    assert len(re.findall(r'<li class="card search-result">', second)) == 5
    assert '<a class="button button-small" href="?q=zanzibar&amp;type=article">Previous</a>' in second
    assert "Next</a>" not in second


def test_the_page_filters_by_reviewer_publisher_and_article(seed_article, reviewer, reviewer2, editor):
    other = ArticleFactory(title="Zanzibar elsewhere", body="Zanzibar story. Second sentence.", publisher="Dawn")
    mine = verdict(seed_article, reviewer, note="zanzibar one")
    services.annotation_submit(annotation=mine, actor=reviewer, version=mine.version)
    theirs = verdict(other, reviewer2, note="zanzibar two")
    services.annotation_submit(annotation=theirs, actor=reviewer2, version=theirs.version)
    for params, expected in [
        ({"reviewer": reviewer2.pk}, [theirs.pk]),
        ({"article": seed_article.pk}, [mine.pk]),
        ({"reviewer": reviewer.pk, "article": other.pk}, []),
    ]:
        urls = [f"{a.article.get_absolute_url()}#annotation-{a.pk}" for a in Annotation.objects.filter(pk__in=expected)]
        assert page_results(editor, q="zanzibar", **params) == urls
        assert [r["id"] for r in api_results(editor, q="zanzibar", **params)] == expected
    assert [r["id"] for r in api_results(editor, q="zanzibar", type="article", publisher="daw")] == [other.pk]
    assert page_results(editor, q="zanzibar", type="article", publisher="daw") == [other.get_absolute_url()]
    html = client_for(editor).get(reverse("annotations:search"), {"q": "zanzibar", "article": other.pk}).text
    assert f'<option value="{reviewer2.pk}">reviewer2</option>' in html
    assert f'<input type="hidden" name="article" value="{other.pk}">' in html
    assert "search the whole desk</a>" in html


def test_verdict_results_show_status_and_state_in_words(seed_article, reviewer):
    verdict(seed_article, reviewer, note="zanzibar")
    html = client_for(reviewer).get(reverse("annotations:search"), {"q": "zanzibar"}, headers=HTMX).text
    assert re.search(
        r'<span class="status-badge status-alleged">.*</span> Alleged</span> '
        r'<span class="state-badge state-badge-draft">Draft</span>',
        html,
    )


def test_a_bad_filter_is_a_400_with_its_message(reviewer):
    api = APIClient()
    api.force_authenticate(reviewer)
    response = api.get(reverse("api:search"), {"q": "x", "type": "claim", "since": "yesterday"})
    assert (response.status_code, sorted(response.json())) == (400, ["since", "type"])
    page = client_for(reviewer).get(reverse("annotations:search"), {"q": "x", "type": "claim"})
    assert page.status_code == 400
    assert "Select a valid choice. claim is not one of the available choices." in page.text


def test_no_access_without_logging_in(seed_article):
    assert APIClient().get(reverse("api:search"), {"q": "Suzhou"}).status_code in {401, 403}
    response = Client().get(reverse("annotations:search"), {"q": "Suzhou"})
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/search/%3Fq%3DSuzhou")


@pytest.mark.parametrize("size", [1, 6])
def test_the_api_reads_with_a_fixed_number_of_queries(seed_article, reviewer, django_assert_num_queries, size):
    for index in range(size):
        verdict(seed_article, reviewer, index, note="zanzibar")
    api = APIClient()
    api.force_authenticate(reviewer)
    with django_assert_num_queries(1):
        assert len(api.get(reverse("api:search"), {"q": "zanzibar"}).json()["results"]) == size


def test_the_search_page_is_in_the_header(reviewer):
    html = client_for(reviewer).get(reverse("annotations:search")).text
    assert '<a href="/search/" aria-current="page">Search</a>' in html


def test_the_article_list_and_the_api_search_titles_and_text_by_the_same_engine(seed_article, reviewer):
    """Suzhou is only in the seed article's text: the box of the article list finds it now."""
    page = client_for(reviewer).get(reverse("annotations:article-list"), {"q": "suzhou"}).text
    assert re.findall(r'href="/articles/(\d+)/"', page) == [str(seed_article.pk)]
    api = APIClient()
    api.force_authenticate(reviewer)
    assert [item["id"] for item in api.get(reverse("api:article-list"), {"search": "suzh"}).json()["results"]] == [
        seed_article.pk
    ]


# --- PostgreSQL: stemming in the desk's languages, and close matches for misspelled words --------

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm and stemming are PostgreSQL's")


@on_postgresql
def test_a_misspelled_word_finds_titles_and_quotes_with_a_close_word(seed_article, reviewer, reviewer2):
    mine = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    hidden = services.annotation_create(
        article=seed_article, author=reviewer2, status="alleged", **sentence_span(seed_article, 6)
    )
    assert "Huawei" in mine.quote and "Huawei" in hidden.quote and "Huwei" not in seed_article.body
    assert found(reviewer, "Huwei", "article") == [seed_article.pk]
    assert found(reviewer, "Huwei", "verdict") == [mine.pk]  # not reviewer2's draft
    [result] = selectors.desk_search(viewer=reviewer, query="huwei pakistn", type="article")
    assert (result["title"], result["snippet"]) == (seed_article.title, seed_article.title)
    assert found(reviewer, "Huwei zanzibar", "article") == []  # every word needs a close match
    assert found(reviewer, "Huwei", "article", since=date(2100, 1, 1)) == []  # filters still apply


@on_postgresql
def test_words_are_stemmed_in_the_desks_search_languages(reviewer, settings):
    french = ArticleFactory(
        title="Le repas", body="Ils mangeaient ensemble chaque soir. Puis ils partaient.", language="fr"
    )
    settings.FACTCHECK_SEARCH_LANGUAGES = ["en"]
    assert found(reviewer, "mangeait", "article") == []
    settings.FACTCHECK_SEARCH_LANGUAGES = ["en", "fr"]
    assert found(reviewer, "mangeait", "article") == [french.pk]
    assert found(reviewer, "ensemble", "article") == [french.pk]  # word for word too
