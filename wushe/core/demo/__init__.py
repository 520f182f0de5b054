"""The demo: a realistic three-level network in 兴安盟 and one login per role (`wushe demo`).

The plan (`plan.py`) is a pure function of the region rows and a fixed seed, so every run on
the same regions plans the same network; the build (`build.py`) writes it through the services
(with `by=None`, the system), so the audit trail records them, and leaves alone anything already
there, so a second run writes nothing.
"""

from wushe.core.demo.build import DemoResult, build_demo
from wushe.core.demo.plan import LEAGUE, LOGINS, PASSWORD, plan_demo, village_short_name

__all__ = [
    "LEAGUE",
    "LOGINS",
    "PASSWORD",
    "DemoResult",
    "build_demo",
    "plan_demo",
    "village_short_name",
]
