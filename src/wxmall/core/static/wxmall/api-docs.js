/* Starts Swagger UI on /api/docs from the settings the page carries as JSON. A static file, not an inline
   script, so the Content-Security-Policy needs no exception; "Try it out" sends the CSRF token the API's
   session authentication asks for. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  config.requestInterceptor = function (request) {
    if (csrfToken) request.headers["X-CSRFToken"] = csrfToken;
    return request;
  };
  window.ui = SwaggerUIBundle(config);
})();
