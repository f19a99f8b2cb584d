//! `bonded demo`: a working single-node network on one machine.
//!
//! On the first run it makes keys for customs, the orderer and three enterprises (one of each
//! intake group), writes the genesis, registers the organizations and records a year of
//! realistic items, contracts, declarations and movements for each regime through the same
//! ordering path as the API. Later runs reopen the same folder. Either way it starts the customs
//! enclave ([`crate::demo_enclave`]), has every enterprise seal its norms to it, prints the
//! reconciliation in the clear beside the enclave's verdicts, serves the API and prints what to
//! try next.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use bonded_ledger::{ChannelId, Payload, SignedTransaction};
use bonded_model::{
    AttestationTrust, Contract, Decimal, Declaration, DeclarationLine, HsCode, Item, ItemKind,
    Movement, MovementKind, NaiveDate, Regime, Unit,
};
use bonded_node::Node;
use bonded_ordering::{OrdererSettings, SubmitOutcome};
use ed25519_dalek::SigningKey;

use crate::demo_enclave::DemoEnclave;
use crate::network::{self, Signer};
use crate::{demo_accounts, demo_enclave, demo_reports, keys};

pub const CHAIN_ID: &str = "bonded-demo";
const CUSTOMS_ID: &str = "CUSTOMS-HCM";
const DEMO_YEAR: i32 = 2026;
/// The demo's authorized economic operator, which runs an enclave of its own.
const AEO_ID: &str = "ENT-0301111111";

/// A demo enterprise and what it makes.
struct DemoEnterprise {
    id: &'static str,
    name: &'static str,
    tax_code: &'static str,
    aeo: bool,
    group: u8,
    regime: Regime,
    import_code: &'static str,
    export_code: &'static str,
    contract: Option<&'static str>,
    /// code, name, unit, HS code, monthly import quantity
    materials: &'static [(&'static str, &'static str, &'static str, &'static str, i64)],
    /// code, name, unit, HS code, monthly export quantity
    products: &'static [(&'static str, &'static str, &'static str, &'static str, i64)],
}

const ENTERPRISES: &[DemoEnterprise] = &[
    DemoEnterprise {
        id: "ENT-0301111111",
        name: "Saigon Footwear Export Processing Co., Ltd.",
        tax_code: "0301111111",
        aeo: true,
        group: 1,
        regime: Regime::ExportProcessingEnterprise,
        import_code: "E11",
        export_code: "E42",
        contract: None,
        materials: &[
            (
                "NL-LEATHER",
                "Bovine upper leather",
                "MTK",
                "41071200",
                9_000,
            ),
            (
                "NL-RUBBER",
                "Synthetic rubber for soles",
                "KGM",
                "40021990",
                4_000,
            ),
            ("NL-LACE", "Polyester laces", "MTR", "56090000", 24_000),
        ],
        products: &[(
            "SP-RUNNER",
            "Running shoes, leather uppers",
            "PR",
            "64039990",
            20_000,
        )],
    },
    DemoEnterprise {
        id: "ENT-0302222222",
        name: "Dong Nai Garment Joint Stock Company",
        tax_code: "0302222222",
        aeo: false,
        group: 2,
        regime: Regime::ExportProduction,
        import_code: "E31",
        export_code: "E62",
        contract: None,
        materials: &[
            (
                "NL-COTTON",
                "Woven cotton fabric, 150 cm",
                "MTR",
                "52081100",
                30_000,
            ),
            ("NL-THREAD", "Cotton sewing thread", "KGM", "52041100", 300),
            ("NL-BUTTON", "Plastic buttons", "PCE", "96062100", 120_000),
        ],
        products: &[
            ("SP-SHIRT", "Men's cotton shirts", "PCE", "62052000", 12_000),
            ("SP-JACKET", "Cotton jackets", "PCE", "62013000", 2_000),
        ],
    },
    DemoEnterprise {
        id: "ENT-0303333333",
        name: "Binh Duong Electronics Processing Co.",
        tax_code: "0303333333",
        aeo: false,
        group: 3,
        regime: Regime::Processing,
        import_code: "E21",
        export_code: "E52",
        contract: Some("HD-GC-2026-01"),
        materials: &[
            (
                "NL-PCB",
                "Printed circuit boards",
                "PCE",
                "85340090",
                50_000,
            ),
            (
                "NL-COPPER",
                "Enamelled copper wire",
                "KGM",
                "74081900",
                1_500,
            ),
            (
                "NL-CASE",
                "Plastic adapter housings",
                "PCE",
                "39269099",
                50_000,
            ),
        ],
        products: &[(
            "SP-ADAPTER",
            "Switching power adapters",
            "PCE",
            "85044019",
            48_000,
        )],
    },
];

/// Where the demo keeps its files.
struct Layout {
    data: PathBuf,
}

impl Layout {
    fn key(&self, name: &str) -> PathBuf {
        self.data.join("keys").join(format!("{name}.pem"))
    }

    /// The simulated vendor's secret, which both demo enclave platforms chain to.
    fn vendor(&self) -> PathBuf {
        self.data.join("simulated-vendor-secret")
    }

    fn node_data(&self) -> PathBuf {
        self.data.join("node")
    }
}

/// Runs the demo until interrupted.
pub async fn run(data: &Path, listen: SocketAddr) -> Result<()> {
    let layout = Layout {
        data: data.to_path_buf(),
    };
    let fresh = !layout.key("orderer").exists();
    let orderer_key = if fresh {
        create_keys(&layout)?
    } else {
        keys::read(&layout.key("orderer"))?
    };
    let listener = bonded_node::bind(listen).await?;
    let address = listener.local_addr().context("reading the bound address")?;
    let settings = OrdererSettings {
        node_id: 1,
        address: address.to_string(),
        clock: Arc::new(network::wall_clock_ms),
    };
    let node = Node::start(&layout.node_data(), orderer_key, settings).await?;
    let host = demo_enclave::start(
        &layout.data.join("enclave"),
        Some(&layout.vendor()),
        CHAIN_ID,
    )?;
    node.host_enclave(host.clone())?;
    if node.store.chain()?.is_none() {
        populate(&layout, &node, demo_enclave::trust(&host)?).await?;
    }
    write_node_config(&layout, address)?;
    demo_reports::write_norms(&layout.data, DEMO_YEAR)?;
    let reports = demo_reports::reconcile_all(&layout.data, &node.store)?;
    let enclaves = seal_all_norms(&layout, &node).await;
    let accounts = demo_accounts::ensure(&layout.data, &node)?;
    print_welcome(&layout, &node, address)?;
    demo_reports::print(&reports);
    match &enclaves {
        Ok((customs, own)) => {
            println!(
                "\nEnclaves (simulated SGX, test attestation policy): {} for customs, {} on {}'s \
                 premises.",
                customs.id, own.id, AEO_ID
            );
            let runs: Vec<(&str, Option<&demo_enclave::DemoEnclave>)> = ENTERPRISES
                .iter()
                .map(|enterprise| (enterprise.id, (enterprise.id == AEO_ID).then_some(own)))
                .collect();
            demo_enclave::print_clearances(&node, &runs).await;
            demo_enclave::print_comparison(&node, "6205", "ENT-0302222222").await;
        }
        Err(error) => println!("\nNo confidential verification: {error:#}"),
    }
    demo_accounts::print(&accounts, address);
    let mut signers = bonded_portal::Signers {
        chain_id: CHAIN_ID.into(),
        ..Default::default()
    };
    for organization in portal_signers() {
        let key = keys::read(&layout.key(key_name(organization)))?;
        signers.keys.insert(organization.into(), key);
    }
    let app = bonded_portal::app(node.clone(), signers);
    node.serve_app(listener, app, crate::shutdown_signal())
        .await?;
    Ok(())
}

/// Registers the customs enclave and the AEO's own, and seals every enterprise's norms: to the
/// customs enclave, and for the AEO to its own enclave as well.
async fn seal_all_norms(layout: &Layout, node: &Node) -> Result<(DemoEnclave, DemoEnclave)> {
    let customs = keys::read(&layout.key("customs"))?;
    // Nonces from the clock, so that records of a later run never repeat an earlier one's.
    let first_nonce = u64::try_from(network::wall_clock_ms()).unwrap_or(0) * 1000;
    let signer = Signer::new(CHAIN_ID, first_nonce);
    let customs_enclave = demo_enclave::register_customs(node, &signer, &customs).await?;
    let aeo_key = keys::read(&layout.key(AEO_ID))?;
    let aeo_host = demo_enclave::start(
        &layout.data.join("aeo-enclave"),
        Some(&layout.vendor()),
        CHAIN_ID,
    )?;
    let own = (
        &aeo_key,
        "ENCLAVE-AEO",
        "Saigon Footwear on-premises verifier (simulated SGX)",
    );
    let aeo_enclave = demo_enclave::register(node, &signer, own, aeo_host).await?;
    for enterprise in ENTERPRISES {
        let key = keys::read(&layout.key(enterprise.id))?;
        let norms = demo_reports::norms_path(&layout.data, enterprise.id);
        let party = (enterprise.id, &key, enterprise.regime);
        let mut targets = vec![&customs_enclave];
        if enterprise.id == AEO_ID {
            targets.push(&aeo_enclave);
        }
        demo_enclave::seal_norms(node, &signer, party, &targets, &norms).await?;
    }
    Ok((customs_enclave, aeo_enclave))
}

/// The id of the demo's customs organization.
pub fn customs_id() -> &'static str {
    CUSTOMS_ID
}

/// The ids of the demo enterprises.
pub fn enterprise_ids() -> impl Iterator<Item = &'static str> {
    ENTERPRISES.iter().map(|enterprise| enterprise.id)
}

fn create_keys(layout: &Layout) -> Result<SigningKey> {
    keys::generate(&layout.key("customs"))?;
    for enterprise in ENTERPRISES {
        keys::generate(&layout.key(enterprise.id))?;
    }
    keys::generate(&layout.key("orderer"))
}

/// Records the demo network's history through the ordering path.
async fn populate(layout: &Layout, node: &Node, attestation: AttestationTrust) -> Result<()> {
    let customs = keys::read(&layout.key("customs"))?;
    let orderer = keys::read(&layout.key("orderer"))?;
    let signer = Signer::new(CHAIN_ID, 1);

    let record = network::customs_record(CUSTOMS_ID, "Ho Chi Minh City Customs Department");
    let genesis = network::genesis(&signer, record, &customs, &[orderer], attestation)?;
    std::fs::write(layout.data.join("genesis.tx"), genesis.as_bytes())
        .context("writing genesis.tx")?;
    submit_all(node, vec![genesis]).await?;

    let mut registrations = Vec::new();
    for enterprise in ENTERPRISES {
        let key = keys::read(&layout.key(enterprise.id))?;
        let record = network::enterprise_record(
            enterprise.id,
            enterprise.name,
            enterprise.tax_code,
            enterprise.aeo,
            enterprise.group,
        )?;
        registrations.push(network::register(&signer, &customs, record, &key)?);
    }
    submit_all(node, registrations).await?;

    for (index, enterprise) in ENTERPRISES.iter().enumerate() {
        let key = keys::read(&layout.key(enterprise.id))?;
        let channel = ChannelId(enterprise.id.to_string());
        let own: Vec<SignedTransaction> = catalogue(enterprise)?
            .into_iter()
            .map(|payload| signer.sign(&key, channel.clone(), payload))
            .collect::<Result<_>>()?;
        submit_all(node, own).await?;
        let cleared: Vec<SignedTransaction> = declarations(enterprise, index)?
            .into_iter()
            .map(|payload| signer.sign(&customs, channel.clone(), payload))
            .collect::<Result<_>>()?;
        submit_all(node, cleared).await?;
        let moved: Vec<SignedTransaction> = movements(enterprise)?
            .into_iter()
            .map(|payload| signer.sign(&key, channel.clone(), payload))
            .collect::<Result<_>>()?;
        submit_all(node, moved).await?;
    }
    Ok(())
}

/// Orders `envelopes` through the node, failing on the first one refused.
pub async fn submit_all(node: &Node, envelopes: Vec<SignedTransaction>) -> Result<()> {
    for outcome in node.orderer.submit(envelopes).await {
        match outcome {
            SubmitOutcome::Accepted(_) => {}
            SubmitOutcome::Rejected(rejection) => bail!("demo data was refused: {rejection}"),
            SubmitOutcome::Unavailable(reason) => bail!("the ordering service failed: {reason}"),
        }
    }
    Ok(())
}

fn unit(code: &str) -> Result<Unit> {
    Ok(code.parse()?)
}

fn date(month: u32, day: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(DEMO_YEAR, month, day).context("a valid demo date")
}

/// The enterprise's item catalogue and, for gia công, its processing contract.
fn catalogue(enterprise: &DemoEnterprise) -> Result<Vec<Payload>> {
    let mut payloads = Vec::new();
    let materials = enterprise.materials.iter().map(|m| (m, ItemKind::Material));
    let products = enterprise.products.iter().map(|p| (p, ItemKind::Product));
    for ((code, name, unit_code, hs, _), kind) in materials.chain(products) {
        payloads.push(Payload::Item(Item {
            code: code.to_string(),
            kind,
            name: name.to_string(),
            unit: unit(unit_code)?,
            hs_code: HsCode(hs.to_string()),
        }));
    }
    if let Some(number) = enterprise.contract {
        payloads.push(Payload::Contract(Contract {
            number: number.to_string(),
            regime: enterprise.regime,
            foreign_party: "Shenzhen Bright Power Technology Ltd.".into(),
            valid_from: date(1, 1)?,
            valid_to: date(12, 31)?,
            products: enterprise
                .products
                .iter()
                .map(|p| p.0.to_string())
                .collect(),
        }));
    }
    Ok(payloads)
}

/// Seasonal factor in percent, so the months differ the way a real year does.
fn season(month: u32) -> i64 {
    [85, 80, 95, 100, 105, 110, 110, 115, 120, 110, 95, 75][(month - 1) as usize]
}

/// One import declaration per month and one export declaration per month.
fn declarations(enterprise: &DemoEnterprise, index: usize) -> Result<Vec<Payload>> {
    let mut payloads = Vec::new();
    for month in 1..=12u32 {
        let factor = season(month);
        let import = declaration(enterprise, index, month, true, factor)?;
        let export = declaration(enterprise, index, month, false, factor)?;
        payloads.push(Payload::Declaration(import));
        payloads.push(Payload::Declaration(export));
    }
    Ok(payloads)
}

fn declaration(
    enterprise: &DemoEnterprise,
    index: usize,
    month: u32,
    import: bool,
    factor: i64,
) -> Result<Declaration> {
    let (prefix, rows, type_code, day) = if import {
        (10, enterprise.materials, enterprise.import_code, 5)
    } else {
        (30, enterprise.products, enterprise.export_code, 20)
    };
    let lines = rows
        .iter()
        .enumerate()
        .map(|(position, (code, _, unit_code, _, monthly))| {
            let quantity = Decimal::from(monthly * factor) / Decimal::from(100);
            Ok(DeclarationLine {
                line_number: position as u32 + 1,
                item_code: code.to_string(),
                quantity,
                unit: unit(unit_code)?,
                value_vnd: quantity * Decimal::from(if import { 52_000 } else { 310_000 }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Declaration {
        number: format!("{prefix}{}{DEMO_YEAR}{month:02}{:03}", index + 1, 1),
        type_code: type_code.parse()?,
        date: date(month, day)?,
        contract: enterprise.contract.map(str::to_string),
        lines,
    })
}

/// Monthly issues to production and output, as a factory's warehouse reports them.
fn movements(enterprise: &DemoEnterprise) -> Result<Vec<Payload>> {
    let mut payloads = Vec::new();
    for month in 1..=12u32 {
        let factor = season(month);
        for (code, _, unit_code, _, monthly) in enterprise.materials {
            // Issues run slightly behind imports; the rest stays in the warehouse.
            let quantity = Decimal::from(monthly * factor * 97) / Decimal::from(10_000);
            payloads.push(movement(
                month,
                code,
                MovementKind::IssuedToProduction,
                quantity,
                unit_code,
            )?);
        }
        for (code, _, unit_code, _, monthly) in enterprise.products {
            let quantity = Decimal::from(monthly * factor) / Decimal::from(100);
            payloads.push(movement(
                month,
                code,
                MovementKind::Produced,
                quantity,
                unit_code,
            )?);
        }
    }
    Ok(payloads)
}

fn movement(
    month: u32,
    code: &str,
    kind: MovementKind,
    quantity: Decimal,
    unit_code: &str,
) -> Result<Payload> {
    Ok(Payload::Movement(Movement {
        date: date(month, 15)?,
        item_code: code.to_string(),
        kind,
        quantity,
        unit: unit(unit_code)?,
        reference: format!("PXK-{DEMO_YEAR}{month:02}-{code}"),
    }))
}

/// The organizations the portal signs for: customs (officers' decisions) and the enterprises of
/// intake group 3, small ones without IT that send their norms through the portal.
fn portal_signers() -> impl Iterator<Item = &'static str> {
    let small = ENTERPRISES
        .iter()
        .filter(|enterprise| enterprise.group == 3);
    std::iter::once(CUSTOMS_ID).chain(small.map(|enterprise| enterprise.id))
}

/// The name of an organization's key file under `keys/`.
fn key_name(organization: &str) -> &str {
    if organization == CUSTOMS_ID {
        "customs"
    } else {
        organization
    }
}

fn write_node_config(layout: &Layout, address: SocketAddr) -> Result<()> {
    let signers: String = portal_signers()
        .map(|organization| format!("{organization} = \"keys/{}.pem\"\n", key_name(organization)))
        .collect();
    let text = format!(
        "# Runs the demo network's node: bonded node --config {}\n\
         data_dir = \"node\"\nlisten = \"{address}\"\norderer_key = \"keys/orderer.pem\"\n\
         node_id = 1\ngenesis = \"genesis.tx\"\n\n[portal_signers]\n{signers}\n[enclave]\n\
         data_dir = \"enclave\"\nvendor_secret = \"simulated-vendor-secret\"\n",
        layout.data.join("node.toml").display()
    );
    std::fs::write(layout.data.join("node.toml"), text).context("writing node.toml")
}

fn print_welcome(layout: &Layout, node: &Node, address: SocketAddr) -> Result<()> {
    let url = format!("http://{address}");
    let heads = node.store.heads()?;
    let transactions: u64 = heads.iter().map(|(_, head)| head.transaction_count).sum();
    println!("bonded demo network is running at {url}");
    println!("  data folder: {}", layout.data.display());
    println!(
        "  chain: {CHAIN_ID}, {} channels, {transactions} transactions\n",
        heads.len()
    );
    println!("Organizations:");
    println!("  {:<16} {:<46} key file", "id", "name");
    println!(
        "  {:<16} {:<46} {}",
        CUSTOMS_ID,
        "Ho Chi Minh City Customs Department (customs)",
        layout.key("customs").display()
    );
    for enterprise in ENTERPRISES {
        let role = format!(
            "{} (group {}, {}{})",
            enterprise.name.chars().take(26).collect::<String>(),
            enterprise.group,
            enterprise.regime,
            if enterprise.aeo { ", AEO" } else { "" }
        );
        println!(
            "  {:<16} {:<46} {}",
            enterprise.id,
            role,
            layout.key(enterprise.id).display()
        );
    }
    println!("\nTry next:");
    println!("  curl {url}/v1/health");
    println!("  curl {url}/v1/channels");
    println!("  curl {url}/v1/openapi.json");
    println!(
        "  bonded submit --node {url} --key {} --enterprise ENT-0302222222 declarations.csv",
        layout.key("customs").display()
    );
    println!("  bonded query --node {url} tx <transaction hash from the submit output>");
    println!(
        "  bonded norms submit --node {url} --key {} {}",
        layout.key("ENT-0302222222").display(),
        demo_reports::norms_path(&layout.data, "ENT-0302222222").display()
    );
    println!("  bonded verdict --node {url} --enterprise ENT-0302222222 --period {DEMO_YEAR}");
    println!("  curl {url}/v1/enterprises/{AEO_ID}/clearance");
    println!(
        "  stop with Ctrl-C, then: bonded verify --data {}",
        layout.node_data().display()
    );
    Ok(())
}
