//! The item catalogue: every material and product code, interned to a dense id.
//!
//! Codes are matched exactly, byte for byte after trimming blanks, never by similarity: a code
//! that is not in `items.csv` (directly or through `code_map.csv`) is an unknown item. The dense
//! ids let the balance keep its columns in plain vectors instead of maps keyed by strings.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use bonded_model::{ItemKind, Unit};
use serde::Serialize;

/// Dense id of an item: its position in `items.csv`.
pub type ItemId = u32;

/// One material or product of the enterprise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub code: String,
    pub kind: ItemKind,
    pub name: String,
    pub unit: Unit,
    pub hs_code: String,
}

/// A multiply-rotate hash for short keys. Keys come from the bundle, which the engine trusts
/// only as far as correctness goes: a hostile bundle could slow a lookup down, never change a
/// result.
#[derive(Default, Clone, Copy)]
pub(crate) struct ShortKeyHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for ShortKeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    /// Multiplication carries low bits upward only, and item codes differ in their last bytes,
    /// which land in the high bits of a word: a final avalanche spreads them to the low bits
    /// the table indexes by.
    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash
    }
}

impl ShortKeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<ShortKeyHasher>>;

/// The items of a bundle and the code aliases of `code_map.csv`.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    items: Vec<Item>,
    by_code: FastMap<Vec<u8>, ItemId>,
    aliases: FastMap<Vec<u8>, ItemId>,
}

impl Catalogue {
    /// Adds an item; `false` if its code is already taken.
    pub(crate) fn insert(&mut self, item: Item) -> bool {
        let id = ItemId::try_from(self.items.len()).expect("fewer than 2^32 items");
        let key = item.code.as_bytes().to_vec();
        if self.by_code.contains_key(&key) {
            return false;
        }
        self.by_code.insert(key, id);
        self.items.push(item);
        true
    }

    /// Records that `alias` names the item `id` in some files.
    pub(crate) fn alias(&mut self, alias: &[u8], id: ItemId) {
        self.aliases.insert(alias.to_vec(), id);
    }

    /// Finds an item by its code, or by a code mapped to it in `code_map.csv`.
    pub fn resolve(&self, code: &[u8]) -> Option<ItemId> {
        self.by_code
            .get(code)
            .or_else(|| self.aliases.get(code))
            .copied()
    }

    pub fn item(&self, id: ItemId) -> &Item {
        &self.items[id as usize]
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
