"""A re-plan's lines name the requests a moved one gave way to with their tiers as the site labels them."""

from __future__ import annotations

from allocator.commands.replan_view import _tiers_named
from allocator.planner.domain import SitePolicy


def test_the_tiers_a_request_gave_way_to_are_named_in_the_run_language() -> None:
    policy = SitePolicy(priority_labels={"head_of_region": {"id": "Bupati", "en": "Regent"}})
    named = _tiers_named("PSR-GUB-01 (head_of_region), PSR-2 (normal)", policy, "id")
    assert named == "PSR-GUB-01 (bupati), PSR-2 (biasa)"
    assert _tiers_named("PSR-GUB-01 (head_of_region)", policy, "en") == "PSR-GUB-01 (regent)"
