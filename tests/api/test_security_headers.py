"""Security headers on every response, /docs under its own policy, CORS closed unless configured,
and the docs switch (api/security_headers.py, api/cors.py, api/docs_assets.py)."""

import os
import re
import subprocess
import sys

import pytest

from api import bind_background_work, create_app
from config import TestConfig
from tests.conftest import ROOT
from tests.factories import auth, register

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def app_with(app):
    """Another app on the suite's stores, with some settings changed."""

    def build(**overrides):
        settings = TestConfig()
        for name, value in overrides.items():
            setattr(settings, name, value)
        return create_app(settings)

    yield build
    bind_background_work(app)  # the process's publisher and notes back on the suite's broker


def _has_everywhere_headers(response):
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/healthz", 200),
        ("get", "/openapi.json", 200),
        ("get", "/docs/assets/swagger-ui.css", 200),
        ("get", "/api/v1/policies", 200),
        ("get", "/api/v1/auth/me", 401),
        ("get", "/api/v1/nowhere", 404),
        ("post", "/api/v1/auth/login", 415),
    ],
)
def test_every_response_carries_them(client, method, path, status):
    response = getattr(client, method)(path, data="x", content_type="text/plain")
    assert response.status_code == status
    _has_everywhere_headers(response)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    cache = response.headers.get("Cache-Control")
    assert (cache == "no-store") == path.startswith("/api/"), cache


def test_api_responses_with_a_token_or_personal_data_are_never_stored(client):
    token, _ = register(client)
    response = client.get("/api/v1/auth/me", headers=auth(token))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_the_docs_page_runs_only_scripts_from_this_server(client):
    page = client.get("/docs")
    assert page.status_code == 200
    _has_everywhere_headers(page)
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    html = page.get_data(as_text=True)
    # No inline script: every <script> has a src, and each one is served here.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts and all(
        'src="' in attributes and not body.strip() for attributes, body in scripts
    )
    for source in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert source.startswith("/") and client.get(source).status_code == 200, source
    assert 'data-spec-url="/openapi.json"' in html
    assert "SwaggerUIBundle" in client.get("/docs/start.js").get_data(as_text=True)


def test_cors_is_closed_by_default(client):
    origin = {"Origin": "https://elsewhere.example"}
    response = client.get("/api/v1/policies", headers=origin)
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/v1/auth/login",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_allows_exactly_the_configured_origins(app_with):
    allowed = "https://rencai.yanhu.example"
    client = app_with(CORS_ORIGINS=(allowed, "http://localhost:3000")).test_client()
    preflight = client.options(
        "/api/v1/auth/login",
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    response = client.get("/healthz", headers={"Origin": allowed})
    assert response.headers["Access-Control-Allow-Origin"] == allowed
    assert "Origin" in response.headers["Vary"]
    for other in ("https://rencai.yanhu.example.evil", "http://rencai.yanhu.example", "null"):
        refused = client.get("/healthz", headers={"Origin": other})
        assert "Access-Control-Allow-Origin" not in refused.headers, other


@pytest.mark.parametrize(
    "variables, expected",
    [
        ({}, "() True"),
        (
            {"CORS_ORIGINS": " https://a.example , ,http://b.example:8080", "API_DOCS": "off"},
            "('https://a.example', 'http://b.example:8080') False",
        ),
    ],
)
def test_the_settings_read_their_variables(variables, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("CORS_ORIGINS", "API_DOCS")}
    shown = subprocess.run(
        [sys.executable, "-c", "from config import Config as C; print(C.CORS_ORIGINS, C.API_DOCS_ENABLED)"],
        cwd=ROOT, env={**env, **variables}, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert shown == expected


def test_docs_can_be_switched_off(app_with):
    client = app_with(API_DOCS_ENABLED=False).test_client()
    for path in ("/docs", "/openapi.json", "/docs/start.js", "/docs/assets/swagger-ui.css"):
        response = client.get(path)
        assert response.status_code == 404 and response.json["code"] == 404, path
        _has_everywhere_headers(response)
    assert client.get("/healthz").status_code == 200
