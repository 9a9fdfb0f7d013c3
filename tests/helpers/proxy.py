"""Debian's nginx running deploy/nginx.conf in front of test replicas, as the current user.

The deployment file is used as it is, but for four things a test machine must change:
the replicas' addresses, the two listen lines (loopback, free ports) and the certificate
(a self-signed one for 127.0.0.1 made here). Each replacement must match exactly as often
as expected, so a change to the file that a test would silently stop covering fails
here instead. The file is an http-level include (conf.d); the small main configuration
written around it keeps the pid, the logs and nginx's temporary files in the test's
folder (``nginx -p``), and logs which replica served each request.

    with run_proxy(["127.0.0.1:8601", "127.0.0.1:8602"], tmp) as proxy:
        proxy.url  # https://127.0.0.1:PORT
"""

from __future__ import annotations

import getpass
import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ecocity.config import ROOT
from helpers.devserver import free_port

DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"
START_TIMEOUT = 10.0


class ProxyError(RuntimeError):
    """nginx refused the configuration or did not start."""


def nginx_path() -> str | None:
    """Debian's nginx (in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def _swap(text: str, pattern: str, replacements: Sequence[str], what: str) -> str:
    """Replace each match of ``pattern`` (multiline) by the next of ``replacements``;
    exactly ``len(replacements)`` matches, else ProxyError naming ``what``."""
    found = list(re.finditer(pattern, text, flags=re.MULTILINE))
    if len(found) != len(replacements):
        raise ProxyError(f"{DEPLOY_CONF.name}: expected {len(replacements)} {what}, found {len(found)}")
    for m, new in zip(reversed(found), reversed(replacements), strict=True):
        text = text[:m.start(1)] + new + text[m.end(1):]
    return text


def render(conf: str, *, upstreams: Sequence[str], https_port: int, http_port: int, cert: Path,
           key: Path) -> str:
    """The deployment file with the test's addresses, ports and certificate."""
    if len(upstreams) != 2:
        raise ValueError("the deployment file names two replicas")
    conf = _swap(conf, r"^\s*server\s+(10\.0\.0\.1[12]:8501)\s", upstreams, "replica servers")
    conf = _swap(conf, r"^\s*listen\s+(443) ssl;", [f"127.0.0.1:{https_port}"], "HTTPS listen line")
    conf = _swap(conf, r"^\s*listen\s+(80);", [f"127.0.0.1:{http_port}"], "HTTP listen line")
    conf = _swap(conf, r"^\s*ssl_certificate\s+(\S+);", [str(cert)], "certificate")
    return _swap(conf, r"^\s*ssl_certificate_key\s+(\S+);", [str(key)], "certificate key")


def limits(conf: str) -> dict[str, tuple[int, int]]:
    """{zone: (requests per minute, burst)} of the file's limit_req zones and locations."""
    rates = {z: int(n) * (60 if unit == "s" else 1)
             for z, n, unit in re.findall(r"limit_req_zone\s+\S+\s+zone=(\w+):\w+\s+rate=(\d+)r/([sm]);", conf)}
    bursts: dict[str, int] = {}
    for zone, burst in re.findall(r"limit_req\s+zone=(\w+)\s+burst=(\d+)", conf):
        bursts.setdefault(zone, int(burst))
        if bursts[zone] != int(burst):
            raise ProxyError(f"zone {zone} has different bursts in different locations")
    return {z: (rates[z], bursts[z]) for z in rates}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (openssl), valid for two days."""
    cert, key = folder / "proxy.pem", folder / "proxy.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def main_conf(prefix: Path, site: Path) -> str:
    """The main configuration around the site file: everything nginx writes stays in
    ``prefix``, and the access log names the replica of each request."""
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # else workers run as nobody
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'tmp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} info;
events {{
    worker_connections 512;
}}
http {{
    include /etc/nginx/mime.types;
    log_format replica '$remote_addr "$request" $status upstream=$upstream_addr';
    access_log {prefix / 'access.log'} replica;
{temp}
    include {site};
}}
"""


@dataclass
class Proxy:
    url: str  # https://127.0.0.1:PORT
    http_url: str  # http://127.0.0.1:PORT (redirects to HTTPS)
    prefix: Path

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"

    def replicas_of(self, path: str) -> list[str]:
        """The replica (upstream address) that answered each request whose path starts
        with ``path``, in the order nginx logged them (a websocket: when it closed). When
        nginx tried several, the last."""
        out = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            m = re.search(r'"[A-Z]+ (\S+) [^"]*" \d+ upstream=(.+)$', line)
            if m and m.group(1).startswith(path) and m.group(2) != "-":
                out.append(m.group(2).split(",")[-1].strip())
        return out


def write_config(prefix: Path, upstreams: Sequence[str]) -> tuple[Path, int, int]:
    """Write the rendered site file and the main file into ``prefix``; returns (main
    configuration, HTTPS port, HTTP port)."""
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(prefix)
    https_port, http_port = free_port(), free_port()
    site = prefix / "ecocity.conf"
    site.write_text(render(DEPLOY_CONF.read_text("utf-8"), upstreams=upstreams, https_port=https_port,
                           http_port=http_port, cert=cert, key=key), "utf-8")
    main = prefix / "nginx.conf"
    main.write_text(main_conf(prefix, site), "utf-8")
    return main, https_port, http_port


def check_config(prefix: Path, upstreams: Sequence[str]) -> str:
    """``nginx -t`` on the rendered configuration; returns its output (ProxyError if refused)."""
    main, _, _ = write_config(prefix, upstreams)
    nginx = nginx_path()
    if nginx is None:
        raise ProxyError("nginx not found (Debian: apt-get install nginx)")
    r = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ProxyError(f"nginx -t refused the configuration:\n{r.stderr}")
    return r.stderr


@contextmanager
def run_proxy(upstreams: Sequence[str], prefix: Path) -> Iterator[Proxy]:
    """nginx with deploy/nginx.conf in front of ``upstreams`` (host:port), in the foreground
    as a child process; yields once it answers, stops it on leaving."""
    nginx = nginx_path()
    if nginx is None:
        raise ProxyError("nginx not found (Debian: apt-get install nginx)")
    prefix.mkdir(parents=True, exist_ok=True)
    main, https_port, http_port = write_config(prefix, upstreams)
    out = (prefix / "nginx.out").open("w")
    proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")],
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proxy = Proxy(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", prefix)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                log = proxy.error_log.read_text(errors="replace") if proxy.error_log.exists() else ""
                raise ProxyError(f"nginx did not start (exit {proc.poll()}):\n{log[-4000:]}")
            try:
                if request(proxy.url + "/_stcore/health").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        yield proxy
    finally:
        proc.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]


def request(url: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 10) -> Answer:
    """One HTTP(S) request on a new connection, the certificate not checked (it is the
    test's own); any status is an answer."""
    u = urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout,
                                                                       context=ctx)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, (u.path or "/") + (f"?{u.query}" if u.query else ""), body=body,
                     headers=headers or {})
        r = conn.getresponse()
        return Answer(r.status, r.getheaders(), r.read())
    finally:
        conn.close()
