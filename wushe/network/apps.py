from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "wushe.network"
    verbose_name = _("三级服务平台")
