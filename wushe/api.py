"""The REST API under /api/v1 (django-ninja); each app contributes a router from its api.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Wushe API",
    version="1",
    description="五社联动社工服务平台接口。认证：浏览器会话（需 CSRF）或个人 API 令牌（Authorization: Bearer wsk_…）。",
    urls_namespace="api",
)
