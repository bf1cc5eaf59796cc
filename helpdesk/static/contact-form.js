// The contact form: suggest help articles while the customer types the subject and description.
// The server renders the suggestions; without this script they come as a step before sending.
(function () {
  "use strict";
  var form = document.querySelector("form.contact-form");
  var box = document.getElementById("kb-suggestions");
  if (!form || !box) return;
  var shown = form.querySelector("input[name=suggestions_shown]");
  var fields = ["subject", "description", "category"].map(function (name) { return form.elements[name]; });
  var timer = null, last = "";
  function ask() {
    var params = new URLSearchParams({
      subject: fields[0].value, description: fields[1].value.slice(0, 1000),
      category: fields[2] ? fields[2].value : "", kontakt: form.elements.submission_id.value
    });
    var key = params.toString();
    if (key === last || (fields[0].value + fields[1].value).trim().length < 4) return;
    last = key;
    fetch(box.dataset.url + "?" + key, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (key !== last) return;  // a newer question is on its way
        box.innerHTML = html;
        shown.value = "1";  // looked up while typing (found or not): no extra step before sending
      });
  }
  fields.forEach(function (field) {
    if (!field) return;
    field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 350); });
    field.addEventListener("change", ask);
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
