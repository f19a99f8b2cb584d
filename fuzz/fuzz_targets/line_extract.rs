#![no_main]
//! A customs line extract as an upload brings it.

/// The readers catch a panic inside the spreadsheet libraries and answer with an error, which is
/// the behaviour under test; libFuzzer's hook would abort on the panic before it is caught, so
/// the target uses the default hook. A panic the readers do not catch still ends the run.
fn unwind_caught_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    unwind_caught_panics();
    let _ = bonded_forms::extract::read_extract(data);
});
