//! Files on which fuzzing (fuzz/, docs/reliability.md) made a workbook reader fail, kept with
//! the error they must give now. The saved corpora themselves are replayed by
//! crates/cli/tests/fuzz_corpus.rs.

use bonded_forms::extract::read_extract;
use bonded_forms::{read_report, FormError};

/// Found by the report_workbook target: a .xls whose compound-file header made calamine
/// assert. The file is now refused as damaged before calamine reads it, and a panic that still
/// came from calamine would be an error too (`workbook::guarded`).
#[test]
fn a_xls_that_made_calamine_assert_is_refused_as_damaged() {
    let bytes = include_bytes!("fixtures/fuzz/report-calamine-cfb-assert.xls");
    match read_report(bytes) {
        Err(FormError::Unreadable(reason)) => assert!(reason.contains("damaged"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(read_extract(bytes).is_err());
}

/// Found by the report_workbook target: a 7 KB .xls whose sector chain loops; calamine's reader
/// grew without bound on it (24 GB resident before the test was killed). It is refused as
/// damaged by the container check.
#[test]
fn a_workbook_that_asked_for_4_gib_is_refused_in_bounded_memory() {
    let bytes = include_bytes!("fixtures/fuzz/report-oom.bin");
    assert!(read_report(bytes).is_err());
    assert!(read_extract(bytes).is_err());
}
