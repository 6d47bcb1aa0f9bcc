"""Plain data that plugins return to the core. Frozen, so no plugin can change another's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["state", "provincial", "grassroots"]
Recipient = Literal["collective", "individual"]
AwardKind = Literal["title", "form"]

LEVELS: tuple[Level, ...] = ("state", "provincial", "grassroots")
RECIPIENTS: tuple[Recipient, ...] = ("collective", "individual")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


class StartupError(RuntimeError):
    """A plugin answered something the core cannot use; raised when the answer is first needed."""


@dataclass(frozen=True)
class AwardType:
    """One entry of the award catalogue: an emulation title (danh hiệu) or a form of award.

    ``report_years`` is how many years the achievement report must cover (RULES.md DOS-3);
    ``family`` groups classes that the yearly tables count on one row ("Huân chương Lao động
    các hạng"); ``aliases`` are other ways people write the name, used when importing records;
    ``source`` cites the legal text the entry comes from.
    """

    code: str
    name: str
    level: Level
    recipients: frozenset[Recipient]
    kind: AwardKind
    report_years: int | None = None
    family: str | None = None
    order: int = 0
    source: str = ""
    aliases: tuple[str, ...] = ()
    short_name: str = ""

    def __post_init__(self):
        problems = []
        if not _CODE.match(self.code):
            problems.append(f"code {self.code!r} must be an ASCII slug (a-z, 0-9, _)")
        if self.level not in LEVELS:
            problems.append(f"level {self.level!r} is not one of {LEVELS}")
        if not self.recipients or not set(self.recipients) <= set(RECIPIENTS):
            problems.append(f"recipients {set(self.recipients)!r} must be within {RECIPIENTS}")
        if self.kind not in ("title", "form"):
            problems.append(f"kind {self.kind!r} must be 'title' or 'form'")
        if self.report_years is not None and not 0 < self.report_years <= 10:
            problems.append("report_years must be between 1 and 10")
        if not self.name.strip():
            problems.append("name is empty")
        if problems:
            raise ValueError(f"AwardType {self.code!r}: " + "; ".join(problems))

    @property
    def for_collectives(self) -> bool:
        return "collective" in self.recipients

    @property
    def for_individuals(self) -> bool:
        return "individual" in self.recipients


@dataclass(frozen=True)
class PluginInfo:
    """What the admin pages and ``flask portal plugins`` show about an installed plugin."""

    name: str  # registered name: "portal.defaults", "plugin.national", "province.laichau"
    kind: Literal["core", "plugin", "province"]
    slug: str
    title: str
    description: str
    version: str
    required: bool = False
    hooks: tuple[str, ...] = field(default_factory=tuple)
