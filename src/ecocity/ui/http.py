"""HTTP routes served beside Streamlit's own by the server entry ``serve.py`` (an ``st.App``
run by ``streamlit run serve.py``): the readiness check ``/_ecocity/ready``."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

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
