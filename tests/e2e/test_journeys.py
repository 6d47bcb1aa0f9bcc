"""The main journeys, in Chromium, against the running portal (see ``conftest.py``).

a) a province officer sets up a province from a spreadsheet, then creates and copies blocks;
b) a block runs its scoring meeting: self scores on a phone, attendance, agreed scores, ranking;
c) ten units vote on phones while the hall screen counts them live;
d) the leader closes the ballot, publishes and prints the vote-count record (a real PDF);
e) the province reviews a block's dossier: returned with a reason, resubmitted, decided.

Each test signs in through the login page with real CSRF tokens, and fails if a page asks for
anything outside 127.0.0.1 or logs a script error (``web`` fixture).
"""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.conftest import CUM_LEADER, PDF_BYTES, PHONE, PROJECTOR

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="end-to-end tests need playwright").expect

VINH_LONG_UNITS = [
    ("SNV", "Sở Nội vụ", "Sở, ban, ngành", 61),
    ("STC", "Sở Tài chính", "Sở, ban, ngành", 58),
    ("SYT", "Sở Y tế", "Sở, ban, ngành", 74),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Sở, ban, ngành", 80),
    ("SXD", "Sở Xây dựng", "Sở, ban, ngành", 47),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Đoàn thể", 35),
    ("TD", "Tỉnh đoàn", "Đoàn thể", 29),
    ("TPVL", "Ủy ban nhân dân thành phố Vĩnh Long", "Huyện", 150),
    ("LHO", "Ủy ban nhân dân huyện Long Hồ", "Huyện", 131),
    ("CAT", "Công an tỉnh", "Lực lượng vũ trang", 1600),
    ("DLVL", "Công ty Điện lực Vĩnh Long", "Doanh nghiệp", 410),
]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return _nfc(" ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages))


def _no_horizontal_scroll(page) -> None:
    """A phone page must fit its width: nothing to scroll sideways (tables scroll inside their
    own ``.table-responsive`` box, which does not count)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the {PHONE['viewport']['width']}px screen"


def _province_id(page, name: str) -> int:
    page.goto("/admin/provinces")
    href = page.get_by_role("link", name=name, exact=True).get_attribute("href")
    return int(href.rstrip("/").split("/")[-1])


def go(locator, tap=False) -> None:
    """Click (or tap) something that loads a new page, and wait for that page."""
    with locator.page.expect_navigation():
        locator.tap() if tap else locator.click()


def _alert(page) -> str:
    return _nfc(" ".join(page.locator("main .alert").all_inner_texts()))


# -- login, dashboards, keyboard ---------------------------------------------------------------


def test_login_by_keyboard_and_every_dashboard(web):
    """Tab from the username to the password, Enter submits; a wrong password says so; then each
    role's start page."""
    page = web.page()
    page.goto("/auth/login")
    web.shot(page, "login")
    page.get_by_label("Tên đăng nhập").focus()
    page.keyboard.type("theodoi")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "password"
    page.keyboard.type("sai-mat-khau")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/auth/login" in page.url and page.locator("main").get_by_text("không đúng", exact=False).count()
    page.get_by_label("Mật khẩu").fill("")
    page.get_by_label("Mật khẩu").focus()
    page.keyboard.type("TheoDoi@2024")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto("/dashboard")
    web.shot(page, "dashboard_observer")

    for username, shot in [
        ("admin", "dashboard_admin"),
        ("canbo.laichau", "dashboard_province_officer"),
        ("khoitruong", "dashboard_block_leader"),
        ("donvi", "dashboard_unit_officer"),
    ]:
        p = web.page(user=username)
        p.goto("/dashboard")
        assert p.locator("main h1, main h2").count() > 0
        web.shot(p, shot)
    phone = web.page(PHONE, user="donvi")
    phone.goto("/dashboard")
    _no_horizontal_scroll(phone)
    web.shot(phone, "dashboard_unit_officer_360")


# -- a) a province from a spreadsheet -----------------------------------------------------------


def test_a_province_from_a_spreadsheet(web, tmp_path):
    page = web.page(user="canbo.vinhlong")
    pid = _province_id(page, "Tỉnh Vĩnh Long")
    page.goto(f"/admin/units?province={pid}")
    go(page.get_by_role("link", name="Nhập từ tệp"))
    # The officer fills in the page's own template (its headers are the ones the import reads).
    with page.expect_download() as got:
        page.get_by_role("link", name="Tải tệp mẫu").click()
    template = tmp_path / "mau-nhap-don-vi.xlsx"
    got.value.save_as(template)
    wb = load_workbook(template)
    for row in VINH_LONG_UNITS:
        wb.active.append(list(row))
    sheet = tmp_path / "don-vi-vinh-long.xlsx"
    wb.save(sheet)
    page.locator("input[type=file]").set_input_files(str(sheet))
    go(page.get_by_role("button", name="Kiểm tra tệp"))
    assert "Tệp hợp lệ: 11 đơn vị mới, 0 đơn vị cập nhật." in _alert(page)
    rows = page.locator("main table tbody tr")
    assert rows.count() == 11
    # Kinds in words, staff numbers kept (the preview showed "department" and no numbers).
    assert _nfc(rows.first.inner_text()).split("\t")[1:] == ["SNV", "Sở Nội vụ", "Sở, ban, ngành", "61"]
    web.shot(page, "units_import_preview")
    go(page.get_by_role("button", name="Ghi dữ liệu"))
    assert "Đã nhập 11 đơn vị." in _alert(page)
    assert page.get_by_text("Công ty Điện lực Vĩnh Long").count() == 1

    # A block of 2025 with six members, its leader and deputy.
    page.goto(f"/admin/blocks?province={pid}")
    go(page.get_by_role("link", name="Thêm khối"))
    page.get_by_label("Năm thi đua").fill("2025")
    page.get_by_label("Mã khối").fill("KTH")
    page.get_by_label("Tên khối").fill("Khối thi đua Tổng hợp")
    members = {
        "SNV": "Sở Nội vụ", "STC": "Sở Tài chính", "SYT": "Sở Y tế",
        "SGDDT": "Sở Giáo dục và Đào tạo", "SXD": "Sở Xây dựng", "CAT": "Công an tỉnh",
    }
    for code, name in members.items():
        page.get_by_label(f"{name} ({code})", exact=True).check()
    page.get_by_label("Khối trưởng").select_option(label="Sở Nội vụ (SNV)")
    page.get_by_label("Khối phó").select_option(label="Sở Tài chính (STC)")
    go(page.get_by_role("button", name="Lưu"))
    assert "Đã tạo khối Khối thi đua Tổng hợp." in _alert(page)
    body = _nfc(page.inner_text("main"))
    for name in members.values():
        assert name in body

    # Copy 2025's blocks to 2026: last year's deputy leads.
    page.goto(f"/admin/blocks?province={pid}")
    page.get_by_label("Sao chép từ năm").fill("2025")
    page.get_by_label("Sang năm").fill("2026")
    go(page.get_by_role("button", name="Sao chép"))
    assert "Đã sao chép 1 khối sang năm 2026." in _alert(page)
    go(page.get_by_role("link", name="Khối thi đua Tổng hợp"))
    body = _nfc(page.inner_text("main"))
    assert "2026" in body and "Sở Tài chính" in body
    web.shot(page, "block_copied")


# -- b) the scoring meeting ---------------------------------------------------------------------


def _fill_self_scores(page, scores: list[str]) -> None:
    inputs = page.locator("input.score-input")
    n = inputs.count()
    assert n > 0
    for i in range(n):
        box = inputs.nth(i)
        box.fill(scores[i % len(scores)])
        box.blur()
    # Each score saves as it is left, and the count at the top follows (three scored rows).
    expect(page.locator(".save-status").last).to_contain_text("Đã lưu")
    expect(page.locator(".self-progress")).to_contain_text("3/3")


def test_b_scoring_meeting(web):
    leader = web.page(user="khoitruong")
    leader.goto("/my-block")
    go(leader.get_by_role("link", name="Chấm điểm thi đua"))
    leader.get_by_label("Bảng tiêu chí").select_option(label="Bảng tiêu chí rút gọn năm 2023")
    leader.get_by_label("Ngày hội nghị chấm điểm").fill("05/01/2024")
    leader.get_by_label("Ngày hội nghị tổng kết khối").fill("08/01/2024")
    go(leader.get_by_role("button", name="Tạo đợt chấm điểm"))
    go(leader.get_by_role("button", name="Mở tự chấm điểm"))
    assert "Đang tự chấm điểm" in _nfc(leader.inner_text("main")) or "tự chấm" in _nfc(leader.inner_text("main"))
    round_url = leader.url
    assert "/blocks/" in round_url and "/scoring" in round_url

    # The member unit self-scores on a phone.
    phone = web.page(PHONE, user="donvi")
    phone.goto(round_url)
    go(phone.get_by_role("link", name="Tự chấm điểm cho Sở Tài chính"))
    _fill_self_scores(phone, ["30", "15", "25", "2", "1"])
    _no_horizontal_scroll(phone)
    web.shot(phone, "self_scoring_360")
    go(phone.get_by_role("button", name="Nộp điểm tự chấm"))
    phone.wait_for_load_state()
    assert "Sở Tài chính" in _nfc(phone.inner_text("main"))

    # The leader's own unit.
    leader.goto(round_url)
    go(leader.get_by_role("link", name="Tự chấm điểm cho Sở Nội vụ"))
    _fill_self_scores(leader, ["35", "18", "28", "3", "0"])
    go(leader.get_by_role("button", name="Nộp điểm tự chấm"))
    leader.goto(round_url)
    go(leader.get_by_role("button", name="Khóa tự chấm điểm"))
    go(leader.get_by_role("button", name="Bắt đầu hội nghị chấm điểm"))
    # The round page leads to the meeting (it had no link there: the sheet was reachable only by
    # typing its address).
    go(leader.get_by_role("link", name="Bảng điểm thống nhất"))

    # Attendance: the two units that scored are present (the list folds away while everyone is).
    leader.locator("summary", has_text="Danh sách có mặt").click()
    for box in leader.locator("input[name=present]").all():
        box.set_checked(box.get_attribute("value") in _present_ids(leader))
    go(leader.get_by_role("button", name="Lưu danh sách có mặt"))
    leader.wait_for_load_state()

    # Agreed scores: the self scores, typed in the sheet (autosaved), unit by unit.
    for unit in ("Sở Nội vụ", "Sở Tài chính"):
        picker = leader.locator("#unit-select")
        value = next(
            o.get_attribute("value") for o in picker.locator("option").all() if unit in _nfc(o.inner_text())
        )
        if picker.input_value() != value:
            with leader.expect_navigation():  # meeting.js opens the chosen unit at once
                picker.select_option(value)
        for row in leader.locator("tr[data-criterion-id]").all():
            own = row.get_attribute("data-self") or "0"
            box = row.locator("input.agreed-input")
            if box.count():
                box.fill(own.replace(".", ","))
                box.blur()
        leader.wait_for_load_state("networkidle")
        go(leader.get_by_role("button", name="Lưu các ô đã sửa"))
        leader.wait_for_load_state()
    web.shot(leader, "meeting_sheet", full_page=False)  # the save bar sticks to the screen's foot
    go(leader.get_by_role("link", name="Xếp hạng").first)
    ranking = _nfc(leader.inner_text("main"))
    assert ranking.index("Sở Nội vụ") < ranking.index("Sở Tài chính")
    web.shot(leader, "ranking")
    leader.go_back()
    go(leader.get_by_role("button", name="Chốt kết quả thống nhất"))
    leader.wait_for_load_state()
    assert "Đã thống nhất" in _nfc(leader.inner_text("main"))


def _present_ids(page) -> set[str]:
    """Unit ids of Sở Nội vụ and Sở Tài chính on the attendance list."""
    ids = set()
    for box in page.locator("input[name=present]").all():
        label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
        if _nfc(label).strip().startswith(("Sở Nội vụ", "Sở Tài chính")):
            ids.add(box.get_attribute("value"))
    return ids


# -- c) and d) ten phones vote, the hall screen counts, the record is printed -------------------


def test_c_d_ten_phones_vote_while_the_hall_watches(web):
    leader = web.page(user=CUM_LEADER[0])
    leader.goto("/my-block")
    go(leader.get_by_role("link", name="Bỏ phiếu kín").first)  # the newest block (2024) comes first
    assert "năm 2024" in leader.inner_text("main .lead")
    leader.locator("#award_code").select_option("co_thi_dua_tinh")
    leader.get_by_label("Số lượng được bầu").fill("2")
    positions = leader.locator("input.candidate-pos")
    for i in range(positions.count()):
        positions.nth(i).fill(str(i + 1) if i < 4 else "")
    go(leader.get_by_role("button", name="Tạo cuộc bỏ phiếu"))
    leader.wait_for_url(re.compile(r"/ballots/\d+$"))
    ballot_url = leader.url
    ballot_id = int(ballot_url.rsplit("/", 1)[-1])
    committee = leader.locator("#committee select").first
    committee.select_option("Trưởng ban")
    go(leader.get_by_role("button", name="Lưu Ban kiểm phiếu"))
    with leader.context.expect_page() as slips_info:
        leader.get_by_role("button", name=re.compile("Cấp và in phiếu mã")).click()
    slips = slips_info.value
    slips.wait_for_load_state()
    codes = [c.strip() for c in slips.locator(".slip-code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    web.shot(slips, "ballot_slips")
    slips.close()
    leader.goto(ballot_url)
    go(leader.get_by_role("button", name="Mở bỏ phiếu"))
    leader.wait_for_load_state()
    assert "Đang bỏ phiếu" in _nfc(leader.inner_text("main"))

    hall = web.page(PROJECTOR, user=CUM_LEADER[0])
    hall.goto(f"/ballots/{ballot_id}/projector")
    assert hall.locator("#voted-count").inner_text() == "0"
    assert hall.locator("#present-count").inner_text() == "10"
    web.shot(hall, "projector_1920_open", full_page=False)
    hall_loads = []
    hall.on("load", lambda: hall_loads.append(hall.url))

    phones = [web.page(PHONE) for _ in codes]
    for p in phones:
        p.goto(f"/vote/{ballot_id}")
    _no_horizontal_scroll(phones[0])
    web.shot(phones[0], "vote_360")
    for i, (p, code) in enumerate(zip(phones, codes, strict=True)):
        p.get_by_label("Mã bỏ phiếu", exact=False).fill(code.lower().replace("-", "") if i % 3 == 0 else code)
        rows = p.locator(".vote-row")
        for j in range(rows.count()):
            # Two seats: the first unit gets ten votes, the second seven, the third three.
            agree = j in ((0, 2) if i < 3 else (0, 1))
            rows.nth(j).get_by_text("Đồng ý" if agree else "Không đồng ý", exact=True).tap()
        go(p.get_by_role("button", name="Tiếp tục: xem lại phiếu"), tap=True)
        if i == 0:
            web.shot(p, "vote_review_360")
        go(p.get_by_role("button", name="Xác nhận bỏ phiếu"), tap=True)
        p.wait_for_load_state()
        assert re.fullmatch(r"[A-Z0-9]{8}", p.locator(".vote-receipt").inner_text().strip())
        if i == 0:
            web.shot(p, "vote_done_360")
            # The hall screen counts the first vote by itself (polling; no reload).
            expect(hall.locator("#voted-count")).to_have_text("1", timeout=6000)
    expect(hall.locator("#voted-count")).to_have_text("10", timeout=6000)
    assert not hall_loads, "the hall screen reloaded instead of updating in place"
    assert hall.locator("#unit-list li.has-voted").count() == 10
    web.shot(hall, "projector_1920_all_voted", full_page=False)

    # A code cannot vote twice.
    again = web.page(PHONE)
    again.goto(f"/vote/{ballot_id}")
    again.get_by_label("Mã bỏ phiếu", exact=False).fill(codes[1])
    again.locator(".vote-row").first.get_by_text("Đồng ý", exact=True).tap()
    go(again.get_by_role("button", name="Tiếp tục: xem lại phiếu"), tap=True)
    if again.get_by_role("button", name="Xác nhận bỏ phiếu").count():
        go(again.get_by_role("button", name="Xác nhận bỏ phiếu"), tap=True)
    assert again.locator(".vote-error, .alert-danger").count() == 1

    # d) Close; the hall screen turns to the count by itself; publish; print the record.
    leader.goto(ballot_url)
    go(leader.get_by_role("button", name="Kết thúc bỏ phiếu"))
    leader.wait_for_load_state()
    hall.wait_for_selector("table", timeout=8000)
    web.shot(hall, "projector_1920_result", full_page=False)
    leader.get_by_label("Địa điểm kiểm phiếu", exact=False).fill("Hội trường UBND huyện Than Uyên")
    go(leader.get_by_role("button", name="Công bố kết quả"))
    leader.wait_for_load_state()
    assert "Đã công bố" in _nfc(leader.inner_text("main"))
    go(leader.get_by_role("link", name="Biên bản kiểm phiếu"))
    web.shot(leader, "vote_count_record")
    with leader.expect_download() as dl:
        leader.get_by_role("link", name=re.compile("PDF")).first.click()
    pdf = dl.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "BIÊN BẢN KIỂM PHIẾU" in text and "Ban kiểm phiếu Cụm thi đua các huyện, thành phố" in text
    assert "số thành viên có mặt: 10 đơn vị" in text
    assert "số phiếu thu về: 10 phiếu; số phiếu hợp lệ: 10 phiếu; số phiếu không hợp lệ: 0 phiếu" in text
    assert re.search(r"Hội Nông dân tỉnh 10 100% Trúng cử 2 Tỉnh đoàn 0?7 70,0% Trúng cử", text), text
    assert "Ủy ban nhân dân huyện Mường Tè 03 30,0% Không trúng cử" in text
    results = leader.context.request.get(f"/ballots/{ballot_id}/results.csv")
    assert results.ok


# -- e) the province reviews a dossier ----------------------------------------------------------


def test_e_province_reviews_a_dossier(web, tmp_path):
    leader = web.page(user="khoitruong")
    leader.goto("/dossiers?year=2023")
    go(leader.get_by_role("link", name=re.compile("Hồ sơ đề nghị khen thưởng năm 2023")).first)
    dossier_url = leader.url
    report = tmp_path / "Báo cáo thành tích.pdf"
    report.write_bytes(PDF_BYTES)
    web.shot(leader, "dossier_before_upload")
    upload = leader.locator("tr[id^='item-achievement_report'] form.upload")
    upload.locator("input[type=file]").set_input_files(str(report))
    go(upload.get_by_role("button", name="Tải lên"))
    leader.wait_for_load_state()
    go(leader.get_by_role("button", name="Nộp hồ sơ"))
    leader.wait_for_load_state()
    assert "Đã nộp" in _nfc(leader.inner_text("main"))

    officer = web.page(user="canbo.laichau")
    pid = _province_id(officer, "Tỉnh Lai Châu")
    officer.goto(f"/provinces/{pid}/dossiers?year=2023")
    web.shot(officer, "dossier_inbox")
    go(officer.get_by_role("link", name=re.compile("Hồ sơ đề nghị khen thưởng năm 2023")).first)
    officer.get_by_label("Lý do trả lại", exact=False).fill("Thiếu chữ ký của khối trưởng trên tờ trình")
    go(officer.get_by_role("button", name="Trả lại"))
    officer.wait_for_load_state()
    web.shot(officer, "dossier_returned")

    leader.goto(dossier_url)
    assert "Thiếu chữ ký của khối trưởng trên tờ trình" in _nfc(leader.inner_text("main"))
    go(leader.get_by_role("button", name="Nộp lại hồ sơ"))
    leader.wait_for_load_state()

    officer.reload()
    officer.get_by_label("Số quyết định", exact=False).fill("15/QĐ-UBND")
    officer.get_by_label("Ngày quyết định", exact=False).fill("01/02/2024")
    officer.get_by_label("Người ký", exact=False).fill("Giàng A Tính")
    go(officer.get_by_role("button", name=re.compile("Ghi quyết định")))
    officer.wait_for_load_state()
    assert "Đã có quyết định khen thưởng số 15/QĐ-UBND" in _nfc(officer.inner_text("main"))
    web.shot(officer, "dossier_decided")
