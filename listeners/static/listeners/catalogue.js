// Catalogue filters: re-run the search as soon as a choice changes (the Apply button
// remains for typed prices and for browsers without JavaScript).
const form = document.querySelector("form.filters");
if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.matches("select, input[type=checkbox], input[type=radio]")) {
      form.requestSubmit();
    }
  });
}
