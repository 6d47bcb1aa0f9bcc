"""Importing accounts from a spreadsheet: one row per account and role, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import tabular
from portal.extensions import db
from portal.labels import ROLE_LABELS
from portal.models import Province, Role, Unit, User
from portal.services import ServiceError
from portal.services.users import check_role, save_user

ROLE_CHOICES = {
    **{r.value: r.value for r in Role},
    **{str(label): r.value for r, label in ROLE_LABELS.items()},
    "cán bộ đơn vị": Role.UNIT_OFFICER.value,
    "cán bộ tỉnh": Role.PROVINCE_OFFICER.value,
    "quản trị": Role.ADMIN.value,
    "theo dõi": Role.OBSERVER.value,
}

USER_COLUMNS = (
    tabular.Column("username", (str(_l("Tên đăng nhập")), "username"), required=True, parse=tabular.text(80)),
    tabular.Column("full_name", (str(_l("Họ và tên")), "full_name"), required=True, parse=tabular.text(200)),
    tabular.Column("role", (str(_l("Vai trò")), "role"), required=True, parse=tabular.choice(ROLE_CHOICES)),
    tabular.Column("province_code", (str(_l("Mã tỉnh")), "province"), required=False, parse=tabular.text(40)),
    tabular.Column("unit_code", (str(_l("Mã đơn vị")), "unit"), required=False, parse=tabular.text(40)),
    tabular.Column("email", (str(_l("Thư điện tử")), "email"), required=False, parse=tabular.text(200)),
)


@dataclass
class UserImportPlan:
    rows: list[dict] = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_user_import(actor: User, data: bytes, filename: str) -> UserImportPlan:
    plan = UserImportPlan()
    try:
        table = tabular.read_table(data, filename)
        preview = tabular.parse_rows(table, USER_COLUMNS, unique=("username",))
    except tabular.TableError as exc:
        plan.errors.append(tabular.RowError(row=None, field=None, message=str(exc)))
        return plan
    plan.errors.extend(preview.errors)
    for row in preview.rows:
        v = dict(row.values)
        v["username"] = v["username"].lower()
        exists = db.session.scalar(select(User.id).where(func.lower(User.username) == v["username"]))
        if exists:
            plan.errors.append(tabular.RowError(row.number, "username", _("Tên đăng nhập đã có.")))
            continue
        province_id = unit_id = None
        if v.get("province_code"):
            province = db.session.scalar(select(Province).where(Province.code == v["province_code"].lower()))
            if province is None:
                plan.errors.append(tabular.RowError(row.number, "province_code", _("Không có tỉnh mã này.")))
                continue
            province_id = province.id
        if v.get("unit_code"):
            stmt = select(Unit).where(Unit.code == v["unit_code"].upper())
            if province_id:
                stmt = stmt.where(Unit.province_id == province_id)
            units = db.session.scalars(stmt).all()
            if len(units) != 1:
                plan.errors.append(
                    tabular.RowError(
                        row.number,
                        "unit_code",
                        _("Không có đơn vị mã này.") if not units else _("Mã đơn vị trùng ở nhiều tỉnh; hãy ghi mã tỉnh."),
                    )
                )
                continue
            unit_id = units[0].id
        try:
            check_role(actor, v["role"], province_id, unit_id)
        except ServiceError as exc:
            plan.errors.append(tabular.RowError(row.number, exc.field, exc.message))
            continue
        v["province_id"], v["unit_id"] = province_id, unit_id
        plan.rows.append(v)
    return plan


def apply_user_import(actor: User, plan: UserImportPlan) -> list[tuple[User, str]]:
    """Create every account of a clean plan; returns (user, temporary password) pairs."""
    if not plan.ok:
        raise ServiceError(_("Tệp còn lỗi nên chưa ghi dữ liệu nào."))
    issued = []
    for v in plan.rows:
        role = check_role(actor, v["role"], v["province_id"], v["unit_id"])
        user, password = save_user(
            actor, None, username=v["username"], full_name=v["full_name"], email=v.get("email"), roles=[role]
        )
        issued.append((user, password))
    return issued
