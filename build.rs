//! Compresses the static assets once, at build time: each text file of
//! `static/` (stylesheets, scripts, the logo, the OpenAPI document) gets a
//! Brotli copy at the best quality and a gzip copy at the best level, so
//! the server answers them compressed without compressing anything per
//! request. The copies go to `OUT_DIR`, with `static_files.rs`, a table of
//! the three versions of each file that `src/web/static_files.rs` includes.
//! Images are never recompressed: there are none in `static/`.

use std::fmt::Write as _;
use std::path::Path;

// The same compressors the server uses for pages.
#[path = "src/web/codecs.rs"]
mod codecs;

/// Brotli's best quality and gzip's best level: paid once per build, not
/// per request.
const BROTLI_QUALITY: u32 = 11;
const GZIP_LEVEL: u32 = 9;

/// The files served from `static/`, each compressed here.
const FILES: &[&str] = &[
    "style.css",
    "site.js",
    "logo.svg",
    "sw.js",
    "newsroom.css",
    "newsroom.js",
    "missed.js",
    "live.js",
    "openapi.json",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/web/codecs.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut table = String::from("pub static FILES: &[StaticFile] = &[\n");
    for name in FILES {
        let source = Path::new(&manifest).join("static").join(name);
        println!("cargo::rerun-if-changed={}", source.display());
        let bytes = std::fs::read(&source).expect("every listed static file exists");
        let brotli_path = Path::new(&out).join(format!("{name}.br"));
        let gzip_path = Path::new(&out).join(format!("{name}.gz"));
        std::fs::write(&brotli_path, codecs::brotli(&bytes, BROTLI_QUALITY))
            .expect("OUT_DIR is writable");
        std::fs::write(&gzip_path, codecs::gzip(&bytes, GZIP_LEVEL)).expect("OUT_DIR is writable");
        writeln!(
            table,
            "    StaticFile {{ name: {name:?}, identity: include_bytes!({:?}), \
             brotli: include_bytes!({:?}), gzip: include_bytes!({:?}) }},",
            source.display().to_string(),
            brotli_path.display().to_string(),
            gzip_path.display().to_string(),
        )
        .expect("writing to a String cannot fail");
    }
    table.push_str("];\n");
    std::fs::write(Path::new(&out).join("static_files.rs"), table).expect("OUT_DIR is writable");
}
