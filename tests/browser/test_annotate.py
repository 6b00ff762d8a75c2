"""Recording verdicts in Chromium: selection by click, drag and keyboard, sources, overlapping marks, offsets.

Every flow checks what the page shows and what the database stored (start, end, quote, status, sources).
Drags use the real mouse: the points are computed from the rectangles of single characters, so a drag
can start or end inside a word on purpose.
"""

from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Request, expect

from annotations import services
from annotations.models import Annotation, Article, Relation, Source
from tests.conftest import sentence_span
from tests.factories import ArticleFactory

# The comma right after the phrase: an end offset off by one (a UTF-16 count) would take it in, where
# snapping to whole words cannot hide the error.
EMOJI_BODY = "Party 🎉🎉 time here. The court 🏛️ ruled on Wednesday, in Santa Ana."
URDU_BODY = "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔"
ONE_PARAGRAPH_HINT = (
    "A verdict covers text within one paragraph. Select a phrase or sentence inside a single paragraph."
)
SAVED_MESSAGE = "Draft saved. Submit it for review when it is ready."
EVIDENCE_HINT = "An evidenced verdict needs at least one source that supports it."

# The viewport point inside character `index` of the first `needle` in the element's text, `fraction` of
# the character's width from its logical start (its left edge in LTR text, its right edge in RTL text).
CHAR_POINT = """
(element, [needle, index, fraction]) => {
  let offset = element.textContent.indexOf(needle);
  if (offset < 0) throw new Error(`${JSON.stringify(needle)} is not in the element`);
  offset += index;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (offset < node.data.length) {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      const rect = range.getClientRects()[0];
      const rtl = getComputedStyle(node.parentElement).direction === "rtl";
      const x = rtl ? rect.right - fraction * rect.width : rect.left + fraction * rect.width;
      return [x, rect.top + rect.height / 2];
    }
    offset -= node.data.length;
  }
  throw new Error("the offset is past the end of the element");
}
"""

# Records the browser's own selection at the end of the next drag, before reader.js snaps it to words.
RECORD_SELECTION = """
() => {
  delete window.__selectedText;
  document.addEventListener("mouseup", () => {
    setTimeout(() => { window.__selectedText = window.getSelection().toString(); }, 0);
  }, { capture: true, once: true });
}
"""


def open_article(page: Page, live_server, article: Article) -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#article-title")).to_have_text(article.title)


Point = tuple[Locator, str, int]


def drag_select(page: Page, start: Point, end: Point) -> str:
    """Drag with the mouse from just before one character to just after another; return what the browser selected.

    Each point is (element, needle, index): character `index` of the first `needle` in the element's text.
    """
    start[0].scroll_into_view_if_needed()
    page.evaluate(RECORD_SELECTION)
    x0, y0 = start[0].evaluate(CHAR_POINT, [start[1], start[2], 0.25])
    x1, y1 = end[0].evaluate(CHAR_POINT, [end[1], end[2], 0.75])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=8)
    page.mouse.up()
    # A function, not an expression string: the page's CSP refuses eval.
    page.wait_for_function("() => window.__selectedText !== undefined")
    return page.evaluate("window.__selectedText")


def choose_status(page: Page, status: str) -> None:
    page.locator(f"#verdict-form label.status-option-{status}").click()
    expect(page.locator(f"#verdict-form input[name=status][value={status}]")).to_be_checked()


def expect_editor_for(page: Page, *, start: int, end: int, quote: str) -> None:
    """The new-verdict form is open on exactly this span (the code points it will send)."""
    form = page.locator("#verdict-form")
    expect(form.locator("h2")).to_have_text("New verdict")
    expect(form).to_have_attribute("data-start", str(start))
    expect(form).to_have_attribute("data-end", str(end))
    expect(form.locator("input[name=start]")).to_have_value(str(start))
    expect(form.locator("input[name=end]")).to_have_value(str(end))
    expect(page.locator("#selection-quote")).to_have_text(quote)


def save_verdict(page: Page) -> None:
    page.get_by_role("button", name="Save verdict").click()
    expect(page.locator("#editor .saved-message")).to_have_text(SAVED_MESSAGE)


def marks(page: Page, annotation: Annotation) -> Locator:
    return page.locator(f'#article-body mark[data-annotation-id="{annotation.pk}"]')


def marked_text(page: Page, annotation: Annotation) -> str:
    """The text of all the mark fragments of one annotation, in document order."""
    return marks(page, annotation).evaluate_all("fragments => fragments.map((m) => m.textContent).join('')")


def only_annotation(article: Article) -> Annotation:
    annotations = list(Annotation.objects.filter(article=article))
    assert len(annotations) == 1, annotations
    return annotations[0]


def links_of(annotation: Annotation) -> list[tuple[int, str, str]]:
    return list(annotation.source_links.order_by("position").values_list("source_id", "relation", "pinpoint"))


# 1 -------------------------------------------------------------------------------------------------


def test_click_sentence_save_alleged_with_note_shows_mark_and_card_without_reload(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    page.evaluate("window.__marker = 1")
    span = sentence_span(seed_article, 4)
    note = "The complaint itself is the only source; Huawei has not answered it."

    page.locator('#article-body .sentence[data-index="4"]').click()
    expect_editor_for(page, **span)
    choose_status(page, "alleged")
    page.fill("#id_note", note)
    save_verdict(page)

    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote) == (span["start"], span["end"], span["quote"])
    assert seed_article.body[annotation.start : annotation.end] == annotation.quote
    assert (annotation.status, annotation.note, annotation.author, annotation.version) == (
        "alleged",
        note,
        reviewer,
        1,
    )
    assert links_of(annotation) == []

    expect(marks(page, annotation)).to_have_count(1)
    expect(marks(page, annotation)).to_have_attribute("data-status", "alleged")
    expect(marks(page, annotation)).to_contain_class("is-flash")
    assert marks(page, annotation).text_content() == span["quote"]
    card = page.locator(f"#verdicts #annotation-{annotation.pk}")
    expect(card).to_be_focused()  # the new card, its actions next in Tab order
    expect(card.locator(".status-badge")).to_have_text("❝ Alleged")
    expect(card.locator(".card-quote")).to_have_text(span["quote"])
    expect(card.locator(".card-note")).to_have_text(note)
    expect(page.locator("#verdicts-title .count")).to_have_text("1")
    expect(page.locator("#status-counts li.status-alleged strong")).to_have_text("1")
    assert page.evaluate("window.__marker") == 1, "saving reloaded the page"

    assert console_errors == []


# 2 -------------------------------------------------------------------------------------------------


def test_drag_inside_sentence_snaps_to_whole_words_and_saves_unverified(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    phrase = "complaint was filed on Wednesday in the US District Court"
    sentence = page.locator('#article-body .sentence[data-index="5"]')

    # From inside "complaint" to inside "Court".
    selected = drag_select(page, (sentence, phrase, 2), (sentence, phrase, len(phrase) - 3))
    assert selected == "mplaint was filed on Wednesday in the US District Cou"

    start = seed_article.body.index(phrase)
    expect_editor_for(page, start=start, end=start + len(phrase), quote=phrase)
    choose_status(page, "unverified")
    save_verdict(page)

    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote, annotation.status) == (
        start,
        start + len(phrase),
        phrase,
        "unverified",
    )
    assert seed_article.body[annotation.start : annotation.end] == phrase
    expect(marks(page, annotation)).to_have_count(1)
    assert marked_text(page, annotation) == phrase
    expect(page.locator(f"#annotation-{annotation.pk} .card-quote")).to_have_text(phrase)
    expect(page.locator(f"#annotation-{annotation.pk} .status-badge")).to_have_text("? Unverified")

    assert console_errors == []


# 3 -------------------------------------------------------------------------------------------------


def test_selection_across_two_paragraphs_is_refused_with_a_hint(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    editor_requests: list[str] = []
    page.on("request", lambda request: editor_requests.append(request.url) if "/annotations/" in request.url else None)
    hint = page.locator("#selection-hint")
    expect(hint).to_be_hidden()

    # From inside "California" (paragraph 2) to inside "Business" (paragraph 3).
    drag_select(
        page,
        (page.locator("#para-2"), "Santa Ana, California.", 13),
        (page.locator("#para-3"), "Business Efficiency", 3),
    )

    expect(hint).to_be_visible()
    expect(hint).to_have_text(ONE_PARAGRAPH_HINT)
    expect(page.locator("#verdict-form")).to_have_count(0)
    expect(page.locator("#selection-empty")).to_be_visible()
    assert editor_requests == []
    assert Annotation.objects.count() == 0

    # The next valid selection clears the hint.
    page.locator('#article-body .sentence[data-index="5"]').click()
    expect_editor_for(page, **sentence_span(seed_article, 5))
    expect(hint).to_be_hidden()

    assert console_errors == []


# 4 -------------------------------------------------------------------------------------------------


def test_evidenced_needs_a_supporting_source_then_accepts_a_new_one(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    span = sentence_span(seed_article, 5)
    hint = page.locator("#evidence-hint")

    page.locator('#article-body .sentence[data-index="5"]').click()
    expect_editor_for(page, **span)
    expect(hint).to_be_hidden()
    choose_status(page, "evidenced")
    expect(hint).to_be_visible()
    expect(hint).to_have_text(EVIDENCE_HINT)

    page.get_by_role("button", name="Save verdict").click()
    expect(page.locator("#verdict-form fieldset.sources .field-error")).to_have_text(EVIDENCE_HINT)
    expect(page.locator("#verdict-form fieldset.sources")).to_contain_class("field-invalid")
    expect(page.locator("#verdict-form input[name=status][value=evidenced]")).to_be_checked()
    assert Annotation.objects.count() == 0

    url = "https://www.courtlistener.com/docket/60000000/bes-v-huawei/"
    title = "Business Efficiency Solutions v. Huawei Technologies: complaint"
    page.locator(".source-new-box summary").click()
    page.fill("#new-source-url", url)
    page.fill("#new-source-title", title)
    page.get_by_role("button", name="Add source").click()
    row = page.locator("#source-rows .source-row")
    expect(row).to_have_count(1)
    expect(row.locator(".source-row-title a")).to_have_text(title)
    expect(row.locator(".source-new-note")).to_have_text("(new: added to the library when the verdict is saved)")
    assert Source.objects.count() == 0  # not in the library until the verdict citing it is saved
    row.locator("select[name=source_relation]").select_option(label="Supports")
    row.locator("input[name=source_pinpoint]").fill("Complaint, p. 4")
    page.get_by_role("button", name="Save verdict").click()
    expect(page.locator("#editor .saved-message")).to_have_text(SAVED_MESSAGE)

    source = Source.objects.get()
    assert (source.url, source.title, source.created_by) == (url, title, reviewer)
    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote, annotation.status) == (
        span["start"],
        span["end"],
        span["quote"],
        "evidenced",
    )
    assert links_of(annotation) == [(source.pk, "supports", "Complaint, p. 4")]

    card = page.locator(f"#annotation-{annotation.pk}")
    expect(card.locator(".status-badge")).to_have_text("✓ Evidenced")
    # A source cited for the first time waits for the worker to archive it.
    expect(card.locator(".card-sources li")).to_have_text(f"Supports {title} (Complaint, p. 4) archiving…")
    expect(card.get_by_role("link", name=title)).to_have_attribute("href", url)
    assert marked_text(page, annotation) == span["quote"]

    # Chromium logs the refused save (a 400 response) itself; nothing else went wrong.
    assert console_errors == [
        "console: Failed to load resource: the server responded with a status of 400 (Bad Request) "
        f"({live_server.url}/articles/{seed_article.pk}/annotations/:0)"
    ]


# 5 -------------------------------------------------------------------------------------------------


def test_source_found_by_search_is_linked_without_a_new_row(
    page: Page, live_server, login, console_errors, reviewer, seed_article, bbc_source
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    span = sentence_span(seed_article, 22)
    assert Source.objects.count() == 1

    page.locator('#article-body .sentence[data-index="22"]').click()
    expect_editor_for(page, **span)
    choose_status(page, "evidenced")
    page.fill("#source-q", "wi-fi cards")
    result = page.locator("#source-results .source-results-list li")
    expect(result).to_have_count(1)
    expect(result.locator("strong")).to_have_text(bbc_source.title)
    result.get_by_role("button", name="Add").click()
    row = page.locator("#source-rows .source-row")
    expect(row).to_have_count(1)
    expect(row.locator("input[name=source_id]")).to_have_value(str(bbc_source.pk))
    expect(row.locator("select[name=source_relation]")).to_have_value("supports")
    expect(page.locator("#source-q")).to_have_value("")
    save_verdict(page)

    assert Source.objects.count() == 1
    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote, annotation.status) == (
        span["start"],
        span["end"],
        span["quote"],
        "evidenced",
    )
    assert links_of(annotation) == [(bbc_source.pk, "supports", "")]
    card = page.locator(f"#annotation-{annotation.pk}")
    expect(card.locator(".card-sources li")).to_have_text(f"Supports {bbc_source.title} · BBC News archiving…")
    assert marked_text(page, annotation) == span["quote"]

    assert console_errors == []


# 6 -------------------------------------------------------------------------------------------------


def test_overlapping_and_crossing_verdicts_all_render_with_their_exact_quotes(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    body = seed_article.body
    sentence = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    inner = "stole its trade secrets"
    inner_start = body.index(inner)
    phrase = services.annotation_create(
        article=seed_article,
        author=reviewer,
        start=inner_start,
        end=inner_start + len(inner),
        quote=inner,
        status="unverified",
    )
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    assert marked_text(page, sentence) == sentence.quote
    assert marked_text(page, phrase) == inner

    # A third verdict crosses the end of both, and the sentence boundary.
    crossing = "trade secrets. The complaint"
    paragraph = page.locator("#para-2")
    drag_select(page, (paragraph, crossing, 2), (paragraph, crossing, len(crossing) - 6))
    crossing_start = body.index(crossing)
    expect_editor_for(page, start=crossing_start, end=crossing_start + len(crossing), quote=crossing)
    choose_status(page, "alleged")
    save_verdict(page)

    stored = Annotation.objects.exclude(pk__in=[sentence.pk, phrase.pk]).get()
    assert (stored.start, stored.end, stored.quote, stored.status) == (
        crossing_start,
        crossing_start + len(crossing),
        crossing,
        "alleged",
    )
    assert body[stored.start : stored.end] == stored.quote

    def check_marks() -> None:
        expect(page.locator("#verdicts .card-verdict")).to_have_count(3)
        for annotation in (sentence, phrase, stored):
            assert marked_text(page, annotation) == annotation.quote
            expect(marks(page, annotation).and_(page.locator(".mark-first"))).to_have_count(1)
        # Closed and reopened where the others end: inside both, inside the sentence, the gap, the next sentence.
        expect(marks(page, stored)).to_have_text(["trade secrets", ".", " ", "The complaint"])
        expect(marks(page, sentence)).to_have_count(1)
        expect(marks(page, phrase)).to_have_count(1)

    check_marks()  # after the out-of-band swap of the paragraph
    page.reload()
    check_marks()  # as the server renders the whole page

    assert console_errors == []


# 7 -------------------------------------------------------------------------------------------------


def test_keyboard_only_flow_records_a_denied_verdict_and_esc_closes_the_form(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    span = sentence_span(seed_article, 1)
    body = page.locator("#article-body")
    second = body.locator('.sentence[data-index="1"]')

    body.locator('.sentence[data-index="0"]').focus()
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("Enter")
    expect_editor_for(page, **span)
    expect(page.locator("#verdict-form input[name=status][value=alleged]")).to_be_focused()

    page.keyboard.press("2")
    denied = page.locator("#verdict-form input[name=status][value=denied]")
    expect(denied).to_be_checked()
    expect(denied).to_be_focused()
    expect(page.locator("#id_denied_by")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#id_claimant")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_denied_by")).to_be_focused()
    page.keyboard.type("Huawei Pakistan")
    page.keyboard.press("Tab")
    expect(page.locator("#id_note")).to_be_focused()
    page.keyboard.type("Huawei denied it in a statement to Dawn.")
    # The note is a textarea: j, k and the status keys typed there are text, not shortcuts.
    expect(page.locator("#id_note")).to_have_value("Huawei denied it in a statement to Dawn.")
    expect(denied).to_be_checked()
    save = page.get_by_role("button", name="Save verdict")
    for _ in range(4):  # the source search, "Add a new source", "For the published fact-check", then Save
        page.keyboard.press("Tab")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#editor .saved-message")).to_have_text(SAVED_MESSAGE)

    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote) == (span["start"], span["end"], span["quote"])
    assert (annotation.status, annotation.denied_by, annotation.claimant, annotation.note) == (
        "denied",
        "Huawei Pakistan",
        "",
        "Huawei denied it in a statement to Dawn.",
    )
    assert marks(page, annotation).text_content() == span["quote"]
    expect(page.locator(f"#annotation-{annotation.pk} .attribution dd")).to_have_text("Huawei Pakistan")

    # Focus is on the new card; j goes on from its sentence, so the keyboard flow goes on.
    expect(page.locator(f"#annotation-{annotation.pk}")).to_be_focused()
    page.keyboard.press("j")
    third = body.locator('.sentence[data-index="2"]')
    expect(third).to_be_focused()
    page.keyboard.press("Enter")
    expect_editor_for(page, **sentence_span(seed_article, 2))
    page.keyboard.press("Escape")
    expect(page.locator("#verdict-form")).to_have_count(0)
    expect(third).to_be_focused()
    assert Annotation.objects.count() == 1

    assert console_errors == []


# 8 -------------------------------------------------------------------------------------------------


def test_offsets_are_code_points_after_emoji(page: Page, live_server, login, console_errors, reviewer):
    article = ArticleFactory(title="Emoji before the claim", body=EMOJI_BODY)
    login(page, live_server, reviewer)
    open_article(page, live_server, article)
    phrase = "ruled on Wednesday"
    start = EMOJI_BODY.index(phrase)
    assert start == 33  # UTF-16 says 36: the two 🎉 and the 🏛 count twice there

    paragraph = page.locator("#para-0")
    selected = drag_select(page, (paragraph, phrase, 0), (paragraph, phrase, len(phrase) - 1))
    assert selected == phrase
    expect_editor_for(page, start=start, end=start + len(phrase), quote=phrase)
    choose_status(page, "unverified")
    save_verdict(page)

    annotation = only_annotation(article)
    assert (annotation.start, annotation.end, annotation.quote) == (33, 51, phrase)
    assert article.body[annotation.start : annotation.end] == phrase
    assert marked_text(page, annotation) == phrase
    expect(page.locator("#para-0")).to_have_text(EMOJI_BODY)

    assert console_errors == []


def test_offsets_are_code_points_in_urdu_right_to_left(page: Page, live_server, login, console_errors, reviewer):
    article = ArticleFactory(title="ہواوے پر مقدمہ", body=URDU_BODY, language="ur")
    login(page, live_server, reviewer)
    open_article(page, live_server, article)
    expect(page.locator("#article-body")).to_have_attribute("dir", "rtl")
    phrase = "الزامات کی تردید"
    start = URDU_BODY.index(phrase)

    # From inside the first word to inside the last one.
    paragraph = page.locator("#para-0")
    selected = drag_select(page, (paragraph, phrase, 2), (paragraph, phrase, len(phrase) - 3))
    assert selected == phrase[2:-2]
    expect_editor_for(page, start=start, end=start + len(phrase), quote=phrase)
    choose_status(page, "alleged")
    save_verdict(page)

    annotation = only_annotation(article)
    assert (annotation.start, annotation.end, annotation.quote) == (53, 69, phrase)
    assert article.body[annotation.start : annotation.end] == phrase
    assert marked_text(page, annotation) == phrase

    assert console_errors == []


# 9 -------------------------------------------------------------------------------------------------


def test_other_reviewer_sees_card_read_only_and_cannot_open_its_edit_form(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, seed_article
):
    span = sentence_span(seed_article, 9)
    draft = services.annotation_create(article=seed_article, author=reviewer, status="alleged", note="Mine.", **span)
    annotation = services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)
    assert (annotation.state, annotation.version) == ("submitted", 2)
    login(page, live_server, reviewer2)
    open_article(page, live_server, seed_article)

    card = page.locator(f"#annotation-{annotation.pk}")
    expect(card.locator(".card-quote")).to_have_text(span["quote"])
    expect(card.locator(".card-note")).to_have_text("Mine.")
    expect(card.locator(".card-foot")).to_have_text("reviewer · just now")
    expect(card.locator(".state-badge")).to_have_text("Submitted")
    expect(card.locator(".card-actions form, .card-actions a")).to_have_count(0)
    expect(card.get_by_role("link", name="Edit")).to_have_count(0)
    # Nothing that changes someone else's verdict; a verdict of one's own on the same sentence is open to all.
    expect(card.get_by_role("button")).to_have_text(["Show in text", "Add another verdict on this sentence"])
    assert marks(page, annotation).text_content() == span["quote"]
    marks(page, annotation).click()
    expect(card).to_be_focused()
    assert console_errors == []

    response = page.goto(f"{live_server.url}/annotations/{annotation.pk}/edit/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("Not allowed")
    expect(page.locator("main p").first).to_have_text("Only its author or an editor can edit this verdict.")
    annotation.refresh_from_db()
    assert (annotation.version, annotation.state, annotation.note) == (2, "submitted", "Mine.")


# 10 ------------------------------------------------------------------------------------------------

NOTE_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</textarea><script>alert(2)</script>",
    '<a href="javascript:alert(3)">x</a>',
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    '<b hx-on:click="alert(4)">x</b>',
]
SOURCE_TITLE = '<img src=x onerror=alert(5)> </textarea><script>alert(6)</script> <b hx-on:click="alert(7)">BBC</b>'
ARTICLE_TITLE = 'Payload <b hx-on:click="alert(8)">title</b>'
ARTICLE_BODY = (
    "Officials said <script>alert(9)</script> nothing at all. "
    "The report <img src=x onerror=alert(10)> was filed on Monday.\n"
    'A note <div hx-get="/admin/" hx-trigger="load">x</div> appeared later. '
    'See <a href="javascript:alert(11)">the link</a> for more.'
)


def test_payloads_in_note_source_and_article_stay_literal_text(
    page: Page, live_server, login, console_errors, reviewer, editor
):
    article = ArticleFactory(title=ARTICLE_TITLE, body=ARTICLE_BODY)
    source, _ = services.source_get_or_create(url="https://example.org/payload", title=SOURCE_TITLE, created_by=editor)
    note = "\n".join(NOTE_PAYLOADS)
    span = sentence_span(article, 0)
    annotation = services.annotation_create(
        article=article,
        author=reviewer,
        status="evidenced",
        note=note,
        claimant="<script>alert(12)</script>",
        sources=[services.SourceLink(source, Relation.SUPPORTS, '<img src=x onerror="alert(13)">')],
        **span,
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    unexpected: list[str] = []

    def on_request(request: Request) -> None:
        path = urlsplit(request.url).path
        if path.startswith("/admin") or path.endswith("/x"):
            unexpected.append(request.url)

    page.on("request", on_request)

    login(page, live_server, reviewer)
    open_article(page, live_server, article)
    main = page.locator("#main")
    expect(page.locator("#article-body")).to_contain_text("Officials said <script>alert(9)</script> nothing at all.")
    expect(page.locator("#para-0")).to_have_text(ARTICLE_BODY.split("\n")[0])
    expect(page.locator("#para-1")).to_have_text(ARTICLE_BODY.split("\n")[1])
    card = page.locator(f"#annotation-{annotation.pk}")
    assert card.locator(".card-note").inner_text() == note
    expect(card.locator(".card-quote")).to_have_text(span["quote"])
    expect(card.locator(".attribution dd")).to_have_text("<script>alert(12)</script>")
    expect(card.locator(".card-sources a").first).to_have_text(SOURCE_TITLE)
    expect(card.locator(".card-sources .pinpoint")).to_have_text('(<img src=x onerror="alert(13)">)')
    assert marked_text(page, annotation) == span["quote"]
    for injected in ["script", "img", "b", "[hx-get='/admin/']", "a[href^=javascript]", "[hx-on\\:click]"]:
        expect(main.locator(injected)).to_have_count(0)

    # Click around: the payload text, the mark, "Show in text", then the edit form.
    page.locator("#article-title").click()
    card.locator(".card-note").click()
    marks(page, annotation).first.click()
    expect(card).to_be_focused()
    card.get_by_role("button", name="Show in text").click()
    card.get_by_role("link", name="Edit").click()
    expect(page.locator("#verdict-form h2")).to_have_text("Edit verdict")
    expect(page.locator("#id_note")).to_have_value(note)
    expect(page.locator("#id_claimant")).to_have_value("<script>alert(12)</script>")
    expect(page.locator("#selection-quote")).to_have_text(span["quote"])
    expect(page.locator("#source-rows .source-row-title")).to_have_text(SOURCE_TITLE)
    expect(page.locator("#source-rows input[name=source_pinpoint]")).to_have_value('<img src=x onerror="alert(13)">')
    page.fill("#source-q", "payload")
    expect(page.locator("#source-results .source-results-list strong")).to_have_text(SOURCE_TITLE)
    page.locator("#id_note").click()
    for injected in ["script", "img", "b", "[hx-get='/admin/']", "a[href^=javascript]", "[hx-on\\:click]"]:
        expect(main.locator(injected)).to_have_count(0)

    # Saving the form unchanged stores exactly the same text: nothing was cut at "</textarea>".
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#editor .saved-message")).to_have_text("Verdict updated.")
    annotation.refresh_from_db()
    assert (annotation.version, annotation.note, annotation.claimant) == (2, note, "<script>alert(12)</script>")
    assert links_of(annotation) == [(source.pk, "supports", '<img src=x onerror="alert(13)">')]
    assert card.locator(".card-note").inner_text() == note

    assert dialogs == []
    assert unexpected == []
    assert console_errors == []


# 11 ------------------------------------------------------------------------------------------------


def test_delete_asks_in_the_page_and_undo_restores_the_verdict(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    span = sentence_span(seed_article, 9)
    annotation = services.annotation_create(article=seed_article, author=reviewer, status="unverified", **span)
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    expect(marks(page, annotation)).to_have_count(1)
    browser_dialogs: list[str] = []
    page.on("dialog", lambda dialog: (browser_dialogs.append(dialog.type), dialog.dismiss()))
    question = page.locator("#confirm-dialog")
    delete = page.locator(f"#annotation-{annotation.pk}").get_by_role("button", name="Delete")

    # Cancel keeps it.
    delete.click()
    expect(question).to_be_visible()
    expect(question.locator(".confirm-question")).to_have_text(
        "Delete this verdict? You can undo it for a minute; editors can restore it later."
    )
    expect(question.get_by_role("button", name="Cancel")).to_be_focused()
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_be_hidden()
    expect(delete).to_be_focused()
    annotation.refresh_from_db()
    assert (annotation.is_deleted, annotation.version) == (False, 1)

    delete.click()
    question.get_by_role("button", name="Delete").click()
    expect(page.locator("#editor .saved-message")).to_have_text("Verdict deleted.")
    expect(page.locator("#editor .undo-button")).to_be_focused()
    expect(marks(page, annotation)).to_have_count(0)
    expect(page.locator(f"#annotation-{annotation.pk}")).to_have_count(0)
    expect(page.locator("#verdicts")).to_contain_text("No verdicts on this article yet.")
    expect(page.locator("#status-counts li.status-unverified strong")).to_have_text("0")
    expect(page.locator('#article-body .sentence[data-index="9"]')).to_have_text(span["quote"])
    annotation.refresh_from_db()
    assert (annotation.is_deleted, annotation.deleted_by, annotation.version) == (True, reviewer, 2)

    page.keyboard.press("Enter")  # the Undo button has the focus
    expect(page.locator("#editor .saved-message")).to_have_text("Verdict restored.")
    expect(marks(page, annotation)).to_have_count(1)
    assert marks(page, annotation).text_content() == span["quote"]
    expect(page.locator(f"#annotation-{annotation.pk} .card-quote")).to_have_text(span["quote"])
    expect(page.locator("#status-counts li.status-unverified strong")).to_have_text("1")
    annotation.refresh_from_db()
    assert (annotation.is_deleted, annotation.deleted_by, annotation.version) == (False, None, 3)
    assert browser_dialogs == []  # no confirm()

    assert console_errors == []


def test_mark_of_a_card_not_yet_loaded_loads_and_focuses_it(page: Page, live_server, login, console_errors, reviewer):
    article = ArticleFactory(title="Many verdicts", body=" ".join(f"Claim number {i} is made here." for i in range(30)))
    made = [
        services.annotation_create(article=article, author=reviewer, status="alleged", **sentence_span(article, i))
        for i in range(30)
    ]
    login(page, live_server, reviewer)
    open_article(page, live_server, article)
    expect(page.locator("#verdict-cards .card-verdict")).to_have_count(25)
    last = made[28]
    page.locator(f'mark[data-annotation-id="{last.pk}"]').click()
    card = page.locator(f"#annotation-{last.pk}")
    expect(card).to_be_focused()
    expect(page.locator("#verdict-cards .card-verdict")).to_have_count(30)
    assert console_errors == []
