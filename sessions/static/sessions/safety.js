// Safety on the chat page and the dashboard (docs/safety.md), from `safety` frames of the
// chat socket: the hotline panel (client) or guidance panel (listener) on a crisis, and a
// gentle warning to whoever asked to move off the platform. Masking notices stay in chat.js.
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

function onSafety(frame) {
  const ownSession = panel.dataset.session ? Number(panel.dataset.session) : null;
  if (ownSession !== null && frame.session !== ownSession) return;
  if (frame.kind === "off_platform") {
    notice(frame.session, panel.dataset.textOffPlatform || frame.text);
  } else if (frame.kind === "crisis") {
    panel.hidden = false;
    panel.dataset.escalation = String(frame.escalation);
    const chat = document.getElementById("safety-chat");
    if (chat) chat.textContent = "#" + frame.session;
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

if (!attach()) window.addEventListener("load", attach, { once: true });
