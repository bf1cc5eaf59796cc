// The caller on the agent's screen. The page learns that the agent's calls changed from
// server-sent events when the deployment streams them (PHONE_CALLER_STREAM), otherwise by
// polling a small snapshot every two seconds; either way it then fetches the panel.
(function () {
  "use strict";
  var panel = document.getElementById("phone-now");
  if (!panel) { return; }
  var nowUrl = panel.getAttribute("data-now");
  var snapshotUrl = panel.getAttribute("data-snapshot");
  var streamUrl = panel.getAttribute("data-stream");
  var last = null;
  var timer = null;

  function refresh() {
    fetch(nowUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { panel.innerHTML = html; });
  }

  function check() {
    fetch(snapshotUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text !== null && text !== last) { last = text; refresh(); }
      })
      .catch(function () {});
  }

  function poll() {
    if (timer === null) { check(); timer = window.setInterval(check, 2000); }
  }

  if (!streamUrl || !window.EventSource) { poll(); return; }
  refresh();
  var failures = 0;
  var source = new EventSource(streamUrl);
  source.addEventListener("calls", function (event) { failures = 0; last = event.data; refresh(); });
  source.onerror = function () {
    failures += 1;
    if (failures > 5) { source.close(); poll(); }
  };
}());
