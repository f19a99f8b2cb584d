#![no_main]
//! A Mẫu 15/15a workbook as an upload brings it: .xlsx, .xls or XML spreadsheet.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bonded_fuzz::unwind_caught_panics();
    let _ = bonded_forms::read_report(data);
});
