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
