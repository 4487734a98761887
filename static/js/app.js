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
