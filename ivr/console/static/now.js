// The screen pop (/console/now): ask once a second which caller the agent has in hand, and swap
// in the server-rendered (escaped) section when it changes. What is shown stays when a poll fails.
(function () {
  "use strict";
  var box = document.getElementById("pop");
  var status = document.getElementById("pop-status");
  if (!box) { return; }
  var every = (Number(box.dataset.every) || 1) * 1000;

  function show(data) {
    if (status) { status.hidden = data.state !== "unavailable"; }
    if (data.state === "unavailable" || typeof data.html !== "string") { return; }
    box.innerHTML = data.html;
    box.dataset.shown = data.call_sid || "";
  }

  function poll() {
    var url = box.dataset.pollUrl + "?shown=" + encodeURIComponent(box.dataset.shown || "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { if (status) { status.hidden = false; } })
      .then(function () { window.setTimeout(poll, every); });
  }

  window.setTimeout(poll, every);
}());
