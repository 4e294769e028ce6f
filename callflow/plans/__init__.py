"""Care and crisis plans in the service: on-call lookup, API, notifications, wiring.

The registry itself (models, importers, precedence, audit) is ``careplans``;
this package adds what needs the service's I/O: the Redis-cached lookup with a
deadline, the HTTP API, the plan-available webhook worker and the benchmark.

Usage (composition root)::

    plans = build_plans(db, redis, settings)
    setup_plans(app, db, redis, settings, service=plans)
    ...
    result = await plans.for_call(caller, nhs_number)     # in the call session
    if result.found:
        await plans.announce(call_id, result)             # audit + notification
"""

from callflow.plans.accesslog import QuerylessAccessLogger
from callflow.plans.bench import bench_lookup
from callflow.plans.keys import PLANS
from callflow.plans.lookup import PlanLookup
from callflow.plans.notify import PlanNotifier
from callflow.plans.services import PlanService
from callflow.plans.settings import PlanSettings, plan_settings
from callflow.plans.wiring import build_plans, setup_plans
from careplans.lookup import LookupOutcome, LookupResult, PlanSummary

__all__ = [
    "PLANS",
    "LookupOutcome",
    "LookupResult",
    "PlanLookup",
    "PlanNotifier",
    "PlanService",
    "PlanSettings",
    "PlanSummary",
    "QuerylessAccessLogger",
    "bench_lookup",
    "build_plans",
    "plan_settings",
    "setup_plans",
]
