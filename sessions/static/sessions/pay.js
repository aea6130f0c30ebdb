// Pay with Stripe.js: the card becomes a token in the browser, the server confirms the
// PaymentIntent, and 3-D Secure (if asked) runs here. The order page then asks Stripe
// itself whether the payment succeeded: the browser's word is never taken.
(function () {
  "use strict";
  const form = document.getElementById("pay-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errorBox = document.getElementById("pay-error");
  const button = document.getElementById("pay-submit");

  function fail(message) {
    errorBox.textContent = message || form.dataset.msgFailed;
    errorBox.hidden = false;
    button.disabled = false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    button.disabled = true;
    const tokenResult = await stripe.createToken(card);
    if (tokenResult.error || !tokenResult.token) {
      fail(tokenResult.error && tokenResult.error.message);
      return;
    }
    let response;
    try {
      response = await fetch(form.dataset.payUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
        body: JSON.stringify({ token: tokenResult.token.id }),
      });
    } catch (err) {
      fail();
      return;
    }
    const body = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      fail(body.detail);
      return;
    }
    if (body.status === "requires_action" && body.client_secret) {
      const result = await stripe.confirmCardPayment(body.client_secret);
      if (result.error) {
        fail(result.error.message);
        return;
      }
    }
    window.location.assign(form.dataset.doneUrl);
  });
})();
