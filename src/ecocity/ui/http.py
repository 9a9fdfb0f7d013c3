"""HTTP routes served beside Streamlit's own by the server entry ``serve.py`` (an ``st.App``
run by ``streamlit run serve.py``): the readiness check ``/_ecocity/ready``, the upload
gate (files are taken only for sessions whose user may upload), and the security headers."""

from __future__ import annotations

import logging
import re
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READY_PATH = "/_ecocity/ready"

_LOG = logging.getLogger("ecocity.ready")


async def ready(_request: Request) -> JSONResponse:
    """The readiness check: 200 ``{"ready": true, ...}`` when the database answers within
    ``READY_TIMEOUT`` seconds, 503 ``{"ready": false, "error": ...}`` when it does not.
    Streamlit's ``/_stcore/health`` stays the liveness check (the process is up). The
    database is read in a worker thread, never on the server's event loop."""
    from ecocity.store.health import database_ready

    r = await run_in_threadpool(database_ready)
    body: dict[str, object] = {"ready": r.ready, "seconds": round(r.seconds, 3)}
    if r.ready:
        body["data_version"] = r.data_version
    else:
        # The error's kind only ("OperationalError", "no answer within 3 s"): its text can
        # name the database's host and account, which the log keeps.
        body["error"] = (r.error or "").split(":", 1)[0]
        _LOG.warning("not ready: database %s: %s", r.database, r.error)
    return JSONResponse(body, status_code=200 if r.ready else 503,
                        headers={"Cache-Control": "no-store"})


def routes() -> list[BaseRoute]:
    """The routes ``serve.py`` adds to Streamlit's."""
    return [Route(READY_PATH, ready, methods=["GET", "HEAD"])]


# ----------------------------------------------------------------------------- the upload gate

# Streamlit keeps a file PUT to /_stcore/upload_file/<session>/<file> in the server's memory
# for any live session, the anonymous visitor's included, until the session ends: a visitor
# could park many 10 MB files. Every run of app.py says whether its session's user may
# upload (``allow_uploads``); the gate refuses the PUT of every other session with 403.
_UPLOAD = re.compile(r"^/(?:[^/]+/)*_stcore/upload_file/([^/]+)/[^/]+$")
_uploaders: set[str] = set()
_lock = threading.Lock()


def allow_uploads(session_id: str, allowed: bool) -> None:
    """Record whether the user of Streamlit session ``session_id`` may send files."""
    with _lock:
        if allowed:
            _uploaders.add(session_id)
        else:
            _uploaders.discard(session_id)


def uploads_allowed(session_id: str) -> bool:
    with _lock:
        return session_id in _uploaders


class UploadGate:
    """ASGI middleware: a file upload (PUT) for a session not allowed to upload gets 403
    before its body is read; every other request passes unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "PUT":
            m = _UPLOAD.match(scope.get("path", ""))
            if m and not uploads_allowed(m.group(1)):
                response = JSONResponse({"error": "uploads are for signed-in users who may upload"},
                                        status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# ----------------------------------------------------------------------------- security headers

# Every HTTP answer of the app says: never show me in a frame (clickjacking), do not guess
# a file's type, and send other sites no page address. The proxy sends the same, plus HSTS
# as it alone speaks HTTPS, and drops these copies so each header goes out once
# (deploy/nginx.conf); here they also cover the dashboard served without it (`make run`).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


class SecurityHeaders:
    """ASGI middleware: ``SECURITY_HEADERS`` on every HTTP response, replacing any copy the
    response already had (Streamlit's static files say nosniff themselves)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _SECURITY_NAMES]
                message = {**message, "headers": [*kept, *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
