"""The key a sign-in is bound to: the token inside Streamlit's XSRF cookie, the same when
Streamlit refreshes the cookie's mask, different for another browser."""

from __future__ import annotations

import hashlib

from streamlit.web.server.starlette import starlette_app_utils as xsrf

from ecocity.ui.auth import browser_key


def test_the_key_survives_a_refreshed_mask_and_differs_between_browsers():
    first = xsrf.generate_xsrf_token_string(None, None)
    token, when = xsrf.decode_xsrf_token_string(first)
    refreshed = xsrf.generate_xsrf_token_string(token, when)
    assert refreshed != first
    assert browser_key(first) == browser_key(refreshed) == hashlib.sha256(token).hexdigest()
    assert browser_key(xsrf.generate_xsrf_token_string(None, None)) != browser_key(first)


def test_no_key_from_a_missing_or_malformed_cookie():
    for raw in (None, "", "garbage", "1|00|00|0", "2|zz|00|0", "2|0011|aabb|1", "2|00112233||1"):
        assert browser_key(raw) is None, raw
