// Per-minute sessions on the chat page: time used, money spent and the balance, live from
// `meter` frames of the chat socket; the warning before zero; the pause (sending off).
import { formatClock } from "./chat-socket.js";

const panel = document.getElementById("meter-panel");

function yuan(fen) {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

// On the viewer's wall clock, as the server drew the same sentence (`|time:"H:i:s"`).
const timeOf = (iso) => formatClock(iso, { seconds: true });

function setSending(enabled) {
  for (const id of ["text", "send"]) {
    const element = document.getElementById(id);
    if (element) element.disabled = !enabled;
  }
}

function onMeter(frame) {
  document.getElementById("meter-minutes").textContent =
    document.getElementById("meter-minutes").textContent.replace(/\d+/, String(frame.minutes));
  document.getElementById("meter-spent").textContent = yuan(frame.spent_fen);
  const balance = document.getElementById("meter-balance");
  if (balance && frame.balance_fen !== null) balance.textContent = yuan(frame.balance_fen);
  const warn = document.getElementById("meter-warn");
  if (frame.warn) {
    warn.textContent = panel.dataset.textWarn;
    warn.hidden = false;
  }
  const paused = document.getElementById("meter-paused");
  if (frame.paused) {
    const text = panel.dataset.role === "client" ? panel.dataset.textPaused : panel.dataset.textPausedListener;
    document.getElementById("meter-paused-text").textContent = text.replace("TIME", timeOf(frame.grace_ends_at));
    paused.hidden = false;
    warn.hidden = true;
  } else {
    paused.hidden = true;
  }
  setSending(!frame.paused);
}

function attach() {
  const socket = window.chatSocket;
  if (!panel || !socket) return false;
  const session = Number(panel.dataset.session);
  if (panel.dataset.paused === "1") setSending(false);
  socket.listen((frame) => {
    if (frame.type === "meter" && frame.session === session) onMeter(frame);
  });
  return true;
}

if (panel && !attach()) window.addEventListener("load", attach, { once: true });
