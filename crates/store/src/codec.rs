//! The versioned value encoding shared by every table.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::StoreError;

/// Format byte written before every stored value.
pub const FORMAT_VERSION: u8 = 1;

/// Encodes a value as the format byte followed by its postcard encoding.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut bytes = vec![FORMAT_VERSION];
    postcard::to_io(value, &mut bytes).map_err(|error| StoreError::Encode(error.to_string()))?;
    Ok(bytes)
}

/// Decodes a stored value, naming the table and key if it is corrupt.
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    table: &'static str,
    key: impl FnOnce() -> String,
) -> Result<T, StoreError> {
    let corrupt = |reason: String, key: String| StoreError::Corrupt { table, key, reason };
    match bytes.split_first() {
        Some((&FORMAT_VERSION, body)) => match postcard::take_from_bytes::<T>(body) {
            Ok((value, [])) => Ok(value),
            Ok((_, rest)) => Err(corrupt(format!("{} trailing bytes", rest.len()), key())),
            Err(error) => Err(corrupt(error.to_string(), key())),
        },
        Some((version, _)) => Err(corrupt(format!("unknown format version {version}"), key())),
        None => Err(corrupt("empty value".into(), key())),
    }
}
