from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wushe.accounts import permissions

# (url name, label, model label the user must be able to view, or None for everyone)
MENU = [
    ("core:home", _("首页"), None),
    ("network:platform_list", _("服务平台"), "network.platform"),
    ("network:worker_list", _("工作人员"), "network.worker"),
    ("catalog:item_list", _("服务事项"), "catalog.serviceitem"),
    ("people:person_list", _("服务对象"), "people.person"),
    ("people:transfer_list", _("转移申请"), "people.person"),
    ("audit:event_list", _("审计日志"), "audit.auditevent"),
    ("accounts:token_list", _("API 令牌"), None),
    ("accounts:profile", _("我的账号"), None),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, model_label in MENU:
        if model_label and not permissions.can(user, model_label, "view"):
            continue
        url = reverse(name)
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
