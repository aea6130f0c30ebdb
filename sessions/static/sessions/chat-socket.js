// One socket per tab at /ws/chat/, multiplexing every session of the user.
// Keeps an outbox of unacknowledged messages (resent with the same client_id after a
// reconnect, so nothing is lost and nothing doubles), remembers the last seq seen per
// session and resyncs with after_seq on every (re)connect. Reconnects with backoff.

export function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

export class ChatSocket {
  constructor({ path, sessions, onFrame, onState }) {
    this.path = path;
    this.sessions = new Set(sessions || []);
    this.onFrame = onFrame;
    this.onState = onState || (() => {});
    this.lastSeq = new Map();
    this.outbox = new Map(); // client_id -> frame, until acknowledged
    this.retry = 0;
    this.ws = null;
    this.pingTimer = null;
    this.stopped = false;
    this.connect();
  }

  url() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.path;
  }

  connect() {
    if (this.stopped) return;
    this.onState("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.onState("open");
      for (const session of this.sessions) this.sync(session);
      for (const frame of this.outbox.values()) this.raw(frame);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.raw({ type: "ping" }), 20000);
    };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "message.ack") {
        this.outbox.delete(frame.client_id);
        this.seen(frame.session, frame.seq);
      } else if (frame.type === "message.new") {
        this.seen(frame.session, frame.seq);
      } else if (frame.type === "hello") {
        for (const session of frame.sessions) {
          if (!this.sessions.has(session)) { this.sessions.add(session); this.sync(session); }
        }
      } else if (frame.type === "session.state" && !this.sessions.has(frame.session)) {
        this.sessions.add(frame.session);
        this.sync(frame.session);
      } else if (frame.type === "pong") {
        // Level-triggered catch-up: a push lost on the way shows up as a gap here.
        for (const [session, last] of Object.entries(frame.last_seq || {})) {
          if (last > (this.lastSeq.get(Number(session)) || 0)) this.sync(Number(session));
        }
      } else if (frame.type === "sync.done" && frame.more) {
        this.sync(frame.session);
      } else if (frame.type === "error" && frame.client_id && frame.code !== "unavailable") {
        this.outbox.delete(frame.client_id); // refused for good: do not resend
      }
      this.onFrame(frame);
    };
    ws.onclose = (event) => {
      clearInterval(this.pingTimer);
      if (this.ws !== ws) return;
      if (event.code === 4401) { this.onState("signed_out"); return; }
      this.onState("reconnecting");
      const delay = Math.min(10000, 500 * 2 ** this.retry) * (0.75 + Math.random() / 2);
      this.retry += 1;
      setTimeout(() => this.connect(), delay);
    };
  }

  seen(session, seq) {
    if (typeof seq === "number" && seq > (this.lastSeq.get(session) || 0)) this.lastSeq.set(session, seq);
  }

  raw(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) { this.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  sync(session) { this.raw({ type: "sync", session, after_seq: this.lastSeq.get(session) || 0 }); }

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

export function formatTime(iso) {
  const d = new Date(iso);
  return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

// Renders one session's transcript into a list element; dedups by seq and client_id.
export class Transcript {
  constructor({ list, me, strings }) {
    this.list = list; this.me = me; this.strings = strings;
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

  failPending(clientId) {
    const li = this.pending.get(clientId);
    if (li) this.meta(li, { state: "failed" });
  }

  ack(frame) {
    const li = this.pending.get(frame.client_id);
    this.pending.delete(frame.client_id);
    if (this.bySeq.has(frame.seq)) { if (li) li.remove(); return; }
    const el = li || this.element({ kind: "text", text: frame.text }, true);
    el.classList.remove("pending");
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
