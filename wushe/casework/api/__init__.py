"""Visits, needs, cases and referrals over the API. The phone's offline sync uses
`POST /visits` with the draft's own `client_id`: sending it again answers 200 with the visit
already recorded, never a second one. Case transitions are explicit operations."""

from ninja import Router

from wushe.casework.api import cases, visits

router = Router()
router.add_router("", visits.router)
router.add_router("", cases.router)
