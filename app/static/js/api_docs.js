// Starts Swagger UI (vendored, app/static/vendor/) on the API docs page. Swagger UI's own start-up file
// (swagger-initializer.js) is an inline-style script, which the CSP forbids: this replaces it.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("swagger-ui");
  if (!el || typeof window.SwaggerUIBundle !== "function") return;
  window.ui = window.SwaggerUIBundle({
    url: el.dataset.specUrl,
    domNode: el,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // never call validator.swagger.io: the page works without the internet
    tryItOutEnabled: true,
    defaultModelsExpandDepth: 0,
  });
});
