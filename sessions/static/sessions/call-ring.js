// The ring notice (docs/chat.md "Calls"): a call the other party rings in a session this
// page does not show — any session on the dashboard, another session on a chat page —
// appears at the top of the page with who is calling, "Answer" (opens that chat, which
// answers it: the call panel and the microphone live there) and "Decline" (sent from
// here), a ring tone and a blinking title. From the `call.state` frames the socket
// already delivers; cleared when the call is answered, declined, missed or cancelled, and
// by itself when its 30 s of ringing are over (a frame lost on the way cannot leave it).
const root = document.getElementById("call-rings");

const rings = new Map(); // call id -> { frame, el, until }
let offset = 0; // server clock minus ours
let audio = null;
let ticker = null;
const baseTitle = document.title;

const name = (frame) => frame.caller || "#" + frame.session;

function row(session) { return document.querySelector(`#session-list li[data-session="${session}"]`); }

function tone() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    for (const [start, freq] of [[0, 660], [0.25, 880]]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      gain.gain.value = 0.15;
      osc.frequency.value = freq;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + 0.2);
    }
  } catch { /* no audio: the notice and the title remain */ }
}

function render() {
  root.hidden = rings.size === 0;
  document.body.dataset.ringing = rings.size ? "1" : "";
  if (!rings.size) {
    clearInterval(ticker);
    ticker = null;
    document.title = baseTitle;
  } else if (!ticker) {
    ticker = setInterval(tick, 500);
  }
}

function clear(call) {
  const ring = rings.get(call);
  if (!ring) return;
  ring.el.remove();
  rings.delete(call);
  const other = [...rings.values()].some((r) => r.frame.session === ring.frame.session);
  const r = row(ring.frame.session);
  if (r && !other) r.classList.remove("ringing");
  render();
}

function add(frame) {
  if (rings.has(frame.call)) return;
  const until = new Date(frame.started_at).getTime() + Number(root.dataset.ringSeconds) * 1000;
  if (until <= Date.now() + offset) return;
  const el = document.getElementById("call-ring-template").content.firstElementChild.cloneNode(true);
  el.dataset.session = frame.session;
  el.dataset.call = frame.call;
  const text = frame.kind === "video" ? root.dataset.textVideo : root.dataset.textVoice;
  el.querySelector(".who").textContent = text.replace("NAME", name(frame));
  const answer = el.querySelector(".answer");
  answer.href = root.dataset.chatUrl.replace("/0/", `/${frame.session}/`) + `?answer=${frame.call}`;
  el.querySelector(".decline").addEventListener("click", () => {
    const socket = window.chatSocket;
    if (socket) socket.raw({ type: "call.decline", session: frame.session, call: frame.call });
  });
  root.appendChild(el);
  rings.set(frame.call, { frame, el, until });
  const r = row(frame.session);
  if (r) r.classList.add("ringing");
  render();
  tone();
}

function tick() {
  const now = Date.now() + offset;
  for (const [call, ring] of rings) if (ring.until <= now) clear(call);
  if (!rings.size) return;
  const first = rings.values().next().value;
  const on = Math.floor(now / 500) % 2 === 0;
  document.title = on ? "📞 " + root.dataset.textTitle.replace("NAME", name(first.frame)) : baseTitle;
  if (Math.floor(now / 500) % 4 === 0) tone(); // every 2 s
}

function onFrame(frame) {
  const own = root.dataset.session ? Number(root.dataset.session) : null;
  if (frame.type === "call.state") {
    if (frame.state === "ringing" && frame.started_by !== root.dataset.role && frame.session !== own) add(frame);
    else if (frame.state !== "ringing") clear(frame.call);
  } else if (frame.type === "session.state" && frame.state !== "active") {
    for (const [call, ring] of rings) if (ring.frame.session === frame.session) clear(call);
  } else if (frame.type === "error" && frame.for === "call.decline") {
    for (const ring of rings.values()) {
      if (ring.frame.session === frame.session) ring.el.querySelector(".status").textContent = frame.detail;
    }
  }
}

function attach() {
  const socket = window.chatSocket;
  if (!root || !socket) return false;
  socket.listen(onFrame);
  return true;
}

if (root) {
  offset = new Date(root.dataset.serverNow).getTime() - Date.now();
  for (const frame of JSON.parse(root.dataset.ringing || "[]")) add(frame);
  if (!attach()) window.addEventListener("load", attach, { once: true });
}
