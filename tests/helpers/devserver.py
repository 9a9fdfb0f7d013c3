"""The dashboard as a real ``streamlit run app.py`` process on a free loopback port: the
one launcher shared by the browser tests, the page benchmark and the load test.

    with serve({"ECOCITY_DATABASE_URL": url}, log_path) as base_url:
        ...  # http://127.0.0.1:PORT, healthy

Each process's output goes to its log file, whose tail is in the error when it does not
become healthy in time; every process is stopped on leaving (terminate, then kill).
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
from pathlib import Path

from ecocity.config import ROOT

APP = ROOT / "app.py"
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


@contextmanager
def serve_many(envs: Sequence[Mapping[str, str]], log_paths: Sequence[Path], *,
               timeout: float = START_TIMEOUT) -> Iterator[list[str]]:
    """One server per ``envs`` entry (overrides of this process's environment), all
    started before waiting, so they start side by side; yields their base URLs."""
    procs: list[tuple[subprocess.Popen, str, Path]] = []
    logs = []
    try:
        for env, log_path in zip(envs, log_paths, strict=True):
            port = free_port()
            log = Path(log_path).open("w")
            logs.append(log)
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            procs.append((proc, f"http://127.0.0.1:{port}", Path(log_path)))
        deadline = time.monotonic() + timeout
        for proc, url, log_path in procs:
            while not healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise ServerStartError(f"streamlit at {url} did not start (exit {proc.poll()}):\n"
                                           f"{log_path.read_text(errors='replace')[-4000:]}")
                time.sleep(0.2)
        yield [url for _, url, _ in procs]
    finally:
        for proc, _, _ in procs:
            proc.terminate()
        for proc, _, _ in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


@contextmanager
def serve(env: Mapping[str, str], log_path: Path, *, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """One server (see :func:`serve_many`); yields its base URL."""
    with serve_many([env], [log_path], timeout=timeout) as (url,):
        yield url
