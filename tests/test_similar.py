"""Checked before (selectors.similar_verdicts, db.similar_match, similarity): the same cases on
SQLite (FTS5) and PostgreSQL (tsvector)."""

from io import StringIO
from urllib.parse import quote_plus

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
import pytest

from annotations import roles, selectors, services, similarity
from annotations.models import Annotation, Article

from . import similar_corpus
from .conftest import api, client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

BACKDOOR = "Huawei used the Data Exchange System to create a backdoor into Lahore's police network."
RESTATED = "A backdoor into the police network of Lahore was created by Hua Wei through the Data Exchange System."


def checked(article, author, text, *, status="alleged", submit=True, **extra) -> Annotation:
    start = article.body.index(text)
    verdict = services.annotation_create(
        article=article, author=author, status=status, start=start, end=start + len(text), quote=text, **extra
    )
    if submit:
        services.annotation_submit(annotation=verdict, actor=author, version=verdict.version)
        verdict.refresh_from_db()
    return verdict


def similar(viewer, text, **extra) -> list[tuple[int, float]]:
    return [(a.pk, score) for a, score in selectors.similar_verdicts(viewer=viewer, text=text, **extra)]


@pytest.fixture
def earlier(reviewer):
    article = ArticleFactory(title="Earlier report", body=f"{BACKDOOR}\nThe weather was fine on Tuesday.")
    return checked(article, reviewer, BACKDOOR)


def test_a_restated_claim_finds_the_earlier_verdict(earlier, reviewer2):
    [(found, score)] = similar(reviewer2, RESTATED)
    assert (found, score) == (earlier.pk, similarity.similarity(RESTATED, BACKDOOR))
    assert score == 0.9552


def test_never_the_verdict_itself_nor_its_own_article(earlier, reviewer, reviewer2):
    here = ArticleFactory(title="Today", body=f"{RESTATED}\nAnother line.")
    mine = checked(here, reviewer2, RESTATED)
    same_article = checked(earlier.article, reviewer2, "The weather was fine on Tuesday.")
    assert similar(reviewer, RESTATED, exclude_article=here.pk) == [(earlier.pk, 0.9552)]
    assert similar(reviewer, BACKDOOR, exclude_annotation=earlier.pk) == [(mine.pk, 0.9552)]
    assert similar(reviewer, BACKDOOR, exclude_annotation=same_article.pk) == [(mine.pk, 0.9552)]
    assert similar(reviewer, RESTATED, exclude_annotation=mine.pk, exclude_article=earlier.article_id) == []


def test_another_reviewers_draft_never_appears(reviewer, reviewer2, editor):
    article = ArticleFactory(title="Drafts", body=BACKDOOR)
    draft = checked(article, reviewer, BACKDOOR, submit=False)
    assert similar(reviewer2, RESTATED) == []
    assert similar(editor, RESTATED) == []  # an editor may see it, but it is nobody's finding yet
    assert similar(reviewer, RESTATED) == [(draft.pk, 0.9552)]  # one's own draft
    services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)
    assert similar(reviewer2, RESTATED) == [(draft.pk, 0.9552)]


def test_deleted_verdicts_are_not_checked_before(earlier, reviewer, reviewer2):
    gone = checked(ArticleFactory(body=RESTATED), reviewer2, RESTATED, submit=False)
    assert similar(reviewer2, BACKDOOR, exclude_article=earlier.article_id) == [(gone.pk, 0.9552)]
    services.annotation_delete(annotation=gone, actor=reviewer2, version=gone.version)
    assert similar(reviewer2, BACKDOOR, exclude_article=earlier.article_id) == []


def test_unrelated_verdicts_on_the_same_topic_stay_below_the_floor(earlier, reviewer2):
    for text in ("Huawei opened a new office in Lahore.", "Lahore's police bought new cars in 2019."):
        assert similar(reviewer2, text) == []


def test_best_first_and_at_most_the_limit(reviewer, reviewer2):
    variants = [
        "Huawei used the Data Exchange System to create a backdoor into Lahore's police network.",
        "Huawei used the Data Exchange System to create a backdoor into the police network.",
        "Huawei used the Data Exchange System to create a backdoor.",
        "Huawei created a backdoor into Lahore's police network, the complaint says.",
    ]
    made = [checked(ArticleFactory(body=text), reviewer, text) for text in variants]
    found = similar(reviewer2, BACKDOOR)
    assert [pk for pk, _ in found] == [made[0].pk, made[1].pk, made[2].pk, made[3].pk]
    assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)
    assert found[0][1] == 1.0
    assert len(similar(reviewer2, BACKDOOR, limit=2)) == 2


def test_the_quote_is_compared_with_its_sentence_too(reviewer, reviewer2):
    sentence = f"According to the filing, {BACKDOOR[0].lower()}{BACKDOOR[1:]}"
    article = ArticleFactory(body=sentence)
    phrase = checked(article, reviewer, "create a backdoor")
    [(found, score)] = similar(reviewer2, RESTATED)
    assert (found, score) == (phrase.pk, similarity.similarity(RESTATED, "create a backdoor", sentence))
    assert score > similarity.similarity(RESTATED, "create a backdoor")


HOSTILE = [
    '"',
    '"Huawei',
    "Huawei OR backdoor",
    "quote : backdoor",
    "backdoor*",
    "'; DROP TABLE annotations_annotation; --",
    "1' OR '1'='1",
    "NEAR(Huawei backdoor)",
    "(((",
    "&|!<->:*",
    "backdoor:A | huawei:*",
    "x" * 1000,
    "Huawei backdoor " * 63,
    "",
    "   ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_operators_sql_quotes_and_long_text_are_just_words(earlier, reviewer2, text):
    found = similar(reviewer2, text)
    assert all(pk == earlier.pk for pk, _ in found)
    assert found == [(earlier.pk, similarity.similarity(text, BACKDOOR))] or found == []


@pytest.mark.parametrize("text", ["", "   ", "*", '""', "-- ;", "the of and"])
def test_no_words_no_query(reviewer, django_assert_num_queries, text):
    with django_assert_num_queries(0):
        assert selectors.similar_verdicts(viewer=reviewer, text=text) == []


@pytest.mark.parametrize("size", [1, 8])
def test_a_fixed_number_of_queries(reviewer, reviewer2, bbc_source, django_assert_num_queries, size):
    for n in range(size):
        text = BACKDOOR.replace("Lahore's", f"Lahore's {n}th")
        checked(ArticleFactory(body=text), reviewer, text, sources=[services.SourceLink(bbc_source, "supports")])
    roles.user_is_editor(reviewer2)  # the viewer's groups, read once per request by the middleware's user
    with django_assert_num_queries(2):  # candidates with their sentences, then their sources
        found = selectors.similar_verdicts(viewer=reviewer2, text=RESTATED)
        assert [len(a.source_links.all()) for a, _ in found] == [1] * min(size, 5)
    with django_assert_num_queries(3):  # and the API's records: rows, then their sources
        assert len(selectors.similar_records(viewer=reviewer2, text=RESTATED)) == min(size, 5)


def test_an_orphan_is_compared_by_its_quote(earlier, reviewer, reviewer2):
    services.article_version_create(
        article=earlier.article, body="Something else entirely.\nNothing about it.", actor=reviewer
    )
    earlier.refresh_from_db()
    assert earlier.anchor == "orphaned"
    assert similar(reviewer2, RESTATED) == [(earlier.pk, 0.9552)]


# --- The labelled set: restatements across articles -------------------------------------------


def test_recall_at_5_on_the_labelled_set(reviewer, reviewer2):
    verdicts = similar_corpus.load(author=reviewer)
    new = ArticleFactory(title="Today's story", body="\n".join(text for text, _, _ in similar_corpus.PAIRS))
    recall, missed = similar_corpus.recall_at_5(viewer=reviewer2, verdicts=verdicts, exclude_article=new.pk)
    assert len(similar_corpus.PAIRS) == 33
    assert recall >= 0.8
    assert recall == 28 / 33  # 0.8485
    # Where words stop: heavy paraphrases that share (almost) no content word with the claim.
    assert [key for _, key, _ in missed] == [
        "trade-secrets",
        "covert-access",
        "wifi-cards",
        "no-evidence",
        "low-level-designs",
    ]
    restated = [pair for pair in similar_corpus.PAIRS if "heavy paraphrase" not in pair[2]]
    assert len(restated) == 25
    assert not {text for text, _, _ in missed} & {text for text, _, _ in restated}
    for text in similar_corpus.NEGATIVES:
        assert similar(reviewer2, text) == [], text


# --- GET /api/v1/similar/ ----------------------------------------------------------------------


def similar_api(user, **params):
    return api(user).get(reverse("api:similar"), params)


def test_the_api_answers_each_verdict_as_the_annotation_api_does(reviewer, reviewer2, bbc_source):
    here = ArticleFactory(title="Today", body=RESTATED)
    earlier = checked(
        ArticleFactory(body=BACKDOOR),
        reviewer,
        BACKDOOR,
        note="Checked against the complaint.",
        sources=[services.SourceLink(bbc_source, "context", "p. 4")],
    )
    response = similar_api(reviewer2, text=RESTATED, article=here.pk)
    record = api(reviewer2).get(reverse("api:annotation-detail", args=[earlier.pk])).json()
    assert (response.status_code, response.json()) == (200, [{"annotation": record, "score": 0.9552}])
    assert record["sources"][0]["pinpoint"] == "p. 4"


def test_the_api_by_annotation_leaves_it_and_its_article_out(earlier, reviewer, reviewer2):
    here = ArticleFactory(title="Today", body=f"{RESTATED}\nThe weather was fine on Tuesday.")
    mine = checked(here, reviewer2, RESTATED)
    checked(here, reviewer2, "The weather was fine on Tuesday.")
    found = similar_api(reviewer, annotation=mine.pk).json()
    assert [(item["annotation"]["id"], item["score"]) for item in found] == [(earlier.pk, 0.9552)]
    assert similar_api(reviewer, annotation=mine.pk, article=earlier.article_id).json() == []


def test_the_api_never_shows_another_reviewers_draft(reviewer, reviewer2, editor):
    draft = checked(ArticleFactory(body=BACKDOOR), reviewer, BACKDOOR, submit=False)
    assert similar_api(reviewer2, text=RESTATED).json() == []
    assert similar_api(editor, text=RESTATED).json() == []
    assert [item["annotation"]["id"] for item in similar_api(reviewer, text=RESTATED).json()] == [draft.pk]
    response = similar_api(reviewer2, annotation=draft.pk)
    assert (response.status_code, response.json()) == (404, {"detail": "No Annotation matches the given query."})


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"text": ["Give the text of a claim, or an annotation's id."]}),
        ({"text": "   "}, {"text": ["Give the text of a claim, or an annotation's id."]}),
        ({"text": "x", "annotation": "1"}, {"annotation": ["Give the text of a claim or an annotation, not both."]}),
        ({"annotation": "abc"}, {"annotation": [f"Give an id: a whole number from 1 to {2**63 - 1}."]}),
        ({"annotation": "٣"}, {"annotation": [f"Give an id: a whole number from 1 to {2**63 - 1}."]}),
        ({"annotation": "0"}, {"annotation": [f"Give an id: a whole number from 1 to {2**63 - 1}."]}),
        ({"text": "x", "article": "9" * 25}, {"article": [f"Give an id: a whole number from 1 to {2**63 - 1}."]}),
        ({"text": "x", "article": "-1"}, {"article": [f"Give an id: a whole number from 1 to {2**63 - 1}."]}),
        ({"text": "x" * 2001}, {"text": ["Ensure this value has at most 2000 characters (it has 2001)."]}),
    ],
)
def test_the_api_refuses_missing_and_invalid_parameters_field_by_field(reviewer, params, errors):
    response = similar_api(reviewer, **params)
    assert (response.status_code, response.json()) == (400, errors)


@pytest.mark.parametrize("text", HOSTILE[:-2])
def test_the_api_takes_any_text_as_words(earlier, reviewer2, text):
    response = similar_api(reviewer2, text=text)
    expected = [] if similarity.similarity(text, BACKDOOR) < similarity.SIMILAR_FLOOR else [earlier.pk]
    assert (response.status_code, [item["annotation"]["id"] for item in response.json()]) == (200, expected)


def test_the_api_refuses_a_nul(reviewer):
    response = similar_api(reviewer, text="Huawei\x00backdoor")
    assert (response.status_code, response.json()) == (400, {"detail": "Text may not contain NUL characters."})


def test_the_api_answers_a_missing_annotation_with_404(reviewer):
    response = similar_api(reviewer, annotation=2**63 - 1)
    assert (response.status_code, response.json()) == (404, {"detail": "No Annotation matches the given query."})


def test_the_api_needs_a_login(earlier):
    response = api().get(reverse("api:similar"), {"text": RESTATED})
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


def test_an_outsider_sees_what_visibility_lets_them(earlier, outsider):
    assert [item["annotation"]["id"] for item in similar_api(outsider, text=RESTATED).json()] == [earlier.pk]


@pytest.mark.parametrize("size", [1, 7])
def test_the_api_reads_with_a_fixed_number_of_queries(reviewer, reviewer2, django_assert_num_queries, size):
    for n in range(size):
        text = BACKDOOR.replace("Lahore's", f"Lahore's {n}th")
        checked(ArticleFactory(body=text), reviewer, text)
    client = api(reviewer2)
    roles.user_is_editor(reviewer2)  # the user's groups: read with the user by the token's authentication
    with django_assert_num_queries(3):  # candidates, their records' rows, their sources
        assert len(client.get(reverse("api:similar"), {"text": RESTATED}).json()) == min(size, 5)


def test_the_schema_documents_the_endpoint(reviewer):
    schema = api(reviewer).get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/similar/"]["get"]
    assert sorted(parameter["name"] for parameter in operation["parameters"]) == ["annotation", "article", "text"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Similar"},
    }
    assert schema["components"]["schemas"]["Similar"]["properties"]["annotation"] == {
        "allOf": [{"$ref": "#/components/schemas/Annotation"}],
        "description": "The verdict, as GET /api/v1/annotations/{id}/ answers it.",
    }


# --- The verdict panel's "Checked before" (views.similar_verdicts) --------------------------------

HTMX = {"HX-Request": "true", "HX-Target": "checked-before"}
PAYLOAD = '<script>alert("x")</script>'


def panel(user, *, htmx=True, **params):
    return client_for(user).get(reverse("annotations:similar-verdicts"), params, headers=HTMX if htmx else {})


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_the_panel_lists_the_earlier_verdict_with_its_choices(reviewer, reviewer2, bbc_source, settings, debug):
    settings.DEBUG = debug
    earlier = checked(
        ArticleFactory(title="Earlier report", body=BACKDOOR),
        reviewer,
        BACKDOOR,
        claimant="BES",
        sources=[services.SourceLink(bbc_source, "context", "p. 4")],
    )
    here = ArticleFactory(title="Today", body=RESTATED)
    response = panel(reviewer2, text=RESTATED, article=here.pk)
    html = response.text
    assert (response.status_code, "<html" in html) == (200, False)
    assert html.count('class="similar-item') == 1
    assert (
        '<span class="status-badge status-alleged"><span class="status-icon" aria-hidden="true">❝</span> Alleged</span>'
        in html
    )
    assert '<span class="state-badge state-badge-submitted">Submitted</span>' in html
    assert '<span class="similar-score muted">96% alike</span>' in html
    quote = BACKDOOR.replace("'", "&#x27;")
    assert f'id="similar-quote-{earlier.pk}" lang="en" dir="auto">{quote}</blockquote>' in html
    assert (
        f'In <a href="/articles/{earlier.article_id}/#annotation-{earlier.pk}" target="_blank" rel="noopener" '
        'lang="en" dir="auto">Earlier report</a>'
    ) in html
    assert '<span class="relation relation-context">Context</span>' in html
    assert '<span class="pinpoint">(<span dir="auto">p. 4</span>)</span>' in html
    assert (
        f'<input type="radio" name="same_claim_as" value="{earlier.pk}" aria-describedby="similar-quote-{earlier.pk}">'
        " Same claim"
    ) in html
    assert '<input type="radio" name="same_claim_as" value="" checked> Not the same claim as any of these' in html
    assert f'hx-get="/annotations/{earlier.pk}/source-rows/"' in html
    assert ">Copy its sources</button>" in html


def test_the_panel_says_when_nothing_was_checked_before(reviewer):
    response = panel(reviewer, text=RESTATED)
    assert response.status_code == 200
    assert '<p class="muted checked-before-none">Not checked before.</p>' in response.text
    assert "same_claim_as" not in response.text


def test_the_panel_never_shows_another_reviewers_draft(reviewer, reviewer2):
    checked(ArticleFactory(body=BACKDOOR), reviewer, BACKDOOR, submit=False)
    assert "Not checked before." in panel(reviewer2, text=RESTATED).text
    assert "Not checked before." not in panel(reviewer, text=RESTATED).text


def test_the_panel_shows_a_payload_as_text(reviewer, reviewer2):
    quote = f"Huawei used the Data Exchange System {PAYLOAD} to create a backdoor into Lahore's police network."
    checked(ArticleFactory(title=f"Report {PAYLOAD}", body=quote), reviewer, quote, claimant=PAYLOAD)
    html = panel(reviewer2, text=RESTATED).text
    assert PAYLOAD not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 3  # quote, title, claimant


def test_the_panel_keeps_a_refused_forms_choice(earlier, reviewer2):
    html = panel(reviewer2, text=RESTATED, same_claim_as=earlier.pk).text
    assert f'value="{earlier.pk}" checked aria-describedby' in html
    assert '<input type="radio" name="same_claim_as" value=""> Not the same claim' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Give the text of a claim, or an annotation&#x27;s id."),
        ({"text": "x", "article": "٣"}, f"Give an id: a whole number from 1 to {2**63 - 1}."),
    ],
)
def test_the_panel_refuses_bad_parameters_with_a_message(reviewer, params, message):
    response = panel(reviewer, **params)
    assert response.status_code == 400
    assert f'<p class="field-error" role="alert">{message}</p>' in response.text


@pytest.mark.parametrize("text", HOSTILE[:-2])
def test_the_panel_takes_any_text_as_words(earlier, reviewer2, text):
    response = panel(reviewer2, text=text)
    assert response.status_code == 200


def test_the_panel_by_annotation_and_a_hidden_one(reviewer, reviewer2):
    draft = checked(ArticleFactory(body=BACKDOOR), reviewer, BACKDOOR, submit=False)
    assert panel(reviewer2, annotation=draft.pk).status_code == 404
    assert panel(reviewer, annotation=draft.pk).status_code == 200


def test_without_htmx_it_is_a_page_of_its_own(earlier, reviewer2):
    response = panel(reviewer2, htmx=False, text=RESTATED)
    assert response.status_code == 200
    assert "<h1>Checked before</h1>" in response.text
    assert 'class="similar-item' in response.text
    assert "same_claim_as" not in response.text  # the choice belongs to the verdict form


def test_only_reviewers_and_editors(earlier, outsider, editor):
    assert panel(outsider, text=RESTATED).status_code == 403
    assert panel(editor, text=RESTATED).status_code == 200
    response = Client().get(reverse("annotations:similar-verdicts"), {"text": "x"})
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/similar/%3Ftext%3Dx")


@pytest.mark.parametrize("size", [1, 7])
def test_the_panel_reads_with_a_fixed_number_of_queries(
    reviewer, reviewer2, bbc_source, django_assert_num_queries, size
):
    for n in range(size):
        text = BACKDOOR.replace("Lahore's", f"Lahore's {n}th")
        checked(ArticleFactory(body=text), reviewer, text, sources=[services.SourceLink(bbc_source, "supports")])
    client = client_for(reviewer2)
    url = reverse("annotations:similar-verdicts")
    with django_assert_num_queries(5):  # session, user, groups, candidates, sources
        html = client.get(url, {"text": RESTATED}, headers=HTMX).text
    assert html.count('class="similar-item') == min(size, 5)


def test_the_new_verdict_form_loads_checked_before(reviewer_client, seed_article):
    span = sentence_span(seed_article, 4)
    html = reviewer_client.get(
        reverse("annotations:annotation-new", args=[seed_article.pk]),
        {"start": span["start"], "end": span["end"]},
        headers={"HX-Request": "true"},
    ).text
    text = quote_plus(span["quote"], safe="").replace("+", "%20")
    assert (
        f'<div class="checked-before-slot" id="checked-before" hx-get="/similar/?text={text}&amp;article='
        f'{seed_article.pk}" hx-trigger="load" hx-target="this" hx-swap="innerHTML">'
    ) in html


def test_saving_ignores_same_claim_as_for_now(reviewer_client, earlier, seed_article):
    """The claims work (issue 17) will read it; until then it must not stand in the way of a save."""
    span = sentence_span(seed_article, 4)
    response = reviewer_client.post(
        reverse("annotations:annotation-create", args=[seed_article.pk]),
        {**span, "status": "alleged", "same_claim_as": str(earlier.pk)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Annotation.objects.filter(article=seed_article).values_list("quote", flat=True).get() == span["quote"]


# --- "Copy its sources" (views.annotation_source_rows) ---------------------------------------------


def copy_rows(user, verdict, **params):
    return client_for(user).get(
        reverse("annotations:annotation-source-rows", args=[verdict.pk]), params, headers={"HX-Request": "true"}
    )


@pytest.fixture
def cited(reviewer, bbc_source):
    other, _ = services.source_get_or_create(
        url="https://example.org/complaint", title="Complaint", publisher="Court", created_by=reviewer
    )
    return checked(
        ArticleFactory(body=BACKDOOR),
        reviewer,
        BACKDOOR,
        sources=[services.SourceLink(bbc_source, "context", "p. 4"), services.SourceLink(other, "denial")],
    ), (bbc_source, other)


def test_copy_its_sources_adds_the_rows_with_relation_and_pinpoint(cited, reviewer2):
    verdict, (bbc, other) = cited
    response = copy_rows(reviewer2, verdict, status="alleged")
    html = response.text
    assert (response.status_code, html.count('<li class="source-row">')) == (200, 2)
    assert f'<input type="hidden" name="source_id" value="{bbc.pk}">' in html
    assert f'<select name="source_relation" id="relation-{bbc.pk}-0">' in html
    assert f'<select name="source_relation" id="relation-{other.pk}-1">' in html
    assert '<option value="context" selected>Context</option>' in html
    assert '<option value="denial" selected>Denial statement</option>' in html
    assert 'name="source_pinpoint" value="p. 4"' in html
    assert response.headers["HX-Trigger"] == f'{{"sources-copied": {{"id": {verdict.pk}, "added": 2}}}}'


def test_copy_its_sources_leaves_out_those_already_listed(cited, reviewer2):
    verdict, (bbc, other) = cited
    response = copy_rows(reviewer2, verdict, source_id=[str(bbc.pk), "", "junk"])
    assert response.text.count('<li class="source-row">') == 1
    assert f'value="{other.pk}"' in response.text
    response = copy_rows(reviewer2, verdict, source_id=[str(bbc.pk), str(other.pk)])
    assert (response.status_code, response.content) == (204, b"")
    assert response.headers["HX-Trigger"] == f'{{"sources-copied": {{"id": {verdict.pk}, "added": 0}}}}'


def test_copy_its_sources_of_a_hidden_draft_is_404_and_outsiders_403(reviewer, reviewer2, outsider, bbc_source):
    draft = checked(
        ArticleFactory(body=BACKDOOR),
        reviewer,
        BACKDOOR,
        submit=False,
        sources=[services.SourceLink(bbc_source, "context")],
    )
    assert copy_rows(reviewer2, draft).status_code == 404
    assert copy_rows(outsider, draft).status_code == 403
    assert copy_rows(reviewer, draft).status_code == 200


# --- The demo (make run): the two demo articles restate four claims the seed article's verdicts check --

# The sentence of each demo article a reviewer selects -> the seed verdict "Checked before" shows first.
DEMO_RESTATEMENTS = {
    "A Californian IT firm says in its lawsuit that the Chinese telecom company stole its trade secrets.": (
        "alleging the Chinese telecom firm stole its trade secrets"
    ),
    "In two thousand nineteen the PSCA ordered Hua Wei to take the Wi-Fi cards out of a CCTV system in Pakistan, "
    "the BBC reported.": "in which the PSCA told Huawei to remove Wi-Fi cards from a CCTV system in Pakistan",
    "The complaint says Huawei in China uses the DES system as a backdoor into Lahore to access and extract "
    "sensitive data important to Pakistan's national security.": "“On information and belief, Huawei-China uses",
    "American authorities under the Trump administration claimed that Hua Wei is able to covertly access its "
    "telecom equipment.": "Last year, during the Trump administration, US authorities claimed",
}


@override_settings(DEBUG=True)
def test_the_demo_articles_find_the_seed_articles_verdicts():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_articles = list(Article.objects.filter(publisher="factcheck demo", language="en"))  # not the Urdu one
    assert len(demo_articles) == 2
    reviewer2 = get_user_model().objects.get(username="reviewer2")
    for sentence, quote_start in DEMO_RESTATEMENTS.items():
        [article] = [article for article in demo_articles if sentence in article.body]
        found = selectors.similar_verdicts(viewer=reviewer2, text=sentence, exclude_article=article.pk)
        assert found[0][0].quote.startswith(quote_start), sentence
        assert found[0][0].article.title == "Huawei spying in Pakistan?"
    for article in demo_articles:  # the first and last lines say what the text is, and restate nothing
        for line in article.body.splitlines()[:1] + article.body.splitlines()[-1:]:
            assert selectors.similar_verdicts(viewer=reviewer2, text=line, exclude_article=article.pk) == []


def test_a_claim_in_urdu_is_found_in_other_words_order(reviewer, reviewer2):
    claim = "ہواوے نے لاہور پولیس کے نظام میں خفیہ راستہ بنایا۔"
    earlier = checked(ArticleFactory(title="سیف سٹی", body=claim, language="ur"), reviewer, claim)
    restated = "لاہور پولیس کے نظام میں ہواوے نے خفیہ راستہ بنایا۔"
    assert similar(reviewer2, restated) == [(earlier.pk, 1.0)]
