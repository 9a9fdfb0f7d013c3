"""The i18n catalogue is complete: Thai and English have the same keys in every file, no
message is empty, placeholders agree, and every literal t("key") in app.py, views/ and
src/ exists."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from ecocity.i18n import LANGS, _flatten, catalogue

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "ecocity" / "locales"
# A call of t() with a literal first argument: t("area.key", ...). Not obj.t(...) or st(...).
T_CALL = re.compile(r"""(?<![\w.])t\(\s*(["'])([A-Za-z0-9_.]+)\1""")


def _keys(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    _flatten("", tomllib.loads(path.read_text("utf-8")), out)
    return out


def _placeholders(msg: str) -> set[str]:
    """The fields a message takes; an English plural ``{n|one|other}`` takes ``n``."""
    return {name.split("|")[0] for _, name, _, _ in string.Formatter().parse(msg) if name}


FILES = sorted({p.name for lang in LANGS for p in (LOCALES / lang).glob("*.toml")})


@pytest.mark.parametrize("name", FILES)
def test_each_file_has_the_same_keys_in_every_language(name):
    keys = {}
    for lang in LANGS:
        path = LOCALES / lang / name
        assert path.is_file(), f"{lang}/{name} is missing"
        keys[lang] = _keys(path)
    th, en = set(keys["th"]), set(keys["en"])
    assert th - en == set(), f"only in th/{name}"
    assert en - th == set(), f"only in en/{name}"
    for key in th:
        for lang in LANGS:
            assert keys[lang][key].strip(), f"{lang}/{name}: {key} is empty"
        assert _placeholders(keys["th"][key]) == _placeholders(keys["en"][key]), key


def test_no_key_is_defined_in_two_files():
    for lang in LANGS:
        seen: dict[str, str] = {}
        for path in sorted((LOCALES / lang).glob("*.toml")):
            for key in _keys(path):
                assert key not in seen, f"{lang}: {key} in both {seen[key]} and {path.name}"
                seen[key] = path.name


def _sources() -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "views").rglob("*.py")),
             *sorted((ROOT / "src" / "ecocity").rglob("*.py"))]
    return [f for f in files if f.is_file()]


def test_every_key_used_in_the_code_exists():
    known = {lang: set(catalogue(lang)) for lang in LANGS}
    missing = []
    used = 0
    for f in _sources():
        for m in T_CALL.finditer(f.read_text("utf-8")):
            used += 1
            for lang in LANGS:
                if m.group(2) not in known[lang]:
                    missing.append(f"{f.relative_to(ROOT)}: {m.group(2)} ({lang})")
    assert used > 0, "the scan found no t() call: the pattern is broken"
    assert missing == []


def test_one_bilingual_helper_picks_thai_or_english():
    from dataclasses import dataclass

    from ecocity.i18n import Named, bilingual

    @dataclass(frozen=True)
    class Place(Named):
        name_th: str
        name_en: str

    assert bilingual("th", "ระยอง", "Rayong") == "ระยอง" and bilingual("en", "ระยอง", "Rayong") == "Rayong"
    assert Place("ระยอง", "Rayong").name("th") == "ระยอง" and Place("ระยอง", "Rayong").name("en") == "Rayong"
    assert Place("ระยอง", "Rayong").name() == "ระยอง"


def test_names_are_not_picked_by_hand_outside_the_helper():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = [f"{p.relative_to(root)}:{n}" for p in [*(root / "src").rglob("*.py"), *(root / "views").glob("*.py")]
             for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
             if re.search(r"\w_th\b[^#\n]* if \w+ == \"th\" else [\w.]+_en\b", line) and p.name != "i18n.py"]
    assert found == []


def test_english_plurals_come_from_the_catalogue_form():
    from ecocity.i18n import _plural

    assert _plural("{n} {n|area|areas}", {"n": 1}) == "{n} area"
    assert _plural("{n} {n|area|areas} · {e} {e|estate|estates}", {"n": 4, "e": 1}) == "{n} areas · {e} estate"
    assert _plural("{n} {n|area|areas}", {"n": 0}) == "{n} areas"
    assert _plural("{n} {n|level|levels}", {"n": "+1"}) == "{n} level"  # a signed change
    assert _plural("{n} {n|level|levels}", {"n": "-2"}) == "{n} levels"
