"""Import plans for units and accounts: parse a spreadsheet, check every row, say what would change.

Pages and the API share these; nothing is written unless the whole file is clean.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import tabular
from portal.labels import UNIT_KIND_LABELS
from portal.models import Province, UnitKind
from portal.services.units import UnitImportPlan, existing_units_by_code

# Accept the enum value, the Vietnamese label, and common short forms people type.
UNIT_KIND_CHOICES = {
    **{k.value: k.value for k in UnitKind},
    **{str(label): k.value for k, label in UNIT_KIND_LABELS.items()},
    "sở": UnitKind.DEPARTMENT.value,
    "ban": UnitKind.DEPARTMENT.value,
    "ngành": UnitKind.DEPARTMENT.value,
    "sở, ban, ngành": UnitKind.DEPARTMENT.value,
    "đoàn thể": UnitKind.MASS_ORGANISATION.value,
    "huyện": UnitKind.DISTRICT.value,
    "thành phố": UnitKind.DISTRICT.value,
    "xã": UnitKind.COMMUNE.value,
    "phường": UnitKind.COMMUNE.value,
    "doanh nghiệp": UnitKind.ENTERPRISE.value,
    "lực lượng vũ trang": UnitKind.ARMED_FORCES.value,
    "llvt": UnitKind.ARMED_FORCES.value,
    "cơ quan trung ương": UnitKind.CENTRAL_AGENCY.value,
    "cơ quan tw": UnitKind.CENTRAL_AGENCY.value,
}

UNIT_COLUMNS = (
    tabular.Column("code", (str(_l("Mã đơn vị")), "Mã", "code"), required=True, parse=tabular.text(40)),
    tabular.Column("name", (str(_l("Tên đơn vị")), "Tên", "name"), required=True, parse=tabular.text(300)),
    tabular.Column(
        "kind", (str(_l("Loại đơn vị")), "Loại", "kind"), required=True, parse=tabular.choice(UNIT_KIND_CHOICES)
    ),
    tabular.Column(
        "staff_count",
        (str(_l("Số biên chế, lao động")), "Số biên chế", "Biên chế", "Số lao động", "staff_count"),
        required=False,
        parse=tabular.integer(0, 1_000_000),
    ),
    tabular.Column(
        "is_active", (str(_l("Đang hoạt động")), "Hoạt động", "is_active"), required=False, parse=tabular.boolean
    ),
)


def plan_unit_import(province: Province, data: bytes, filename: str) -> tuple[UnitImportPlan, tabular.ImportPreview | None]:
    plan = UnitImportPlan()
    try:
        table = tabular.read_table(data, filename)
        preview = tabular.parse_rows(table, UNIT_COLUMNS, unique=("code",))
    except tabular.TableError as exc:
        plan.errors.append(tabular.RowError(row=None, field=None, message=str(exc)))
        return plan, None
    plan.errors.extend(preview.errors)
    existing = existing_units_by_code(province)
    for row in preview.rows:
        values = dict(row.values)
        values["code"] = values["code"].upper()
        if values.get("is_active") is None:
            values["is_active"] = True
        unit = existing.get(values["code"])
        if unit is None:
            plan.creates.append(values)
        else:
            plan.updates.append((unit, values))
    return plan, preview

