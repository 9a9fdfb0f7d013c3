"""Exports that keep the user informed and are made once: the step names a progress callback
hears (in the deck's language, shares rising to 1), the terminal bar of ``ecocity export``
(quiet when stderr is no terminal), and the cache that builds a file once per key however many
sessions ask. No browser: the map's picture is a placeholder."""

from __future__ import annotations

import io
import threading
import time

import pytest
from test_export import deck, images

from ecocity.cli.export import ProgressBar
from ecocity.i18n import t
from ecocity.io.export.cache import BuildCache
from ecocity.io.export.pdf import deck_pdf
from ecocity.io.export.pptx import deck_pptx
from ecocity.io.export.progress import Steps, part


@pytest.mark.parametrize(("make", "step"), [(deck_pptx, "slides"), (deck_pdf, "pages")])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_an_export_names_its_steps_and_its_shares_rise_to_one(make, step, lang):
    d = deck(lang)
    heard: list[tuple[float, str]] = []
    make(d, images=images(d), progress=lambda share, text: heard.append((share, text)))
    shares = [s for s, _ in heard]
    assert shares == sorted(shares) and shares[-1] == 1.0 and all(0 <= s <= 1 for s in shares)
    texts = [text for _, text in heard]
    n = len(d.slides)
    assert f"{t(f'export.step.{step}', lang)} (1/{n})" in texts and f"{t(f'export.step.{step}', lang)} ({n}/{n})" in texts
    assert t("export.step.saving", lang) in texts and texts[-1] == t("export.step.done", lang)


def test_a_part_of_a_job_reports_inside_its_range_and_steps_without_a_callback_are_quiet():
    heard = []
    inner = part(lambda s, text: heard.append((round(s, 3), text)), 0.1, 1.0)
    inner(0.0, "a")
    inner(0.5, "b")
    inner(2.0, "c")
    assert heard == [(0.1, "a"), (0.55, "b"), (1.0, "c")]
    assert part(None, 0.1, 1.0) is None
    Steps(None, "th")(0.5, "slides", 1, 3)  # nothing to tell, nothing raised


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_terminal_bar_redraws_one_line_and_clears_it_and_is_quiet_elsewhere():
    term = Terminal()
    bar = ProgressBar(term, width=10)
    bar(0.5, "กำลังสร้างสไลด์ (3/6)")
    bar(1.0, "เสร็จแล้ว")
    bar.close()
    out = term.getvalue()
    assert "\r[#####.....]  50% กำลังสร้างสไลด์ (3/6)" in out and "[##########] 100% เสร็จแล้ว" in out
    assert out.endswith("\r\x1b[K") and "\n" not in out  # drawn over itself, then wiped
    pipe = io.StringIO()  # a log, a script: no terminal
    quiet = ProgressBar(pipe)
    quiet(0.5, "x")
    quiet.close()
    assert pipe.getvalue() == "" and not quiet.on


def test_a_file_is_built_once_per_key_while_several_ask_at_the_same_time():
    cache = BuildCache()
    made = []

    def make() -> bytes:
        made.append(1)
        time.sleep(0.2)
        return b"deck"

    out = []
    threads = [threading.Thread(target=lambda: out.append(cache.build(("db", "1:5", 2566, "country", "th", "pptx"),
                                                                        make))) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert out == [b"deck"] * 4 and len(made) == 1 and cache.builds == 1
    assert cache.get(("db", "1:5", 2566, "country", "th", "pptx")) == b"deck"
    assert cache.get(("db", "1:6", 2566, "country", "th", "pptx")) is None  # new data, new files


def test_a_failed_build_keeps_nothing_and_old_entries_make_room():
    cache = BuildCache(max_entries=2)

    def fail() -> bytes:
        raise RuntimeError("no browser")

    with pytest.raises(RuntimeError):
        cache.build("a", fail)
    assert cache.get("a") is None
    assert cache.build("a", lambda: b"1") == b"1"  # tried again
    cache.build("b", lambda: b"2")
    cache.get("a")  # used: kept
    cache.build("c", lambda: b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    small = BuildCache(max_bytes=5)
    small.build("x", lambda: b"1234")
    small.build("y", lambda: b"5678")
    assert small.get("x") is None and small.get("y") == b"5678"
    cache.drop("a")
    assert cache.get("a") is None
