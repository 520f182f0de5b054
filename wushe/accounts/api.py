"""The caller's own account over the API: who am I, and my personal API tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from wushe.accounts import services
from wushe.accounts.models import ApiToken
from wushe.accounts.permissions import Role
from wushe.core.api import SESSION_ONLY, Input, Text, answers, created, user_of

router = Router(tags=["账号"])


class RoleOut(Schema):
    role: str
    role_label: str
    region_code: str
    region_name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[RoleOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌开头几位，便于辨认；完整令牌只在创建时显示一次")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenCreated(TokenOut):
    token: str = Field(description="完整令牌，只显示这一次；请立即妥善保存")


class TokenIn(Input):
    name: Text = Field(max_length=100, description="用途，便于日后辨认")


@router.get("/me", response=answers(MeOut))
def get_me(request: HttpRequest) -> dict:
    """Who the caller is and which roles they hold where, to shape a client's menus."""
    user = user_of(request)
    grants = user.role_assignments.select_related("region").order_by("region_id", "role")
    roles = [
        {
            "role": g.role,
            "role_label": str(Role(g.role).label),
            "region_code": g.region_id,
            "region_name": g.region.name,
        }
        for g in grants
    ]
    return {"id": user.pk, "username": user.username, "name": user.name, "roles": roles}


@router.get("/tokens", response=answers(list[TokenOut]))
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    """The caller's own tokens, revoked ones included; never a digest or a plaintext."""
    return list(ApiToken.objects.filter(user=user_of(request)).order_by("-created_at", "-pk"))


# Session only: a leaked token must not be able to mint successors that outlive its revocation.
@router.post("/tokens", response=answers(TokenCreated, 201), auth=SESSION_ONLY)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict]:
    """A new personal token; the plaintext is in this answer and nowhere else, ever."""
    token, plaintext = services.api_token_create(by=user_of(request), name=payload.name)
    return created({**TokenOut.model_validate(token).model_dump(), "token": plaintext})


@router.delete("/tokens/{int:token_id}", response=answers(TokenOut))
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    """Revoke one of the caller's tokens; another person's token id is not found."""
    user = user_of(request)
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    return services.api_token_revoke(by=user, token=token)
