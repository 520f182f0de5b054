import uuid

from wushe.core import context


def client_ip(request) -> str:
    # Behind the reverse proxy the client is the first X-Forwarded-For hop it appended.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Tags each request with an id (echoed as X-Request-ID) and the client IP for audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(
            context.RequestInfo(ip=client_ip(request), request_id=request_id)
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
