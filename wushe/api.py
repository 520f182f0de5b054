"""The REST API under /api/v1 (django-ninja); each app contributes a router from its api.py."""

from ninja import NinjaAPI
from ninja.operation import Operation

from wushe.accounts.api import router as accounts_router
from wushe.audit.api import router as audit_router
from wushe.core.api import AUTH, install_error_handlers
from wushe.network.api import router as network_router
from wushe.regions.api import router as regions_router


class WusheAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The view's own name (list_platforms), not ninja's module-prefixed default.
        return operation.view_func.__name__


api = WusheAPI(
    title="Wushe API",
    version="1",
    description=(
        "五社联动社工服务平台接口。认证：浏览器会话（需 CSRF）"
        "或个人 API 令牌（Authorization: Bearer wsk_…）。"
    ),
    urls_namespace="api",
    auth=AUTH,
)
install_error_handlers(api)

api.add_router("", accounts_router)
api.add_router("/regions", regions_router)
api.add_router("", network_router)
api.add_router("/audit", audit_router)
api.add_router("", "wushe.people.api.router")
api.add_router("", "wushe.people.import_api.router")
api.add_router("", "wushe.catalog.api.router")
api.add_router("", "wushe.casework.api.router")
api.add_router("", "wushe.groupwork.api.router")
api.add_router("", "wushe.stats.api.router")
api.add_router("", "wushe.stats.report_api.router")
