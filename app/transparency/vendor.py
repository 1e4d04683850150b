"""The vendored front-end files the public pages load (app/static/vendor/, see its README.md for versions,
sources, checksums and how to refresh them). The one place that names the versions."""

SWAGGER_UI_JS = "vendor/swagger-ui-dist-5.36.0/swagger-ui-bundle.js"
SWAGGER_UI_CSS = "vendor/swagger-ui-dist-5.36.0/swagger-ui.css"
CHART_JS = "vendor/chart.js-4.6.2/chart.umd.min.js"
