// A listener counts as online while any page of ours is open, not only the dashboard:
// every page tells the server it is open now and every 20 s (the server forgets a page
// 60 s after its last word, so a closed tab goes offline by itself).
const script = document.currentScript;
const page = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
const url = script.dataset.url;
const csrf = script.dataset.csrf;

// The page shows what clients see: <html data-presence>, and the dashboard's card.
function show(state) {
  document.documentElement.dataset.presence = state;
  const card = document.getElementById("presence");
  if (!card) return;
  const key = state.charAt(0).toUpperCase() + state.slice(1);
  card.dataset.presence = state;
  card.querySelector(".presence-now").textContent = card.dataset["label" + key] || state;
  card.querySelector(".presence-note").textContent = card.dataset["note" + key] || "";
}

async function ping() {
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ page }),
    });
    if (response.ok) show((await response.json()).presence);
  } catch { /* offline for a moment: the next beat tries again */ }
}

ping();
setInterval(ping, 20000);
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") ping(); });
