//! The finalization report written as a workbook and as a PDF: the workbook reads back as the
//! rows it was written from, and both carry the forms' official texts.

use bonded_forms::export::{
    report_pdf, report_xlsx, ExportError, ItemLabel, ItemLabels, ReportHeading,
};
use bonded_forms::workbook::{self, Cell, Sheet};
use bonded_forms::{read_report, FiledRow, Form};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The columns of Mẫu 15 and Mẫu 15a as the circular prints them.
const MATERIAL_HEADER: [&str; 12] = [
    "STT",
    "Mã NL,VT",
    "Tên NL,VT",
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
const MATERIAL_TITLE: &str = "BÁO CÁO QUYẾT TOÁN NHẬP - XUẤT - TỒN KHO NGUYÊN LIỆU, VẬT TƯ";
const PRODUCT_TITLE: &str = "BÁO CÁO QUYẾT TOÁN NHẬP - XUẤT - TỒN KHO THÀNH PHẨM";

fn decimal(text: &str) -> Decimal {
    text.parse().expect("a decimal in the test")
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a date in the test")
}

fn heading() -> ReportHeading {
    ReportHeading {
        enterprise_id: "0312345678".to_string(),
        enterprise_name: "Công ty TNHH May mặc Đồng Nai".to_string(),
        address: "Lô 5, Khu công nghiệp Biên Hòa 2, Đồng Nai".to_string(),
        period_from: date(2025, 1, 1),
        period_to: date(2025, 12, 31),
    }
}

/// A row; quantities in FiledRow order: opening, inflow, outflow, repurposed, issued, other,
/// closing.
fn row(form: Form, code: &str, quantities: [&str; 7]) -> FiledRow {
    let [opening, inflow, outflow, repurposed, issued, other, closing] = quantities.map(decimal);
    FiledRow {
        form,
        sheet: String::new(),
        row: 0,
        code: code.to_string(),
        opening,
        inflow,
        outflow,
        repurposed,
        issued,
        other,
        closing,
    }
}

/// Both forms, every row adding up, with decimals and zeros.
fn rows() -> Vec<FiledRow> {
    vec![
        // 1234.567 + 1000 − 0 − 12.5 − 2000.067 − 0 = 222
        row(
            Form::Materials,
            "NL001",
            ["1234.567", "1000", "0", "12.5", "2000.067", "0", "222"],
        ),
        row(
            Form::Materials,
            "NL002",
            ["0", "0", "0", "0", "0", "0", "0"],
        ),
        // 0 + 5000.25 − 100 − 0 − 4800.25 − 50 = 50
        row(
            Form::Materials,
            "NL003",
            ["0", "5000.25", "100", "0", "4800.25", "50", "50"],
        ),
        // 10 + 1500 − 1490.5 − 0 − 0.5 = 19
        row(
            Form::Products,
            "SP001",
            ["10", "1500", "1490.5", "0", "0", "0.5", "19"],
        ),
        row(Form::Products, "SP002", ["0", "0", "0", "0", "0", "0", "0"]),
    ]
}

fn labels() -> ItemLabels {
    let mut labels = ItemLabels::new();
    let label = |name: &str, unit: &str, note: &str| ItemLabel {
        name: name.to_string(),
        unit: unit.to_string(),
        note: note.to_string(),
    };
    labels.insert(
        Form::Materials,
        "NL001",
        label("Vải cotton khổ 1,5 m", "MTR", "Nhập từ Hàn Quốc"),
    );
    labels.insert(Form::Products, "SP001", label("Áo sơ mi nữ", "PCE", ""));
    labels
}

/// What the reader gives back, without where it found it: code, form and quantities.
fn contents(rows: &[FiledRow]) -> Vec<FiledRow> {
    rows.iter()
        .map(|row| FiledRow {
            sheet: String::new(),
            row: 0,
            ..row.clone()
        })
        .collect()
}

fn sheet<'a>(sheets: &'a [Sheet], name: &str) -> &'a Sheet {
    sheets
        .iter()
        .find(|sheet| sheet.name == name)
        .unwrap_or_else(|| panic!("no sheet {name:?}"))
}

/// The texts of the first row whose first cell is "STT".
fn header_texts(sheet: &Sheet) -> Vec<String> {
    let header = sheet
        .rows
        .iter()
        .find(|row| row.first() == Some(&Cell::Text("STT".to_string())))
        .unwrap_or_else(|| panic!("sheet {:?} has no header row", sheet.name));
    header
        .iter()
        .map(|cell| match cell {
            Cell::Text(text) => text.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

fn texts(sheet: &Sheet) -> Vec<String> {
    sheet
        .rows
        .iter()
        .flatten()
        .filter_map(|cell| match cell {
            Cell::Text(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// The text of each page of a PDF, in page order.
fn page_texts(pdf: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|page| document.extract_text(&[*page]).expect("the page has text"))
        .collect()
}

#[test]
fn the_workbook_reads_back_as_the_rows_it_was_written_from() {
    let rows = rows();
    let bytes = report_xlsx(&heading(), &labels(), &rows).unwrap();
    let report = read_report(&bytes).unwrap();

    assert_eq!(report.errors, []);
    assert_eq!(contents(&report.rows), contents(&rows));
    let sheets: Vec<(&str, Form)> = report
        .rows
        .iter()
        .map(|row| (row.sheet.as_str(), row.form))
        .collect();
    assert_eq!(
        sheets,
        [
            ("Mẫu 15", Form::Materials),
            ("Mẫu 15", Form::Materials),
            ("Mẫu 15", Form::Materials),
            ("Mẫu 15a", Form::Products),
            ("Mẫu 15a", Form::Products),
        ]
    );
}

#[test]
fn a_report_of_one_form_has_only_that_sheet() {
    let rows: Vec<FiledRow> = rows()
        .into_iter()
        .filter(|row| row.form == Form::Products)
        .collect();
    let bytes = report_xlsx(&heading(), &ItemLabels::new(), &rows).unwrap();

    let sheets = workbook::read(&bytes).unwrap();
    let names: Vec<&str> = sheets.iter().map(|sheet| sheet.name.as_str()).collect();
    assert_eq!(names, ["Mẫu 15a"]);
    assert_eq!(contents(&read_report(&bytes).unwrap().rows), rows);
}

#[test]
fn the_workbook_carries_the_official_headers_titles_and_labels() {
    let bytes = report_xlsx(&heading(), &labels(), &rows()).unwrap();
    let sheets = workbook::read(&bytes).unwrap();
    let materials = sheet(&sheets, "Mẫu 15");
    let products = sheet(&sheets, "Mẫu 15a");

    assert_eq!(header_texts(materials), MATERIAL_HEADER);
    assert_eq!(header_texts(products), PRODUCT_HEADER);
    let materials_texts = texts(materials);
    for expected in [
        MATERIAL_TITLE,
        "Mẫu 15/BCQT-NVL/GSQL",
        "Tên tổ chức/cá nhân: Công ty TNHH May mặc Đồng Nai",
        "Mã số thuế: 0312345678",
        "Kỳ báo cáo: từ ngày 01/01/2025 đến ngày 31/12/2025",
        "Vải cotton khổ 1,5 m",
        "MTR",
        "Nhập từ Hàn Quốc",
    ] {
        assert!(
            materials_texts.iter().any(|text| text == expected),
            "Mẫu 15 lacks {expected:?}"
        );
    }
    let products_texts = texts(products);
    for expected in [PRODUCT_TITLE, "Mẫu 15a/BCQT-SP/GSQL", "Áo sơ mi nữ", "PCE"] {
        assert!(
            products_texts.iter().any(|text| text == expected),
            "Mẫu 15a lacks {expected:?}"
        );
    }
}

#[test]
fn quantities_are_numbers_and_rows_are_numbered() {
    let bytes = report_xlsx(&heading(), &labels(), &rows()).unwrap();
    let sheets = workbook::read(&bytes).unwrap();
    let materials = sheet(&sheets, "Mẫu 15");
    let first = materials
        .rows
        .iter()
        .find(|row| row.get(1) == Some(&Cell::Text("NL001".to_string())))
        .expect("the row of NL001");

    assert_eq!(first[0], Cell::Number(Decimal::ONE));
    assert_eq!(first[4], Cell::Number(decimal("1234.567")));
    assert_eq!(first[5], Cell::Number(decimal("1000")));
    assert_eq!(first[6], Cell::Number(Decimal::ZERO));
    assert_eq!(first[10], Cell::Number(decimal("222")));
}

#[test]
fn rows_that_would_not_read_back_are_refused() {
    let heading = heading();
    let labels = ItemLabels::new();
    let refused = |row: FiledRow| report_xlsx(&heading, &labels, &[row]).unwrap_err();
    let zeros = ["0"; 7];

    assert_eq!(
        refused(row(Form::Materials, "Tổng cộng", zeros)),
        ExportError::Code {
            form: Form::Materials,
            code: "Tổng cộng".to_string()
        }
    );
    assert!(matches!(
        refused(row(Form::Materials, " NL001", zeros)),
        ExportError::Code { .. }
    ));
    assert!(matches!(
        refused(row(Form::Products, "", zeros)),
        ExportError::Code { .. }
    ));
    let twice = [
        row(Form::Materials, "NL001", zeros),
        row(Form::Materials, "NL001", zeros),
    ];
    assert_eq!(
        report_pdf(&heading, &labels, &twice).unwrap_err(),
        ExportError::DuplicateCode {
            form: Form::Materials,
            code: "NL001".to_string()
        }
    );
    let material_and_product = [
        row(Form::Materials, "X1", zeros),
        row(Form::Products, "X1", zeros),
    ];
    assert!(report_xlsx(&heading, &labels, &material_and_product).is_ok());
    assert_eq!(
        refused(row(
            Form::Materials,
            "NL001",
            ["0", "0", "0", "0", "0", "0", "-1"]
        )),
        ExportError::Negative {
            form: Form::Materials,
            code: "NL001".to_string(),
            column: "Tồn cuối kỳ",
            value: decimal("-1"),
        }
    );
    assert_eq!(
        refused(row(
            Form::Materials,
            "NL001",
            ["1.1234567", "0", "0", "0", "0", "0", "1.1234567"]
        )),
        ExportError::Precision {
            form: Form::Materials,
            code: "NL001".to_string(),
            column: "Tồn đầu kỳ",
            value: decimal("1.1234567"),
        }
    );
    assert_eq!(
        refused(row(
            Form::Products,
            "SP001",
            ["5", "0", "0", "0", "5", "0", "0"]
        )),
        ExportError::ProductIssued {
            code: "SP001".to_string(),
            value: decimal("5"),
        }
    );
}

#[test]
fn a_report_needs_rows_and_a_period_in_order() {
    assert_eq!(
        report_pdf(&heading(), &ItemLabels::new(), &[]).unwrap_err(),
        ExportError::NoRows
    );
    let backwards = ReportHeading {
        period_from: date(2026, 1, 1),
        ..heading()
    };
    assert_eq!(
        report_xlsx(&backwards, &ItemLabels::new(), &rows()).unwrap_err(),
        ExportError::Period {
            from: date(2026, 1, 1),
            to: date(2025, 12, 31),
        }
    );
}

#[test]
fn the_pdf_prints_the_forms_in_vietnamese() {
    let pdf = report_pdf(&heading(), &labels(), &rows()).unwrap();

    assert!(pdf.starts_with(b"%PDF-"));
    let pages = page_texts(&pdf);
    assert_eq!(pages.len(), 2, "one page per form: {pages:?}");
    let (materials, products) = (&pages[0], &pages[1]);
    for expected in [
        MATERIAL_TITLE,
        "Mẫu 15/BCQT-NVL/GSQL",
        "Công ty TNHH May mặc Đồng Nai",
        "Tồn đầu kỳ",
        "Xuất kho khác",
        "NL001",
        "Vải cotton khổ 1,5 m",
        "1.234,567",
        "2.000,067",
        "Người đại diện theo pháp luật",
        "Trang 1/1",
    ] {
        assert!(
            materials.contains(expected),
            "Mẫu 15 lacks {expected:?}: {materials}"
        );
    }
    for expected in [
        PRODUCT_TITLE,
        "Xuất khẩu",
        "SP001",
        "Áo sơ mi nữ",
        "1.490,500",
    ] {
        assert!(
            products.contains(expected),
            "Mẫu 15a lacks {expected:?}: {products}"
        );
    }
    assert!(!products.contains("NL001"), "Mẫu 15a holds a material");
}

#[test]
fn the_pdf_embeds_a_subset_of_its_font() {
    let pdf = report_pdf(&heading(), &labels(), &rows()).unwrap();
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let embedded = document.objects.values().any(|object| {
        object
            .as_dict()
            .is_ok_and(|dictionary| dictionary.has(b"FontFile2"))
    });

    assert!(embedded, "no font descriptor holds a TrueType font");
    // The whole of DejaVu Sans Condensed, regular and bold, is over 1 MB.
    assert!(pdf.len() < 200_000, "the PDF is {} bytes", pdf.len());
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    let first = report_pdf(&heading(), &labels(), &rows()).unwrap();
    let second = report_pdf(&heading(), &labels(), &rows()).unwrap();
    assert!(first == second, "two PDFs of one report differ");
}

/// 2,000 materials, each adding up: opening i, imported 2i + 0.125, issued 2i, closing i + 0.125.
fn many_rows(count: usize) -> Vec<FiledRow> {
    (1..=count)
        .map(|index| {
            let opening = Decimal::from(index);
            let imported = Decimal::from(2 * index) + decimal("0.125");
            let issued = Decimal::from(2 * index);
            FiledRow {
                form: Form::Materials,
                sheet: String::new(),
                row: 0,
                code: format!("NL{index:05}"),
                opening,
                inflow: imported,
                outflow: Decimal::ZERO,
                repurposed: Decimal::ZERO,
                issued,
                other: Decimal::ZERO,
                closing: opening + imported - issued,
            }
        })
        .collect()
}

#[test]
fn a_long_report_is_paginated_with_the_header_on_every_page() {
    let rows = many_rows(2_000);
    let pdf = report_pdf(&heading(), &ItemLabels::new(), &rows).unwrap();
    let pages = page_texts(&pdf);

    assert!(pages.len() >= 20, "2,000 rows on {} pages", pages.len());
    let count = pages.len();
    for (index, text) in pages.iter().enumerate() {
        let number = index + 1;
        let trailer = format!("Trang {number}/{count}");
        assert!(text.contains(&trailer), "page {number} lacks {trailer:?}");
        if text.contains("NL0") {
            assert!(
                text.contains("Tồn đầu kỳ"),
                "page {number} has rows, no header"
            );
            assert!(
                text.contains("Tồn cuối kỳ"),
                "page {number} has rows, no header"
            );
        }
    }
    assert!(
        pages[0].contains(MATERIAL_TITLE),
        "the first page has no title"
    );
    assert!(!pages[1].contains(MATERIAL_TITLE), "the title repeats");
    assert!(pages[0].contains("NL00001"));
    assert!(
        pages[count - 1].contains("Người lập"),
        "no signature block at the end"
    );
    let last_row = pages.iter().position(|text| text.contains("NL02000"));
    assert!(last_row.is_some_and(|page| page >= count - 2));

    // Every row is on exactly one page.
    for code in ["NL00001", "NL00999", "NL01000", "NL02000"] {
        let found = pages.iter().filter(|text| text.contains(code)).count();
        assert_eq!(found, 1, "{code} is on {found} pages");
    }
}

#[test]
fn a_long_report_reads_back_from_the_workbook() {
    let rows = many_rows(2_000);
    let bytes = report_xlsx(&heading(), &ItemLabels::new(), &rows).unwrap();
    let report = read_report(&bytes).unwrap();
    assert_eq!(report.errors, []);
    assert_eq!(contents(&report.rows), rows);
}
