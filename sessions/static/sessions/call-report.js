// "Report this call" on a call's transcript entry (docs/chat.md "Reporting a call"): the
// entry that says how a call ended (its `params.call` names the call) gets a button that
// opens a small form; the report goes to staff (POST …/calls/<call>/report/). A call this
// user already reported says so instead. On the chat page (one session) and the dashboard
// (every chat's transcript is an ol.chat-log[data-session]).
const root = document.getElementById("call-report");

const ENDINGS = /^call_(declined|missed|cancelled|failed|ended_\w+)$/;

function reported() {
  if (!root.reportedSet) root.reportedSet = new Set(JSON.parse(root.dataset.reported || "[]"));
  return root.reportedSet;
}

function entryOf(frame) {
  const own = root.dataset.session;
  if (own && Number(own) !== frame.session) return null; // the chat page shows one session
  const list = own ? document.getElementById("messages")
    : document.querySelector(`ol.chat-log[data-session="${frame.session}"]`);
  return list ? list.querySelector(`li[data-seq="${frame.seq}"]`) : null;
}

function markReported(box) {
  box.replaceChildren();
  const note = document.createElement("span");
  note.className = "call-reported small muted";
  note.textContent = root.dataset.textReported;
  box.appendChild(note);
}

async function submit(form, box, session, call) {
  const status = form.querySelector(".status");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status.textContent = "";
  try {
    const url = root.dataset.apiTemplate.replace("/0/calls/0/", `/${session}/calls/${call}/`);
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ reason: form.reason.value, note: form.note.value }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok || body.code === "already_reported") {
      reported().add(call);
      markReported(box);
      return;
    }
    status.textContent = body.detail || response.statusText;
  } catch (error) {
    status.textContent = String(error);
  } finally {
    button.disabled = false;
  }
}

function openForm(box, session, call) {
  const form = document.getElementById("call-report-template").content.firstElementChild.cloneNode(true);
  box.replaceChildren(form);
  form.querySelector(".cancel").addEventListener("click", () => decorateBox(box, session, call));
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(form, box, session, call); });
  form.reason.focus();
}

function decorateBox(box, session, call) {
  if (reported().has(call)) { markReported(box); return; }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link small call-report-open";
  button.textContent = root.dataset.textReport;
  button.addEventListener("click", () => openForm(box, session, call));
  box.replaceChildren(button);
}

function decorate(frame) {
  if (frame.type !== "message.new" || frame.kind !== "system" || !ENDINGS.test(frame.code || "")) return;
  const call = frame.params && frame.params.call;
  if (typeof call !== "number") return; // an entry from before entries named their call
  const li = entryOf(frame);
  if (!li || li.querySelector(".call-report")) return;
  const box = document.createElement("div");
  box.className = "call-report";
  box.dataset.call = call;
  li.appendChild(box);
  decorateBox(box, frame.session, call);
}

function attach() {
  const socket = window.chatSocket;
  if (!root || !socket) return false;
  socket.listen(decorate);
  return true;
}

if (root && !attach()) window.addEventListener("load", attach, { once: true });
