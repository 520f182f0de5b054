"""The service catalogue: the five domains of the Hunan station standard (DOMAIN.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceDomain(models.Model):
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务领域")
        verbose_name_plural = _("服务领域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name
