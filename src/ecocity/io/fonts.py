"""The Thai font: Noto Sans Thai (OFL) from the ``fontpkg-noto-sans-thai`` package, found for the
exports and copied into ``static/`` for the web pages (see docs/design-notes.md)."""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

FAMILY = "Noto Sans Thai"
STATIC_NAME = "NotoSansThai.ttf"  # the name config.toml points at (app/static/...)
ROOT = Path(__file__).resolve().parents[3]


def font_path() -> Path:
    """The variable font file (weights 100-900) inside the installed package."""
    import fontpkg

    return Path(fontpkg.path(FAMILY))


def publish_static_font(static_dir: Path = ROOT / "static") -> Path:
    """Copy the font into ``static_dir`` unless an identical copy is already there."""
    src, dst = font_path(), static_dir / STATIC_NAME
    if not (dst.is_file() and filecmp.cmp(src, dst, shallow=False)):
        static_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return dst


if __name__ == "__main__":  # python -m ecocity.io.fonts [static_dir]
    print(publish_static_font(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "static"))
