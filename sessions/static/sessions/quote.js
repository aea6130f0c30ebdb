// The booking form's live price: every change of the start, the minutes or the package
// asks the server for the quote (POST /api/quotes/) and shows its lines and total. The
// server prices; the page only shows what it said.
(function () {
  "use strict";
  const form = document.getElementById("book-form");
  const box = document.getElementById("live-quote");
  if (!form || !box) return;
  let latest = 0;

  function yuan(fen) {
    return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
  }

  // The picker shows the viewer's wall clock (the page's zone, <body data-tz>), as the
  // form's own POST reads it. The API reads a bare time on Beijing time, so send the
  // instant, which the browser can compute when it is in the page's zone; otherwise the
  // page is in Beijing time (the server did not know the browser's zone) and the bare
  // time is right as it is.
  function instant(value) {
    let browserZone = "";
    try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (err) { /* old browser */ }
    const date = new Date(value);
    if (browserZone && browserZone === document.body.dataset.tz && !Number.isNaN(date.getTime())) return date.toISOString();
    return value;
  }

  function body() {
    const data = { tier_id: Number(box.dataset.tier) };
    const kind = (form.querySelector("input[name=kind]:checked") || {}).value;
    const start = form.querySelector("#start");
    if (kind === "appointment" && start && start.value) data.start = instant(start.value);
    const pkg = form.querySelector("#package");
    if (pkg && pkg.value) data.package_id = Number(pkg.value);
    else data.minutes = Number(form.querySelector("#minutes").value);
    return data;
  }

  async function refresh() {
    const ask = ++latest;
    let response;
    try {
      response = await fetch(box.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
        body: JSON.stringify(body()),
      });
    } catch (err) {
      return;
    }
    if (ask !== latest) return; // a newer answer is on its way
    const quote = await response.json().catch(() => ({}));
    const lines = document.getElementById("quote-lines");
    const total = document.getElementById("quote-total");
    const error = document.getElementById("quote-error");
    lines.replaceChildren();
    if (!response.ok) {
      error.textContent = quote.detail || "";
      error.hidden = false;
      total.textContent = "–";
      return;
    }
    error.hidden = true;
    for (const line of quote.lines || []) {
      const item = document.createElement("li");
      item.textContent = `${line.label} · ${line.minutes} min · ${yuan(line.amount_fen)}`;
      lines.append(item);
    }
    total.textContent = yuan(quote.total_fen);
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
