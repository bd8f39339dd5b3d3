"""Swagger UI at /docs, with its files served from the installed swagger-ui-bundle package, so the
docs page needs nothing from outside the machine (a government network often has no way out).

The page has no inline script (its Content-Security-Policy allows scripts from this server
only): the start-up code is a file, and reads the document's address from the page.
"""

from html import escape

from flask import Blueprint, Response, current_app, url_for
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint(
    "docs_assets", __name__, static_folder=swagger_ui_path, static_url_path="/docs/assets"
)

PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>{title}</title>
    <link href="{assets}swagger-ui.css" rel="stylesheet" type="text/css">
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="{spec_url}"></div>
    <script src="{assets}swagger-ui-bundle.js"></script>
    <script src="{start}"></script>
  </body>
</html>
"""
# validatorUrl null: the default badge would load an image from outside.
START_SCRIPT = """window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    domNode: container,
    validatorUrl: null
  });
});
"""


@blp.get("/docs")
def docs_page():
    page = PAGE.format(
        title=escape(current_app.config["API_TITLE"]),
        assets=url_for("docs_assets.static", filename=""),
        spec_url=url_for("api-docs.openapi_json"),
        start=url_for("docs_assets.start_script"),
    )
    return Response(page, mimetype="text/html")


@blp.get("/docs/start.js")
def start_script():
    return Response(START_SCRIPT, mimetype="text/javascript")
