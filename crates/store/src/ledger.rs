//! Ledger tables: applying a batch atomically, and reading blocks, transactions and heads.

use std::cell::RefCell;
use std::collections::HashMap;

use bonded_ledger::block::Receipt;
use bonded_ledger::state::{ChainInfo, ChannelHead, Decision, ItemEntry, Location, StateView};
use bonded_ledger::verify::StoredBatch;
use bonded_ledger::{apply_batch, Batch, BatchOutcome, Block, ChannelId, Hash, PublicKeyBytes};
use bonded_model::{OrganizationId, OrganizationRecord};
use redb::{ReadableTable, Table, TableDefinition, WriteTransaction};

use crate::codec::{decode, encode};
use crate::{Store, StoreError};

const BLOCKS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("blocks");
const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
const TRANSACTIONS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("transactions");
/// Keyed by the number's UTF-8 bytes: byte keys compare without re-checking UTF-8, and this
/// table is read and written once for every declaration.
const DECLARATIONS: TableDefinition<&[u8], &[u8; 32]> = TableDefinition::new("declarations");
const ORGANIZATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("organizations");
const KEYS: TableDefinition<&[u8; 32], &str> = TableDefinition::new("keys");
const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");
const CONTRACTS: TableDefinition<(&str, &str), ()> = TableDefinition::new("contracts");
const HEADS: TableDefinition<&str, &[u8]> = TableDefinition::new("heads");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const CHAIN_KEY: &str = "chain";

pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(BLOCKS)?;
    txn.open_table(BATCHES)?;
    txn.open_table(TRANSACTIONS)?;
    txn.open_table(DECLARATIONS)?;
    txn.open_table(ORGANIZATIONS)?;
    txn.open_table(KEYS)?;
    txn.open_table(ITEMS)?;
    txn.open_table(CONTRACTS)?;
    txn.open_table(HEADS)?;
    txn.open_table(META)?;
    Ok(())
}

/// A batch as applied: the decisions, and the signed blocks it produced.
#[derive(Clone, Debug)]
pub struct AppliedBatch {
    pub outcome: BatchOutcome,
}

impl AppliedBatch {
    /// Receipts for every decision, in batch order: `None` for rejected transactions.
    /// Each block's Merkle tree is built once, whatever the number of its transactions.
    pub fn receipts(&self) -> Vec<Option<Receipt>> {
        let hashes: Vec<Hash> = self.outcome.blocks.iter().map(Block::hash).collect();
        let position = |location: &Location| {
            self.outcome
                .blocks
                .iter()
                .position(|block| block.header.channel == location.channel)
        };
        self.outcome
            .decisions
            .iter()
            .map(|(hash, decision)| {
                let Decision::Accepted(location) = decision else {
                    return None;
                };
                let at = position(location)?;
                let tree = self.outcome.trees.get(at)?;
                let block = &self.outcome.blocks[at];
                Some(Receipt {
                    transaction_hash: *hash,
                    index: location.index,
                    header: block.header.clone(),
                    block_hash: hashes[at],
                    proof: tree.inclusion_proof(u64::from(location.index))?,
                    signatures: block.signatures.clone(),
                })
            })
            .collect()
    }
}

/// Builds a receipt for transaction `index` of `block`.
pub fn receipt_from_block(block: &Block, hash: Hash, index: u32) -> Option<Receipt> {
    let proof = block.merkle_tree().inclusion_proof(u64::from(index))?;
    Some(Receipt {
        transaction_hash: hash,
        index,
        header: block.header.clone(),
        block_hash: block.hash(),
        proof,
        signatures: block.signatures.clone(),
    })
}

/// The open tables of one write transaction, read by the state machine.
struct Tables<'txn> {
    organizations: Table<'txn, &'static str, &'static [u8]>,
    keys: Table<'txn, &'static [u8; 32], &'static str>,
    transactions: Table<'txn, &'static [u8; 32], &'static [u8]>,
    declarations: Table<'txn, &'static [u8], &'static [u8; 32]>,
    items: Table<'txn, (&'static str, &'static str), &'static [u8]>,
    contracts: Table<'txn, (&'static str, &'static str), ()>,
    heads: Table<'txn, &'static str, &'static [u8]>,
    meta: Table<'txn, &'static str, &'static [u8]>,
}

/// A read view over open tables that remembers the first storage failure.
struct TableView<'a, 'txn> {
    tables: &'a Tables<'txn>,
    failure: RefCell<Option<StoreError>>,
    /// Registry reads repeat for every transaction of a batch; they are cached per batch.
    chain: RefCell<Option<Option<ChainInfo>>>,
    organizations: RefCell<HashMap<OrganizationId, Option<OrganizationRecord>>>,
    keys: RefCell<HashMap<PublicKeyBytes, Option<OrganizationId>>>,
    /// Every declaration line looks up its item; a batch touches few distinct items.
    items: RefCell<HashMap<ChannelId, HashMap<String, Option<ItemEntry>>>>,
}

impl TableView<'_, '_> {
    fn keep<T>(&self, result: Result<Option<T>, StoreError>) -> Option<T> {
        match result {
            Ok(value) => value,
            Err(error) => {
                self.failure.borrow_mut().get_or_insert(error);
                None
            }
        }
    }
}

impl StateView for TableView<'_, '_> {
    fn chain(&self) -> Option<ChainInfo> {
        if let Some(cached) = self.chain.borrow().as_ref() {
            return cached.clone();
        }
        let chain = self.keep(read_value(&self.tables.meta, CHAIN_KEY, "meta"));
        *self.chain.borrow_mut() = Some(chain.clone());
        chain
    }

    fn organization_of_key(&self, key: &PublicKeyBytes) -> Option<OrganizationId> {
        if let Some(cached) = self.keys.borrow().get(key) {
            return cached.clone();
        }
        let found = self.tables.keys.get(key).map_err(StoreError::from);
        let id =
            self.keep(found.map(|guard| guard.map(|id| OrganizationId(id.value().to_string()))));
        self.keys.borrow_mut().insert(*key, id.clone());
        id
    }

    fn organization(&self, id: &OrganizationId) -> Option<OrganizationRecord> {
        if let Some(cached) = self.organizations.borrow().get(id) {
            return cached.clone();
        }
        let record = self.keep(read_value(
            &self.tables.organizations,
            id.as_str(),
            "organizations",
        ));
        self.organizations
            .borrow_mut()
            .insert(id.clone(), record.clone());
        record
    }

    fn transaction_seen(&self, hash: &Hash) -> bool {
        let found = self
            .tables
            .transactions
            .get(&hash.0)
            .map_err(StoreError::from);
        self.keep(found.map(|guard| guard.map(|_| ()))).is_some()
    }

    fn declaration_seen(&self, number: &str) -> bool {
        let found = self
            .tables
            .declarations
            .get(number.as_bytes())
            .map_err(StoreError::from);
        self.keep(found.map(|guard| guard.map(|_| ()))).is_some()
    }

    fn item(&self, channel: &ChannelId, code: &str) -> Option<ItemEntry> {
        let cached = self
            .items
            .borrow()
            .get(channel)
            .and_then(|codes| codes.get(code).copied());
        if let Some(entry) = cached {
            return entry;
        }
        let found = self.tables.items.get((channel.as_str(), code));
        let decoded = found.map_err(StoreError::from).and_then(|guard| {
            guard
                .map(|bytes| decode(bytes.value(), "items", || format!("{channel}/{code}")))
                .transpose()
        });
        let entry = self.keep(decoded);
        self.items
            .borrow_mut()
            .entry(channel.clone())
            .or_default()
            .insert(code.to_string(), entry);
        entry
    }

    fn contract_seen(&self, channel: &ChannelId, number: &str) -> bool {
        let found = self.tables.contracts.get((channel.as_str(), number));
        self.keep(
            found
                .map_err(StoreError::from)
                .map(|guard| guard.map(|_| ())),
        )
        .is_some()
    }

    fn head(&self, channel: &ChannelId) -> Option<ChannelHead> {
        self.keep(read_value(&self.tables.heads, channel.as_str(), "heads"))
    }
}

fn read_value<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    name: &'static str,
) -> Result<Option<T>, StoreError> {
    match table.get(key)? {
        Some(bytes) => decode(bytes.value(), name, || key.to_string()).map(Some),
        None => Ok(None),
    }
}

impl Store {
    /// Applies `batch` as batch number `sequence`, has `sign` sign each new block, writes the
    /// blocks, the state changes and `meta` entries in one durable transaction.
    pub fn apply_batch(
        &self,
        sequence: u64,
        batch: &Batch,
        sign: &dyn Fn(&mut Block),
        meta: &[(&str, Vec<u8>)],
    ) -> Result<AppliedBatch, StoreError> {
        let txn = self.db.begin_write()?;
        let mut outcome = {
            let mut tables = open_tables(&txn)?;
            let view = TableView {
                tables: &tables,
                failure: RefCell::new(None),
                chain: RefCell::new(None),
                organizations: RefCell::new(HashMap::new()),
                keys: RefCell::new(HashMap::new()),
                items: RefCell::new(HashMap::new()),
            };
            let outcome = apply_batch(&view, sequence, batch);
            if let Some(error) = view.failure.into_inner() {
                return Err(error);
            }
            write_changes(&mut tables, &outcome)?;
            for (key, value) in meta {
                tables.meta.insert(*key, value.as_slice())?;
            }
            outcome
        };
        for block in &mut outcome.blocks {
            sign(block);
        }
        write_blocks(&txn, sequence, &outcome.blocks)?;
        txn.commit()?;
        Ok(AppliedBatch { outcome })
    }

    /// Writes only `meta` entries, durably (used for ordering entries that carry no batch).
    pub fn put_meta(&self, entries: &[(&str, Vec<u8>)]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            for (key, value) in entries {
                meta.insert(*key, value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(key)?.map(|bytes| bytes.value().to_vec()))
    }

    pub fn chain(&self) -> Result<Option<ChainInfo>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(META)?;
        read_value(&table, CHAIN_KEY, "meta")
    }

    /// Every block of `channel`, from height 0 to its head.
    pub fn channel_blocks(&self, channel: &ChannelId) -> Result<Vec<Block>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let range = (channel.as_str(), 0u64)..=(channel.as_str(), u64::MAX);
        let mut blocks = Vec::new();
        for entry in table.range(range)? {
            let (key, bytes) = entry?;
            let (_, height) = key.value();
            blocks.push(decode(bytes.value(), "blocks", || {
                format!("{channel}/{height}")
            })?);
        }
        Ok(blocks)
    }

    pub fn block(&self, channel: &ChannelId, height: u64) -> Result<Option<Block>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let found = table.get((channel.as_str(), height))?;
        found
            .map(|bytes| decode(bytes.value(), "blocks", || format!("{channel}/{height}")))
            .transpose()
    }

    /// The transaction's location, block and receipt, if it was ordered.
    pub fn transaction(&self, hash: &Hash) -> Result<Option<(Location, Block)>, StoreError> {
        let location: Option<Location> = {
            let txn = self.db.begin_read()?;
            let table = txn.open_table(TRANSACTIONS)?;
            let found = table.get(&hash.0)?;
            found
                .map(|bytes| decode(bytes.value(), "transactions", || hash.to_hex()))
                .transpose()?
        };
        let Some(location) = location else {
            return Ok(None);
        };
        let block = self
            .block(&location.channel, location.height)?
            .ok_or_else(|| StoreError::Corrupt {
                table: "transactions",
                key: hash.to_hex(),
                reason: format!(
                    "names block {}/{} which is missing",
                    location.channel, location.height
                ),
            })?;
        Ok(Some((location, block)))
    }

    pub fn receipt(&self, hash: &Hash) -> Result<Option<(Block, Receipt)>, StoreError> {
        let Some((location, block)) = self.transaction(hash)? else {
            return Ok(None);
        };
        let receipt = receipt_from_block(&block, *hash, location.index);
        Ok(receipt.map(|receipt| (block, receipt)))
    }

    /// The organization a key is registered to.
    pub fn organization_of_key(
        &self,
        key: &PublicKeyBytes,
    ) -> Result<Option<OrganizationId>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(KEYS)?;
        let found = table.get(key)?;
        Ok(found.map(|id| OrganizationId(id.value().to_string())))
    }

    pub fn organization(
        &self,
        id: &OrganizationId,
    ) -> Result<Option<OrganizationRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ORGANIZATIONS)?;
        read_value(&table, id.as_str(), "organizations")
    }

    pub fn heads(&self) -> Result<Vec<(ChannelId, ChannelHead)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(HEADS)?;
        let mut heads = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let channel = key.value().to_string();
            let head = decode(value.value(), "heads", || channel.clone())?;
            heads.push((ChannelId(channel), head));
        }
        Ok(heads)
    }

    pub fn organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ORGANIZATIONS)?;
        let mut records = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            records.push(decode(value.value(), "organizations", || {
                key.value().to_string()
            })?);
        }
        Ok(records)
    }

    /// Every stored batch in order, with its blocks, for offline verification.
    pub fn batches(
        &self,
    ) -> Result<impl Iterator<Item = Result<StoredBatch, StoreError>> + '_, StoreError> {
        let txn = self.db.begin_read()?;
        let batches = txn.open_table(BATCHES)?;
        let blocks = txn.open_table(BLOCKS)?;
        let iter = batches.range::<u64>(..)?.map(move |entry| {
            let (key, value) = entry?;
            let sequence = key.value();
            let names: Vec<(String, u64)> =
                decode(value.value(), "batches", || sequence.to_string())?;
            let mut stored = StoredBatch {
                sequence,
                blocks: Vec::with_capacity(names.len()),
            };
            for (channel, height) in names {
                let bytes =
                    blocks
                        .get((channel.as_str(), height))?
                        .ok_or_else(|| StoreError::Corrupt {
                            table: "batches",
                            key: sequence.to_string(),
                            reason: format!("names block {channel}/{height} which is missing"),
                        })?;
                let block: Block =
                    decode(bytes.value(), "blocks", || format!("{channel}/{height}"))?;
                let header = &block.header;
                if header.channel.as_str() != channel || header.height != height {
                    return Err(StoreError::Corrupt {
                        table: "blocks",
                        key: format!("{channel}/{height}"),
                        reason: format!("header names block {}/{}", header.channel, header.height),
                    });
                }
                stored.blocks.push(block);
            }
            Ok(stored)
        });
        Ok(iter)
    }

    /// The stored bytes of a block, exactly as written.
    pub fn block_bytes(
        &self,
        channel: &ChannelId,
        height: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let found = table.get((channel.as_str(), height))?;
        Ok(found.map(|bytes| bytes.value().to_vec()))
    }

    /// Overwrites the stored bytes of a block. Only for repair tools and tamper tests: nothing
    /// checks the bytes, which is the point of `verify_chain`.
    pub fn overwrite_block_bytes(
        &self,
        channel: &ChannelId,
        height: u64,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(BLOCKS)?;
            table.insert((channel.as_str(), height), bytes)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Every entry of the transaction index, for cross-checking against a replay.
    pub fn transaction_index(&self) -> Result<Vec<(Hash, Location)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TRANSACTIONS)?;
        let mut entries = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let hash = Hash(*key.value());
            entries.push((
                hash,
                decode(value.value(), "transactions", || hash.to_hex())?,
            ));
        }
        Ok(entries)
    }
}

fn open_tables(txn: &WriteTransaction) -> Result<Tables<'_>, StoreError> {
    Ok(Tables {
        organizations: txn.open_table(ORGANIZATIONS)?,
        keys: txn.open_table(KEYS)?,
        transactions: txn.open_table(TRANSACTIONS)?,
        declarations: txn.open_table(DECLARATIONS)?,
        items: txn.open_table(ITEMS)?,
        contracts: txn.open_table(CONTRACTS)?,
        heads: txn.open_table(HEADS)?,
        meta: txn.open_table(META)?,
    })
}

fn write_changes(tables: &mut Tables<'_>, outcome: &BatchOutcome) -> Result<(), StoreError> {
    let changes = &outcome.changes;
    if let Some(chain) = &changes.chain {
        tables.meta.insert(CHAIN_KEY, encode(chain)?.as_slice())?;
    }
    for (id, record) in &changes.organizations {
        tables
            .organizations
            .insert(id.as_str(), encode(record)?.as_slice())?;
    }
    for (key, id) in &changes.keys {
        tables.keys.insert(key, id.as_str())?;
    }
    for (hash, location) in &changes.transactions {
        tables
            .transactions
            .insert(&hash.0, encode(location)?.as_slice())?;
    }
    for (number, hash) in &changes.declarations {
        tables.declarations.insert(number.as_bytes(), &hash.0)?;
    }
    for ((channel, code), entry) in &changes.items {
        tables
            .items
            .insert((channel.as_str(), code.as_str()), encode(entry)?.as_slice())?;
    }
    for (channel, number) in &changes.contracts {
        tables
            .contracts
            .insert((channel.as_str(), number.as_str()), ())?;
    }
    for (channel, head) in &changes.heads {
        tables
            .heads
            .insert(channel.as_str(), encode(head)?.as_slice())?;
    }
    Ok(())
}

fn write_blocks(txn: &WriteTransaction, sequence: u64, blocks: &[Block]) -> Result<(), StoreError> {
    if blocks.is_empty() {
        return Ok(());
    }
    let mut table = txn.open_table(BLOCKS)?;
    let mut names = Vec::with_capacity(blocks.len());
    for block in blocks {
        let channel = block.header.channel.as_str();
        table.insert((channel, block.header.height), encode(block)?.as_slice())?;
        names.push((channel.to_string(), block.header.height));
    }
    let mut batches = txn.open_table(BATCHES)?;
    batches.insert(sequence, encode(&names)?.as_slice())?;
    Ok(())
}
