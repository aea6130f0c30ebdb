// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can
// refuse inline script (docs/foundation.md): no <script> bodies, no onclick= attributes.

// Styles that need script (the folded filters, the menu) key on this class.
document.documentElement.classList.add("js");

// The phone header's menu button opens and closes the navigation.
const menuToggle = document.getElementById("menu-toggle");
const siteNav = document.getElementById("site-nav");
menuToggle?.addEventListener("click", () => {
  const open = siteNav.classList.toggle("open");
  menuToggle.setAttribute("aria-expanded", open ? "true" : "false");
});

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

// The catalogue's filters start folded on phones and open on wider screens.
const filters = document.getElementById("filters");
if (filters && matchMedia("(min-width: 720px)").matches) filters.open = true;
