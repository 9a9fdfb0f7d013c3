"""The security headers of serve.py (``ecocity.ui.http.SecurityHeaders``): every HTTP answer
of the app, the upload gate's refusals included, says DENY to frames, nosniff and
same-origin referrers, once each, also when the dashboard runs without the proxy."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from ecocity.ui import http

WANTED = {"x-frame-options": "DENY", "content-security-policy": "frame-ancestors 'none'",
          "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def _answer(app, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # In a thread of its own: the browser tests may leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent


def _headers(sent: list[dict]) -> list[tuple[str, str]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start["headers"]]


def _scope(method: str = "GET", path: str = "/") -> dict:
    return {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}


async def _static_file(scope, receive, send):  # as Streamlit answers a static file
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"font/ttf"), (b"X-Content-Type-Options", b"nosniff")]})
    await send({"type": "http.response.body", "body": b"ttf"})


def test_every_answer_carries_each_header_once_and_keeps_its_own():
    headers = _headers(_answer(http.SecurityHeaders(_static_file), _scope(path="/app/static/NotoSansThai.ttf")))
    for name, value in WANTED.items():
        assert [v for k, v in headers if k == name] == [value], name
    assert ("content-type", "font/ttf") in headers


def test_the_upload_gate_refusal_has_them_too():
    app = http.SecurityHeaders(http.UploadGate(_static_file))
    sent = _answer(app, _scope("PUT", "/_stcore/upload_file/anon-session/file-1"))
    assert sent[0]["status"] == 403
    assert {k: v for k, v in _headers(sent) if k in WANTED} == WANTED


def test_a_websocket_passes_untouched():
    seen: list[dict] = []

    async def inner(scope, receive, send):
        seen.append(scope)
        await send({"type": "websocket.accept"})

    sent = _answer(http.SecurityHeaders(inner), {"type": "websocket", "path": "/_stcore/stream", "headers": []})
    assert seen and sent == [{"type": "websocket.accept"}]
