// The client's order page while the listener has not answered yet: a light poll of the
// order (every 3 s) moves to the chat as soon as the session is open, and reloads the
// page when the order closed instead (it then says why and what was refunded).
const box = document.getElementById("order-wait");
const orderId = box.dataset.order;
const chatUrl = box.dataset.chatUrl;
const deadline = box.dataset.deadline ? new Date(box.dataset.deadline).getTime() : null;
const offset = new Date(box.dataset.serverNow).getTime() - Date.now();

function showCountdown() {
  const el = document.getElementById("accept-countdown");
  if (!el || deadline === null) return;
  const secs = Math.max(0, Math.round((deadline - Date.now() - offset) / 1000));
  el.textContent = `${String(Math.floor(secs / 60)).padStart(2, "0")}:${String(secs % 60).padStart(2, "0")}`;
}

async function poll() {
  try {
    const response = await fetch(`/api/orders/${orderId}/`, { credentials: "same-origin" });
    if (response.ok) {
      const order = await response.json();
      const open = order.state === "active" || (order.state === "accepted" && order.kind === "instant");
      if (open) { window.location.assign(chatUrl); return; }
      if (order.state !== box.dataset.state) { window.location.reload(); return; }
    }
  } catch { /* offline for a moment: the next poll tries again */ }
  setTimeout(poll, 3000);
}

showCountdown();
setInterval(showCountdown, 1000);
setTimeout(poll, 3000);
