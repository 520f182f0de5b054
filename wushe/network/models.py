"""The three-level platform (三级社工服务平台): centers, stations, rooms, and who staffs them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.core.scoping import ScopedQuerySet
from wushe.regions.models import Level as RegionLevel


class Tier(models.IntegerChoices):
    CENTER = 1, _("社工服务中心")
    STATION = 2, _("社工站")
    ROOM = 3, _("社工室")


# The region level each tier sits at: county, township, village.
TIER_REGION_LEVEL = {
    Tier.CENTER: RegionLevel.COUNTY,
    Tier.STATION: RegionLevel.TOWNSHIP,
    Tier.ROOM: RegionLevel.VILLAGE,
}


class Status(models.TextChoices):
    PLANNED = "planned", _("筹建中")
    ACTIVE = "active", _("运行中")
    SUSPENDED = "suspended", _("暂停")
    CLOSED = "closed", _("已撤销")


class ServiceMode(models.TextChoices):
    EMBEDDED = "embedded", _("内嵌式")
    SINKING = "sinking", _("下沉式")
    BRIDGING = "bridging", _("桥接式")


class Post(models.TextChoices):
    HEAD = "head", _("站长")
    DEPUTY = "deputy", _("副站长")
    DIRECTOR = "director", _("中心主任")
    RESIDENT_WORKER = "resident_worker", _("驻站社工")
    ASSISTANCE_COORDINATOR = "assistance_coordinator", _("社会救助协理员")
    CHILD_SUPERVISOR = "child_supervisor", _("儿童督导员")
    CHILD_DIRECTOR = "child_director", _("儿童主任")
    AGENCY_WORKER = "agency_worker", _("机构派驻社工")
    ROOM_WORKER = "room_worker", _("社工室社工")


class Certificate(models.TextChoices):
    NONE = "none", _("无")
    ASSISTANT = "assistant", _("助理社会工作师")
    INTERMEDIATE = "intermediate", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class PlatformQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status=Status.ACTIVE)

    def matching(self, *, q: str = "", tier: int | None = None, status: str = ""):
        """The search every platform list offers (pages and API alike); blanks match all."""
        qs = self
        if q:
            qs = qs.filter(models.Q(name__icontains=q) | models.Q(address__icontains=q))
        if tier:
            qs = qs.filter(tier=tier)
        if status:
            qs = qs.filter(status=status)
        return qs


class Platform(models.Model):
    tier = models.PositiveSmallIntegerField(_("层级"), choices=Tier.choices)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="platforms",
        db_column="region_code",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    opened_on = models.DateField(_("建成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    service_mode = models.CharField(
        _("服务模式"), max_length=16, choices=ServiceMode.choices, blank=True
    )
    domains = models.ManyToManyField(
        "catalog.ServiceDomain", verbose_name=_("服务领域"), blank=True, related_name="platforms"
    )
    # 服务事项清单: the catalogue items this platform offers (standard and local).
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("服务事项清单"), blank=True, related_name="platforms"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PlatformQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务平台")
        verbose_name_plural = _("服务平台")
        ordering = ["region_id", "tier", "name"]
        indexes = [models.Index(fields=["region", "tier", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.region_id


class WorkerQuerySet(ScopedQuerySet):
    def matching(self, *, q: str = "", certificate: str = ""):
        """The search every worker list offers; blanks match all."""
        qs = self
        if q:
            qs = qs.filter(name__icontains=q)
        if certificate:
            qs = qs.filter(certificate=certificate)
        return qs


class Worker(models.Model):
    """A member of staff: a social worker, a coordinator, a township cadre serving as head."""

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(
        _("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True
    )
    certificate = models.CharField(
        _("职业资格"), max_length=16, choices=Certificate.choices, default=Certificate.NONE
    )
    # Where the worker's record is kept: the region of the platform they were first posted to.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker",
    )

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class PostingQuerySet(ScopedQuerySet):
    region_field = "platform__region_id"

    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(started_on__lte=on).filter(
            models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=on)
        )


class Posting(models.Model):
    """A worker holding a post at a platform for a period: the team and its history."""

    platform = models.ForeignKey(
        Platform, verbose_name=_("服务平台"), on_delete=models.CASCADE, related_name="postings"
    )
    worker = models.ForeignKey(
        Worker, verbose_name=_("工作人员"), on_delete=models.PROTECT, related_name="postings"
    )
    post = models.CharField(_("岗位"), max_length=32, choices=Post.choices)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = _("岗位任职")
        verbose_name_plural = _("岗位任职")
        ordering = ["platform", "ended_on", "post", "started_on"]
        indexes = [models.Index(fields=["platform", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.platform} · {self.get_post_display()} · {self.worker}"

    @property
    def region_code(self) -> str:
        return self.platform.region_id

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.started_on <= today and (self.ended_on is None or self.ended_on >= today)
