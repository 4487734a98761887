// Quiz pages: let htmx swap the answer area's 4xx replies (a message saying what is wrong, e.g.
// "Choose one option."), which htmx 2 otherwise drops. Only for requests aimed at #answer.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (status >= 400 && status < 500 && target && target.id === "answer") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
// Feedback at the end: the next question's main content is swapped in without a page load
// (HX-Location from the answer view); focus its heading, as a page load would start there.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var main = document.getElementById("main");
    if (!main || event.detail.elt !== main) { return; }
    var heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  });
})();
