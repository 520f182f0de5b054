"""A station's daily work with the people it serves: household visits (入户走访), the needs
they find (需求), and case work (个案) from intake to closure, with referrals (转介/转移).

Every row carries the 12-digit code of the village it concerns, so scoping is the usual
range predicate. What a visit found and what a case file says may hold health and family
details, so that text is stored encrypted (`EncryptedTextField`).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.core.fields import EncryptedTextField
from wushe.core.photos import Photo
from wushe.core.scoping import ScopedQuerySet


def _person_seen_by(user, label: str, action: str, prefix: str = "person__") -> Q | None:
    """The rows whose person the user may see (`Person.objects.visible_to`, said as a join
    rather than a subquery: the person's village in the people.person scope, and a child
    only where the role covers children): a visit or need of someone the user cannot see is
    not shown either."""
    from wushe.accounts.permissions import covers, scope_filter
    from wushe.people.models import adult_cutoff

    if covers(user, (label, action), ("people.person", "view")) and covers(
        user, (label, action), ("people.child", "view")
    ):
        # Wherever the rows may be seen, so may everyone in them (the usual case): no join.
        # A row's village is its person's, except for someone who has since moved away.
        return None
    adult = Q(**{f"{prefix}birth_date__isnull": True}) | Q(
        **{f"{prefix}birth_date__lte": adult_cutoff()}
    )
    field = f"{prefix}region_id"
    return scope_filter(user, "people.person", "view", field=field) & (
        adult | scope_filter(user, "people.child", "view", field=field)
    )


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    SOON = "soon", _("较急")
    NORMAL = "normal", _("一般")


# --- visits --------------------------------------------------------------------------------


class VisitQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view", *, within=None, by_key=False):
        """Visits in scope, of people the user may see; a visit to a whole household with a
        child in it only for those who may see children."""
        from wushe.accounts.permissions import can
        from wushe.people.models import Person, adult_cutoff

        qs = super().visible_to(user, action, within=within, by_key=by_key)
        seen = _person_seen_by(user, "casework.visit", action)
        if seen is not None:
            qs = qs.filter(Q(person__isnull=True) | seen)
        if not can(user, "people.child", "view"):
            children = Person.objects.filter(
                household=OuterRef("household"), birth_date__gt=adult_cutoff()
            )
            qs = qs.exclude(Q(person__isnull=True) & Exists(children))
        return qs


class Visit(models.Model):
    """One household visit, as recorded on the worker's phone."""

    # Made by the phone before the visit is sent: a second sync of the same draft finds it.
    client_id = models.UUIDField(_("客户端编号"), unique=True, default=uuid.uuid4, editable=False)
    # No index of their own for person and region: (person, visited_at) and (region,
    # visited_at) below serve every lookup, and each index more is one more write per visit
    # and per visit a 区划调整 recodes.
    person = models.ForeignKey(
        "people.Person", verbose_name=_("走访对象"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="visits", db_index=False,
    )  # fmt: skip
    # Most visits are to a person and name no household here: the index holds only the
    # visits that do (see Meta), so the others cost it nothing.
    household = models.ForeignKey(
        "people.Household", verbose_name=_("走访家庭"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="visits", db_index=False,
    )  # fmt: skip
    # The household the visit counts for in 走访入户（户）: the one visited, or the person's
    # own at the time (kept, so a later change of household does not move the count).
    counted_household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村（社区）"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code", db_index=False,
    )  # fmt: skip
    visited_at = models.DateTimeField(_("走访时间"))
    place = models.CharField(_("走访地点"), max_length=200, blank=True)
    living_conditions = EncryptedTextField(_("生活状况"), blank=True)
    risks = EncryptedTextField(_("风险隐患"), blank=True)
    needs_found = EncryptedTextField(_("发现的需求"), blank=True)
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("提供的服务事项"), related_name="+"
    )
    workers = models.ManyToManyField(
        "network.Worker", verbose_name=_("走访社工"), related_name="visits", blank=True
    )
    volunteers = models.CharField(_("参与志愿者"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    # No index: nothing looks visits up by their author, and an account is deactivated,
    # never deleted (the only reader would be the PROTECT check of a deletion).
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["region", "visited_at"]),
            models.Index(fields=["person", "visited_at"]),
            models.Index(
                fields=["household"],
                name="casework_visit_household_idx",
                condition=Q(household__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="visit_has_subject",
            )
        ]

    def __str__(self) -> str:
        who = self.person or self.household
        return _("%(who)s %(on)s走访") % {
            "who": who,
            "on": timezone.localtime(self.visited_at).date().isoformat(),
        }


class VisitPhoto(Photo):
    CONTEXT = "casework.visitphoto"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        ordering = ["id"]


# --- needs ---------------------------------------------------------------------------------


class NeedQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        qs = super().visible_to(user, action)
        seen = _person_seen_by(user, "casework.need", action)
        return qs if seen is None else qs.filter(seen)

    def open(self):
        return self.filter(status=Need.Status.OPEN)


class Need(models.Model):
    """A need a visit or an assessment found; open until met, referred or closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("待解决")
        MET = "met", _("已满足")
        REFERRED = "referred", _("已转介")
        CLOSED = "closed", _("已关闭")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("服务对象"), on_delete=models.PROTECT,
        related_name="needs",
    )  # fmt: skip
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村（社区）"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )  # fmt: skip
    domain = models.ForeignKey(
        "catalog.ServiceDomain", verbose_name=_("服务领域"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("服务事项"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = EncryptedTextField(_("需求描述"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = EncryptedTextField(_("处理说明"), blank=True)
    visit = models.ForeignKey(
        Visit, verbose_name=_("来自走访"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="needs",
    )  # fmt: skip
    case = models.ForeignKey(
        "casework.Case", verbose_name=_("所属个案"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="needs",
    )  # fmt: skip
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    resolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        ordering = ["status", "-created_at", "-id"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.person}：{self.item or self.domain}"


# --- cases ---------------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    INTAKE = "intake", _("接案")
    ASSESSMENT = "assessment", _("预估")
    PLAN = "plan", _("计划")
    INTERVENTION = "intervention", _("介入")
    EVALUATION = "evaluation", _("评估")
    CLOSING = "closing", _("结案待审批")
    CLOSED = "closed", _("结案")


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """Cases in the user's scope (by the person's village or the owning platform), and
        cases referred to a platform in the user's scope while the referral stands. A child's
        case stays hidden from whoever may see no child."""
        from wushe.accounts.permissions import can, scope_filter
        from wushe.people.models import adult_cutoff

        label = "casework.case"
        in_scope = scope_filter(user, label, action, field="region_id") | scope_filter(
            user, label, action, field="platform__region_id"
        )
        standing = Referral.objects.filter(
            scope_filter(user, label, action, field="to_platform__region_id"),
            case=OuterRef("pk"),
            status__in=Referral.STANDING,
        )
        # Being named on a case gives no sight of it without a role where it is: a worker who
        # moved to another station leaves the old station's cases behind.
        qs = self.filter(in_scope | Exists(standing))
        if not can(user, "people.child", "view"):
            # The receiver of a referral may not see the person's own file, but whoever
            # may see no child at all sees no child's case either.
            qs = qs.exclude(person__birth_date__gt=adult_cutoff())
        return qs

    def open(self):
        return self.exclude(status=CaseStatus.CLOSED)


class Case(models.Model):
    """A case (个案) from intake to closure. Its status moves only through the transitions in
    `wushe.casework.cases.TRANSITIONS`, each stamped and written to the timeline."""

    class Closure(models.TextChoices):
        GOALS_MET = "goals_met", _("目标达成")
        REFERRED = "referred", _("转介其他机构")
        DECLINED = "declined", _("服务对象拒绝继续服务")
        MOVED = "moved", _("服务对象迁出")
        DECEASED = "deceased", _("服务对象去世")
        OTHER = "other", _("其他")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("服务对象"), on_delete=models.PROTECT,
        related_name="cases",
    )  # fmt: skip
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村（社区）"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )  # fmt: skip
    platform = models.ForeignKey(
        "network.Platform", verbose_name=_("承办平台"), on_delete=models.PROTECT,
        related_name="cases",
    )  # fmt: skip
    worker = models.ForeignKey(
        "accounts.User", verbose_name=_("主责社工"), on_delete=models.PROTECT,
        related_name="cases",
    )  # fmt: skip
    team = models.ManyToManyField(
        "accounts.User", verbose_name=_("协同社工"), related_name="case_teams", blank=True
    )
    supervisor = models.ForeignKey(
        "accounts.User", verbose_name=_("督导"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="supervised_cases",
    )  # fmt: skip
    title = models.CharField(_("个案名称"), max_length=100)
    status = models.CharField(
        _("阶段"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.INTAKE
    )
    source = models.CharField(_("个案来源"), max_length=50, blank=True)
    # What the case file says (casework.casenote): encrypted.
    intake_summary = EncryptedTextField(_("接案情况"))
    assessment = EncryptedTextField(_("预估（问题与需求评估）"), blank=True)
    evaluation = EncryptedTextField(_("评估（成效）"), blank=True)
    closure_reason = models.CharField(
        _("结案原因"), max_length=16, choices=Closure.choices, blank=True
    )
    closure_note = EncryptedTextField(_("结案说明"), blank=True)
    # Each stage's stamp: when the case last entered it.
    opened_at = models.DateTimeField(_("接案时间"), default=timezone.now)
    assessed_at = models.DateTimeField(_("预估时间"), null=True, blank=True)
    planned_at = models.DateTimeField(_("计划时间"), null=True, blank=True)
    intervention_at = models.DateTimeField(_("开始介入时间"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    closure_requested_at = models.DateTimeField(_("申请结案时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closure_approved_by = models.ForeignKey(
        "accounts.User", verbose_name=_("结案审批人"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    reopened_at = models.DateTimeField(_("重新开案时间"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("个案")
        verbose_name_plural = _("个案")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["worker", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.person}）"

    def on_team(self, user) -> bool:
        """The lead worker, a team member or the case's supervisor, by name (what they may
        do still depends on their roles: `services.works_on`)."""
        if not getattr(user, "is_authenticated", False):
            return False
        return (
            user.pk in (self.worker_id, self.supervisor_id) or self.team.filter(pk=user.pk).exists()
        )


class CaseGoal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("目标"), max_length=200)
    attained = models.BooleanField(_("是否达成"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class CaseEvent(models.Model):
    """The case's timeline: every transition, service record, note and referral step."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    summary = models.CharField(max_length=200, blank=True)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d}"


class ServiceRecord(models.Model):
    """A service delivered in a case's intervention (介入): what was done, which items."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    served_on = models.DateField(_("服务日期"))
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("服务事项"), related_name="+"
    )
    description = EncryptedTextField(_("服务内容"))
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["served_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.served_on}"


class Referral(models.Model):
    """转介 (the receiver sees and serves the case; it stays where it is) or 转移 (the case
    moves to the receiver). To a platform on Wushe, whose people decide; or to a department
    or social organization off the platform, whose answer the case's worker records."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("转介")
        TRANSFER = "transfer", _("转移")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待接收")
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("已拒绝")
        REVOKED = "revoked", _("已撤回")
        ENDED = "ended", _("已结束")  # accepted, then the case closed

    # While requested or accepted, the receiving platform sees the case.
    STANDING = (Status.REQUESTED, Status.ACCEPTED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    to_platform = models.ForeignKey(
        "network.Platform", verbose_name=_("接收平台"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="referrals_in",
    )  # fmt: skip
    to_organization = models.CharField(_("接收部门或社会组织"), max_length=100, blank=True)
    from_platform = models.ForeignKey(
        "network.Platform", on_delete=models.PROTECT, related_name="referrals_out"
    )
    reason = EncryptedTextField(_("转介理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("转介")
        verbose_name_plural = _("转介")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_platform__isnull=False) | ~Q(to_organization=""),
                name="referral_has_receiver",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_platform or self.to_organization}"

    @property
    def receiver(self) -> str:
        return str(self.to_platform or self.to_organization)


class ClosurePolicy(models.Model):
    """Whether closing a case in this region (and below, unless a lower region says
    otherwise) needs a supervisor's approval."""

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("区划"), on_delete=models.CASCADE, primary_key=True,
        related_name="+", db_column="region_code",
    )  # fmt: skip
    needs_approval = models.BooleanField(_("结案须督导审批"), default=True)
    set_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("结案审批规则")
        verbose_name_plural = _("结案审批规则")

    def __str__(self) -> str:
        return f"{self.region_id}: {self.needs_approval}"
