"""Demo data: Lai Châu and Trà Vinh with the kinds of agencies the seed documents name, their 2023
blocks, and one account per role. Loaded by ``flask portal demo`` for a first look, never in
production."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.audit import audit_actor
from portal.extensions import db
from portal.models import Province, Role, RoleAssignment, User
from portal.passwords import hash_password
from portal.services.blocks import save_block
from portal.services.provinces import save_province, set_enabled_plugins
from portal.services.units import save_unit
from portal.text import search_text, sort_key

D, M, DI, E, A, C = "department", "mass_organisation", "district", "enterprise", "armed_forces", "central_agency"

LAI_CHAU_UNITS = [
    ("SNV", "Sở Nội vụ", D, 45), ("STC", "Sở Tài chính", D, 52), ("SKHDT", "Sở Kế hoạch và Đầu tư", D, 48),
    ("SGDDT", "Sở Giáo dục và Đào tạo", D, 61), ("SYT", "Sở Y tế", D, 58), ("STP", "Sở Tư pháp", D, 33),
    ("SXD", "Sở Xây dựng", D, 41), ("SGTVT", "Sở Giao thông vận tải", D, 55),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", D, 97), ("STNMT", "Sở Tài nguyên và Môi trường", D, 64),
    ("SCT", "Sở Công Thương", D, 47), ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", D, 72),
    ("SKHCN", "Sở Khoa học và Công nghệ", D, 35), ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", D, 51),
    ("STTTT", "Sở Thông tin và Truyền thông", D, 38), ("TTT", "Thanh tra tỉnh", D, 29),
    ("VPUBND", "Văn phòng Ủy ban nhân dân tỉnh", D, 66),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", M, 31), ("TD", "Tỉnh đoàn", M, 27),
    ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh", M, 24), ("HND", "Hội Nông dân tỉnh", M, 22),
    ("HCCB", "Hội Cựu chiến binh tỉnh", M, 15), ("LDLD", "Liên đoàn Lao động tỉnh", M, 28),
    ("TPLC", "Ủy ban nhân dân thành phố Lai Châu", DI, 120), ("TDUONG", "Ủy ban nhân dân huyện Tam Đường", DI, 110),
    ("PTHO", "Ủy ban nhân dân huyện Phong Thổ", DI, 115), ("SHO", "Ủy ban nhân dân huyện Sìn Hồ", DI, 118),
    ("MTE", "Ủy ban nhân dân huyện Mường Tè", DI, 105), ("TUYEN", "Ủy ban nhân dân huyện Than Uyên", DI, 112),
    ("TANUYEN", "Ủy ban nhân dân huyện Tân Uyên", DI, 108), ("NNHUN", "Ủy ban nhân dân huyện Nậm Nhùn", DI, 98),
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", A, 420), ("CAT", "Công an tỉnh", A, 1350),
    ("BDBP", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", A, 760),
    ("CTHUE", "Cục Thuế tỉnh", C, 210), ("KBNN", "Kho bạc Nhà nước tỉnh", C, 140),
    ("BHXH", "Bảo hiểm xã hội tỉnh", C, 160), ("NHNN", "Ngân hàng Nhà nước Chi nhánh tỉnh", C, 45),
    ("DLLC", "Công ty Điện lực Lai Châu", E, 380), ("CNLC", "Công ty Cổ phần Cấp nước Lai Châu", E, 150),
    ("VNPTLC", "Viễn thông Lai Châu", E, 130),
]

LAI_CHAU_BLOCKS = [
    ("KTH", "Khối thi đua Tổng hợp", ["SNV", "STC", "SKHDT", "STP", "TTT", "VPUBND"], "SNV", "STC"),
    ("KKT", "Khối thi đua Kinh tế", ["SXD", "SGTVT", "SNNPTNT", "STNMT", "SCT", "SKHCN"], "SCT", "SXD"),
    ("KVHXH", "Khối thi đua Văn hóa - Xã hội", ["SGDDT", "SYT", "SVHTTDL", "SLDTBXH", "STTTT"], "SYT", "SGDDT"),
    ("KDT", "Khối thi đua các đoàn thể", ["MTTQ", "TD", "HLHPN", "HND", "HCCB", "LDLD"], "MTTQ", "HND"),
    ("CHUYEN", "Cụm thi đua các huyện, thành phố", ["TPLC", "TDUONG", "PTHO", "SHO", "MTE", "TUYEN", "TANUYEN", "NNHUN"], "TUYEN", "TPLC"),
    ("KLLVT", "Khối thi đua Lực lượng vũ trang", ["BCHQS", "CAT", "BDBP"], "CAT", "BDBP"),
    ("KTWDN", "Khối thi đua các cơ quan Trung ương và doanh nghiệp", ["CTHUE", "KBNN", "BHXH", "NHNN", "DLLC", "CNLC", "VNPTLC"], "KBNN", "DLLC"),
]

TRA_VINH_UNITS = [
    ("SNV", "Sở Nội vụ", D, 50), ("STC", "Sở Tài chính", D, 55), ("SKHDT", "Sở Kế hoạch và Đầu tư", D, 49),
    ("SGDDT", "Sở Giáo dục và Đào tạo", D, 70), ("SYT", "Sở Y tế", D, 66), ("STTTT", "Sở Thông tin và Truyền thông", D, 40),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", D, 120), ("SCT", "Sở Công Thương", D, 52),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", D, 75), ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", D, 58),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", M, 33), ("TD", "Tỉnh đoàn", M, 30),
    ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh", M, 26), ("LDLD", "Liên đoàn Lao động tỉnh", M, 31),
    ("TPTV", "Ủy ban nhân dân thành phố Trà Vinh", DI, 140), ("TXDH", "Ủy ban nhân dân thị xã Duyên Hải", DI, 100),
    ("CLONG", "Ủy ban nhân dân huyện Càng Long", DI, 125), ("CKE", "Ủy ban nhân dân huyện Cầu Kè", DI, 118),
    ("TCAN", "Ủy ban nhân dân huyện Tiểu Cần", DI, 119), ("CTHANH", "Ủy ban nhân dân huyện Châu Thành", DI, 130),
    ("CNGANG", "Ủy ban nhân dân huyện Cầu Ngang", DI, 124), ("TCU", "Ủy ban nhân dân huyện Trà Cú", DI, 135),
    ("HDH", "Ủy ban nhân dân huyện Duyên Hải", DI, 104),
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", A, 450), ("CAT", "Công an tỉnh", A, 1500),
    ("CTHUE", "Cục Thuế tỉnh", C, 230), ("KBNN", "Kho bạc Nhà nước tỉnh", C, 150),
    ("DLTV", "Công ty Điện lực Trà Vinh", E, 420), ("CNTV", "Công ty Cổ phần Cấp thoát nước Trà Vinh", E, 210),
]

TRA_VINH_BLOCKS = [
    ("CHUYEN", "Cụm thi đua các huyện, thị xã, thành phố", ["TPTV", "TXDH", "CLONG", "CKE", "TCAN", "CTHANH", "CNGANG", "TCU", "HDH"], "CKE", "TCAN"),
    ("KTH", "Khối thi đua Tổng hợp - Nội chính", ["SNV", "STC", "SKHDT", "BCHQS", "CAT"], "STC", "SNV"),
    ("KVHXH", "Khối thi đua Văn hóa - Xã hội", ["SGDDT", "SYT", "STTTT", "SVHTTDL", "SLDTBXH"], "SGDDT", "SYT"),
    ("KKTDN", "Khối thi đua Kinh tế và doanh nghiệp", ["SNNPTNT", "SCT", "CTHUE", "KBNN", "DLTV", "CNTV"], "SCT", "DLTV"),
    ("KDT", "Khối thi đua các đoàn thể", ["MTTQ", "TD", "HLHPN", "LDLD"], "LDLD", "MTTQ"),
]

# username, password, role, province code, unit code, full name
ACCOUNTS = [
    ("admin", "QuanTri@2024", Role.ADMIN, None, None, "Quản trị hệ thống"),
    ("canbo.laichau", "LaiChau@2024", Role.PROVINCE_OFFICER, "laichau", None, "Lò Thị Hoa (Ban Thi đua - Khen thưởng, Sở Nội vụ Lai Châu)"),
    ("canbo.travinh", "TraVinh@2024", Role.PROVINCE_OFFICER, "travinh", None, "Thạch Văn Sơn (Sở Nội vụ Trà Vinh)"),
    ("khoitruong", "KhoiTruong@2024", Role.UNIT_OFFICER, "laichau", "SNV", "Nguyễn Văn Đức (Sở Nội vụ — khối trưởng Khối Tổng hợp)"),
    ("donvi", "DonVi@2024", Role.UNIT_OFFICER, "laichau", "STC", "Trần Thị Mai (Sở Tài chính)"),
    ("theodoi", "TheoDoi@2024", Role.OBSERVER, "laichau", None, "Đặng Quốc Bảo (Văn phòng Hội đồng TĐKT tỉnh)"),
    ("canbo.vinhlong", "VinhLong@2025", Role.PROVINCE_OFFICER, "vinhlong", None, "Nguyễn Thị Lan (Sở Nội vụ Vĩnh Long)"),
]

# Trà Vinh's 2023 awards as its report counts them (seed:TV tables and §II.3), and 2022 for the
# comparison: (award, recipient, person group, category, status, count). Demo data only.
TRA_VINH_AWARDS = {
    2023: [
        ("huan_chuong_lao_dong_1", "individual", "leader", "ktxh", "decided", 3),
        ("huan_chuong_lao_dong_2", "collective", None, "ktxh", "decided", 2),
        ("huan_chuong_lao_dong_2", "individual", "leader", "ktxh", "decided", 2),
        ("huan_chuong_lao_dong_3", "collective", None, "ktxh", "decided", 4),
        ("huan_chuong_lao_dong_3", "individual", "worker", "ktxh", "decided", 1),
        ("huan_chuong_lao_dong_3", "individual", "worker", "ktxh", "returned", 4),
        ("huan_chuong_lao_dong_3", "individual", "leader", "ktxh", "returned", 11),
        ("chien_si_thi_dua_toan_quoc", "individual", "leader", "ktxh", "pending", 1),
        ("co_thi_dua_chinh_phu", "collective", None, "ktxh", "decided", 11),
        ("bang_khen_thu_tuong", "collective", None, "ktxh", "decided", 8),
        ("bang_khen_thu_tuong", "individual", "worker", "ktxh", "returned", 5),
        ("bang_khen_thu_tuong", "individual", "worker", "ktxh", "pending", 176),
        ("bang_khen_thu_tuong", "individual", "leader", "ktxh", "pending", 31),
        ("bang_khen_ubnd_tinh", "collective", None, "ktxh", "decided", 215),
        ("bang_khen_ubnd_tinh", "collective", None, "chuyen_de", "decided", 400),
        ("bang_khen_ubnd_tinh", "collective", None, "dot_xuat", "decided", 58),
        ("bang_khen_ubnd_tinh", "individual", "leader", "ktxh", "decided", 1075),
        ("bang_khen_ubnd_tinh", "individual", "worker", "ktxh", "decided", 1162),
        ("bang_khen_ubnd_tinh", "individual", "worker", "chuyen_de", "decided", 921),
        ("chien_si_thi_dua_tinh", "individual", "worker", "ktxh", "decided", 267),
        ("chien_si_thi_dua_tinh", "individual", "leader", "ktxh", "decided", 143),
        ("co_thi_dua_tinh", "collective", None, "ktxh", "decided", 30),
        ("co_thi_dua_tinh", "collective", None, "giao_duc", "decided", 15),
        ("co_thi_dua_tinh", "collective", None, "tuyen_quan", "decided", 1),
        ("tap_the_lao_dong_xuat_sac", "collective", None, "ktxh", "decided", 398),
    ],
    2022: [
        ("bang_khen_thu_tuong", "individual", "worker", "ktxh", "pending", 18),
        ("bang_khen_thu_tuong", "individual", "leader", "ktxh", "pending", 5),
        ("bang_khen_ubnd_tinh", "individual", "worker", "ktxh", "decided", 64),
        ("bang_khen_ubnd_tinh", "individual", "leader", "ktxh", "decided", 36),
        ("chien_si_thi_dua_tinh", "individual", "worker", "ktxh", "decided", 6),
        ("chien_si_thi_dua_tinh", "individual", "leader", "ktxh", "decided", 4),
    ],
}


def _award_records(province) -> None:
    """Insert the Trà Vinh years in bulk (thousands of rows: one INSERT statement)."""
    from sqlalchemy import insert

    from portal.catalogue import award_types_for
    from portal.models import AwardRecord
    from portal.services.award_records import record_search_text

    catalogue = award_types_for(province)
    rows, n = [], 0
    for year, specs in TRA_VINH_AWARDS.items():
        for code, recipient, group, category, status, count in specs:
            award = catalogue[code]
            for _ in range(count):
                n += 1
                state = award.level == "state"
                day = date(year, 3 + n % 9, 1 + n % 27)
                values = {
                    "province_id": province.id, "year": year, "award_code": code, "level": award.level,
                    "recipient": recipient, "person_group": group, "category": category, "status": status,
                    "recipient_name": f"{'Tập thể' if recipient == 'collective' else 'Cá nhân'} số {n:05d}",
                    "position": "Trưởng phòng" if group == "leader" else "",
                    "submitted_on": day if state else None,
                    "decision_date": day if status == "decided" else None,
                    "decision_number": f"{100 + n // 50}/QĐ-{'CTN' if state else 'UBND'}" if status == "decided" else None,
                    "decided_by": "Chủ tịch UBND tỉnh" if status == "decided" and not state else None,
                    "returned_reason": "Trình trễ thời gian so với quy định" if status == "returned" else None,
                }
                values["search_text"] = record_search_text(values)
                rows.append(values)
    from portal.extensions import db

    db.session.execute(insert(AwardRecord), rows)


LOGINS = [
    (u, p, label)
    for u, p, _r, _prov, _unit, _n in ACCOUNTS
    for label in [
        {
            Role.ADMIN: "quản trị hệ thống",
            Role.PROVINCE_OFFICER: f"cán bộ thi đua tỉnh ({_prov})",
            Role.UNIT_OFFICER: f"cán bộ đơn vị {_unit} ({_prov})",
            Role.OBSERVER: f"người theo dõi ({_prov})",
        }[_r]
    ]
]


def _province(code, name, units, blocks, year=2023):
    province = save_province(None, code=code, name=name)
    by_code = {}
    for ucode, uname, kind, staff in units:
        by_code[ucode] = save_unit(None, province, code=ucode, name=uname, kind=kind, staff_count=staff)
    for bcode, bname, members, leader, deputy in blocks:
        save_block(
            None,
            province,
            year=year,
            code=bcode,
            name=bname,
            member_ids=[by_code[m].id for m in members],
            leader_unit_id=by_code[leader].id,
            deputy_unit_id=by_code[deputy].id,
        )
    return province, by_code


def load():
    """Load the demo once; returns the logins, or ``None`` when the demo is already there."""
    if db.session.scalar(select(Province.id).where(Province.code == "laichau")) is not None:
        return None
    with audit_actor("demo"):
        laichau, lc_units = _province("laichau", "Tỉnh Lai Châu", LAI_CHAU_UNITS, LAI_CHAU_BLOCKS)
        set_enabled_plugins(laichau, ["province.laichau"])
        travinh, tv_units = _province("travinh", "Tỉnh Trà Vinh", TRA_VINH_UNITS, TRA_VINH_BLOCKS)
        vinhlong = save_province(None, code="vinhlong", name="Tỉnh Vĩnh Long")
        save_province(
            travinh, code="travinh", name="Tỉnh Trà Vinh", successor_id=vinhlong.id, merged_on=date(2025, 7, 1)
        )
        set_enabled_plugins(travinh, ["province.travinh"])
        _award_records(travinh)
        provinces = {"laichau": (laichau, lc_units), "travinh": (travinh, tv_units), "vinhlong": (vinhlong, {})}
        for username, password, role, prov, unit, name in ACCOUNTS:
            user = User(
                username=username, full_name=name, sort_key=sort_key(name),
                search_text=search_text(username, name), password_hash=hash_password(password),
            )
            p, units = provinces[prov] if prov else (None, {})
            user.roles.append(
                RoleAssignment(
                    role=role,
                    province_id=p.id if p is not None and role.scope == "province" else None,
                    unit_id=units[unit].id if unit else None,
                )
            )
            db.session.add(user)
        db.session.commit()
    return LOGINS
