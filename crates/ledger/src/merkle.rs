//! RFC 6962 Merkle trees over a block's transactions.
//!
//! Leaves hash as `SHA-256(0x00 || leaf)` and interior nodes as `SHA-256(0x01 || left ||
//! right)`, so a leaf can never be passed off as a node. The tree is built level by level: nodes
//! are paired left to right and a last unpaired node moves up unchanged, which gives exactly the
//! root of RFC 6962's recursive definition (split at the largest power of two below the size).
//! Keeping every level makes each inclusion proof a walk up the levels with no extra hashing.
//! Proofs are checked with the algorithm of RFC 9162, section 2.1.3.2.

use sha2::{Digest, Sha256};

use crate::Hash;

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// Hashes a leaf's bytes with the leaf domain prefix.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(leaf);
    Hash(hasher.finalize().into())
}

/// Hashes two child nodes with the node domain prefix.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The root of the empty tree: the hash of no bytes.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// A Merkle tree with every level kept, leaves first.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// Builds the tree over already-hashed leaves.
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let next = next_level(levels.last().expect("checked above"));
            levels.push(next);
        }
        MerkleTree { levels }
    }

    /// The leaf hashes the tree was built over, in order.
    pub fn leaves(&self) -> &[Hash] {
        self.levels.first().map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn root(&self) -> Hash {
        match self.levels.last().and_then(|level| level.first()) {
            Some(root) => *root,
            None => empty_root(),
        }
    }

    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The audit path for leaf `index`, bottom up; `None` if there is no such leaf.
    pub fn inclusion_proof(&self, index: u64) -> Option<Vec<Hash>> {
        if index >= self.size() {
            return None;
        }
        let mut path = Vec::with_capacity(self.levels.len());
        let mut position = index as usize;
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = position ^ 1;
            if sibling < level.len() {
                path.push(level[sibling]);
            }
            position /= 2;
        }
        Some(path)
    }
}

fn next_level(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => node_hash(left, right),
            [single] => *single,
            _ => unreachable!("chunks(2) yields one or two nodes"),
        })
        .collect()
}

/// Checks that `leaf` sits at `index` in a tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let mut position = index;
    let mut last = size - 1;
    let mut running = *leaf;
    for sibling in path {
        if last == 0 {
            return false;
        }
        if position & 1 == 1 || position == last {
            running = node_hash(sibling, &running);
            while position & 1 == 0 && position != 0 {
                position >>= 1;
                last >>= 1;
            }
        } else {
            running = node_hash(&running, sibling);
        }
        position >>= 1;
        last >>= 1;
    }
    last == 0 && running == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's recursive definition, written out plainly to check the level-wise build.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let mut split = 1;
                while split * 2 < n {
                    split *= 2;
                }
                node_hash(
                    &reference_root(&leaves[..split]),
                    &reference_root(&leaves[split..]),
                )
            }
        }
    }

    fn leaves(count: usize) -> Vec<Hash> {
        (0..count).map(|i| leaf_hash(&[i as u8, 7])).collect()
    }

    #[test]
    fn roots_match_the_recursive_definition() {
        for count in 0..40 {
            let leaves = leaves(count);
            let tree = MerkleTree::from_leaf_hashes(leaves.clone());
            assert_eq!(tree.root(), reference_root(&leaves), "size {count}");
        }
    }

    #[test]
    fn every_proof_verifies_and_a_wrong_leaf_does_not() {
        for count in 1..34 {
            let tree = MerkleTree::from_leaf_hashes(leaves(count));
            let root = tree.root();
            for index in 0..count as u64 {
                let path = tree.inclusion_proof(index).unwrap();
                let leaf = leaves(count)[index as usize];
                assert!(verify_inclusion(index, count as u64, &leaf, &path, &root));
                let wrong = leaf_hash(b"forged");
                assert!(!verify_inclusion(index, count as u64, &wrong, &path, &root));
                let moved = (index + 1) % count as u64;
                if moved != index {
                    assert!(!verify_inclusion(moved, count as u64, &leaf, &path, &root));
                }
            }
        }
    }

    #[test]
    fn known_vector_for_the_empty_tree_and_domain_separation() {
        // SHA-256 of the empty string, as RFC 6962 defines the empty tree's root.
        assert_eq!(
            hex::encode(empty_root().0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // SHA-256(0x00): the hash of an empty leaf, from RFC 6962's test data.
        assert_eq!(
            hex::encode(leaf_hash(b"").0),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
