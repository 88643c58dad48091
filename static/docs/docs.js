// The API reference: Swagger UI over the worker's own API document. "Try it
// out" sends its requests to the origin that serves this page (the worker
// itself, on whatever port it runs): unless the document's first server is
// already on this origin (a relative URL is), this origin is put first.
(function () {
  "use strict";
  var here = window.location.origin;

  function sameOrigin(server) {
    try {
      return new URL(server.url, here).origin === here;
    } catch (e) {
      return false;
    }
  }

  function withOwnServer(spec) {
    if (!spec || typeof spec !== "object" || !spec.openapi) return spec;
    var servers = Array.isArray(spec.servers) ? spec.servers : [];
    if (servers.length && sameOrigin(servers[0])) return spec;
    var copy = Object.assign({}, spec);
    copy.servers = [{ url: here, description: "This worker" }].concat(
      servers.filter(function (server) { return !sameOrigin(server); })
    );
    return copy;
  }

  function SameOrigin() {
    return {
      statePlugins: {
        spec: {
          wrapActions: {
            updateJsonSpec: function (original) {
              return function (spec) {
                var rest = Array.prototype.slice.call(arguments, 1);
                return original.apply(null, [withOwnServer(spec)].concat(rest));
              };
            }
          }
        }
      }
    };
  }

  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    plugins: [SameOrigin]
  });
})();
