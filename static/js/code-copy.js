// A "Copy" button on every highlighted code block: a progressive enhancement. Without
// JavaScript, or where the Clipboard API is missing, the code is there to select as usual.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) { return; }

  function addButton(block) {
    var code = block.querySelector("pre");
    if (!code || block.querySelector(".code-copy")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "code-copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this code");
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent.replace(/\n$/, "")).then(function () {
        button.textContent = "Copied";
        status.textContent = "Code copied to the clipboard";
      }, function () {
        button.textContent = "Copy failed";
        status.textContent = "The code could not be copied; select it instead";
      });
      window.setTimeout(function () {
        button.textContent = "Copy";
        status.textContent = "";
      }, 2000);
    });
    block.classList.add("has-copy");  // room above the code for the button
    block.appendChild(button);
    block.appendChild(status);
  }

  function enhance(root) {
    root.querySelectorAll(".highlight").forEach(addButton);
  }

  enhance(document);
  // Question prompts may hold code too and arrive through htmx.
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.detail.target); });
})();
