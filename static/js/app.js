// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // After htmx swaps in new content, move focus to it so keyboard and screen-reader users
  // continue from the result rather than from a button that no longer exists.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.isConnected) { target = document.getElementById(event.detail.elt.id); }
    var focus = document.querySelector("[data-autofocus]");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) { focus.setAttribute("tabindex", "-1"); }
      focus.focus();
      focus.removeAttribute("data-autofocus");
    }
  });
})();
// The account menu (a <details> in the header): close it with Escape or a click elsewhere.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
})();
// Lesson tables wider than the column: say that they scroll, and let the keyboard scroll them.
(function () {
  "use strict";
  function markWideTables() {
    document.querySelectorAll(".prose table").forEach(function (table) {
      var wide = table.scrollWidth > table.clientWidth + 1;
      var hint = table.previousElementSibling;
      if (!hint || !hint.classList.contains("table-hint")) {
        hint = document.createElement("p");
        hint.className = "table-hint";
        hint.textContent = "Scroll the table sideways to see every column.";
        table.parentNode.insertBefore(hint, table);
      }
      hint.classList.toggle("is-shown", wide);
      if (wide) { table.setAttribute("tabindex", "0"); } else { table.removeAttribute("tabindex"); }
    });
  }
  document.addEventListener("DOMContentLoaded", markWideTables);
  window.addEventListener("resize", markWideTables);
})();
// A form sent with htmx that fails (a 5xx such as the 503 of a database outage, a network
// error, or no answer within htmx's timeout, set in base.html's htmx-config): htmx swaps
// nothing, so the form stays as the learner left it, choice included, and htmx enables its
// button again (hx-disabled-elt). Say so in place, in the form, once (a new failure replaces
// the old message): what was not saved (HEADLINES, by form) and why, with the server's
// own words when it sent some (templates/503.html's [data-unavailable] fragment). A page
// fetched with htmx that fails is loaded as a page instead.
(function () {
  "use strict";
  var REASONS = {
    send: "The connection to the server failed. Check your connection, then try again.",
    timeout: "The server did not answer in time. Try again: anything that was saved after all " +
      "is kept and shown, never saved twice.",
    server: "Something went wrong on the server. Nothing you saved before was lost. Please " +
      "try again in a moment.",
    refused: "The server could not accept it. Reload the page, then try again."
  };

  // What each htmx form saves. (No data- attribute in the answer form: nothing there may be
  // readable but what the learner sees.)
  var HEADLINES = [
    [".answer-form", "Your answer was not saved."],
    ["#completion form", "This lesson was not marked complete."]
  ];

  function headlineOf(form) {
    for (var i = 0; i < HEADLINES.length; i++) {
      if (form.matches(HEADLINES[i][0])) { return HEADLINES[i][1]; }
    }
    return "This was not saved.";
  }

  function serverReason(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") !== 0 || !xhr.responseText) { return ""; }
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var reason = doc.querySelector("[data-unavailable]");
    return reason ? reason.textContent.trim() : "";
  }

  function show(form, headline, reason) {
    var old = form.querySelector(".request-failed");
    if (old) { old.remove(); }
    var message = document.createElement("div");
    message.className = "form-errors request-failed";
    message.setAttribute("role", "alert");
    var strong = document.createElement("strong");
    strong.textContent = headline;
    message.appendChild(strong);
    message.appendChild(document.createTextNode(" " + reason));
    var button = form.querySelector("button[type=submit]");
    var anchor = button ? (button.closest(".actions") || button) : null;
    if (anchor && form.contains(anchor)) {
      anchor.parentNode.insertBefore(message, anchor);
    } else {
      form.appendChild(message);
    }
    if (button && (!document.activeElement || document.activeElement === document.body)) {
      button.focus();
    }
  }

  function failed(kind) {
    return function (event) {
      var elt = event.detail.elt;
      var form = elt && elt.closest ? elt.closest("form") : null;
      if (!form || !form.isConnected) {
        // Not a form: a page fetched into #main (the next question after a saved answer,
        // HX-Location). Load it as a page instead, so the server's own page says what is wrong.
        var config = event.detail.requestConfig;
        if (config && config.verb === "get" && event.detail.pathInfo) {
          window.location.assign(event.detail.pathInfo.requestPath);
        }
        return;
      }
      var headline = headlineOf(form);
      var reason = REASONS[kind];
      if (kind === "response") {
        var xhr = event.detail.xhr;
        reason = serverReason(xhr) || (xhr.status >= 500 ? REASONS.server : REASONS.refused);
      } else if (kind === "timeout") {
        headline = "We could not confirm that this was saved.";
      }
      show(form, headline, reason);
    };
  }

  document.addEventListener("htmx:responseError", failed("response"));
  document.addEventListener("htmx:sendError", failed("send"));
  document.addEventListener("htmx:timeout", failed("timeout"));
})();
