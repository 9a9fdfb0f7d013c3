"""What the registry administration page shows of registry rows (ecocity.pagemodels.registry_admin):
a dash for a missing value (never "None"), regions and yes/no in the page's language."""

from __future__ import annotations

from ecocity.i18n import t
from ecocity.io import registry_file
from ecocity.pagemodels import registry_admin as view

ROW = {"code": "ASIA-CLEAN-CHONBURI", "name_th": "นิคมเอเชีย คลีน", "name_en": "Asia Clean IE",
       "province_pcode": "TH20", "region": "East", "lat": None, "lon": None, "source_checked": "no", "area": ""}


def test_a_missing_value_is_a_dash_and_words_are_thai():
    [row] = view.table_rows(registry_file.table_columns(registry_file.ESTATES), [ROW], "th")
    field = {c: t(f"registry_admin.field.{c}", "th") for c in ("region", "lat", "lon", "source_checked", "area")}
    assert row[field["lat"]] == row[field["lon"]] == row[field["area"]] == "—"
    assert row[field["region"]] == "ภาคตะวันออก" and row[field["source_checked"]] == "ไม่ใช่"
    assert not any(v in ("None", "East", "yes", "no") for v in row.values())


def test_values_in_english_and_mixed_regions():
    assert view.value_text("source_checked", "yes", "en") == t("registry_admin.value.yes", "en")
    assert view.value_text("source_checked", True, "th") == "ใช่"
    assert view.value_text("lat", 13.4215, "th") == "13.4215"  # every digit kept
    assert view.value_text("region", "Central/East", "th") == "ภาคกลาง/ภาคตะวันออก"
    assert view.value_text("region", "Somewhere", "th") == "Somewhere"  # unknown: as stored, not guessed
    assert view.value_text("estates", "A;B", "en") == "A; B"
    assert view.value_text("region", None, "en") == view.value_text("lat", "", "en") == "—"
