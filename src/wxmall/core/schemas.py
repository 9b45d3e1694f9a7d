"""The error envelope as an OpenAPI schema, and the helper every router uses to document which error
statuses an operation can answer (the schema fuzz in tests/test_api_schema_fuzz.py holds them to it)."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    details: dict | None = None


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response={200: X, **errors(400, 404)}`: these statuses answer the `ErrorOut` envelope."""
    return {status: ErrorOut for status in statuses}


# What an authenticated JSON body operation can always answer: bad input, no session, no CSRF token,
# a body that is too large or not JSON.
AUTH_READ = (400, 401)
AUTH_WRITE = (400, 401, 403)
BODY = (413, 415)
