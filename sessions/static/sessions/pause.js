// Pauses by agreement on the chat page: shows the client the listener's request (with
// accept/decline) and both sides a running pause, from `pause` frames of the chat socket.
import { formatClock } from "./chat-socket.js";

const panel = document.getElementById("pause-panel");

// On the viewer's wall clock, as the server drew the same sentence (`|time:"H:i:s"`).
const timeOf = (iso) => formatClock(iso, { seconds: true });

function onPause(frame) {
  const offer = document.getElementById("pause-offer");
  const running = document.getElementById("pause-running");
  if (offer && frame.state === "requested") {
    offer.action = panel.dataset.answerUrl.replace(/\/0\/answer\/$/, `/${frame.pause}/answer/`);
    document.getElementById("pause-offer-text").textContent =
      panel.dataset.textAsked.replace("MINUTES", String(Math.round(frame.seconds / 60)));
    offer.hidden = false;
  } else if (offer) {
    offer.hidden = true;
  }
  if (frame.state === "accepted" && frame.ends_at) {
    running.textContent = panel.dataset.textRunning.replace("TIME", timeOf(frame.ends_at));
    running.hidden = false;
    const until = new Date(frame.ends_at).getTime() - Date.now();
    setTimeout(() => { running.hidden = true; }, Math.max(0, until));
  }
}

function attach() {
  const socket = window.chatSocket;
  if (!panel || !socket) return false;
  const session = Number(panel.dataset.session);
  socket.listen((frame) => {
    if (frame.type === "pause" && frame.session === session) onPause(frame);
  });
  return true;
}

if (!attach()) window.addEventListener("load", attach, { once: true });
