//! The material balance an enterprise page shows: the table, the charts and the findings of the
//! newest verdict, and how the unexplained quantities moved from one verdict to the next.
//!
//! # Design
//!
//! A verdict on the ledger names the SHA-256 of its report; the node keeps the report itself
//! (the enclave's redacted JSON, which states no norm) in `verdict_reports`. This module reads
//! those reports back into the few fields a page shows, so the page needs nothing the verdict did
//! not already publish. The charts are drawn in the browser by chart.js from a JSON attribute
//! (`static/balances.js`); the table beside them carries the same figures for anyone who cannot
//! see the chart, and for printing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bonded_forms::export::{self, ItemLabel, ItemLabels, ReportHeading};
use bonded_forms::{FiledRow, Form};
use bonded_ledger::Payload;
use bonded_model::{ItemKind, OrganizationId, OrganizationKind, VerdictRecord};
use bonded_node::Node;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use crate::pages::Refusal;

/// The parts of a redacted report the portal reads.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ReportView {
    pub period: PeriodView,
    pub materials: Vec<MaterialView>,
    #[serde(default)]
    pub products: Vec<ProductView>,
    #[serde(default)]
    pub findings: Vec<FindingView>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct PeriodView {
    pub from: bonded_model::NaiveDate,
    pub to: bonded_model::NaiveDate,
}

/// One row of Mẫu 15 as the report states it, quantities as exact decimal text.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct MaterialView {
    pub code: String,
    pub unit: String,
    pub opening: String,
    pub imported: String,
    pub reexported: String,
    pub repurposed: String,
    pub issued_to_production: String,
    pub other_issued: String,
    pub closing: String,
    pub consumed_by_exports: String,
    pub unexplained: String,
}

/// One row of Mẫu 15a as the report states it.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ProductView {
    pub code: String,
    pub opening: String,
    pub produced: String,
    pub repurposed: String,
    pub exported: String,
    pub other_out: String,
    pub closing: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct FindingView {
    pub rule: String,
    pub severity: String,
    pub subject: String,
    pub message: String,
    #[serde(default)]
    pub evidence: EvidenceView,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct EvidenceView {
    #[serde(default)]
    pub declaration_lines: Vec<String>,
    #[serde(default)]
    pub records: Vec<String>,
}

/// What the enterprise page shows of the balances.
pub(crate) struct Balances {
    pub period: String,
    pub materials: Vec<MaterialView>,
    pub findings: Vec<FindingView>,
    /// chart.js data for the newest balance and for the history, as JSON.
    pub chart: String,
}

/// The verdicts of an enterprise that have their report on this node, oldest first.
pub(crate) fn reports(
    node: &Node,
    enterprise: &OrganizationId,
) -> Result<Vec<(u64, ReportView)>, String> {
    let verdicts: Vec<(u64, VerdictRecord)> = crate::pages::channel_payloads(node, enterprise)?
        .into_iter()
        .filter_map(|(height, _, payload)| match payload {
            Payload::Verdict(verdict) => Some((height, verdict)),
            _ => None,
        })
        .collect();
    reports_of(node, &verdicts)
}

/// The reports of `verdicts` (with their block heights) that are on this node, in order: for a
/// caller that has decoded the channel already.
pub(crate) fn reports_of(
    node: &Node,
    verdicts: &[(u64, VerdictRecord)],
) -> Result<Vec<(u64, ReportView)>, String> {
    let mut reports = Vec::new();
    for (height, verdict) in verdicts {
        if let Some(report) = stored_report(node, verdict)? {
            reports.push((*height, report));
        }
    }
    Ok(reports)
}

fn stored_report(node: &Node, verdict: &VerdictRecord) -> Result<Option<ReportView>, String> {
    let text = node
        .store
        .report(&verdict.report_sha256)
        .map_err(|error| error.to_string())?;
    let Some(text) = text else {
        return Ok(None);
    };
    match serde_json::from_str(&text) {
        Ok(report) => Ok(Some(report)),
        Err(error) => {
            tracing::warn!(%error, "portal.report_unreadable");
            Ok(None)
        }
    }
}

/// The newest report's balances and findings, with the charts' data, or `None` before any
/// verdict has its report here.
pub(crate) fn balances(reports: &[(u64, ReportView)]) -> Option<Balances> {
    let (_, newest) = reports.last()?;
    // A figure the chart cannot draw is left out (null), never drawn as zero.
    let figure = |text: &str| text.parse::<f64>().ok();
    let series = |field: fn(&MaterialView) -> &String| -> Vec<Option<f64>> {
        newest
            .materials
            .iter()
            .map(|row| figure(field(row)))
            .collect()
    };
    let history: Vec<_> = newest
        .materials
        .iter()
        .map(|material| {
            let points: Vec<Option<f64>> = reports
                .iter()
                .map(|(_, report)| {
                    let row = report
                        .materials
                        .iter()
                        .find(|row| row.code == material.code);
                    row.and_then(|row| figure(&row.unexplained))
                })
                .collect();
            json!({ "label": material.code, "data": points })
        })
        .collect();
    let chart = json!({
        "materials": newest.materials.iter().map(|row| &row.code).collect::<Vec<_>>(),
        "imported": series(|row| &row.imported),
        "consumed": series(|row| &row.consumed_by_exports),
        "closing": series(|row| &row.closing),
        "unexplained": series(|row| &row.unexplained),
        "verdicts": reports.iter().map(|(height, _)| height).collect::<Vec<_>>(),
        "history": history,
    });
    Some(Balances {
        period: format!("{} – {}", newest.period.from, newest.period.to),
        materials: newest.materials.clone(),
        findings: newest.findings.clone(),
        chart: chart.to_string(),
    })
}

/// The finalization report forms of the newest verdict, for downloading.
struct Finalization {
    heading: ReportHeading,
    labels: ItemLabels,
    rows: Vec<FiledRow>,
}

/// Which file a download asks for.
#[derive(Clone, Copy)]
enum Format {
    Xlsx,
    Pdf,
}

/// `GET /portal/enterprises/{id}/report.xlsx`.
pub(crate) async fn download_xlsx(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    download(&node, &headers, &id, Format::Xlsx)
}

/// `GET /portal/enterprises/{id}/report.pdf`.
pub(crate) async fn download_pdf(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    download(&node, &headers, &id, Format::Pdf)
}

/// Mẫu 15 and 15a of the newest verdict, for customs officers and the enterprise itself.
fn download(node: &Node, headers: &HeaderMap, id: &str, format: Format) -> Response {
    let lang = crate::pages::lang(headers);
    let result =
        crate::pages::enterprise_session(node, headers, id).and_then(|session| match finalization(
            node, id,
        ) {
            Ok(Some(report)) => Ok(report),
            Ok(None) => Err(Refusal::NotFound(session)),
            Err(error) => {
                tracing::error!(%error, enterprise = %id, "portal.report_failed");
                Err(Refusal::Failed)
            }
        });
    let report = match result {
        Ok(report) => report,
        Err(refusal) => return refusal.respond(lang),
    };
    let (bytes, content_type, extension) = match format {
        Format::Xlsx => (
            export::report_xlsx(&report.heading, &report.labels, &report.rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Pdf => (
            export::report_pdf(&report.heading, &report.labels, &report.rows),
            "application/pdf",
            "pdf",
        ),
    };
    match bytes {
        Ok(bytes) => {
            let disposition = format!(
                "attachment; filename=\"{id}-{}.{extension}\"",
                report.heading.period_to
            );
            let headers = [
                (header::CONTENT_TYPE, content_type.to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ];
            (headers, bytes).into_response()
        }
        Err(error) => {
            tracing::error!(%error, enterprise = %id, "portal.report_render_failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn finalization(node: &Node, id: &str) -> Result<Option<Finalization>, String> {
    let organization = OrganizationId(id.to_string());
    let record = node
        .store
        .organization(&organization)
        .map_err(|error| error.to_string())?;
    let Some(record) = record else {
        return Ok(None);
    };
    let OrganizationKind::Enterprise { tax_code, .. } = &record.kind else {
        return Ok(None);
    };
    let mut labels = ItemLabels::new();
    let mut verdicts = Vec::new();
    for (height, _, payload) in crate::pages::channel_payloads(node, &organization)? {
        match payload {
            Payload::Item(item) => {
                let form = match item.kind {
                    ItemKind::Material => Form::Materials,
                    ItemKind::Product => Form::Products,
                };
                let label = ItemLabel {
                    name: item.name,
                    unit: item.unit.code().to_string(),
                    note: String::new(),
                };
                labels.insert(form, item.code, label);
            }
            Payload::Verdict(verdict) => verdicts.push((height, verdict)),
            _ => {}
        }
    }
    let reports = reports_of(node, &verdicts)?;
    let Some((_, newest)) = reports.last() else {
        return Ok(None);
    };
    let heading = ReportHeading {
        enterprise_id: tax_code.0.clone(),
        enterprise_name: record.name.clone(),
        address: String::new(),
        period_from: newest.period.from,
        period_to: newest.period.to,
    };
    let rows = filed_rows(newest)?;
    Ok(Some(Finalization {
        heading,
        labels,
        rows,
    }))
}

/// The report's balances as the rows of Mẫu 15 and 15a.
fn filed_rows(report: &ReportView) -> Result<Vec<FiledRow>, String> {
    let number = |text: &str| {
        text.parse::<Decimal>()
            .map_err(|_| format!("the report holds {text:?} where a quantity belongs"))
    };
    let mut rows = Vec::new();
    for (index, row) in report.materials.iter().enumerate() {
        rows.push(FiledRow {
            form: Form::Materials,
            sheet: Form::Materials.name().to_string(),
            row: index + 1,
            code: row.code.clone(),
            opening: number(&row.opening)?,
            inflow: number(&row.imported)?,
            outflow: number(&row.reexported)?,
            repurposed: number(&row.repurposed)?,
            issued: number(&row.issued_to_production)?,
            other: number(&row.other_issued)?,
            closing: number(&row.closing)?,
        });
    }
    for (index, row) in report.products.iter().enumerate() {
        rows.push(FiledRow {
            form: Form::Products,
            sheet: Form::Products.name().to_string(),
            row: index + 1,
            code: row.code.clone(),
            opening: number(&row.opening)?,
            inflow: number(&row.produced)?,
            outflow: number(&row.exported)?,
            repurposed: number(&row.repurposed)?,
            issued: Decimal::ZERO,
            other: number(&row.other_out)?,
            closing: number(&row.closing)?,
        });
    }
    Ok(rows)
}
