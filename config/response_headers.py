"""The headers every response carries, whoever writes it: the app (api/security_headers.py) or
gunicorn itself for a request it cannot parse (config/gunicorn.py)."""

# Nothing the service sends is a page to render, frame or follow links from, except /docs,
# which gets its own policy (api/security_headers.py).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# API responses carry tokens and personal data: no browser or proxy may keep a copy.
NO_STORE = {"Cache-Control": "no-store"}
