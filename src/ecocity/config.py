"""Settings from environment variables, with defaults. Read once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    framework_path: Path
    max_upload_bytes: int
    default_lang: str
    # Accounts: how long a sign-in lasts at most, and whether visitors who are
    # not signed in may read the dashboards.
    session_hours: float
    anonymous_view: bool
    # The request header a reverse proxy puts the browser's address in (e.g. X-Real-IP),
    # or "" to use the connection's own address; sign-ins are throttled by that address.
    client_ip_header: str
    # Largest accepted evidence file (a PDF, picture or spreadsheet sent with a submission).
    max_evidence_bytes: int = 20 * 1024 * 1024


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def settings() -> Settings:
    """Current settings. Environment variables:

    ECOCITY_DATABASE_URL    SQLAlchemy URL; default SQLite file var/ecocity.sqlite3.
                            PostgreSQL: postgresql+psycopg://user@host:5432/dbname
    ECOCITY_DATA_DIR        folder with frameworks/, registry CSVs and the map (default data/)
    ECOCITY_FRAMEWORK       framework file in force (default data/frameworks/eit-default.toml)
    ECOCITY_MAX_UPLOAD_MB   largest accepted workbook in MB (default 10)
    ECOCITY_MAX_EVIDENCE_MB largest accepted evidence file (PDF, picture, spreadsheet) in MB (default 20)
    ECOCITY_LANG            default interface language, th or en (default th)
    ECOCITY_SESSION_HOURS   a sign-in lasts the browser session, at most this long (default 12)
    ECOCITY_ANONYMOUS_VIEW  1: visitors may read the dashboards without signing in (default);
                            0: every page but sign-in asks to sign in first
    ECOCITY_CLIENT_IP_HEADER  the header holding the browser's address, set by a reverse proxy
                            in front of every replica (e.g. X-Real-IP); default none: the
                            address of the connection. Only set it behind such a proxy: a
                            browser could otherwise send any address in it
    """
    data_dir = Path(os.environ.get("ECOCITY_DATA_DIR") or ROOT / "data")
    url = os.environ.get("ECOCITY_DATABASE_URL") or _sqlite_url(ROOT / "var" / "ecocity.sqlite3")
    fw = Path(os.environ.get("ECOCITY_FRAMEWORK") or data_dir / "frameworks" / "eit-default.toml")
    try:
        max_mb = float(os.environ.get("ECOCITY_MAX_UPLOAD_MB") or 10)
    except ValueError:
        max_mb = 10.0
    try:
        evidence_mb = float(os.environ.get("ECOCITY_MAX_EVIDENCE_MB") or 20)
    except ValueError:
        evidence_mb = 20.0
    lang = os.environ.get("ECOCITY_LANG", "th")
    try:
        hours = float(os.environ.get("ECOCITY_SESSION_HOURS") or 12)
    except ValueError:
        hours = 12.0
    anonymous = (os.environ.get("ECOCITY_ANONYMOUS_VIEW") or "1").strip().lower() not in ("0", "false", "no", "off")
    ip_header = (os.environ.get("ECOCITY_CLIENT_IP_HEADER") or "").strip()
    return Settings(database_url=url, data_dir=data_dir, framework_path=fw,
                    max_upload_bytes=int(max_mb * 1024 * 1024),
                    default_lang=lang if lang in ("th", "en") else "th",
                    session_hours=hours if hours > 0 else 12.0, anonymous_view=anonymous,
                    client_ip_header=ip_header, max_evidence_bytes=int(evidence_mb * 1024 * 1024))
