// The claim page: after "Remove from this claim" the button pressed is gone with its appearance, so
// the list's heading takes the focus; the message under it (role=status) says what happened.

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "claim-slot") return;
  document.getElementById("claim-appearances-title")?.focus();
});
