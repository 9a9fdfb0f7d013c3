"""Display names for registry values stored in English (regions)."""

from __future__ import annotations

import re

from ecocity.i18n import catalogue, norm_lang


def region_label(region: str | None, lang: str) -> str:
    """"East" -> "ภาคตะวันออก"; "Central (BMR)" -> key central_bmr; an unknown or mixed
    region ("North/Central") is shown as stored rather than guessed."""
    if not region:
        return "–"
    key = "app.region." + re.sub(r"[^a-z]+", "_", region.lower()).strip("_")
    return catalogue(norm_lang(lang)).get(key, region)
