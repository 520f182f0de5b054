"""The registry of the people a station serves (建档立卡): people, households, categories.

ID numbers and phones are stored only encrypted (SM4-GCM) with keyed blind indexes for exact
lookup (docs/adr/0004); names are searchable through `PersonSearchKey` rows.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.core.scoping import ScopedQuerySet

ADULT_AGE = 18


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class LegalBasis(models.TextChoices):
    STATUTORY = "statutory", _("履行法定职责")
    CONSENT = "consent", _("本人同意")
    GUARDIAN_CONSENT = "guardian_consent", _("监护人同意")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class CategoryGroup(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    CHILDREN = "children", _("儿童")
    HARDSHIP = "hardship", _("困难群众")
    DISABILITY = "disability", _("残疾人")
    LOCAL = "local", _("地方类别")


class Category(models.TextChoices):
    # Elderly (老)
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    ELDERLY_EMPTY_NEST = "elderly_empty_nest", _("空巢老人")
    ELDERLY_LEFT_BEHIND = "elderly_left_behind", _("留守老人")
    ELDERLY_DISABLED = "elderly_disabled", _("失能老人")
    ELDERLY_SEMI_DISABLED = "elderly_semi_disabled", _("半失能老人")
    # Children (小)
    CHILD_LEFT_BEHIND = "child_left_behind", _("留守儿童")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("困境儿童")
    CHILD_ORPHAN = "child_orphan", _("孤儿")
    CHILD_UNCARED = "child_uncared", _("事实无人抚养儿童")
    # People in hardship (困)
    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困")
    DIBAO_MARGINAL = "dibao_marginal", _("低保边缘")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("临时救助")
    POVERTY_MONITORING = "poverty_monitoring", _("防返贫监测")
    # Disability (残)
    DISABILITY = "disability", _("残疾人")
    # Local extras (地方类别)
    LOCAL = "local", _("其他（地方类别）")


CATEGORY_GROUPS: dict[str, str] = {
    **dict.fromkeys(
        [Category.ELDERLY_ALONE, Category.ELDERLY_EMPTY_NEST, Category.ELDERLY_LEFT_BEHIND,
         Category.ELDERLY_DISABLED, Category.ELDERLY_SEMI_DISABLED], CategoryGroup.ELDERLY),
    **dict.fromkeys(
        [Category.CHILD_LEFT_BEHIND, Category.CHILD_IN_DIFFICULTY, Category.CHILD_ORPHAN,
         Category.CHILD_UNCARED], CategoryGroup.CHILDREN),
    **dict.fromkeys(
        [Category.DIBAO, Category.TEKUN, Category.DIBAO_MARGINAL, Category.TEMPORARY_ASSISTANCE,
         Category.POVERTY_MONITORING], CategoryGroup.HARDSHIP),
    Category.DISABILITY: CategoryGroup.DISABILITY,
    Category.LOCAL: CategoryGroup.LOCAL,
}  # fmt: skip


class DisabilityType(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


def adult_cutoff(today: date | None = None) -> date:
    """Born on or before this day: 18 or older today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


# The stored values of each choice, as sets: `Choices.values` builds a new list on every
# call, which an import of a million rows would pay for several million times.
VALUES = {
    choices: frozenset(choices.values)
    for choices in (Gender, LegalBasis, Relation, Category, DisabilityType)
}


class PersonQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """In scope for `people.person`; children only where the role also covers
        `people.child` (儿童信息 is visible only to those who need it)."""
        from wushe.accounts.permissions import scope_filter

        qs = super().visible_to(user, action)
        children = Q(birth_date__gt=adult_cutoff())
        return qs.filter(~children | scope_filter(user, "people.child", "view", field="region_id"))


class HouseholdQuerySet(ScopedQuerySet):
    rights_label = "people.person"  # a household is seen by whoever may see its people


class Household(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村（社区）"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )  # fmt: skip
    address = models.CharField(_("住址"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")

    def __str__(self) -> str:
        head = self.members.filter(relation=Relation.HEAD).first()
        return (
            _("%(name)s户") % {"name": head.name} if head else _("家庭户 #%(id)s") % {"id": self.pk}
        )


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, db_index=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True)
    # Indexed by (region, name) below, which serves region ranges as well.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村（社区）"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code", db_index=False,
    )  # fmt: skip
    address = models.CharField(_("住址"), max_length=200, blank=True)
    household = models.ForeignKey(
        Household, verbose_name=_("家庭户"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members",
    )  # fmt: skip
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, blank=True
    )
    legal_basis = models.CharField(
        _("处理依据"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.STATUTORY
    )
    consent_withdrawn_at = models.DateTimeField(_("撤回同意时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务对象")
        verbose_name_plural = _("服务对象")
        ordering = ["region_id", "name", "id"]
        indexes = [
            models.Index(fields=["region", "name"]),
            # Equality only: a plain index, without the pattern-ops twin PostgreSQL would
            # add for db_index.
            models.Index(fields=["phone_index"], name="people_person_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.region_id

    @property
    def is_child(self) -> bool:
        return self.birth_date is not None and self.birth_date > adult_cutoff()


class PersonCategory(models.Model):
    """A category a person holds for a period; history is kept, never overwritten."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    local_name = models.CharField(_("地方类别名称"), max_length=50, blank=True)
    disability_type = models.CharField(
        _("残疾类别"), max_length=16, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), null=True, blank=True, choices=[(g, f"{g}级") for g in range(1, 5)]
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("对象类别")
        verbose_name_plural = _("对象类别")
        ordering = [F("ended_on").asc(nulls_first=True), "category", "started_on"]

    def __str__(self) -> str:
        return self.local_name or self.get_category_display()

    @property
    def group(self) -> str:
        return CATEGORY_GROUPS[self.category]

    @property
    def is_current(self) -> bool:
        return self.ended_on is None or self.ended_on >= timezone.localdate()


class PersonSearchKey(models.Model):
    """One searchable key of a person (a name fragment, a pinyin spelling, initials, or a
    keyed digest of an ID or phone suffix), with the person's region and name: the index
    (key, region, name, person) then lists a key's people inside a scope in the registry's
    own order (village, name, id), so the first page of a common fragment reads 20 people,
    not every match (docs/adr/0010). Both are the person's, rewritten with the keys."""

    # The unique (person, key) below indexes person lookups. No foreign key in the database
    # (docs/adr/0012): the keys are derived from their person and written and deleted with
    # it by the ORM, and a key whose person is gone matches nothing, since every search
    # joins the person; a check of each key at commit took a tenth of a large import.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="search_keys", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    region_code = models.CharField(max_length=12)
    name = models.CharField(max_length=50)
    key = models.CharField(max_length=80)

    class Meta:
        indexes = [
            models.Index(
                fields=["key", "region_code", "name", "person"], name="people_key_in_order"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="unique_person_search_key")
        ]

    def __str__(self) -> str:
        return self.key


class DuplicateDecision(models.Model):
    """A person's verdict on a pair the platform proposed as possibly the same person:
    linked (the same person, both files kept and pointed at each other) or split (different
    people, never proposed again)."""

    class Verdict(models.TextChoices):
        SAME = "same", _("是同一人（已关联）")
        DIFFERENT = "different", _("不是同一人")

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(_("结论"), max_length=16, choices=Verdict.choices)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="unique_duplicate_pair"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id}: {self.verdict}"


class TransferRequest(models.Model):
    """A station asks for a person registered elsewhere to be moved to one of its villages."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已同意")
        REJECTED = "rejected", _("已拒绝")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfers")
    from_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_column="from_region_code"
    )
    to_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_column="to_region_code"
    )
    reason = models.CharField(_("申请理由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.from_region_id} → {self.to_region_id} ({self.status})"


IMPORT_STALE_SECONDS = 600


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """A batch holds its file's personal data: only the person who uploaded it sees it.
        The file and the report (up to tens of MB) load only when a step reads them."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(created_by=user).defer("file_enc", "report_enc")


class ImportBatch(models.Model):
    """One uploaded roster: checked first (a dry run), then committed in one transaction,
    and undone as a whole while nobody has touched the people it created."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("待检查")
        CHECKING = "checking", _("检查中")
        CHECK_FAILED = "check_failed", _("检查未完成")
        INVALID = "invalid", _("文件无法导入")
        CHECKED = "checked", _("待确认导入")
        QUEUED = "queued", _("排队中")
        WRITING = "writing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("未能完成")
        UNDONE = "undone", _("已撤销")

    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    # The file itself, SM4-encrypted (it holds ID numbers); emptied once imported.
    file_enc = models.TextField(blank=True)
    # Or a file on the server named by `wushe people import`, read in place (never copied).
    source_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    message = models.CharField(_("说明"), max_length=500, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(_("可新建"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rows_conflict = models.PositiveIntegerField(_("已存在，未更新"), default=0)
    rows_failed = models.PositiveIntegerField(_("有错误"), default=0)
    rows_created = models.PositiveIntegerField(_("已新建"), default=0)
    # The check's report, SM4-encrypted since it quotes the file: each problem's row, column
    # and reason, and the failed rows themselves for the fix-and-upload-again workbook.
    report_enc = models.TextField(blank=True)
    # What the check learnt about the file's households (户号), for the commit.
    plan = models.JSONField(default=dict, blank=True)
    people = models.ManyToManyField(Person, related_name="+", blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def is_stale(self) -> bool:
        """Running, but silent for so long that its worker was probably stopped mid-way. A
        commit says nothing until it ends, so its patience grows with the file (a slow
        machine writes some hundred rows a second); re-running a live one is refused anyway."""
        quiet = (timezone.now() - self.updated_at).total_seconds()
        patience = IMPORT_STALE_SECONDS
        if self.status == self.Status.WRITING:
            patience = max(patience, self.rows_total / 100)
        return self.is_running and quiet > patience

    @property
    def is_running(self) -> bool:
        """Waiting for or inside a background step: the page keeps polling."""
        return self.status in (
            self.Status.UPLOADED,
            self.Status.CHECKING,
            self.Status.QUEUED,
            self.Status.WRITING,
        )
