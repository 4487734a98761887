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
