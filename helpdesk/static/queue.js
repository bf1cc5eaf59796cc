/* The agent queue: keyboard, ticked tickets for bulk actions, and rows that refresh themselves.
   No inline script (the pages' CSP allows none): everything hangs on ids and data- attributes. */
(function () {
  "use strict";
  var results = document.getElementById("queue-results");
  if (!results) { return; }
  var bulkForm = document.getElementById("bulk-form");
  var live = document.getElementById("queue-live");
  var help = document.getElementById("keys-help");
  var search = document.getElementById("queue-q");
  var currentId = null;
  var lastText = null;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-results tbody tr[data-id]")); }
  function picked() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results input[name=ticket]:checked"))
      .map(function (box) { return box.value; });
  }
  function say(text) { if (live) { live.textContent = text; } }

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("current"); r.removeAttribute("aria-current"); });
    if (!row) { currentId = null; return; }
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    currentId = row.getAttribute("data-id");
    row.scrollIntoView({block: "nearest"});
  }
  function current() {
    return rows().filter(function (r) { return r.getAttribute("data-id") === currentId; })[0] || null;
  }
  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var at = list.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    select(list[next]);
  }
  function openCurrent(anchor) {
    var row = current();
    if (row) { window.location.href = row.getAttribute("data-url") + (anchor || ""); }
  }

  function countPicked() {
    var out = document.querySelector("#bulk-count output");
    if (out) { out.textContent = String(picked().length); }
  }
  function showBulkValue() {
    if (!bulkForm) { return; }
    var action = bulkForm.querySelector("select[name='bulk-action']");
    bulkForm.querySelectorAll(".bulk-value").forEach(function (span) {
      span.hidden = !action || span.getAttribute("data-for") !== action.value;
    });
  }

  function post(fields) {
    var data = new FormData();
    data.append("bulk-csrf_token", bulkForm.querySelector("input[name='bulk-csrf_token']").value);
    Object.keys(fields).forEach(function (name) {
      [].concat(fields[name]).forEach(function (value) { data.append(name, value); });
    });
    return fetch(bulkForm.action, {method: "POST", body: data, credentials: "same-origin",
                                   headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (answer) { say(answer.message || ""); refresh(); });
  }
  function assignToMe() {
    var row = current();
    if (!row || !bulkForm) { return; }
    post({"bulk-action": "assign", "bulk-agent": "me", "ticket": row.getAttribute("data-id")});
  }

  function apply(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue-results");
    if (!fresh) { return; }
    var keep = picked();
    var before = rows().map(function (r) { return r.getAttribute("data-id"); });
    results.innerHTML = fresh.innerHTML;
    var added = 0;
    rows().forEach(function (row) {
      var id = row.getAttribute("data-id");
      var box = row.querySelector("input[name=ticket]");
      if (box && keep.indexOf(id) >= 0) { box.checked = true; }
      if (before.indexOf(id) < 0) { row.classList.add("fresh"); added += 1; }
    });
    var row = current();
    if (row) { row.classList.add("current"); row.setAttribute("aria-current", "true"); }
    countPicked();
    if (added) { say(live.getAttribute("data-added").replace("{n}", String(added))); }
  }
  function refresh() {
    var url = results.getAttribute("data-rows-url");
    if (!url) { return Promise.resolve(); }
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text !== null && text !== lastText) { apply(text); lastText = text; }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  var seconds = live ? parseInt(live.getAttribute("data-refresh-seconds"), 10) || 10 : 10;
  function loop() {
    var wait = document.visibilityState === "hidden" ? Promise.resolve() : refresh();
    wait.then(function () { window.setTimeout(loop, seconds * 1000); });
  }
  window.setTimeout(loop, seconds * 1000);

  document.addEventListener("change", function (event) {
    if (event.target.name === "ticket") { countPicked(); }
    if (event.target.name === "bulk-action") { showBulkValue(); }
  });
  results.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-id]");
    if (row) { select(row); }
  });
  showBulkValue();

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) {
      if (event.key === "Escape" && target === search) { search.blur(); }
      return;
    }
    if (help && help.open) { return; }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter":
        if (target && target.tagName === "A") { return; }
        openCurrent(""); break;
      case "r": openCurrent("#reply"); break;
      case "n": openCurrent("#note"); break;
      case "a": assignToMe(); break;
      case "x": {
        var row = current();
        var box = row && row.querySelector("input[name=ticket]");
        if (box) { box.checked = !box.checked; countPicked(); }
        break;
      }
      case "/": if (search) { search.focus(); search.select(); } break;
      case "?": if (help) { help.showModal(); } break;
      default: return;
    }
    event.preventDefault();
  });
}());
