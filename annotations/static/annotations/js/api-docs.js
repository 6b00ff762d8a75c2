// Repairs to Swagger UI's markup for screen readers and keyboards, found by axe-core
// (tests/browser/test_accessibility.py). Swagger UI re-renders as sections open and close, so a
// MutationObserver applies them again to whatever it adds:
// - its headings skip a level (the API's title is an <h1>, its sections <h3>): each heading below
//   the title is announced one level up;
// - the title and description sit outside any landmark: their box becomes a named region;
// - parameter inputs and the request body have no label: they are named after the parameter;
// - every operation's responses table is a region with the same name: it gets the operation's;
// - code examples scroll sideways but cannot take focus: they can, so keys can scroll them;
// - the Authorize dialog is not marked as one and its close button has no name.

const root = document.getElementById("swagger-ui");

function setAttribute(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function operationName(element) {
  const operation = element.closest(".opblock");
  const method = operation?.querySelector(".opblock-summary-method")?.textContent ?? "";
  const path = operation?.querySelector(".opblock-summary-path")?.dataset.path ?? "";
  return `${method} ${path}`.trim();
}

function repair() {
  for (const heading of root.querySelectorAll("h3, h4, h5, h6")) {
    setAttribute(heading, "aria-level", String(Number(heading.tagName[1]) - 1));
  }
  const info = root.querySelector(".information-container");
  if (info) {
    setAttribute(info, "role", "region");
    setAttribute(info, "aria-label", "About the API");
  }
  for (const field of root.querySelectorAll("tr[data-param-name] :is(input, select, textarea)")) {
    const row = field.closest("tr[data-param-name]");
    setAttribute(field, "aria-label", `${row.dataset.paramName} (${row.dataset.paramIn})`);
  }
  for (const body of root.querySelectorAll("textarea.body-param__text")) {
    setAttribute(body, "aria-label", `Request body of ${operationName(body)}`);
  }
  for (const table of root.querySelectorAll("table.responses-table[role=region]")) {
    setAttribute(table, "aria-label", `Responses of ${operationName(table)}`);
  }
  for (const example of root.querySelectorAll("pre.microlight")) {
    setAttribute(example, "tabindex", "0");
  }
  for (const dialog of root.querySelectorAll(".dialog-ux .modal-ux")) {
    setAttribute(dialog, "role", "dialog");
    setAttribute(dialog, "aria-modal", "true");
    setAttribute(dialog, "aria-label", dialog.querySelector(".modal-ux-header h3")?.textContent ?? "Dialog");
  }
  for (const close of root.querySelectorAll("button.close-modal")) {
    setAttribute(close, "aria-label", "Close");
  }
}

if (root) {
  new MutationObserver(repair).observe(root, { childList: true, subtree: true });
  repair();
}
