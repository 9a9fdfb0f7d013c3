"""How far an export has got: a callback ``progress(share, step)`` hears the share done (0..1)
and what is being done, in the deck's language ("Writing the slides (3/13)"), for a progress
bar on a page or a terminal."""

from __future__ import annotations

from collections.abc import Callable

from ecocity.i18n import t

Progress = Callable[[float, str], None]


def part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """``progress`` for a part of a job: its 0..1 reported as ``start``..``end``."""
    if progress is None:
        return None
    report = progress
    return lambda share, step: report(start + (end - start) * min(max(share, 0.0), 1.0), step)


class Steps:
    """Reports named steps (keys of ``export.step``) to ``progress``; nothing without one."""

    def __init__(self, progress: Progress | None, lang: str):
        self.progress = progress
        self.lang = lang

    def __call__(self, share: float, step: str, n: int | None = None, total: int | None = None) -> None:
        if self.progress is None:
            return
        text = t(f"export.step.{step}", self.lang)
        if n is not None and total:
            text = f"{text} ({n}/{total})"
        self.progress(min(max(share, 0.0), 1.0), text)
