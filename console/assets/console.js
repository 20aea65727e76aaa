// SpeakSafe console: progressive enhancement only; every page works
// without this file. Loaded from 'self' (the CSP allows no inline script).
(function () {
  "use strict";
  function token() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  // Live preview: the server renders and sanitises the Markdown, exactly
  // as it will when the item is published.
  function preview(source) {
    var target = document.getElementById(source.getAttribute("data-preview"));
    if (!target) { return; }
    var timer = null;
    function send() {
      var body = new URLSearchParams();
      body.set("body", source.value);
      fetch("/console/content/preview", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": token(), "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString()
      }).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { target.innerHTML = html; target.setAttribute("data-rendered", "1"); });
    }
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(send, 250);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-preview]").forEach(preview);
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
