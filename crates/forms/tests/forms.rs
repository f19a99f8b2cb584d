//! Finalization report forms from real workbook files: .xlsx written by rust_xlsxwriter and XML
//! spreadsheets as customs tools export them.

use bonded_forms::{read_report, report_csv, Form, FormError};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Formula, Workbook};

const MATERIAL_HEADER: [&str; 12] = [
    "STT",
    "Mã NL, VT",
    "Tên NL, VT",
    "ĐVT",
    "Tồn đầu kỳ",
    "Nhập trong kỳ",
    "Tái xuất",
    "Chuyển mục đích sử dụng, tiêu thụ nội địa, tiêu hủy",
    "Xuất kho để sản xuất",
    "Xuất kho khác",
    "Tồn cuối kỳ",
    "Ghi chú",
];
const PRODUCT_HEADER: [&str; 11] = [
    "STT",
    "Mã SP",
    "Tên SP",
    "ĐVT",
    "Tồn đầu kỳ",
    "Nhập kho trong kỳ",
    "Chuyển mục đích sử dụng",
    "Xuất khẩu",
    "Xuất khác",
    "Tồn cuối kỳ",
    "Ghi chú",
];

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Mẫu 15 and 15a, as an enterprise's accounting program writes them: a title, the header,
/// the column numbers, rows, a formula, a number typed as Vietnamese text, a total.
fn workbook(bad_cell: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Mau15").unwrap();
    sheet
        .write(0, 0, "BÁO CÁO QUYẾT TOÁN NGUYÊN LIỆU, VẬT TƯ")
        .unwrap();
    for (column, text) in MATERIAL_HEADER.iter().enumerate() {
        sheet.write(2, column as u16, *text).unwrap();
        sheet
            .write(3, column as u16, format!("({})", column + 1))
            .unwrap();
    }
    // Cotton: 0 + 1200 − 0 − 0 − 1100 − 50 = 50, closing as a formula with its stored value.
    let cotton: [(u16, f64); 5] = [(4, 0.0), (5, 1200.0), (6, 0.0), (8, 1100.0), (9, 50.0)];
    sheet.write(4, 0, 1).unwrap();
    sheet.write(4, 1, "NL-COTTON").unwrap();
    sheet.write(4, 3, "MTR").unwrap();
    for (column, value) in cotton {
        sheet.write(4, column, value).unwrap();
    }
    sheet
        .write_formula(4, 10, Formula::new("=E5+F5-G5-H5-I5-J5").set_result("50"))
        .unwrap();
    // Thread, with a quantity typed as text in the Vietnamese way.
    sheet.write(5, 0, 2).unwrap();
    sheet.write(5, 1, "NL-THREAD").unwrap();
    sheet.write(5, 5, "1.234,5").unwrap();
    sheet.write(5, 8, 1234.5).unwrap();
    sheet
        .write(5, 10, if bad_cell { "n/a" } else { "0" })
        .unwrap();
    sheet.write(6, 1, "Tổng cộng").unwrap();
    sheet.write(6, 5, 2434.5).unwrap();

    let products = book.add_worksheet().set_name("Mau15a").unwrap();
    for (column, text) in PRODUCT_HEADER.iter().enumerate() {
        products.write(0, column as u16, *text).unwrap();
    }
    products.write(1, 1, "SP-SHIRT").unwrap();
    for (column, value) in [(4u16, 10.0), (5, 500.0), (7, 480.0), (9, 30.0)] {
        products.write(1, column, value).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_report_is_read_by_its_headers_with_formulas_by_value() {
    let report = read_report(&workbook(false)).expect("a report");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let codes: Vec<&str> = report.rows.iter().map(|row| row.code.as_str()).collect();
    assert_eq!(
        codes,
        ["NL-COTTON", "NL-THREAD", "SP-SHIRT"],
        "the total row is not an item"
    );
    let cotton = &report.rows[0];
    assert_eq!(
        (cotton.form, cotton.sheet.as_str(), cotton.row),
        (Form::Materials, "Mau15", 5)
    );
    assert_eq!(
        cotton.closing,
        decimal("50"),
        "the formula is read by its stored value"
    );
    assert_eq!(report.rows[1].inflow, decimal("1234.5"));
    let shirt = &report.rows[2];
    assert_eq!(shirt.form, Form::Products);
    assert_eq!(
        (shirt.inflow, shirt.outflow, shirt.closing),
        (decimal("500"), decimal("480"), decimal("30"))
    );
    let csv = report_csv(&report.rows);
    assert!(csv.starts_with("item_code,opening,imported,reexported,repurposed,"));
    assert!(csv.contains("\nNL-COTTON,0,1200,0,0,1100,50,50\n"), "{csv}");
    assert!(csv.contains("\nSP-SHIRT,10,500,480,0,0,0,30\n"), "{csv}");
}

#[test]
fn an_unreadable_cell_is_an_error_for_its_row_never_a_zero() {
    let report = read_report(&workbook(true)).expect("a report");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert_eq!((error.sheet.as_str(), error.row), ("Mau15", 6));
    assert!(error.reason.contains("Tồn cuối kỳ"), "{}", error.reason);
    assert!(report.rows.iter().all(|row| row.code != "NL-THREAD"));
}

#[test]
fn a_table_whose_columns_do_not_add_up_is_not_taken_for_the_form() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (column, text) in MATERIAL_HEADER.iter().enumerate() {
        sheet.write(0, column as u16, *text).unwrap();
    }
    // Every row's closing stock is in the wrong column: nothing adds up.
    for row in 1..6u32 {
        sheet.write(row, 1, format!("NL-{row}")).unwrap();
        sheet.write(row, 5, 100.0).unwrap();
        sheet.write(row, 11, 100.0).unwrap();
        sheet.write(row, 10, 7.0).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    match read_report(&bytes) {
        Err(FormError::Layout { held, rows, .. }) => assert_eq!((held, rows), (0, 5)),
        other => panic!("expected a layout refusal, got {other:?}"),
    }
}

/// An XML spreadsheet as customs tools export under a .xls name: skipped rows and cells by
/// index, a merged title, a formula whose value was never stored.
const XML_SPREADSHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="BCQT SP">
  <Table>
   <Row><Cell ss:MergeAcross="5"><Data ss:Type="String">Mẫu 15a/BCQT-SP/GSQL</Data></Cell></Row>
   <Row ss:Index="3">
    <Cell><Data ss:Type="String">STT</Data></Cell>
    <Cell><Data ss:Type="String">Mã SP</Data></Cell>
    <Cell><Data ss:Type="String">Tên SP</Data></Cell>
    <Cell><Data ss:Type="String">ĐVT</Data></Cell>
    <Cell><Data ss:Type="String">Tồn đầu kỳ</Data></Cell>
    <Cell><Data ss:Type="String">Nhập kho trong kỳ</Data></Cell>
    <Cell><Data ss:Type="String">Chuyển mục đích sử dụng</Data></Cell>
    <Cell><Data ss:Type="String">Xuất khẩu</Data></Cell>
    <Cell><Data ss:Type="String">Xuất khác</Data></Cell>
    <Cell><Data ss:Type="String">Tồn cuối kỳ</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="Number">1</Data></Cell>
    <Cell><Data ss:Type="String">SP-BAG &amp; CASE</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">5</Data></Cell>
    <Cell><Data ss:Type="Number">100</Data></Cell>
    <Cell ss:Index="8"><Data ss:Type="Number">95</Data></Cell>
    <Cell ss:Index="10"><Data ss:Type="Number">10</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="Number">2</Data></Cell>
    <Cell><Data ss:Type="String">SP-BELT</Data></Cell>
    <Cell ss:Index="5"><Data ss:Type="Number">0</Data></Cell>
    <Cell><Data ss:Type="Number">40</Data></Cell>
    <Cell ss:Index="8"><Data ss:Type="Number">40</Data></Cell>
    <Cell ss:Index="10" ss:Formula="=E5+F5-G5-H5-I5"/>
   </Row>
  </Table>
 </Worksheet>
</Workbook>
"#;

#[test]
fn an_xml_spreadsheet_saved_as_xls_is_read_with_its_indexes() {
    let report = read_report(XML_SPREADSHEET.as_bytes()).expect("a report");
    assert_eq!(report.rows.len(), 1);
    let bag = &report.rows[0];
    assert_eq!(
        (bag.code.as_str(), bag.row, bag.form),
        ("SP-BAG & CASE", 4, Form::Products)
    );
    assert_eq!(
        (bag.opening, bag.inflow, bag.outflow, bag.closing),
        (decimal("5"), decimal("100"), decimal("95"), decimal("10"))
    );
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].row, 5);
    assert!(
        report.errors[0].reason.contains("no stored value"),
        "{:?}",
        report.errors
    );
    let csv = report_csv(&report.rows);
    assert!(csv.contains("\nSP-BAG & CASE,5,100,95,0,0,0,10\n"), "{csv}");
}

#[test]
fn files_that_are_not_workbooks_are_refused() {
    assert_eq!(
        read_report(b"code,qty\nA,1\n"),
        Err(FormError::NotAWorkbook)
    );
    assert!(matches!(
        read_report(b"PK\x03\x04 not really a zip"),
        Err(FormError::Unreadable(_))
    ));
    let mut book = Workbook::new();
    book.add_worksheet().write(0, 0, "hello").unwrap();
    assert_eq!(
        read_report(&book.save_to_buffer().unwrap()),
        Err(FormError::NoForm)
    );
}

/// A real Excel 97-2003 (BIFF8) file, as older office tools still save: formulas by their
/// stored value, a cell of words an error for its row.
#[test]
fn a_legacy_xls_report_is_read_with_formulas_by_value() {
    let bytes = include_bytes!("fixtures/mau15-legacy.xls");
    let report = read_report(bytes).unwrap();
    let read: Vec<_> = report
        .rows
        .iter()
        .map(|row| (row.form, row.code.as_str(), row.opening, row.closing))
        .collect();
    assert_eq!(
        read,
        [
            (
                Form::Materials,
                "NL-COTTON",
                decimal("1200.5"),
                decimal("12000.5")
            ),
            (Form::Materials, "NL-THREAD", decimal("0"), decimal("108")),
        ]
    );
    assert!(report.rows.iter().all(|row| row.adds_up()));
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].row, 7);
    assert!(
        report.errors[0].reason.contains("nhiều"),
        "{:?}",
        report.errors
    );
}
