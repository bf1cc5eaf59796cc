// The ticket page's progressive enhancement (the page works without it): canned responses into the
// reply box, the full PESEL without a reload, who else is viewing, a warning when the ticket changed.
(function () {
  "use strict";
  var root = document.getElementById("ticket");
  if (!root) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  var canned = document.querySelector("form.canned");
  if (canned) {
    var select = canned.querySelector("select");
    var preferred = select.querySelector("option[data-preferred]");
    if (preferred) { select.value = preferred.value; }
    canned.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById("reply-text");
      var text = select.options[select.selectedIndex].getAttribute("data-text");
      box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
      box.focus();
    });
  }

  var peselForm = document.getElementById("pesel-form");
  if (peselForm) {
    peselForm.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(peselForm.action, {method: "POST", body: new FormData(peselForm), credentials: "same-origin",
                               headers: {"Accept": "application/json"}})
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (data) { document.getElementById("pesel").textContent = data.pesel; peselForm.remove(); })
        .catch(function () { peselForm.submit(); });
    });
  }

  var viewersUrl = root.getAttribute("data-viewers-url");
  var version = root.getAttribute("data-version");
  var viewers = document.getElementById("viewers");
  var changed = document.getElementById("ticket-changed");

  function beat() {
    var body = new FormData();
    body.append("csrf_token", csrf);
    fetch(viewersUrl, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        viewers.hidden = data.viewers.length === 0;
        viewers.textContent = data.viewers.length ? root.getAttribute("data-viewers-text") + " " + data.viewers.join(", ") : "";
        if (String(data.version) !== version) {
          changed.textContent = root.getAttribute("data-changed-text");
          changed.hidden = false;
        }
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  window.setInterval(beat, 1000 * Number(root.getAttribute("data-heartbeat") || 15));
})();
