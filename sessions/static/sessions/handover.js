// Hand-over (转单) on the chat page, from `handover` frames of the chat socket: the client
// sees the proposal with accept / decline until it lapses; everyone sees the new
// listener's name once accepted; the previous listener's composer closes.
const panel = document.getElementById("handover-panel");
const strings = JSON.parse(document.getElementById("chat-strings").textContent);
const fill = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
let lapse = null;

function hideAt(offer, iso) {
  clearTimeout(lapse);
  if (!iso) return;
  lapse = setTimeout(() => { offer.hidden = true; }, Math.max(0, new Date(iso).getTime() - Date.now()));
}

function onHandover(frame, me) {
  const offer = document.getElementById("handover-offer");
  if (offer && frame.state === "proposed") {
    offer.action = panel.dataset.answerUrl.replace(/\/0\/answer\/$/, `/${frame.handover}/answer/`);
    document.getElementById("handover-offer-text").textContent =
      fill(strings.handover.proposed, { from: frame.from_name, to: frame.to_name });
    offer.hidden = false;
    hideAt(offer, frame.expires_at);
  } else if (offer) {
    offer.hidden = true;
  }
  if (frame.state !== "accepted") return;
  if (panel.dataset.role === "client") document.getElementById("other-name").textContent = frame.to_name;
  if (frame.from_user === me) {
    for (const id of ["text", "send"]) document.getElementById(id).disabled = true;
    const note = document.createElement("li");
    note.className = "msg notice";
    note.textContent = fill(strings.handover.handedAway, { to: frame.to_name });
    document.getElementById("messages").appendChild(note);
  }
}

function attach() {
  const socket = window.chatSocket;
  if (!panel || !socket) return false;
  const session = Number(panel.dataset.session);
  const me = JSON.parse(document.getElementById("chat-config").textContent).me;
  const offer = document.getElementById("handover-offer");
  if (offer && !offer.hidden) hideAt(offer, offer.dataset.expires);
  socket.listen((frame) => {
    if (frame.type === "handover" && frame.session === session) onHandover(frame, me);
  });
  return true;
}

if (!attach()) window.addEventListener("load", attach, { once: true });
