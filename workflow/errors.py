"""Typed domain errors. The API maps each to one status code and the one error envelope."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, errors: dict | None = None, **details) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.details = details


class InvalidInput(DomainError):
    """A field is missing, malformed or refers to something that does not exist."""

    status_code = 422


class NotFound(DomainError):
    """Absent, or not visible to the caller (never 403 for someone else's object)."""

    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Unauthorised(DomainError):
    status_code = 401


class InvalidCode(DomainError):
    """A one-time code that is wrong, expired, spent or void: one answer for all of them."""

    status_code = 400


class InvalidTransition(DomainError):
    status_code = 409


class Conflict(DomainError):
    status_code = 409


class TooLarge(DomainError):
    """A body or an uploaded file over its size limit."""

    status_code = 413


class PreconditionFailed(DomainError):
    """The caller's If-Match names a version that is no longer current."""

    status_code = 412


class PreconditionRequired(DomainError):
    """An action without If-Match: the caller must say which version of the case it acts on."""

    status_code = 428

    def __init__(self) -> None:
        super().__init__(
            "Send If-Match with the case's ETag.",
            errors={"If-Match": ["Required on actions: the ETag of the case you act on."]},
        )
