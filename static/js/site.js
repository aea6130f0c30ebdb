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

// The viewer's time zone (marketplace/timezones.py): the server shows times in the zone of
// the `tz` cookie, Beijing time without one. Tell it the browser's zone; when this page was
// drawn in another zone, reload it once, so the first visit shows the viewer's times too
// (only a page fetched by GET: reloading a form's answer would post it again).
// sessionStorage remembers the reload per tab and zone: a zone the server does not know
// (it then answers in Beijing time) or a refused cookie can never reload again and again.
(() => {
  const tzCookie = () => (document.cookie.match(/(?:^|;\s*)tz=([^;]*)/) || [])[1];
  let zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch { return; }
  if (!zone || zone.length > 64 || !/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return;
  if (tzCookie() !== zone) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `tz=${zone}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  }
  const body = document.body;
  if (body.dataset.tz === zone || body.dataset.method !== "GET" || tzCookie() !== zone) return;
  try {
    if (sessionStorage.getItem("tz-reloaded") === zone) return;
    sessionStorage.setItem("tz-reloaded", zone);
  } catch { return; }
  location.reload();
})();
