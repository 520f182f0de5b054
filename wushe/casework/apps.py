from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "wushe.casework"
    verbose_name = _("走访与个案")
