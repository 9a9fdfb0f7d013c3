"""Where a stored version came from, as the estate page's version table names it
(ecocity.pagemodels.estate.version_outcome): the sample data, a command-line import, an
upload on the page, or a restore."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ecocity.i18n import t
from ecocity.pagemodels.estate import version_outcome


def version(created_by: str, is_sample: bool = False, restored_from: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(created_by=created_by, is_sample=is_sample, restored_from_version=restored_from)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_each_way_in_has_its_own_label(lang):
    labels = [version_outcome(version("cli:ecocity sample", is_sample=True), lang),
              version_outcome(version("cli:somchai"), lang),
              version_outcome(version("somchai"), lang),
              version_outcome(version("somchai", restored_from=1), lang)]
    assert labels == [t("detail.versions.sample", lang), t("detail.versions.imported", lang),
                      t("detail.versions.uploaded", lang), t("detail.versions.restored_from", lang, version=1)]
    assert len(set(labels)) == 4


def test_the_sample_loaded_by_the_command_is_not_called_an_upload():
    from ecocity.cli.sample import UPLOADED_BY
    from ecocity.core.access import system

    label = version_outcome(version(system(UPLOADED_BY).username, is_sample=True), "th")
    assert label == "ข้อมูลตัวอย่าง (โหลดด้วยคำสั่ง)" and "อัปโหลด" not in label
