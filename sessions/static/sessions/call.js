// Calls on the chat page (docs/chat.md "Calls"): ring, accept/decline, then media peer
// to peer over RTCPeerConnection. The server keeps the call's state (`call.state`) and
// only relays our offer, answer and ICE candidates to the other party (`call.signal`).
// The caller makes the offer once the call is answered; the page that answered replies.
// Opened with ?answer=<call> (the ring notice of the dashboard or another chat), the page
// answers that call as soon as its socket is open, if it still rings.
const panel = document.getElementById("call-panel");

const $ = (id) => document.getElementById(id);
const text = (name) => panel.dataset[name] || "";

let call = null; // { id, kind, mine, here, pc, stream, pending, early, mediaSent, timer }

function socket() { return window.chatSocket; }
function send(frame) { socket().raw({ session: Number(panel.dataset.session), ...frame }); }

function show({ idle = false, ringing = false, active = false, status = "" }) {
  $("call-idle").hidden = !idle;
  $("call-ringing").hidden = !ringing;
  $("call-active").hidden = !active;
  $("call-media").hidden = !(active && call && call.kind === "video");
  $("call-status").textContent = status;
}

function teardown(status) {
  if (call) {
    clearInterval(call.timer);
    if (call.pc) call.pc.close();
    if (call.stream) for (const track of call.stream.getTracks()) track.stop();
  }
  call = null;
  window.callStats = null;
  $("call-remote").srcObject = null;
  $("call-local").srcObject = null;
  $("call-quality").textContent = "";
  show({ idle: true, status });
}

async function media() {
  const video = call.kind === "video";
  call.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
  $("call-local").srcObject = video ? call.stream : null;
  const camera = $("call-camera");
  if (camera) camera.hidden = !video;
}

function peer() {
  const iceServers = call.ice || JSON.parse(panel.dataset.ice || "[]"); // the call's own TURN password
  const pc = new RTCPeerConnection({ iceServers });
  call.pc = pc;
  for (const track of call.stream.getTracks()) pc.addTrack(track, call.stream);
  pc.onicecandidate = (event) => {
    if (!call) return;
    send({ type: "call.signal", call: call.id, candidate: event.candidate ? event.candidate.toJSON() : null });
  };
  pc.ontrack = (event) => { $("call-remote").srcObject = event.streams[0]; };
  pc.onconnectionstatechange = () => {
    if (!call || call.pc !== pc) return;
    if (pc.connectionState === "connected") {
      if (!call.mediaSent) { call.mediaSent = true; send({ type: "call.media", call: call.id }); }
      $("call-status").textContent = text("textConnected");
      if (!call.timer) call.timer = setInterval(quality, 1000);
    } else if (pc.connectionState === "failed" && call.mine) {
      offer(true); // a network change: ICE again on the same call
    }
  };
  return pc;
}

async function offer(iceRestart = false) {
  const description = await call.pc.createOffer({ iceRestart });
  await call.pc.setLocalDescription(description);
  send({ type: "call.signal", call: call.id, sdp: { type: description.type, sdp: description.sdp } });
}

async function flushCandidates() {
  for (const candidate of call.pending.splice(0)) await call.pc.addIceCandidate(candidate);
}

async function onSignal(frame) {
  if (!call || frame.call !== call.id) return;
  if (!call.pc) { call.early.push(frame); return; } // the offer can overtake our getUserMedia
  const pc = call.pc;
  if (frame.sdp) {
    await pc.setRemoteDescription(frame.sdp);
    if (frame.sdp.type === "offer") {
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      send({ type: "call.signal", call: call.id, sdp: { type: answer.type, sdp: answer.sdp } });
    }
    await flushCandidates();
  } else if (pc.remoteDescription) {
    await pc.addIceCandidate(frame.candidate || undefined);
  } else {
    call.pending.push(frame.candidate || undefined);
  }
}

async function quality() {
  if (!call || !call.pc) return;
  const stats = { rtt: null, loss: 0, audioBytesSent: 0, audioBytesReceived: 0 };
  let lost = 0;
  let received = 0;
  (await call.pc.getStats()).forEach((report) => {
    if (report.type === "candidate-pair" && report.nominated && report.currentRoundTripTime !== undefined) {
      stats.rtt = Math.round(report.currentRoundTripTime * 1000);
    }
    if (report.kind !== "audio") return;
    if (report.type === "outbound-rtp") stats.audioBytesSent += report.bytesSent || 0;
    if (report.type === "inbound-rtp") {
      stats.audioBytesReceived += report.bytesReceived || 0;
      lost += report.packetsLost || 0;
      received += report.packetsReceived || 0;
    }
  });
  stats.loss = lost + received ? (100 * lost) / (lost + received) : 0;
  window.callStats = stats; // read by the browser tests
  $("call-quality").textContent = text("textQuality")
    .replace("RTT", stats.rtt === null ? "–" : String(stats.rtt))
    .replace("LOSS", stats.loss.toFixed(1));
}

async function connect() {
  try {
    await media();
  } catch {
    send({ type: "call.hangup", call: call.id });
    teardown(text("textNoDevice"));
    return;
  }
  peer();
  show({ active: true, status: text("textConnecting") });
  if (call.mine) await offer();
  for (const frame of call.early.splice(0)) await onSignal(frame);
}

function onState(frame) {
  const mine = frame.started_by === panel.dataset.role;
  if (call && call.id === frame.call && frame.ice_servers) call.ice = frame.ice_servers;
  if (frame.state === "ringing") {
    if (call && call.id === frame.call) return;
    call = { id: frame.call, kind: frame.kind, mine, here: mine && startedHere, pending: [], early: [], ice: frame.ice_servers };
    startedHere = false;
    if (mine) show({ active: call.here, status: text(call.here ? "textCalling" : "textElsewhere") });
    else show({ ringing: true, status: text(frame.kind === "video" ? "textRingingVideo" : "textRingingVoice") });
  } else if (frame.state === "connected") {
    if (!call || call.id !== frame.call) call = { id: frame.call, kind: frame.kind, mine, here: false, pending: [], early: [], ice: frame.ice_servers };
    if (call.pc || frame.media_at) return;
    if (call.here) connect();
    else show({ status: text("textElsewhere") });
  } else if (call && call.id === frame.call) {
    const names = { ended: "textEnded", missed: "textMissed", declined: "textDeclined", failed: "textFailed" };
    teardown(text(names[frame.state] || "textEnded"));
  }
}

let startedHere = false;

function attach() {
  const chat = socket();
  if (!panel || !chat) return false;
  const session = Number(panel.dataset.session);
  chat.listen((frame) => {
    if (frame.type === "hello" && answerPending) answerNow();
    if (frame.session !== session) return;
    if (frame.type === "call.state") onState(frame);
    else if (frame.type === "call.signal") onSignal(frame).catch((error) => console.warn("call signal", error));
    else if (frame.type === "error" && String(frame.for || "").startsWith("call.")) {
      if (!call || !call.pc) { startedHere = false; show({ idle: !call, ringing: Boolean(call && !call.mine), status: frame.detail }); }
    } else if (frame.type === "session.state" && frame.state !== "active") {
      teardown("");
      panel.hidden = true;
    }
  });
  // "Answer" on a ring notice (the dashboard, another chat) opened this page to answer.
  const params = new URLSearchParams(location.search);
  const answer = Number(params.get("answer")) || null;
  if (answer) {
    params.delete("answer");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  if (panel.dataset.live) {
    const live = JSON.parse(panel.dataset.live); // a call from before this page loaded
    const mine = live.started_by === panel.dataset.role;
    call = { id: live.call, kind: live.kind, mine, here: false, pending: [], early: [], ice: live.ice_servers };
    if (live.state === "ringing" && !mine) {
      show({ ringing: true, status: text(live.kind === "video" ? "textRingingVideo" : "textRingingVoice") });
      if (answer === live.call) answerWhenOpen(chat);
    } else {
      show({ active: true, status: text("textElsewhere") });
    }
  } else if (answer) {
    show({ idle: true, status: text("textNoLongerRinging") });
  }
  return true;
}

// Answer the ringing call as soon as the socket is open (a page just loaded).
let answerPending = false;
function answerNow() {
  answerPending = false;
  if (call && !call.mine && !call.here) { call.here = true; send({ type: "call.answer", call: call.id }); }
}
function answerWhenOpen(chat) {
  if (chat.state === "open") answerNow();
  else answerPending = true;
}

function start(kind) {
  startedHere = true;
  send({ type: "call.start", kind });
}

if (panel) {
  $("call-voice").addEventListener("click", () => start("voice"));
  if ($("call-video")) $("call-video").addEventListener("click", () => start("video"));
  $("call-accept").addEventListener("click", () => {
    if (!call) return;
    call.here = true;
    send({ type: "call.answer", call: call.id });
  });
  $("call-decline").addEventListener("click", () => { if (call) send({ type: "call.decline", call: call.id }); });
  $("call-hangup").addEventListener("click", () => { if (call) send({ type: "call.hangup", call: call.id }); });
  $("call-mute").addEventListener("click", () => {
    const track = call && call.stream && call.stream.getAudioTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    $("call-mute").textContent = text(track.enabled ? "textMute" : "textUnmute");
    $("call-mute").setAttribute("aria-pressed", String(!track.enabled));
  });
  if ($("call-camera")) {
    $("call-camera").addEventListener("click", () => {
      const track = call && call.stream && call.stream.getVideoTracks()[0];
      if (!track) return;
      track.enabled = !track.enabled;
      $("call-camera").textContent = text(track.enabled ? "textCameraOff" : "textCameraOn");
    });
  }
  if (!attach()) window.addEventListener("load", attach, { once: true });
}
