// The chat page of one session (client or listener).
import { ChatSocket, Transcript, clockOffset, formatSeconds } from "./chat-socket.js";

const config = JSON.parse(document.getElementById("chat-config").textContent);
const strings = JSON.parse(document.getElementById("chat-strings").textContent);
const session = config.session;
const offset = clockOffset(config.serverNow);
const now = () => Date.now() + offset;

const $ = (id) => document.getElementById(id);
const transcript = new Transcript({
  list: $("messages"), me: config.me, strings, onRetry: (clientId) => socket.resend(clientId),
});
let state = session.state;
let endsAt = new Date(session.ends_at).getTime();
const startsAt = new Date(session.starts_at).getTime();
let deadline = null;
let typingUntil = 0;
let lastTypingSent = 0;
let readSent = 0;

function setConnection(value) {
  const el = $("connection");
  el.dataset.state = value;
  el.textContent = strings.connection[value] || value;
}

function setState(value) {
  state = value;
  $("session-state").textContent = strings.states[value] || value;
  const open = value === "active";
  $("text").disabled = !open;
  $("send").disabled = !open;
  const end = $("end-early");
  if (end) end.hidden = !open;
}

function scrollDown() { const list = $("messages"); list.scrollTop = list.scrollHeight; }

function markRead() {
  if (document.visibilityState !== "visible") return;
  const seq = transcript.lastOtherSeq();
  if (seq > readSent) { readSent = seq; socket.read(session.id, seq); }
}

async function refreshMoneyHeld() {
  const el = $("money-held");
  if (!el) return;
  const response = await fetch(`/api/orders/${session.id}/`, { credentials: "same-origin" });
  if (!response.ok) return;
  const order = await response.json();
  el.textContent = "¥" + (order.escrow_fen / 100).toFixed(2);
}

// Refunds for a breach or an ended session are issued just after it is recorded, so the
// amount held is read again twice.
function moneyHeldMayChange() {
  setTimeout(refreshMoneyHeld, 1500);
  setTimeout(refreshMoneyHeld, 6000);
}

function notice(text) {
  const li = document.createElement("li");
  li.className = "msg notice";
  li.textContent = text;
  $("messages").appendChild(li);
  scrollDown();
  return li;
}

// What the safety scan hid in a stored message, named ("a WeChat handle"), once per
// message: from the message itself (so it is there again after a reload) or from the
// sender's own safety frame.
const maskedNoticed = new Set();
function noticeMasked(seq, kinds) {
  if (!kinds || !kinds.length || maskedNoticed.has(seq)) return;
  maskedNoticed.add(seq);
  const names = kinds.map((kind) => strings.maskedKinds[kind] || kind).join(strings.listSeparator);
  notice(strings.maskedNamed.replace("%(kinds)s", names)).dataset.seq = seq;
}

const socket = new ChatSocket({
  path: config.socketPath,
  sessions: [session.id],
  onState: setConnection,
  onFrame(frame) {
    if (frame.session !== undefined && frame.session !== session.id) return;
    switch (frame.type) {
      case "message.ack": transcript.ack(frame); scrollDown(); break;
      case "message.new":
        if (transcript.add(frame)) { scrollDown(); markRead(); }
        noticeMasked(frame.seq, frame.masked);
        if (frame.sender !== config.me) typingUntil = 0;
        break;
      case "typing": if (frame.user !== config.me) typingUntil = Date.now() + 3000; break;
      case "read":
        if (frame.user !== config.me) transcript.setOtherRead(frame.seq);
        else readSent = Math.max(readSent, frame.seq);
        break;
      case "clock": deadline = frame.deadline ? new Date(frame.deadline).getTime() : null; break;
      case "breach":
        if (frame.excused) notice(strings.breachExcused);
        else { notice(strings.breach); moneyHeldMayChange(); }
        break;
      case "safety": if (!frame.kind || frame.kind === "masked") noticeMasked(frame.seq, frame.masked); break; // other kinds: safety.js
      case "session.state":
        setState(frame.state);
        moneyHeldMayChange();
        if (frame.ends_at) endsAt = new Date(frame.ends_at).getTime();
        break;
      case "sync.done": markRead(); break;
      case "error":
        // A refused message is marked on itself; a transient refusal is retried by the
        // socket, so it needs no notice of its own.
        if (frame.client_id) transcript.failPending(frame.client_id, frame.code === "unavailable");
        if (frame.code !== "rate_limited" && !(frame.client_id && frame.code === "unavailable")) notice(frame.detail);
        break;
    }
  },
});
window.chatSocket = socket; // for diagnostics and the browser tests

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text || state !== "active") return;
  const clientId = socket.send(session.id, text);
  transcript.addPending(clientId, text);
  $("text").value = "";
  scrollDown();
});
$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("text").addEventListener("input", () => {
  if (Date.now() - lastTypingSent > 2000) { lastTypingSent = Date.now(); socket.typing(session.id); }
});
document.addEventListener("visibilitychange", markRead);

function tick() {
  const t = now();
  const left = $("time-left");
  if (state === "accepted") left.textContent = strings.startsIn + " " + formatSeconds((startsAt - t) / 1000);
  else if (state === "active") left.textContent = formatSeconds((endsAt - t) / 1000);
  else left.textContent = "–";
  const clock = $("clock");
  if (deadline && state === "active") {
    const secs = (deadline - t) / 1000;
    clock.textContent = secs > 0 ? formatSeconds(secs) : strings.overdue;
    clock.dataset.urgent = secs < 10 ? "1" : "0";
  } else { clock.textContent = "–"; clock.dataset.urgent = "0"; }
  $("typing").hidden = Date.now() > typingUntil;
}
setState(state);
tick();
setInterval(tick, 250);
