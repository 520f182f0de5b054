"""Roster import (花名册导入): upload, a dry run that names each bad row's row, column and
reason, a commit in one transaction, and the undo of a whole batch.

Rows are validated by the services' own rules (ID number, phone, name, village, scope).
Good rows are written in bulk, each encrypted, indexed and given its search keys as
`person_create` does, with one audit event per batch that lists the people it created.
Importing a file twice changes nothing: a registered ID number is "unchanged" when the
row matches, and "已存在，未更新" when it does not — nothing is overwritten.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import itertools
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.models import AuditEvent
from wushe.audit.services import audit_record
from wushe.core.crypto import decrypt_text, encrypt_text
from wushe.core.identity import normalise
from wushe.core.sql import insert_many, insert_rows
from wushe.people import search, services
from wushe.people.exports import COLUMNS, labels
from wushe.people.ledger import Ledger
from wushe.people.models import (
    VALUES,
    Category,
    DuplicateDecision,
    Gender,
    Household,
    ImportBatch,
    LegalBasis,
    Person,
    PersonCategory,
    PersonSearchKey,
    Relation,
    TransferRequest,
)
from wushe.people.rules import current_q, is_sensitive
from wushe.people.sheets import cell_text, count_rows, header_key, records
from wushe.regions.models import Region, prefix_of
from wushe.stats import record as stats

logger = logging.getLogger(__name__)
Status = ImportBatch.Status
FILE_CONTEXT = "people.importbatch.file"
REPORT_CONTEXT = "people.importbatch.report"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
BACKGROUND_ROWS = 2000  # files with more rows are checked and committed by `wushe worker`
CHUNK = 500
PROBLEMS_KEPT = 1000
FAILED_KEPT = 20_000  # failed rows kept for the fix-and-upload-again workbook
NEW, UNCHANGED, CONFLICT, FAILED = "new", "unchanged", "conflict", "failed"
# The statuses each step may start from: one map for the pages, the API, the worker and
# the command. A batch caught half-way (checking, writing) may be run again: its earlier run
# either died, leaving nothing, or still holds the batch's lock and finishes first.
STARTS = {
    "check": {Status.UPLOADED, Status.CHECKING, Status.CHECKED, Status.CHECK_FAILED},
    "queue_check": {Status.UPLOADED, Status.CHECKING, Status.CHECK_FAILED},
    "commit": {Status.CHECKED, Status.QUEUED, Status.WRITING, Status.FAILED},
    "queue_commit": {Status.CHECKED, Status.QUEUED, Status.WRITING, Status.FAILED},
}
REFUSED = {
    "check": gettext_lazy("此批次为“%(s)s”，不能再检查。"),
    "commit": gettext_lazy("此批次为“%(s)s”，不能导入。"),
}
HEADERS = {c.key: c.header for c in COLUMNS}
DATE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$")
LIMITS = {"name": 50, "ethnicity": 20, "address": 200, "household": 50}
SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
REGISTERED_MEMBER = gettext_lazy(
    "（已登记，无需修改：与同户成员一并重新上传，新成员才会加入原家庭户）"
)
NUMERIC_ID = gettext_lazy("身份证号被存成了数字，末几位已丢失：请把此列设为“文本”格式后重新填写。")


def _seal(data: bytes, context: str) -> str:
    return encrypt_text(base64.b64encode(data).decode("ascii"), context=context)


def _unseal(token: str, context: str) -> bytes:
    return base64.b64decode(decrypt_text(token, context=context))


# --- checking rows ------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    cells: dict[str, object]
    errors: list[tuple[str, str]] = field(default_factory=list)
    status: str = NEW
    note: str = ""
    held_back: bool = False
    name: str = ""
    region: Region | None = None
    identity: services.Identity | None = None
    index: str = ""
    relation: str = ""
    legal_basis: str = LegalBasis.STATUTORY
    category: str = ""
    category_start: date | None = None
    existing: Person | None = None

    def __post_init__(self) -> None:
        self.texts = {key: cell_text(value) for key, value in self.cells.items()}

    def text(self, key: str) -> str:
        return self.texts.get(key, "")

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))

    @property
    def household(self) -> str:
        return self.text("household")

    def values(self) -> list[str]:
        return [self.text(c.key) for c in COLUMNS]

    def reason(self) -> str:
        return "；".join(f"{HEADERS[k]}：{m}" if k in HEADERS else m for k, m in self.errors)


def _choices(choices) -> dict[str, str]:
    """Label (Chinese or English) or stored value → stored value."""
    mapping = {header_key(c.value).lower(): c.value for c in choices}
    mapping |= {
        header_key(label): c.value for c, label in zip(choices, labels(choices), strict=True)
    }
    return mapping | {header_key(c.label): c.value for c in choices}


class _Checker:
    """Validates rows in file order, remembering what the file has said so far (ID numbers,
    households), so that running it twice over a file gives the same answers."""

    def __init__(self, by: User, ledger: Ledger, plan: dict | None = None) -> None:
        self.by = by
        self.plan = plan or {}
        self.today = timezone.localdate()
        self.regions: dict[str, tuple[Region | None, bool]] = {}  # code → (region, may create)
        self.ledger = ledger  # ID numbers, households and heads seen so far
        self.maps = {k: _choices(c) for k, c in [
            ("gender", Gender), ("relation", Relation), ("legal_basis", LegalBasis),
            ("category", Category),
        ]}  # fmt: skip

    def _choice(self, row: Row, key: str) -> str:
        text = row.text(key)
        return self.maps[key].get(header_key(text).lower(), self.maps[key].get(text, text))

    def _date(self, row: Row, key: str) -> date | None:
        value = row.cells.get(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
        if not text:
            return None
        match = DATE.match(text)
        try:
            if match is None:
                raise ValueError(text)
            y, m, d, m2, d2 = match.groups()
            return date(int(y), int(m or m2), int(d or d2))
        except ValueError:
            row.error(key, _("“%(v)s”不是有效日期，请写成 2024-01-31 的格式。") % {"v": text})
            return None

    def _region(self, row: Row) -> Region | None:
        text = normalise(row.text("region"))
        match = re.match(r"\d{12}", text)
        if not text:
            row.error("region", _("请填写所在村（社区）的 12 位区划代码。"))
            return None
        if match is None:
            row.error("region", _("区划代码“%(c)s”应为 12 位数字。") % {"c": text})
            return None
        code = match.group()
        if code not in self.regions:
            region = Region.objects.filter(code=code).first()
            allowed = region is not None and permissions.can(
                self.by, "people.person", "create", code
            )
            self.regions[code] = (region, allowed)
        region, allowed = self.regions[code]
        if region is None:
            row.error("region", _("区划代码“%(c)s”不存在。") % {"c": code})
        elif not allowed:
            row.error(
                "region", _("“%(r)s”（%(c)s）不在您的管辖范围内。") % {"r": region, "c": code}
            )
            region = None
        return region

    def _service_errors(self, row: Row, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            for message in messages:
                row.error(key, message)

    def validate(self, row: Row) -> Row:
        row.name = row.text("name")
        for key, limit in LIMITS.items():
            if len(row.text(key)) > limit:
                row.error(key, _("不能超过 %(n)s 个字。") % {"n": limit})
        gender = self._choice(row, "gender")
        if gender and gender not in VALUES[Gender]:
            row.error("gender", _("性别“%(v)s”无效，应为男或女。") % {"v": row.text("gender")})
        birth_date = self._date(row, "birth_date")
        row.relation = self._choice(row, "relation")
        row.legal_basis = self._choice(row, "legal_basis") or LegalBasis.STATUTORY
        row.region = self._region(row)
        try:  # the services' own rules: a name, a village, a known basis and relation
            services._validate_fields(
                name=row.name, legal_basis=row.legal_basis, relation=row.relation,
                region=row.region,
            )  # fmt: skip
        except ValidationError as exc:
            self._service_errors(row, exc)
        self._identity(row, gender, birth_date)
        self._category(row)
        self._household(row)
        return row

    def _identity(self, row: Row, gender: str, birth_date: date | None) -> None:
        raw = row.cells.get("id_number")
        if not row.text("id_number"):
            row.error("id_number", _("请填写身份证号。"))
        # Excel keeps 15 significant digits: an 18-digit number typed into a General cell has
        # lost its last digits (one time in eleven the rounded number even passes the check
        # digit, as someone else's number), and a CSV may hold it as 1.52201E+17. Never guess.
        as_number = isinstance(raw, int | float) and not isinstance(raw, bool)
        if (as_number and len(row.text("id_number")) > 15) or SCIENTIFIC.match(
            row.text("id_number")
        ):
            row.error("id_number", str(NUMERIC_ID))
            raw_id = ""
        else:
            raw_id = row.text("id_number")
        try:
            identity = services._identity(raw_id, row.text("phone"), None, "")
        except ValidationError as exc:
            self._service_errors(row, exc)
            return
        if not identity.id_number:
            return
        if birth_date and birth_date != identity.birth_date:
            row.error("birth_date", _("与身份证号中的出生日期（%(d)s）不符。") % {
                "d": identity.birth_date.isoformat()})  # fmt: skip
        if gender in VALUES[Gender] and gender != identity.gender:
            row.error("gender", _("与身份证号中的性别（%(g)s）不符。") % {
                "g": Gender(identity.gender).label})  # fmt: skip
        row.identity = identity
        row.index = identity.id_index
        first, _code = self.ledger.first("id", row.index, row.number)
        if first != row.number:
            row.error("id_number", _("与第 %(r)s 行的身份证号重复。") % {"r": first})

    def _category(self, row: Row) -> None:
        text = row.text("category")
        if not text:
            if row.text("category_start"):
                row.error("category", _("填写了类别开始日期，但没有填写类别。"))
            return
        value = self._choice(row, "category")
        if value not in VALUES[Category]:
            row.error("category", _("类别“%(v)s”无效，请从下拉列表中选择。") % {"v": text})
        elif value in (Category.DISABILITY, Category.LOCAL):
            row.error("category", _("“%(v)s”需要更多信息，请导入后在服务对象页面添加。") % {
                "v": Category(value).label})  # fmt: skip
        row.category = value
        row.category_start = self._date(row, "category_start") or self.today

    def _household(self, row: Row) -> None:
        key = row.household
        if not key:
            return
        code = row.region.code if row.region else ""
        first, first_code = self.ledger.first("household", key, row.number, code)
        if code and first_code and code != first_code:
            message = _("同一户的成员应在同一村（社区）：户号 %(k)s 的第 %(r)s 行在 %(c)s。")
            row.error("household", message % {"k": key, "r": first, "c": first_code})
        if row.relation == Relation.HEAD:
            head, _code = self.ledger.first("head", key, row.number)
            if head != row.number:
                row.error(
                    "relation", _("户号 %(k)s 已有户主（第 %(r)s 行）。") % {"k": key, "r": head}
                )

    def classify(self, rows: list[Row]) -> None:
        """NEW, UNCHANGED, CONFLICT or FAILED, against what the registry holds now."""
        good = {r.index: r for r in rows if not r.errors}
        existing = Person.objects.filter(id_number_index__in=list(good)).select_related("region")
        by_index = {p.id_number_index: p for p in existing}
        # Compared only where the uploader may see the person (children, scope) — anyone
        # else's is reported as registered elsewhere, with nothing about its contents.
        seen = set(
            Person.objects.visible_to(self.by).filter(pk__in=[p.pk for p in existing])
            .values_list("pk", flat=True)
        )  # fmt: skip
        held = set(
            PersonCategory.objects.filter(current_q(), person__in=list(by_index.values()))
            .values_list("person_id", "category")
        )  # fmt: skip
        bad = self.plan.get("bad", {})
        for row in rows:
            person = by_index.get(row.index) if not row.errors else None
            if row.errors:
                row.status = FAILED
            elif person is None and row.household in bad:
                row.status, row.held_back = FAILED, True
                message = self.plan.get("reasons", {}).get(row.household) or _(
                    "同户（户号 %(k)s）第 %(r)s 行有错误，整户暂缓导入，改正后一并上传。"
                ) % {"k": row.household, "r": bad[row.household]}
                row.error("household", message)
            elif person is None:
                row.status = NEW
            elif person.pk not in seen:
                row.status = CONFLICT  # someone else's person: no link, no comparison
                row.note = _("已存在，未更新：") + services.DuplicatePerson(person).messages[0]
            else:
                row.existing = person
                differ = _differences(row, person, held, self.by)
                row.status = CONFLICT if differ else UNCHANGED
                row.note = _("已存在，未更新：%(f)s与已登记的信息不同。") % {"f": "、".join(differ)}


def _differences(row: Row, person: Person, held: set, by: User) -> list[str]:
    assert row.identity is not None and row.region is not None
    mine = {
        "name": row.name, "region": row.region.code, "ethnicity": row.text("ethnicity"),
        "address": row.text("address"), "relation": row.relation, "legal_basis": row.legal_basis,
        "phone": row.identity.phone_index,
    }  # fmt: skip
    theirs = {
        "name": person.name, "region": person.region_id, "ethnicity": person.ethnicity,
        "address": person.address, "relation": person.relation,
        "legal_basis": person.legal_basis, "phone": person.phone_index,
    }  # fmt: skip
    differ = [HEADERS[key] for key in mine if mine[key] != theirs[key]]
    # Whether someone holds a sensitive category (assistance, disability) is not told to a
    # role that may not see it.
    if row.category and (person.pk, row.category) not in held:
        may_see = not is_sensitive(row.category) or permissions.can(
            by, "people.sensitive", "view", person.region_id
        )
        if may_see:
            differ.append(HEADERS["category"])
    return differ


# --- one pass over the file ---------------------------------------------------------------


@dataclass
class _Summary:
    ledger: Ledger
    held: frozenset[str] = frozenset()  # households the plan holds back
    planning: bool = True  # the check, which makes the plan; the commit follows one
    counts: Counter = field(default_factory=Counter)
    problems: list[dict] = field(default_factory=list)
    failed: list[list] = field(default_factory=list)
    bad: dict[str, int] = field(default_factory=dict)  # household key → its first bad row
    links: dict[str, int] = field(default_factory=dict)  # household key → existing household
    bad_with_new: bool = False  # some household with a bad row also has rows to create
    # household key → why its new members cannot join the household registered before
    reasons: dict[str, str] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.counts[row.status] += 1
        if row.status == FAILED:
            if len(self.failed) < FAILED_KEPT:
                self.failed.append([row.number, *row.values(), row.reason()])
            for key, message in row.errors:
                self._problem(row.number, HEADERS.get(key, ""), message, "error")
            if row.household and not row.held_back:
                self.bad.setdefault(row.household, row.number)
        elif row.status == CONFLICT:
            self._problem(row.number, HEADERS["id_number"], row.note, "conflict")
        # A held-back household's registered members go into the failed rows too, so that
        # the corrected file brings its new members into the same household.
        registered = row.existing is not None and row.existing.household_id
        if row.household in self.held and registered and len(self.failed) < FAILED_KEPT:
            self.failed.append([row.number, *row.values(), str(REGISTERED_MEMBER)])
        if row.household and row.status == NEW and self.planning:
            self.ledger.put("new", row.household, 1)
            if row.relation == Relation.HEAD:
                self.ledger.put("new_head", row.household, 1)
        if row.household and row.existing is not None and row.existing.household_id:
            # New members of a household join the one its registered members already have.
            self.links.setdefault(row.household, row.existing.household_id)

    def _problem(self, number: int, column: str, message: str, kind: str) -> None:
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(
                {"row": number, "column": column, "message": message, "kind": kind}
            )

    @property
    def plan(self) -> dict:
        bad = self.bad | {key: 0 for key in self.reasons if key not in self.bad}
        return {"bad": bad, "links": self.links, "reasons": self.reasons}

    def check_links(self) -> None:
        """New members join the household their registered members already have: only in
        its village, and never as a second head."""
        joining = {k: pk for k, pk in self.links.items() if self.ledger.get("new", k)}
        if not joining:
            return
        homes: dict[int, str] = {}
        headed: set[int] = set()
        for part in itertools.batched(sorted(set(joining.values())), CHUNK):
            homes.update(Household.objects.filter(pk__in=part).values_list("pk", "region_id"))
            headed.update(
                Person.objects.filter(household_id__in=part, relation=Relation.HEAD)
                .values_list("household_id", flat=True)
            )  # fmt: skip
        for key, pk in joining.items():
            found = self.ledger.lookup("household", key)
            code = found[1] if found else ""
            if pk in homes and code and homes[pk] != code:
                self.reasons[key] = _(
                    "户号 %(k)s 的成员已在 %(c)s 登记，新成员应在同一村（社区）；整户暂缓导入。"
                ) % {"k": key, "c": homes[pk]}
            elif self.ledger.get("new_head", key) and pk in headed:
                self.reasons[key] = _(
                    "户号 %(k)s 已登记的家庭户已有户主，不能再导入一位户主；整户暂缓导入。"
                ) % {"k": key}


def _set(batch: ImportBatch, **fields) -> None:
    """Save progress and status at once, outside any import transaction, so pages see it."""
    fields["updated_at"] = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    for name, value in fields.items():
        setattr(batch, name, value)


Progress = Callable[[int], None]


def _scan(
    batch: ImportBatch,
    by: User,
    plan: dict | None = None,
    *,
    write=None,
    progress: bool = True,
    notify: Progress | None = None,
) -> _Summary:
    """Check every row of the batch's file in chunks; `write` gets each checked chunk, and
    `notify` the number of rows done after each."""
    with Ledger() as ledger, _source(batch) as stream:
        held = frozenset((plan or {}).get("bad", {}))
        checker, summary = _Checker(by, ledger, plan), _Summary(ledger, held, write is None)
        for chunk in itertools.batched(records(batch.file_name, stream), CHUNK):
            rows = [checker.validate(Row(number, cells)) for number, cells in chunk]
            checker.classify(rows)
            if write is not None:
                write(rows, ledger)
            for row in rows:
                summary.add(row)
            if progress:
                _set(batch, rows_done=summary.counts.total())
            if notify is not None:
                notify(summary.counts.total())
        if summary.planning:
            summary.bad_with_new = any(ledger.get("new", key) for key in summary.bad)
            summary.check_links()
    return summary


def _source(batch: ImportBatch) -> BinaryIO:
    """The batch's file: an upload kept (encrypted) in the batch, or a file on the server
    that `wushe people import` named, read in place and never loaded whole."""
    if batch.source_path:
        try:
            return open(batch.source_path, "rb")  # noqa: SIM115 (the caller closes it)
        except OSError as exc:
            raise ValidationError(
                _("无法打开文件 %(p)s：%(e)s") % {"p": batch.source_path, "e": exc.strerror}
            ) from exc
    return io.BytesIO(_unseal(batch.file_enc, FILE_CONTEXT))


def _move(batch: ImportBatch, step: str, status: str, **fields) -> None:
    """Start `step`, moving the batch to `status`, if the database (not this possibly stale
    copy) says the batch may start it: a double click, a retry or a second worker sees the
    first one's result and is refused."""
    fields |= {"status": status, "updated_at": timezone.now()}
    if not ImportBatch.objects.filter(pk=batch.pk, status__in=STARTS[step]).update(**fields):
        batch.refresh_from_db()
        raise ValidationError(REFUSED[step.removeprefix("queue_")] % {
            "s": batch.get_status_display()})  # fmt: skip
    for name, value in fields.items():
        setattr(batch, name, value)


def _store(batch: ImportBatch, summary: _Summary, **fields) -> None:
    counts = summary.counts
    report = {"problems": summary.problems, "failed": summary.failed}
    _set(
        batch, rows_total=counts.total(), rows_done=counts.total(), rows_new=counts[NEW],
        rows_unchanged=counts[UNCHANGED], rows_conflict=counts[CONFLICT],
        rows_failed=counts[FAILED], report_enc=_seal(json.dumps(report).encode(), REPORT_CONTEXT),
        **fields,
    )  # fmt: skip


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _unchanged_source(batch: ImportBatch) -> None:
    """A file on the server must still be the one that was checked."""
    if not batch.source_path:
        return
    try:
        same = _sha256(batch.source_path) == batch.sha256
    except OSError as exc:
        message = _("无法打开文件 %(p)s：%(e)s") % {"p": batch.source_path, "e": exc.strerror}
        raise ValidationError(message) from exc
    if not same:
        raise ValidationError(_("文件在检查之后被修改过：请重新检查后再导入。"))


def _owned(by: User, batch: ImportBatch) -> None:
    if batch.created_by_id != getattr(by, "pk", None):
        raise PermissionDenied


# --- the services -------------------------------------------------------------------------


def import_upload(*, by: User, file) -> ImportBatch:
    """Keep an uploaded roster (encrypted) as a new batch, after a first look at its header."""
    if not permissions.can(by, "people.person", "create"):
        raise PermissionDenied
    name = Path(file.name or "").name[:200]
    chunks, size, digest = [], 0, hashlib.sha256()
    for chunk in file.chunks():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件超过 20 MB，请拆分后分批导入。"))
        digest.update(chunk)
        chunks.append(chunk)
    data = b"".join(chunks)
    _first_look(name, io.BytesIO(data))
    return ImportBatch.objects.create(
        created_by=by, file_name=name, sha256=digest.hexdigest(),
        file_enc=_seal(data, FILE_CONTEXT), rows_total=count_rows(name, io.BytesIO(data)),
    )  # fmt: skip


def _first_look(name: str, stream: BinaryIO) -> None:
    """A wrong type, an empty file or a missing column is said at once, before any check."""
    if not stream.read(1):
        raise ValidationError(_("文件是空的。"))
    stream.seek(0)
    next(records(name, stream), None)
    stream.seek(0)


def import_from_path(*, by: User, path: str | Path) -> ImportBatch:
    """A batch for a roster file on the server (`wushe people import`), however large: it
    is read in place, in chunks, by the check and by the commit, and never copied."""
    if not permissions.can(by, "people.person", "create"):
        raise PermissionDenied
    path = Path(path).resolve()
    try:
        sha256 = _sha256(str(path))
        with path.open("rb") as stream:
            _first_look(path.name, stream)
            total = count_rows(path.name, stream)
    except OSError as exc:
        raise ValidationError(
            _("无法打开文件 %(p)s：%(e)s") % {"p": path, "e": exc.strerror}
        ) from exc
    return ImportBatch.objects.create(
        created_by=by, file_name=path.name[:200], sha256=sha256, source_path=str(path),
        rows_total=total,
    )  # fmt: skip


def import_check(*, by: User, batch: ImportBatch, notify: Progress | None = None) -> ImportBatch:
    """The dry run: every row checked and counted as new, unchanged, 已存在未更新 or failed,
    with each failure's row, column and reason. Writes nothing but the batch."""
    _owned(by, batch)
    _move(batch, "check", Status.CHECKING, rows_done=0, message="")
    try:
        summary = _scan(batch, by, notify=notify)
        plan = summary.plan
        if summary.bad_with_new or summary.reasons:
            # A household with a bad row waits as a whole: go again, holding its rows back.
            _set(batch, rows_done=0)
            summary = _scan(batch, by, plan, notify=notify)
    except ValidationError as exc:
        _set(batch, status=Status.INVALID, message=" ".join(exc.messages)[:500])
        return batch
    except Exception:
        logger.exception("import check failed: batch %s", batch.pk)
        _set(batch, status=Status.CHECK_FAILED, message=_("检查时出错，请重新检查。"))
        raise
    _store(batch, summary, status=Status.CHECKED, plan=plan)
    return batch


def import_preview(*, by: User, file) -> ImportBatch:
    """Upload and check in one call (what a small file gets in the request itself)."""
    return import_check(by=by, batch=import_upload(by=by, file=file))


class _Writer:
    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        links = {int(v) for v in batch.plan.get("links", {}).values()}
        alive = set(Household.objects.filter(pk__in=links).values_list("pk", flat=True))
        # Households registered before (household key → id); the ones this import creates
        # go into the pass's ledger, as "made".
        self.linked = {k: v for k, v in batch.plan.get("links", {}).items() if v in alive}
        self.created = 0
        self.ranges: list[list[int]] = []  # the created people's ids, as [first, last] runs
        self.regions: set[str] = set()

    def household(self, key: str, ledger: Ledger) -> int | None:
        return self.linked.get(key) or ledger.get("made", key)

    def __call__(self, rows: list[Row], ledger: Ledger) -> None:
        new = [row for row in rows if row.status == NEW]
        if new:
            _write_chunk(self, new, ledger)


def _write_chunk(writer: _Writer, rows: list[Row], ledger: Ledger) -> None:
    """Write checked rows in bulk, as `person_create` and `category_add` would one by one."""
    fresh: dict[str, Row] = {}
    known: dict[str, int | None] = {}
    for row in rows:
        key = row.household
        if key and key not in known:
            known[key] = writer.household(key, ledger)
        if key and known[key] is None and (key not in fresh or row.relation == "head"):
            fresh[key] = row  # the head's address is the household's
    made = insert_many(
        [Household(region=row.region, address=row.text("address")) for row in fresh.values()]
    )
    for key, household in zip(fresh, made, strict=True):
        ledger.put("made", key, household.pk)
        known[key] = household.pk
    people = []
    for row in rows:
        person = Person(
            name=row.name, region=row.region, ethnicity=row.text("ethnicity"),
            address=row.text("address"), legal_basis=row.legal_basis, relation=row.relation,
            household_id=known[row.household] if row.household else None,
        )  # fmt: skip
        services._apply_identity(person, row.identity)
        people.append(person)
    insert_many(people)
    _insert_keys(
        (person.pk, person.region_id, person.name, key)
        for person, row in zip(people, rows, strict=True)
        for key in search.all_keys(person.name, row.identity.id_number, row.identity.phone)
    )
    categories = insert_many([
        PersonCategory(person=person, category=row.category, started_on=row.category_start)
        for person, row in zip(people, rows, strict=True)
        if row.category
    ])  # fmt: skip
    stats.created_many([*made, *people, *categories])
    insert_rows(ImportBatch.people.through, ["importbatch_id", "person_id"],
                [(writer.batch.pk, person.pk) for person in people])  # fmt: skip
    writer.created += len(people)
    _extend_ranges(writer.ranges, (person.pk for person in people))
    writer.regions |= {person.region_id for person in people}


def _extend_ranges(ranges: list[list[int]], ids: Iterable[int]) -> list[list[int]]:
    """Add ids (ascending) to [first, last] runs: a bulk insert's ids are mostly one run, so
    an audit event names a million people in a few numbers."""
    for pk in ids:
        if ranges and ranges[-1][1] + 1 == pk:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def _insert_keys(keys: Iterable[tuple[int, str, str, str]]) -> None:
    """A dozen or so search keys a person, many rows to a statement."""
    insert_rows(PersonSearchKey, ["person_id", "region_code", "name", "key"], keys)


def _common_region(codes: set[str]) -> str:
    """The lowest region holding every code (for the audit event's scope)."""
    for level in (5, 4, 3, 2, 1):
        prefixes = {prefix_of(code, level) for code in codes}
        if len(prefixes) == 1:
            return prefixes.pop().ljust(12, "0")
    return ""


def import_commit(*, by: User, batch: ImportBatch, notify: Progress | None = None) -> ImportBatch:
    """Create the batch's new people in one transaction: all of them or, on any failure,
    none. Running it again after a crash is safe: what exists is skipped, never doubled."""
    _owned(by, batch)
    _unchanged_source(batch)
    _move(batch, "commit", Status.WRITING, rows_done=0, message="")
    try:
        with transaction.atomic():
            if (
                not ImportBatch.objects.select_for_update()
                .filter(pk=batch.pk, status=Status.WRITING)
                .exists()
            ):
                raise ValidationError(_("此批次已由另一次操作完成。"))
            writer = _Writer(batch)
            summary = _scan(batch, by, batch.plan, write=writer, progress=False, notify=notify)
            now = timezone.now()
            _store(batch, summary, status=Status.DONE, rows_created=writer.created,
                   committed_at=now, file_enc="")  # fmt: skip
            audit_record(
                actor=by, action="person.import", obj=batch,
                region_code=_common_region(writer.regions) if writer.regions else "",
                changes={
                    "file_name": batch.file_name, "sha256": batch.sha256,
                    "created": writer.created, "unchanged": summary.counts[UNCHANGED],
                    "conflict": summary.counts[CONFLICT], "failed": summary.counts[FAILED],
                    "person_id_ranges": writer.ranges,
                },
            )  # fmt: skip
    except Exception as exc:
        if not isinstance(exc, ValidationError):
            logger.exception("import commit failed: batch %s", batch.pk)
        message = _("导入中途出错，已全部撤回，没有写入任何数据；可以重新执行。")
        with contextlib.suppress(DatabaseError):  # a locked database: the page says so
            ImportBatch.objects.filter(pk=batch.pk, status=Status.WRITING).update(
                status=Status.FAILED, message=message, updated_at=timezone.now()
            )
            batch.refresh_from_db()
        raise
    return batch


def import_undo(*, by: User, batch: ImportBatch) -> ImportBatch:
    """Delete the people a batch created, as long as nobody has changed or recorded anything
    about any of them since the import."""
    _owned(by, batch)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != Status.DONE:
            raise ValidationError(_("只有已导入的批次可以撤销。"))
        ids = list(batch.people.values_list("pk", flat=True))
        people = Person.objects.filter(pk__in=ids)
        regions = set(people.values_list("region_id", flat=True))
        for code in regions:
            if not permissions.can(by, "people.person", "create", code):
                raise PermissionDenied
        if _touched_since(ids, batch.committed_at) or _referenced(ids):
            raise ValidationError(
                _("本批导入的服务对象在导入后已有修改或新的记录，不能整批撤销；请逐人处理。")
            )
        households = set(people.exclude(household=None).values_list("household_id", flat=True))
        going = [
            *people, *PersonCategory.objects.filter(person_id__in=ids).select_related("person")
        ]  # fmt: skip
        try:
            people.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise ValidationError(_("本批服务对象已有其他记录引用，不能撤销。")) from exc
        empty = Household.objects.filter(pk__in=households, members=None)
        stats.created_many([*going, *empty], sign=-1)  # the figures lose what the batch added
        empty.delete()
        batch.status, batch.undone_at = Status.UNDONE, timezone.now()
        batch.save(update_fields=["status", "undone_at"])
        audit_record(
            actor=by, action="person.import_undo", obj=batch,
            region_code=_common_region(regions) if regions else "",
            changes={
                "file_name": batch.file_name, "deleted": len(ids),
                "person_id_ranges": _extend_ranges([], sorted(ids)),
            },
        )  # fmt: skip
    return batch


def _referenced(ids: list[int]) -> bool:
    """Whether a colleague has decided a duplicate or asked a transfer about any of them
    (those records hang on the people, and would go with them)."""
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        either = Q(first_id__in=part) | Q(second_id__in=part)
        if DuplicateDecision.objects.filter(either).exists():
            return True
        if TransferRequest.objects.filter(person_id__in=part).exists():
            return True
    return False


def _touched_since(ids: list[int], since: datetime | None) -> bool:
    if since is None:
        return True
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        if Person.objects.filter(pk__in=part, updated_at__gt=since).exists():
            return True
        events = AuditEvent.objects.filter(
            object_type="people.person", object_id__in=[str(i) for i in part], at__gt=since
        )
        if events.exists():
            return True
    return False


def _report(by: User, batch: ImportBatch) -> dict:
    _owned(by, batch)
    if not batch.report_enc:
        return {"problems": [], "failed": []}
    return json.loads(_unseal(batch.report_enc, REPORT_CONTEXT))


def import_problems(*, by: User, batch: ImportBatch) -> list[dict]:
    """{"row", "column", "message", "kind"} of each problem found (the first thousand)."""
    return _report(by, batch)["problems"]


def failed_rows(*, by: User, batch: ImportBatch) -> list[list]:
    """[row number, the template's columns…, 错误原因] of each row that was not imported (the
    first FAILED_KEPT). They quote the file in full, so handing them out is audited."""
    rows = _report(by, batch)["failed"]
    roots = permissions.scope_roots(by)
    with transaction.atomic():
        audit_record(
            actor=by, action="person.import_failed_rows", obj=batch,
            region_code=roots[0] if len(roots) == 1 else "",
            changes={"file_name": batch.file_name, "rows": len(rows)},
        )  # fmt: skip
    return rows


def import_start_check(*, by: User, batch: ImportBatch) -> ImportBatch:
    """Check a small file now; a large one in the background, the page showing progress."""
    if batch.rows_total <= BACKGROUND_ROWS:
        return import_check(by=by, batch=batch)
    from wushe.people.tasks import check_import

    return _queue(by, batch, "queue_check", Status.UPLOADED, check_import)


def import_start_commit(*, by: User, batch: ImportBatch) -> ImportBatch:
    """Commit a small batch now; a large one in the background."""
    if batch.rows_total <= BACKGROUND_ROWS:
        return import_commit(by=by, batch=batch)
    from wushe.people.tasks import commit_import

    return _queue(by, batch, "queue_commit", Status.QUEUED, commit_import)


def _queue(by: User, batch: ImportBatch, step: str, status: str, task) -> ImportBatch:
    """Hand a step to `wushe worker` once the batch's new status is committed."""
    _owned(by, batch)
    _move(batch, step, status, message="")
    transaction.on_commit(lambda: task.enqueue(batch.pk))
    return batch
