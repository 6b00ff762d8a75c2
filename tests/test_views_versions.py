"""Pages of issue 16: correct an article, the reader's notice and badges, compare, the orphan queue."""

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
import pytest

from annotations import services
from annotations.models import Annotation, State

from .conftest import client_for
from .reanchoring_corpus import CASES

pytestmark = pytest.mark.django_db

LEAD = CASES[0].old
FIXED = LEAD.replace("recieved", "received").replace(
    "Officials said the contract was worth two billion rupees.",
    "No price for the deal has ever been made public, according to court records.",
)


def _verdict(article, author, quote):
    start = article.body.index(quote)
    return services.annotation_create(
        article=article, author=author, start=start, end=start + len(quote), quote=quote, status="alleged"
    )


@pytest.fixture
def corrected(reviewer, editor):
    """An article with a fuzzy approved verdict (back in the queue) and an orphan."""
    article = services.article_import(title="Safe City <story>", body=LEAD, imported_by=reviewer)
    fuzzy = _verdict(article, reviewer, "The ministry recieved 40 complaints in March.")
    fuzzy = services.annotation_submit(annotation=fuzzy, actor=reviewer, version=fuzzy.version)
    services.annotation_approve(annotation=fuzzy, editor=editor, version=fuzzy.version)
    orphan = _verdict(article, reviewer, "Officials said the contract was worth two billion rupees.")
    services.article_version_create(article=article, actor=editor, body=FIXED)
    article.refresh_from_db()
    return article, Annotation.objects.get(pk=fuzzy.pk), Annotation.objects.get(pk=orphan.pk)


@pytest.mark.parametrize("debug", [False, True])
def test_paste_a_correction_and_see_the_report(debug, reviewer, reviewer_client):
    article = services.article_import(title="t", body=LEAD, imported_by=reviewer)
    _verdict(article, reviewer, "two billion rupees")
    url = reverse("annotations:article-version-new", args=[article.pk])
    with override_settings(DEBUG=debug):
        form = reviewer_client.get(url)
        assert form.context["body"] == LEAD
        response = reviewer_client.post(url, {"body": FIXED}, follow=True)
    assert response.redirect_chain == [(article.get_absolute_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Version 2 stored. Verdicts: 0 found unchanged, 0 moved to a close match, 1 orphaned."
    ]
    assert "Corrected on" in response.content.decode()


def test_a_refused_correction_says_why_and_writes_nothing(reviewer, reviewer_client):
    article = services.article_import(title="t", body=LEAD, imported_by=reviewer)
    response = reviewer_client.post(reverse("annotations:article-version-new", args=[article.pk]), {"body": LEAD})
    assert response.status_code == 400
    assert response.context["errors"] == ["This is the current text of the article: nothing changed."]
    article.refresh_from_db()
    assert article.version == 1


def test_only_reviewers_correct(outsider_client, reviewer):
    article = services.article_import(title="t", body=LEAD, imported_by=reviewer)
    url = reverse("annotations:article-version-new", args=[article.pk])
    assert outsider_client.get(url).status_code == 403
    assert outsider_client.post(url, {"body": FIXED}).status_code == 403
    article.refresh_from_db()
    assert article.version == 1


@pytest.mark.parametrize("debug", [False, True])
def test_the_reader_shows_the_notice_the_badge_and_not_the_orphan(debug, corrected, editor_client):
    article, fuzzy, orphan = corrected
    with override_settings(DEBUG=debug):
        page = editor_client.get(article.get_absolute_url())
    html = page.content.decode()
    notice = html[html.index('id="version-notice"') : html.index("</div>", html.index('id="version-notice"'))]
    corrected_at = timezone.localtime(article.corrected_at)
    assert (
        f'<p><strong>Corrected on <time datetime="{corrected_at.isoformat()}">'
        f"{corrected_at.day} {corrected_at:%B %Y, %H:%M}</time></strong> — you are reading version 2."
    ) in notice
    assert f'href="{reverse("annotations:article-compare", args=[article.pk])}">Compare with version 1</a>' in notice
    assert "1 verdict could not be placed in this version</a> and waits in the orphan queue." in notice
    assert [a.pk for a in page.context["annotations"]] == [fuzzy.pk]
    assert '<span class="anchor-badge anchor-fuzzy"' in html
    assert f'id="annotation-{orphan.pk}"' not in html


def test_compare_shows_an_escaped_inline_diff(reviewer, reviewer_client):
    article = services.article_import(title="t", body="Tom said <b>no</b> twice.", imported_by=reviewer)
    services.article_version_create(article=article, actor=reviewer, body="Tom said <b>yes</b> twice.")
    page = reviewer_client.get(reverse("annotations:article-compare", args=[article.pk]))
    html = page.content.decode()
    assert "1 word removed, 1 word added." in html
    body = html[html.index('id="diff-body"') : html.index("</div>", html.index('id="diff-body"'))]
    assert (
        'Tom said &lt;b&gt;<del><span class="visually-hidden">[removed: </span>no'
        '<span class="visually-hidden">]</span></del><ins><span class="visually-hidden">[added: </span>yes'
        '<span class="visually-hidden">]</span></ins>&lt;/b&gt; twice.'
    ) in body
    missing = reviewer_client.get(reverse("annotations:article-compare", args=[article.pk]) + "?from=7")
    assert missing.status_code == 404
    bad = reviewer_client.get(reverse("annotations:article-compare", args=[article.pk]) + "?from=x")
    assert bad.status_code == 400


@pytest.mark.parametrize("debug", [False, True])
def test_the_orphan_queue_and_reselection(debug, corrected, reviewer_client, reviewer2):
    article, _, orphan = corrected
    with override_settings(DEBUG=debug):
        page = reviewer_client.get(reverse("annotations:orphan-queue"))
    assert [o.pk for o in page.context["orphans"]] == [orphan.pk]
    assert "<mark>Officials said the contract was worth two billion rupees.</mark>" in page.content.decode()
    assert client_for(reviewer2).get(reverse("annotations:orphan-queue")).context["orphans"] == []

    url = reverse("annotations:orphan-reselect", args=[orphan.pk])
    refused = reviewer_client.post(url, {"version": orphan.version, "passage": "not in the text"})
    assert refused.status_code == 400
    assert refused.context["error"] == ("This passage is not in the current version: copy it from the article exactly.")
    stranger = client_for(reviewer2).post(url, {"version": orphan.version, "passage": "No price"})
    assert stranger.status_code == 404  # a draft of someone else does not exist for them
    passage = "No price for the deal has ever been made public"
    done = reviewer_client.post(url, {"version": orphan.version, "passage": f"  {passage} "})
    assert done.status_code == 302
    placed = Annotation.objects.get(pk=orphan.pk)
    assert (placed.quote, placed.article_version, placed.anchor, placed.state) == (passage, 2, "fuzzy", State.DRAFT)
    assert article.body[placed.start : placed.end] == passage


def test_closing_an_orphan_needs_a_reason(corrected, editor_client):
    _, _, orphan = corrected
    url = reverse("annotations:orphan-close", args=[orphan.pk])
    refused = editor_client.post(url, {"version": orphan.version, "reason": ""})
    assert (refused.status_code, refused.context["error"]) == (400, "Say why the verdict is closed.")
    stale = editor_client.post(url, {"version": orphan.version - 1, "reason": "Gone."})
    assert stale.status_code == 400 and stale.context["error"].startswith("This verdict was changed by")
    assert editor_client.post(url, {"version": orphan.version, "reason": "Gone."}).status_code == 302
    assert Annotation.objects.get(pk=orphan.pk).is_deleted


def test_no_access_to_the_orphan_queue(outsider_client, client):
    assert outsider_client.get(reverse("annotations:orphan-queue")).status_code == 403
    anonymous = client.get(reverse("annotations:orphan-queue"))
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
