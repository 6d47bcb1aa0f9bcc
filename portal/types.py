"""Plain data that plugins return to the core. Frozen, so no plugin can change another's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
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


CriterionKindName = Literal["scored", "bonus", "penalty", "info"]
CRITERION_KINDS: tuple[CriterionKindName, ...] = ("scored", "bonus", "penalty", "info")


@dataclass(frozen=True)
class CriterionSpec:
    """One row of a criteria table as a plugin offers it. ``parent`` is the parent row's code
    (``None`` for a top-level group); ``max_points`` is ``None`` only for informational rows."""

    code: str
    title: str
    kind: CriterionKindName = "scored"
    max_points: Decimal | None = None
    parent: str | None = None
    guidance: str = ""

    def __post_init__(self):
        if self.kind not in CRITERION_KINDS:
            raise ValueError(f"criterion {self.code!r}: kind {self.kind!r} is not one of {CRITERION_KINDS}")
        if not self.code.strip() or not self.title.strip():
            raise ValueError("a criterion needs a code and a title")
        if self.kind != "info" and (self.max_points is None or self.max_points < 0):
            raise ValueError(f"criterion {self.code!r}: a counted criterion needs max_points >= 0")


@dataclass(frozen=True)
class CriteriaTemplate:
    """A criteria table a plugin offers (``scoring_criteria``). ``note`` says where it comes from
    and whether it is a starting point to adapt."""

    code: str
    name: str
    criteria: tuple[CriterionSpec, ...]
    note: str = ""
    source: str = ""

    def __post_init__(self):
        if not _CODE.match(self.code):
            raise ValueError(f"template code {self.code!r} must be an ASCII slug")
        codes = [c.code for c in self.criteria]
        if len(codes) != len(set(codes)):
            raise ValueError(f"template {self.code!r} repeats a criterion code")
        known = set(codes)
        for c in self.criteria:
            if c.parent is not None and c.parent not in known:
                raise ValueError(f"template {self.code!r}: {c.code!r} names unknown parent {c.parent!r}")


@dataclass(frozen=True)
class Band:
    """A named band of totals: ``label`` for every total >= ``min_total`` ("Xuất sắc" from 95)."""

    label: str
    min_total: Decimal


@dataclass(frozen=True)
class RankingRules:
    """How a block's totals become a ranking (``ranking_rules``).

    ``bands`` highest first. ``tie_breakers`` are criterion codes compared in order (a higher
    score there ranks first) when totals are equal; ties they do not break are shared ranks,
    flagged for the meeting. ``source`` cites the rule.
    """

    bands: tuple[Band, ...] = ()
    tie_breakers: tuple[str, ...] = ()
    source: str = ""


BallotBasis = Literal["members", "present", "valid"]
TieOutcome = Literal["runoff", "refer"]


@dataclass(frozen=True)
class BallotRules:
    """How a secret ballot's count becomes "elected" (RULES.md §4, VOT-4, VOT-5, V7).

    A candidate is *qualified* when ``votes / basis > threshold`` (``strict``) or ``>=``
    (not strict), where the basis is all member units, the units present, or the valid ballots.
    The seats go to the qualified candidates with the most votes; when candidates tie for the
    last seat, ``tie`` says whether a run-off ballot among them follows (``runoff``) or the
    province's council decides (``refer``). ``threshold`` is an exact ``Fraction``, never a float.
    """

    basis: BallotBasis = "members"
    threshold: Fraction = Fraction(1, 2)
    strict: bool = True
    tie: TieOutcome = "runoff"
    source: str = ""

    def __post_init__(self):
        if self.basis not in ("members", "present", "valid"):
            raise ValueError(f"basis {self.basis!r} must be members, present or valid")
        if not isinstance(self.threshold, Fraction) or not 0 <= self.threshold <= 1:
            raise ValueError("threshold must be a Fraction between 0 and 1")
        if self.tie not in ("runoff", "refer"):
            raise ValueError(f"tie {self.tie!r} must be runoff or refer")


@dataclass(frozen=True)
class AwardCategory:
    """A category award records are counted under: socio-economic achievements (KT-XH), thematic
    (chuyên đề), ad-hoc (đột xuất), or a province's own (education, military recruitment)."""

    code: str
    name: str
    order: int = 0

    def __post_init__(self):
        if not _CODE.match(self.code):
            raise ValueError(f"category code {self.code!r} must be an ASCII slug")


@dataclass(frozen=True)
class Requirement:
    """One item a nomination's dossier must (or may) contain (``dossier_requirements``).

    ``layout`` names the report layout the portal generates it with (submission letter, minutes,
    vote-count record, summary sheet); ``None`` means the item is uploaded. ``source`` cites the
    rule that asks for it.
    """

    code: str
    title: str
    required: bool = True
    layout: str | None = None
    source: str = ""

    def __post_init__(self):
        if not _CODE.match(self.code):
            raise ValueError(f"requirement code {self.code!r} must be an ASCII slug")


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """A plugin's finding about a nomination (``validate_nomination``): an ``error`` blocks
    submission, a ``warning`` needs a recorded acknowledgement. ``source`` cites the document and
    article ("Hướng dẫn … tỉnh Lai Châu, mục II, Lưu ý")."""

    code: str
    severity: Severity
    message: str
    source: str

    def __post_init__(self):
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity {self.severity!r} must be error or warning")
        if not self.source.strip():
            raise ValueError(f"finding {self.code!r} must cite its legal source")


@dataclass(frozen=True)
class Deadline:
    """A date in a province's yearly calendar (``award_calendar``): what is due, by whom, where."""

    code: str
    title: str
    due: date
    applies_to: Literal["unit", "block", "province"] = "unit"
    note: str = ""
    source: str = ""


SettingKind = Literal["fraction", "percent", "int", "bool", "date", "text", "choice"]


@dataclass(frozen=True)
class Setting:
    """A value a province may change for one plugin (Indico's settings idea): the plugin declares
    it with its default and source in ``SETTINGS``; the province officer changes it in the admin
    pages; ``portal.api.plugin_setting`` reads it. ``choices`` for ``kind="choice"``."""

    key: str
    label: str
    kind: SettingKind
    default: object
    help: str = ""
    source: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        if not _CODE.match(self.key):
            raise ValueError(f"setting key {self.key!r} must be an ASCII slug")
