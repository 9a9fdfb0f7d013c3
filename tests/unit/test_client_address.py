"""The address sign-ins are throttled by (ecocity.ui.auth.client_address): the connection's,
or the header a trusted reverse proxy sets when ECOCITY_CLIENT_IP_HEADER names one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import streamlit as st
from streamlit.runtime.context import StreamlitHeaders

from ecocity.ui import auth


@dataclass
class FakeContext:
    headers: StreamlitHeaders
    ip_address: str | None


def _context(monkeypatch, ip: str | None, *headers: tuple[str, str]) -> None:
    monkeypatch.setattr(st, "context", FakeContext(StreamlitHeaders(headers), ip))


def test_the_connections_address_without_a_header_setting(monkeypatch):
    monkeypatch.delenv("ECOCITY_CLIENT_IP_HEADER", raising=False)
    _context(monkeypatch, "203.0.113.9", ("X-Real-IP", "198.51.100.7"))
    assert auth.client_address() == "203.0.113.9"  # a header the browser may have sent is ignored
    _context(monkeypatch, None)  # Streamlit gives None for a local connection
    assert auth.client_address() is None


@pytest.mark.parametrize(("header", "values", "expected"), [
    ("X-Real-IP", [("x-real-ip", "198.51.100.7")], "198.51.100.7"),
    # A list: the last address is the one the proxy itself saw (the others came from the browser).
    ("X-Forwarded-For", [("X-Forwarded-For", "1.2.3.4, 198.51.100.7")], "198.51.100.7"),
    ("X-Forwarded-For", [("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-For", "198.51.100.7 ")], "198.51.100.7"),
    ("X-Real-IP", [], "10.0.0.5"),  # no header (not through the proxy): the connection's address
])
def test_the_proxys_header_when_set(monkeypatch, header, values, expected):
    monkeypatch.setenv("ECOCITY_CLIENT_IP_HEADER", header)
    _context(monkeypatch, "10.0.0.5", *values)
    assert auth.client_address() == expected


def test_no_client_context(monkeypatch):
    class Broken:
        @property
        def ip_address(self):
            raise RuntimeError("no session")

    monkeypatch.delenv("ECOCITY_CLIENT_IP_HEADER", raising=False)
    monkeypatch.setattr(st, "context", Broken())
    assert auth.client_address() is None
