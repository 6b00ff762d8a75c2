"""The annotations API: each endpoint for each role, validation as field-level 400s, 403s and 409s."""

import base64
import gc
import io

from django.db import connection
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
import orjson
import pytest
from rest_framework.authtoken.models import Token

from annotations import selectors, services
from annotations.models import Annotation, Source

from .conftest import api, create_payload, token_client
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_annotation_create_with_sources_and_validation(reviewer, seed_article):
    client = api(reviewer)
    url = reverse("api:annotation-list")
    payload = create_payload(
        seed_article,
        22,
        status="evidenced",
        note="BBC, 8 April 2019.",
        sources=[
            {
                "url": "https://WWW.bbc.com/news/x?utm_source=t#top",
                "title": "BBC report",
                "relation": "supports",
                "pinpoint": "¶3",
            }
        ],
    )
    response = client.post(url, payload, format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["state"], data["version"], data["author"], data["review"]) == ("draft", 1, "reviewer", None)
    assert data["sources"] == [
        {
            "url": "https://www.bbc.com/news/x",
            "title": "BBC report",
            "publisher": "",
            "published_at": None,
            "archive_url": "",
            "relation": "supports",
            "pinpoint": "¶3",
        }
    ]
    assert data["quote"] == seed_article.body[data["start"] : data["end"]]

    cases = [
        (
            {"status": "denied"},
            {"denied_by": ["Name who denied it: a denied verdict records the party that denied the claim."]},
        ),
        ({"status": "evidenced"}, {"sources": ["An evidenced verdict needs at least one source that supports it."]}),
        ({"status": "false"}, {"status": ['"false" is not a valid choice.']}),
        (
            {"quote": "nope"},
            {
                "quote": [
                    "The selected text does not match the article at 275–396: expected “The consultancy has sued "
                    "Huawei and its subsidiary in Pakis…”, got “nope”. Reload the page and select again."
                ]
            },
        ),
        ({"start": -1}, {"start": ["Ensure this value is greater than or equal to 0."]}),
        ({"article": 999}, {"article": ['Invalid pk "999" - object does not exist.']}),
        ({"article": "999"}, {"article": ['Invalid pk "999" - object does not exist.']}),
        ({"article": 2**70}, {"article": [f'Invalid pk "{2**70}" - object does not exist.']}),
        ({"article": "one"}, {"article": ["Incorrect type. Expected pk value, received str."]}),
        ({"article": True}, {"article": ["Incorrect type. Expected pk value, received bool."]}),
        ({"article": [1]}, {"article": ["Incorrect type. Expected pk value, received list."]}),
        ({"article": None}, {"article": ["This field may not be null."]}),
        (
            {"sources": [{"url": f"https://example.org/{n}", "relation": "context"} for n in range(51)]},
            {"sources": {"non_field_errors": ["Ensure this field has no more than 50 elements."]}},
        ),
        (
            {"sources": [{"url": "javascript:alert(1)", "title": "x", "relation": "supports"}]},
            {"sources": {"0": {"url": ["Only http:// and https:// addresses can be sources."]}}},
        ),
        (
            {"sources": [{"url": "https://a.org/", "relation": "endorses"}]},
            {"sources": {"0": {"relation": ['"endorses" is not a valid choice.']}}},
        ),
    ]
    for change, errors in cases:
        bad = client.post(url, create_payload(seed_article) | change, format="json")
        assert (bad.status_code, bad.json()) == (400, errors), change
    assert Annotation.objects.count() == 1


def test_annotation_visibility_and_filters(reviewer, reviewer2, editor, seed_article):
    draft = api(reviewer2).post(reverse("api:annotation-list"), create_payload(seed_article, 1), format="json").json()
    mine = api(reviewer).post(reverse("api:annotation-list"), create_payload(seed_article, 2), format="json").json()
    url = reverse("api:annotation-list")
    assert [a["id"] for a in api(reviewer).get(url).json()["results"]] == [mine["id"]]
    assert sorted(a["id"] for a in api(editor).get(url).json()["results"]) == sorted([draft["id"], mine["id"]])
    assert api(reviewer).get(reverse("api:annotation-detail", args=[draft["id"]])).status_code == 404
    assert api(reviewer).get(reverse("api:annotation-events", args=[draft["id"]])).status_code == 404
    assert [a["id"] for a in api(editor).get(url, {"author": "reviewer2"}).json()["results"]] == [draft["id"]]
    assert api(editor).get(url, {"state": "approved"}).json()["results"] == []
    assert api(editor).get(url, {"state": "bogus"}).status_code == 400


def test_a_refused_verdict_adds_no_source_to_the_library(reviewer, seed_article, bbc_source):
    new_source = {"url": "https://court.example/bes-v-huawei", "title": "Complaint", "relation": "denial"}
    url = reverse("api:annotation-list")
    refused = api(reviewer).post(
        url, create_payload(seed_article, 4, status="denied", sources=[new_source]), format="json"
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"denied_by": ["Name who denied it: a denied verdict records the party that denied the claim."]},
    )
    created = api(reviewer).post(url, create_payload(seed_article, 5), format="json").json()
    stale = api(reviewer).patch(
        reverse("api:annotation-detail", args=[created["id"]]), {"version": 7, "sources": [new_source]}, format="json"
    )
    assert stale.status_code == 409
    assert list(Source.objects.values_list("url", flat=True)) == [bbc_source.url]
    accepted = api(reviewer).post(
        url, create_payload(seed_article, 4, status="denied", denied_by="Huawei", sources=[new_source]), format="json"
    )
    assert accepted.status_code == 201
    assert sorted(Source.objects.values_list("url", flat=True)) == sorted([bbc_source.url, new_source["url"]])


def test_update_with_versions_and_ownership(reviewer, reviewer2, editor, seed_article):
    created = api(reviewer).post(reverse("api:annotation-list"), create_payload(seed_article), format="json").json()
    url = reverse("api:annotation-detail", args=[created["id"]])
    updated = api(reviewer).patch(url, {"version": 1, "note": "Checked the filing."}, format="json")
    assert updated.status_code == 200
    assert (updated.json()["note"], updated.json()["version"], updated.json()["claimant"]) == (
        "Checked the filing.",
        2,
        "BES",
    )
    stale = api(reviewer).patch(url, {"version": 1, "note": "Overwrite"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("This verdict was changed by reviewer at ")
    assert stale.json()["current"]["note"] == "Checked the filing."
    missing = api(reviewer).put(url, {"status": "alleged"}, format="json")
    assert missing.json() == {"version": ["This field is required."]}
    api(reviewer).post(reverse("api:annotation-submit", args=[created["id"]]), {"version": 2}, format="json")
    refused = api(reviewer2).patch(url, {"version": 3, "note": "x"}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only its author or an editor can edit this verdict."},
    )
    own = api(reviewer).patch(url, {"version": 3, "note": "x"}, format="json")
    assert own.json() == {
        "detail": "This verdict is submitted: ask an editor to reopen it or return it before you edit it."
    }


def test_review_actions_and_events(reviewer, editor, seed_article):
    created = api(reviewer).post(reverse("api:annotation-list"), create_payload(seed_article), format="json").json()
    pk = created["id"]
    assert api(editor).post(reverse("api:annotation-submit", args=[pk]), {"version": 1}, format="json").json() == {
        "detail": "Only its author can submit this verdict."
    }
    submitted = api(reviewer).post(reverse("api:annotation-submit", args=[pk]), {"version": 1}, format="json").json()
    assert submitted["state"] == "submitted"
    no_comment = api(editor).post(reverse("api:annotation-request-changes", args=[pk]), {"version": 2}, format="json")
    assert (no_comment.status_code, no_comment.json()) == (400, {"comment": ["This field is required."]})
    change_without_comment = api(editor).post(
        reverse("api:annotation-approve", args=[pk]), {"version": 2, "status": "unverified"}, format="json"
    )
    assert change_without_comment.json() == {"comment": ["Explain why you change the status: a comment is required."]}
    approved = (
        api(editor)
        .post(
            reverse("api:annotation-approve", args=[pk]),
            {"version": 2, "status": "unverified", "comment": "Not public."},
            format="json",
        )
        .json()
    )
    assert (approved["state"], approved["status"], approved["review"]["editor"], approved["review"]["comment"]) == (
        "approved",
        "unverified",
        "editor",
        "Not public.",
    )
    reopened = api(editor).post(
        reverse("api:annotation-reopen", args=[pk]), {"version": 3, "comment": "New filing"}, format="json"
    )
    assert reopened.json()["state"] == "submitted"
    events = api(reviewer).get(reverse("api:annotation-events", args=[pk])).json()
    assert [(e["action"], e["actor"], e["to_state"]) for e in events] == [
        ("create", "reviewer", "draft"),
        ("submit", "reviewer", "submitted"),
        ("approve", "editor", "approved"),
        ("reopen", "editor", "submitted"),
    ]


def test_self_approval_refused_in_the_api(editor, seed_article):
    created = api(editor).post(reverse("api:annotation-list"), create_payload(seed_article), format="json").json()
    api(editor).post(reverse("api:annotation-submit", args=[created["id"]]), {"version": 1}, format="json")
    response = api(editor).post(reverse("api:annotation-approve", args=[created["id"]]), {"version": 2}, format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You cannot approve your own verdict: another editor must review it."},
    )


def test_delete_with_version(reviewer, seed_article):
    created = api(reviewer).post(reverse("api:annotation-list"), create_payload(seed_article), format="json").json()
    url = reverse("api:annotation-detail", args=[created["id"]])
    assert api(reviewer).delete(f"{url}?version=7").status_code == 409
    assert api(reviewer).delete(f"{url}?version=x").json() == {"version": ["A valid integer is required."]}
    assert api(reviewer).delete(f"{url}?version=1").status_code == 204
    assert api(reviewer).get(url).status_code == 404
    assert Annotation.objects.get().deleted_at is not None


def test_outsider_cannot_write_annotations(outsider, seed_article):
    response = api(outsider).post(reverse("api:annotation-list"), create_payload(seed_article), format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only reviewers and editors can record verdicts."},
    )


def test_create_and_list_use_a_fixed_number_of_queries(reviewer, seed_article, django_assert_num_queries):
    client = api(reviewer)
    client.post(reverse("api:annotation-list"), create_payload(seed_article, 0), format="json")

    with CaptureQueriesContext(connection) as create:
        response = client.post(reverse("api:annotation-list"), create_payload(seed_article, 1), format="json")
    assert response.status_code == 201
    statements = [q["sql"].split()[0] for q in create.captured_queries]
    if connection.vendor == "postgresql":
        # The token with its user, the article, one statement writes the verdict and its event,
        # then the answer is read back as every reader reads a verdict: its row, then its sources.
        assert statements == ["SELECT", "SELECT", "WITH", "SELECT", "SELECT"]
    else:
        assert statements.count("INSERT") == 2  # the annotation and its create event
        assert statements.count("DELETE") == 0

    def listing():
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(reverse("api:annotation-list"), {"article": seed_article.pk, "page_size": 500}).status_code
                == 200
            )
        return len(captured)

    few = listing()
    for index in range(2, 12):
        client.post(reverse("api:annotation-list"), create_payload(seed_article, index), format="json")
    assert listing() == few


def test_list_gives_exactly_what_retrieve_gives(reviewer, editor, seed_article, bbc_source):
    client = api(reviewer)
    payload = create_payload(
        seed_article,
        22,
        status="evidenced",
        sources=[{"url": bbc_source.url, "relation": "supports", "pinpoint": "p. 2"}],
    )
    created = client.post(reverse("api:annotation-list"), payload, format="json").json()
    client.post(reverse("api:annotation-submit", args=[created["id"]]), {"version": 1}, format="json")
    api(editor).post(
        reverse("api:annotation-approve", args=[created["id"]]), {"version": 2, "comment": "Fine."}, format="json"
    )
    # Text that JSON must escape, and a source with a date: on SQLite the database writes the list's JSON.
    awkward = 'Quote "marks", a back\\slash, a tab\t, a line\nbreak, \u2028, \x01 and \U0001f4c4'
    statement = {
        "url": "https://example.org/statement",
        "title": 'Statement "on record", 8 April 2019',
        "publisher": "Huawei",
        "published_at": "2019-04-08",
        "archive_url": "https://web.archive.org/web/2019/https://example.org/statement",
        "relation": "denial",
        "pinpoint": "para. 3",
    }
    denied = create_payload(
        seed_article, 3, status="denied", denied_by="Huawei", claimant=awkward, note=awkward, sources=[statement]
    )
    assert client.post(reverse("api:annotation-list"), denied, format="json").status_code == 201
    listed = client.get(reverse("api:annotation-list")).json()["results"]
    one_by_one = [client.get(reverse("api:annotation-detail", args=[item["id"]])).json() for item in listed]
    assert listed == one_by_one
    assert listed[1]["review"]["comment"] == "Fine."
    assert (listed[0]["note"], listed[0]["review"]) == (awkward, None)
    assert listed[0]["sources"] == [statement]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are a PostgreSQL setting")
def test_listing_again_runs_prepared_statements(reviewer, seed_article, bbc_source):
    """From its fifth run on a connection a statement runs prepared (no parsing or planning), with the same answer."""
    client = token_client(reviewer)
    for index in range(3):
        sources = [{"url": bbc_source.url, "relation": "context", "pinpoint": f"p. {index}"}]
        client.post(reverse("api:annotation-list"), create_payload(seed_article, index, sources=sources), format="json")
    first = client.get(reverse("api:annotation-list"), {"article": seed_article.pk}).json()
    for _ in range(5):
        again = client.get(reverse("api:annotation-list"), {"article": seed_article.pk}).json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "annotations_annotationsource"' in statement for statement in prepared)
    assert any('FROM "authtoken_token" t' in statement for statement in prepared)
    assert again == first
    assert [[s["pinpoint"] for s in item["sources"]] for item in again["results"]] == [["p. 2"], ["p. 1"], ["p. 0"]]


def test_created_verdict_reads_back_as_it_was_answered(reviewer, seed_article, bbc_source):
    client = api(reviewer)
    payload = create_payload(
        seed_article,
        5,
        note="Court filing, \u201cp. 4\u201d \u2014 \U0001f4c4",
        sources=[{"url": bbc_source.url, "relation": "context"}],
    )
    created = client.post(reverse("api:annotation-list"), payload, format="json")
    assert created.status_code == 201
    assert created.json() == client.get(reverse("api:annotation-detail", args=[created.json()["id"]])).json()
    assert created.json()["created_at"].endswith("Z")


def test_filtered_pages_carry_only_their_own_sources(reviewer, seed_article):
    """Pages of a filtered list: verdicts filtered out sit between the listed ones, with sources of their own."""
    client = api(reviewer)
    expected = {}
    for index in range(7):
        status = "alleged" if index % 2 else "unverified"
        url = f"https://example.org/filing-{index}"
        sources = [{"url": url, "title": f"Filing {index}", "relation": "context", "pinpoint": f"p. {index}"}]
        payload = create_payload(seed_article, index, status=status, sources=sources)
        created = client.post(reverse("api:annotation-list"), payload, format="json").json()
        expected[created["id"]] = (status, url)
    first = client.get(reverse("api:annotation-list"), {"status": "alleged", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    listed = first["results"] + second["results"]
    alleged = sorted((pk for pk, (status, _url) in expected.items() if status == "alleged"), reverse=True)
    assert [item["id"] for item in listed] == alleged
    assert {item["id"]: [source["url"] for source in item["sources"]] for item in listed} == {
        pk: [expected[pk][1]] for pk in alleged
    }
    empty = client.get(reverse("api:annotation-list"), {"status": "evidenced"}).json()
    assert empty["results"] == []


def test_the_list_holds_what_each_viewer_may_see_with_every_filter_and_page(reviewer, reviewer2, editor, seed_article):
    """The API list against selectors.visible_annotations, the rule the
    pages use: drafts only for their author and editors, never a deleted verdict; each filter, and
    pages of two walked forward, then back from the last one."""
    other = ArticleFactory(title="Second story", body="One claim here. Another claim there. A third one.")
    bbc = {"url": "https://www.bbc.com/news/wifi-cards", "title": "BBC report, 2019", "relation": "supports"}
    verdicts = [
        (reviewer, seed_article, 1, {}),
        (reviewer2, seed_article, 2, {"status": "denied", "denied_by": "Huawei"}),
        (reviewer, other, 0, {"status": "unverified"}),
        (reviewer2, other, 1, {}),
        (reviewer, seed_article, 3, {"status": "evidenced", "sources": [bbc]}),
        (reviewer2, seed_article, 4, {}),
        (reviewer, other, 2, {"status": "denied", "denied_by": "Huawei"}),
    ]
    url = reverse("api:annotation-list")
    created = [
        api(author).post(url, create_payload(article, index, **extra), format="json").json()
        for author, article, index, extra in verdicts
    ]
    assert [item.get("version") for item in created] == [1] * 7, created
    ids = [item["id"] for item in created]
    annotations = {pk: Annotation.objects.get(pk=pk) for pk in ids}
    for pk in ids[:4]:
        annotation = annotations[pk]
        annotations[pk] = services.annotation_submit(annotation=annotation, actor=annotation.author, version=1)
    services.annotation_approve(annotation=annotations[ids[0]], editor=editor, version=2)
    services.annotation_delete(annotation=annotations[ids[5]], actor=reviewer2)
    filters = [
        {},
        {"article": seed_article.pk},
        {"status": "denied"},
        {"state": "draft"},
        {"state": "submitted", "article": other.pk},
        {"author": "reviewer2"},
        {"author": "nobody"},
    ]
    as_lookups = {"article": "article_id", "status": "status", "state": "state", "author": "author__username"}
    for viewer in (reviewer, reviewer2, editor):
        client = api(viewer)
        for given in filters:
            visible = selectors.visible_annotations(viewer=viewer).filter(
                **{as_lookups[name]: value for name, value in given.items()}
            )
            expected = list(visible.order_by("-id").values_list("id", flat=True))
            pages = [client.get(url, {**given, "page_size": 2}).json()]
            while pages[-1]["next"]:
                pages.append(client.get(pages[-1]["next"]).json())
            back = [pages[-1]]
            while back[-1]["previous"]:
                back.append(client.get(back[-1]["previous"]).json())
            forward_ids = [item["id"] for page in pages for item in page["results"]]
            back_ids = [item["id"] for page in reversed(back) for item in page["results"]]
            assert (forward_ids, back_ids) == (expected, expected), (viewer.username, given)
    # The rule the list was checked against: the deleted verdict is never seen, and the drafts
    # (the fifth and the last, by reviewer) only by their author and the editor.
    assert sorted(selectors.visible_annotations(viewer=editor).values_list("id", flat=True)) == ids[:5] + ids[6:]
    assert sorted(selectors.visible_annotations(viewer=reviewer2).values_list("id", flat=True)) == ids[:4]


def test_forged_cursors_and_ids_out_of_range_are_refused(reviewer, seed_article):
    """A cursor is DRF's base64 of `p=<id>`: any other position is refused, as a bad cursor is;
    the article filter takes a whole number in the range of ids, with the field's message."""
    client = api(reviewer)
    client.post(reverse("api:annotation-list"), create_payload(seed_article), format="json")
    for position in ("abc", "1.5", str(2**63)):
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        for name in ("api:annotation-list", "api:article-list", "api:source-list"):
            response = client.get(reverse(name), {"cursor": cursor})
            assert (response.status_code, response.json()) == (404, {"detail": "Invalid cursor"}), (name, position)
    cases = [
        ("1.5", "Enter a whole number."),
        ("0", "Ensure this value is greater than or equal to 1."),
        (str(2**70), "Ensure this value is less than or equal to 9223372036854775807."),
    ]
    for article, message in cases:
        response = client.get(reverse("api:annotation-list"), {"article": article})
        assert (response.status_code, response.json()) == (400, {"article": [message]})
    cursor = base64.b64encode(b"p=-5").decode()
    assert client.get(reverse("api:annotation-list"), {"cursor": cursor}).json()["results"] == []


def test_a_listed_page_is_freed_as_soon_as_it_is_sent(reviewer, seed_article):
    """Through the whole middleware chain with the cyclic garbage collector off: the page's rows
    and verdicts must go by reference counting (api.middleware)."""
    client = api(reviewer)
    for index in range(3):
        client.post(reverse("api:annotation-list"), create_payload(seed_article, index), format="json")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": reverse("api:annotation-list"),
        "QUERY_STRING": f"article={seed_article.pk}",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=reviewer).key}",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }

    def left_over() -> list:
        """The page's rows (named tuples with an `id`) and its verdicts' dicts, wherever they are."""
        return [
            o
            for o in gc.get_objects()
            if (issubclass(type(o), tuple) and "id" in getattr(type(o), "_fields", ()))
            or (type(o) is dict and isinstance(o.get("quote"), str) and "sources" in o)
        ]

    gc.collect()
    gc.disable()
    try:
        earlier = {id(o) for o in left_over()}  # alive elsewhere in the test session
        # The test client's handler: Django's WSGI handler, keeping the test's database connection.
        response = ClientHandler()(environ)
        body = response.content
        del response
        assert len(orjson.loads(body)["results"]) == 3
        assert [o for o in left_over() if id(o) not in earlier] == []
    finally:
        gc.enable()


def test_an_editor_who_rewrote_a_submitted_verdict_cannot_approve_it_in_the_api(reviewer, editor, seed_article):
    created = api(reviewer).post(reverse("api:annotation-list"), create_payload(seed_article), format="json").json()
    detail = reverse("api:annotation-detail", args=[created["id"]])
    api(reviewer).post(reverse("api:annotation-submit", args=[created["id"]]), {"version": 1}, format="json")
    edited = api(editor).patch(detail, {"version": 2, "status": "unverified", "note": "Mine now."}, format="json")
    assert (edited.status_code, edited.json()["state"]) == (200, "submitted")
    refused = api(editor).post(reverse("api:annotation-approve", args=[created["id"]]), {"version": 3}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "detail": "You changed this verdict since it was submitted, so you cannot approve it: "
            "another editor must review it."
        },
    )
