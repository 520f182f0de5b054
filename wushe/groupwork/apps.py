from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupworkConfig(AppConfig):
    name = "wushe.groupwork"
    verbose_name = _("小组与社区活动")
