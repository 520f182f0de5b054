from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wushe.accounts import permissions

# (url name, label, model label the user must be able to view, or None for everyone)
MENU = [
    ("core:home", _("首页"), None),
    ("stats:home", _("统计"), "stats.dashboard"),
    ("reports:list", _("统计报表"), "stats.dashboard"),
    ("casework:todo", _("待办"), "casework.visit"),
    ("network:platform_list", _("服务平台"), "network.platform"),
    ("network:worker_list", _("工作人员"), "network.worker"),
    ("catalog:item_list", _("服务事项"), "catalog.serviceitem"),
    ("people:person_list", _("服务对象"), "people.person"),
    ("people:transfer_list", _("转移申请"), "people.person"),
    ("casework:visit_list", _("入户走访"), "casework.visit"),
    ("casework:need_list", _("需求"), "casework.need"),
    ("casework:case_list", _("个案"), "casework.case"),
    ("casework:referral_list", _("转介"), "casework.case"),
    ("casework:closure_policy", _("结案审批规则"), "casework.closurepolicy"),
    ("groupwork:group_list", _("小组工作"), "groupwork.group"),
    ("groupwork:activity_list", _("社区活动"), "groupwork.activity"),
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
