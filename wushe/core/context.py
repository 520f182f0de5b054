"""Who is asking and from where, for the audit trail, without passing the request around."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str = ""
    request_id: str = ""


NO_REQUEST = RequestInfo()
# RequestInfo is frozen, so sharing one default is safe.
_current: contextvars.ContextVar[RequestInfo] = contextvars.ContextVar("wushe_request")


def current() -> RequestInfo:
    return _current.get(NO_REQUEST)


def set_current(info: RequestInfo) -> contextvars.Token:
    return _current.set(info)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
