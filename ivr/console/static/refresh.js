/* Pages that refresh themselves (home, live): every few seconds, fetch the page's JSON and put its
   server-rendered `html` in place of the element marked data-refresh-url, without reloading. Without
   JavaScript the page's <noscript> meta refresh reloads it instead. A session that ended (the JSON
   request is sent to the login page) reloads the page, which then asks for a login. */
(function () {
  "use strict";
  var target = document.querySelector("[data-refresh-url]");
  if (!target) { return; }
  var url = target.getAttribute("data-refresh-url");
  var seconds = parseInt(target.getAttribute("data-refresh-seconds"), 10) || 10;
  var status = document.querySelector("[data-refresh-status]");

  function say(text, failed) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("error", failed);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          window.location.reload();
          return null;
        }
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result) { return; }
        if (typeof result.body.html === "string") { target.innerHTML = result.body.html; }
        say(result.ok ? "" : (status && status.getAttribute("data-failed")) || "", !result.ok);
      })
      .catch(function () { say((status && status.getAttribute("data-failed")) || "", true); })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }

  window.setTimeout(refresh, seconds * 1000);
}());
