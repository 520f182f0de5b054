"""The region tree over the API, and the coverage figures that roll up along it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from wushe.accounts import permissions
from wushe.core.api import answers, user_of
from wushe.core.views import require, visible_or_404
from wushe.network.coverage import Coverage, coverage_by_child, coverage_for
from wushe.regions.models import Region

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent_id


class Figures(Schema):
    townships: int
    covered_townships: int
    villages: int
    covered_villages: int
    centers: int
    stations: int
    rooms: int
    station_rate: float | None
    room_rate: float | None


class ChildCoverageOut(Figures):
    code: str
    name: str
    level: int


class CoverageOut(Figures):
    code: str
    name: str
    level: int
    children: list[ChildCoverageOut]


def _figures(region: Region, cov: Coverage) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "townships": cov.townships,
        "covered_townships": cov.covered_townships,
        "villages": cov.villages,
        "covered_villages": cov.covered_villages,
        "centers": cov.centers,
        "stations": cov.stations,
        "rooms": cov.rooms,
        "station_rate": cov.station_rate,
        "room_rate": cov.room_rate,
    }


@router.get("", response=answers(list[RegionOut]))
def list_my_regions(request: HttpRequest) -> list[Region]:
    """The regions the caller is assigned at: where a client starts walking the tree."""
    roots = permissions.scope_roots(user_of(request))
    return list(Region.objects.visible_to(user_of(request)).filter(code__in=roots))


@router.get("/{code}", response=answers(RegionOut))
def get_region(request: HttpRequest, code: str) -> Region:
    """One region in the caller's scope; any other code is not found."""
    return visible_or_404(Region, user_of(request), code=code)


@router.get("/{code}/children", response=answers(list[RegionOut]))
def list_region_children(request: HttpRequest, code: str) -> list[Region]:
    """The next level down, in code order."""
    user = user_of(request)
    region = visible_or_404(Region, user, code=code)
    return list(Region.objects.visible_to(user).filter(parent=region).order_by("code"))


@router.get("/{code}/coverage", response=answers(CoverageOut))
def get_region_coverage(request: HttpRequest, code: str) -> dict:
    """Station and room coverage of a region and of each of its children, from records."""
    user = user_of(request)
    region = visible_or_404(Region, user, code=code)
    require(user, "network.platform", "view", region.code)
    children = [_figures(child, cov) for child, cov in coverage_by_child(region)]
    return {**_figures(region, coverage_for(region)), "children": children}
