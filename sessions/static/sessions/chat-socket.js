// One socket per tab at /ws/chat/, multiplexing every session of the user.
// - Keeps an outbox of unacknowledged messages, resent with the same client_id after a
//   reconnect and, with backoff, after an `unavailable` refusal (the server answers a
//   known client_id with the original ack, so a retry never stores twice). A message
//   refused for good stays failed until the page asks to retry it.
// - Tracks, per session, the contiguous seqs it has (everything up to `have`, plus the
//   out-of-order ones above it). A gap — seen in the pushes or in the heartbeat's last
//   seq — asks the server for exactly the missing range; a reconnect resyncs from `have`.
// - Says what the connection really is: a heartbeat unanswered within HEARTBEAT_TIMEOUT
//   or the browser going offline closes the socket and reconnects (state "reconnecting"
//   or "offline"), never "open" on a dead line.

const PING_EVERY = 20000;
const HEARTBEAT_TIMEOUT = 8000; // no pong (or any frame) this long after a ping: dead line
const GAP_GRACE = 600; // pushes from two web nodes may cross; a gap that outlives this is filled
const RETRY_MAX = 8000;

export function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

function backoff(attempt, cap) {
  return Math.min(cap, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
}

// The seqs of one session this tab has: all up to `have`, and `above` past a gap.
class Received {
  constructor() { this.have = 0; this.above = new Set(); this.syncing = false; this.gapTimer = null; this.until = null; }

  add(seq) {
    if (typeof seq !== "number" || seq <= this.have || this.above.has(seq)) return false;
    this.above.add(seq);
    while (this.above.has(this.have + 1)) { this.have += 1; this.above.delete(this.have); }
    return true;
  }

  // After a range resync the server has sent all it holds up to `seq`: a seq it did not
  // send does not exist (never asked for twice).
  skipTo(seq) {
    if (seq <= this.have) return;
    this.have = seq;
    for (const s of [...this.above]) if (s <= seq) this.above.delete(s);
    while (this.above.has(this.have + 1)) { this.have += 1; this.above.delete(this.have); }
  }

  gap() { // the first missing range [after, until], or null
    if (!this.above.size) return null;
    return { after: this.have, until: Math.min(...this.above) - 1 };
  }
}

export class ChatSocket {
  constructor({ path, sessions, onFrame, onState }) {
    this.path = path;
    this.sessions = new Set(sessions || []);
    this.onFrame = onFrame;
    this.onState = onState || (() => {});
    this.received = new Map(); // session -> Received
    this.outbox = new Map(); // client_id -> frame, until acknowledged
    this.attempts = new Map(); // client_id -> refusals as `unavailable` so far
    this.failed = new Map(); // client_id -> frame refused for good (the page may retry it)
    this.retry = 0;
    this.ws = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stopped = false;
    this.state = null;
    window.addEventListener("offline", () => {
      this.setState("offline");
      if (this.ws) this.ws.close();
    });
    window.addEventListener("online", () => {
      this.retry = 0;
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) this.connect();
    });
    this.connect();
  }

  // Another page module hears every frame too, after the ones before it (the meter, the
  // pause panel, calls, reports).
  listen(handler) {
    const previous = this.onFrame.bind(this);
    this.onFrame = (frame) => {
      previous(frame);
      handler(frame);
    };
  }


  url() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.path;
  }

  setState(value) { this.state = value; this.onState(value); }

  forSession(session) {
    let r = this.received.get(session);
    if (!r) { r = new Received(); this.received.set(session, r); }
    return r;
  }

  // Kept for the pages and tests: the highest seq this tab has without a gap.
  get lastSeq() {
    const out = new Map();
    for (const [session, r] of this.received) out.set(session, r.have);
    return out;
  }

  connect() {
    if (this.stopped) return;
    if (navigator.onLine === false) { this.setState("offline"); return; } // "online" reconnects
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) { this.ws.onclose = null; this.ws.close(); }
    this.setState(this.state === null ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.setState("open");
      for (const r of this.received.values()) { r.syncing = false; r.until = null; }
      for (const session of this.sessions) this.sync(session);
      for (const frame of this.outbox.values()) this.raw(frame);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY);
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      clearTimeout(this.pongTimer); // any frame shows the line is alive
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      this.handle(frame);
      this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      clearInterval(this.pingTimer);
      clearTimeout(this.pongTimer);
      if (event.code === 4401) { this.setState("signed_out"); return; }
      if (navigator.onLine === false) { this.setState("offline"); return; }
      this.setState("reconnecting");
      const delay = backoff(this.retry, 10000);
      this.retry += 1;
      setTimeout(() => { if (this.ws === ws) this.connect(); }, delay);
    };
  }

  ping() {
    if (!this.raw({ type: "ping" })) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      // The line is dead though the socket looks open (a cut network, a sleeping laptop).
      const ws = this.ws;
      if (ws) { ws.onclose = null; ws.close(); }
      clearInterval(this.pingTimer);
      this.setState("reconnecting");
      setTimeout(() => { if (this.ws === ws) this.connect(); }, backoff(this.retry++, 10000));
    }, HEARTBEAT_TIMEOUT);
  }

  handle(frame) {
    switch (frame.type) {
      case "message.ack":
        this.outbox.delete(frame.client_id);
        this.attempts.delete(frame.client_id);
        this.failed.delete(frame.client_id);
        this.seen(frame.session, frame.seq);
        break;
      case "message.new": this.seen(frame.session, frame.seq); break;
      case "hello":
        for (const session of frame.sessions) {
          if (!this.sessions.has(session)) { this.sessions.add(session); this.sync(session); }
        }
        break;
      case "session.state":
        if (!this.sessions.has(frame.session)) { this.sessions.add(frame.session); this.sync(frame.session); }
        break;
      case "pong":
        // Level-triggered catch-up: a push lost on the way shows up as a gap here.
        for (const [key, last] of Object.entries(frame.last_seq || {})) {
          const session = Number(key);
          if (last > this.forSession(session).have) this.fill(session);
        }
        break;
      case "sync.done": {
        const r = this.forSession(frame.session);
        r.syncing = false;
        if (r.until !== null && !frame.more) r.skipTo(r.until);
        r.until = null;
        if (frame.more || r.gap()) this.fill(frame.session);
        break;
      }
      case "error":
        if (frame.client_id && frame.for === "message.send") this.refused(frame);
        break;
    }
  }

  seen(session, seq) {
    const r = this.forSession(session);
    r.add(seq);
    if (r.gap() && !r.gapTimer) {
      r.gapTimer = setTimeout(() => { r.gapTimer = null; if (r.gap()) this.fill(session); }, GAP_GRACE);
    }
  }

  // Ask for what is missing: the first gap exactly, else everything after `have`.
  fill(session) {
    const r = this.forSession(session);
    if (r.syncing) return;
    const gap = r.gap();
    const frame = { type: "sync", session, after_seq: r.have };
    if (gap) frame.until_seq = gap.until;
    if (this.raw(frame)) { r.syncing = true; r.until = gap ? gap.until : null; }
  }

  refused(frame) {
    const pending = this.outbox.get(frame.client_id);
    if (!pending) return;
    if (frame.code === "unavailable") { // transient: try again, same client_id
      const attempt = this.attempts.get(frame.client_id) || 0;
      this.attempts.set(frame.client_id, attempt + 1);
      setTimeout(() => { if (this.outbox.has(frame.client_id)) this.raw(pending); }, backoff(attempt, RETRY_MAX));
      return;
    }
    this.outbox.delete(frame.client_id); // refused for good: only the page's retry resends it
    this.failed.set(frame.client_id, pending);
  }

  // The page's retry button: send a failed (or still pending) message again, same client_id.
  resend(clientId) {
    const frame = this.outbox.get(clientId) || this.failed.get(clientId);
    if (!frame) return false;
    this.failed.delete(clientId);
    this.attempts.delete(clientId);
    this.outbox.set(clientId, frame);
    this.raw(frame);
    return true;
  }

  raw(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) { this.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  sync(session) {
    const r = this.forSession(session);
    if (this.raw({ type: "sync", session, after_seq: r.have })) { r.syncing = true; r.until = null; }
  }

  send(session, text) {
    const frame = { type: "message.send", session, client_id: newClientId(), text };
    this.outbox.set(frame.client_id, frame);
    this.raw(frame);
    return frame.client_id;
  }

  typing(session) { this.raw({ type: "typing", session }); }
  read(session, seq) { this.raw({ type: "read", session, seq }); }

  // Test hook and "simulate offline": drop the connection; it comes back by itself.
  drop() { if (this.ws) this.ws.close(); }
}

// --- Small shared helpers for the pages -------------------------------------------------

export function clockOffset(serverNowIso) {
  return new Date(serverNowIso).getTime() - Date.now();
}

export function formatSeconds(total) {
  total = Math.max(0, Math.floor(total));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const mm = String(m).padStart(2, "0"), ss = String(s).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// The zone the page shows times in: the viewer's (<body data-tz>, marketplace/timezones.py),
// the same the server used for the times it drew, Beijing time when the page did not say.
export function viewerZone() {
  return document.body?.dataset.tz || "Asia/Shanghai";
}

const clockFormats = new Map();

// "HH:MM" (or "HH:MM:SS" with `seconds`) of an ISO instant on the viewer's wall clock, as
// the server's templates write it (`|time:"H:i"`), whatever zone the browser itself is in.
export function formatClock(iso, { seconds = false } = {}) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const key = seconds ? "s" : "m";
  let format = clockFormats.get(key);
  if (!format) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (seconds) options.second = "2-digit";
    try {
      format = new Intl.DateTimeFormat("en-GB", { ...options, timeZone: viewerZone() });
    } catch {
      format = new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "Asia/Shanghai" });
    }
    clockFormats.set(key, format);
  }
  return format.format(date);
}

// The chat's message times ("HH:MM").
export function formatTime(iso) {
  return formatClock(iso);
}

// Renders one session's transcript into a list element; dedups by seq and client_id.
export class Transcript {
  constructor({ list, me, strings, onRetry }) {
    this.list = list; this.me = me; this.strings = strings; this.onRetry = onRetry;
    this.bySeq = new Map(); this.pending = new Map(); this.otherRead = 0; this.myRead = 0;
  }

  lastSeq() { let last = 0; for (const seq of this.bySeq.keys()) last = Math.max(last, seq); return last; }

  lastOtherSeq() {
    let last = 0;
    for (const [seq, el] of this.bySeq) if (el.dataset.mine !== "1") last = Math.max(last, seq);
    return last;
  }

  unread() {
    let n = 0;
    for (const [seq, el] of this.bySeq) if (el.dataset.mine !== "1" && el.dataset.kind !== "system" && seq > this.myRead) n += 1;
    return n;
  }

  element(msg, mine) {
    const li = document.createElement("li");
    li.className = "msg " + (msg.kind === "system" ? "system" : mine ? "mine" : "theirs");
    li.dataset.mine = mine ? "1" : "0";
    li.dataset.kind = msg.kind || "text";
    const body = document.createElement("div");
    body.className = "bubble";
    body.textContent = msg.kind === "system" ? systemText(this.strings.system[msg.code], msg) : msg.text;
    li.appendChild(body);
    const meta = document.createElement("div");
    meta.className = "meta";
    li.appendChild(meta);
    return li;
  }

  meta(li, { seq, at, state }) {
    const meta = li.querySelector(".meta");
    if (at) li.dataset.at = at;
    at = at || li.dataset.at;
    let text = at ? formatTime(at) : "";
    if (li.dataset.mine === "1") {
      const label = state || (seq && seq <= this.otherRead ? "read" : "sent");
      text += " · " + this.strings.status[label];
      li.dataset.status = label;
    }
    meta.textContent = text;
  }

  insert(li, seq) {
    li.dataset.seq = seq;
    let before = null;
    for (const [other, el] of this.bySeq) {
      if (other > seq && (!before || other < Number(before.dataset.seq))) before = el;
    }
    if (!before) before = this.list.querySelector("li.pending");
    this.list.insertBefore(li, before);
    this.bySeq.set(seq, li);
  }

  addPending(clientId, text) {
    const li = this.element({ kind: "text", text }, true);
    li.classList.add("pending");
    this.meta(li, { state: "sending" });
    this.list.appendChild(li);
    this.pending.set(clientId, li);
  }

  // A refused message: "not sent" (or "retrying" while the refusal is transient) and a
  // button that sends it again with the same client_id.
  failPending(clientId, retrying = false) {
    const li = this.pending.get(clientId);
    if (!li) return;
    this.meta(li, { state: retrying ? "retrying" : "failed" });
    li.classList.add("failed");
    if (li.querySelector("button.retry") || !this.onRetry) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "retry link small";
    button.textContent = this.strings.retry;
    button.addEventListener("click", () => {
      if (!this.onRetry(clientId)) return;
      li.classList.remove("failed");
      button.remove();
      this.meta(li, { state: "sending" });
    });
    li.appendChild(button);
  }

  ack(frame) {
    const li = this.pending.get(frame.client_id);
    this.pending.delete(frame.client_id);
    if (this.bySeq.has(frame.seq)) { if (li) li.remove(); return; }
    const el = li || this.element({ kind: "text", text: frame.text }, true);
    el.classList.remove("pending", "failed");
    const retry = el.querySelector("button.retry");
    if (retry) retry.remove();
    el.querySelector(".bubble").textContent = frame.text;
    if (li) li.remove();
    this.insert(el, frame.seq);
    this.meta(el, { seq: frame.seq, at: frame.at });
  }

  add(frame) {
    if (this.bySeq.has(frame.seq)) return false;
    const mine = frame.sender === this.me;
    const li = this.element(frame, mine);
    this.insert(li, frame.seq);
    this.meta(li, { seq: frame.seq, at: frame.at });
    return true;
  }

  setOtherRead(seq) {
    this.otherRead = Math.max(this.otherRead, seq);
    for (const [s, el] of this.bySeq) if (el.dataset.mine === "1") this.meta(el, { seq: s, at: null });
  }
}

// A system message in this page's language: its code's translated text with the
// frame's params filled in ("%(left)s"); the stored text when the code is unknown.
export function systemText(template, msg) {
  if (!template) return msg.text;
  const params = msg.params || {};
  const filled = template.replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));
  return /%\(\w+\)s/.test(filled) ? msg.text : filled;
}
