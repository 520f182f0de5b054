"""Boundary maps for the data wall, only from files the deployment supplies.

A published map of China needs an approval number (审图号), so Wushe ships none: a deployment
puts `<region code>.json` (GeoJSON of the region's children) under `settings.GEOJSON_DIR`
(environment `WUSHE_GEOJSON_DIR`, default `var/geojson`). Without one the wall shows the
ranking instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from wushe.regions.models import CODE_LENGTH


def geojson_dir() -> Path:
    configured = getattr(settings, "GEOJSON_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "geojson"


def map_file(region) -> Path | None:
    path = geojson_dir() / f"{region.code}.json"
    return path if path.is_file() else None


def boundary_map(region) -> dict | None:
    """The region's GeoJSON with each feature named as Wushe names the child region it
    matches by code (`code` or the 6-digit `adcode` maps carry), so the wall can colour it
    by the ranking; None when the deployment supplied no map or the file is not GeoJSON."""
    path = map_file(region)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = data["features"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    names = {child.code: child.name for child in region.children.all()}
    for feature in features:
        properties = feature.setdefault("properties", {}) or {}
        feature["properties"] = properties
        code = str(properties.get("code") or properties.get("adcode") or "")
        code = code.ljust(CODE_LENGTH, "0") if code.isdigit() else ""
        if code in names:
            properties["name"] = names[code]
    return data
