// Reader page: select a sentence by click or keyboard (Enter), move with j/k.
// Offsets come from the server as code points (data-start/data-end); nothing is computed here.

const body = document.getElementById("article-body");

function sentences() {
  return Array.from(body.querySelectorAll(".sentence"));
}

function showSelection(sentence) {
  for (const other of body.querySelectorAll(".sentence.is-selected")) {
    other.classList.remove("is-selected");
    other.removeAttribute("aria-current");
  }
  sentence.classList.add("is-selected");
  sentence.setAttribute("aria-current", "true");
  const set = (id, text) => { document.getElementById(id).textContent = text; };
  set("selection-index", String(Number(sentence.dataset.index) + 1));
  set("selection-start", sentence.dataset.start);
  set("selection-end", sentence.dataset.end);
  set("selection-quote", sentence.textContent);
  document.getElementById("selection-empty").hidden = true;
  document.getElementById("selection-details").hidden = false;
  body.dispatchEvent(new CustomEvent("factcheck:select", {
    bubbles: true,
    detail: { start: Number(sentence.dataset.start), end: Number(sentence.dataset.end), quote: sentence.textContent },
  }));
}

function moveFocus(step) {
  const all = sentences();
  const current = all.indexOf(document.activeElement);
  const next = all[Math.min(all.length - 1, Math.max(0, current === -1 ? 0 : current + step))];
  if (next) next.focus();
}

if (body) {
  body.addEventListener("click", (event) => {
    const sentence = event.target.closest(".sentence");
    if (sentence && window.getSelection().isCollapsed) showSelection(sentence);
  });
  body.addEventListener("keydown", (event) => {
    const sentence = event.target.closest(".sentence");
    if (sentence && event.key === "Enter") {
      event.preventDefault();
      showSelection(sentence);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select, [contenteditable]") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") { event.preventDefault(); moveFocus(1); }
    if (event.key === "k") { event.preventDefault(); moveFocus(-1); }
  });
}
