"""Group work (小组工作) and community activities (社区活动): the two methods besides case work
by which a station serves many people at once, and the person-times (人次) they are counted in.

A group or an activity belongs to the platform that runs it and carries that platform's
region code, so scoping is the usual range predicate. Session notes and a group's evaluation
may say things about the members, so they are stored encrypted (`EncryptedTextField`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.core.fields import EncryptedTextField
from wushe.core.photos import Photo
from wushe.core.scoping import ScopedQuerySet


class GroupStatus(models.TextChoices):
    PLANNING = "planning", _("筹备")
    ACTIVE = "active", _("进行中")
    ENDED = "ended", _("已结束")


# The one map of allowed moves; each move has its own service (services.group_start/_end).
TRANSITIONS: dict[str, frozenset[str]] = {
    GroupStatus.PLANNING: frozenset({GroupStatus.ACTIVE}),
    GroupStatus.ACTIVE: frozenset({GroupStatus.ENDED}),
    GroupStatus.ENDED: frozenset(),
}


class GroupQuerySet(ScopedQuerySet):
    def matching(self, *, q: str = "", status: str = ""):
        """The search the group list offers (page and API alike); blanks match all."""
        qs = self
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(theme__icontains=q))
        if status:
            qs = qs.filter(status=status)
        return qs


class Group(models.Model):
    """A group (小组): members meeting over a series of sessions towards stated goals."""

    platform = models.ForeignKey(
        "network.Platform", verbose_name=_("承办平台"), on_delete=models.PROTECT,
        related_name="work_groups",
    )  # fmt: skip
    # Always the platform's region: the group is scoped where the platform is.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )  # fmt: skip
    name = models.CharField(_("小组名称"), max_length=100)
    theme = models.CharField(_("主题"), max_length=200)
    goals = models.TextField(_("小组目标"))
    planned_sessions = models.PositiveSmallIntegerField(_("计划节数"), null=True, blank=True)
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("服务事项"), related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.PLANNING
    )
    evaluation = EncryptedTextField(_("小组评估"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("小组")
        verbose_name_plural = _("小组")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groupwork:group_detail", args=[self.pk])

    @property
    def region_code(self) -> str:
        return self.region_id


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("组员"), on_delete=models.PROTECT,
        related_name="group_memberships",
    )  # fmt: skip
    joined_on = models.DateField(_("入组日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("组员")
        verbose_name_plural = _("组员")
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="group_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.person}"


class GroupSession(models.Model):
    """One session (节次) of a group: when, on what, who came, and the worker's notes."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("节次"))
    held_on = models.DateField(_("活动日期"))
    topic = models.CharField(_("本节主题"), max_length=200)
    attendees = models.ManyToManyField(
        "people.Person", verbose_name=_("出席组员"), related_name="+", blank=True
    )
    notes = EncryptedTextField(_("活动记录"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("小组节次")
        verbose_name_plural = _("小组节次")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="group_session_number")
        ]

    def __str__(self) -> str:
        return _("%(g)s 第 %(n)s 节") % {"g": self.group, "n": self.number}


class ActivityKind(models.TextChoices):
    COMMUNITY = "community", _("社区活动")
    THEMED = "themed", _("主题活动")


# The person-time fields of an activity, in the order reports list them.
PARTICIPANT_FIELDS = ("social_workers", "volunteers", "donors")


class ActivityQuerySet(ScopedQuerySet):
    def matching(self, *, q: str = "", kind: str = ""):
        qs = self
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q))
        if kind:
            qs = qs.filter(kind=kind)
        return qs

    def totals(self) -> dict:
        """What the seeds report of these activities: how many, participants and
        beneficiaries in person-times, and the funds used."""
        sums = self.aggregate(
            activities=models.Count("pk"),
            **{name: Sum(name) for name in (*PARTICIPANT_FIELDS, "beneficiaries", "funds_used")},
        )
        totals = {name: value or 0 for name, value in sums.items()}
        totals["participants"] = sum(totals[name] for name in PARTICIPANT_FIELDS)
        return totals


class Activity(models.Model):
    """A community or themed activity (社区活动/主题活动) and what it took and reached."""

    platform = models.ForeignKey(
        "network.Platform", verbose_name=_("主办平台"), on_delete=models.PROTECT,
        related_name="activities",
    )  # fmt: skip
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )  # fmt: skip
    kind = models.CharField(
        _("活动类型"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.COMMUNITY
    )
    title = models.CharField(_("活动名称"), max_length=100)
    held_on = models.DateField(_("活动日期"))
    place = models.CharField(_("活动地点"), max_length=200)
    description = models.TextField(_("活动内容"), blank=True)
    # Person-times (人次) by kind of participant.
    social_workers = models.PositiveIntegerField(_("参与社工（人次）"), default=0)
    volunteers = models.PositiveIntegerField(_("参与志愿者（人次）"), default=0)
    donors = models.PositiveIntegerField(_("参与捐赠方（人次）"), default=0)
    beneficiaries = models.PositiveIntegerField(_("受益群众（人次）"), default=0)
    # The beneficiaries known by name from the registry; never more than the count above.
    beneficiary_people = models.ManyToManyField(
        "people.Person", verbose_name=_("登记的受益对象"), related_name="+", blank=True
    )
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("服务事项"), related_name="+"
    )
    funds_used = models.DecimalField(
        _("使用资金（元）"), max_digits=12, decimal_places=2, default=0
    )
    materials_used = models.TextField(_("使用物资"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["region", "held_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(funds_used__gte=0), name="activity_funds_positive")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("groupwork:activity_detail", args=[self.pk])

    @property
    def region_code(self) -> str:
        return self.region_id

    @property
    def participants(self) -> int:
        return sum(getattr(self, name) for name in PARTICIPANT_FIELDS)


class ActivityPhoto(Photo):
    CONTEXT = "groupwork.activityphoto"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        ordering = ["id"]
