"""The Swagger UI files behind /docs, served from the installed swagger-ui-bundle package, so the
docs page needs nothing from outside the machine (a government network often has no way out)."""

from flask import Blueprint
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint(
    "docs_assets", __name__, static_folder=swagger_ui_path, static_url_path="/docs/assets"
)
