// The verdict form's own behaviour, beside reader.js (selection, marks and the reader's keys):
//
// - typed work is never thrown away without asking: leaving a form with changes (another
//   selection, Esc, Cancel, a card's Edit or Delete, closing or reloading the tab) asks first, in
//   the page's <dialog> (the tab: the browser's own beforeunload question);
// - forms marked data-confirm (Delete) ask in the same <dialog>, not with confirm();
// - a source link's relation follows the status until the reviewer picks one (data-relation on
//   each status, from models.DEFAULT_RELATION);
// - a status picked with the mouse moves on to the next field, Ctrl+Enter saves and submits,
//   Enter in the source search adds the first result and the arrow keys walk the results;
// - "Checked before" (loaded into the form after it opens): its default "Not the same claim" is no
//   change of the reviewer's, "Copy its sources" says what it added, and copied relations are kept.

const dialog = document.getElementById("confirm-dialog");
const snapshots = new WeakMap();
let pointerOnStatus = false;
let addFirstResult = false;

function verdictForm() {
  return document.getElementById("verdict-form");
}

function serialize(form) {
  const data = new FormData(form);
  if (!data.get("same_claim_as")) data.delete("same_claim_as");  // Checked before's default, loaded later
  return new URLSearchParams(data).toString();
}

// A form the server sent back refused (data-unsaved) holds typed work from the start.
function isDirty(form) {
  if (!form || form.hasAttribute("data-discarded")) return false;
  return form.hasAttribute("data-unsaved") || serialize(form) !== snapshots.get(form);
}

function formOpened(form) {
  if (!form) return;
  snapshots.set(form, serialize(form));
  const relation = statusRelation(form);
  for (const select of form.querySelectorAll("select[name=source_relation]")) {
    if (select.value !== relation) select.setAttribute("data-chosen", "");
  }
}

// Ask in the page. Resolves true when the reviewer accepts.
function ask(question, { accept, cancel }) {
  if (!dialog) return Promise.resolve(false);
  dialog.querySelector(".confirm-question").textContent = question;
  dialog.querySelector(".confirm-accept").textContent = accept;
  dialog.querySelector(".confirm-cancel").textContent = cancel;
  dialog.returnValue = "";
  // In a task of its own: opened while an Esc keydown is being handled, the dialog would take that
  // Esc as its own and close at once.
  setTimeout(() => {
    dialog.showModal();
    dialog.querySelector(".confirm-cancel").focus();
  });
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "accept"), { once: true });
  });
}

function askDiscard() {
  return ask(gettext("Discard the changes to this verdict? What you typed has not been saved."), {
    accept: gettext("Discard changes"),
    cancel: gettext("Keep editing"),
  });
}

function statusRelation(form) {
  return form.querySelector("input[name=status]:checked")?.dataset.relation || "supports";
}

function followStatus(form) {
  const relation = statusRelation(form);
  for (const select of form.querySelectorAll("select[name=source_relation]:not([data-chosen])")) {
    select.value = relation;
  }
}

if (dialog) {
  // The reader's keys (j/k, status keys) must not act behind the question.
  dialog.addEventListener("keydown", (event) => event.stopPropagation());
}

// reader.js asks before it replaces or closes the panel.
document.addEventListener("verdict:leave", (event) => {
  if (dialog?.open) { event.preventDefault(); return; }  // a question is already on screen
  const form = verdictForm();
  if (!isDirty(form)) return;
  event.preventDefault();
  const { retry, span } = event.detail;
  if (span && Number(form.dataset.start) === span.start && Number(form.dataset.end) === span.end) {
    form.querySelector("input[name=status]:checked, input[name=status]")?.focus();  // the same selection: its draft is here
    return;
  }
  askDiscard().then((discard) => {
    if (!discard) return;
    form.setAttribute("data-discarded", "");
    retry();
  });
});

// htmx requests that would replace the panel (a card's Edit, Submit, Delete, Undo …) and
// data-confirm forms.
document.body.addEventListener("htmx:confirm", (event) => {
  const { elt, target } = event.detail;
  const form = verdictForm();
  const question = elt.closest?.("[data-confirm]");
  const leaving = target?.id === "editor" && form && !form.contains(elt) && isDirty(form);
  if (!question && !leaving) return;
  event.preventDefault();
  (async () => {
    if (leaving && !(await askDiscard())) return;
    if (question) {
      // data-confirm and data-confirm-button come from the template, translated there.
      const accept = question.dataset.confirmButton || gettext("OK");
      if (!(await ask(question.dataset.confirm, { accept, cancel: gettext("Cancel") }))) return;
    }
    if (leaving) form.setAttribute("data-discarded", "");
    event.detail.issueRequest(true);
  })();
});

window.addEventListener("beforeunload", (event) => {
  if (!isDirty(verdictForm())) return;
  event.preventDefault();
  event.returnValue = "";  // older Chromium asks only when this is set
});

document.body.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target.id === "editor") formOpened(verdictForm());
  if (target.id === "source-rows") {
    // A row copied from an earlier verdict keeps its relation when it is not the status's default.
    const relation = statusRelation(target.closest("form"));
    for (const select of target.querySelectorAll("select[name=source_relation]:not([data-chosen])")) {
      if (select.value !== relation) select.setAttribute("data-chosen", "");
    }
  }
  if (target.id === "source-results" && addFirstResult) {
    addFirstResult = false;
    target.querySelector(".source-add")?.click();
  }
});
formOpened(verdictForm());  // a page served with the form open

// "Copy its sources" (views.annotation_source_rows): how many were added, next to the button.
document.body.addEventListener("sources-copied", (event) => {
  const { id, added } = event.detail;
  const note = document.getElementById(`similar-copied-${id}`);
  if (!note) return;
  if (added === 0) note.textContent = gettext("Its sources are already in the form.");
  else note.textContent = interpolate(ngettext("Added %(count)s source.", "Added %(count)s sources.", added), { count: added }, true);
});

document.addEventListener("pointerdown", (event) => {
  pointerOnStatus = Boolean(event.target.closest?.("#verdict-form .status-option"));
}, true);
document.addEventListener("keydown", () => { pointerOnStatus = false; }, true);

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches?.("#verdict-form select[name=source_relation]")) {
    target.setAttribute("data-chosen", "");
    return;
  }
  if (!target.matches?.("#verdict-form input[name=status]")) return;
  followStatus(target.form);
  if (pointerOnStatus) {
    // Clicked: on to what the status asks for next. (Keys leave focus on the status.)
    pointerOnStatus = false;
    target.form.querySelector(target.value === "denied" ? "#id_denied_by" : "#id_note")?.focus();
  }
});

document.addEventListener("keydown", (event) => {
  const form = verdictForm();
  if (!form || !form.contains(event.target)) return;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const button = form.querySelector(".save-and-submit");
    if (!button) return;
    event.preventDefault();
    button.click();  // a click, so that htmx sends the button's name and value
    return;
  }
  const search = event.target.closest("#source-q");
  const result = event.target.closest("#source-results .source-add");
  if (!search && !result) return;
  const buttons = Array.from(form.querySelectorAll("#source-results .source-add"));
  if (search && event.key === "Enter") {
    event.preventDefault();
    const list = form.querySelector("#source-results .source-results-list");
    if (list && list.dataset.query === search.value.trim()) buttons[0]?.click();
    else if (search.value.trim()) { addFirstResult = true; htmx.trigger(search, "search"); }
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!buttons.length) return;
    event.preventDefault();
    const next = (result ? buttons.indexOf(result) : -1) + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) form.querySelector("#source-q").focus();
    else buttons[Math.min(next, buttons.length - 1)].focus();
  }
});
