// The caller on the agent's screen: server-sent events say when the agent's calls change,
// then the panel is fetched; without EventSource (or when it fails) the panel is polled.
(function () {
  "use strict";
  var panel = document.getElementById("phone-now");
  if (!panel) { return; }
  var nowUrl = panel.getAttribute("data-now");
  var pollTimer = null;

  function refresh() {
    fetch(nowUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { panel.innerHTML = html; panel.hidden = !html.trim(); });
  }

  function poll() {
    if (pollTimer === null) { pollTimer = window.setInterval(refresh, 3000); }
  }

  refresh();
  if (!window.EventSource) { poll(); return; }
  var failures = 0;
  var source = new EventSource(panel.getAttribute("data-stream"));
  source.addEventListener("calls", function () { failures = 0; refresh(); });
  source.onerror = function () {
    failures += 1;
    if (failures > 5) { source.close(); poll(); }
  };
}());
