"""The upload gate of serve.py (``ecocity.ui.http.UploadGate``): Streamlit keeps a file sent
to /_stcore/upload_file/<session>/<file> in memory for any live session, so an anonymous
visitor could park many; the gate refuses the upload (403, before the body is read) unless
the session's user may upload, as app.py records on every run. Other requests pass."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from ecocity.ui import http


async def _inner(scope, receive, send):  # what Streamlit would answer
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _status(method: str, path: str) -> tuple[int, bytes]:
    sent: list[dict] = []
    read: list[int] = []

    async def receive():
        read.append(1)
        return {"type": "http.request", "body": b"x" * 10, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
    # In a thread of its own: the browser tests may leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, http.UploadGate(_inner)(scope, receive, send)).result()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.fixture(autouse=True)
def _clean():
    yield
    http._uploaders.clear()


def test_an_upload_for_a_session_that_may_not_upload_is_refused():
    status, body = _status("PUT", "/_stcore/upload_file/anon-session/file-1")
    assert status == 403 and "signed-in" in json.loads(body)["error"]


def test_an_upload_for_a_session_that_may_upload_passes_until_it_may_not():
    http.allow_uploads("officer-session", True)
    assert _status("PUT", "/_stcore/upload_file/officer-session/file-1")[0] == 204
    assert _status("PUT", "/prefix/_stcore/upload_file/officer-session/file-2")[0] == 204  # under a base path
    assert _status("PUT", "/_stcore/upload_file/other-session/file-1")[0] == 403
    http.allow_uploads("officer-session", False)  # signed out, or the account was disabled
    assert _status("PUT", "/_stcore/upload_file/officer-session/file-3")[0] == 403


def test_other_requests_pass_the_gate():
    for method, path in (("GET", "/"), ("DELETE", "/_stcore/upload_file/anon/f"), ("GET", "/_stcore/health"),
                         ("PUT", "/somewhere/else")):
        assert _status(method, path)[0] == 204
