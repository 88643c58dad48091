// The API reference: Swagger UI over the worker's own API document. The
// document's server is relative (`/`), so "Try it out" sends its requests
// to the worker that serves this page, on whatever port or host it runs.
(function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false
  });
})();
