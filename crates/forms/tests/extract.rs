//! The customs line extract (Báo cáo hàng chi tiết) from real workbook files: .xlsx written by
//! rust_xlsxwriter and an XML spreadsheet as customs exports it under a .xls name.

use bonded_forms::extract::{read_extract, ExtractError, LineExtract};
use bonded_forms::RowError;
use bonded_model::{Declaration, DeclarationLine, NaiveDate, Unit};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// A cell to write.
#[derive(Clone)]
enum Cell {
    Text(&'static str),
    Number(f64),
    /// A date cell, formatted dd/mm/yyyy as Excel shows it.
    Date(u16, u8, u8),
    /// A formula with its stored value.
    Formula(&'static str, &'static str),
    Empty,
}

/// The header in the order customs prints it.
const HEADER: [&str; 10] = [
    "Số tờ khai",
    "Ngày đăng ký",
    "Mã loại hình",
    "Số hợp đồng",
    "Số dòng hàng",
    "Mã hàng",
    "Lượng",
    "ĐVT",
    "Đơn giá",
    "Trị giá",
];

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// A workbook of one sheet "BCHCT": `title` rows first, the header, then the rows.
fn book(title: &[&str], header: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet().set_name("BCHCT").unwrap();
    for (row, text) in title.iter().enumerate() {
        sheet.write(row as u32, 0, *text).unwrap();
    }
    let header_row = title.len() as u32;
    for (column, text) in header.iter().enumerate() {
        sheet.write(header_row, column as u16, *text).unwrap();
    }
    for (index, cells) in rows.iter().enumerate() {
        let row = header_row + 1 + index as u32;
        for (column, cell) in cells.iter().enumerate() {
            let column = column as u16;
            match cell {
                Cell::Text(text) => sheet.write(row, column, *text).map(|_| ()),
                Cell::Number(number) => sheet.write(row, column, *number).map(|_| ()),
                Cell::Date(y, m, d) => {
                    let when = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    sheet
                        .write_datetime_with_format(row, column, when, &day)
                        .map(|_| ())
                }
                Cell::Formula(formula, value) => sheet
                    .write_formula(row, column, Formula::new(*formula).set_result(*value))
                    .map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// A row in [`HEADER`] order, dated 1 March 2026, E31, no contract, in kilograms.
fn row(number: &'static str, line: f64, quantity: Cell, price: f64, value: f64) -> Vec<Cell> {
    vec![
        Cell::Text(number),
        Cell::Text("01/03/2026"),
        Cell::Text("E31"),
        Cell::Empty,
        Cell::Number(line),
        Cell::Text("NL-COTTON"),
        quantity,
        Cell::Text("KGM"),
        Cell::Number(price),
        Cell::Number(value),
    ]
}

/// Two three-line declarations, where `bad` replaces the quantity of the second declaration's
/// second line (sheet row 6).
fn two_declarations(bad: Option<Cell>) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for number in ["104000000001", "104000000002"] {
        for line in 1..=3 {
            rows.push(row(
                number,
                line as f64,
                Cell::Number(10.0),
                2_000.0,
                20_000.0,
            ));
        }
    }
    if let Some(bad) = bad {
        rows[4][6] = bad;
    }
    rows
}

fn errors(extract: &LineExtract) -> Vec<(&str, usize)> {
    extract
        .errors
        .iter()
        .map(|error| (error.sheet.as_str(), error.row))
        .collect()
}

fn numbers(extract: &LineExtract) -> Vec<&str> {
    extract
        .declarations
        .iter()
        .map(|declaration| declaration.number.as_str())
        .collect()
}

fn line(number: u32, code: &str, quantity: &str, unit: Unit, value: &str) -> DeclarationLine {
    DeclarationLine {
        line_number: number,
        item_code: code.into(),
        quantity: decimal(quantity),
        unit,
        value_vnd: decimal(value),
    }
}

#[test]
fn an_extract_is_read_by_its_headers_below_a_title_in_any_column_order() {
    let header = [
        "STT",
        "Trị giá",
        "Mã NPL/SP",
        "Tên hàng",
        "Lượng",
        "ĐVT",
        "Đơn giá",
        "STT hàng",
        "Mã loại hình",
        "Ngày đăng ký",
        "Số hợp đồng",
        "Số tờ khai",
    ];
    let numbers_row: Vec<Cell> = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
        .into_iter()
        .map(Cell::Text)
        .chain(std::iter::repeat_n(Cell::Empty, 5))
        .chain([Cell::Text("(12)")])
        .collect();
    let processing = |number, line: f64, code, quantity: Cell, unit, price: f64, value: Cell| {
        vec![
            Cell::Number(line),
            value,
            Cell::Text(code),
            Cell::Text("hàng hóa"),
            quantity,
            Cell::Text(unit),
            Cell::Number(price),
            Cell::Number(line),
            Cell::Text(if number == "304000000002" {
                "E52"
            } else {
                "E21"
            }),
            if number == "304000000002" {
                Cell::Text("15/03/2026")
            } else {
                Cell::Date(2026, 3, 1)
            },
            Cell::Text("HD-GC-2026-01"),
            Cell::Text(number),
        ]
    };
    let export_production = |line: f64, code, quantity: f64, unit, price: f64, value: f64| {
        vec![
            Cell::Number(line),
            Cell::Number(value),
            Cell::Text(code),
            Cell::Empty,
            Cell::Number(quantity),
            Cell::Text(unit),
            Cell::Number(price),
            Cell::Number(line),
            Cell::Text("e31"),
            Cell::Text("2026-03-20"),
            Cell::Empty,
            Cell::Number(104_000_000_003.0),
        ]
    };
    let a = "104000000001";
    let rows = vec![
        numbers_row,
        processing(
            a,
            1.0,
            "NL-PCB",
            Cell::Number(1000.0),
            "PCE",
            12_000.0,
            Cell::Number(12_000_000.0),
        ),
        processing(
            a,
            2.0,
            "NL-COPPER",
            Cell::Number(250.5),
            "KGM",
            180_000.0,
            Cell::Formula("=E7*G7", "45090000"),
        ),
        processing(
            "304000000002",
            1.0,
            "SP-ADAPTER",
            Cell::Number(480.0),
            "PCE",
            310_000.0,
            Cell::Number(148_800_000.0),
        ),
        processing(
            a,
            3.0,
            "NL-CASE",
            Cell::Text("1.234,5"),
            "PCE",
            2_000.0,
            Cell::Number(2_469_000.0),
        ),
        export_production(1.0, "NL-COTTON", 500.0, "MTR", 52_000.0, 26_000_000.0),
        export_production(2.0, "NL-THREAD", 12.5, "kgm", 95_000.0, 1_187_500.0),
        vec![Cell::Text("Tổng cộng"), Cell::Number(234_546_500.0)],
        vec![],
        vec![Cell::Text("Người lập biểu")],
    ];
    let title = [
        "BÁO CÁO HÀNG CHI TIẾT",
        "Từ ngày 01/03/2026 đến ngày 31/03/2026",
    ];
    let extract = read_extract(&book(&title, &header, &rows)).expect("an extract");

    assert_eq!(extract.errors, Vec::<RowError>::new());
    assert_eq!(
        extract.rows, 6,
        "six goods lines; column numbers and totals are not"
    );
    let processing_declaration = |number: &str, type_code: &str, day, lines| Declaration {
        number: number.into(),
        type_code: type_code.parse().unwrap(),
        date: date(2026, 3, day),
        contract: Some("HD-GC-2026-01".into()),
        lines,
    };
    let expected = vec![
        processing_declaration(
            a,
            "E21",
            1,
            vec![
                line(1, "NL-PCB", "1000", Unit::Piece, "12000000"),
                line(2, "NL-COPPER", "250.5", Unit::Kilogram, "45090000"),
                line(3, "NL-CASE", "1234.5", Unit::Piece, "2469000"),
            ],
        ),
        processing_declaration(
            "304000000002",
            "E52",
            15,
            vec![line(1, "SP-ADAPTER", "480", Unit::Piece, "148800000")],
        ),
        Declaration {
            number: "104000000003".into(),
            type_code: "E31".parse().unwrap(),
            date: date(2026, 3, 20),
            contract: None,
            lines: vec![
                line(1, "NL-COTTON", "500", Unit::Metre, "26000000"),
                line(2, "NL-THREAD", "12.5", Unit::Kilogram, "1187500"),
            ],
        },
    ];
    assert_eq!(extract.declarations, expected);
}

#[test]
fn a_formula_for_the_value_is_read_by_its_stored_value() {
    let mut rows = two_declarations(None);
    // The stored value is what the form's identity checks: 10 × 2,000.
    rows[1][9] = Cell::Formula("=G3*I3", "20000");
    let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
    assert!(extract.errors.is_empty(), "{:?}", extract.errors);
    assert_eq!(extract.declarations[0].lines[1].value_vnd, decimal("20000"));
    // A stored value that is not 10 × 2,000 is read as stored, and so fails the identity.
    rows[1][9] = Cell::Formula("=G3*I3", "7");
    let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
    assert_eq!(errors(&extract), [("BCHCT", 3), ("BCHCT", 2)]);
    assert!(
        extract.errors[0]
            .reason
            .contains("Trị giá: 7 is not 10 × 2000"),
        "{}",
        extract.errors[0].reason
    );
}

#[test]
fn text_in_a_quantity_is_an_error_naming_its_row_and_cell() {
    let rows = two_declarations(Some(Cell::Text("mười")));
    let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
    assert_eq!(extract.rows, 6);
    assert_eq!(errors(&extract), [("BCHCT", 6), ("BCHCT", 5)]);
    assert_eq!(
        extract.errors[0].reason,
        "Lượng (cell G6): \"mười\" is not a number"
    );
    assert!(
        extract.errors[1]
            .reason
            .starts_with("declaration 104000000002 is withheld"),
        "{}",
        extract.errors[1].reason
    );
    assert_eq!(numbers(&extract), ["104000000001"]);
    assert_eq!(extract.declarations[0].lines.len(), 3);
}

#[test]
fn an_empty_quantity_is_an_error_never_a_zero() {
    for (cell, reason) in [
        (Cell::Empty, "Lượng (cell G6): the cell is empty"),
        (Cell::Number(0.0), "Lượng (cell G6): the quantity is zero"),
        (Cell::Number(-4.0), "Lượng (cell G6): -4 is negative"),
    ] {
        let rows = two_declarations(Some(cell));
        let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
        assert_eq!(errors(&extract), [("BCHCT", 6), ("BCHCT", 5)]);
        assert_eq!(extract.errors[0].reason, reason);
        assert_eq!(numbers(&extract), ["104000000001"]);
    }
}

#[test]
fn swapped_columns_fail_the_identity_and_the_layout_is_refused() {
    let mut header = HEADER;
    header.swap(6, 9);
    let rows = two_declarations(None);
    match read_extract(&book(&["Báo cáo hàng chi tiết"], &header, &rows)) {
        Err(ExtractError::Layout { sheet, held, rows }) => {
            assert_eq!((sheet.as_str(), held, rows), ("BCHCT", 0, 6))
        }
        other => panic!("expected a layout refusal, got {other:?}"),
    }
}

#[test]
fn one_row_in_six_off_the_identity_is_a_row_error_and_two_refuse_the_layout() {
    let mut rows = two_declarations(None);
    rows[0][9] = Cell::Number(20_500.0);
    let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
    assert_eq!(errors(&extract), [("BCHCT", 2), ("BCHCT", 2)]);
    assert!(extract.errors[0]
        .reason
        .starts_with("Trị giá: 20500 is not 10 × 2000"));
    assert_eq!(numbers(&extract), ["104000000002"]);

    // Within 1 VND holds on a small value (1 VND is 0.02 % of 5,000), within 0.01 % on a large
    // one (50,000 VND of 1,000,000,000), and 0.02 % off a large one does not.
    let amounts = |rows: &mut Vec<Vec<Cell>>, index: usize, quantity, price, value| {
        rows[index][6] = Cell::Number(quantity);
        rows[index][8] = Cell::Number(price);
        rows[index][9] = Cell::Number(value);
    };
    amounts(&mut rows, 0, 1.0, 5_000.0, 5_001.0);
    amounts(&mut rows, 3, 10.0, 100_000_000.0, 1_000_050_000.0);
    let extract = read_extract(&book(&[], &HEADER, &rows)).unwrap();
    assert_eq!(extract.errors, Vec::<RowError>::new());
    amounts(&mut rows, 3, 10.0, 100_000_000.0, 1_000_200_000.0);
    let extract = read_extract(&book(&[], &HEADER, &rows)).unwrap();
    assert_eq!(errors(&extract), [("BCHCT", 5), ("BCHCT", 5)]);

    // Two rows in six off is more than one in five.
    rows[0][9] = Cell::Number(20_500.0);
    rows[3][9] = Cell::Number(20_500.0);
    assert!(matches!(
        read_extract(&book(&[], &HEADER, &rows)),
        Err(ExtractError::Layout {
            held: 4,
            rows: 6,
            ..
        })
    ));
}

#[test]
fn rows_of_one_declaration_must_agree_on_date_type_code_and_contract() {
    for (column, cell) in [
        (1, Cell::Text("02/03/2026")),
        (2, Cell::Text("E21")),
        (3, Cell::Text("HD-01")),
    ] {
        let mut rows = two_declarations(None);
        rows[2][column] = cell;
        let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
        assert_eq!(errors(&extract), [("BCHCT", 4), ("BCHCT", 2)]);
        assert!(
            extract.errors[0]
                .reason
                .starts_with("declaration 104000000001: Ngày đăng ký"),
            "{}",
            extract.errors[0].reason
        );
        assert_eq!(numbers(&extract), ["104000000002"]);
    }
}

#[test]
fn a_declaration_that_fails_validation_is_withheld_by_name() {
    let mut rows: Vec<Vec<Cell>> = (1..=51)
        .map(|line| row("104000000051", line as f64, Cell::Number(1.0), 5.0, 5.0))
        .collect();
    rows.push(row("104000000009", 1.0, Cell::Number(1.0), 5.0, 5.0));
    rows.push(row("104000000009", 1.0, Cell::Number(2.0), 5.0, 10.0));
    rows.push(row("104000000010", 1.0, Cell::Number(2.0), 5.0, 10.0));
    let extract = read_extract(&book(&[], &HEADER, &rows)).expect("an extract");
    assert_eq!(extract.rows, 54);
    assert_eq!(errors(&extract), [("BCHCT", 2), ("BCHCT", 53)]);
    assert_eq!(
        extract.errors[0].reason,
        "declaration 104000000051: declaration has 51 lines; VNACCS allows 1 to 50"
    );
    assert_eq!(
        extract.errors[1].reason,
        "declaration 104000000009: declaration line number 1 appears twice"
    );
    assert_eq!(numbers(&extract), ["104000000010"]);
}

#[test]
fn english_column_names_are_read_too() {
    let header = [
        "declaration_number",
        "declaration_date",
        "type_code",
        "contract",
        "line_number",
        "item_code",
        "quantity",
        "unit",
        "unit_price",
        "value_vnd",
    ];
    let rows = vec![row("104000000001", 1.0, Cell::Number(3.0), 7.0, 21.0)];
    let extract = read_extract(&book(&[], &header, &rows)).expect("an extract");
    assert_eq!(numbers(&extract), ["104000000001"]);
    assert_eq!(extract.declarations[0].date, date(2026, 3, 1));
}

#[test]
fn files_that_are_not_workbooks_or_extracts_are_refused() {
    assert_eq!(
        read_extract(b"so_to_khai,luong\n1,2\n"),
        Err(ExtractError::NotAWorkbook)
    );
    assert!(matches!(
        read_extract(b"PK\x03\x04 not really a zip"),
        Err(ExtractError::Unreadable(_))
    ));
    let rows = two_declarations(None);
    let title: Vec<&str> = std::iter::repeat_n("tiêu đề", 40).collect();
    assert_eq!(
        read_extract(&book(&title, &HEADER, &rows)),
        Err(ExtractError::NoExtract),
        "a header below row 40 is not looked for"
    );
    let title: Vec<&str> = std::iter::repeat_n("tiêu đề", 39).collect();
    assert!(read_extract(&book(&title, &HEADER, &rows)).is_ok());
    assert_eq!(
        read_extract(&book(&[], &HEADER[1..], &rows)),
        Err(ExtractError::NoExtract),
        "every column but the contract is required"
    );
}

/// An XML spreadsheet as the customs system exports under a .xls name: a merged title, the
/// header on row 3 by index, a date cell, cells skipped by index (no contract), a value as a
/// formula with its stored value, and one whose value was never stored.
const XML_SPREADSHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="BaoCaoHangChiTiet">
  <Table>
   <Row><Cell ss:MergeAcross="9"><Data ss:Type="String">BÁO CÁO HÀNG CHI TIẾT</Data></Cell></Row>
   <Row ss:Index="3">
    <Cell><Data ss:Type="String">Số tờ khai</Data></Cell>
    <Cell><Data ss:Type="String">Ngày đăng ký</Data></Cell>
    <Cell><Data ss:Type="String">Mã loại hình</Data></Cell>
    <Cell><Data ss:Type="String">Số hợp đồng</Data></Cell>
    <Cell><Data ss:Type="String">Số dòng hàng</Data></Cell>
    <Cell><Data ss:Type="String">Mã hàng</Data></Cell>
    <Cell><Data ss:Type="String">Lượng</Data></Cell>
    <Cell><Data ss:Type="String">Đơn vị tính</Data></Cell>
    <Cell><Data ss:Type="String">Đơn giá</Data></Cell>
    <Cell><Data ss:Type="String">Trị giá</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">105000000001</Data></Cell>
    <Cell><Data ss:Type="DateTime">2026-04-02T00:00:00.000</Data></Cell>
    <Cell><Data ss:Type="String">E31</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">1</Data></Cell>
    <Cell><Data ss:Type="String">NL-BUTTON &amp; CLIP</Data></Cell>
    <Cell><Data ss:Type="Number">12000</Data></Cell>
    <Cell><Data ss:Type="String">PCE</Data></Cell>
    <Cell><Data ss:Type="Number">150</Data></Cell>
    <Cell ss:Formula="=RC[-3]*RC[-1]"><Data ss:Type="Number">1800000</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">105000000001</Data></Cell>
    <Cell><Data ss:Type="DateTime">2026-04-02T00:00:00.000</Data></Cell>
    <Cell><Data ss:Type="String">E31</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">2</Data></Cell>
    <Cell><Data ss:Type="String">NL-ZIP</Data></Cell>
    <Cell><Data ss:Type="Number">800.25</Data></Cell>
    <Cell><Data ss:Type="String">MTR</Data></Cell>
    <Cell><Data ss:Type="Number">4000</Data></Cell>
    <Cell><Data ss:Type="Number">3201000</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">305000000002</Data></Cell>
    <Cell><Data ss:Type="String">20/04/2026</Data></Cell>
    <Cell><Data ss:Type="String">B13</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">1</Data></Cell>
    <Cell><Data ss:Type="String">NL-ZIP</Data></Cell>
    <Cell><Data ss:Type="Number">20</Data></Cell>
    <Cell><Data ss:Type="String">MTR</Data></Cell>
    <Cell><Data ss:Type="Number">4000</Data></Cell>
    <Cell ss:Formula="=RC[-3]*RC[-1]"/>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">305000000003</Data></Cell>
    <Cell><Data ss:Type="String">20/04/2026</Data></Cell>
    <Cell><Data ss:Type="String">B13</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">1</Data></Cell>
    <Cell><Data ss:Type="String">NL-ZIP</Data></Cell>
    <Cell><Data ss:Type="Number">5</Data></Cell>
    <Cell><Data ss:Type="String">MTR</Data></Cell>
    <Cell><Data ss:Type="Number">4000</Data></Cell>
    <Cell><Data ss:Type="Number">20000</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">305000000003</Data></Cell>
    <Cell><Data ss:Type="String">20/04/2026</Data></Cell>
    <Cell><Data ss:Type="String">B13</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">2</Data></Cell>
    <Cell><Data ss:Type="String">NL-BUTTON &amp; CLIP</Data></Cell>
    <Cell><Data ss:Type="Number">100</Data></Cell>
    <Cell><Data ss:Type="String">PCE</Data></Cell>
    <Cell><Data ss:Type="Number">150</Data></Cell>
    <Cell><Data ss:Type="Number">15000</Data></Cell>
   </Row>
  </Table>
 </Worksheet>
</Workbook>
"#;

#[test]
fn an_xml_spreadsheet_saved_as_xls_is_read_with_its_indexes_and_dates() {
    let extract = read_extract(XML_SPREADSHEET.as_bytes()).expect("an extract");
    assert_eq!(extract.rows, 5);
    assert_eq!(
        errors(&extract),
        [("BaoCaoHangChiTiet", 6), ("BaoCaoHangChiTiet", 6)]
    );
    assert_eq!(
        extract.errors[0].reason,
        "Trị giá (cell J6): the cell holds a formula with no stored value"
    );
    assert_eq!(numbers(&extract), ["105000000001", "305000000003"]);
    let first = &extract.declarations[0];
    assert_eq!(
        (
            first.date,
            first.type_code.code(),
            first.contract.as_deref()
        ),
        (date(2026, 4, 2), "E31", None)
    );
    assert_eq!(
        first.lines,
        [
            line(1, "NL-BUTTON & CLIP", "12000", Unit::Piece, "1800000"),
            line(2, "NL-ZIP", "800.25", Unit::Metre, "3201000"),
        ]
    );
    assert_eq!(extract.declarations[1].date, date(2026, 4, 20));
}
