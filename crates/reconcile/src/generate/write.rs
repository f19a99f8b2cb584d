//! The CSV files of a generated bundle. Fields never hold commas or quotes, so they are written
//! as they are; item names are quoted because a generated name may one day hold a comma.

use std::io::Write;

use bonded_model::ItemKind;
use rust_decimal::Decimal;

use super::plan::Plan;

pub(super) fn files(plan: &Plan) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("items.csv", items(plan)),
        ("declarations.csv", declarations(plan)),
        ("norms.csv", norms(plan)),
        ("movements.csv", movements(plan)),
        ("opening.csv", opening(plan)),
        ("report.csv", report(plan)),
        ("facility.csv", facility(plan)),
    ]
}

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Material => "material",
        ItemKind::Product => "product",
    }
}

fn items(plan: &Plan) -> Vec<u8> {
    let mut out = b"code,kind,name,unit,hs_code\n".to_vec();
    for item in &plan.items {
        let _ = writeln!(
            out,
            "{},{},\"{}\",{},{}",
            item.code,
            kind_name(item.kind),
            item.name.replace('"', "\"\""),
            item.unit,
            item.hs_code
        );
    }
    out
}

fn declarations(plan: &Plan) -> Vec<u8> {
    let mut order: Vec<usize> = (0..plan.lines.len()).collect();
    order.sort_by_key(|&index| {
        let line = &plan.lines[index];
        (line.date, line.number, line.line_number)
    });
    let mut out = Vec::with_capacity(plan.lines.len() * 64);
    out.extend_from_slice(
        b"declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd\n",
    );
    for index in order {
        let line = &plan.lines[index];
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            line.number,
            line.type_code,
            line.date,
            line.line_number,
            plan.items[line.item].code,
            line.quantity,
            line.unit,
            line.value_vnd
        );
    }
    out
}

fn norms(plan: &Plan) -> Vec<u8> {
    let mut out =
        b"product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to\n"
            .to_vec();
    for (product, versions) in plan.versions.iter().enumerate() {
        for version in versions {
            let valid_to = version
                .valid_to
                .map(|date| date.to_string())
                .unwrap_or_default();
            for row in &version.rows {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    plan.items[product].code,
                    plan.items[row.material].code,
                    row.norm.normalize(),
                    row.loss_percent.normalize(),
                    row.convention.as_str(),
                    version.valid_from,
                    valid_to
                );
            }
        }
    }
    out
}

fn movements(plan: &Plan) -> Vec<u8> {
    let mut out = b"date,item_code,kind,quantity,unit,reference\n".to_vec();
    for movement in &plan.movements {
        let item = &plan.items[movement.item];
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            movement.date,
            item.code,
            movement.kind.as_str(),
            movement.quantity,
            item.unit,
            movement.reference
        );
    }
    out
}

fn opening(plan: &Plan) -> Vec<u8> {
    let mut out = b"item_code,quantity,unit\n".to_vec();
    for (item, quantity) in plan.items.iter().zip(&plan.opening) {
        if item.kind == ItemKind::Material {
            let _ = writeln!(out, "{},{},{}", item.code, quantity.normalize(), item.unit);
        }
    }
    out
}

fn report(plan: &Plan) -> Vec<u8> {
    let mut out = b"item_code,opening,imported,reexported,repurposed,issued_to_production,other_issued,closing\n".to_vec();
    for (item, row) in plan.items.iter().zip(&plan.filed) {
        let Some(row) = row else {
            continue;
        };
        let cells: Vec<String> = row
            .iter()
            .map(|value: &Decimal| value.normalize().to_string())
            .collect();
        let _ = writeln!(out, "{},{}", item.code, cells.join(","));
    }
    out
}

fn facility(plan: &Plan) -> Vec<u8> {
    let mut out = b"product_code,capacity_per_year,unit\n".to_vec();
    for (item, capacity) in plan.items.iter().zip(&plan.capacity) {
        if let Some(capacity) = capacity {
            let _ = writeln!(out, "{},{},{}", item.code, capacity, item.unit);
        }
    }
    out
}
