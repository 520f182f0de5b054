"""The audit trail over the API: read-only by design, there is no operation that edits it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from wushe.audit.models import AuditEvent
from wushe.core.api import (
    MAX_ID,
    MAX_LIMIT,
    RegionCode,
    Text,
    answers,
    in_region,
    keyset_page,
    user_of,
)
from wushe.core.views import scope_region_or_404

router = Router(tags=["审计"])


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    region_code: str
    ip: str
    request_id: str


class AuditEventPage(Schema):
    items: list[AuditEventOut]
    next_before: int | None = Field(description="下一页请求的 before；已到最后一页时为 null")


class AuditEventQuery(Schema):
    action: Text | None = Field(None, max_length=64, description="操作前缀，如 platform.")
    region: RegionCode | None = Field(None, description="只看此区划及其下级（须在管辖范围内）")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数（1–200）")
    before: int | None = Field(None, ge=0, le=MAX_ID, description="上一页最后一条的 id")


@router.get("/events", response=answers(AuditEventPage))
def list_audit_events(request: HttpRequest, filters: Query[AuditEventQuery]) -> dict:
    """Events in the caller's scope, newest first; pages walk back with `before`."""
    user = user_of(request)
    qs = AuditEvent.objects.visible_to(user)
    region = scope_region_or_404(user, filters.region, "audit.auditevent")
    qs = in_region(qs, region, "region_code")
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    rows, cursor = keyset_page(qs, limit=filters.limit, cursor=filters.before, descending=True)
    return {"items": rows, "next_before": cursor}
