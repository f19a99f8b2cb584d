//! A minimal DER writer: just the few ASN.1 types the simulated PCK certificate extension and
//! ECDSA signatures need. Decoding is left to the verifier's own parser, so a mistake here shows
//! up as a verification failure in the round-trip tests rather than being agreed with silently.

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OBJECT_IDENTIFIER: u8 = 0x06;
const TAG_ENUMERATED: u8 = 0x0a;
const TAG_SEQUENCE: u8 = 0x30;

/// Tag, definite length, content.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let len_bytes = (len as u64).to_be_bytes();
        let first = len_bytes.iter().position(|b| *b != 0).unwrap_or(7);
        out.push(0x80 | (8 - first) as u8);
        out.extend_from_slice(&len_bytes[first..]);
    }
    out.extend_from_slice(content);
    out
}

pub(crate) fn sequence(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &items.concat())
}

pub(crate) fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(TAG_OCTET_STRING, bytes)
}

/// A non-negative INTEGER from big-endian magnitude bytes, in minimal form.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    tlv(TAG_INTEGER, &minimal_unsigned(magnitude))
}

pub(crate) fn enumerated(value: u64) -> Vec<u8> {
    tlv(TAG_ENUMERATED, &minimal_unsigned(&value.to_be_bytes()))
}

pub(crate) fn object_identifier(arcs: &[u64]) -> Vec<u8> {
    assert!(
        arcs.len() >= 2,
        "an object identifier has at least two arcs"
    );
    assert!(
        arcs[0] <= 2,
        "the first arc of an object identifier is 0, 1 or 2"
    );
    let mut content = Vec::new();
    push_base128(&mut content, arcs[0] * 40 + arcs[1]);
    for arc in &arcs[2..] {
        push_base128(&mut content, *arc);
    }
    tlv(TAG_OBJECT_IDENTIFIER, &content)
}

/// An ECDSA signature given as fixed-width `r || s` in the DER `Ecdsa-Sig-Value` form that
/// X.509 signatures use.
pub(crate) fn ecdsa_signature(raw: &[u8; 64]) -> Vec<u8> {
    sequence(&[unsigned_integer(&raw[..32]), unsigned_integer(&raw[32..])])
}

fn minimal_unsigned(magnitude: &[u8]) -> Vec<u8> {
    let first = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len());
    let mut out = Vec::with_capacity(magnitude.len() - first + 1);
    // A set top bit would read as a negative number: prefix a zero byte.
    if magnitude.get(first).is_none_or(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(&magnitude[first..]);
    out
}

fn push_base128(out: &mut Vec<u8>, value: u64) {
    let mut groups = vec![(value & 0x7f) as u8];
    let mut rest = value >> 7;
    while rest > 0 {
        groups.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.extend(groups.iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_known_values() {
        // 1.2.840.113741.1.13.1, the Intel SGX extension.
        assert_eq!(
            hex::encode(object_identifier(&[1, 2, 840, 113741, 1, 13, 1])),
            "06092a864886f84d010d01"
        );
        assert_eq!(unsigned_integer(&[0, 0, 0x05]), vec![0x02, 0x01, 0x05]);
        assert_eq!(unsigned_integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(unsigned_integer(&[0, 0]), vec![0x02, 0x01, 0x00]);
        assert_eq!(enumerated(0), vec![0x0a, 0x01, 0x00]);
        let long = tlv(0x04, &[7; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
