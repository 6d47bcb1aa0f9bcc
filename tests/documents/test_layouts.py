"""Every national layout renders realistic Vietnamese data into a PDF that reads back correctly.

Read back with pypdf (text, NFC, whitespace collapsed): every phrase comes back with its
diacritics. pdfplumber: only the embedded Liberation Serif is used and every character sits inside
the margins (the page number and the fingerprint line inside the top and bottom margins).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from reportlab.lib.units import mm

from plugins.national import samples
from plugins.national.layouts import LAYOUTS
from portal.documents import fingerprint, render_pdf
from portal.documents.engine import FOOTER_LABEL, PageSetup
from portal.documents.styles import SIZE_FOOTER, SIZE_PAGE_NUMBER

BY_CODE = {layout.code: layout for layout in LAYOUTS}
FONT = re.compile(r"^[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?$")
ROOT = Path(__file__).resolve().parents[2]

# Phrases each document must give back exactly, diacritics included.
EXPECTED = {
    "block_minutes": [
        "UBND TỈNH LAI CHÂU",
        "KHỐI THI ĐUA CÁC CƠ QUAN VĂN HÓA - XÃ HỘI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/BB-KTĐ",
        "Lai Châu, ngày 05 tháng 01 năm 2024",
        "BIÊN BẢN",
        "Hội nghị tổng kết công tác thi đua, khen thưởng năm 2023",
        "Thời gian bắt đầu: 08 giờ 00 phút, ngày 05 tháng 01 năm 2024.",
        "Chủ trì (chủ tọa): Đồng chí Lò Văn Hùng",
        "Đồng chí Tẩn Láo Sử - Phó Trưởng ban Ban Dân tộc tỉnh;",
        "Đồng chí Vàng Thị Mỷ",
        "Cờ thi đua của Ủy ban nhân dân tỉnh",
        "96,25",
        "91,7%",
        "Cuộc họp kết thúc vào 11 giờ 30 phút cùng ngày.",
        "THƯ KÝ",
        "CHỦ TỌA",
        "Phạm Thị Ngọc Ánh",
        "Nơi nhận:",
        "- Lưu: VT, Hồ sơ.",
    ],
    "vote_count_record": [
        "BIÊN BẢN KIỂM PHIẾU",
        "Số: 06/BB-KTĐ",
        "Số phiếu phát ra: 11 phiếu",
        "số phiếu không hợp lệ: 0 phiếu",
        "từ 80% trở lên so với tổng số thành viên của Khối (12 đơn vị)",
        "91,7%",
        "58,3%",
        "Trúng cử",
        "Không trúng cử",
        "Đỗ Thị Huyền Trang",
        "Giàng A Dế",
        "TRƯỞNG BAN",
        "THÀNH VIÊN",
    ],
    "ballot_paper": [
        "PHIẾU BẦU",
        "Số lượng được bầu: 01 đơn vị.",
        "Đồng ý",
        "Không đồng ý",
        "Sở Lao động - Thương binh và Xã hội" if False else "Sở Văn hóa, Thể thao và Du lịch",
        "Ban Dân tộc tỉnh",
    ],
    "scoring_sheet": [
        "BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM THI ĐUA",
        "Lai Châu, ngày 03 tháng 01 năm 2024",
        "Tổng điểm tự chấm",
        "Xếp hạng",
        "Trạm Y tế xã Sì Lở Lầu",
        "Trường Trung học cơ sở xã" if False else "Trường Tiểu học xã Tủa Sín Chải",
        "TM. ĐƠN VỊ KHỐI TRƯỞNG",
        "Lò Văn Hùng",
    ],
    "submission_letter": [
        "TỜ TRÌNH",
        "Số: 07/TTr-KTĐ",
        "Lai Châu, ngày 15 tháng 01 năm 2024",
        "Kính gửi: Hội đồng Thi đua - Khen thưởng tỉnh Lai Châu.",
        "Căn cứ Luật Thi đua, khen thưởng ngày 15/6/2022;",
        "Lai Châu.",
        "Nguyễn Thị Thu Hương, Phó Giám đốc Sở Y tế.",
        "- Như trên;",
        "- Lưu: VT, Khối TĐ.",
    ],
    "nominee_summary": [
        "BIỂU TỔNG HỢP",
        "Tóm tắt thành tích",
        "(Kèm theo Tờ trình số 07/TTr-KTĐ ngày 15/01/2024",
        "Quản lý hồ sơ sức khỏe điện tử",
        "98,7%",
    ],
    "award_summary": [
        "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG NĂM 2023",
        "Số hiệu từ ngày 01/01/2023 đến ngày 30/12/2023",
        "1. Khen cấp Nhà nước",
        "Huân chương Lao động các hạng 27 06 21 05 23,8% 16 76,2%",
        "Chiến sĩ thi đua toàn quốc 01 - 01 - - 01 100%",
        "Bằng khen của Thủ tướng Chính phủ 220 08 212 181 85,4% 31 14,6%",
        "CỘNG 259 25 234 186 - 48 -",
        "2. Khen cấp tỉnh",
        "Bằng khen của UBND tỉnh 3.831 673 3.158 2.083 66,0% 1.075 34,0%",
        "Chiến sĩ thi đua cấp tỉnh 410 - 410 267 65,1% 143 34,9%",
        "CỘNG: 4.685 1.117 3.568 2.350 - 1.218 -",
    ],
}


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    raw = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", raw).split())


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return {code: render_pdf(BY_CODE[code], make()) for code, make in samples.ALL.items()}


def test_the_national_plugin_registers_every_layout():
    import plugins.national as national

    codes = [layout.code for layout in national.register_report_layouts()]
    assert sorted(codes) == sorted(samples.ALL)
    assert len(set(codes)) == len(codes)
    for layout in LAYOUTS:
        assert layout.title and layout.data_class is not object


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_words_come_back_with_their_diacritics(rendered, code):
    text = text_of(rendered[code])
    missing = [phrase for phrase in EXPECTED[code] if phrase not in text]
    assert not missing, f"{code}: {missing}"


def test_strike_out_ballot_has_no_tick_columns():
    text = text_of(render_pdf(BY_CODE["ballot_paper"], samples.ballot("strike")))
    assert "gạch ngang giữa cả tên đơn vị" in text
    assert "Đồng ý Không đồng ý" not in text
    assert "STT Tên đơn vị 1 Sở Giáo dục và Đào tạo 2 Sở Y tế" in text


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_only_the_embedded_font_and_everything_inside_the_margins(rendered, code):
    layout = BY_CODE[code]
    setup = PageSetup(layout.orientation, layout.margins)
    m = setup.margins
    left, right = m.left * mm - 0.5, setup.pagesize[0] - m.right * mm + 0.5
    top, bottom = m.top * mm - 0.5, setup.pagesize[1] - m.bottom * mm + 0.5
    with pdfplumber.open(io.BytesIO(rendered[code])) as pdf:
        for page in pdf.pages:
            assert (page.width, page.height) == pytest.approx(setup.pagesize)
            assert page.chars
            for c in page.chars:
                assert FONT.match(c["fontname"]), c["fontname"]
                assert left <= c["x0"] and c["x1"] <= right, (code, page.page_number, c["text"])
                if c["top"] < top:  # in the top margin: only the page number, from page 2
                    assert page.page_number >= 2 and c["text"].isdigit(), c["text"]
                    assert round(c["size"]) == SIZE_PAGE_NUMBER
                elif c["bottom"] > bottom:  # in the bottom margin: only the fingerprint line
                    assert round(c["size"]) == SIZE_FOOTER, c["text"]
            footer = "".join(c["text"] for c in page.chars if round(c["size"]) == SIZE_FOOTER)
            assert (
                footer.startswith(FOOTER_LABEL.replace(" ", "")) or FOOTER_LABEL.strip() in footer
            )
        # no other font is even declared in the page resources (no Helvetica fallback)
    reader = pypdf.PdfReader(io.BytesIO(rendered[code]))
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            assert FONT.match(str(ref.get_object()["/BaseFont"]).lstrip("/"))


def test_page_numbers_start_on_page_two(rendered):
    with pdfplumber.open(io.BytesIO(rendered["scoring_sheet"])) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            numbers = [
                c for c in page.chars if round(c["size"]) == SIZE_PAGE_NUMBER and c["top"] < 40
            ]
            shown = "".join(c["text"] for c in numbers)
            assert shown == ("" if page.page_number == 1 else str(page.page_number))
            if numbers:
                middle = (numbers[0]["x0"] + numbers[-1]["x1"]) / 2
                layout = BY_CODE["scoring_sheet"]
                m = layout.margins
                expected = m.left * mm + layout.page.frame_width / 2
                assert middle == pytest.approx(expected, abs=1)


def test_table_header_rows_repeat_on_every_page(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered["scoring_sheet"]))
    for page in reader.pages:
        text = " ".join(page.extract_text().split())
        assert "Tổng điểm tự chấm" in text and "Điểm Khối chấm theo nhóm tiêu chí" in text
    all_text = text_of(rendered["scoring_sheet"])
    for name in samples.scoring_unit_names(60):
        assert name in all_text


def test_footer_carries_the_fingerprint_of_the_data(rendered):
    data = samples.vote_count()
    expected = fingerprint(data)
    text = text_of(rendered["vote_count_record"])
    assert text.count(expected) == len(
        pypdf.PdfReader(io.BytesIO(rendered["vote_count_record"])).pages
    )
    given = "ab" * 32
    assert given in text_of(render_pdf(BY_CODE["vote_count_record"], data, fingerprint=given))


def test_metadata(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered["block_minutes"]))
    meta = reader.metadata
    assert meta.title.startswith("Biên bản họp khối")
    assert meta.author == "Khối thi đua các cơ quan Văn hóa - Xã hội"
    assert meta.subject == "Hội nghị tổng kết công tác thi đua, khen thưởng năm 2023"
    assert reader.trailer["/Root"]["/Lang"] == "vi"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_same_input_gives_byte_identical_output(rendered, code):
    again = render_pdf(BY_CODE[code], samples.ALL[code]())
    assert again == rendered[code]


def test_byte_identical_in_a_fresh_process(rendered):
    script = (
        "import sys; from plugins.national.layouts import LAYOUTS; "
        "from portal.documents import render_pdf; from plugins.national import samples; "
        "layout = next(x for x in LAYOUTS if x.code == 'vote_count_record'); "
        "sys.stdout.buffer.write(render_pdf(layout, samples.vote_count()))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, check=True
    ).stdout
    assert out == rendered["vote_count_record"]


def test_decomposed_input_prints_the_same_as_composed():
    data = samples.vote_count()
    decomposed = data.__class__(
        **{
            **{f: getattr(data, f) for f in data.__dataclass_fields__},
            "venue": unicodedata.normalize("NFD", data.venue),
        }
    )
    assert decomposed.venue != data.venue
    layout = BY_CODE["vote_count_record"]
    assert render_pdf(layout, decomposed) == render_pdf(layout, data)


def test_a_two_page_document_is_under_150_kb(rendered):
    for code in ("block_minutes", "vote_count_record", "submission_letter"):
        pages = len(pypdf.PdfReader(io.BytesIO(rendered[code])).pages)
        assert pages == 2, code
        assert len(rendered[code]) < 150_000, (code, len(rendered[code]))


def test_sixty_unit_scoring_sheet_stays_small(rendered):
    assert len(rendered["scoring_sheet"]) < 250_000


def test_layout_refuses_data_of_another_kind():
    with pytest.raises(TypeError):
        render_pdf(BY_CODE["ballot_paper"], samples.vote_count())


def test_a_small_block_sheet_fits_one_page_with_long_group_names():
    import dataclasses as dc

    long_names = [
        "Thực hiện nhiệm vụ chính trị, chuyên môn được giao và các chỉ tiêu kế hoạch năm",
        "Công tác thi đua, khen thưởng và xây dựng, nhân rộng điển hình tiên tiến",
        "Cải cách hành chính, chuyển đổi số và ứng dụng công nghệ thông tin",
        "Xây dựng Đảng, đoàn thể, cơ quan văn hóa và thực hành tiết kiệm",
        "Tham gia các hoạt động chung của Khối thi đua",
    ]
    sheet = samples.scoring_sheet(6)
    groups = tuple(dc.replace(g, name=long_names[i % len(long_names)]) for i, g in enumerate(sheet.groups))
    pdf = render_pdf(BY_CODE["scoring_sheet"], dc.replace(sheet, groups=groups))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert len(reader.pages) == 1, f"{len(reader.pages)} pages"
    for g in groups:
        assert f"{g.code} – {g.name}"[:40] in unicodedata.normalize("NFC", text)
