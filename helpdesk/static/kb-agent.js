// The ticket page's help-article panel: search without leaving the ticket, insert a link into the reply.
(function () {
  "use strict";
  var panel = document.querySelector(".kb-agent");
  if (!panel) return;
  var form = panel.querySelector("form[role=search]");
  var results = panel.querySelector(".kb-agent-results");
  var reply = document.querySelector("textarea[name='reply-text']");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = form.querySelector("input[name=q]").value;
    fetch(panel.dataset.fragmentUrl + "&q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        results.innerHTML = html;
        results.querySelectorAll(".kb-insert").forEach(function (button) {
          if (!reply) return;
          button.hidden = false;
          button.addEventListener("click", function () {
            var text = reply.value;
            reply.value = text + (text && !/\n$/.test(text) ? "\n\n" : "") + button.dataset.insert + "\n";
            reply.focus();
          });
        });
      });
  });
})();
