"""What every API router shares: who is asking, how errors read, and keyset pages."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, Field, StringConstraints

from wushe.accounts.models import User
from wushe.accounts.services import api_token_authenticate
from wushe.regions.models import Region

MAX_LIMIT = 200
MAX_ID = 2**63 - 1  # beyond a BIGINT no row can exist, and SQLite would overflow

# A 12-digit statistical region code.
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# Free text as stored: PostgreSQL text refuses NUL, so it is refused at the door (bound the
# length with Field(max_length=…) where the column has one).
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]


class Input(Schema):
    """A request body: an unknown field is a 422, so a typo or a fixed field (a platform's
    tier) is refused instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class TokenAuth(HttpBearer):
    """A personal API token, `Authorization: Bearer wsk_…`; revoked tokens never pass."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(token)


class LoggedInSessionAuth(SessionAuth):
    """The browser's login session, CSRF-checked on unsafe methods. Without a logged-in
    session there is nothing to forge, so the answer is 401 (not ninja's CSRF 403): a script
    whose token was revoked must learn that it is no longer authenticated."""

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


# The token is tried first, so a script is never asked for a CSRF token.
AUTH = [TokenAuth(), LoggedInSessionAuth()]
SESSION_ONLY = [LoggedInSessionAuth()]


def user_of(request: HttpRequest) -> User:
    """The authenticated caller, whichever way they authenticated."""
    return request.auth  # type: ignore[attr-defined]


# --- error bodies -------------------------------------------------------------------------


class Detail(Schema):
    detail: str


class FieldError(Schema):
    field: str | None
    message: str
    loc: list[str | int] | None = None  # only on schema errors: where the input was


class FieldErrors(Schema):
    detail: list[FieldError]


ERRORS: dict[int, type[Schema]] = {401: Detail, 403: Detail, 404: Detail, 422: FieldErrors}


def answers(schema: Any, status: int = 200) -> dict[int, Any]:
    """The response map of an operation: `schema` on success, and the shared error bodies."""
    return {status: schema, **ERRORS}


def created(value: Any) -> Status:
    """A 201 answer carrying the new resource."""
    return Status(201, value)


# Services name model fields; the API names its inputs, so errors point at what was sent.
FIELD_ALIASES = {"region": "region_code", "domains": "domain_codes", "worker": "worker_id"}


def field_errors(exc: DjangoValidationError) -> list[dict[str, str | None]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": FIELD_ALIASES.get(name, name), "message": message}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in exc.messages]


def invalid(field: str, message: str) -> DjangoValidationError:
    """A 422 naming one input field."""
    return DjangoValidationError({field: message})


def _schema_messages() -> dict[str, str]:
    """Plain Chinese for the schema errors a client (often a phone's sync) meets, by
    pydantic's error type; `%(…)s` come from the error's context."""
    return {
        "missing": _("必填。"),
        "extra_forbidden": _("不接受此字段。"),
        "json_invalid": _("请求内容不是有效的 JSON。"),
        "string_type": _("应为文本。"),
        "string_too_long": _("不能超过 %(max_length)s 个字符。"),
        "string_too_short": _("至少 %(min_length)s 个字符。"),
        "string_pattern_mismatch": _("格式不对。"),
        "int_parsing": _("应为整数。"),
        "int_type": _("应为整数。"),
        "int_from_float": _("应为整数。"),
        "float_parsing": _("应为数字。"),
        "float_type": _("应为数字。"),
        "bool_parsing": _("应为 true 或 false。"),
        "bool_type": _("应为 true 或 false。"),
        "datetime_parsing": _("时间格式不对，应如 2026-12-01T09:30:00+08:00。"),
        "datetime_from_date_parsing": _("时间格式不对，应如 2026-12-01T09:30:00+08:00。"),
        "datetime_type": _("时间格式不对，应如 2026-12-01T09:30:00+08:00。"),
        "date_parsing": _("日期格式不对，应如 2026-12-01。"),
        "date_from_datetime_parsing": _("日期格式不对，应如 2026-12-01。"),
        "date_type": _("日期格式不对，应如 2026-12-01。"),
        "uuid_parsing": _("应为 UUID，如 6f1c2a4e-…。"),
        "uuid_type": _("应为 UUID，如 6f1c2a4e-…。"),
        "enum": _("取值无效，可选：%(expected)s。"),
        "literal_error": _("取值无效，可选：%(expected)s。"),
        "greater_than_equal": _("不能小于 %(ge)s。"),
        "greater_than": _("应大于 %(gt)s。"),
        "less_than_equal": _("不能大于 %(le)s。"),
        "less_than": _("应小于 %(lt)s。"),
        "too_long": _("最多 %(max_length)s 项。"),
        "list_type": _("应为列表。"),
        "dict_type": _("应为对象。"),
    }


def _input_error(error: dict[str, Any]) -> dict[str, Any]:
    """A schema error in the service errors' shape, in plain Chinese where its type is known;
    `loc` keeps where it was (query, body)."""
    loc = list(error.get("loc", ()))
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), None)
    message = error.get("msg", "")
    template = _schema_messages().get(error.get("type", ""))
    if template is not None:
        try:
            message = template % {k: str(v) for k, v in (error.get("ctx") or {}).items()}
        except (KeyError, TypeError, ValueError):
            message = template if "%(" not in template else message
    return {"field": field, "message": message, "loc": loc}


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error is JSON: 404 for anything outside scope, 403 for a missing right,
    422 with {"detail": [{"field", "message"}]} for input a service or schema refused."""

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, {"detail": _("未找到。")}, status=404)

    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, {"detail": _("您无权执行此操作。")}, status=403)

    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": field_errors(exc)}, status=422)

    def malformed(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        detail = [_input_error(error) for error in exc.errors]
        return api.create_response(request, {"detail": detail}, status=422)

    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": _("未登录或令牌无效：请登录，或在 Authorization 头中提供有效的个人令牌。")},
            status=401,
        )

    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(DjangoValidationError, refused)
    api.add_exception_handler(NinjaValidationError, malformed)


# --- references in request bodies ---------------------------------------------------------


def visible_region(user: User, code: str, *, field: str = "region_code") -> Region:
    """The region a body names, if it lies in the user's scope; else a 422 on that field
    (it says nothing about whether the region exists outside the scope)."""
    region = Region.objects.visible_to(user).filter(code=code).first()
    if region is None:
        raise invalid(field, _("区划代码“%(c)s”不存在或不在您的管辖范围内。") % {"c": code})
    return region


def in_region(qs: models.QuerySet, region: Region | None, field: str = "region_id"):
    """`qs` narrowed to the code range of `region` (unchanged when None)."""
    if region is None:
        return qs
    lo, hi = region.code_range
    return qs.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})


# --- keyset pagination --------------------------------------------------------------------


class KeysetQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数（1–200）")
    after: int | None = Field(None, ge=0, le=MAX_ID, description="上一页最后一条的 id")


def keyset_page(
    qs: models.QuerySet, *, limit: int, cursor: int | None, descending: bool = False
) -> tuple[list[Any], int | None]:
    """One page of `qs` in id order, starting past `cursor` (the last id the client saw),
    and the cursor of the next page, or None on the last one. A stable order by the primary
    key means rows added meanwhile never make a page repeat or skip a row."""
    if descending:
        qs = qs.order_by("-pk")
        if cursor is not None:
            qs = qs.filter(pk__lt=cursor)
    else:
        qs = qs.order_by("pk")
        if cursor is not None:
            qs = qs.filter(pk__gt=cursor)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more else None)
