"""The jurisdiction profile's look-ups of what people type, and its time limits for each step. No database."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.items.worklist import Step
from registry.profile import ProfileError, StepLimits, load_profile

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


def test_the_default_profile_sets_a_limit_for_every_step() -> None:
    assert set(StepLimits.model_fields) == {step.value for step in Step}
    assert PROFILE.step_limits.of(Step.PRELIMINARY_REVIEW) == 5


def test_submission_to_publication_fits_in_the_20_working_days_of_article_26() -> None:
    review = (Step.PRELIMINARY_REVIEW, Step.LEGALITY_REVIEW, Step.APPROVAL, Step.PUBLICATION)

    assert sum(PROFILE.step_limits.of(step) for step in review) <= 20
    assert sum(StepLimits().of(step) for step in review) <= 20


def test_a_profile_without_step_limits_has_the_defaults(tmp_path: Path) -> None:
    without = tmp_path / "without.toml"
    without.write_text(_profile_text().split("[step_limits]")[0] + "units = []\ndomains = []\n", "utf-8")

    assert load_profile(without).step_limits == StepLimits()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("approval = 0", r"step_limits\.approval\s+Input should be greater than 0"),
        ("approval = -3", r"step_limits\.approval\s+Input should be greater than 0"),
        ("approval = 7\nreview = 5", r"step_limits\.review\s+Extra inputs are not permitted"),
    ],
)
def test_a_step_limit_below_one_or_for_no_step_is_a_profile_error(tmp_path: Path, line: str, error: str) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(_profile_text().replace("approval = 7", line, 1), "utf-8")

    with pytest.raises(ProfileError, match=error):
        load_profile(wrong)


def _profile_text() -> str:
    return (Path(__file__).parents[2] / "registry/profiles/etuokeqianqi.toml").read_text("utf-8")


def test_the_packaged_profile_lists_no_villages() -> None:
    assert PROFILE.villages == ()
    assert PROFILE.village("测试甲嘎查") is None


def _with_villages(tmp_path: Path, villages: str) -> Path:
    path = tmp_path / "villages.toml"
    path.write_text(_profile_text() + "\n" + villages, "utf-8")
    return path


def test_a_profile_names_its_villages_each_in_a_town(tmp_path: Path) -> None:
    profile = load_profile(
        _with_villages(
            tmp_path,
            '[[villages]]\nname = "测试甲嘎查"\ntown = "城川镇"\naliases = ["测试甲村"]\n'
            '[[villages]]\nname = "测试乙嘎查"\ntown = "上海庙镇"\n',
        )
    )

    assert [(village.name, village.town) for village in profile.villages] == [
        ("测试甲嘎查", "城川镇"),
        ("测试乙嘎查", "上海庙镇"),
    ]
    found = profile.village(" 测试甲村 ")
    assert found is not None and found.name == "测试甲嘎查"


@pytest.mark.parametrize(
    ("villages", "error"),
    [
        (
            '[[villages]]\nname = "测试甲嘎查"\ntown = "财政局"\n',
            "测试甲嘎查 is in '财政局', which is not a unit",
        ),
        ('[[villages]]\nname = "测试甲嘎查"\ntown = "没有这个镇"\n', "not a unit of kind town"),
        (
            '[[villages]]\nname = "测试甲嘎查"\ntown = "城川镇"\n[[villages]]\nname = "测试乙嘎查"\ntown = "城川镇"\n'
            'aliases = ["测试甲嘎查"]\n',
            "two villages are called 测试甲嘎查",
        ),
    ],
)
def test_a_village_outside_a_town_or_named_twice_is_a_profile_error(tmp_path: Path, villages: str, error: str) -> None:
    with pytest.raises(ProfileError, match=error):
        load_profile(_with_villages(tmp_path, villages))
