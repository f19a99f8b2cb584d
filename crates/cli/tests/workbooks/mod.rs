//! Workbooks the portal tests upload, written as real offices produce them.
#![allow(dead_code)]

use std::path::Path;

use rust_decimal::Decimal;

use crate::common::get;

/// The spreadsheet row of the bad Mẫu 16 file whose norm cannot be read as a number.
pub const BAD_ROW: u32 = 6;

/// A Mẫu 16 of the small enterprise's actual norms (loss included), under a title, with one
/// norm as a formula and one domestic material; `bad_norm` replaces the copper norm's cell.
pub fn write_mau16(path: &std::path::Path, bad_norm: Option<&str>) {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Mẫu 16/ĐMTT-GSQL").unwrap();
    sheet
        .write(1, 0, "ĐỊNH MỨC THỰC TẾ ĐỂ SẢN XUẤT SẢN PHẨM")
        .unwrap();
    let header = [
        "STT",
        "Mã SP",
        "Tên SP",
        "ĐVT SP",
        "Mã NL, VT",
        "Tên NL, VT",
        "ĐVT NL, VT",
        "Định mức thực tế",
        "Ghi chú",
    ];
    for (column, text) in header.iter().enumerate() {
        sheet.write(3, column as u16, *text).unwrap();
    }
    let rows = [
        ("NL-PCB", "Printed circuit boards", "PCE", "1.01", ""),
        ("NL-COPPER", "Enamelled copper wire", "KGM", "formula", ""),
        ("NL-CASE", "Plastic adapter housings", "PCE", "1.01", ""),
        ("NL-LABEL", "Paper labels", "PCE", "1", "X"),
    ];
    for (index, (material, name, unit, norm, note)) in rows.iter().enumerate() {
        let row = 4 + index as u32;
        sheet.write(row, 0, (index + 1) as f64).unwrap();
        sheet.write(row, 1, "SP-ADAPTER").unwrap();
        sheet.write(row, 2, "Switching power adapters").unwrap();
        sheet.write(row, 3, "PCE").unwrap();
        sheet.write(row, 4, *material).unwrap();
        sheet.write(row, 5, *name).unwrap();
        sheet.write(row, 6, *unit).unwrap();
        match (*norm, bad_norm) {
            ("formula", Some(bad)) => {
                assert_eq!(row + 1, BAD_ROW);
                sheet.write(row, 7, bad).unwrap();
            }
            ("formula", None) => {
                let formula = Formula::new("=0.015*2").set_result("0.03");
                sheet.write_formula(row, 7, formula).unwrap();
            }
            (number, _) => {
                sheet.write(row, 7, number.parse::<f64>().unwrap()).unwrap();
            }
        }
        sheet.write(row, 8, *note).unwrap();
    }
    workbook.save(path).unwrap();
}

/// A Mẫu 15 of three materials under a title: one adds up, one has a code made of markup, and
/// one has a closing stock no one can read as a number.
pub fn write_mau15(path: &Path, markup_code: &str) {
    use rust_xlsxwriter::Workbook;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Mẫu 15/BCQT-NVL/GSQL").unwrap();
    sheet
        .write(
            1,
            0,
            "BÁO CÁO QUYẾT TOÁN NHẬP - XUẤT - TỒN KHO NGUYÊN LIỆU, VẬT TƯ",
        )
        .unwrap();
    let header = [
        "STT",
        "Mã NL,VT",
        "Tên NL,VT",
        "ĐVT",
        "Tồn đầu kỳ",
        "Nhập trong kỳ",
        "Tái xuất",
        "Chuyển mục đích sử dụng",
        "Xuất kho để sản xuất",
        "Xuất kho khác",
        "Tồn cuối kỳ",
        "Ghi chú",
    ];
    for (column, text) in header.iter().enumerate() {
        sheet.write(3, column as u16, *text).unwrap();
    }
    let rows: [(&str, [&str; 7]); 3] = [
        (
            "NL-COTTON",
            ["0", "360000", "0", "0", "349200", "0", "10800"],
        ),
        (markup_code, ["0", "100", "0", "0", "60", "0", "40"]),
        (
            "NL-THREAD",
            ["0", "3600", "0", "0", "3492", "0", "12,5 tấn"],
        ),
    ];
    for (index, (code, figures)) in rows.iter().enumerate() {
        let row = 4 + index as u32;
        sheet.write(row, 0, (index + 1) as f64).unwrap();
        sheet.write(row, 1, *code).unwrap();
        sheet.write(row, 3, "MTR").unwrap();
        for (offset, figure) in figures.iter().enumerate() {
            let column = 4 + offset as u16;
            match figure.parse::<f64>() {
                Ok(number) => sheet.write(row, column, number).unwrap(),
                Err(_) => sheet.write(row, column, *figure).unwrap(),
            };
        }
    }
    workbook.save(path).unwrap();
}

/// Every declaration recorded in `channel`, as the API shows their payloads.
pub fn ledger_declarations(url: &str, channel: &str) -> Vec<serde_json::Value> {
    let (_, channels) = get(url, "/v1/channels");
    let height = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|head| head["channel"] == channel)
        .map(|head| head["height"].as_u64().unwrap())
        .unwrap();
    let mut declarations = Vec::new();
    for block in 1..=height {
        let (_, view) = get(url, &format!("/v1/channels/{channel}/blocks/{block}"));
        for hash in view["transaction_hashes"].as_array().unwrap() {
            let (_, transaction) =
                get(url, &format!("/v1/transactions/{}", hash.as_str().unwrap()));
            if transaction["kind"] == "declaration" {
                declarations.push(transaction["body"]["payload"]["declaration"].clone());
            }
        }
    }
    assert!(!declarations.is_empty());
    declarations
}

/// The customs line extract of `declarations` as an XML spreadsheet saved under a .xls name,
/// with one import the ledger lacks and one whose quantity no one can read.
pub fn write_extract(path: &Path, declarations: &[serde_json::Value]) {
    let header = [
        "STT",
        "Số tờ khai",
        "Ngày đăng ký",
        "Mã loại hình",
        "Số dòng hàng",
        "Mã hàng",
        "Lượng",
        "ĐVT",
        "Đơn giá",
        "Trị giá",
    ];
    let mut rows = vec![header
        .iter()
        .map(|text| text.to_string())
        .collect::<Vec<_>>()];
    for declaration in declarations {
        for line in declaration["lines"].as_array().unwrap() {
            rows.push(extract_row(rows.len(), declaration, line));
        }
    }
    let extra = |number: &str, quantity: &str| {
        serde_json::json!({
            "number": number, "type_code": "E31", "date": "2026-12-20",
            "lines": [{ "line_number": 1, "item_code": "NL-COTTON", "quantity": quantity,
                        "unit": "MTR", "value_vnd": "52000000" }],
        })
    };
    let missing = extra("102202612999", "1000");
    let unreadable = extra("102202612998", "một nghìn");
    for declaration in [&missing, &unreadable] {
        let line = &declaration["lines"][0];
        rows.push(extract_row(rows.len(), declaration, line));
    }
    // STT, line number, quantity, price and value are number cells; the rest text.
    let numbers = [
        true, false, false, false, true, false, true, false, true, true,
    ];
    std::fs::write(path, spreadsheet_xml("BaoCaoHangChiTiet", &rows, &numbers)).unwrap();
}

fn extract_row(
    index: usize,
    declaration: &serde_json::Value,
    line: &serde_json::Value,
) -> Vec<String> {
    let text = |value: &serde_json::Value| value.as_str().unwrap().to_string();
    let date = text(&declaration["date"]);
    let (year, rest) = date.split_at(4);
    let (month, day) = (&rest[1..3], &rest[4..6]);
    let value: Decimal = text(&line["value_vnd"]).parse().unwrap();
    let price = match text(&line["quantity"]).parse::<Decimal>() {
        Ok(quantity) => (value / quantity).round_dp(4).normalize().to_string(),
        Err(_) => "52000".into(),
    };
    vec![
        index.to_string(),
        text(&declaration["number"]),
        format!("{day}/{month}/{year}"),
        text(&declaration["type_code"]),
        line["line_number"].to_string(),
        text(&line["item_code"]),
        text(&line["quantity"]),
        text(&line["unit"]),
        price,
        value.to_string(),
    ]
}

/// A SpreadsheetML 2003 workbook of one sheet; the cells of the `numbers` columns that read as
/// numbers are number cells, every other cell is text.
fn spreadsheet_xml(sheet: &str, rows: &[Vec<String>], numbers: &[bool]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook \
         xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" \
         xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">\n",
    );
    xml.push_str(&format!("<Worksheet ss:Name=\"{sheet}\"><Table>\n"));
    for row in rows {
        xml.push_str("<Row>");
        for (cell, number) in row.iter().zip(numbers) {
            let kind = match *number && cell.parse::<f64>().is_ok() {
                true => "Number",
                false => "String",
            };
            xml.push_str(&format!(
                "<Cell><Data ss:Type=\"{kind}\">{cell}</Data></Cell>"
            ));
        }
        xml.push_str("</Row>\n");
    }
    xml.push_str("</Table></Worksheet></Workbook>\n");
    xml
}
