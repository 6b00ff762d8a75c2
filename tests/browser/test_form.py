"""The verdict form and the review forms in Chromium: errors in place in both DEBUG modes, unsaved work
that is never thrown away silently, save and submit (with the clicks and key presses it takes), the
relation that follows the status, and Submit/Resubmit on /mine/.

Every refused form is checked in the demo's mode (DEBUG on) as well as in production's: the page, the
article and everything typed stay; the message stands next to its field; nothing is stored.
"""

from collections.abc import Callable

from playwright.sync_api import Dialog, Locator, Page, expect
import pytest

from annotations import services
from annotations.models import Annotation, Article, Source
from tests.browser.test_annotate import drag_select
from tests.conftest import sentence_span

NOTE = "The complaint is the only source; Huawei has not answered it yet."
STATUS_REQUIRED = "Choose alleged, denied, unverified or evidenced."
DENIED_BY_REQUIRED = "Name who denied it: a denied verdict records the party that denied the claim."
EVIDENCE_REQUIRED = "An evidenced verdict needs at least one source that supports it."
DISCARD_QUESTION = "Discard the changes to this verdict? What you typed has not been saved."


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:
    """Production's mode and the demo's (`make run`): django-htmx's debug script, were it loaded,
    would replace the whole document with any 400 answer there."""
    settings.DEBUG = request.param
    return request.param


def failed_load(live_server, path: str, status: str = "400 (Bad Request)") -> str:
    """How Chromium logs a refused request (a refusal is an answer, not a script error)."""
    return (
        f"console: Failed to load resource: the server responded with a status of {status} ({live_server.url}{path}:0)"
    )


def open_article(page: Page, live_server, article: Article) -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#article-title")).to_have_text(article.title)


def sentence(page: Page, index: int) -> Locator:
    return page.locator(f'#article-body .sentence[data-index="{index}"]')


def expect_page_intact(page: Page, article: Article) -> None:
    """The article page is still there around the form: title, every sentence, the verdict list."""
    expect(page.locator("#article-title")).to_have_text(article.title)
    expect(page.locator("#article-body .sentence")).to_have_count(article.sentences.count())
    expect(page.locator("#verdicts")).to_be_visible()
    expect(page.locator("#verdict-form")).to_have_count(1)


def field_error(page: Page, selector: str) -> Locator:
    return page.locator(f"#verdict-form {selector} .field-error")


# --- Errors in place, with DEBUG on and off ---------------------------------------------------------


def test_denied_without_who_is_refused_in_place_keeping_what_was_typed(
    page: Page, live_server, login, console_errors, reviewer, seed_article, debug
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 4).click()
    page.locator("#verdict-form label.status-option-denied").click()
    expect(page.locator("#id_denied_by")).to_be_focused()  # a clicked status moves on to what it needs
    page.fill("#id_claimant", "Business Efficiency Solutions")
    page.fill("#id_note", NOTE)
    page.get_by_role("button", name="Save verdict").click()

    expect(field_error(page, ".field-denied-by")).to_have_text(DENIED_BY_REQUIRED)
    expect(page.locator("#id_denied_by")).to_be_focused()
    expect(page.locator("#id_denied_by")).to_have_accessible_description(DENIED_BY_REQUIRED)
    expect_page_intact(page, seed_article)
    expect(page.locator("#verdict-form input[name=status][value=denied]")).to_be_checked()
    expect(page.locator("#id_claimant")).to_have_value("Business Efficiency Solutions")
    expect(page.locator("#id_note")).to_have_value(NOTE)
    assert Annotation.objects.count() == 0
    assert console_errors == [failed_load(live_server, f"/articles/{seed_article.pk}/annotations/")]


def test_evidenced_without_a_supporting_source_is_refused_in_place(
    page: Page, live_server, login, console_errors, reviewer, seed_article, bbc_source, debug
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 22).click()
    page.locator("#verdict-form label.status-option-evidenced").click()
    page.keyboard.type(NOTE)  # the click put the focus in the note
    page.fill("#source-q", "wi-fi")
    page.locator("#source-results .source-add").click()
    row = page.locator("#source-rows .source-row")
    expect(row.locator("select[name=source_relation]")).to_have_value("supports")
    row.locator("select[name=source_relation]").select_option("context")
    row.locator("input[name=source_pinpoint]").fill("paragraph 3")
    page.get_by_role("button", name="Save verdict").click()

    expect(field_error(page, "fieldset.sources")).to_have_text(EVIDENCE_REQUIRED)
    expect_page_intact(page, seed_article)
    expect(page.locator("#id_note")).to_have_value(NOTE)
    expect(row.locator(".source-row-title a")).to_have_text(bbc_source.title)
    expect(row.locator("select[name=source_relation]")).to_have_value("context")
    expect(row.locator("input[name=source_pinpoint]")).to_have_value("paragraph 3")
    assert Annotation.objects.count() == 0
    assert console_errors == [failed_load(live_server, f"/articles/{seed_article.pk}/annotations/")]


def test_enter_right_after_the_panel_opens_asks_for_a_status_in_place(
    page: Page, live_server, login, console_errors, reviewer, seed_article, debug
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 0).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#verdict-form input[name=status]").first).to_be_focused()
    page.keyboard.press("Enter")

    expect(field_error(page, "fieldset.status-choices")).to_have_text(STATUS_REQUIRED)
    expect_page_intact(page, seed_article)
    expect(page.locator("#verdict-form")).to_have_attribute("data-start", str(sentence_span(seed_article, 0)["start"]))
    assert Annotation.objects.count() == 0
    assert console_errors == [failed_load(live_server, f"/articles/{seed_article.pk}/annotations/")]


def test_a_source_url_that_is_not_http_is_refused_in_the_source_box(
    page: Page, live_server, login, console_errors, reviewer, seed_article, debug
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 5).click()
    page.locator("#verdict-form label.status-option-alleged").click()
    page.keyboard.type(NOTE)
    page.locator(".source-new-box summary").click()
    page.fill("#new-source-url", "ftp://example.org/complaint.pdf")
    page.fill("#new-source-title", "The complaint")
    page.get_by_role("button", name="Add source").click()

    expect(page.locator("#source-new .field-error")).to_have_text("Only http:// and https:// addresses can be sources.")
    expect(page.locator("#new-source-url")).to_have_accessible_description(
        "Only http:// and https:// addresses can be sources."
    )
    expect_page_intact(page, seed_article)
    expect(page.locator("#new-source-url")).to_have_value("ftp://example.org/complaint.pdf")
    expect(page.locator("#new-source-title")).to_have_value("The complaint")
    expect(page.locator("#id_note")).to_have_value(NOTE)
    expect(page.locator("#verdict-form input[name=status][value=alleged]")).to_be_checked()
    expect(page.locator("#source-rows .source-row")).to_have_count(0)
    assert (Annotation.objects.count(), Source.objects.count()) == (0, 0)
    assert console_errors == [failed_load(live_server, "/sources/new/")]


def test_an_editor_changing_the_status_without_a_comment_is_refused_at_the_comment(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article, debug
):
    draft = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    waiting = services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)
    other = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 6)
    )
    services.annotation_submit(annotation=other, actor=reviewer, version=other.version)
    login(page, live_server, editor)
    page.goto(f"{live_server.url}/review/")
    item = page.locator(f"#queue-item-{waiting.pk}")
    item.get_by_label("Editor's status").select_option(label="Change to Unverified")
    item.get_by_role("button", name="Approve").click()

    comment = item.get_by_label("Comment")
    expect(item.locator(f"#review-comment-error-{waiting.pk}")).to_have_text(
        "Explain why you change the status: a comment is required."
    )
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(comment).to_be_focused()
    expect(item.get_by_label("Editor's status")).to_have_value("unverified")
    expect(page.locator("h1")).to_have_text("Review queue")
    expect(page.locator("#queue .queue-item")).to_have_count(2)
    expect(page.locator("#queue-count")).to_have_text("2 waiting")

    comment.fill("The complaint is the only source.")
    item.get_by_role("button", name="Approve").click()
    expect(item.locator(".queue-done")).to_contain_text("Approved.")
    waiting.refresh_from_db()
    assert (waiting.state, waiting.status, waiting.review_comment) == (
        "approved",
        "unverified",
        "The complaint is the only source.",
    )
    assert console_errors == [failed_load(live_server, f"/annotations/{waiting.pk}/approve/")]


# --- Unsaved work -----------------------------------------------------------------------------------


@pytest.fixture
def typed_form(page: Page, live_server, login, reviewer, seed_article) -> Callable[[int], None]:
    """`typed_form(index)`: the form open on a sentence with a status chosen and a note typed."""
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)

    def _type(index: int) -> None:
        sentence(page, index).click()
        page.locator("#verdict-form label.status-option-alleged").click()
        page.keyboard.type(NOTE)

    return _type


def expect_question(page: Page) -> Locator:
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".confirm-question")).to_have_text(DISCARD_QUESTION)
    expect(dialog.get_by_role("button", name="Keep editing")).to_be_focused()
    return dialog


def expect_form_kept(page: Page, article: Article, index: int) -> None:
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    expect(page.locator("#verdict-form")).to_have_attribute("data-start", str(sentence_span(article, index)["start"]))
    expect(page.locator("#id_note")).to_have_value(NOTE)
    expect(page.locator("#verdict-form input[name=status][value=alleged]")).to_be_checked()


def test_a_click_on_another_sentence_asks_before_it_discards_typed_work(
    page: Page, console_errors, seed_article, typed_form
):
    typed_form(4)
    sentence(page, 6).click()
    dialog = expect_question(page)
    dialog.get_by_role("button", name="Keep editing").click()
    expect_form_kept(page, seed_article, 4)
    expect(sentence(page, 4)).to_contain_class("is-selected")

    sentence(page, 4).click()  # the same selection again: its draft is still there, nothing to ask
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    expect_form_kept(page, seed_article, 4)

    sentence(page, 6).click()
    expect_question(page).get_by_role("button", name="Discard changes").click()
    expect(page.locator("#verdict-form")).to_have_attribute("data-start", str(sentence_span(seed_article, 6)["start"]))
    expect(page.locator("#id_note")).to_have_value("")
    sentence(page, 8).click()  # an untouched form is left without a question
    expect(page.locator("#verdict-form")).to_have_attribute("data-start", str(sentence_span(seed_article, 8)["start"]))
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    assert Annotation.objects.count() == 0
    assert console_errors == []


def test_j_and_enter_ask_before_they_discard_typed_work(page: Page, console_errors, seed_article, typed_form):
    typed_form(4)
    page.keyboard.press("Escape")
    expect_question(page).get_by_role("button", name="Keep editing").click()  # Esc asks too
    expect_form_kept(page, seed_article, 4)
    expect(page.locator("#id_note")).to_be_focused()

    sentence(page, 4).focus()
    page.keyboard.press("j")
    expect(sentence(page, 5)).to_be_focused()
    page.keyboard.press("Enter")
    dialog = expect_question(page)
    page.keyboard.press("a")  # the reader's keys do nothing behind the question
    page.keyboard.press("Escape")  # Esc answers "keep editing"
    expect(dialog).to_be_hidden()
    expect_form_kept(page, seed_article, 4)

    page.keyboard.press("Enter")  # still on sentence 6
    expect_question(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Discard changes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#verdict-form")).to_have_attribute("data-start", str(sentence_span(seed_article, 5)["start"]))
    page.keyboard.press("Escape")  # nothing typed in this one: it closes at once
    expect(page.locator("#verdict-form")).to_have_count(0)
    assert console_errors == []


def test_a_card_action_that_replaces_the_panel_asks_first(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    saved = services.annotation_create(
        article=seed_article, author=reviewer, status="unverified", **sentence_span(seed_article, 9)
    )
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 4).click()
    page.locator("#verdict-form label.status-option-alleged").click()
    page.keyboard.type(NOTE)

    # With the form open, the sticky panel covers the cards below it: reach them with the keyboard.
    card = page.locator(f"#annotation-{saved.pk}")
    card.get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    expect_question(page).get_by_role("button", name="Keep editing").click()
    expect_form_kept(page, seed_article, 4)

    card.get_by_role("button", name="Submit for review").focus()
    page.keyboard.press("Enter")
    expect_question(page).get_by_role("button", name="Discard changes").click()
    expect(page.locator("#editor .saved-message")).to_have_text("Submitted for review.")
    saved.refresh_from_db()
    assert (saved.state, Annotation.objects.count()) == ("submitted", 1)
    assert console_errors == []


def test_reloading_or_closing_the_tab_with_typed_work_asks_the_browser_question(
    page: Page, console_errors, seed_article, typed_form
):
    typed_form(4)
    questions: list[str] = []

    def stay(dialog: Dialog) -> None:
        questions.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.evaluate("window.__marker = 1")
    page.evaluate("() => { location.reload(); }")
    expect(page.locator("#id_note")).to_have_value(NOTE)
    page.wait_for_timeout(300)
    assert questions == ["beforeunload"]
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    page.remove_listener("dialog", stay)
    page.once("dialog", lambda dialog: (questions.append(dialog.type), dialog.accept()))
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert questions == ["beforeunload", "beforeunload"]
    assert console_errors == []


# --- Save and submit, clicks and keys ---------------------------------------------------------------


def test_alleged_with_a_note_and_a_stored_source_submitted_in_five_clicks(
    page: Page, live_server, login, console_errors, reviewer, seed_article, bbc_source
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    clicks = 0

    def click(locator: Locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    click(sentence(page, 15))
    click(page.locator("#verdict-form label.status-option-alleged"))
    expect(page.locator("#id_note")).to_be_focused()
    page.keyboard.type(NOTE)
    click(page.locator("#source-q"))
    page.keyboard.type("wi-fi cards")
    click(page.locator("#source-results .source-add"))
    expect(page.locator("#source-rows select[name=source_relation]")).to_have_value("context")
    click(page.get_by_role("button", name="Save and submit"))

    expect(page.locator("#editor .saved-message")).to_have_text("Saved and submitted for review.")
    assert clicks == 5
    annotation = Annotation.objects.get()
    assert (annotation.quote, annotation.status, annotation.note, annotation.state, annotation.version) == (
        sentence_span(seed_article, 15)["quote"],
        "alleged",
        NOTE,
        "submitted",
        2,
    )
    assert list(annotation.source_links.values_list("source_id", "relation")) == [(bbc_source.pk, "context")]
    card = page.locator(f"#annotation-{annotation.pk}")
    expect(card).to_be_focused()
    expect(card.locator(".state-badge")).to_have_text("Submitted")
    assert console_errors == []


def test_the_sixteenth_sentence_with_the_keyboard_alone_in_at_most_25_key_presses(
    page: Page, live_server, login, console_errors, reviewer, seed_article, bbc_source
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    presses = 0

    def press(key: str, times: int = 1) -> None:
        nonlocal presses
        for _ in range(times):
            presses += 1
            page.keyboard.press(key)

    press("j", 16)  # from the top: the first j lands on sentence 1
    expect(sentence(page, 15)).to_be_focused()
    press("Enter")
    expect(page.locator("#verdict-form input[name=status]").first).to_be_focused()  # the panel is open
    press("a")
    expect(page.locator("#verdict-form input[name=status][value=alleged]")).to_be_checked()
    press("Tab", 2)  # past "who makes the claim"
    expect(page.locator("#id_note")).to_be_focused()
    page.keyboard.type(NOTE)  # text, not counted
    press("Tab")
    expect(page.locator("#source-q")).to_be_focused()
    page.keyboard.type("wi-fi cards")
    expect(page.locator("#source-results .source-add")).to_have_count(1)
    press("Enter")  # adds the first result
    expect(page.locator("#source-rows select[name=source_relation]")).to_be_focused()
    press("Control+Enter")  # save and submit

    expect(page.locator("#editor .saved-message")).to_have_text("Saved and submitted for review.")
    assert presses == 23
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.status, annotation.note, annotation.state) == (
        sentence_span(seed_article, 15)["start"],
        "alleged",
        NOTE,
        "submitted",
    )
    assert list(annotation.source_links.values_list("source_id", "relation")) == [(bbc_source.pk, "context")]
    expect(page.locator(f"#annotation-{annotation.pk}")).to_be_focused()
    press("j")  # the reader goes on from the saved sentence
    expect(sentence(page, 16)).to_be_focused()
    assert console_errors == []


def test_after_saving_a_draft_its_card_has_focus_and_each_action_is_a_tab_or_three_away(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 3).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#verdict-form input[name=status]").first).to_be_focused()
    page.keyboard.press("3")
    page.keyboard.press("Enter")  # Enter saves a draft: "Save verdict" is the form's first button
    expect(page.locator("#editor .saved-message")).to_have_text("Draft saved. Submit it for review when it is ready.")
    annotation = Annotation.objects.get()
    assert (annotation.state, annotation.status) == ("draft", "unverified")
    card = page.locator(f"#annotation-{annotation.pk}")
    expect(card).to_be_focused()
    for name in ["Submit for review", "Edit", "Delete"]:
        page.keyboard.press("Tab")
        expect(card.get_by_role("button", name=name).or_(card.get_by_role("link", name=name))).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#editor .saved-message")).to_have_text("Submitted for review.")
    annotation.refresh_from_db()
    assert annotation.state == "submitted"
    assert console_errors == []


# --- Form details -----------------------------------------------------------------------------------


def test_the_relation_of_a_new_source_follows_the_status_until_the_reviewer_picks_one(
    page: Page, live_server, login, console_errors, reviewer, seed_article, bbc_source
):
    services.source_get_or_create(
        url="https://www.dawn.com/news/huawei-denial", title="Huawei denies the claims", created_by=reviewer
    )
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentence(page, 4).click()
    page.locator("#verdict-form label.status-option-alleged").click()
    page.fill("#source-q", "wi-fi")
    page.locator("#source-results .source-add").click()
    first = page.locator("#source-rows .source-row").nth(0).locator("select[name=source_relation]")
    expect(first).to_have_value("context")

    page.locator("#verdict-form label.status-option-evidenced").click()
    expect(first).to_have_value("supports")
    page.locator("#verdict-form label.status-option-denied").click()
    expect(first).to_have_value("denial")
    first.select_option("refutes")  # the reviewer's choice stays
    page.fill("#source-q", "denies")
    page.locator("#source-results .source-add").click()
    second = page.locator("#source-rows .source-row").nth(1).locator("select[name=source_relation]")
    expect(second).to_have_value("denial")
    page.locator("#verdict-form label.status-option-unverified").click()
    expect(first).to_have_value("refutes")
    expect(second).to_have_value("context")
    assert console_errors == []


def test_the_form_names_the_sentences_instead_of_offsets(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    place = page.locator("#selection-place")
    sentence(page, 11).click()
    expect(place).to_have_text("Sentence 12")
    expect(page.locator("#verdict-form")).not_to_contain_text(str(sentence_span(seed_article, 11)["start"]))

    phrase = "complaint was filed on Wednesday"
    drag_select(page, (sentence(page, 5), phrase, 0), (sentence(page, 5), phrase, len(phrase) - 1))
    expect(place).to_have_text("In sentence 6")

    crossing = "trade secrets. The complaint"
    paragraph = page.locator("#para-2")
    drag_select(page, (paragraph, crossing, 2), (paragraph, crossing, len(crossing) - 6))
    expect(place).to_have_text("Sentences 5–6")
    assert console_errors == []


# --- /mine/ -----------------------------------------------------------------------------------------


def test_mine_submits_drafts_and_resubmits_returned_verdicts_with_version_checks(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article
):
    def verdict(index: int) -> Annotation:
        return services.annotation_create(
            article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, index)
        )

    draft, stale = verdict(3), verdict(7)
    sent = verdict(5)
    sent = services.annotation_submit(annotation=sent, actor=reviewer, version=1)
    returned = services.annotation_request_changes(
        annotation=sent, editor=editor, version=sent.version, comment="Name who claims it."
    )
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/mine/")
    expect(page.locator("#mine-draft .mine-item")).to_have_count(2)

    page.locator(f"#mine-item-{draft.pk}").get_by_role("button", name="Submit for review").click()
    expect(page.locator(f"#mine-item-{draft.pk} .queue-done")).to_have_text(
        "Submitted for review. It is in the editors' queue now."
    )
    expect(page.locator(f"#mine-item-{draft.pk}").get_by_role("button")).to_have_count(0)

    item = page.locator(f"#mine-item-{returned.pk}")
    expect(item.locator(".review-comment")).to_have_text("editor asked for changes: Name who claims it.")
    item.get_by_role("button", name="Resubmit").click()
    expect(item.locator(".queue-done")).to_have_text("Submitted for review. It is in the editors' queue now.")

    services.annotation_update(annotation=stale, actor=reviewer, version=1, status="unverified")  # elsewhere
    stale_item = page.locator(f"#mine-item-{stale.pk}")
    stale_item.get_by_role("button", name="Submit for review").click()
    expect(stale_item.locator(".card-error")).to_contain_text("This verdict was changed by reviewer at")
    expect(stale_item.get_by_role("button", name="Submit for review")).to_be_visible()  # now with version 2

    states = dict(Annotation.objects.values_list("pk", "state"))
    assert states == {draft.pk: "submitted", returned.pk: "submitted", stale.pk: "draft"}
    assert console_errors == [failed_load(live_server, f"/annotations/{stale.pk}/submit/", "409 (Conflict)")]
