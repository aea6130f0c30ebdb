"""Listener writes: applying, verification, settings, tiers and packages, stats, interests.

Every function takes keyword-only arguments, validates before writing, and raises
ListenerError (a DomainError) with a translated message when it refuses; a refused call
changes nothing.

common.py     - shared checks: text fields, specialty tags
onboarding.py - applying, staff approval and rejection
profile.py    - the listener's profile, settings and presence
tiers.py      - pricing tiers (with the reply-window contract's terms) and packages
catalogue.py  - the catalogue's copies on the stats row, measured figures, client interests
workload.py   - the weekly schedule (shifts) and the listener's own workload limits
teams.py      - teams (shops): create, invite by phone, answer, the team's share

Callers import from here (`from listeners import services`); the modules are the layout.
"""

from listeners.services.catalogue import (
    STATS_FIELDS,
    client_interests_set,
    languages_key,
    listener_catalogue_sync,
    listener_prices_refresh,
    listener_stats_update,
    quality_score,
    tags_key,
)
from listeners.services.common import MAX_TAGS_PER_LISTENER
from listeners.services.onboarding import listener_apply, listener_approve, listener_reject
from listeners.services.profile import (
    listener_availability_set,
    listener_presence_set,
    listener_presence_store,
    listener_profile_update,
    listener_settings_update,
)
from listeners.services.teams import (
    team_commission_set,
    team_create,
    team_invite,
    team_invite_answer,
    team_of,
)
from listeners.services.tiers import (
    BREACH_TERM_BOUNDS,
    MAX_PACKAGES_PER_TIER,
    MAX_TIERS_PER_LISTENER,
    TIER_FIELDS,
    access_tier_for_listener,
    package_create,
    package_delete,
    tier_create,
    tier_delete,
    tier_update,
)
from listeners.services.workload import (
    LIMIT_FIELDS,
    Limits,
    listener_limits,
    listener_limits_set,
    listener_shifts_set,
    platform_limits,
)

__all__ = [
    "BREACH_TERM_BOUNDS",
    "LIMIT_FIELDS",
    "MAX_PACKAGES_PER_TIER",
    "MAX_TAGS_PER_LISTENER",
    "MAX_TIERS_PER_LISTENER",
    "STATS_FIELDS",
    "TIER_FIELDS",
    "Limits",
    "access_tier_for_listener",
    "client_interests_set",
    "languages_key",
    "listener_apply",
    "listener_approve",
    "listener_availability_set",
    "listener_catalogue_sync",
    "listener_limits",
    "listener_limits_set",
    "listener_presence_set",
    "listener_presence_store",
    "listener_prices_refresh",
    "listener_profile_update",
    "listener_reject",
    "listener_settings_update",
    "listener_shifts_set",
    "listener_stats_update",
    "package_create",
    "package_delete",
    "platform_limits",
    "quality_score",
    "tags_key",
    "team_commission_set",
    "team_create",
    "team_invite",
    "team_invite_answer",
    "team_of",
    "tier_create",
    "tier_delete",
    "tier_update",
]
