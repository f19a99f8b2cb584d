//! Every saved fuzz corpus (fuzz/corpus/<target>), replayed through the decoder its target
//! drives, on every test run: each input, including every one libFuzzer kept for reaching new
//! code, must give a value or an error and never a panic. Fuzzing itself runs on demand
//! (`fuzz/run.sh`, nightly); this keeps what it found from coming back.

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{} holds no corpus", folder.display());
    files
        .iter()
        .map(|file| std::fs::read(file).unwrap())
        .collect()
}

#[test]
fn transaction_envelopes() {
    for input in corpus("transaction_envelope") {
        if let Ok(envelope) = bonded_ledger::SignedTransaction::from_bytes(input) {
            let _ = envelope.decode();
        }
    }
}

#[test]
fn channel_blocks() {
    for input in corpus("channel_block") {
        let _ = bonded_ledger::channel::decode_block(&input, 0);
    }
}

#[test]
fn sgx_quotes() {
    for input in corpus("sgx_quote") {
        let _ = bonded_tee::quote::Quote::from_bytes(input);
    }
}

#[test]
fn norm_envelopes_and_openings() {
    for input in corpus("norm_envelope") {
        let _ = bonded_norms::SealedNorms::from_bytes(&input);
        let _ = bonded_norms::Opening::parse(&input);
    }
}

#[test]
fn report_workbooks() {
    for input in corpus("report_workbook") {
        let _ = bonded_forms::read_report(&input);
    }
}

#[test]
fn line_extracts() {
    for input in corpus("line_extract") {
        let _ = bonded_forms::extract::read_extract(&input);
    }
}
