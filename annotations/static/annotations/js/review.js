// Review queue: after an approve/return, the next waiting item takes focus.

document.body.addEventListener("queue-item-done", (event) => {
  const done = document.getElementById(`queue-item-${event.detail.id}`);
  if (!done) return;
  let next = done.nextElementSibling;
  while (next && next.classList.contains("is-done")) next = next.nextElementSibling;
  const target = next || done;
  target.scrollIntoView({ block: "nearest", behavior: "smooth" });
  (next?.querySelector("select, textarea, button") || target).focus({ preventScroll: true });
});

// A refused review action comes back with each message next to its field (aria-invalid): the first
// such field takes focus, with what the editor typed still in it. (The verdict panel, #editor, is
// reader.js's.)
document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.xhr.status < 400) return;
  const id = event.detail.target.id;
  if (id === "editor") return;
  const root = (id && document.getElementById(id)) || event.detail.target;
  root.querySelector?.("[aria-invalid=true]")?.focus();
});
