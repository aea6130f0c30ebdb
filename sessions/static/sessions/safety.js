// Safety on the chat page and the dashboard (docs/safety.md), from `safety` frames of the
// chat socket: the hotline panel (client; at the top of the chat, pinned until dismissed)
// or the guidance panel (listener) on a crisis, guidance on a concern, a gentle warning to
// whoever asked to move off the platform, and the listener's "I'm worried" form. Masking
// notices stay in chat.js.
const panel = document.getElementById("safety-panel");

function notice(session, text) {
  const list = document.querySelector(`[data-transcript="${session}"]`) ||
    document.getElementById("messages") || document.querySelector(".chat-log:not([hidden])");
  if (!list || !text) return;
  const li = document.createElement("li");
  li.className = "msg notice safety-warning";
  li.setAttribute("role", "status");
  li.textContent = text;
  list.appendChild(li);
  list.scrollTop = list.scrollHeight;
}

function markRow(session, on) {
  const row = document.querySelector(`#session-list li[data-session="${session}"]`);
  if (row) row.classList.toggle("crisis", on);
}

// --- The client's panel: dismissed per escalation (a reload keeps it folded) --------------

const dismissedKey = (escalation) => `safety-dismissed:${escalation}`;

function fold(folded) {
  const body = document.getElementById("safety-body");
  if (!body) return;
  body.hidden = folded;
  panel.classList.toggle("folded", folded);
  document.getElementById("safety-dismiss").hidden = folded;
  document.getElementById("safety-reopen").hidden = !folded;
}

function showClientPanel() {
  panel.hidden = false;
  let dismissed = false;
  try { dismissed = sessionStorage.getItem(dismissedKey(panel.dataset.escalation)) === "1"; } catch { /* private mode */ }
  fold(dismissed);
}

// --- The listener's guidance: the frame's own words (gentler at concern) ------------------

function showGuidance(frame) {
  panel.hidden = false;
  const title = document.getElementById("safety-title");
  if (title && frame.title) title.textContent = frame.title;
  const list = document.getElementById("safety-guidance");
  if (list && Array.isArray(frame.guidance)) {
    list.replaceChildren(...frame.guidance.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }
  const note = document.getElementById("safety-note");
  if (note && typeof frame.note === "string") note.textContent = frame.note;
  const chat = document.getElementById("safety-chat");
  if (chat) chat.textContent = "#" + frame.session;
}

function onSafety(frame) {
  const ownSession = panel.dataset.session ? Number(panel.dataset.session) : null;
  if (ownSession !== null && frame.session !== ownSession) return;
  if (frame.kind === "off_platform") {
    notice(frame.session, panel.dataset.textOffPlatform || frame.text);
  } else if (frame.kind === "crisis" || frame.kind === "concern") {
    if (frame.escalation) panel.dataset.escalation = String(frame.escalation);
    if (panel.dataset.role === "client") showClientPanel();
    else showGuidance(frame);
    markRow(frame.session, true);
  } else if (frame.kind === "closed" && panel.dataset.role === "listener") {
    markRow(frame.session, false);
    if (panel.dataset.escalation === String(frame.escalation)) panel.hidden = true;
  }
}

function attach() {
  const socket = window.chatSocket;
  if (!panel || !socket) return false;
  const previous = socket.onFrame.bind(socket);
  socket.onFrame = (frame) => {
    previous(frame);
    if (frame.type === "safety") onSafety(frame);
  };
  return true;
}

if (panel && panel.dataset.role === "client") {
  if (!panel.hidden) showClientPanel();
  document.getElementById("safety-dismiss")?.addEventListener("click", () => {
    try { sessionStorage.setItem(dismissedKey(panel.dataset.escalation), "1"); } catch { /* private mode */ }
    fold(true);
  });
  document.getElementById("safety-reopen")?.addEventListener("click", () => {
    try { sessionStorage.removeItem(dismissedKey(panel.dataset.escalation)); } catch { /* private mode */ }
    fold(false);
  });
}

// --- The listener's "I'm worried about this client" (dashboard) ---------------------------

const worry = document.getElementById("worry");
const worryForm = document.getElementById("worry-form");

function currentSession() {
  const button = document.querySelector('#session-list button[aria-current="true"]');
  return button ? Number(button.dataset.session) : null;
}

function syncWorry() {
  const session = currentSession();
  worry.hidden = session === null;
  if (session !== null) worryForm.action = worryForm.dataset.actionTemplate.replace("/0/", `/${session}/`);
}

if (worry && worryForm) {
  const list = document.getElementById("session-list");
  if (list) {
    new MutationObserver(syncWorry).observe(list, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["aria-current"],
    });
  }
  syncWorry();
  worryForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const session = currentSession();
    if (session === null) return;
    const data = new FormData(worryForm);
    const status = document.getElementById("worry-status");
    const button = worryForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await fetch(worryForm.dataset.apiTemplate.replace("/0/", `/${session}/`), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
        body: JSON.stringify({ level: data.get("level"), note: data.get("note") }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = body.detail || (body.note && body.note[0]) || (body.level && body.level[0]) || response.statusText;
        return;
      }
      panel.dataset.escalation = String(body.escalation);
      showGuidance(body);
      markRow(body.session, true);
      worryForm.reset();
      worry.open = false;
      status.textContent = "";
    } catch (error) {
      status.textContent = String(error);
    } finally {
      button.disabled = false;
    }
  });
}

if (!attach()) window.addEventListener("load", attach, { once: true });
