"""Vietnamese labels for enum values (translated to English through the catalogue)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext

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


def tally_roles() -> dict[str, str]:
    """The two roles of a tally committee (Ban kiểm phiếu), stored value -> word in the reader's
    language. The stored value stays Vietnamese: it is printed as such on the vote-count record."""
    return {
        "Trưởng ban": pgettext("tally committee", "Trưởng ban"),
        "Thành viên": pgettext("tally committee", "Thành viên"),
    }


# The audit log stores stable English action names and model class names (so it can be queried);
# people read them in their language. Unknown names are shown as stored.
AUDIT_ACTION_LABELS = {
    "create": _l("Tạo"),
    "update": _l("Sửa"),
    "delete": _l("Xóa"),
    "login": _l("Đăng nhập"),
    "change_password": _l("Đổi mật khẩu"),
    "reset_password": _l("Đặt lại mật khẩu"),
    "open": _l("Mở"),
    "close": _l("Đóng"),
    "publish": _l("Công bố"),
    "cancel": _l("Hủy"),
    "submit": _l("Gửi"),
    "return": _l("Trả lại"),
    "decide": _l("Quyết định"),
    "hold": _l("Tạm dừng xét"),
}

AUDIT_OBJECT_LABELS = {
    "AwardRecord": _l("Khen thưởng"),
    "Nomination": _l("Đề nghị khen thưởng"),
    "Dossier": _l("Hồ sơ"),
    "DossierItem": _l("Thành phần hồ sơ"),
    "DossierEvent": _l("Diễn biến hồ sơ"),
    "Acknowledgement": _l("Xác nhận"),
    "Ballot": _l("Cuộc bỏ phiếu"),
    "BallotCandidate": _l("Ứng viên"),
    "BallotVoter": _l("Người bỏ phiếu"),
    "BallotParticipation": _l("Lượt bỏ phiếu"),
    "BallotPaper": _l("Phiếu bầu"),
    "TallyMember": _l("Thành viên ban kiểm phiếu"),
    "PaperCount": _l("Kết quả kiểm phiếu"),
    "Block": lazy_pgettext("singular", "Khối thi đua"),
    "DocumentSeries": _l("Sổ văn bản"),
    "Document": _l("Văn bản"),
    "Job": _l("Tác vụ"),
    "Province": lazy_pgettext("singular", "Tỉnh"),
    "ProvincePlugin": _l("Plugin của tỉnh"),
    "CriteriaTable": _l("Bảng tiêu chí"),
    "Criterion": _l("Tiêu chí"),
    "ScoringRound": _l("Đợt chấm điểm"),
    "RoundMember": _l("Đơn vị trong đợt chấm"),
    "SelfScore": _l("Điểm tự chấm"),
    "CrossScore": _l("Điểm chấm chéo"),
    "AgreedScore": _l("Điểm thống nhất"),
    "Evidence": _l("Minh chứng"),
    "PluginSetting": _l("Cấu hình plugin"),
    "Unit": lazy_pgettext("singular", "Đơn vị"),
    "User": lazy_pgettext("singular", "Tài khoản"),
    "RoleAssignment": _l("Vai trò"),
    "ApiToken": _l("Khóa API"),
}


def audit_action_label(action: str) -> str:
    label = AUDIT_ACTION_LABELS.get(action)
    if label is None:
        from portal.services.scoring_rounds import TRANSITIONS

        transition = TRANSITIONS.get(action)
        label = transition.label if transition else action
    return str(label)


def audit_object_label(object_type: str) -> str:
    return str(AUDIT_OBJECT_LABELS.get(object_type, object_type))
