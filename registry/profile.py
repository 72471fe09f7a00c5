"""The jurisdiction profile: units, domains with their responsible units and aliases, tasks and deadlines."""

from __future__ import annotations

import difflib
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, field_validator, model_validator


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: str  # department, town, center, government, zone
    aliases: tuple[str, ...] = ()


class Village(BaseModel):
    """A 嘎查村 (village) whose village-level list (村级公开清单) readers can follow: it belongs to one town."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    town: str  # the name of a unit of kind "town"
    aliases: tuple[str, ...] = ()


class Domain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    responsible_unit: str
    aliases: tuple[str, ...] = ()
    pilot: bool = True


class Task(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    scope: str  # unit-catalogs, domain-catalogs, updates
    deadline: date
    unit_kinds: tuple[str, ...] = Field(default=(), description="the kinds of unit the task binds; empty: every kind")

    def binds(self, unit: Unit) -> bool:
        return not self.unit_kinds or unit.kind in self.unit_kinds


class Platform(BaseModel):
    """A platform of government new media (政务新媒体): its name in the list and the other ways lists write it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    aliases: tuple[str, ...] = ()


# The platforms of 国办发〔2018〕123号's practice, with the ways published lists write them. 其他 is not among them:
# another platform is written 其他：NAME (其他：小红书).
PLATFORMS = (
    Platform(name="微信公众号", aliases=("微信", "政务微信", "微信订阅号", "微信服务号", "公众号", "微信公众平台")),
    Platform(name="微信视频号", aliases=("视频号",)),
    Platform(name="新浪微博", aliases=("微博", "政务微博", "新浪", "微博号")),
    Platform(name="抖音", aliases=("抖音号", "抖音短视频", "政务抖音")),
    Platform(name="快手", aliases=("快手号", "快手短视频")),
    Platform(name="今日头条", aliases=("头条", "头条号", "今日头条号")),
    Platform(name="百家号", aliases=("百度百家号",)),
    Platform(name="小程序", aliases=("微信小程序",)),
    Platform(name="移动客户端", aliases=("App", "APP", "app", "客户端", "移动客户端（App）", "移动客户端(App)")),
)
OTHER_PLATFORM = "其他"
ACCOUNT_STEPS = ("preliminary", "legality", "approval")


class StepLimits(BaseModel):
    """Working days a pending version may wait at each step (registry.items.worklist.Step) before it is overdue.

    Counted from the day it began waiting at that step (registry.supervision.deadline.step_deadline). The defaults: 10
    to draft (梳理) or revise (退回修改) a version; then 初审 5, 合法性审查 5, 审议 7 and 公布 3, so that submission
    to publication fits in the 20 working days that 《政府信息公开条例》第二十六条 gives from a piece of information's
    formation or change to its disclosure.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    revise: PositiveInt = 10
    draft: PositiveInt = 10
    preliminary_review: PositiveInt = 5
    legality_review: PositiveInt = 5
    approval: PositiveInt = 7
    publication: PositiveInt = 3

    def of(self, step: str) -> int:
        """The limit of `step` (a Step value: revise, draft, preliminary_review, ...)."""
        if step not in type(self).model_fields:
            raise KeyError(f"no time limit for the step {step!r}")
        limit: int = getattr(self, step)
        return limit


class Profile(BaseModel):
    """One jurisdiction's data. Loaded from TOML; the default is the banner of the seed document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    jurisdiction: str
    review_unit: str = Field(description="初审 and publication on the portal")
    legal_unit: str = Field(description="合法性审查")
    units: tuple[Unit, ...]
    domains: tuple[Domain, ...]
    tasks: tuple[Task, ...] = ()
    holidays: tuple[date, ...] = Field(default=(), description="days off (法定节假日 and the days 调休 adds to them)")
    workdays: tuple[date, ...] = Field(default=(), description="weekend days worked (调休上班)")
    timezone: str = Field(default="Asia/Shanghai", description="where the jurisdiction's days begin and end")
    step_limits: StepLimits = Field(default=StepLimits(), description="working days allowed at each step")
    villages: tuple[Village, ...] = Field(default=(), description="嘎查村 whose village lists can be followed")
    platforms: tuple[Platform, ...] = Field(default=PLATFORMS, description="政务新媒体 platforms and their aliases")
    account_suspension_limit: PositiveInt = Field(
        default=180, description="days an account may stay suspended (关停) before supervision flags it"
    )
    account_review: tuple[str, ...] = Field(
        default=("preliminary",),
        description="the review steps a new-media account's filing passes before publication, in order "
        "(of preliminary, legality, approval)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from error
        return name

    @model_validator(mode="after")
    def _days_off_or_worked(self) -> Profile:
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"a day cannot be both a holiday and a working day: {', '.join(map(str, both))}")
        return self

    @model_validator(mode="after")
    def _villages_in_towns(self) -> Profile:
        towns = {unit.name for unit in self.units if unit.kind == "town"}
        seen: set[str] = set()
        for village in self.villages:
            if village.town not in towns:
                raise ValueError(
                    f"the village {village.name} is in {village.town!r}, which is not a unit of kind town "
                    f"(the towns: {', '.join(sorted(towns)) or 'none'})"
                )
            for name in (village.name, *village.aliases):
                if name in seen:
                    raise ValueError(f"two villages are called {name}")
                seen.add(name)
        return self

    @field_validator("account_review")
    @classmethod
    def _account_steps_in_order(cls, steps: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [step for step in steps if step not in ACCOUNT_STEPS]
        if unknown:
            raise ValueError(
                f"unknown account review step(s) {', '.join(unknown)}: the steps are {', '.join(ACCOUNT_STEPS)}"
            )
        if list(steps) != sorted(set(steps), key=ACCOUNT_STEPS.index):
            raise ValueError(f"account review steps are taken once each, in the order {', '.join(ACCOUNT_STEPS)}")
        return steps

    def platform(self, name: str) -> str | None:
        """The platform `name` names, as the list records it: a platform of the profile (by its name or an alias,
        ignoring case and spaces), or 其他：NAME for another; None for a name it cannot place."""
        text = "".join(name.split())
        if not text:
            return None
        for platform in self.platforms:
            if text.casefold() in {alias.casefold() for alias in (platform.name, *platform.aliases)}:
                return platform.name
        for separator in ("：", ":"):
            head, found, other = text.partition(separator)
            if found and head == OTHER_PLATFORM and other:
                known = self.platform(other)
                return known or f"{OTHER_PLATFORM}：{other}"
        return None

    def unit(self, name: str) -> Unit | None:
        """The unit called `name` or one of its aliases."""
        name = name.strip()
        for unit in self.units:
            if name == unit.name or name in unit.aliases:
                return unit
        return None

    def village(self, name: str) -> Village | None:
        """The village called `name` or one of its aliases."""
        name = name.strip()
        for village in self.villages:
            if name == village.name or name in village.aliases:
                return village
        return None

    def task(self, scope: str) -> Task | None:
        """The task of `scope` (unit-catalogs, domain-catalogs, updates), if the profile sets one."""
        return next((task for task in self.tasks if task.scope == scope), None)

    def domain(self, name: str) -> Domain | None:
        """The domain called `name` (with or without 领域) or one of its aliases."""
        name = name.strip().removesuffix("领域")
        for domain in self.domains:
            if name == domain.name or name in domain.aliases:
                return domain
        return None

    def nearest_domains(self, name: str, count: int = 3) -> tuple[str, ...]:
        """The domains whose name or alias is closest to `name`, best first: what a misspelt domain may have meant.

        Compared character by character (difflib), which suits Chinese names: 财政预算 is near 财政预决算."""
        name = name.strip().removesuffix("领域")
        names = {alias: domain.name for domain in self.domains for alias in (domain.name, *domain.aliases)}
        close = difflib.get_close_matches(name, names, n=len(names), cutoff=0.5)
        return tuple(dict.fromkeys(names[match] for match in close))[:count]

    def nearest_units(self, name: str, count: int = 3) -> tuple[str, ...]:
        """The units whose name or alias is closest to `name`, best first: what a misspelt unit may have meant
        (财政具 is near 财政局)."""
        names = {alias: unit.name for unit in self.units for alias in (unit.name, *unit.aliases)}
        close = difflib.get_close_matches(name.strip(), names, n=len(names), cutoff=0.5)
        return tuple(dict.fromkeys(names[match] for match in close))[:count]


class ProfileError(Exception):
    pass


def load_profile(path: Path | None = None) -> Profile:
    """The profile at `path`, or the packaged default."""
    try:
        if path is None:
            data = tomllib.loads(resources.files("registry").joinpath("profiles/etuokeqianqi.toml").read_text("utf-8"))
        else:
            data = tomllib.loads(path.read_text("utf-8"))
        return Profile.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise ProfileError(f"cannot load the jurisdiction profile {path or 'default'}: {error}") from error
