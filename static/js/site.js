// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can
// refuse inline script (docs/foundation.md): no <script> bodies, no onclick= attributes.

// On a phone the nav scrolls sideways: bring the current page's link into view.
document.querySelector('.nav [aria-current="page"]')?.scrollIntoView({ block: "nearest", inline: "nearest" });

// <select data-autosubmit>: choosing an option submits its form (the language switch).
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}

// <form data-confirm="Question?">: ask before submitting.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
