"""portal.tabular: reading uploads, matching headers, validating rows, writing safe exports.

Pure tests: no application, database or conftest fixtures. Messages are lazy strings; outside a
request they render as their Vietnamese ids, which is what is asserted here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import time
import tracemalloc
import unicodedata
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.tabular import (
    CellError,
    Column,
    Table,
    TableError,
    TableRow,
    boolean,
    choice,
    date,
    header_key,
    integer,
    map_columns,
    neutralise,
    parse_rows,
    read_table,
    restore,
    template_xlsx,
    text,
    write_csv,
    write_xlsx,
)
from portal.text import nfc

HEADERS = ["Mã đơn vị", "Tên đơn vị", "Ngày thành lập"]
ROWS = [
    ["DV01", "Trường Tiểu học Nguyễn Huệ", "02/09/1975"],
    ["DV02", "Ủy ban nhân dân xã Mường Tè", "2024-01-31"],
]
UNITS = [
    Column("code", ("Mã đơn vị", "Mã"), required=True, parse=text(20)),
    Column("name", ("Tên đơn vị",), required=True, parse=text(200)),
    Column("founded", ("Ngày thành lập",), parse=date),
    Column("active", ("Đang hoạt động",), parse=boolean, default=True),
]
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def csv_text(headers=HEADERS, rows=ROWS, delimiter=",") -> str:
    return "\r\n".join(delimiter.join(r) for r in [headers, *rows]) + "\r\n"


def cp1258(value: str) -> bytes:
    """Encode like Windows-1258: base letters precomposed (â, ơ, đ), tones as separate marks.

    Fully decomposed (NFD) text cannot be encoded: the code page has no combining circumflex,
    breve or horn, only the five combining tone marks.
    """
    out = []
    for char in unicodedata.normalize("NFC", value):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def xlsx(rows, title="Sheet1") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def patch_member(data: bytes, name: str, change) -> bytes:
    """Rewrite one member of a zip archive (to craft cells openpyxl cannot write)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = change(content)
            target.writestr(info.filename, content)
    return buffer.getvalue()


def cells(table: Table) -> list[tuple]:
    return [row.cells for row in table.rows]


# --- CSV encodings and delimiters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda s: s.encode("utf-8"), "utf-8"),
        (lambda s: s.encode("utf-8-sig"), "utf-8-sig"),
        (lambda s: s.encode("utf-16"), "utf-16"),
        (lambda s: b"\xfe\xff" + s.encode("utf-16-be"), "utf-16"),
        (lambda s: unicodedata.normalize("NFD", s).encode("utf-8"), "utf-8"),
        (cp1258, "cp1258"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le", "utf16-be", "utf8-nfd", "cp1258"],
)
def test_csv_encodings_give_the_same_nfc_table(encode, encoding):
    table = read_table(encode(csv_text()), "don_vi.csv")
    assert table.encoding == encoding
    assert table.headers == tuple(HEADERS)
    assert cells(table) == [tuple(r) for r in ROWS]
    assert all(unicodedata.is_normalized("NFC", c) for row in cells(table) for c in row)
    assert [row.number for row in table.rows] == [2, 3]


def test_cp1258_fixture_really_is_decomposed():
    data = cp1258("Nguyễn")
    assert data == b"Nguy\xea\xden"  # ê, then the combining tilde
    assert read_table(cp1258("Họ tên\r\nNguyễn Thị Ánh\r\n"), "x.csv").rows[0].cells == (
        "Nguyễn Thị Ánh",
    )


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiter_is_sniffed(delimiter):
    rows = [["DV01", "Sở Giáo dục, Đào tạo", "1/1/2000"], ["DV02", "Sở Y tế; Dân số", ""]]
    data = write_csv(HEADERS, rows, delimiter=delimiter)
    table = read_table(data, "x.csv")
    assert table.delimiter == delimiter
    assert cells(table) == [tuple(rows[0]), ("DV02", "Sở Y tế; Dân số")]


def test_semicolon_file_from_vietnamese_excel():
    data = csv_text(delimiter=";").encode("utf-8-sig")
    table = read_table(data, "DS.CSV")
    assert table.delimiter == ";"
    assert table.headers == tuple(HEADERS)


def test_excel_sep_line_sets_delimiter_and_is_not_a_row():
    table = read_table(b"sep=;\r\na;b\r\n1;2,5\r\n", "x.csv")
    assert table.delimiter == ";"
    assert table.header_row == 1
    assert table.rows == (TableRow(2, ("1", "2,5")),)


def test_blank_lines_are_skipped_but_counted():
    data = "\r\n\r\nMã,Tên\r\nA,Một\r\n\r\n,\r\n  ,  \r\nB,Hai\r\n".encode()
    table = read_table(data, "x.csv")
    assert table.header_row == 3
    assert [(r.number, r.cells) for r in table.rows] == [(4, ("A", "Một")), (8, ("B", "Hai"))]


def test_multiline_quoted_cell_is_one_spreadsheet_row():
    data = 'Mã,Ghi chú\r\nA,"dòng một\r\ndòng hai"\r\nB,x\r\n'.encode()
    table = read_table(data, "x.csv")
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("A", "dòng một\r\ndòng hai")),
        (3, ("B", "x")),
    ]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "x.csv", "rỗng"),
        (b"\r\n ,  \r\n\r\n", "x.csv", "tiêu đề"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "x.xls", ".xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "x.xlsx", "mật khẩu"),
        (b"<html><table></table></html>", "bao_cao.xls", ".xlsx"),
        (b"a,b\r\n", "x.pdf", ".xlsx"),
        (b"a,b\r\n1,2\r\n", "x.xlsx", "không phải là tệp Excel"),
        (b"PK\x03\x04garbage", "x.xlsx", "bị hỏng"),
        ("a,b\r\n1,2\r\n".encode("utf-16-le"), "x.csv", "bảng mã"),
        (b"\x81\x8a\x8d\x8e\r\n", "x.csv", "bảng mã"),
    ],
)
def test_unreadable_files_are_refused_with_a_vietnamese_message(data, filename, fragment):
    with pytest.raises(TableError) as caught:
        read_table(data, filename)
    assert fragment in str(caught.value)


def test_ods_renamed_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(TableError, match="xlsx"):
        read_table(buffer.getvalue(), "bang.xlsx")


def test_size_and_row_limits():
    data = csv_text().encode()
    with pytest.raises(TableError, match="quá lớn"):
        read_table(data, "x.csv", max_bytes=len(data) - 1)
    with pytest.raises(TableError, match="hơn 1 dòng"):
        read_table(data, "x.csv", max_rows=1)
    assert len(read_table(data, "x.csv", max_rows=2).rows) == 2
    book = xlsx([["a"], *[[i] for i in range(10)]])
    with pytest.raises(TableError, match="hơn 5 dòng"):
        read_table(book, "x.xlsx", max_rows=5)


def test_windows_path_and_upper_case_extension():
    assert (
        read_table(csv_text().encode(), r"C:\Users\canbo\DS.Don.Vi.CSV").headers[0] == "Mã đơn vị"
    )


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_values_types_and_row_numbers():
    nfd = unicodedata.normalize("NFD", "  Lê Thị Hồng Nhung  ")
    book = xlsx(
        [
            [],
            ["  TÊN ĐƠN VỊ ", "Số lượng", "Ngày", "Đạt", "Thời điểm", None, "Điểm"],
            [nfd, 12.0, dt.datetime(2024, 5, 1), True, dt.datetime(2024, 5, 1, 8, 30), None, 9.5],
            [None, None, None],
            ["   ", None],
            ["B", 3, dt.date(2023, 1, 2), False, None, None, None],
        ]
    )
    table = read_table(book, "khen_thuong.xlsx")
    assert table.format == "xlsx"
    assert table.sheet == "Sheet1"
    assert table.header_row == 2
    assert table.headers == ("TÊN ĐƠN VỊ", "Số lượng", "Ngày", "Đạt", "Thời điểm", "", "Điểm")
    first, second = table.rows
    assert first.number == 3 and second.number == 6
    assert first.cells == (
        "Lê Thị Hồng Nhung",
        12,
        dt.date(2024, 5, 1),
        True,
        dt.datetime(2024, 5, 1, 8, 30),
        None,
        9.5,
    )
    assert type(first.cells[1]) is int and type(first.cells[2]) is dt.date
    assert second.cells == ("B", 3, dt.date(2023, 1, 2), False)


def test_xlsx_first_non_empty_sheet_is_used():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Trống"
    data_sheet = workbook.create_sheet("Dữ liệu")
    data_sheet.append(["Mã"])
    data_sheet.append(["A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "x.xlsx")
    assert table.sheet == "Dữ liệu"
    assert cells(table) == [("A",)]


def test_xlsx_hidden_sheets_are_skipped():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Danh mục"])
    workbook.active.append(["ẩn"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Nhập").append(["Mã"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "x.xlsx")
    assert table.sheet == "Nhập" and table.rows == ()


def test_xlsx_renamed_to_csv_is_read_as_xlsx():
    assert read_table(xlsx([["Mã"], ["A"]]), "x.csv").format == "xlsx"


def test_formula_without_cached_value_is_a_cell_error():
    # openpyxl writes formulas without a cached result, like many export tools do.
    book = xlsx([["Mã đơn vị", "Tên đơn vị", "Ghi chú"], ["A", "=UPPER(A2)", "=1+1"], ["B", "Bê"]])
    table = read_table(book, "x.xlsx")
    assert isinstance(table.rows[0].cells[1], CellError)
    assert "công thức chưa được tính" in str(table.rows[0].cells[1])
    preview = parse_rows(table, UNITS)
    assert not preview.ok
    # Only the imported column is an error; the unknown "Ghi chú" formula is ignored.
    assert [(e.row, e.field) for e in preview.errors] == [(2, "name")]
    assert str(preview.errors[0]).startswith("Dòng 2, cột «Tên đơn vị»: Ô chứa công thức")
    assert [r.number for r in preview.rows] == [3]


def _sheet_with(cell_xml: bytes):
    def change(xml: bytes) -> bytes:
        return re.sub(rb'<c r="B2"[^>]*>.*?</c>', cell_xml, xml, count=1)

    return patch_member(xlsx([["a", "b"], ["x", "=1+1"]]), "xl/worksheets/sheet1.xml", change)


def test_formula_with_cached_value_reads_the_value():
    table = read_table(_sheet_with(b'<c r="B2"><f>1+1</f><v>2</v></c>'), "x.xlsx")
    assert table.rows[0].cells == ("x", 2)


def test_formula_cached_as_empty_text_is_blank_not_an_error():
    table = read_table(_sheet_with(b'<c r="B2" t="str"><f>IF(A2="","",1)</f><v></v></c>'), "x.xlsx")
    assert table.rows[0].cells == ("x",)


def test_cached_excel_error_is_a_cell_error():
    table = read_table(_sheet_with(b'<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'), "x.xlsx")
    error = table.rows[0].cells[1]
    assert isinstance(error, CellError) and "#DIV/0!" in str(error)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A valid-looking .xlsx whose sheet inflates to 200 MB of spaces (about 200 KB on disk)."""
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(xlsx([["a"], ["b"]])))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info))
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            member.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/')
            member.write(b'2006/main"><sheetData>')
            chunk = b" " * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
            member.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _refused_quickly(data: bytes, **limits) -> str:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TableError) as caught:
            read_table(data, "bomb.xlsx", **limits)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2, elapsed
    assert peak < 20 * 1024 * 1024, peak
    return str(caught.value)


def test_zip_bomb_is_refused_before_inflating(bomb):
    assert len(bomb) < 2 * 1024 * 1024
    assert "giải nén quá lớn" in _refused_quickly(bomb)
    # Still refused by its ratio when the total size limit would let it through.
    assert "nén bất thường" in _refused_quickly(bomb, max_unzipped_bytes=10**12)


def test_zip_bomb_lying_about_its_size_is_refused(bomb):
    """Declared sizes are patched down to 1000 bytes: zipfile stops there and fails the CRC."""
    name = b"xl/worksheets/sheet1.xml"
    lying = bytearray(bomb)
    central = lying.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", lying, central + 28)[0]
        if lying[central + 46 : central + 46 + name_length] == name:
            struct.pack_into("<I", lying, central + 24, 1000)
            local = struct.unpack_from("<I", lying, central + 42)[0]
            struct.pack_into("<I", lying, local + 22, 1000)
        central = lying.find(b"PK\x01\x02", central + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(lying))).getinfo(name.decode()).file_size == 1000
    assert "bị hỏng" in _refused_quickly(bytes(lying))


def test_bzip2_members_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(TableError, match="bị hỏng"):
        read_table(buffer.getvalue(), "x.xlsx")


# --- header matching -----------------------------------------------------------------------------


def _table(*headers: str, rows=()) -> Table:
    return Table(headers=headers, rows=tuple(rows))


@pytest.mark.parametrize(
    "header",
    [
        "Tên đơn vị",
        "TÊN ĐƠN VỊ",
        "ten don vi",
        "TEN  DON\nVI",
        unicodedata.normalize("NFD", "Tên Đơn Vị"),
        "Tên đơn vị (*)",
        "Tên đơn vị*",
        "name",
        "NAME",
    ],
)
def test_header_variants_match(header):
    mapping = map_columns(_table("Mã", header), UNITS)
    assert mapping.ok
    assert mapping.positions == {"code": 0, "name": 1}


def test_header_key():
    assert header_key("  TÊN_ĐƠN   VỊ (*): ") == "ten don vi"


def test_missing_duplicated_and_ignored_columns():
    mapping = map_columns(_table("Tên đơn vị", "Ghi chú", "TEN DON VI", "", "Người lập"), UNITS)
    assert not mapping.ok
    assert [c.field for c in mapping.missing] == ["code"]
    assert mapping.duplicated == {"name": (0, 2)}
    assert mapping.ignored == ("Ghi chú", "Người lập")
    assert [str(e) for e in mapping.errors] == [
        "Dòng 1: Thiếu cột bắt buộc «Mã đơn vị».",
        "Dòng 1: Cột «Tên đơn vị» xuất hiện nhiều lần (các cột A, C); chỉ giữ một.",
    ]
    preview = parse_rows(_table("Tên đơn vị", rows=[TableRow(2, ("x",))]), UNITS)
    assert not preview.ok and preview.rows == [] and preview.row_count == 1


def test_optional_columns_may_be_absent():
    table = _table("Mã", "Tên đơn vị", rows=[TableRow(2, ("A", "Một"))])
    preview = parse_rows(table, UNITS)
    assert preview.ok
    assert preview.rows[0].values == {"code": "A", "name": "Một", "founded": None, "active": True}


def test_ambiguous_declarations_are_a_programming_error():
    columns = [Column("a", ("Tên",)), Column("b", ("TEN",))]
    with pytest.raises(ValueError, match="matches both"):
        map_columns(_table("Tên"), columns)


# --- row validation ------------------------------------------------------------------------------


def test_row_errors_carry_spreadsheet_row_numbers():
    data = csv_text(
        headers=["Mã", "Tên đơn vị", "Ngày thành lập", "Đang hoạt động"],
        rows=[
            ["A", "Một", "31/12/2020", "Có"],
            ["", "", "", ""],
            ["B", "", "31/02/2021", "có lẽ"],
            ["C", "Ba", "", "KHÔNG"],
        ],
    ).encode()
    preview = parse_rows(read_table(data, "x.csv"), UNITS)
    assert preview.row_count == 3
    assert [(r.number, r.values["code"]) for r in preview.rows] == [(2, "A"), (5, "C")]
    assert preview.rows[1].values["active"] is False
    assert [(e.row, e.field, e.column) for e in preview.errors] == [
        (4, "name", "Tên đơn vị"),
        (4, "founded", "Ngày thành lập"),
        (4, "active", "Đang hoạt động"),
    ]
    assert [str(e) for e in preview.errors] == [
        "Dòng 4, cột «Tên đơn vị»: Chưa nhập giá trị (cột bắt buộc).",
        "Dòng 4, cột «Ngày thành lập»: «31/02/2021» không phải là ngày hợp lệ; "
        "hãy ghi theo dạng ngày/tháng/năm, ví dụ 25/12/2024.",
        "Dòng 4, cột «Đang hoạt động»: Không hiểu «có lẽ»; hãy ghi «Có» hoặc «Không».",
    ]
    assert list(preview.errors_by_row()) == [4]


def test_duplicate_keys_within_the_file():
    rows = [
        TableRow(2, ("DV01", "Một")),
        TableRow(3, ("dv01", "Hai")),
        TableRow(4, ("DV02", "Một")),
        TableRow(5, ("DV03", "MỘT")),
        TableRow(7, ("DV01", "Bốn")),
    ]
    preview = parse_rows(_table("Mã", "Tên đơn vị", rows=rows), UNITS, unique=("code", ("name",)))
    assert [(e.row, e.field, str(e.message)) for e in preview.errors] == [
        (3, "code", "Trùng với dòng 2."),
        (4, "name", "Trùng với dòng 2."),
        (5, "name", "Trùng với dòng 2."),
        (7, "code", "Trùng với dòng 2."),
    ]
    assert preview.error_count == 4


def test_composite_unique_key():
    columns = [Column("unit", ("Đơn vị",), True), Column("year", ("Năm",), True, integer(2000))]
    rows = [TableRow(2, ("A", "2024")), TableRow(3, ("A", 2025)), TableRow(4, ("a", 2024.0))]
    preview = parse_rows(_table("Đơn vị", "Năm", rows=rows), columns, unique=[("unit", "year")])
    assert [str(e) for e in preview.errors] == [
        "Dòng 4, cột «Đơn vị»: Trùng bộ giá trị «Đơn vị», «Năm» với dòng 2."
    ]


def test_validate_row_reports_row_and_field_problems():
    def validate(values):
        if values["code"] == "X":
            raise ValueError("Mã X đã ngừng sử dụng.")
        if values["founded"] and values["founded"].year > 2024:
            return [("founded", "Ngày thành lập ở tương lai.")]
        return None

    rows = [TableRow(2, ("X", "a")), TableRow(3, ("Y", "b", "01/01/2030")), TableRow(4, ("Z", "c"))]
    table = _table("Mã", "Tên đơn vị", "Ngày thành lập", rows=rows)
    preview = parse_rows(table, UNITS, validate)
    assert [str(e) for e in preview.errors] == [
        "Dòng 2: Mã X đã ngừng sử dụng.",
        "Dòng 3, cột «Ngày thành lập»: Ngày thành lập ở tương lai.",
    ]
    assert [r.number for r in preview.rows] == [4]


def test_error_list_is_capped_but_counted():
    rows = [TableRow(n, ("",)) for n in range(2, 52)]
    preview = parse_rows(_table("Mã", rows=rows), UNITS[:1], max_errors=10)
    assert preview.error_count == 50 and len(preview.errors) == 10 and not preview.ok


def test_header_only_file_has_no_rows_to_import():
    preview = parse_rows(read_table("Mã,Tên đơn vị\r\n".encode(), "x.csv"), UNITS)
    assert not preview.ok
    assert str(preview.errors[0]) == "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."


# --- parsers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Có", True),
        ("CÓ", True),
        (unicodedata.normalize("NFD", "có"), True),
        ("co", True),
        ("x", True),
        ("X", True),
        ("Yes", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        (True, True),
        ("Đúng", True),
        ("Không", False),
        ("KHÔNG", False),
        ("khong", False),
        ("no", False),
        ("False", False),
        ("0", False),
        (0.0, False),
        ("Sai", False),
    ],
)
def test_boolean(raw, expected):
    assert boolean(raw) is expected


@pytest.mark.parametrize("raw", ["có lẽ", "2", 2, "?"])
def test_boolean_refuses(raw):
    with pytest.raises(ValueError, match="Không hiểu"):
        boolean(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" -7 ", -7),
        (42, 42),
        (42.0, 42),
        ("1.000", 1000),
        ("12.345.678", 12345678),
        ("1,000", 1000),
        ("1 000", 1000),
    ],
)
def test_integer(raw, expected):
    assert integer()(raw) == expected


@pytest.mark.parametrize("raw", ["4,5", "1.5", 1.5, True, "12.34", "1.000,5", "mười", "1.000,000"])
def test_integer_refuses(raw):
    with pytest.raises(ValueError, match="không phải là số nguyên"):
        integer()(raw)


def test_integer_range():
    parse = integer(1, 10)
    assert parse("10") == 10
    with pytest.raises(ValueError, match="lớn hơn hoặc bằng 1"):
        parse("0")
    with pytest.raises(ValueError, match="nhỏ hơn hoặc bằng 10"):
        parse(11)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("25/12/2024", dt.date(2024, 12, 25)),
        ("5/1/2024", dt.date(2024, 1, 5)),
        ("05-01-2024", dt.date(2024, 1, 5)),
        ("05.01.2024", dt.date(2024, 1, 5)),
        ("2024-01-05", dt.date(2024, 1, 5)),
        ("05/01/2024 08:30", dt.date(2024, 1, 5)),
        (dt.date(2024, 1, 5), dt.date(2024, 1, 5)),
        (dt.datetime(2024, 1, 5, 23, 59), dt.date(2024, 1, 5)),
        (45296, dt.date(2024, 1, 5)),
    ],
)
def test_date(raw, expected):
    assert date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/2024", "12/25/2024", "2024", 2024, "25/12/24", "hôm nay"])
def test_date_refuses(raw):
    with pytest.raises(ValueError, match="không phải là ngày hợp lệ"):
        date(raw)


def test_choice_matches_folded_unaccented_keys():
    parse = choice({"Tập thể": "collective", "Cá nhân": "individual"})
    assert parse("TẬP THỂ") == "collective"
    assert parse("ca nhan") == "individual"
    assert parse(unicodedata.normalize("NFD", "Cá Nhân")) == "individual"
    with pytest.raises(ValueError) as caught:
        parse("Hộ gia đình")
    assert str(caught.value) == "«Hộ gia đình» không hợp lệ; chọn một trong: «Tập thể», «Cá nhân»."
    with pytest.raises(ValueError, match="ambiguous"):
        choice({"Tốt": 1, "TOT": 2})


def test_text():
    assert text()(unicodedata.normalize("NFD", " Sở  Nội\nvụ ")) == "Sở Nội vụ"
    assert text(multiline=True)("a\n  b") == "a\n  b"
    assert text()(1234) == "1234"
    assert text()(dt.date(2024, 1, 5)) == "05/01/2024"
    assert text(3)("abc") == "abc"
    with pytest.raises(ValueError, match="Dài 4 ký tự, vượt quá giới hạn 3 ký tự"):
        text(3)("Điện")


# --- writing -------------------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "'=quoted", "\t=tab", "＝1"]


def test_neutralise_and_restore():
    assert neutralise("=1+2") == "'=1+2"
    assert neutralise("-5") == "-5"
    assert neutralise("+84") == "+84"
    assert neutralise("-5 điểm") == "'-5 điểm"
    assert neutralise("'=x") == "''=x"
    assert neutralise("'x") == "'x"
    assert neutralise("Bình thường") == "Bình thường"
    for value in [*DANGEROUS, "-5", "'x", "''", "x"]:
        assert restore(neutralise(value)) == value


def test_csv_formula_injection_round_trip():
    rows = [[value, -5, 2.5] for value in DANGEROUS]
    data = write_csv(["Nội dung", "Số", "Điểm"], rows)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Nội dung,Số,Điểm"
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",-5,2.5'
    assert all(line.startswith(("'", "\"'")) for line in lines[1:-1])
    table = read_table(data, "x.csv")
    assert [row.cells[0] for row in table.rows] == [nfc(v) for v in DANGEROUS]
    assert {row.cells[1:] for row in table.rows} == {("-5", "2.5")}


def test_xlsx_formula_injection_is_stored_as_text():
    rows = [[value, -5, dt.date(2024, 1, 5), None, True] for value in DANGEROUS]
    data = write_xlsx(["Nội dung", "Số", "Ngày", "Trống", "Đạt"], rows, "Báo cáo: 2024/T1")
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas would show
    sheet = workbook.active
    assert sheet.title == "Báo cáo  2024 T1"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    for index, value in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(index, 1)
        assert cell.data_type == "s" and cell.value == value
        assert cell.quotePrefix == (not value.startswith("'"))  # Excel shows it as typed
        assert sheet.cell(index, 2).data_type == "n" and sheet.cell(index, 2).value == -5
        assert sheet.cell(index, 3).number_format == "DD/MM/YYYY"
    table = read_table(data, "x.xlsx")
    assert [row.cells for row in table.rows] == [
        (nfc(value), -5, dt.date(2024, 1, 5), None, True) for value in DANGEROUS
    ]


def test_written_values_parse_back():
    data = write_csv(
        ["Mã", "Tên đơn vị", "Ngày thành lập", "Đang hoạt động"],
        [["A", "Một", dt.date(2024, 2, 29), False], ["B", "Hai", None, True]],
    )
    preview = parse_rows(read_table(data, "x.csv"), UNITS)
    assert preview.ok
    assert [r.values for r in preview.rows] == [
        {"code": "A", "name": "Một", "founded": dt.date(2024, 2, 29), "active": False},
        {"code": "B", "name": "Hai", "founded": None, "active": True},
    ]


def test_xlsx_strips_characters_xml_cannot_hold():
    table = read_table(write_xlsx(["a"], [["x\x00y\x1fz"]]), "x.xlsx")
    assert table.rows[0].cells == ("xyz",)


def test_template_has_first_labels():
    data = template_xlsx(UNITS)
    table = read_table(data, "mau.xlsx")
    assert table.headers == ("Mã đơn vị", "Tên đơn vị", "Ngày thành lập", "Đang hoạt động")
    assert table.rows == ()
    assert map_columns(table, UNITS).ok


_VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠỀẾỂỄỆỜỚỞỠỢỪỨỬỮỰỲÝỶỸỴ"
)
_SPECIAL = " ,;\t\r\n\"'=+-@0123456789.:/()\u00a0\u2028\u0300\u0301\u0303\u0309\u0323\u0302"
_cell_text = st.text(alphabet=st.sampled_from(_VIETNAMESE + _SPECIAL), max_size=25)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_cell_text, min_size=3, max_size=3), min_size=1, max_size=8))
def test_csv_round_trip_of_vietnamese_text(rows):
    data = write_csv(["stt", "a", "b", "c"], [[str(i), *row] for i, row in enumerate(rows)])
    table = read_table(data, "x.csv")
    assert table.headers == ("stt", "a", "b", "c")
    assert len(table.rows) == len(rows)
    for index, (read, written) in enumerate(zip(table.rows, rows, strict=True)):
        expected = (str(index), *(nfc(value) or None for value in written))
        assert read.number == index + 2
        assert read.cells == expected[: len(read.cells)]
        assert all(value is None for value in expected[len(read.cells) :])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_cell_text, min_size=2, max_size=2), min_size=1, max_size=5))
def test_xlsx_round_trip_of_vietnamese_text(rows):
    # XML turns a lone carriage return into a line feed, as Excel's own Alt+Enter breaks are.
    rows = [[value.replace("\r", "") for value in row] for row in rows]
    table = read_table(
        write_xlsx(["stt", "a", "b"], [[i, *row] for i, row in enumerate(rows)]), "x"
    )
    for index, (read, written) in enumerate(zip(table.rows, rows, strict=True)):
        expected = (index, *(nfc(value) or None for value in written))
        assert read.cells == expected[: len(read.cells)]
        assert all(value is None for value in expected[len(read.cells) :])


def test_unreadable_csv_line_is_reported_with_its_row():
    data = b"a,b\r\n1,2\r\n3," + b"x" * 200_000 + b"\r\n"
    with pytest.raises(TableError, match="^Dòng 3: không đọc được"):
        read_table(data, "x.csv")
