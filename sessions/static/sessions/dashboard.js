// The listener's dashboard: every active chat over one socket, sorted by urgency.
import { ChatSocket, Transcript, clockOffset, formatSeconds, systemText } from "./chat-socket.js";

const fill = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));

const config = JSON.parse(document.getElementById("chat-config").textContent);
const strings = JSON.parse(document.getElementById("chat-strings").textContent);
const offset = clockOffset(config.serverNow);
const now = () => Date.now() + offset;
const $ = (id) => document.getElementById(id);
const baseTitle = document.title;

const chats = new Map(); // session id -> {row, transcript, list, state, endsAt, startsAt, deadline, name, typingUntil}
let current = null;
let lastTypingSent = 0;
let beeped = new Set();

function chatFor(id, info = {}) {
  if (chats.has(id)) return chats.get(id);
  const list = document.createElement("ol");
  list.className = "chat-log";
  list.hidden = true;
  list.dataset.session = id;
  $("transcripts").appendChild(list);
  let row = document.querySelector(`#session-list li[data-session="${id}"]`);
  if (!row) {
    const empty = $("no-sessions");
    if (empty) empty.remove();
    row = document.createElement("li");
    row.dataset.session = id;
    row.innerHTML = `<button type="button" data-session="${id}"><strong></strong><span class="badge" hidden></span>` +
      `<span class="small row-left">–</span><span class="small row-clock" data-urgent="0"></span><span class="last"></span></button>`;
    row.querySelector("strong").textContent = info.client || "#" + id;
    $("session-list").appendChild(row);
  }
  const chat = {
    id, row, list,
    transcript: new Transcript({ list, me: config.me, strings, onRetry: (clientId) => socket.resend(clientId) }),
    state: info.state || "active",
    endsAt: info.ends_at ? new Date(info.ends_at).getTime() : null,
    startsAt: info.starts_at ? new Date(info.starts_at).getTime() : null,
    deadline: null, typingUntil: 0, readSent: 0,
    name: info.client || "#" + id,
    replyWindow: info.reply_window || null,
    handedTo: null,
  };
  chat.unreadHint = info.unread || 0;
  chats.set(id, chat);
  row.querySelector("button").addEventListener("click", () => select(id));
  return chat;
}

for (const info of config.rows) chatFor(info.id, info);

function renderRow(chat) {
  const badge = chat.row.querySelector(".badge");
  const unread = chat.transcript.bySeq.size ? chat.transcript.unread() : chat.unreadHint;
  badge.textContent = unread;
  badge.hidden = !unread || chat.id === current;
  chat.row.querySelector("button").setAttribute("aria-current", chat.id === current ? "true" : "false");
}

function urgency(chat) {
  // Running reply deadline first (soonest first), then unread, then the session's end.
  if (chat.deadline && chat.state === "active") return [0, chat.deadline];
  if (chat.transcript.unread()) return [1, -chat.transcript.unread()];
  return [2, chat.endsAt || Infinity];
}

function sortRows() {
  const ordered = [...chats.values()].sort((a, b) => {
    const [x, y] = [urgency(a), urgency(b)];
    return x[0] - y[0] || x[1] - y[1] || a.id - b.id;
  });
  const list = $("session-list");
  ordered.forEach((chat, index) => {
    if (list.children[index] !== chat.row) list.insertBefore(chat.row, list.children[index] || null);
  });
  return ordered;
}

function markRead(chat) {
  if (!chat || chat.id !== current || document.visibilityState !== "visible") return;
  chat.transcript.myRead = Math.max(chat.transcript.myRead, chat.transcript.lastSeq());
  const seq = chat.transcript.lastOtherSeq();
  if (seq > chat.readSent) { chat.readSent = seq; socket.read(chat.id, seq); }
  renderRow(chat);
}

function select(id) {
  const chat = chats.get(id);
  if (!chat) return;
  current = id;
  for (const other of chats.values()) { other.list.hidden = other.id !== id; renderRow(other); }
  $("current-name").textContent = chat.name;
  $("session-state").textContent = strings.states[chat.state] || chat.state;
  const open = chat.state === "active";
  $("text").disabled = !open;
  $("send").disabled = !open;
  $("reply-window").textContent = chat.replyWindow ? fill(strings.handover.seconds, { seconds: chat.replyWindow }) : "–";
  $("contract-link").href = $("contract-link").dataset.url.replace(/\/0\/$/, `/${id}/`);
  const handover = $("handover-form");
  if (handover) { handover.hidden = !open; handover.elements.session.value = id; }
  $("handed-away").hidden = !chat.handedTo;
  $("handed-away").textContent = chat.handedTo ? fill(strings.handover.handedAway, { to: chat.handedTo }) : "";
  chat.list.scrollTop = chat.list.scrollHeight;
  markRead(chat);
  $("text").focus();
}

// A hand-over: offered to me (without a team: I answer first), the chat now mine (its row
// appears; the socket joined the session and resyncs its whole transcript), or handed away.
function onHandover(frame) {
  if (frame.state === "waiting_listener" && frame.to_user === config.me) {
    const list = $("handover-offers");
    if (list.querySelector(`li[data-handover="${frame.handover}"]`)) return;
    const item = $("handover-offer-template").content.firstElementChild.cloneNode(true);
    item.dataset.handover = frame.handover;
    item.querySelector(".what").textContent = fill(strings.handover.offered, { from: frame.from_name, client: frame.client });
    const form = item.querySelector("form");
    // The attribute, not `form.action`: a node cloned from a template has no base URL yet.
    form.setAttribute("action", form.getAttribute("action").replace(/\/0\/listener-answer\/$/, `/${frame.handover}/listener-answer/`));
    list.append(item);
    $("handovers-offered").hidden = false;
    beep();
    return;
  }
  const offer = document.querySelector(`#handover-offers li[data-handover="${frame.handover}"]`);
  if (offer && frame.state !== "waiting_listener") offer.remove();
  if (frame.state !== "accepted") return;
  if (frame.to_user === config.me) {
    const chat = chatFor(frame.session, { client: frame.client, state: "active", ends_at: frame.ends_at, reply_window: frame.reply_window });
    chat.name = frame.client;
    chat.replyWindow = frame.reply_window;
    chat.handedTo = null;
    chat.state = "active";
    if (frame.ends_at) chat.endsAt = new Date(frame.ends_at).getTime();
    chat.row.querySelector("strong").textContent = frame.client;
    if (current === null || current === chat.id) select(chat.id);
    beep();
  } else if (frame.from_user === config.me && chats.has(frame.session)) {
    const chat = chats.get(frame.session);
    chat.state = "handed_over";
    chat.handedTo = frame.to_name;
    chat.deadline = null;
    if (chat.id === current) select(chat.id);
  }
}

// A paid instant order arriving live: listed with accept/decline and its countdown
// (tick() counts every .pending-orders item down).
function addPendingOrder(frame) {
  const list = $("pending-orders");
  if (!list || list.querySelector(`li[data-order="${frame.order}"]`)) return;
  const item = $("pending-order-template").content.firstElementChild.cloneNode(true);
  item.dataset.order = frame.order;
  item.dataset.deadline = frame.accept_deadline;
  item.querySelector(".who").textContent = frame.client;
  const minutes = item.querySelector(".minutes");
  const label = frame.minutes === 1 ? minutes.dataset.one : minutes.dataset.other;
  minutes.textContent = label.replace(/\d+/, String(frame.minutes));
  item.querySelector("form").action = frame.answer_url;
  list.append(item);
  list.closest(".pending-orders").hidden = false;
  beep();
}

const socket = new ChatSocket({
  path: config.socketPath,
  sessions: config.sessions,
  onState(value) { $("connection").dataset.state = value; $("connection").textContent = strings.connection[value] || value; },
  onFrame(frame) {
    if (frame.type === "order.new") { addPendingOrder(frame); return; }
    if (frame.type === "handover") { onHandover(frame); return; }
    if (frame.session === undefined) return;
    const chat = chatFor(frame.session);
    switch (frame.type) {
      case "message.ack": chat.transcript.ack(frame); break;
      case "message.new":
        if (chat.transcript.add(frame)) {
          chat.row.querySelector(".last").textContent = frame.kind === "system" ? systemText(strings.system[frame.code], frame) : frame.text;
          if (frame.sender !== config.me) chat.typingUntil = 0;
          chat.list.scrollTop = chat.list.scrollHeight;
          markRead(chat);
        }
        break;
      case "typing": chat.typingUntil = Date.now() + 3000; break;
      case "read":
        if (frame.user !== config.me) chat.transcript.setOtherRead(frame.seq);
        else { chat.transcript.myRead = Math.max(chat.transcript.myRead, frame.seq); chat.readSent = Math.max(chat.readSent, frame.seq); }
        break;
      case "clock": if (!chat.handedTo) chat.deadline = frame.deadline ? new Date(frame.deadline).getTime() : null; break;
      case "session.state":
        if (chat.handedTo) break; // handed away: this chat is no longer mine
        chat.state = frame.state;
        if (frame.ends_at) chat.endsAt = new Date(frame.ends_at).getTime();
        if (frame.starts_at) chat.startsAt = new Date(frame.starts_at).getTime();
        if (chat.id === current) select(chat.id);
        break;
      case "sync.done": markRead(chat); break;
      case "error": if (frame.client_id) chat.transcript.failPending(frame.client_id, frame.code === "unavailable"); break;
    }
    renderRow(chat);
  },
});
window.chatSocket = socket;

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const chat = chats.get(current);
  const text = $("text").value.trim();
  if (!chat || !text || chat.state !== "active") return;
  chat.transcript.addPending(socket.send(chat.id, text), text);
  chat.list.scrollTop = chat.list.scrollHeight;
  $("text").value = "";
});
$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); $("composer").requestSubmit(); }
});
$("text").addEventListener("input", () => {
  if (current && Date.now() - lastTypingSent > 2000) { lastTypingSent = Date.now(); socket.typing(current); }
});
for (const button of document.querySelectorAll("[data-quick]")) {
  button.addEventListener("click", () => { $("text").value = button.dataset.quick; $("text").focus(); });
}
document.addEventListener("keydown", (event) => {
  if (!event.altKey) return;
  const ordered = sortRows();
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const index = ordered.findIndex((chat) => chat.id === current);
    const step = event.key === "ArrowDown" ? 1 : -1;
    const next = ordered[(index + step + ordered.length) % ordered.length];
    if (next) select(next.id);
  } else if (/^[1-9]$/.test(event.key)) {
    const quick = document.querySelectorAll("[data-quick]")[Number(event.key) - 1];
    if (quick) { event.preventDefault(); quick.click(); }
  }
});
document.addEventListener("visibilitychange", () => markRead(chats.get(current)));

function beep() {
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const osc = audio.createOscillator();
    osc.frequency.value = 880; osc.connect(audio.destination); osc.start(); osc.stop(audio.currentTime + 0.15);
  } catch (e) { /* no audio: the title cue remains */ }
}

function tick() {
  const t = now();
  let soonest = null;
  for (const chat of chats.values()) {
    const left = chat.state === "active" && chat.endsAt ? formatSeconds((chat.endsAt - t) / 1000)
      : chat.state === "accepted" && chat.startsAt ? strings.startsIn + " " + formatSeconds((chat.startsAt - t) / 1000)
      : strings.states[chat.state] || chat.state;
    chat.row.querySelector(".row-left").textContent = left;
    const clock = chat.row.querySelector(".row-clock");
    let due = ""; // the header's dd has its own "Reply due" label: the bare countdown there
    if (chat.deadline && chat.state === "active") {
      const secs = (chat.deadline - t) / 1000;
      due = secs > 0 ? formatSeconds(secs) : strings.overdue;
      clock.textContent = strings.replyDue + " " + due;
      clock.dataset.urgent = secs < 10 ? "1" : "0";
      if (soonest === null || secs < soonest) soonest = secs;
      if (secs < 5 && !beeped.has(chat.deadline)) { beeped.add(chat.deadline); beep(); }
    } else { clock.textContent = ""; clock.dataset.urgent = "0"; }
    if (chat.id === current) {
      $("time-left").textContent = left;
      $("clock").textContent = due || "–";
      $("clock").dataset.urgent = clock.dataset.urgent;
      $("typing").hidden = Date.now() > chat.typingUntil;
    }
  }
  if (document.body.dataset.ringing !== "1") { // call-ring.js owns the title while a call rings
    document.title = soonest !== null && soonest < 10
      ? (Math.floor(t / 500) % 2 ? "⏰ " + formatSeconds(Math.max(0, soonest)) + " · " : "") + baseTitle
      : baseTitle;
  }
  for (const item of document.querySelectorAll(".pending-orders li[data-deadline]")) {
    const secs = (new Date(item.dataset.deadline).getTime() - t) / 1000;
    item.querySelector(".accept-left").textContent = secs > 0 ? formatSeconds(secs) : strings.overdue;
  }
  sortRows();
}
if (config.rows.length) select(sortRows()[0].id);
tick();
setInterval(tick, 250);
