"""The demo's rosters: one 白其其格 (station worker, 爱国街道) has already imported, so her
import history shows a finished batch, and one for a newcomer to upload, with the mistakes
real rosters carry (a wrong check digit, a village outside her station, a missing name, a
person listed twice, people already registered), so the check has something to say."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from stdnum.cn import ric

from wushe.accounts.models import User
from wushe.core.demo.plan import GIVEN, SEED, SURNAMES
from wushe.people import exports, imports, services
from wushe.people.models import ImportBatch, Person

IMPORTER = "station_worker"
VILLAGES = ("152201001001", "152201001002", "152201001003")
IMPORTED_NAME = "春季走访补录.xlsx"
SAMPLE_NAME = "爱国街道花名册示例.xlsx"
CATEGORY_LABELS = ("独居老人", "空巢老人", "低保", "留守儿童", "")


def _rows(rng: random.Random, count: int, sequence: int) -> list[dict[str, str]]:
    rows = []
    for n in range(count):
        birth = date(1938, 1, 1) + timedelta(days=rng.randrange(365 * 80))
        body = f"152201{birth:%Y%m%d}{sequence + n:03d}"
        rows.append({
            "name": rng.choice(SURNAMES[:30]) + rng.choice(GIVEN[rng.choice("MF")]),
            "id_number": body + ric.calc_check_digit(body + "0"),
            "phone": f"1394821{rng.randrange(10000):04d}",
            "region": VILLAGES[n % len(VILLAGES)],
            "address": f"兴安南大街{rng.randrange(1, 60)}号",
            "category": CATEGORY_LABELS[n % len(CATEGORY_LABELS)],
        })  # fmt: skip
    return rows


def _workbook(by: User, rows: list[dict[str, str]]) -> bytes:
    """The platform's own template (dropdowns, text columns), filled in."""
    wb = load_workbook(io.BytesIO(exports.roster_workbook(by=by)))
    ws = wb[exports.SHEET]
    for values in rows:
        ws.append([values.get(c.key, "") for c in exports.COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sample(by: User, rng: random.Random) -> list[dict[str, str]]:
    rows = _rows(rng, 40, 700)
    rows[5]["id_number"] = rows[5]["id_number"][:-1] + (
        "1" if rows[5]["id_number"][-1] == "0" else "0"
    )
    rows[11]["region"] = "152201002001"  # 和平街道: another station's village
    rows[17]["name"] = ""
    rows[23]["id_number"] = rows[2]["id_number"]  # the same person listed twice
    # Two people the station already serves: one as the registry has them (无变化), one
    # with a new address, which an import reports but never overwrites (已存在，未更新).
    same, moved = Person.objects.visible_to(by).order_by("pk")[:2]
    for person, address in ((same, same.address), (moved, "五一北路8号")):
        rows.append({
            "name": person.name, "id_number": services.id_number_of(person),
            "phone": services.phone_of(person), "region": person.region_id,
            "ethnicity": person.ethnicity, "address": address, "relation": person.relation,
            "legal_basis": person.legal_basis,
        })  # fmt: skip
    return rows


def ensure_rosters(say: Callable[[str], None]) -> Path | None:
    """Import the first roster once and write the sample; returns the sample's path."""
    by = User.objects.filter(username=IMPORTER).first()
    if by is None:
        return None
    rng = random.Random(SEED + 5)
    first = _rows(rng, 24, 600)
    if not ImportBatch.objects.filter(created_by=by, file_name=IMPORTED_NAME).exists():
        upload = SimpleUploadedFile(IMPORTED_NAME, _workbook(by, first))
        batch = imports.import_commit(by=by, batch=imports.import_preview(by=by, file=upload))
        say(f"花名册导入：{by.name} 已导入《{IMPORTED_NAME}》{batch.rows_created} 人。")
    path = Path(settings.VAR_DIR) / "demo" / SAMPLE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_workbook(by, _sample(by, rng)))
    return path
