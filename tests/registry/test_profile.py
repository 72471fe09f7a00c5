"""The jurisdiction profile's look-ups of what people type. No database."""

from __future__ import annotations

from registry.profile import load_profile

PROFILE = load_profile()


def test_a_misspelt_unit_is_near_the_unit_it_meant() -> None:
    assert PROFILE.nearest_units("财政具")[0] == "财政局"


def test_the_nearest_units_are_the_profile_s_names_best_first_and_few() -> None:
    nearest = PROFILE.nearest_units("政务服务")

    assert nearest[0] == "政务服务局"
    assert len(nearest) <= 3
    assert set(nearest) <= {unit.name for unit in PROFILE.units}


def test_nothing_is_near_a_name_like_no_unit() -> None:
    assert PROFILE.nearest_units("Mars") == ()
