"""Imports of many articles, or of much text: checked at once, stored now or by a background task."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django_tasks_db.management.commands import db_worker
import pytest

from annotations import records, services
from annotations.models import Article, ArticleImport, ImportState, Sentence
from annotations.segmentation import sentence_splitter, split_sentences

from .conftest import api, client_for

pytestmark = pytest.mark.django_db

PARAGRAPH = "The court heard the case on Monday. Dr. Khan denied it. The U.S. filing says otherwise."


def article(number: int, **extra) -> dict:
    body = "\n".join(f"{PARAGRAPH} Paragraph {paragraph} of article {number}." for paragraph in range(3))
    return {"title": f"Article {number}", "body": body} | extra


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """The worker closes connections past CONN_MAX_AGE between tasks, as Django does after a
    request; in a test that would close the connection holding the test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker() -> None:
    """What `make run` and production run beside the web server: every queued task, then exit."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def test_a_small_upload_is_stored_before_the_call_returns(reviewer):
    job = services.articles_import(articles=[article(1), article(2, language="ur")], imported_by=reviewer)
    assert (job.state, job.done, job.total, job.items, job.problems) == (ImportState.DONE, 2, 2, [], [])
    stored = list(Article.objects.filter(pk__in=job.article_ids).order_by("id"))
    assert [a.title for a in stored] == ["Article 1", "Article 2"]
    assert [a.pk for a in stored] == job.article_ids
    assert stored[1].language == "ur" and stored[0].imported_by == reviewer
    for one in stored:
        spans = split_sentences(one.body, one.language)
        assert list(one.sentences.order_by("index").values_list("index", "start", "end")) == [
            (s.index, s.start, s.end) for s in spans
        ]


def test_a_large_upload_waits_for_the_worker_then_is_stored_with_its_progress(
    reviewer, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1_000
    with django_capture_on_commit_callbacks(execute=True):
        job = services.articles_import(articles=[article(n) for n in range(30)], imported_by=reviewer)
    assert (job.state, job.done, job.total) == (ImportState.QUEUED, 0, 30)
    assert not Article.objects.exists()
    run_worker()
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.items, job.problems) == (ImportState.DONE, 30, 30, [], [])
    assert job.started_at <= job.finished_at
    assert list(Article.objects.order_by("id").values_list("title", flat=True)) == [f"Article {n}" for n in range(30)]
    assert Sentence.objects.count() == 30 * 12  # four per paragraph


def test_an_import_runs_once(reviewer, settings, django_capture_on_commit_callbacks):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = services.articles_import(articles=[article(1)], imported_by=reviewer)
    services.import_run(job_id=job.pk)
    services.import_run(job_id=job.pk)  # the task delivered twice
    assert Article.objects.count() == 1


def test_one_bad_article_refuses_the_upload_with_its_number_and_stores_nothing(reviewer, seed_article, seed_text):
    uploads = [
        article(1),
        article(2, title="  "),
        article(3, url="javascript:alert(1)"),
        {"title": "Old", "body": seed_text},
    ]
    with pytest.raises(ValidationError) as refused:
        services.articles_import(articles=uploads, imported_by=reviewer)
    messages = refused.value.message_dict["articles"]
    assert messages[0] == "Article 2: Give the article a title."
    assert messages[1].startswith("Article 3: ") and "http" in messages[1]
    assert messages[2].startswith("Article 4: This text is already stored as article #")
    assert Article.objects.count() == 1 and not ArticleImport.objects.exists()


def test_the_same_text_twice_in_one_upload_is_refused(reviewer):
    with pytest.raises(ValidationError) as refused:
        services.articles_import(
            articles=[article(1), article(2), {**article(1), "title": "Again"}], imported_by=reviewer
        )
    assert refused.value.message_dict == {"articles": ["Article 3: the same text as article 1."]}


def test_the_upload_limits_are_the_settings(reviewer, settings):
    settings.FACTCHECK_MAX_IMPORT_ARTICLES = 2
    with pytest.raises(ValidationError, match="one import takes at most 2"):
        services.articles_import(articles=[article(n) for n in range(3)], imported_by=reviewer)
    settings.FACTCHECK_MAX_IMPORT_BYTES = 100
    with pytest.raises(ValidationError, match="bytes of text; one import takes at most 100"):
        services.articles_import(articles=[article(1)], imported_by=reviewer)
    with pytest.raises(ValidationError, match="at least one"):
        services.articles_import(articles=[], imported_by=reviewer)


def test_only_reviewers_and_editors_import(outsider):
    with pytest.raises(PermissionDenied):
        services.articles_import(articles=[article(1)], imported_by=outsider)


def test_many_problems_are_listed_first_twenty_then_counted(reviewer):
    with pytest.raises(ValidationError) as refused:
        services.articles_import(articles=[{"title": "", "body": "x"} for _ in range(25)], imported_by=reviewer)
    messages = refused.value.message_dict["articles"]
    assert len(messages) == 21 and messages[-1] == "…and 5 more."


def test_a_text_stored_meanwhile_is_skipped_and_listed(reviewer, settings, django_capture_on_commit_callbacks):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = services.articles_import(articles=[article(1), article(2), article(3)], imported_by=reviewer)
    services.article_import(imported_by=reviewer, **article(2, title="Someone else's"))
    run_worker()
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.done == 3
    assert [Article.objects.get(pk=pk).title for pk in job.article_ids] == ["Article 1", "Article 3"]
    assert job.problems == [
        {"item": 1, "title": "Article 2", "messages": [job.problems[0]["messages"][0]]},
    ]
    assert job.problems[0]["messages"][0].startswith("This text is already stored as article #")


def test_a_large_single_article_goes_to_the_background_and_a_small_one_does_not(reviewer, settings):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = len(article(1)["body"])
    assert isinstance(services.article_import_or_queue(imported_by=reviewer, **article(1)), Article)
    queued = services.article_import_or_queue(imported_by=reviewer, **article(1, body=article(1)["body"] + " More."))
    assert isinstance(queued, ArticleImport) and queued.state == ImportState.QUEUED and queued.total == 1


def test_articles_split_side_by_side_have_the_sentences_of_one_process(seed_text):
    bodies = [(f"{seed_text}\nCopy {n}.", "en") for n in range(12)] + [("حکومت نے بیان جاری کیا۔ دوسرا جملہ۔", "ur")]
    with sentence_splitter(2) as split:
        parallel = list(split(bodies))
    assert parallel == [split_sentences(body, language) for body, language in bodies]


# --- The API: POST /api/v1/imports/, and a large article through POST /api/v1/articles/ ---


def test_the_api_stores_a_small_upload_at_once(reviewer):
    response = api(reviewer).post("/api/v1/imports/", {"articles": [article(1), article(2)]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/imports/{body['id']}/"
    assert (body["state"], body["done"], body["total"], body["problems"]) == ("done", 2, 2, [])
    assert [Article.objects.get(pk=pk).title for pk in body["articles"]] == ["Article 1", "Article 2"]
    assert set(body) == set(records.IMPORT_KEYS) and body["created_by"] == "reviewer"


def test_the_api_answers_202_for_a_large_upload_and_shows_its_progress(
    reviewer, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1_000
    with django_capture_on_commit_callbacks(execute=True):
        response = api(reviewer).post("/api/v1/imports/", {"articles": [article(n) for n in range(3)]}, format="json")
    assert response.status_code == 202
    queued = api(reviewer).get(response["Location"]).json()
    assert (queued["state"], queued["done"], queued["total"], queued["articles"]) == ("queued", 0, 3, [])
    assert queued["started_at"] is None and queued["finished_at"] is None
    run_worker()
    done = api(reviewer).get(response["Location"]).json()
    assert (done["state"], done["done"], len(done["articles"])) == ("done", 3, 3)
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]


def test_a_large_article_through_the_api_becomes_an_import(reviewer, settings, django_capture_on_commit_callbacks):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 100
    with django_capture_on_commit_callbacks(execute=True):
        response = api(reviewer).post("/api/v1/articles/", article(1), format="json")
    assert response.status_code == 202 and response.json()["state"] == "queued"
    run_worker()
    [stored] = api(reviewer).get(response["Location"]).json()["articles"]
    assert api(reviewer).get(f"/api/v1/articles/{stored}/").json()["title"] == "Article 1"


def test_an_import_is_seen_by_its_author_and_editors_only(reviewer, reviewer2, editor, outsider):
    job_id = api(reviewer).post("/api/v1/imports/", {"articles": [article(1)]}, format="json").json()["id"]
    assert api(editor).get(f"/api/v1/imports/{job_id}/").status_code == 200
    assert api(reviewer2).get(f"/api/v1/imports/{job_id}/").status_code == 404
    assert api(outsider).get(f"/api/v1/imports/{job_id}/").status_code == 404
    assert api().get(f"/api/v1/imports/{job_id}/").status_code in {401, 403}
    assert [j["id"] for j in api(editor).get("/api/v1/imports/").json()["results"]] == [job_id]
    assert api(reviewer2).get("/api/v1/imports/").json()["results"] == []
    assert api(outsider).post("/api/v1/imports/", {"articles": [article(2)]}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"articles": []}, {"articles": {"non_field_errors": ["This list may not be empty."]}}),
        ({"articles": "text"}, None),
        (
            {"articles": [article(1), {"body": "No title."}]},
            {"articles": {"1": {"title": ["This field is required."]}}},
        ),
        ({"articles": [article(1), article(2, url="ftp://example.org/x")]}, None),
    ],
)
def test_a_refused_upload_is_a_400_naming_the_article_and_stores_nothing(reviewer, payload, expected):
    response = api(reviewer).post("/api/v1/imports/", payload, format="json")
    assert response.status_code == 400
    assert "articles" in response.json()
    if expected is not None:
        assert response.json() == expected
    assert not Article.objects.exists() and not ArticleImport.objects.exists()


def test_the_import_list_does_not_grow_in_queries(reviewer, editor, django_assert_num_queries):
    for n in range(9):
        api(reviewer).post("/api/v1/imports/", {"articles": [article(n)]}, format="json")
    with django_assert_num_queries(2):  # the viewer's roles; the page of imports with their authors
        assert len(api(editor).get("/api/v1/imports/").json()["results"]) == 9


# --- The page: a long text from "Add an article" is imported in the background ---


@pytest.mark.parametrize("debug", [False, True])
def test_a_long_text_from_the_page_shows_the_import_and_then_the_article(
    reviewer, settings, django_capture_on_commit_callbacks, debug
):
    settings.DEBUG = debug
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 100
    client = client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/articles/new/", article(1, language="en"))
    job = ArticleImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Waiting to start" in page.content and b'hx-trigger="every 1s"' in page.content
    run_worker()
    partial = client.get(response["Location"], headers={"HX-Request": "true"})
    stored = Article.objects.get()
    assert partial["HX-Redirect"] == stored.get_absolute_url()
    assert b"Done" in partial.content and b"every 1s" not in partial.content and b"<html" not in partial.content
    done = client.get(response["Location"])
    assert stored.title.encode() in done.content and b"1 of 1 article processed" in done.content


def test_the_import_page_is_its_authors_and_editors(reviewer, reviewer2, editor):
    job = services.articles_import(articles=[article(1, title="<b>Bold</b> claim")], imported_by=reviewer)
    assert client_for(reviewer2).get(f"/imports/{job.pk}/").status_code == 404
    page = client_for(editor).get(f"/imports/{job.pk}/")
    assert page.status_code == 200 and b"&lt;b&gt;Bold&lt;/b&gt; claim" in page.content
    assert Client().get(f"/imports/{job.pk}/").status_code == 302  # to the login


def test_problems_are_listed_on_the_page(reviewer, settings, django_capture_on_commit_callbacks):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = services.articles_import(articles=[article(1), article(2)], imported_by=reviewer)
    services.article_import(imported_by=reviewer, **article(2, title="Meanwhile"))
    run_worker()
    page = client_for(reviewer).get(f"/imports/{job.pk}/").content.decode()
    assert "Not imported:" in page and "Article 2, “Article 2”: This text is already stored as article #" in page


@pytest.mark.parametrize("path", ["/api/v1/imports/", "/api/v1/articles/"])
def test_a_lone_surrogate_in_a_body_is_refused_as_drf_refuses_it(reviewer, path):
    body = article(1)["body"] + " \ud83d."
    payload = {"articles": [article(1, body=body)]} if "imports" in path else article(1, body=body)
    response = api(reviewer).post(path, json.dumps(payload), content_type="application/json")  # "\\ud83d"
    assert response.status_code == 400
    assert "Surrogate characters are not allowed: U+D83D." in str(response.json())
    assert not Article.objects.exists()


def test_progress_is_recorded_with_each_chunk_of_articles(
    reviewer, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = services.articles_import(articles=[article(n) for n in range(120)], imported_by=reviewer)
    seen = []
    store = services._articles_store

    def recording(segmented, imported_by):
        seen.append(ArticleImport.objects.values_list("state", "done").get(pk=job.pk))
        return store(segmented, imported_by)

    monkeypatch.setattr(services, "_articles_store", recording)
    services.import_run(job_id=job.pk, processes=1)
    assert seen == [("running", 0), ("running", services.IMPORT_CHUNK), ("running", 2 * services.IMPORT_CHUNK)]
    assert ArticleImport.objects.values_list("state", "done").get(pk=job.pk) == ("done", 120)
