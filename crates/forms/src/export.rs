//! The finalization report written out: Mẫu 15 (materials) and Mẫu 15a (products) as a
//! workbook to file and as a PDF to print and sign.
//!
//! # Design
//!
//! Both writers start from one `Report`: the heading, and per form present a table of its
//! rows in the order given, numbered from 1 (STT), each with the name, unit and note the caller
//! knows for its code ([`ItemLabels`]). Each form is described once, as a `Layout`: the
//! form's code, its title, its sheet name and its columns with the header texts the circular
//! prints. The workbook and the PDF only differ in how they put those cells on paper.
//!
//! The invariant the workbook keeps is that [`crate::read_report`] reads it back as the same
//! rows: the same codes and the same quantities, digit for digit. Rows that could not come back
//! are refused before anything is written, with the reason ([`ExportError`]): a code the reader
//! skips (blank, padded with spaces, a totals line, a column number), a code twice in one form
//! (the form has one row per code), a negative quantity, a quantity that a spreadsheet number
//! (a binary float) cannot hold exactly or that has more than [`QUANTITY_DECIMALS_MAX`]
//! decimals, and a product row with issues to production, a column Mẫu 15a does not have.
//! Quantities are numbers, shown with one fixed number of decimals per report: the most any of
//! its quantities has, so that no digit is hidden.
//!
//! A sheet holds, from the top: the enterprise lines and the form's code, the title, the
//! period, the header row, the row of column numbers, the data rows and the signature block.
//! Text outside the table stays out of the code column, so that the reader takes none of it for
//! a row. Each sheet prints on A4 landscape, one page wide, with the header repeated.
//!
//! The PDF is laid out before it is drawn: every cell is wrapped into lines measured in the
//! embedded font, rows are cut into pages of A4 landscape, and each page of a form repeats the
//! header row and the column numbers and says "Trang n/N". Each form starts on a new page; its
//! first page carries the heading, its last the signature block, alone on one more page when
//! the rows leave no room. Quantities are printed the Vietnamese way (`1.234,567`) and shrink
//! to fit their column rather than wrap. The font is DejaVu Sans Condensed, which has every
//! Vietnamese letter, shipped by the `dejavu` crate inside the binary; only the glyphs used are
//! embedded. The output holds no date, so the same report gives the same bytes.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::NaiveDate;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font as PdfFont, TextDirection};
use krilla::Document;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::{is_column_number, is_total, FiledRow, Form};

/// The most decimals a quantity may have; more cannot be shown in the report's columns.
pub const QUANTITY_DECIMALS_MAX: u32 = 6;

/// Why a report cannot be written. The variants up to `ProductIssued` are the caller's to fix
/// in its data; `Workbook`, `Pdf` and `Font` are failures of this program.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    #[error("the report has no rows")]
    NoRows,
    #[error("the period starts on {from} but ends earlier, on {to}")]
    Period { from: NaiveDate, to: NaiveDate },
    #[error("{} code {code:?} would not be read back as a row", form.name())]
    Code { form: Form, code: String },
    #[error("{} has two rows for code {code:?}; the form has one per code", form.name())]
    DuplicateCode { form: Form, code: String },
    #[error("{} {code:?}: {column} is {value}, a negative quantity", form.name())]
    Negative {
        form: Form,
        code: String,
        column: &'static str,
        value: Decimal,
    },
    #[error(
        "{} {code:?}: {column} is {value}, more precise than a report quantity can be \
         (at most {QUANTITY_DECIMALS_MAX} decimals, and digits a spreadsheet number holds)",
        form.name()
    )]
    Precision {
        form: Form,
        code: String,
        column: &'static str,
        value: Decimal,
    },
    #[error("Mẫu 15a {code:?}: {value} issued to production, a column Mẫu 15a does not have")]
    ProductIssued { code: String, value: Decimal },
    #[error("the workbook cannot be written: {0}")]
    Workbook(String),
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
    #[error("the embedded font cannot be read")]
    Font,
}

impl From<XlsxError> for ExportError {
    fn from(error: XlsxError) -> Self {
        ExportError::Workbook(error.to_string())
    }
}

/// What the form carries above its table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportHeading {
    /// The tax code (mã số thuế) that identifies the enterprise to customs.
    pub enterprise_id: String,
    pub enterprise_name: String,
    /// Left out of the heading when blank.
    pub address: String,
    /// The first day of the report period.
    pub period_from: NaiveDate,
    /// The last day of the report period, included.
    pub period_to: NaiveDate,
}

/// What the form prints beside a code: the rows read from a filed form carry codes only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemLabel {
    /// Tên NL,VT or Tên SP.
    pub name: String,
    /// ĐVT: the unit the quantities are counted in.
    pub unit: String,
    /// Ghi chú.
    pub note: String,
}

/// The labels of the codes of a report, per form: a code may name a material and a product.
/// A code without a label prints with blank name, unit and note.
#[derive(Clone, Debug, Default)]
pub struct ItemLabels {
    materials: HashMap<String, ItemLabel>,
    products: HashMap<String, ItemLabel>,
}

impl ItemLabels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the label of a code, replacing any it had.
    pub fn insert(&mut self, form: Form, code: impl Into<String>, label: ItemLabel) {
        self.of_mut(form).insert(code.into(), label);
    }

    pub fn get(&self, form: Form, code: &str) -> Option<&ItemLabel> {
        match form {
            Form::Materials => self.materials.get(code),
            Form::Products => self.products.get(code),
        }
    }

    fn of_mut(&mut self, form: Form) -> &mut HashMap<String, ItemLabel> {
        match form {
            Form::Materials => &mut self.materials,
            Form::Products => &mut self.products,
        }
    }
}

/// Writes the report as an .xlsx workbook: one sheet per form present.
pub fn report_xlsx(
    heading: &ReportHeading,
    labels: &ItemLabels,
    rows: &[FiledRow],
) -> Result<Vec<u8>, ExportError> {
    let report = Report::build(heading, labels, rows)?;
    let styles = Styles::new(report.decimals);
    let mut book = Workbook::new();
    for table in &report.tables {
        let sheet = book.add_worksheet();
        write_sheet(sheet, heading, table, &styles)?;
    }
    Ok(book.save_to_buffer()?)
}

/// Writes the report as a PDF of A4 landscape pages: each form from a new page.
pub fn report_pdf(
    heading: &ReportHeading,
    labels: &ItemLabels,
    rows: &[FiledRow],
) -> Result<Vec<u8>, ExportError> {
    let report = Report::build(heading, labels, rows)?;
    let fonts = Fonts::load()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(report_title(&report))
            .language("vi".to_string())
            .creator("bonded".to_string()),
    );
    for table in &report.tables {
        let sheet = PrintedTable::lay_out(&report, table, &fonts);
        for page in sheet.pages() {
            draw_page(&mut document, &sheet, &page)?;
        }
    }
    document
        .finish()
        .map_err(|error| ExportError::Pdf(error.to_string()))
}

// ---------------------------------------------------------------------------------------------
// The forms.

/// What a column holds.
#[derive(Clone, Copy)]
enum Content {
    /// STT: the row's number in its table, from 1.
    Number,
    Code,
    Name,
    Unit,
    Quantity(fn(&FiledRow) -> Decimal),
    Note,
}

struct Column {
    header: &'static str,
    content: Content,
    /// In characters of the workbook's default font; the PDF shares the page out in proportion.
    width: f32,
}

/// One form as printed.
struct Layout {
    form: Form,
    /// The form's code, printed at the top right.
    code: &'static str,
    title: &'static str,
    sheet: &'static str,
    columns: &'static [Column],
}

const fn column(header: &'static str, content: Content, width: f32) -> Column {
    Column {
        header,
        content,
        width,
    }
}

static MATERIALS: Layout = Layout {
    form: Form::Materials,
    code: "Mẫu 15/BCQT-NVL/GSQL",
    title: "BÁO CÁO QUYẾT TOÁN NHẬP - XUẤT - TỒN KHO NGUYÊN LIỆU, VẬT TƯ",
    sheet: "Mẫu 15",
    columns: &[
        column("STT", Content::Number, 5.0),
        column("Mã NL,VT", Content::Code, 14.0),
        column("Tên NL,VT", Content::Name, 26.0),
        column("ĐVT", Content::Unit, 7.0),
        column("Tồn đầu kỳ", Content::Quantity(|row| row.opening), 13.0),
        column("Nhập trong kỳ", Content::Quantity(|row| row.inflow), 13.0),
        column("Tái xuất", Content::Quantity(|row| row.outflow), 13.0),
        column(
            "Chuyển mục đích sử dụng, tiêu thụ nội địa, tiêu hủy",
            Content::Quantity(|row| row.repurposed),
            16.0,
        ),
        column(
            "Xuất kho để sản xuất",
            Content::Quantity(|row| row.issued),
            13.0,
        ),
        column("Xuất kho khác", Content::Quantity(|row| row.other), 13.0),
        column("Tồn cuối kỳ", Content::Quantity(|row| row.closing), 13.0),
        column("Ghi chú", Content::Note, 14.0),
    ],
};

static PRODUCTS: Layout = Layout {
    form: Form::Products,
    code: "Mẫu 15a/BCQT-SP/GSQL",
    title: "BÁO CÁO QUYẾT TOÁN NHẬP - XUẤT - TỒN KHO THÀNH PHẨM",
    sheet: "Mẫu 15a",
    columns: &[
        column("STT", Content::Number, 5.0),
        column("Mã SP", Content::Code, 14.0),
        column("Tên SP", Content::Name, 30.0),
        column("ĐVT", Content::Unit, 7.0),
        column("Tồn đầu kỳ", Content::Quantity(|row| row.opening), 14.0),
        column(
            "Nhập kho trong kỳ",
            Content::Quantity(|row| row.inflow),
            14.0,
        ),
        column(
            "Chuyển mục đích sử dụng",
            Content::Quantity(|row| row.repurposed),
            14.0,
        ),
        column("Xuất khẩu", Content::Quantity(|row| row.outflow), 14.0),
        column("Xuất khác", Content::Quantity(|row| row.other), 14.0),
        column("Tồn cuối kỳ", Content::Quantity(|row| row.closing), 14.0),
        column("Ghi chú", Content::Note, 16.0),
    ],
};

// TODO: only the templates of Circular 39/2018 are written. Circular 121/2025 brings new ones
// for forms 15 and 15a from 2026-02-01; until they are added here, keyed by that date, a report
// for a later period prints on the old layout and may be refused by customs.
static LAYOUTS: [&Layout; 2] = [&MATERIALS, &PRODUCTS];

const PREPARER: [&str; 2] = ["Người lập", "(Ký, ghi rõ họ tên)"];
const SIGNATORY: [&str; 3] = [
    "Ngày ..... tháng ..... năm ..........",
    "Người đại diện theo pháp luật của doanh nghiệp",
    "(Ký, đóng dấu, ghi rõ họ tên)",
];

// ---------------------------------------------------------------------------------------------
// The report both writers draw.

struct Report<'a> {
    heading: &'a ReportHeading,
    tables: Vec<Table<'a>>,
    /// Decimals every quantity is shown with.
    decimals: u32,
}

struct Table<'a> {
    layout: &'static Layout,
    lines: Vec<Line<'a>>,
}

struct Line<'a> {
    row: &'a FiledRow,
    label: Option<&'a ItemLabel>,
}

impl<'a> Report<'a> {
    fn build(
        heading: &'a ReportHeading,
        labels: &'a ItemLabels,
        rows: &'a [FiledRow],
    ) -> Result<Self, ExportError> {
        if heading.period_from > heading.period_to {
            return Err(ExportError::Period {
                from: heading.period_from,
                to: heading.period_to,
            });
        }
        let mut decimals = 0;
        for row in rows {
            decimals = decimals.max(check_row(row)?);
        }
        check_codes_once(rows)?;

        let tables: Vec<Table<'a>> = LAYOUTS
            .iter()
            .map(|layout| Table::of(layout, labels, rows))
            .filter(|table| !table.lines.is_empty())
            .collect();
        if tables.is_empty() {
            return Err(ExportError::NoRows);
        }
        Ok(Report {
            heading,
            tables,
            decimals,
        })
    }
}

impl<'a> Table<'a> {
    /// The rows of one form, in the order given.
    fn of(layout: &'static Layout, labels: &'a ItemLabels, rows: &'a [FiledRow]) -> Self {
        let lines = rows
            .iter()
            .filter(|row| row.form == layout.form)
            .map(|row| Line {
                row,
                label: labels.get(row.form, &row.code),
            })
            .collect();
        Table { layout, lines }
    }
}

/// Each form has one row per code.
fn check_codes_once(rows: &[FiledRow]) -> Result<(), ExportError> {
    let mut seen = HashSet::new();
    for row in rows {
        if !seen.insert((row.form.name(), row.code.as_str())) {
            return Err(ExportError::DuplicateCode {
                form: row.form,
                code: row.code.clone(),
            });
        }
    }
    Ok(())
}

/// Checks that a row can be written and read back as it is; returns its most decimals.
fn check_row(row: &FiledRow) -> Result<u32, ExportError> {
    let readable = !row.code.is_empty()
        && row.code.trim() == row.code
        && !is_column_number(&row.code)
        && !is_total(&row.code);
    if !readable {
        return Err(ExportError::Code {
            form: row.form,
            code: row.code.clone(),
        });
    }
    if row.form == Form::Products && !row.issued.is_zero() {
        return Err(ExportError::ProductIssued {
            code: row.code.clone(),
            value: row.issued,
        });
    }
    let layout = layout_of(row.form);
    let mut decimals = 0;
    for column in layout.columns {
        if let Content::Quantity(value_of) = column.content {
            decimals = decimals.max(check_quantity(row, column.header, value_of(row))?);
        }
    }
    Ok(decimals)
}

fn check_quantity(
    row: &FiledRow,
    column: &'static str,
    value: Decimal,
) -> Result<u32, ExportError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ExportError::Negative {
            form: row.form,
            code: row.code.clone(),
            column,
            value,
        });
    }
    let decimals = value.normalize().scale();
    if decimals > QUANTITY_DECIMALS_MAX || spreadsheet_number(value).is_none() {
        return Err(too_precise(row, column, value));
    }
    Ok(decimals)
}

fn too_precise(row: &FiledRow, column: &'static str, value: Decimal) -> ExportError {
    ExportError::Precision {
        form: row.form,
        code: row.code.clone(),
        column,
        value,
    }
}

/// The binary float a spreadsheet stores for a quantity, if it reads back as the same decimal:
/// the reader takes a float as its shortest round-trip text, and so does this check.
fn spreadsheet_number(value: Decimal) -> Option<f64> {
    let number: f64 = value.to_string().parse().ok()?;
    let back: Decimal = number.to_string().parse().ok()?;
    (number.is_finite() && back == value).then_some(number)
}

fn layout_of(form: Form) -> &'static Layout {
    match form {
        Form::Materials => &MATERIALS,
        Form::Products => &PRODUCTS,
    }
}

fn report_title(report: &Report) -> String {
    let codes: Vec<&str> = report
        .tables
        .iter()
        .map(|table| table.layout.code)
        .collect();
    format!(
        "Báo cáo quyết toán {} – {}",
        codes.join(", "),
        report.heading.enterprise_name
    )
}

fn heading_lines(heading: &ReportHeading) -> Vec<String> {
    let mut lines = vec![
        format!("Tên tổ chức/cá nhân: {}", heading.enterprise_name),
        format!("Mã số thuế: {}", heading.enterprise_id),
    ];
    if !heading.address.trim().is_empty() {
        lines.push(format!("Địa chỉ: {}", heading.address));
    }
    lines
}

fn period_line(heading: &ReportHeading) -> String {
    format!(
        "Kỳ báo cáo: từ ngày {} đến ngày {}",
        heading.period_from.format("%d/%m/%Y"),
        heading.period_to.format("%d/%m/%Y")
    )
}

/// A cell's text as printed; quantities the Vietnamese way, with `decimals` decimals.
fn cell_text(column: &Column, number: usize, line: &Line, decimals: u32) -> String {
    let blank = ItemLabel::default();
    let label = line.label.unwrap_or(&blank);
    match column.content {
        Content::Number => number.to_string(),
        Content::Code => line.row.code.clone(),
        Content::Name => label.name.clone(),
        Content::Unit => label.unit.clone(),
        Content::Note => label.note.clone(),
        Content::Quantity(value_of) => vietnamese_number(value_of(line.row), decimals),
    }
}

/// `1234567.5` as `1.234.567,50` for two decimals: dots between thousands, a decimal comma.
fn vietnamese_number(value: Decimal, decimals: u32) -> String {
    let text = format!("{:.*}", decimals as usize, value);
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (sign, digits) = match integer.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", integer),
    };
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    match fraction {
        "" => format!("{sign}{grouped}"),
        _ => format!("{sign}{grouped},{fraction}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The workbook.

/// The header row's index, from 0: the heading takes the seven rows above it.
const HEADER_ROW_XLSX: u32 = 7;
/// The workbook's code for A4 paper.
const PAPER_A4: u8 = 9;

struct Styles {
    plain: Format,
    form_code: Format,
    title: Format,
    period: Format,
    header: Format,
    column_number: Format,
    text: Format,
    centered: Format,
    quantity: Format,
    signature: Format,
}

impl Styles {
    fn new(decimals: u32) -> Self {
        let base = Format::new()
            .set_font_name("Times New Roman")
            .set_font_size(11);
        let cell = base.clone().set_border(FormatBorder::Thin);
        let quantity_format = match decimals {
            0 => "#,##0".to_string(),
            _ => format!("#,##0.{}", "0".repeat(decimals as usize)),
        };
        Styles {
            plain: base.clone(),
            form_code: base.clone().set_bold().set_align(FormatAlign::Right),
            title: base
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center),
            period: base.clone().set_align(FormatAlign::Center),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            column_number: cell.clone().set_italic().set_align(FormatAlign::Center),
            text: cell.clone().set_text_wrap(),
            centered: cell.clone().set_align(FormatAlign::Center),
            quantity: cell.set_num_format(quantity_format),
            signature: base
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::Top),
        }
    }
}

fn write_sheet(
    sheet: &mut Worksheet,
    heading: &ReportHeading,
    table: &Table,
    styles: &Styles,
) -> Result<(), ExportError> {
    let layout = table.layout;
    sheet.set_name(layout.sheet)?;
    for (index, column) in layout.columns.iter().enumerate() {
        sheet.set_column_width(index as u16, column.width)?;
    }
    write_sheet_heading(sheet, heading, layout, styles)?;
    write_sheet_header(sheet, layout, styles)?;

    let first_data_row = HEADER_ROW_XLSX + 2;
    for (index, line) in table.lines.iter().enumerate() {
        write_line(
            sheet,
            first_data_row + index as u32,
            index + 1,
            line,
            layout,
            styles,
        )?;
    }
    let end = first_data_row + table.lines.len() as u32;
    write_signatures(sheet, end + 1, layout, styles)?;

    // Print as the form is filed: A4 landscape, one page wide, the header on every page.
    sheet.set_paper_size(PAPER_A4);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(HEADER_ROW_XLSX, HEADER_ROW_XLSX + 1)?;
    sheet.set_freeze_panes(first_data_row, 0)?;
    Ok(())
}

fn write_sheet_heading(
    sheet: &mut Worksheet,
    heading: &ReportHeading,
    layout: &Layout,
    styles: &Styles,
) -> Result<(), ExportError> {
    let last = last_column(layout);
    for (row, text) in heading_lines(heading).iter().enumerate() {
        sheet.write_string_with_format(row as u32, 0, text, &styles.plain)?;
    }
    sheet.merge_range(0, last - 3, 0, last, layout.code, &styles.form_code)?;
    sheet.merge_range(4, 0, 4, last, layout.title, &styles.title)?;
    sheet.merge_range(5, 0, 5, last, &period_line(heading), &styles.period)?;
    sheet.set_row_height(4, 21)?;
    Ok(())
}

fn write_sheet_header(
    sheet: &mut Worksheet,
    layout: &Layout,
    styles: &Styles,
) -> Result<(), ExportError> {
    for (index, column) in layout.columns.iter().enumerate() {
        let at = index as u16;
        sheet.write_string_with_format(HEADER_ROW_XLSX, at, column.header, &styles.header)?;
        let number = format!("({})", index + 1);
        sheet.write_string_with_format(HEADER_ROW_XLSX + 1, at, number, &styles.column_number)?;
    }
    sheet.set_row_height(HEADER_ROW_XLSX, 60)?;
    Ok(())
}

fn write_line(
    sheet: &mut Worksheet,
    row: u32,
    number: usize,
    line: &Line,
    layout: &Layout,
    styles: &Styles,
) -> Result<(), ExportError> {
    for (index, column) in layout.columns.iter().enumerate() {
        let at = index as u16;
        match column.content {
            Content::Number => {
                sheet.write_number_with_format(row, at, number as f64, &styles.centered)?;
            }
            Content::Quantity(value_of) => {
                let value = value_of(line.row);
                let number = spreadsheet_number(value)
                    .ok_or_else(|| too_precise(line.row, column.header, value))?;
                sheet.write_number_with_format(row, at, number, &styles.quantity)?;
            }
            Content::Unit => {
                let text = cell_text(column, number, line, 0);
                sheet.write_string_with_format(row, at, text, &styles.centered)?;
            }
            Content::Code | Content::Name | Content::Note => {
                let text = cell_text(column, number, line, 0);
                sheet.write_string_with_format(row, at, text, &styles.text)?;
            }
        }
    }
    Ok(())
}

/// The signature block, under the table, out of the code column.
fn write_signatures(
    sheet: &mut Worksheet,
    row: u32,
    layout: &Layout,
    styles: &Styles,
) -> Result<(), ExportError> {
    let last = last_column(layout);
    let left = PREPARER.join("\n");
    let right = SIGNATORY.join("\n");
    sheet.merge_range(row, 0, row + 4, 2, &left, &styles.signature)?;
    sheet.merge_range(row, last - 3, row + 4, last, &right, &styles.signature)?;
    Ok(())
}

fn last_column(layout: &Layout) -> u16 {
    assert!(
        layout.columns.len() > 4,
        "a form has more than four columns"
    );
    (layout.columns.len() - 1) as u16
}

// ---------------------------------------------------------------------------------------------
// The PDF: fonts and measures.

/// A4 landscape, in points.
const PAGE_WIDTH_PT: f32 = 841.89;
const PAGE_HEIGHT_PT: f32 = 595.28;
/// 10 mm on every side.
const MARGIN_PT: f32 = 28.35;
const BODY_SIZE_PT: f32 = 8.0;
const HEADING_SIZE_PT: f32 = 9.0;
const TITLE_SIZE_PT: f32 = 13.0;
const FOOTER_SIZE_PT: f32 = 7.0;
/// Line spacing as a multiple of the font size.
const LEADING: f32 = 1.25;
const CELL_PADDING_PT: f32 = 2.5;
const RULE_WIDTH_PT: f32 = 0.5;
/// The space kept at the bottom of each page for the page number.
const FOOTER_HEIGHT_PT: f32 = 14.0;
/// The signature block: its lines and the room left to sign.
const SIGNATURE_HEIGHT_PT: f32 = 90.0;

/// A font to draw with and the same font's metrics to measure with.
struct Typeface {
    font: PdfFont,
    face: ttf_parser::Face<'static>,
}

impl Typeface {
    fn load(data: &'static [u8]) -> Result<Self, ExportError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|_| ExportError::Font)?;
        let font = PdfFont::new(data.into(), 0).ok_or(ExportError::Font)?;
        Ok(Typeface { font, face })
    }

    /// The advance of a text set in one line. Kerning is left out, so the shaped line drawn
    /// can be a hair narrower than measured, never enough to leave its column.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .filter_map(|letter| self.face.glyph_index(letter))
            .filter_map(|glyph| self.face.glyph_hor_advance(glyph))
            .map(u32::from)
            .sum();
        units as f32 * size / f32::from(self.face.units_per_em())
    }
}

struct Fonts {
    regular: Typeface,
    bold: Typeface,
}

impl Fonts {
    // TODO: DejaVu has Latin, Vietnamese, Greek and Cyrillic but no Chinese, Japanese or Korean;
    // a material named in those scripts prints as empty boxes. A fallback font would fix it
    // at the cost of some megabytes in the binary.
    fn load() -> Result<Self, ExportError> {
        Ok(Fonts {
            regular: Typeface::load(dejavu::sans_condensed::regular())?,
            bold: Typeface::load(dejavu::sans_condensed::bold())?,
        })
    }

    fn of(&self, weight: Weight) -> &Typeface {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

/// Breaks a text into lines no wider than `width`: at spaces, and inside a word only when the
/// word alone is wider. Line breaks in the text are kept.
fn wrap(text: &str, width: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if measure(&candidate) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = break_word(word, width, measure, &mut lines);
        }
        lines.push(line);
    }
    lines
}

/// Pushes the full-width pieces of a word too wide for a line; returns the rest.
fn break_word(
    word: &str,
    width: f32,
    measure: &dyn Fn(&str) -> f32,
    lines: &mut Vec<String>,
) -> String {
    let mut piece = String::new();
    for letter in word.chars() {
        piece.push(letter);
        if measure(&piece) > width && piece.chars().count() > 1 {
            piece.pop();
            lines.push(std::mem::replace(&mut piece, letter.to_string()));
        }
    }
    piece
}

// ---------------------------------------------------------------------------------------------
// The PDF: layout.

/// One cell, wrapped into lines.
struct Block {
    lines: Vec<String>,
    weight: Weight,
    align: Align,
    size: f32,
}

/// One row of the table, each cell laid out in its column.
struct PrintedRow {
    cells: Vec<Block>,
    height: f32,
}

/// One form's table laid out for the page, before it is cut into pages.
struct PrintedTable<'a> {
    fonts: &'a Fonts,
    layout: &'static Layout,
    heading: &'a ReportHeading,
    /// The left edge of each column and, last, the right edge of the table.
    edges: Vec<f32>,
    header: Vec<PrintedRow>,
    rows: Vec<PrintedRow>,
}

/// What one page shows of a table.
struct PageSpan {
    /// 1-based, and the count of the form's pages.
    number: usize,
    count: usize,
    heading: bool,
    rows: Range<usize>,
    signatures: bool,
}

impl<'a> PrintedTable<'a> {
    fn lay_out(report: &Report<'a>, table: &Table, fonts: &'a Fonts) -> Self {
        let layout = table.layout;
        let edges = column_edges(layout);
        let mut sheet = PrintedTable {
            fonts,
            layout,
            heading: report.heading,
            edges,
            header: Vec::new(),
            rows: Vec::with_capacity(table.lines.len()),
        };

        // The header row and the row of column numbers, repeated on every page.
        let headers: Vec<String> = layout
            .columns
            .iter()
            .map(|c| c.header.to_string())
            .collect();
        let numbers: Vec<String> = (1..=layout.columns.len())
            .map(|n| format!("({n})"))
            .collect();
        let header = sheet.lay_out_row(&headers, |_| (Weight::Bold, Align::Center));
        let numbers = sheet.lay_out_row(&numbers, |_| (Weight::Regular, Align::Center));
        sheet.header = vec![header, numbers];

        // The data rows.
        for (index, line) in table.lines.iter().enumerate() {
            let texts: Vec<String> = layout
                .columns
                .iter()
                .map(|column| cell_text(column, index + 1, line, report.decimals))
                .collect();
            let row = sheet.lay_out_row(&texts, |column| (Weight::Regular, body_align(column)));
            sheet.rows.push(row);
        }
        sheet
    }

    fn lay_out_row(
        &self,
        texts: &[String],
        style: impl Fn(&Column) -> (Weight, Align),
    ) -> PrintedRow {
        let cells: Vec<Block> = texts
            .iter()
            .zip(self.layout.columns)
            .enumerate()
            .map(|(index, (text, column))| {
                let (weight, align) = style(column);
                let width = self.edges[index + 1] - self.edges[index] - 2.0 * CELL_PADDING_PT;
                self.lay_out_cell(text, column, width, weight, align)
            })
            .collect();
        let lines = cells
            .iter()
            .map(|cell| cell.lines.len())
            .max()
            .unwrap_or(1)
            .max(1);
        PrintedRow {
            cells,
            height: lines as f32 * BODY_SIZE_PT * LEADING + 2.0 * CELL_PADDING_PT,
        }
    }

    /// A number (STT, a quantity) stays on one line, set smaller if it must; texts wrap.
    fn lay_out_cell(
        &self,
        text: &str,
        column: &Column,
        width: f32,
        weight: Weight,
        align: Align,
    ) -> Block {
        let face = self.fonts.of(weight);
        let is_number = matches!(column.content, Content::Number | Content::Quantity(_));
        if is_number && weight == Weight::Regular {
            let natural = face.width(text, BODY_SIZE_PT);
            let size = if natural > width {
                BODY_SIZE_PT * width / natural
            } else {
                BODY_SIZE_PT
            };
            return Block {
                lines: vec![text.to_string()],
                weight,
                align,
                size,
            };
        }
        let measure = |line: &str| face.width(line, BODY_SIZE_PT);
        Block {
            lines: wrap(text, width, &measure),
            weight,
            align,
            size: BODY_SIZE_PT,
        }
    }

    fn header_height(&self) -> f32 {
        self.header.iter().map(|row| row.height).sum()
    }

    /// The enterprise lines, the title with as much space above it, the period and a blank
    /// line before the table: what `draw_heading` puts on the first page.
    fn heading_height(&self) -> f32 {
        let lines = heading_lines(self.heading).len() as f32;
        lines * HEADING_SIZE_PT * LEADING
            + TITLE_SIZE_PT * 2.0
            + HEADING_SIZE_PT * LEADING
            + HEADING_SIZE_PT
    }

    /// Cuts the rows into pages; the signature block goes under the last row when it fits.
    fn pages(&self) -> Vec<PageSpan> {
        let bottom = PAGE_HEIGHT_PT - MARGIN_PT - FOOTER_HEIGHT_PT;
        let room = bottom - MARGIN_PT - self.header_height();
        let first_room = room - self.heading_height();
        let heights: Vec<f32> = self.rows.iter().map(|row| row.height).collect();
        let ranges = paginate(&heights, first_room, room);

        let last = ranges.last().cloned().unwrap_or(0..0);
        let last_room = if ranges.len() == 1 { first_room } else { room };
        let used: f32 = heights[last.clone()].iter().sum();
        let signatures_apart = used + SIGNATURE_HEIGHT_PT > last_room;
        let count = ranges.len() + usize::from(signatures_apart);

        let mut pages: Vec<PageSpan> = ranges
            .into_iter()
            .enumerate()
            .map(|(index, rows)| PageSpan {
                number: index + 1,
                count,
                heading: index == 0,
                signatures: !signatures_apart && index + 1 == count,
                rows,
            })
            .collect();
        if signatures_apart {
            pages.push(PageSpan {
                number: count,
                count,
                heading: false,
                rows: last.end..last.end,
                signatures: true,
            });
        }
        pages
    }
}

fn body_align(column: &Column) -> Align {
    match column.content {
        Content::Number | Content::Unit => Align::Center,
        Content::Quantity(_) => Align::Right,
        Content::Code | Content::Name | Content::Note => Align::Left,
    }
}

/// The page's width between the margins, shared out in proportion to the columns' widths.
fn column_edges(layout: &Layout) -> Vec<f32> {
    let total: f32 = layout.columns.iter().map(|column| column.width).sum();
    let scale = (PAGE_WIDTH_PT - 2.0 * MARGIN_PT) / total;
    let mut edges = vec![MARGIN_PT];
    let mut x = MARGIN_PT;
    for column in layout.columns {
        x += column.width * scale;
        edges.push(x);
    }
    edges
}

/// Cuts rows of the given heights into pages: `first_room` tall on the first page, `room` on
/// the others. A page holds at least one row, so that a row taller than a page still prints.
fn paginate(heights: &[f32], first_room: f32, room: f32) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut used = 0.0;
    for (index, height) in heights.iter().enumerate() {
        let limit = if pages.is_empty() { first_room } else { room };
        if index > start && used + height > limit {
            pages.push(start..index);
            start = index;
            used = 0.0;
        }
        used += height;
    }
    if start < heights.len() || pages.is_empty() {
        pages.push(start..heights.len());
    }
    pages
}

// ---------------------------------------------------------------------------------------------
// The PDF: drawing.

/// A font, a size and an alignment: how a line of text is set.
struct Pen<'f> {
    face: &'f Typeface,
    size: f32,
    align: Align,
}

impl Pen<'_> {
    /// Draws one line of text in black, `x` being its left end, center or right end.
    fn write(&self, surface: &mut Surface, x: f32, baseline: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        let width = self.face.width(text, self.size);
        let left = match self.align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        surface.set_fill(Some(Fill::default()));
        surface.draw_text(
            Point::from_xy(left, baseline),
            self.face.font.clone(),
            self.size,
            text,
            false,
            TextDirection::Auto,
        );
    }
}

fn draw_page(
    document: &mut Document,
    sheet: &PrintedTable,
    span: &PageSpan,
) -> Result<(), ExportError> {
    let settings = PageSettings::from_wh(PAGE_WIDTH_PT, PAGE_HEIGHT_PT)
        .ok_or_else(|| ExportError::Pdf("the page size is not valid".to_string()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let mut y = MARGIN_PT;

    if span.heading {
        y = draw_heading(&mut surface, sheet, y);
    }
    if !span.rows.is_empty() {
        let body = &sheet.rows[span.rows.clone()];
        let rows: Vec<&PrintedRow> = sheet.header.iter().chain(body).collect();
        y = draw_rows(&mut surface, sheet, &rows, y);
    }
    if span.signatures {
        draw_signatures(&mut surface, sheet.fonts, y + HEADING_SIZE_PT * LEADING);
    }
    draw_footer(&mut surface, sheet, span);

    surface.finish();
    page.finish();
    Ok(())
}

/// The enterprise lines and the form's code, the title, the period; returns the y under them.
fn draw_heading(surface: &mut Surface, sheet: &PrintedTable, top: f32) -> f32 {
    let fonts = sheet.fonts;
    let pen = |face, size, align| Pen { face, size, align };
    let (center, right) = (PAGE_WIDTH_PT / 2.0, PAGE_WIDTH_PT - MARGIN_PT);

    let mut y = top + HEADING_SIZE_PT;
    let code = pen(&fonts.bold, HEADING_SIZE_PT, Align::Right);
    code.write(surface, right, y, sheet.layout.code);
    let enterprise = pen(&fonts.regular, HEADING_SIZE_PT, Align::Left);
    for line in heading_lines(sheet.heading) {
        enterprise.write(surface, MARGIN_PT, y, &line);
        y += HEADING_SIZE_PT * LEADING;
    }
    y += TITLE_SIZE_PT;
    let title = pen(&fonts.bold, TITLE_SIZE_PT, Align::Center);
    title.write(surface, center, y, sheet.layout.title);
    y += TITLE_SIZE_PT;
    let period = pen(&fonts.regular, HEADING_SIZE_PT, Align::Center);
    period.write(surface, center, y, &period_line(sheet.heading));
    top + sheet.heading_height()
}

/// Rows with their rules; returns the y under the last.
fn draw_rows(surface: &mut Surface, sheet: &PrintedTable, rows: &[&PrintedRow], top: f32) -> f32 {
    let mut y = top;
    for row in rows {
        for (index, cell) in row.cells.iter().enumerate() {
            let (left, right) = (sheet.edges[index], sheet.edges[index + 1]);
            draw_block(surface, sheet.fonts, cell, (left, right), (y, row.height));
        }
        y += row.height;
    }
    draw_rules(surface, sheet, rows, top, y);
    y
}

/// A cell's lines between its column's edges, in the middle of its row's `(top, height)`.
fn draw_block(
    surface: &mut Surface,
    fonts: &Fonts,
    cell: &Block,
    (left, right): (f32, f32),
    (top, height): (f32, f32),
) {
    let x = match cell.align {
        Align::Left => left + CELL_PADDING_PT,
        Align::Center => (left + right) / 2.0,
        Align::Right => right - CELL_PADDING_PT,
    };
    let pen = Pen {
        face: fonts.of(cell.weight),
        size: cell.size,
        align: cell.align,
    };
    let text_height = cell.lines.len() as f32 * BODY_SIZE_PT * LEADING;
    let slack = (height - 2.0 * CELL_PADDING_PT - text_height).max(0.0);
    let mut baseline = top + CELL_PADDING_PT + slack / 2.0 + BODY_SIZE_PT;
    for line in &cell.lines {
        pen.write(surface, x, baseline, line);
        baseline += BODY_SIZE_PT * LEADING;
    }
}

/// The grid: a rule above and under every row and beside every column.
fn draw_rules(
    surface: &mut Surface,
    sheet: &PrintedTable,
    rows: &[&PrintedRow],
    top: f32,
    bottom: f32,
) {
    let (left, right) = (sheet.edges[0], sheet.edges[sheet.edges.len() - 1]);
    let mut path = PathBuilder::new();
    let mut y = top;
    path.move_to(left, y);
    path.line_to(right, y);
    for row in rows {
        y += row.height;
        path.move_to(left, y);
        path.line_to(right, y);
    }
    for x in &sheet.edges {
        path.move_to(*x, top);
        path.line_to(*x, bottom);
    }
    let Some(path) = path.finish() else {
        return;
    };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        width: RULE_WIDTH_PT,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

/// The preparer on the left, the enterprise's legal representative on the right; the line
/// naming the signer is bold.
fn draw_signatures(surface: &mut Surface, fonts: &Fonts, top: f32) {
    let quarter = (PAGE_WIDTH_PT - 2.0 * MARGIN_PT) / 4.0;
    let blocks = [
        (MARGIN_PT + quarter / 2.0, &PREPARER[..]),
        (PAGE_WIDTH_PT - MARGIN_PT - quarter, &SIGNATORY[..]),
    ];
    for (center, lines) in blocks {
        let mut y = top + HEADING_SIZE_PT;
        for line in lines {
            let face = if line.starts_with("Người") {
                &fonts.bold
            } else {
                &fonts.regular
            };
            let pen = Pen {
                face,
                size: HEADING_SIZE_PT,
                align: Align::Center,
            };
            pen.write(surface, center, y, line);
            y += HEADING_SIZE_PT * LEADING;
        }
    }
}

fn draw_footer(surface: &mut Surface, sheet: &PrintedTable, span: &PageSpan) {
    let text = format!(
        "{} · Trang {}/{}",
        sheet.layout.code, span.number, span.count
    );
    let pen = Pen {
        face: &sheet.fonts.regular,
        size: FOOTER_SIZE_PT,
        align: Align::Right,
    };
    pen.write(
        surface,
        PAGE_WIDTH_PT - MARGIN_PT,
        PAGE_HEIGHT_PT - MARGIN_PT,
        &text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_print_the_vietnamese_way() {
        let number = |text: &str, decimals| vietnamese_number(text.parse().unwrap(), decimals);
        assert_eq!(number("1234567.5", 2), "1.234.567,50");
        assert_eq!(number("1234.567", 3), "1.234,567");
        assert_eq!(number("0", 3), "0,000");
        assert_eq!(number("999", 0), "999");
        assert_eq!(number("1000", 0), "1.000");
        assert_eq!(number("-1000.5", 1), "-1.000,5");
    }

    #[test]
    fn long_texts_wrap_at_spaces_and_inside_overlong_words() {
        let measure = |text: &str| text.chars().count() as f32;
        assert_eq!(wrap("Tồn đầu kỳ", 10.0, &measure), ["Tồn đầu kỳ"]);
        assert_eq!(
            wrap("Xuất kho để sản xuất", 10.0, &measure),
            ["Xuất kho", "để sản", "xuất"]
        );
        assert_eq!(
            wrap("ABCDEFGHIJKL", 5.0, &measure),
            ["ABCDE", "FGHIJ", "KL"]
        );
        assert_eq!(wrap("", 5.0, &measure), Vec::<String>::new());
    }

    #[test]
    fn pages_hold_what_fits_and_at_least_one_row() {
        assert_eq!(paginate(&[1.0; 5], 2.0, 3.0), [0..2, 2..5]);
        assert_eq!(paginate(&[5.0, 1.0], 2.0, 3.0), [0..1, 1..2]);
        assert_eq!(paginate(&[], 2.0, 3.0), vec![Range { start: 0, end: 0 }]);
    }

    fn material(index: usize) -> FiledRow {
        FiledRow {
            form: Form::Materials,
            sheet: String::new(),
            row: 0,
            code: format!("NL{index:05}"),
            opening: Decimal::ZERO,
            inflow: Decimal::ZERO,
            outflow: Decimal::ZERO,
            repurposed: Decimal::ZERO,
            issued: Decimal::ZERO,
            other: Decimal::ZERO,
            closing: Decimal::ZERO,
        }
    }

    #[test]
    fn the_signatures_close_the_last_page_or_take_one_of_their_own() {
        let fonts = Fonts::load().unwrap();
        let date = |month| NaiveDate::from_ymd_opt(2025, month, 1).unwrap();
        let heading = ReportHeading {
            enterprise_id: "0312345678".to_string(),
            enterprise_name: "Công ty".to_string(),
            address: String::new(),
            period_from: date(1),
            period_to: date(12),
        };
        let labels = ItemLabels::new();
        let mut apart = 0;
        for count in 1..=80 {
            let rows: Vec<FiledRow> = (1..=count).map(material).collect();
            let report = Report::build(&heading, &labels, &rows).unwrap();
            let pages = PrintedTable::lay_out(&report, &report.tables[0], &fonts).pages();

            let printed: Vec<usize> = pages.iter().flat_map(|page| page.rows.clone()).collect();
            assert_eq!(printed, (0..count).collect::<Vec<_>>(), "{count} rows");
            let numbers: Vec<(usize, usize)> = pages.iter().map(|p| (p.number, p.count)).collect();
            let expected: Vec<(usize, usize)> =
                (1..=pages.len()).map(|n| (n, pages.len())).collect();
            assert_eq!(numbers, expected, "{count} rows");
            let signed: Vec<usize> = pages
                .iter()
                .filter(|p| p.signatures)
                .map(|p| p.number)
                .collect();
            assert_eq!(signed, [pages.len()], "{count} rows");
            let headed: Vec<usize> = pages
                .iter()
                .filter(|p| p.heading)
                .map(|p| p.number)
                .collect();
            assert_eq!(headed, [1], "{count} rows");
            apart += usize::from(pages[pages.len() - 1].rows.is_empty());
        }
        assert!(apart > 0, "the signatures never needed a page of their own");
    }

    #[test]
    fn a_quantity_is_writable_only_if_a_float_gives_it_back() {
        let number = |text: &str| spreadsheet_number(text.parse().unwrap());
        assert_eq!(number("1234.567"), Some(1234.567));
        assert_eq!(number("0"), Some(0.0));
        assert_eq!(number("12345678901234567.8"), None);
    }
}
