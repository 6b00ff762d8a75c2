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
