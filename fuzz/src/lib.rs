//! What the fuzz targets share.

/// The workbook readers catch a panic inside the spreadsheet libraries and answer with an
/// error, which is the behaviour under test; libFuzzer's hook would abort on the panic before
/// it is caught, so those targets put the default hook back. A panic the readers do not catch
/// still ends the run.
pub fn unwind_caught_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
}
