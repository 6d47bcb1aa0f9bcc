"""Vietnamese labels for enum values (translated to English through the catalogue)."""

from flask_babel import lazy_gettext as _l

from portal.models import Role, UnitKind

ROLE_LABELS = {
    Role.ADMIN: _l("Quản trị hệ thống"),
    Role.PROVINCE_OFFICER: _l("Cán bộ thi đua tỉnh"),
    Role.UNIT_OFFICER: _l("Cán bộ thi đua đơn vị"),
    Role.OBSERVER: _l("Người theo dõi"),
}

UNIT_KIND_LABELS = {
    UnitKind.DEPARTMENT: _l("Sở, ban, ngành"),
    UnitKind.MASS_ORGANISATION: _l("Đoàn thể"),
    UnitKind.DISTRICT: _l("Huyện, thị xã, thành phố"),
    UnitKind.COMMUNE: _l("Xã, phường"),
    UnitKind.ENTERPRISE: _l("Doanh nghiệp"),
    UnitKind.ARMED_FORCES: _l("Lực lượng vũ trang"),
    UnitKind.CENTRAL_AGENCY: _l("Cơ quan Trung ương"),
}

LEVEL_LABELS = {
    "state": _l("Cấp Nhà nước"),
    "provincial": _l("Cấp tỉnh"),
    "grassroots": _l("Cấp cơ sở"),
}


def role_label(role) -> str:
    return str(ROLE_LABELS.get(Role(role), role))


def unit_kind_label(kind) -> str:
    return str(UNIT_KIND_LABELS.get(UnitKind(kind), kind))
