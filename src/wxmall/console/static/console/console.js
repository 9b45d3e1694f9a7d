/* wxmall console: forms with data-confirm ask before they submit (a static file, not inline handlers,
   so the Content-Security-Policy can refuse every inline script without a nonce). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
