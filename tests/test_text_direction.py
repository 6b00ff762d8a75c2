"""Right-to-left text in the pages: every field a person types into follows the direction of what is
typed (dir="auto"), and article text carries its article's language."""

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse
import pytest

from annotations import services
from annotations.models import Article

from .conftest import client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

TYPED_INPUTS = {None, "text", "search"}


class Fields(HTMLParser):
    """Text inputs and textareas, with their attributes; and the elements with a given class."""

    def __init__(self, classes: set[str] = frozenset()):
        super().__init__()
        self.fields: list[dict] = []
        self.classes = classes
        self.with_class: dict[str, list[dict]] = {name: [] for name in classes}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if (tag == "input" and attributes.get("type") in TYPED_INPUTS) or tag == "textarea":
            self.fields.append({"tag": tag, **attributes})
        for name in set((attributes.get("class") or "").split()) & self.classes:
            self.with_class[name].append(attributes)


def parse(html: str, classes: set[str] = frozenset()) -> Fields:
    parser = Fields(set(classes))
    parser.feed(html)
    return parser


@pytest.fixture
def urdu_article(db) -> Article:
    return ArticleFactory(
        title="ہواوے پر مقدمہ",
        body="پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔",
        language="ur",
    )


def test_every_typed_field_follows_the_direction_of_its_text(reviewer, reviewer2, editor, urdu_article):
    submitted = services.annotation_create(
        article=urdu_article, author=reviewer, status="alleged", **sentence_span(urdu_article, 0)
    )
    services.annotation_submit(annotation=submitted, actor=reviewer, version=submitted.version)
    approved = services.annotation_create(
        article=urdu_article, author=reviewer2, status="alleged", **sentence_span(urdu_article, 1)
    )
    approved = services.annotation_submit(annotation=approved, actor=reviewer2, version=approved.version)
    services.annotation_approve(annotation=approved, editor=editor, version=approved.version)
    draft = services.annotation_create(
        article=urdu_article, author=reviewer, status="unverified", **sentence_span(urdu_article, 0)
    )
    sentence = urdu_article.sentences.get(index=0)
    new_verdict = reverse("annotations:annotation-new", args=[urdu_article.pk])
    pages = {
        "login": (Client(), reverse("login")),
        "article list": (client_for(reviewer), reverse("annotations:article-list")),
        "add article": (client_for(reviewer), reverse("annotations:article-create")),
        "verdict form": (client_for(reviewer), f"{new_verdict}?start={sentence.start}&end={sentence.end}"),
        "edit form": (client_for(reviewer), reverse("annotations:annotation-edit", args=[draft.pk])),
        "reader as editor": (client_for(editor), urdu_article.get_absolute_url()),
        "review queue": (client_for(editor), reverse("annotations:review-queue")),
        "discussion": (client_for(editor), reverse("annotations:annotation-discussion", args=[submitted.pk])),
    }
    seen = {}
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        fields = parse(response.text).fields
        seen[name] = sorted(field.get("name") for field in fields)
        assert [field for field in fields if field.get("dir") != "auto"] == [], name
    # The pages have the fields a person types into: the test looks at every one of them.
    assert seen == {
        "login": ["username"],
        "article list": ["q"],
        "add article": ["body", "language", "publisher", "title"],
        "verdict form": ["claimant", "denied_by", "note", "publisher", "q", "title"],
        "edit form": ["claimant", "denied_by", "note", "publisher", "q", "title"],
        # approve or return the submitted one; reopen the other; the assignment's note
        "reader as editor": ["comment", "comment", "note"],
        "review queue": ["comment"],
        "discussion": ["body"],
    }


def test_quotes_and_titles_carry_the_articles_language(reviewer, urdu_article):
    services.annotation_create(
        article=urdu_article, author=reviewer, status="alleged", note="Why", **sentence_span(urdu_article, 1)
    )
    client = client_for(reviewer)
    page = parse(client.get(urdu_article.get_absolute_url()).text, {"card-quote", "card-note"})
    assert [(q["lang"], q["dir"]) for q in page.with_class["card-quote"]] == [("ur", "auto")]
    # A note is in the reviewer's language, whichever it is: its direction follows its text.
    assert [(n.get("lang"), n["dir"]) for n in page.with_class["card-note"]] == [(None, "auto")]
    html = client.get(urdu_article.get_absolute_url()).text
    assert '<h1 id="article-title" lang="ur" dir="auto">ہواوے پر مقدمہ</h1>' in html
    listing = client.get(reverse("annotations:article-list")).text
    assert f'<a href="{urdu_article.get_absolute_url()}" lang="ur" dir="auto">ہواوے پر مقدمہ</a>' in listing
    mine = parse(client.get(reverse("annotations:my-verdicts")).text, {"card-quote"})
    assert [(q["lang"], q["dir"]) for q in mine.with_class["card-quote"]] == [("ur", "auto")]
