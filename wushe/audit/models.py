"""The append-only audit trail, kept as several HMAC-SM3 hash chains (docs/adr/0003)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wushe.core.scoping import ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet):
    region_field = "region_code"


class AuditEvent(models.Model):
    chain = models.PositiveSmallIntegerField()
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # The actor's id is hashed: deleting an account must not rewrite the trail, so the
        # column keeps the id (no constraint, no SET NULL) and actor_name keeps the name.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,  # nothing looks events up by account
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    ip = models.CharField(_("IP 地址"), max_length=45, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")]
        # Every service write adds an event, and each index is a write more: the trail keeps
        # the time (the list, newest first) and the region with the time (a scoped list). An
        # action prefix is filtered within those, with no index of its own.
        indexes = [models.Index(fields=["region_code", "at"], name="audit_region_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """The last link of each chain: a writer locks one head row, so writers spread over
    chains instead of queueing on one, and a truncated tail no longer matches its head."""

    chain = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"chain {self.chain} @ {self.seq}"
