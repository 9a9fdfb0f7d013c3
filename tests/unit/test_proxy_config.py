"""deploy/nginx.conf against the README and nginx itself: the README points to the file
and quotes it exactly, states the rate limits the file sets, and the replicas start
serve.py; the file keeps its headers on every location; nginx accepts the file as the
proxy test renders it (``nginx -t``); CI installs nginx. The running proxy is tested in
tests/e2e/test_proxy_e2e.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers.proxy import DEPLOY_CONF, ProxyError, check_config, limits, nginx_path, render

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
CONF = DEPLOY_CONF.read_text("utf-8")


def _deployment() -> str:
    start = README.index("## Deployment (several users)")
    return README[start:README.index("\n## ", start + 1)]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_the_readme_points_to_the_file_and_quotes_it_exactly():
    section = _deployment()
    assert "[`deploy/nginx.conf`](deploy/nginx.conf)" in section
    (excerpt,) = _blocks(section, "nginx")  # one excerpt, no second configuration
    lines = [line.strip() for line in CONF.splitlines()]
    at = 0
    for quoted in (q.strip() for q in excerpt.splitlines() if q.strip()):
        assert quoted in lines[at:], f"README quotes {quoted!r}, not in deploy/nginx.conf (in this order)"
        at = lines.index(quoted, at) + 1


def test_the_readme_states_the_rate_limits_of_the_file():
    zones = limits(CONF)
    assert set(zones) == {"ecocity_signin", "ecocity_upload"}
    rows = {zone: next(r for r in _deployment().splitlines() if r.startswith("|") and marker in r)
            for zone, marker in (("ecocity_signin", "`/_stcore/stream`"), ("ecocity_upload", "/_stcore/upload_file/"))}
    for zone, (per_minute, burst) in zones.items():
        cells = [c.strip() for c in rows[zone].split("|")]
        assert cells[2:4] == [f"{per_minute} a minute", str(burst)], rows[zone]
    # Both limits are in force where they belong.
    assert re.search(r"location = /_stcore/stream \{\s*limit_req zone=ecocity_signin ", CONF)
    assert re.search(r"location \^~ /_stcore/upload_file/ \{\s*limit_req zone=ecocity_upload ", CONF)
    assert "limit_req_status 429;" in CONF


def test_the_replicas_start_serve_py_with_the_client_address_header():
    section = _deployment()
    assert "streamlit run serve.py" in section and "streamlit run app.py --server" not in section
    assert "export ECOCITY_CLIENT_IP_HEADER=X-Real-IP" in section
    assert "proxy_set_header X-Real-IP $remote_addr;" in CONF


def test_no_location_drops_the_headers_set_for_the_server():
    """nginx inherits add_header and proxy_set_header only into a block that sets none."""
    https = CONF[CONF.index("listen 443 ssl;"):]
    first_location = https.index("\n    location ")
    for directive in ("add_header", "proxy_set_header", "proxy_hide_header"):
        assert directive not in https[first_location:], directive
    for header in ("X-Frame-Options \"DENY\"", "Content-Security-Policy \"frame-ancestors 'none'\"",
                   "X-Content-Type-Options \"nosniff\"", "Referrer-Policy \"same-origin\""):
        assert f"add_header {header} always;" in https[:first_location]
    assert re.search(r"location \^~ /_stcore/metrics \{\s*deny all;", CONF)


def test_the_test_rendering_changes_only_addresses_ports_and_certificate(tmp_path):
    out = render(CONF, upstreams=["127.0.0.1:1", "127.0.0.1:2"], https_port=3, http_port=4,
                 cert=tmp_path / "c.pem", key=tmp_path / "k.pem")
    changed = [(a, b) for a, b in zip(CONF.splitlines(), out.splitlines(), strict=True) if a != b]
    assert [a.split()[0] for a, _ in changed] == ["server", "server", "listen", "listen", "ssl_certificate",
                                                  "ssl_certificate_key"]
    with pytest.raises(ProxyError):
        render(CONF.replace("listen 80;", "listen 8080;"), upstreams=["a:1", "b:2"], https_port=3, http_port=4,
               cert=tmp_path / "c", key=tmp_path / "k")


def test_nginx_accepts_the_file(tmp_path):
    if nginx_path() is None:
        if os.environ.get("ECOCITY_REQUIRE_BROWSER") == "1":
            pytest.fail("nginx not found (ECOCITY_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip("nginx not found (Debian: apt-get install nginx)")
    assert "test is successful" in check_config(tmp_path, ["127.0.0.1:1", "127.0.0.1:2"])


def test_ci_installs_nginx():
    assert "missing+=(nginx)" in (ROOT / ".ci" / "run").read_text("utf-8")
