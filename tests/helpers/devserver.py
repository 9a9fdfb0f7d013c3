"""The dashboard as a real ``streamlit run app.py`` process on a free loopback port: the
one launcher shared by the browser tests, the page benchmark and the load test.

    with serve({"ECOCITY_DATABASE_URL": url}, log_path) as base_url:
        ...  # http://127.0.0.1:PORT, healthy

Each process's output goes to its log file, whose tail is in the error when it does not
become healthy in time; every process is stopped on leaving (terminate, then kill).
``script=SERVE`` starts ``serve.py`` (app.py plus the app's own HTTP routes, as replicas
behind the proxy run it); :func:`start_servers` yields handles that can stop one server
early (a replica going away).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ecocity.config import ROOT

APP = ROOT / "app.py"
SERVE = ROOT / "serve.py"
START_TIMEOUT = 90.0


class ServerStartError(RuntimeError):
    """A server that exited or did not answer its health check in time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Server:
    """One running server: its base URL, its log file, and a way to stop it early."""

    proc: subprocess.Popen
    url: str
    log_path: Path

    def stop(self) -> None:
        """Terminate (as a service manager does), then kill after 15 s; idempotent."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def start_servers(envs: Sequence[Mapping[str, str]], log_paths: Sequence[Path], *,
                  timeout: float = START_TIMEOUT, script: Path = APP) -> Iterator[list[Server]]:
    """One server of ``script`` per ``envs`` entry (overrides of this process's
    environment), all started before waiting, so they start side by side; yields them
    once every one is healthy and stops them on leaving."""
    servers: list[Server] = []
    logs = []
    try:
        for env, log_path in zip(envs, log_paths, strict=True):
            port = free_port()
            log = Path(log_path).open("w")
            logs.append(log)
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            servers.append(Server(proc, f"http://127.0.0.1:{port}", Path(log_path)))
        deadline = time.monotonic() + timeout
        for server in servers:
            while not healthy(server.url):
                if server.proc.poll() is not None or time.monotonic() > deadline:
                    raise ServerStartError(
                        f"streamlit at {server.url} did not start (exit {server.proc.poll()}):\n"
                        f"{server.log_path.read_text(errors='replace')[-4000:]}")
                time.sleep(0.2)
        yield servers
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.proc.terminate()
        for server in servers:
            server.stop()
        for log in logs:
            log.close()


@contextmanager
def serve_many(envs: Sequence[Mapping[str, str]], log_paths: Sequence[Path], *,
               timeout: float = START_TIMEOUT, script: Path = APP) -> Iterator[list[str]]:
    """One server per ``envs`` entry (see :func:`start_servers`); yields their base URLs."""
    with start_servers(envs, log_paths, timeout=timeout, script=script) as servers:
        yield [server.url for server in servers]


@contextmanager
def serve(env: Mapping[str, str], log_path: Path, *, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """One server (see :func:`serve_many`); yields its base URL."""
    with serve_many([env], [log_path], timeout=timeout) as (url,):
        yield url
