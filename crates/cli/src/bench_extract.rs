//! `bonded bench extract`: reading a customs line extract (Báo cáo hàng chi tiết) of a given
//! size and recording its declarations on a fresh ledger.
//!
//! The extract is generated once per size and format and kept in `--dir` (`extract-70mb.xlsx`,
//! `extract-70mb.xls`), so later runs time the same file. It is one gia công enterprise's year
//! as the customs system prints it: fifteen columns (row number, declaration number, date as a
//! date cell, type code, customs office, contract, line number, item code, goods description,
//! HS code, origin, quantity, unit, unit price, value), E21 imports, E52 exports and B13
//! re-exports, 1 to 50 lines a declaration (about 13 on average) over 400 materials and 120
//! products. The .xlsx is written with rust_xlsxwriter, a sheet per million rows; the .xls is
//! an XML spreadsheet (Excel 2003), the other format customs exports, written directly.
//!
//! Then, timed:
//!
//! - **parse**: the file read from disk and [`bonded_forms::extract::read_extract`];
//! - **load**: every declaration recorded in the enterprise's channel, signed by customs, by
//!   [`bonded_portal::uploads::record_declarations`], the function the portal runs when an
//!   officer loads an extract: it signs a batch at a time while earlier batches are with the
//!   orderer, and returns when every declaration is ordered, applied and durably committed.
//!
//! Between the two, untimed: a single-node ledger started on redb in a scratch folder under
//! `--dir`, the genesis, customs and the enterprise registered, and the enterprise's item
//! catalogue (the extract's item codes, under one placeholder HS code) recorded, as it would
//! be before any declaration. `peak_rss_bytes` covers the whole process, generation included
//! when the run generated the file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use bonded_forms::extract::read_extract;
use bonded_ledger::{ChannelId, Payload};
use bonded_model::{BalanceColumn, Decimal, Declaration, HsCode, Item, ItemKind, NaiveDate, Unit};
use bonded_node::Node;
use bonded_ordering::OrdererSettings;
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

use crate::network::{self, Signer};
use crate::{bench, demo};

const CHAIN_ID: &str = "bonded-bench-extract";
const ENTERPRISE: &str = "ENT-0304444444";
const YEAR: i32 = 2026;
const MATERIALS: usize = 400;
const PRODUCTS: usize = 120;
const SEED: u64 = 2026;
/// Data rows per sheet of the .xlsx: Excel's limit is 1,048,576 rows.
const SHEET_ROWS_MAX: usize = 1_000_000;
/// Rows of the small workbook whose size per row sizes the real one.
const CALIBRATION_ROWS: usize = 20_000;

/// The workbook format of the generated extract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Office Open XML, written by rust_xlsxwriter.
    Xlsx,
    /// An XML spreadsheet (Excel 2003) under a .xls name, as customs exports it.
    XmlSpreadsheet,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::XmlSpreadsheet => "xls",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::XmlSpreadsheet => "xml-spreadsheet-xls",
        }
    }
}

/// Generates (or reuses) the extract, times parsing and loading it, prints one JSON line.
pub async fn run(size_mb: u64, dir: &Path, format: Format) -> Result<()> {
    let (path, generate_ms) = prepare(size_mb, dir, format)?;
    let (declarations, summary) = parse(&path)?;
    let (load, setup_ms) = load(dir, declarations).await?;
    let report = json!({
        "format": format.name(),
        "file": path.display().to_string(),
        "bytes": summary.bytes,
        "rows": summary.rows,
        "declarations": summary.declarations,
        "parse_ms": summary.parse_ms.round(),
        "load_ms": load.load_ms.round(),
        "total_ms": (summary.parse_ms + load.load_ms).round(),
        "setup_ms": setup_ms.round(),
        "generate_ms": generate_ms,
        "peak_rss_bytes": bench::peak_rss_bytes(),
    });
    println!("{report}");
    Ok(())
}

/// The extract's path, generated first if it is not there yet (and how long that took).
fn prepare(size_mb: u64, dir: &Path, format: Format) -> Result<(PathBuf, Option<u128>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("extract-{size_mb}mb.{}", format.extension()));
    if path.exists() {
        return Ok((path, None));
    }
    let started = Instant::now();
    // Written under another name first, so that an interrupted run leaves no half file to reuse.
    let partial = path.with_extension(format!("partial.{}", format.extension()));
    generate(&partial, size_mb * 1_000_000, format)?;
    std::fs::rename(&partial, &path).context("naming the generated extract")?;
    Ok((path, Some(started.elapsed().as_millis())))
}

/// Reads the file and its declarations, timed; the generated extract must have no error.
fn parse(path: &Path) -> Result<(Vec<Declaration>, Summary)> {
    let started = Instant::now();
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let extract = read_extract(&bytes).context("reading the extract")?;
    let parse_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(error) = extract.errors.first() {
        bail!("the generated extract has errors, the first: {error:?}");
    }
    let summary = Summary {
        bytes: bytes.len(),
        rows: extract.rows,
        declarations: extract.declarations.len(),
        parse_ms,
    };
    Ok((extract.declarations, summary))
}

/// What the JSON line says about the file and its parsing.
struct Summary {
    bytes: usize,
    rows: usize,
    declarations: usize,
    parse_ms: f64,
}

/// Time of the load, in milliseconds.
struct Load {
    load_ms: f64,
}

/// Records the declarations on a fresh ledger; returns the load's times and the setup's.
async fn load(dir: &Path, declarations: Vec<Declaration>) -> Result<(Load, f64)> {
    let started = Instant::now();
    let scratch = tempfile::tempdir_in(dir).context("creating the ledger's folder")?;
    let mut rng = rand::rngs::OsRng;
    let customs = SigningKey::generate(&mut rng);
    let orderer = SigningKey::generate(&mut rng);
    let settings = OrdererSettings {
        node_id: 1,
        address: "127.0.0.1:0".into(),
        clock: Arc::new(network::wall_clock_ms),
    };
    let node = Node::start(scratch.path(), orderer.clone(), settings).await?;
    let signer = Signer::new(CHAIN_ID, 1);
    register(&node, &signer, &customs, &orderer, &declarations).await?;
    let setup_ms = started.elapsed().as_secs_f64() * 1000.0;

    let started = Instant::now();
    let count = declarations.len();
    let recorded = bonded_portal::uploads::record_declarations(
        &node,
        CHAIN_ID,
        &customs,
        ENTERPRISE,
        declarations,
    )
    .await?;
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    node.orderer.shutdown().await;
    if recorded.accepted != count {
        bail!(
            "{} of {count} declarations were recorded: {:?}",
            recorded.accepted,
            recorded.refused
        );
    }
    Ok((Load { load_ms }, setup_ms))
}

/// Genesis, customs and the enterprise, and the enterprise's catalogue of the extract's items.
async fn register(
    node: &Node,
    signer: &Signer,
    customs: &SigningKey,
    orderer: &SigningKey,
    declarations: &[Declaration],
) -> Result<()> {
    bench::start_chain(node, signer, customs, orderer).await?;
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let record =
        network::enterprise_record(ENTERPRISE, "Benchmark enterprise", "0304444444", false, 2)?;
    let registration = network::register(signer, customs, record, &key)?;
    demo::submit_all(node, vec![registration]).await?;
    let channel = ChannelId(ENTERPRISE.into());
    let items = catalogue(declarations)
        .into_iter()
        .map(|item| signer.sign(&key, channel.clone(), Payload::Item(item)))
        .collect::<Result<Vec<_>>>()?;
    demo::submit_all(node, items).await?;
    Ok(())
}

/// The items the declarations name, each a material or a product by its lines' type codes.
fn catalogue(declarations: &[Declaration]) -> Vec<Item> {
    let mut items: BTreeMap<&str, (Unit, ItemKind)> = BTreeMap::new();
    for declaration in declarations {
        let kind = match declaration.type_code.column() {
            BalanceColumn::ProductExported | BalanceColumn::ProductReturned => ItemKind::Product,
            _ => ItemKind::Material,
        };
        for line in &declaration.lines {
            items.entry(&line.item_code).or_insert((line.unit, kind));
        }
    }
    items
        .into_iter()
        .map(|(code, (unit, kind))| Item {
            code: code.to_string(),
            kind,
            name: format!("Benchmark item {code}"),
            unit,
            hs_code: HsCode("52081100".into()),
        })
        .collect()
}

/// One good of the enterprise's catalogue.
struct Goods {
    code: String,
    name: String,
    hs_code: &'static str,
    unit: Unit,
    /// Unit price range in VND.
    prices: (i64, i64),
}

fn goods(rng: &mut StdRng) -> (Vec<Goods>, Vec<Goods>) {
    const MATERIAL_KINDS: [(&str, &str, Unit); 5] = [
        ("Vải dệt thoi từ bông, khổ 150 cm", "52081100", Unit::Metre),
        ("Chỉ may từ bông", "52041100", Unit::Kilogram),
        ("Cúc nhựa các loại", "96062100", Unit::Piece),
        ("Da bò thuộc, đã hoàn thiện", "41071200", Unit::SquareMetre),
        ("Hạt nhựa PP nguyên sinh", "39021040", Unit::Kilogram),
    ];
    const PRODUCT_KINDS: [(&str, &str, Unit); 3] = [
        ("Áo sơ mi nam vải bông", "62052000", Unit::Piece),
        ("Giày thể thao mũ da", "64039990", Unit::Pair),
        ("Bộ quần áo bảo hộ lao động", "62113390", Unit::Set),
    ];
    let mut make = |prefix: &str, count: usize, kinds: &[(&'static str, &'static str, Unit)]| {
        (0..count)
            .map(|index| {
                let (name, hs_code, unit) = kinds[index % kinds.len()];
                let low = rng.gen_range(1_000..200_000);
                Goods {
                    code: format!("{prefix}-{index:04}"),
                    name: format!("{name}, mã {prefix}-{index:04}"),
                    hs_code,
                    unit,
                    prices: (low, low * 5),
                }
            })
            .collect::<Vec<_>>()
    };
    let materials = make("NL", MATERIALS, &MATERIAL_KINDS);
    let products = make("SP", PRODUCTS, &PRODUCT_KINDS);
    (materials, products)
}

/// One row of the extract.
struct Row<'a> {
    index: usize,
    number: &'a str,
    date: NaiveDate,
    type_code: &'static str,
    office: &'static str,
    contract: &'a str,
    line: u32,
    goods: &'a Goods,
    origin: &'static str,
    quantity: Decimal,
    price: i64,
    value: Decimal,
}

const HEADER: [&str; 15] = [
    "STT",
    "Số tờ khai",
    "Ngày đăng ký",
    "Mã loại hình",
    "Mã HQ",
    "Số hợp đồng",
    "Số dòng hàng",
    "Mã hàng",
    "Tên hàng",
    "Mã HS",
    "Xuất xứ",
    "Lượng",
    "ĐVT",
    "Đơn giá",
    "Trị giá",
];
const TITLE: &str = "BÁO CÁO HÀNG CHI TIẾT TỜ KHAI XUẤT NHẬP KHẨU";

/// Where generated rows go.
trait Sink {
    fn row(&mut self, row: &Row<'_>) -> Result<()>;
    /// Bytes written so far, where the format tells before it is finished.
    fn bytes(&self) -> Option<u64>;
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Writes an extract of about `bytes` bytes to `path`.
fn generate(path: &Path, bytes: u64, format: Format) -> Result<()> {
    match format {
        Format::Xlsx => {
            let calibration = path.with_extension("calibration.xlsx");
            let sink = XlsxSink::new(calibration.clone());
            write_rows(Box::new(sink), Target::Rows(CALIBRATION_ROWS))?;
            let size = std::fs::metadata(&calibration)?.len();
            std::fs::remove_file(&calibration)?;
            let rows = bytes as f64 / (size as f64 / CALIBRATION_ROWS as f64);
            write_rows(
                Box::new(XlsxSink::new(path.to_path_buf())),
                Target::Rows(rows as usize),
            )
        }
        Format::XmlSpreadsheet => {
            let sink = XmlSink::new(path)?;
            write_rows(Box::new(sink), Target::Bytes(bytes))
        }
    }
}

/// When to stop generating.
#[derive(Clone, Copy)]
enum Target {
    Rows(usize),
    Bytes(u64),
}

/// Writes whole declarations until the target is reached.
fn write_rows(mut sink: Box<dyn Sink>, target: Target) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (materials, products) = goods(&mut rng);
    let mut generator = Generator {
        rng,
        materials,
        products,
        rows: 0,
    };
    for sequence in 0u64.. {
        let done = match target {
            Target::Rows(rows) => generator.rows >= rows,
            Target::Bytes(bytes) => sink.bytes().is_some_and(|written| written >= bytes),
        };
        if done {
            break;
        }
        generator.declaration(sequence, sink.as_mut())?;
    }
    sink.finish()
}

/// Makes up declarations: seven in ten E21 imports of materials, a quarter E52 exports of
/// products, the rest B13 re-exports of materials; 300 a day through the year.
struct Generator {
    rng: StdRng,
    materials: Vec<Goods>,
    products: Vec<Goods>,
    /// Rows written so far.
    rows: usize,
}

impl Generator {
    fn declaration(&mut self, sequence: u64, sink: &mut dyn Sink) -> Result<()> {
        let roll: f64 = self.rng.gen();
        let (type_code, prefix, catalogue) = match roll {
            r if r < 0.70 => ("E21", 10, &self.materials),
            r if r < 0.95 => ("E52", 30, &self.products),
            _ => ("B13", 30, &self.materials),
        };
        let number = format!("{prefix}{:010}", 5_000_000_000 + sequence);
        let day = (sequence / 300 % 365) as u32;
        let date = NaiveDate::from_yo_opt(YEAR, day + 1).context("a day of the year")?;
        let contract = format!("HD-GC-{YEAR}-{:02}", 1 + day / 31);
        // 1 to 50 lines, most declarations short: about 13 on average.
        let lines = 1 + (self.rng.gen::<f64>().powi(3) * 49.0) as u32;
        for line in 1..=lines {
            let goods = &catalogue[self.rng.gen_range(0..catalogue.len())];
            let (quantity, price, value) = amounts(&mut self.rng, goods);
            self.rows += 1;
            sink.row(&Row {
                index: self.rows,
                number: &number,
                date,
                type_code,
                office: ["02CI", "43NE", "47NB"][(sequence % 3) as usize],
                contract: &contract,
                line,
                goods,
                origin: ["CN", "KR", "JP", "TW", "TH", "US"][self.rng.gen_range(0..6)],
                quantity,
                price,
                value,
            })?;
        }
        Ok(())
    }
}

/// Quantity (whole for counted units, two decimals otherwise), unit price and value, in VND
/// rounded to the đồng.
fn amounts(rng: &mut StdRng, goods: &Goods) -> (Decimal, i64, Decimal) {
    let counted = matches!(goods.unit, Unit::Piece | Unit::Pair | Unit::Set);
    let quantity = if counted {
        Decimal::from(rng.gen_range(1..50_000))
    } else {
        Decimal::new(rng.gen_range(100..5_000_000), 2)
    };
    let price = rng.gen_range(goods.prices.0..=goods.prices.1);
    let value = (quantity * Decimal::from(price)).round();
    (quantity, price, value)
}

fn excel_serial(date: NaiveDate) -> f64 {
    let zero = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or(date);
    (date - zero).num_days() as f64
}

/// The .xlsx, a sheet per [`SHEET_ROWS_MAX`] rows, each with the title and the header.
struct XlsxSink {
    path: PathBuf,
    book: rust_xlsxwriter::Workbook,
    date: rust_xlsxwriter::Format,
    /// Sheet row of the next data row, on the newest sheet.
    next_row: u32,
    sheet_rows: usize,
}

impl XlsxSink {
    fn new(path: PathBuf) -> XlsxSink {
        XlsxSink {
            path,
            book: rust_xlsxwriter::Workbook::new(),
            date: rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy"),
            next_row: 0,
            sheet_rows: SHEET_ROWS_MAX,
        }
    }

    fn start_sheet(&mut self) -> Result<()> {
        let count = self.book.worksheets().len();
        let sheet = self.book.add_worksheet();
        sheet.set_name(format!("BCHCT-{}", count + 1))?;
        sheet.write_string(0, 0, TITLE)?;
        sheet.write_string(1, 0, format!("Năm {YEAR}"))?;
        for (column, text) in HEADER.iter().enumerate() {
            sheet.write_string(3, column as u16, *text)?;
        }
        self.next_row = 4;
        self.sheet_rows = 0;
        Ok(())
    }
}

impl Sink for XlsxSink {
    fn row(&mut self, row: &Row<'_>) -> Result<()> {
        if self.sheet_rows == SHEET_ROWS_MAX {
            self.start_sheet()?;
        }
        let at = self.next_row;
        let sheet = self.book.worksheets_mut().last_mut().context("a sheet")?;
        let float = |value: Decimal| value.to_f64().unwrap_or(f64::NAN);
        sheet.write_number(at, 0, row.index as f64)?;
        sheet.write_string(at, 1, row.number)?;
        sheet.write_number_with_format(at, 2, excel_serial(row.date), &self.date)?;
        sheet.write_string(at, 3, row.type_code)?;
        sheet.write_string(at, 4, row.office)?;
        sheet.write_string(at, 5, row.contract)?;
        sheet.write_number(at, 6, row.line)?;
        sheet.write_string(at, 7, &row.goods.code)?;
        sheet.write_string(at, 8, &row.goods.name)?;
        sheet.write_string(at, 9, row.goods.hs_code)?;
        sheet.write_string(at, 10, row.origin)?;
        sheet.write_number(at, 11, float(row.quantity))?;
        sheet.write_string(at, 12, row.goods.unit.code())?;
        sheet.write_number(at, 13, row.price as f64)?;
        sheet.write_number(at, 14, float(row.value))?;
        self.next_row += 1;
        self.sheet_rows += 1;
        Ok(())
    }

    fn bytes(&self) -> Option<u64> {
        None
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.book
            .save(&self.path)
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

/// The XML spreadsheet, one sheet, written as it goes.
struct XmlSink {
    out: std::io::BufWriter<std::fs::File>,
    written: u64,
}

impl XmlSink {
    fn new(path: &Path) -> Result<XmlSink> {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut sink = XmlSink {
            out: std::io::BufWriter::new(file),
            written: 0,
        };
        let mut head = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <?mso-application progid=\"Excel.Sheet\"?>\n\
             <Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\"\n \
             xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">\n <Styles>\n  \
             <Style ss:ID=\"d\"><NumberFormat ss:Format=\"dd/mm/yyyy\"/></Style>\n </Styles>\n \
             <Worksheet ss:Name=\"BaoCaoHangChiTiet\">\n  <Table>\n   \
             <Row><Cell ss:MergeAcross=\"14\">",
        );
        head.push_str(&format!(
            "<Data ss:Type=\"String\">{TITLE}</Data></Cell></Row>\n   <Row ss:Index=\"3\">"
        ));
        for text in HEADER {
            head.push_str(&xml_text(text));
        }
        head.push_str("</Row>\n");
        sink.write(&head)?;
        Ok(sink)
    }

    fn write(&mut self, text: &str) -> Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.written += text.len() as u64;
        Ok(())
    }
}

fn xml_text(text: &str) -> String {
    format!(
        "<Cell><Data ss:Type=\"String\">{}</Data></Cell>",
        text.replace('&', "&amp;").replace('<', "&lt;")
    )
}

fn xml_number(number: impl std::fmt::Display) -> String {
    format!("<Cell><Data ss:Type=\"Number\">{number}</Data></Cell>")
}

impl Sink for XmlSink {
    fn row(&mut self, row: &Row<'_>) -> Result<()> {
        let date = format!(
            "<Cell ss:StyleID=\"d\"><Data ss:Type=\"DateTime\">{}T00:00:00.000</Data></Cell>",
            row.date.format("%Y-%m-%d")
        );
        let cells = [
            xml_number(row.index),
            xml_text(row.number),
            date,
            xml_text(row.type_code),
            xml_text(row.office),
            xml_text(row.contract),
            xml_number(row.line),
            xml_text(&row.goods.code),
            xml_text(&row.goods.name),
            xml_text(row.goods.hs_code),
            xml_text(row.origin),
            xml_number(row.quantity),
            xml_text(row.goods.unit.code()),
            xml_number(row.price),
            xml_number(row.value),
        ];
        self.write(&format!("   <Row>{}</Row>\n", cells.concat()))
    }

    fn bytes(&self) -> Option<u64> {
        Some(self.written)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.write("  </Table>\n </Worksheet>\n</Workbook>\n")?;
        self.out.flush().context("writing the XML spreadsheet")
    }
}
