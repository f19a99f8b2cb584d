//! Installs the browser libraries the portal serves and embeds them in the binary.
//!
//! The pages load three libraries: `@hpke/core` (with `@hpke/common`) to seal norms to the
//! enclave in the browser, `exceljs` to read a Mẫu 16 workbook there, and `chart.js` for the
//! balance charts. They are npm packages pinned with their integrity hashes in
//! `web/package-lock.json`; this script installs exactly those (`npm ci`, no install scripts)
//! into the build's own folder and writes `vendor.rs`, a table of each served file and its bytes,
//! so the node binary serves them with no other step at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The files served under `/portal/vendor/`: (url prefix, folder or file in node_modules).
const SERVED: &[(&str, &str)] = &[
    ("hpke-core/", "@hpke/core/esm"),
    ("hpke-common/", "@hpke/common/esm"),
    ("exceljs.min.js", "exceljs/dist/exceljs.min.js"),
    ("chart.umd.min.js", "chart.js/dist/chart.umd.min.js"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    let web = manifest.join("web");
    for file in ["package.json", "package-lock.json"] {
        println!("cargo:rerun-if-changed=web/{file}");
    }
    let install = out.join("web");
    install_packages(&web, &install);
    let mut table = String::from("pub static VENDOR: &[(&str, &[u8])] = &[\n");
    for (url, source) in SERVED {
        let source = install.join("node_modules").join(source);
        for (path, file) in served_files(url, &source) {
            writeln!(
                table,
                "    ({path:?}, include_bytes!({:?})),",
                file.display()
            )
            .expect("writing to a string");
        }
    }
    table.push_str("];\n");
    std::fs::write(out.join("vendor.rs"), table).expect("writing vendor.rs");
}

/// Runs `npm ci` on a copy of the manifest and lock, unless that exact lock is installed.
fn install_packages(web: &Path, install: &Path) {
    let lock = std::fs::read(web.join("package-lock.json")).expect("reading web/package-lock.json");
    let installed = install.join("installed-lock.json");
    if std::fs::read(&installed).ok().as_deref() == Some(&lock[..]) {
        return;
    }
    std::fs::create_dir_all(install).expect("creating the install folder");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(web.join(file), install.join(file)).expect("copying the npm manifest");
    }
    let status = Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(install)
        .status();
    match status {
        Ok(status) if status.success() => {}
        other => panic!(
            "npm ci failed ({other:?}): building the portal installs its browser libraries \
             (crates/portal/web/package-lock.json) with Node.js's npm from the npm registry"
        ),
    }
    std::fs::write(installed, lock).expect("recording the installed lock");
}

/// The `.js` files under `source` (or `source` itself), each with the path it is served at.
fn served_files(url: &str, source: &Path) -> Vec<(String, PathBuf)> {
    if source.is_file() {
        return vec![(url.to_string(), source.to_path_buf())];
    }
    let mut files = Vec::new();
    let mut folders = vec![source.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).expect("reading an installed package");
        for entry in entries {
            let path = entry.expect("reading an installed package").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "js") {
                let relative = path.strip_prefix(source).expect("under its folder");
                files.push((format!("{url}{}", relative.display()), path));
            }
        }
    }
    files.sort();
    files
}
