"""The versions API: POST a corrected body and get the re-anchoring report; GET the versions;
a verdict's record names its version and anchor."""

from django.urls import reverse
import pytest

from annotations import services
from annotations.models import Action, Annotation, AnnotationEvent, ArticleVersion

from .conftest import api
from .reanchoring_corpus import CASES

pytestmark = pytest.mark.django_db

TYPO = next(case for case in CASES if case.name == "typo fixed inside a quote")
DELETED = next(case for case in CASES if case.name == "quoted sentence deleted")


def _verdict(article, author, quote):
    start = article.body.index(quote)
    return services.annotation_create(
        article=article, author=author, start=start, end=start + len(quote), quote=quote, status="alleged"
    )


def _url(article):
    return reverse("api:article-versions", args=[article.pk])


def test_post_a_version_answers_the_report(reviewer, editor):
    article = services.article_import(title="t", body=TYPO.old, imported_by=reviewer)
    typo = _verdict(article, reviewer, "The ministry recieved 40 complaints in March.")
    same = _verdict(article, reviewer, "two billion rupees")
    new_start = TYPO.new.index("The ministry received")

    response = api(editor).post(_url(article), {"body": TYPO.new}, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "version": 2,
        "exact": 1,
        "fuzzy": 1,
        "orphaned": 0,
        "annotations": [
            {
                "id": typo.pk,
                "outcome": "fuzzy",
                "score": 0.983,
                "old": {"version": 1, "start": typo.start, "end": typo.end, "quote": typo.quote},
                "new": {
                    "version": 2,
                    "start": new_start,
                    "end": new_start + 45,
                    "quote": "The ministry received 40 complaints in March.",
                },
            },
            {
                "id": same.pk,
                "outcome": "exact",
                "score": 1.0,
                "old": {"version": 1, "start": same.start, "end": same.end, "quote": same.quote},
                "new": {"version": 2, "start": same.start, "end": same.end, "quote": same.quote},
            },
        ],
    }
    assert AnnotationEvent.objects.filter(action=Action.REANCHOR).count() == 2
    record = api(editor).get(reverse("api:annotation-detail", args=[typo.pk])).json()
    assert (record["article_version"], record["anchor"], record["quote"]) == (
        2,
        "fuzzy",
        "The ministry received 40 complaints in March.",
    )


def test_the_report_shows_only_verdicts_the_poster_may_see(reviewer, reviewer2):
    article = services.article_import(title="t", body=DELETED.old, imported_by=reviewer)
    _verdict(article, reviewer, "Officials said the contract was worth two billion rupees.")  # reviewer's draft
    mine = _verdict(article, reviewer2, "The ministry recieved 40 complaints in March.")
    data = api(reviewer2).post(_url(article), {"body": DELETED.new}, format="json").json()
    assert (data["exact"], data["fuzzy"], data["orphaned"]) == (1, 0, 0)
    assert [item["id"] for item in data["annotations"]] == [mine.pk]


def test_get_lists_the_versions(reviewer, editor):
    article = services.article_import(title="t", body="First text.", imported_by=reviewer)
    api(editor).post(_url(article), {"body": "First text, corrected."}, format="json")
    data = api(reviewer).get(_url(article)).json()
    assert [(v["version"], v["current"], v["created_by"], v["length"]) for v in data] == [
        (1, False, "reviewer", 11),
        (2, True, "editor", 22),
    ]
    assert data[1]["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"body": ["Send the corrected text as `body`, or `refetch: true`."]}),
        ({"body": "x", "refetch": True}, {"body": ["Send the corrected text as `body`, or `refetch: true`."]}),
        ({"body": "First text."}, {"body": ["This is the current text of the article: nothing changed."]}),
        ({"body": " "}, {"body": ["The corrected text is empty."]}),
        ({"body": None}, {"body": ["This field may not be null."]}),
        (
            {"refetch": True},
            {"refetch": ["This article has no web address to check: paste the corrected text."]},
        ),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(payload, errors, reviewer):
    article = services.article_import(title="t", body="First text.", imported_by=reviewer)
    response = api(reviewer).post(_url(article), payload, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert ArticleVersion.objects.count() == 0


def test_no_access(outsider, reviewer):
    article = services.article_import(title="t", body="First text.", imported_by=reviewer)
    refused = api(outsider).post(_url(article), {"body": "Other text."}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only reviewers and editors can store a corrected version."},
    )
    anonymous = api().get(_url(article))
    assert anonymous.status_code == 401
    missing = api(reviewer).get(reverse("api:article-versions", args=[99999]))
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Article matches the given query."})
    assert ArticleVersion.objects.count() == 0


def test_orphans_are_listed_reselected_and_closed_through_the_api(reviewer, reviewer2, editor):
    case = next(case for case in CASES if case.name == "quoted sentence deleted")
    article = services.article_import(title="t", body=case.old, imported_by=reviewer)
    first = _verdict(article, reviewer, "Officials said the contract was worth two billion rupees.")
    second = _verdict(article, reviewer, "two billion rupees")
    services.article_version_create(article=article, actor=editor, body=case.new.replace("two billion", "2 bn"))
    article.refresh_from_db()
    listed = api(reviewer).get(reverse("api:annotation-list"), {"anchor": "orphaned"}).json()["results"]
    assert sorted(item["id"] for item in listed) == sorted([first.pk, second.pk])

    orphan = Annotation.objects.get(pk=second.pk)
    quote = "The ministry recieved"
    start = article.body.index(quote)
    url = reverse("api:annotation-reselect", args=[orphan.pk])
    stranger = api(reviewer2).post(url, {"version": orphan.version, "start": start, "end": start + 21, "quote": quote})
    assert stranger.status_code == 404  # another reviewer's draft is not theirs to see
    wrong = api(reviewer).post(
        url, {"version": orphan.version, "start": start, "end": start + 21, "quote": "x"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["quote"][0].startswith("The selected text does not match")
    placed = api(reviewer).post(
        url, {"version": orphan.version, "start": start, "end": start + 21, "quote": quote}, format="json"
    )
    assert placed.status_code == 200
    assert (placed.json()["article_version"], placed.json()["anchor"], placed.json()["quote"]) == (2, "fuzzy", quote)

    closing = Annotation.objects.get(pk=first.pk)
    close_url = reverse("api:annotation-close", args=[closing.pk])
    refused = api(reviewer).post(close_url, {"version": closing.version, "reason": ""}, format="json")
    assert (refused.status_code, refused.json()) == (400, {"reason": ["This field may not be blank."]})
    done = api(reviewer).post(close_url, {"version": closing.version, "reason": "Removed."}, format="json")
    assert done.status_code == 204
    assert Annotation.objects.get(pk=first.pk).is_deleted
    again = api(reviewer).post(
        reverse("api:annotation-close", args=[second.pk]),
        {"version": placed.json()["version"], "reason": "x"},
        format="json",
    )
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "This verdict is on the current version of its article: it is not an orphan."},
    )
