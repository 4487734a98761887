// The deep-linking answer goes back to the learning platform as a form POST. This submits the
// form at once; without JavaScript its "Continue" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-lti-autosubmit]");
  if (form) {
    form.submit();
  }
})();
