// The article page: selecting a claim and driving the verdict panel.
//
// Every text a person reads or hears goes through Django's JavaScript catalog (gettext, ngettext,
// interpolate: globals from the catalog script base.html loads before these modules).
//
// The page stores offsets as Unicode code points of the article body (data-start/data-end on
// every paragraph, sentence and gap). The browser's selection counts UTF-16 code units.
// codePointOffset() is the one place where the two meet; the server checks the quote again.

const reader = document.getElementById("reader");
const body = document.getElementById("article-body");
const WORD = /[\p{L}\p{N}\p{M}'’_\-]/u;
const ONE_PARAGRAPH = gettext("A verdict covers text within one paragraph. Select a phrase or sentence inside a single paragraph.");
let lastSentence = null;

function codePointLength(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

// Code point offset in the stored body of a DOM position inside #article-body.
function codePointOffset(node, offset) {
  const element = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).closest("[data-start]");
  if (!element || !body.contains(element)) return null;
  const range = document.createRange();
  range.setStart(element, 0);
  range.setEnd(node, offset);
  return Number(element.dataset.start) + codePointLength(range.toString());
}

// Widen [start, end) to whole words and trim whitespace, within one paragraph.
function snapToWords(paragraph, start, end) {
  const chars = Array.from(paragraph.textContent);
  const base = Number(paragraph.dataset.start);
  let s = Math.max(0, start - base);
  let e = Math.min(chars.length, end - base);
  while (s < e && /\s/u.test(chars[s])) s += 1;
  while (e > s && /\s/u.test(chars[e - 1])) e -= 1;
  if (s >= e) return null;
  while (s > 0 && WORD.test(chars[s - 1]) && WORD.test(chars[s])) s -= 1;
  while (e < chars.length && WORD.test(chars[e]) && WORD.test(chars[e - 1])) e += 1;
  return { start: base + s, end: base + e, quote: chars.slice(s, e).join("") };
}

function showHint(text) {
  const hint = document.getElementById("selection-hint");
  hint.textContent = text;
  hint.hidden = !text;
}

function markSelected(sentence) {
  for (const other of body.querySelectorAll(".sentence.is-selected")) {
    other.classList.remove("is-selected");
    other.removeAttribute("aria-current");
  }
  if (sentence) {
    sentence.classList.add("is-selected");
    sentence.setAttribute("aria-current", "true");
    lastSentence = sentence;
  }
}

function showSelectionDetails(span, sentence) {
  const details = document.getElementById("selection-details");
  if (!details) return;
  const set = (id, text) => { document.getElementById(id).textContent = text; };
  set("selection-index", sentence ? String(Number(sentence.dataset.index) + 1) : "—");
  set("selection-start", String(span.start));
  set("selection-end", String(span.end));
  set("selection-quote", span.quote);
  document.getElementById("selection-empty").hidden = true;
  details.hidden = false;
}

// Before the panel's form is replaced or closed. verdict-form.js answers: when the form holds
// unsaved changes it asks the reviewer, and calls `retry` if they discard them. True: go on now.
function mayLeaveEditor(retry, span = null) {
  return document.dispatchEvent(new CustomEvent("verdict:leave", { cancelable: true, detail: { retry, span } }));
}

function openEditor(span, sentence) {
  if (!mayLeaveEditor(() => openEditor(span, sentence), span)) return;
  showHint("");
  showSelection(span, sentence);
  showSelectionDetails(span, sentence);
  if (!reader.hasAttribute("data-can-annotate")) return;
  const url = `${reader.dataset.newUrl}?start=${span.start}&end=${span.end}`;
  htmx.ajax("GET", url, { target: "#editor", swap: "innerHTML" });
}

function selectSentence(sentence) {
  openEditor({
    start: Number(sentence.dataset.start),
    end: Number(sentence.dataset.end),
    quote: sentence.textContent,
  }, sentence);
}

// The DOM position of code point `offset` in `paragraph`. It asks codePointOffset (the one place that
// converts) about the positions between whole characters of each text node, so it never splits one.
function domPoint(paragraph, offset) {
  const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const nodeEnd = codePointOffset(node, node.length);
    if (nodeEnd === null || nodeEnd < offset) continue;
    let position = 0;
    for (const character of [...node.data, ""]) {
      if (codePointOffset(node, position) === offset) return { node, offset: position };
      position += character.length;
    }
  }
  return null;
}

// What is about to be saved, shown in the text: the whole sentence after a click (its class), the exact
// snapped phrase after a drag (a CSS highlight, which stays while the focus is in the panel).
function showSelection(span, sentence) {
  clearPhraseHighlight();
  const whole = sentence && span.start === Number(sentence.dataset.start) && span.end === Number(sentence.dataset.end);
  markSelected(whole ? sentence : null);
  if (sentence) lastSentence = sentence;
  if (!whole && span.paragraph) highlightPhrase(span.paragraph, span.start, span.end);
}

function highlightPhrase(paragraph, start, end) {
  const from = domPoint(paragraph, start);
  const to = domPoint(paragraph, end);
  if (!from || !to) return;
  const range = document.createRange();
  range.setStart(from.node, from.offset);
  range.setEnd(to.node, to.offset);
  window.getSelection().removeAllRanges();
  // Browsers without the CSS Custom Highlight API show the snapped phrase as the selection instead.
  if (window.CSS?.highlights && window.Highlight) CSS.highlights.set("verdict-phrase", new Highlight(range));
  else window.getSelection().addRange(range);
}

function clearPhraseHighlight() {
  window.CSS?.highlights?.delete("verdict-phrase");
}

function paragraphOf(node) {
  const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
  const paragraph = element?.closest(".para");
  return paragraph && body.contains(paragraph) ? paragraph : null;
}

// Whether a pointer at height `y`, outside `home`, has passed over another paragraph's lines.
function passesAnotherParagraph(home, y) {
  const box = home.getBoundingClientRect();
  if (y === undefined || (y >= box.top && y <= box.bottom)) return false;
  return Array.from(body.querySelectorAll(".para")).some((other) => {
    if (other === home) return false;
    const rect = other.getBoundingClientRect();
    return y > box.bottom ? rect.top >= box.bottom && rect.top < y : rect.bottom <= box.top && rect.bottom > y;
  });
}

// One end of a drag as a code point offset in `home`, the paragraph the drag belongs to. Inside it: as
// is. Outside every paragraph (the margin, the gap below it, the side panel) without passing over
// another paragraph: clamped to its start or end. In (or past) another paragraph: null.
function dragPoint(home, node, offset, pointerY) {
  const paragraph = paragraphOf(node);
  if (paragraph === home) return codePointOffset(node, offset);
  const around = document.createRange();
  around.selectNode(home);
  const after = around.comparePoint(node, offset) > 0;
  if (paragraph) {
    // A triple click ends at the very start of the next paragraph: that is still this one.
    const atNextStart = after && paragraph === home.nextElementSibling && codePointOffset(node, offset) === Number(paragraph.dataset.start);
    return atNextStart ? Number(home.dataset.end) : null;
  }
  if (passesAnotherParagraph(home, pointerY)) return null;
  return after ? Number(home.dataset.end) : Number(home.dataset.start);
}

// A drag selection: offsets clamped to the paragraph it began in, snapped to words. Returns true when
// the selection was the reader's (an editor opened, or a hint explains why not).
function handleDragSelection(pointer) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return false;
  const home = paragraphOf(selection.anchorNode) || paragraphOf(selection.focusNode);
  if (!home) return false;
  const anchor = dragPoint(home, selection.anchorNode, selection.anchorOffset, pointer.downY);
  const focus = dragPoint(home, selection.focusNode, selection.focusOffset, pointer.upY);
  if (anchor === null || focus === null) {
    clearPhraseHighlight();
    showHint(ONE_PARAGRAPH);
    return true;
  }
  const span = snapToWords(home, Math.min(anchor, focus), Math.max(anchor, focus));
  if (!span) return true;
  span.paragraph = home;
  const sentence = Array.from(home.querySelectorAll(".sentence"))
    .find((s) => Number(s.dataset.start) <= span.start && span.start < Number(s.dataset.end));
  openEditor(span, sentence || null);
  return true;
}

function focusCard(id, loaded = false) {
  const card = document.getElementById(`annotation-${id}`);
  if (!card) {
    // Cards come a page at a time: load on to the page that holds this one, then focus it.
    if (loaded) return;
    htmx.ajax("GET", `${reader.dataset.cardsUrl}?upto=${id}`, { target: "#verdict-cards", swap: "innerHTML" })
      .then(() => focusCard(id, true));
    return;
  }
  card.scrollIntoView({ block: "nearest", behavior: "smooth" });
  card.focus({ preventScroll: true });
  card.classList.remove("is-flash");
  void card.offsetWidth;
  card.classList.add("is-flash");
}

// "Add another verdict on this sentence" (a card's button): the editor opens on the sentence of the
// verdict's first mark, even where marks cover all of it and a click opens the card instead.
function addVerdictOnSentence(id) {
  const mark = Array.from(body.querySelectorAll(`mark[data-annotation-id="${id}"]`)).find((m) => m.closest(".sentence"));
  const sentence = mark?.closest(".sentence");
  if (!sentence) return;
  sentence.scrollIntoView({ block: "center" });
  selectSentence(sentence);
}

// After a save the verdict's card takes focus: its actions come first in it, a Tab or two away, and
// j/k go on from its sentence. After a delete, the Undo button; when there is no card, the sentence.
// On a bottom sheet (a phone, or a zoomed page) the page stays on the sentence above the sheet and the
// focus stays in the sheet: scrolling to the card would put it under the sheet, far from the text.
function focusAfterSave(id, sentence) {
  const editor = document.getElementById("editor");
  const undo = editor.querySelector(".undo-button");
  if (getComputedStyle(editor).position === "fixed") (undo || editor.querySelector(".editor-close"))?.focus({ preventScroll: true });
  else if (document.getElementById(`annotation-${id}`)) focusCard(id);
  else if (undo) undo.focus();
  else sentence?.focus({ preventScroll: true });
}

function showInText(id) {
  const marks = body.querySelectorAll(`mark[data-annotation-id="${id}"]`);
  if (!marks.length) return;
  marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
  for (const mark of marks) {
    mark.classList.remove("is-flash");
    void mark.offsetWidth;
    mark.classList.add("is-flash");
  }
  const sentence = marks[0].closest(".sentence");
  if (sentence) sentence.focus({ preventScroll: true });
}

function closeEditor() {
  const editor = document.getElementById("editor");
  const template = document.getElementById("editor-empty-template");
  if (!editor.querySelector("form.verdict-form, .editor-done")) return;
  if (!mayLeaveEditor(closeEditor)) return;
  editor.replaceChildren(template.content.cloneNode(true));
  markSelected(null);
  clearPhraseHighlight();
  returnToSentence();
}

// Back to where the reviewer was: the focus on the sentence, scrolled into view if it is not.
function returnToSentence() {
  if (!lastSentence || !document.contains(lastSentence)) return;
  lastSentence.focus({ preventScroll: true });
  const box = lastSentence.getBoundingClientRect();
  const inView = box.top >= 0 && box.bottom <= window.innerHeight;
  // Always scroll, instantly: that also stops a smooth scroll still under way (to a card, say).
  lastSentence.scrollIntoView({ block: inView ? "nearest" : "center", behavior: "instant" });
}

// On a narrow screen the editor is a bottom sheet (factcheck.css): keep the selected text in view above
// it. Where the editor is neither fixed nor sticky and out of view, scroll to it instead.
function revealEditor() {
  const editor = document.getElementById("editor");
  const position = getComputedStyle(editor).position;
  const sheetTop = editor.getBoundingClientRect().top;
  if (position === "fixed") {
    const target = CSS.highlights?.get("verdict-phrase")?.values().next().value || lastSentence;
    if (!target) return;
    const box = target.getBoundingClientRect();
    const room = sheetTop - 16;
    if (box.top < 16 || box.bottom > room) window.scrollBy({ top: box.top - Math.max(16, (room - box.height) / 2) });
  } else if (position !== "sticky" && (sheetTop < 0 || sheetTop > window.innerHeight - 80)) {
    editor.scrollIntoView({ block: "start" });
  }
}

function moveFocus(step) {
  const all = Array.from(body.querySelectorAll(".sentence"));
  // From the focused sentence, else from the one last selected (focus may be in the panel).
  let current = all.indexOf(document.activeElement?.closest(".sentence"));
  if (current === -1 && lastSentence) current = all.findIndex((s) => s.dataset.start === lastSentence.dataset.start);
  const index = current === -1 ? (step > 0 ? 0 : all.length - 1) : current + step;
  const next = all[Math.min(all.length - 1, Math.max(0, index))];
  if (next) next.focus();
}

const STATUS_KEYS = { 1: "alleged", 2: "denied", 3: "unverified", 4: "evidenced", a: "alleged", d: "denied", u: "unverified", e: "evidenced" };

function toast(text) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = text;
  box.classList.add("is-visible");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("is-visible"), 6000);
}

if (body && reader) {
  // A link to a verdict (a notification, My verdicts) names its card: the page opens on it, focused,
  // loading the cards on to the page that holds it when it is not among the first.
  const linked = /^#annotation-(\d+)$/.exec(window.location.hash);
  if (linked) focusCard(linked[1]);

  // Drags may end outside the article (in the margin, over the side panel): listen on the document.
  let downY;
  document.addEventListener("mousedown", (event) => { downY = event.clientY; });
  document.addEventListener("mouseup", (event) => {
    const pointer = { downY, upY: event.clientY };
    // Let the browser finish the selection first.
    setTimeout(() => handleDragSelection(pointer), 0);
  });

  body.addEventListener("click", (event) => {
    if (!window.getSelection().isCollapsed) return;
    const mark = event.target.closest("mark[data-annotation-id]");
    if (mark) {
      focusCard(mark.dataset.annotationId);
      return;
    }
    const sentence = event.target.closest(".sentence");
    if (sentence) selectSentence(sentence);
  });

  body.addEventListener("keydown", (event) => {
    const mark = event.target.closest("mark[data-annotation-id]");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      focusCard(mark.dataset.annotationId);
      return;
    }
    const sentence = event.target.closest(".sentence");
    if (sentence && event.key === "Enter") {
      event.preventDefault();
      selectSentence(sentence);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      closeEditor();
      return;
    }
    if (event.target.closest("input[type=text], input[type=search], input[type=url], input[type=date], textarea, select, [contenteditable]")) {
      if (event.key === "Enter" && event.target.closest("#source-q, .source-new")) {
        event.preventDefault();
        event.target.closest(".source-new")?.querySelector(".source-create")?.click();
      }
      return;
    }
    const form = document.getElementById("verdict-form");
    const status = STATUS_KEYS[event.key];
    if (form && status) {
      event.preventDefault();
      const radio = form.querySelector(`input[name=status][value=${status}]`);
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));  // verdict-form.js follows the status
      radio.focus();
      return;
    }
    if (event.key === "j") { event.preventDefault(); moveFocus(1); }
    if (event.key === "k") { event.preventDefault(); moveFocus(-1); }
  });

  document.addEventListener("click", (event) => {
    const show = event.target.closest(".show-in-text");
    if (show) { showInText(show.dataset.annotationId); return; }
    const another = event.target.closest(".add-verdict");
    if (another) { addVerdictOnSentence(another.dataset.annotationId); return; }
    if (event.target.closest(".editor-close")) { closeEditor(); return; }
    const remove = event.target.closest(".source-remove");
    if (remove) { remove.closest(".source-row").remove(); return; }
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "editor") return;
    revealEditor();
    const form = document.getElementById("verdict-form");
    if (form) {
      const invalid = form.querySelector(".field-invalid input, .field-invalid textarea, .form-errors");
      const target = invalid || form.querySelector("input[name=status]:checked") || form.querySelector("input[name=status]");
      target?.focus({ preventScroll: true });
    }
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "source-rows") return;
    const results = document.getElementById("source-results");
    const search = document.getElementById("source-q");
    const box = document.querySelector(".source-new-box");
    if (results) results.replaceChildren();
    if (search) search.value = "";
    if (box) box.open = false;
    const rows = event.detail.target.querySelectorAll(".source-row");
    rows[rows.length - 1]?.querySelector("select")?.focus();
  });

  // htmx fires HX-Trigger events before it swaps the response in, and the swap replaces the touched
  // paragraphs: focusing now would focus a sentence that is about to be removed. Wait for the swap.
  document.body.addEventListener("verdict-saved", (event) => {
    const { id, start } = event.detail;
    clearPhraseHighlight();
    document.body.addEventListener("htmx:afterSwap", () => {
      const sentences = Array.from(body.querySelectorAll(".sentence"));
      const sentence = sentences.find((s) => Number(s.dataset.start) <= start && start < Number(s.dataset.end));
      if (sentence) lastSentence = sentence;
      for (const mark of body.querySelectorAll(`mark[data-annotation-id="${id}"]`)) mark.classList.add("is-flash");
      focusAfterSave(id, sentence);
    }, { once: true });
  });
}

document.body.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  if (status === 403) toast(gettext("You are not allowed to do that."));
  else if (status === 404) toast(gettext("That item no longer exists. Reload the page."));
  else if (status === 400) toast(gettext("That request was not valid: nothing was saved."));
  else toast(gettext("Something went wrong: nothing was saved. Try again."));
});
document.body.addEventListener("htmx:sendError", () => toast(gettext("The server could not be reached: nothing was saved.")));
