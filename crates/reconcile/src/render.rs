//! Renders a report as JSON, as a plain-text table or as an xlsx workbook.
//!
//! All three are pure: they return bytes or text and leave writing to the caller. JSON is the
//! reference format (pretty-printed, fields in declaration order, so stable byte for byte). The
//! table is for a terminal; the workbook has one sheet per section, with quantities as text so
//! that no decimal is rounded through a spreadsheet float.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::report::{Finding, MaterialRow, NotEvaluable, ProductRow, Report};

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the report as xlsx: {0}")]
    Xlsx(#[from] XlsxError),
}

/// Pretty JSON with a trailing newline.
pub fn json(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut bytes = serde_json::to_vec_pretty(report)?;
    bytes.push(b'\n');
    Ok(bytes)
}

const MATERIAL_HEADER: [&str; 14] = [
    "book",
    "code",
    "unit",
    "opening",
    "imported",
    "reexported",
    "repurposed",
    "issued_to_production",
    "other_issued",
    "closing",
    "closing_source",
    "consumed_by_exports",
    "consumed_by_production",
    "unexplained",
];

const PRODUCT_HEADER: [&str; 10] = [
    "book",
    "code",
    "unit",
    "opening",
    "produced",
    "repurposed",
    "exported",
    "other_out",
    "closing",
    "closing_source",
];

const FINDING_HEADER: [&str; 5] = ["rule", "severity", "book", "subject", "message"];

const NOT_EVALUABLE_HEADER: [&str; 4] = ["rule", "book", "subject", "missing"];

fn label<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn material_cells(row: &MaterialRow) -> Vec<String> {
    vec![
        row.book.code().to_string(),
        row.code.clone(),
        row.unit.code().to_string(),
        row.opening.clone(),
        row.imported.clone(),
        row.reexported.clone(),
        row.repurposed.clone(),
        row.issued_to_production.clone(),
        row.other_issued.clone(),
        row.closing.clone(),
        label(&row.closing_source),
        row.consumed_by_exports.clone(),
        row.consumed_by_production.clone(),
        row.unexplained.clone(),
    ]
}

fn product_cells(row: &ProductRow) -> Vec<String> {
    vec![
        row.book.code().to_string(),
        row.code.clone(),
        row.unit.code().to_string(),
        row.opening.clone(),
        row.produced.clone(),
        row.repurposed.clone(),
        row.exported.clone(),
        row.other_out.clone(),
        row.closing.clone(),
        label(&row.closing_source),
    ]
}

fn finding_cells(finding: &Finding) -> Vec<String> {
    vec![
        finding.rule.id().to_string(),
        label(&finding.severity),
        finding
            .book
            .map(|book| book.code().to_string())
            .unwrap_or_default(),
        finding.subject.clone(),
        finding.message.clone(),
    ]
}

fn not_evaluable_cells(entry: &NotEvaluable) -> Vec<String> {
    vec![
        entry.rule.id().to_string(),
        entry
            .book
            .map(|book| book.code().to_string())
            .unwrap_or_default(),
        entry.subject.clone(),
        entry.missing.clone(),
    ]
}

/// A plain-text rendering for a terminal.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let summary = report.summary;
    out.push_str(&format!(
        "Reconciliation {} to {} under {}\nBooks: {}\nFindings: {} critical, {} warning, {} info; \
         {} not evaluable\n",
        report.period.from,
        report.period.to,
        report.regulation,
        report
            .books
            .iter()
            .map(|book| book.code())
            .collect::<Vec<_>>()
            .join(", "),
        summary.critical,
        summary.warning,
        summary.info,
        summary.not_evaluable
    ));
    let materials: Vec<Vec<String>> = report.materials.iter().map(material_cells).collect();
    section(&mut out, "Materials (Mẫu 15)", &MATERIAL_HEADER, &materials);
    let products: Vec<Vec<String>> = report.products.iter().map(product_cells).collect();
    section(&mut out, "Products (Mẫu 15a)", &PRODUCT_HEADER, &products);
    let findings: Vec<Vec<String>> = report.findings.iter().map(finding_cells).collect();
    section(&mut out, "Findings", &FINDING_HEADER, &findings);
    let missing: Vec<Vec<String>> = report
        .not_evaluable
        .iter()
        .map(not_evaluable_cells)
        .collect();
    section(&mut out, "Not evaluable", &NOT_EVALUABLE_HEADER, &missing);
    out
}

fn section(out: &mut String, title: &str, header: &[&str], rows: &[Vec<String>]) {
    out.push_str(&format!("\n{title} ({})\n", rows.len()));
    if rows.is_empty() {
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|name| name.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    out.push_str(&line(&mut header.iter().copied()));
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    out.push_str(&line(&mut rule.iter().map(String::as_str)));
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
}

/// An xlsx workbook with the sheets Materials, Products, Findings and Not evaluable.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let materials: Vec<Vec<String>> = report.materials.iter().map(material_cells).collect();
    sheet(
        &mut workbook,
        &bold,
        "Materials",
        &MATERIAL_HEADER,
        &materials,
    )?;
    let products: Vec<Vec<String>> = report.products.iter().map(product_cells).collect();
    sheet(&mut workbook, &bold, "Products", &PRODUCT_HEADER, &products)?;
    let findings: Vec<Vec<String>> = report.findings.iter().map(finding_cells).collect();
    sheet(&mut workbook, &bold, "Findings", &FINDING_HEADER, &findings)?;
    let missing: Vec<Vec<String>> = report
        .not_evaluable
        .iter()
        .map(not_evaluable_cells)
        .collect();
    sheet(
        &mut workbook,
        &bold,
        "Not evaluable",
        &NOT_EVALUABLE_HEADER,
        &missing,
    )?;
    Ok(workbook.save_to_buffer()?)
}

fn sheet(
    workbook: &mut Workbook,
    bold: &Format,
    name: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<(), RenderError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    for (column, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, column_index(column), *title, bold)?;
    }
    for (row_index, row) in rows.iter().enumerate() {
        let row_number = u32::try_from(row_index + 1).unwrap_or(u32::MAX);
        for (column, cell) in row.iter().enumerate() {
            sheet.write_string(row_number, column_index(column), cell)?;
        }
    }
    Ok(())
}

fn column_index(column: usize) -> u16 {
    u16::try_from(column).expect("reports have fewer than 2^16 columns")
}
