"""Award records: create, edit and delete one record; import thousands from CSV or XLSX.

A record says which award (a code of the province's catalogue), for whom (a collective, or an
individual counted as a leader or a worker), under which category, and where it stands:

====================  ==============================================================
proposed              proposed, not yet decided nor sent upward
submitted_upward      sent to the state level (needs ``submitted_on``)
pending               sent upward, no decision yet (needs ``submitted_on``)
returned              returned, with the reason
decided               decided (needs the decision's number and date)
====================  ==============================================================

State-level records count by the day the province submitted them (``submitted_on``), whatever
became of them, so every state-level record past ``proposed`` needs that date; see
``portal.services.award_statistics``.

The import is all-or-nothing: every row is checked (award names as people type them, any case,
composed or decomposed, or catalogue codes; units by code or name, one query), every problem is
listed by spreadsheet row, and a clean file is written with one bulk ``INSERT`` plus one audit
row naming the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from portal import tabular
from portal.catalogue import award_categories_for, award_types_for
from portal.extensions import db
from portal.logic.award_names import AwardMatcher
from portal.logic.award_names import key as name_key
from portal.models import AuditLog, Province, Unit
from portal.models.awards import AwardRecord, PersonGroup, RecordStatus
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.text import fold, nfc, search_text

S = RecordStatus

STATUS_LABELS = {
    S.PROPOSED: _l("Đề nghị (chưa quyết định)"),
    S.SUBMITTED_UPWARD: _l("Đã trình cấp trên"),
    S.PENDING: _l("Chờ quyết định"),
    S.RETURNED: _l("Bị trả lại"),
    S.DECIDED: _l("Đã có quyết định"),
}
RECIPIENT_LABELS = {"collective": _l("Tập thể"), "individual": _l("Cá nhân")}
GROUP_LABELS = {PersonGroup.LEADER: _l("Lãnh đạo, quản lý"), PersonGroup.WORKER: _l("Người lao động")}

# Which status may follow which; staying in the same status (editing other fields) is always allowed.
TRANSITIONS: dict[RecordStatus, frozenset[RecordStatus]] = {
    S.PROPOSED: frozenset({S.SUBMITTED_UPWARD, S.PENDING, S.RETURNED, S.DECIDED}),
    S.SUBMITTED_UPWARD: frozenset({S.PENDING, S.RETURNED, S.DECIDED}),
    S.PENDING: frozenset({S.RETURNED, S.DECIDED}),
    S.RETURNED: frozenset({S.PROPOSED, S.SUBMITTED_UPWARD}),  # corrected and proposed again
    S.DECIDED: frozenset(),
}
UPWARD = frozenset({S.SUBMITTED_UPWARD, S.PENDING, S.RETURNED, S.DECIDED})

FIELDS = (
    "year", "award_code", "recipient", "recipient_name", "unit_id", "person_group", "position",
    "category", "status", "returned_reason", "decision_number", "decision_date", "decided_by",
    "submitted_on", "nomination_id",
)


def status_label(status) -> str:
    return str(STATUS_LABELS.get(RecordStatus(status), status))


# The order the report lists a level's cases in: decided, not yet decided, returned.
STATUS_ORDER = (S.DECIDED, S.PENDING, S.SUBMITTED_UPWARD, S.RETURNED, S.PROPOSED)


def category_label(category) -> str:
    """A category's name without "Khen thưởng (theo / thành tích thực hiện nhiệm vụ)", for
    narrow columns: "Kinh tế - xã hội", "Chuyên đề", "Đột xuất", "Ngành giáo dục"."""
    name = category.name
    for prefix in ("Khen thưởng thành tích thực hiện nhiệm vụ ", "Khen thưởng thành tích ", "Khen thưởng theo ",
                   "Khen thưởng "):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name[:1].upper() + name[1:]


# -- checks shared by the forms, the API and the import -----------------------------------------


def default_year(values: Mapping[str, Any], level: str | None = None) -> int | None:
    """The year of the date the record is counted by: the submission for the state level, the
    decision otherwise (a state award submitted in 2023 and decided in 2024 belongs to 2023)."""
    names = ("submitted_on", "decision_date") if level == "state" else ("decision_date", "submitted_on")
    for name in names:
        if isinstance(values.get(name), dt.date):
            return values[name].year
    return None


def record_problems(values: dict[str, Any], catalogue: Mapping, categories: Mapping) -> list[tuple[str | None, Any]]:
    """What is wrong with ``values`` (field, message), after filling what can be inferred: the
    year from the dates, collective/individual from an award given to one kind only, and the
    status from the decision or submission dates. ``values`` is adjusted in place."""
    problems: list[tuple[str | None, Any]] = []
    award = catalogue.get(values.get("award_code"))
    if award is None:
        problems.append(("award_code", _l("Hình thức khen thưởng không có trong danh mục của tỉnh.")))
    recipient = values.get("recipient")
    if recipient is None and award is not None:
        if len(award.recipients) == 1:
            recipient = next(iter(award.recipients))
        elif values.get("person_group"):
            recipient = "individual"
    values["recipient"] = recipient
    if recipient not in ("collective", "individual"):
        problems.append(("recipient", _l("Cần ghi đối tượng: Tập thể hoặc Cá nhân.")))
    elif award is not None and recipient not in award.recipients:
        problems.append(("recipient", _l("«%(award)s» không dùng để khen %(who)s.", award=award.name,
                                         who=str(RECIPIENT_LABELS[recipient]).lower())))
    if recipient == "individual" and not values.get("person_group"):
        problems.append(("person_group", _l("Cá nhân cần ghi là Lãnh đạo hay Người lao động.")))
    if recipient == "collective" and values.get("person_group"):
        problems.append(("person_group", _l("Tập thể không phân Lãnh đạo / Người lao động; hãy để trống.")))
    if values.get("category") and values["category"] not in categories:
        problems.append(("category", _l("Loại khen thưởng không có trong danh mục của tỉnh.")))

    level = award.level if award is not None else None
    status = values.get("status")
    if status is None:
        if values.get("decision_date") or values.get("decision_number"):
            status = S.DECIDED
        elif level == "state" and values.get("submitted_on"):
            status = S.SUBMITTED_UPWARD
        else:
            status = S.PROPOSED
    status = values["status"] = RecordStatus(status)
    if status == S.DECIDED:
        if not values.get("decision_number"):
            problems.append(("decision_number", _l("Đã có quyết định thì cần số quyết định.")))
        if not values.get("decision_date"):
            problems.append(("decision_date", _l("Đã có quyết định thì cần ngày quyết định.")))
    if status == S.RETURNED and not (values.get("returned_reason") or "").strip():
        problems.append(("returned_reason", _l("Bị trả lại thì cần ghi lý do.")))
    if status in (S.SUBMITTED_UPWARD, S.PENDING) and level is not None and level != "state":
        problems.append(("status", _l("Chỉ khen thưởng cấp Nhà nước mới trình cấp trên.")))
    if level == "state" and status in UPWARD and not values.get("submitted_on"):
        problems.append(("submitted_on", _l("Khen thưởng cấp Nhà nước cần ngày trình (dùng để thống kê theo kỳ).")))
    decided, submitted = values.get("decision_date"), values.get("submitted_on")
    if decided and submitted and decided < submitted:
        problems.append(("decision_date", _l("Ngày quyết định trước ngày trình.")))
    if values.get("year") is None:
        values["year"] = default_year(values, level)
    if values.get("year") is None:
        problems.append(("year", _l("Cần ghi năm (hoặc ngày quyết định, ngày trình).")))
    elif not 2000 <= values["year"] <= 2100:
        problems.append(("year", _l("Năm phải từ 2000 đến 2100.")))
    if not (values.get("recipient_name") or "").strip():
        problems.append(("recipient_name", _l("Cần họ tên cá nhân hoặc tên tập thể.")))
    if recipient == "collective":
        values["person_group"] = None
    return problems


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = {name: values.get(name) for name in FIELDS}
    for name in ("recipient_name", "position", "decision_number", "decided_by", "returned_reason"):
        if isinstance(out[name], str):
            out[name] = nfc(out[name]) or None
    out["position"] = out["position"] or ""
    for name in ("category", "person_group"):
        out[name] = out[name] or None
    if out["person_group"] is not None:
        out["person_group"] = PersonGroup(out["person_group"])
    if out["status"] is not None:
        out["status"] = RecordStatus(out["status"])
    return out


def record_search_text(values: Mapping[str, Any]) -> str:
    return search_text(values.get("recipient_name"), values.get("position"), values.get("decision_number"))[:600]


def save_record(record: AwardRecord | None, province: Province, **values) -> AwardRecord:
    """Create (``record`` None) or change one record; the caller commits."""
    values = _clean(values)
    if values["unit_id"] is not None:
        unit = db.session.get(Unit, values["unit_id"])
        if unit is None or unit.province_id != province.id:
            raise ServiceError(_("Đơn vị không thuộc tỉnh này."), "unit_id")
    catalogue = award_types_for(province)
    problems = record_problems(values, catalogue, award_categories_for(province))
    if problems:
        name, message = problems[0]
        raise ServiceError(str(message), name)
    if record is not None and values["status"] != record.status:
        if values["status"] not in TRANSITIONS[record.status]:
            raise ServiceError(
                _("Không chuyển được từ «%(old)s» sang «%(new)s».", old=status_label(record.status),
                  new=status_label(values["status"])),
                "status",
                409,
            )
    if record is None:
        record = AwardRecord(province_id=province.id)
        db.session.add(record)
    elif record.province_id != province.id:
        raise ServiceError(_("Bản ghi không thuộc tỉnh này."), None, 403)
    for name, value in values.items():
        if name == "nomination_id" and value is None and record.nomination_id is not None:
            continue  # the link to the nomination is kept unless replaced
        setattr(record, name, value)
    record.level = catalogue[values["award_code"]].level
    record.search_text = record_search_text(values)
    db.session.flush()
    return record


def delete_record(record: AwardRecord) -> None:
    db.session.delete(record)
    db.session.flush()


# -- import ---------------------------------------------------------------------------------------

RECIPIENT_CHOICES = {
    "Tập thể": "collective", "Cá nhân": "individual", "collective": "collective", "individual": "individual",
    "TT": "collective", "CN": "individual",
}
GROUP_CHOICES = {
    "Lãnh đạo": "leader", "Lãnh đạo, quản lý": "leader", "Lãnh đạo quản lý": "leader", "Quản lý": "leader",
    "Cán bộ lãnh đạo": "leader", "leader": "leader",
    "Người lao động": "worker", "Lao động": "worker", "NLĐ": "worker", "Không giữ chức vụ lãnh đạo": "worker",
    "worker": "worker",
}
STATUS_CHOICES = {
    **{s.value: s.value for s in RecordStatus},
    **{str(label): s.value for s, label in STATUS_LABELS.items()},
    "Đề nghị": "proposed", "Đang đề nghị": "proposed",
    "Đã trình": "submitted_upward", "Trình cấp trên": "submitted_upward", "Đã trình Trung ương": "submitted_upward",
    "Chưa có quyết định": "pending", "Đang chờ": "pending", "Chờ": "pending",
    "Trả lại": "returned", "Đã trả lại": "returned",
    "Đã quyết định": "decided", "Đã khen": "decided", "Đã khen thưởng": "decided", "Có quyết định": "decided",
}
# How people write the national categories besides their names and codes.
CATEGORY_ALIASES = {
    "ktxh": ("KT-XH", "KTXH", "Kinh tế - xã hội", "Kinh tế xã hội", "Thành tích kinh tế - xã hội"),
    "chuyen_de": ("Chuyên đề",),
    "dot_xuat": ("Đột xuất",),
}


def _category_key(text: str) -> str:
    return " ".join(name_key(text).replace("-", " ").split())


def category_index(categories: Mapping) -> dict[str, str]:
    """Folded, toneless forms of each category's code, name, name without "Khen thưởng (theo)",
    and common aliases -> code."""
    index: dict[str, str] = {}
    for code, cat in categories.items():
        names = [code, cat.name, *CATEGORY_ALIASES.get(code, ())]
        short = cat.name
        for prefix in ("Khen thưởng theo ", "Khen thưởng ", "Khen "):
            if short.startswith(prefix):
                short = short[len(prefix):]
                break
        names.append(short)
        for name in names:
            index.setdefault(_category_key(name), code)
    return index


def _matched(lookup, complaint) -> Any:
    """A cell parser: ``lookup(text)`` gives the code, or ``complaint(text)`` is the error."""

    def parse(value):
        text = str(value)
        code = lookup(text)
        if code is None:
            raise ValueError(complaint(text[:60]))
        return code

    return parse


def record_columns(province: Province) -> tuple[tabular.Column, ...]:
    """The import's columns for ``province`` (award names and categories from its catalogue)."""
    matcher = AwardMatcher(award_types_for(province))
    cats = category_index(award_categories_for(province))
    return (
        tabular.Column("recipient_name", (str(_l("Họ tên / Tên tập thể")), "Họ tên/Tên tập thể", "Họ tên", "Họ và tên",
                                          "Tên tập thể", "Tên cá nhân, tập thể", "Tên"), required=True,
                       parse=tabular.text(300)),
        tabular.Column("unit", (str(_l("Đơn vị")), "Mã đơn vị", "Tên đơn vị", "Cơ quan, đơn vị", "unit_code"),
                       parse=tabular.text(300)),
        tabular.Column("award_code", (str(_l("Hình thức khen thưởng")), "Hình thức", "Danh hiệu, hình thức khen thưởng",
                                      "Danh hiệu", "Mã hình thức", "award"), required=True,
                       parse=_matched(matcher.match, lambda t: _l("«%(value)s» không có trong danh mục khen thưởng của tỉnh.", value=t))),
        tabular.Column("recipient", (str(_l("Đối tượng")), "Tập thể/Cá nhân", "Tập thể / Cá nhân"),
                       parse=tabular.choice(RECIPIENT_CHOICES)),
        tabular.Column("person_group", (str(_l("Lãnh đạo/Người lao động")), "Lãnh đạo / Người lao động",
                                        "Lãnh đạo hay người lao động", "Nhóm đối tượng"),
                       parse=tabular.choice(GROUP_CHOICES)),
        tabular.Column("position", (str(_l("Chức vụ")), "Chức vụ, đơn vị công tác"), parse=tabular.text(200), default=""),
        tabular.Column("category", (str(_l("Loại khen thưởng")), "Loại", "Phân loại"),
                       parse=_matched(lambda t: cats.get(_category_key(t)),
                                      lambda t: _l("«%(value)s» không phải là loại khen thưởng của tỉnh.", value=t))),
        tabular.Column("status", (str(_l("Trạng thái")), "Tình trạng"), parse=tabular.choice(STATUS_CHOICES)),
        tabular.Column("decision_number", (str(_l("Số quyết định")), "Số QĐ", "Quyết định số"), parse=tabular.text(60)),
        tabular.Column("decision_date", (str(_l("Ngày quyết định")), "Ngày QĐ", "Ngày ký"), parse=tabular.date),
        tabular.Column("decided_by", (str(_l("Người ký")), "Cấp quyết định", "Người ký quyết định"), parse=tabular.text(200)),
        tabular.Column("submitted_on", (str(_l("Ngày trình")), "Ngày trình cấp trên", "Ngày đề nghị"), parse=tabular.date),
        tabular.Column("returned_reason", (str(_l("Lý do trả lại")), "Lý do"), parse=tabular.text(2000, multiline=True)),
        tabular.Column("year", (str(_l("Năm")), "Năm thi đua", "Năm khen thưởng"), parse=tabular.integer(2000, 2100)),
    )


@dataclass
class RecordImportPlan:
    """The checked rows of an import (ready to insert) and every problem, by spreadsheet row."""

    rows: list[dict] = field(default_factory=list)
    errors: list = field(default_factory=list)  # tabular.RowError
    row_count: int = 0
    ignored_columns: tuple[str, ...] = ()
    numbers: list[int] = field(default_factory=list)  # spreadsheet row of each entry in ``rows``

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def counts(self, catalogue: Mapping) -> list[tuple[int, str, str, int, int]]:
        """(year, level, award name, collectives, individuals) per year and award, for the preview."""
        out: dict[tuple[int, str], list[int]] = {}
        for row in self.rows:
            c = out.setdefault((row["year"], row["award_code"]), [0, 0])
            c[0 if row["recipient"] == "collective" else 1] += 1
        order = {code: i for i, code in enumerate(catalogue)}
        return [
            (year, catalogue[code].level, catalogue[code].name, c[0], c[1])
            for (year, code), c in sorted(out.items(), key=lambda kv: (-kv[0][0], order.get(kv[0][1], 10**6)))
        ]


def _duplicate_key(values: Mapping) -> tuple:
    return (fold(values["recipient_name"]), values["award_code"], values.get("unit_id"), values["year"],
            fold(values.get("decision_number") or ""), values.get("submitted_on"))


class _UnitResolver:
    """The province's units by code and by name (folded, toneless), from one query."""

    def __init__(self, province: Province):
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        for uid, code, name in db.session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.province_id == province.id)
        ):
            self.by_code[code.upper()] = uid
            self.by_name.setdefault(name_key(name), set()).add(uid)

    def resolve(self, text: str) -> int:
        if text.upper() in self.by_code:
            return self.by_code[text.upper()]
        found = self.by_name.get(name_key(text), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise ValueError(_l("Có nhiều đơn vị tên «%(name)s»; hãy ghi mã đơn vị.", name=text[:60]))
        raise ValueError(_l("Không có đơn vị «%(name)s» trong tỉnh; hãy ghi mã hoặc tên đơn vị đã có, hoặc để trống.",
                            name=text[:60]))


def plan_record_import(province: Province, data: bytes, filename: str) -> RecordImportPlan:
    """Parse and check a file of award records; nothing is written."""
    plan = RecordImportPlan()
    catalogue = award_types_for(province)
    categories = award_categories_for(province)
    try:
        table = tabular.read_table(data, filename)
    except tabular.TableError as exc:
        plan.errors.append(tabular.RowError(row=None, field=None, message=str(exc)))
        return plan
    units = _UnitResolver(province)

    def validate(values: dict) -> list:
        problems = []
        unit_text = values.pop("unit", None)
        values["unit_id"] = None
        if unit_text:
            try:
                values["unit_id"] = units.resolve(unit_text)
            except ValueError as exc:
                problems.append(("unit", exc.args[0]))
        problems += record_problems(values, catalogue, categories)
        return [(name if name != "unit_id" else "unit", message) for name, message in problems]

    preview = tabular.parse_rows(table, record_columns(province), validate)
    plan.errors.extend(preview.errors)
    plan.row_count = preview.row_count
    plan.ignored_columns = preview.ignored_columns
    if preview.error_count > len(preview.errors):
        plan.errors.append(tabular.RowError(None, None, _l("… và %(n)s lỗi khác.", n=preview.error_count - len(preview.errors))))
    if not preview.ok:
        return plan

    # The same award for the same person twice: in the file, or already recorded (a file imported twice).
    years = {row.values["year"] for row in preview.rows}
    existing: dict[tuple, int] = {}
    for rec in db.session.execute(
        select(AwardRecord.id, AwardRecord.recipient_name, AwardRecord.award_code, AwardRecord.unit_id,
               AwardRecord.year, AwardRecord.decision_number, AwardRecord.submitted_on)
        .where(AwardRecord.province_id == province.id, AwardRecord.year.in_(years))
    ):
        existing.setdefault(_duplicate_key(rec._mapping), rec.id)
    seen: dict[tuple, int] = {}
    for row in preview.rows:
        values = _clean(row.values)
        values["level"] = catalogue[values["award_code"]].level
        values["search_text"] = record_search_text(values)
        k = _duplicate_key(values)
        if k in seen:
            plan.errors.append(tabular.RowError(row.number, None, _l(
                "Trùng với dòng %(row)s (cùng người, hình thức, đơn vị, năm và quyết định).", row=seen[k])))
        elif k in existing:
            plan.errors.append(tabular.RowError(row.number, None, _l(
                "Đã có trong danh sách khen thưởng (bản ghi số %(id)s); tệp này có thể đã được nhập.", id=existing[k])))
        seen.setdefault(k, row.number)
        plan.rows.append(values)
        plan.numbers.append(row.number)
    if plan.errors:
        plan.rows.clear()
    return plan


def apply_record_import(province: Province, plan: RecordImportPlan, *, actor=None, filename: str = "",
                        data: bytes = b"") -> int:
    """Insert every row of a clean plan with one bulk INSERT, and one audit row for the file (the
    caller commits). Per-row ORM objects would take minutes for a province's year."""
    if not plan.ok:
        raise ServiceError(_("Tệp còn lỗi nên chưa ghi dữ liệu nào."))
    now = utcnow()
    rows = [{**values, "province_id": province.id, "created_at": now, "updated_at": now} for values in plan.rows]
    db.session.execute(insert(AwardRecord), rows)
    from portal.audit import _actor, _where  # the request's actor and address, as for every change

    who, where = _actor(), _where()
    db.session.add(AuditLog(
        created_at=now, actor_id=getattr(actor, "id", None) or who[0],
        actor_name=getattr(actor, "username", None) or who[1], action="import", object_type="AwardRecord",
        object_id=None, province_id=province.id, before=None,
        after={"file": filename[:200], "sha256": hashlib.sha256(data).hexdigest() if data else None,
               "rows": len(rows), "years": sorted({r["year"] for r in rows})},
        remote_addr=where[0], user_agent=where[1],
    ))
    db.session.flush()
    return len(rows)


# -- export ---------------------------------------------------------------------------------------

EXPORT_HEADERS = (
    _l("Họ tên / Tên tập thể"), _l("Đơn vị"), _l("Hình thức khen thưởng"), _l("Đối tượng"),
    _l("Lãnh đạo/Người lao động"), _l("Chức vụ"), _l("Loại khen thưởng"), _l("Trạng thái"), _l("Số quyết định"),
    _l("Ngày quyết định"), _l("Người ký"), _l("Ngày trình"), _l("Lý do trả lại"), _l("Năm"),
)


def export_rows(province: Province, records) -> tuple[list[str], list[list]]:
    """Headers and rows in the import's own format, so an export imports back unchanged."""
    catalogue = award_types_for(province)
    categories = award_categories_for(province)
    units = dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.province_id == province.id)).all())
    rows = []
    for r in records:
        award = catalogue.get(r.award_code)
        cat = categories.get(r.category) if r.category else None
        rows.append([
            r.recipient_name, units.get(r.unit_id, ""), award.name if award else r.award_code,
            str(RECIPIENT_LABELS.get(r.recipient, r.recipient)),
            str(GROUP_LABELS[r.person_group]) if r.person_group else "", r.position or "",
            cat.name if cat else (r.category or ""), status_label(r.status), r.decision_number or "",
            r.decision_date, r.decided_by or "", r.submitted_on, r.returned_reason or "", r.year,
        ])
    return [str(h) for h in EXPORT_HEADERS], rows
