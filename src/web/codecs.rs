//! The two compressors, Brotli and gzip, over a whole body in memory. Kept
//! free of the rest of Herald so that `build.rs` compiles this same file to
//! compress the static assets at build time.

use std::io::Write;

/// Brotli at `quality` (0–11), with a window of 4 MB (`lgwin` 22), more
/// than the largest page.
pub fn brotli(bytes: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        writer
            .write_all(bytes)
            .expect("writing to a Vec cannot fail");
    }
    out
}

/// gzip at `level` (0–9).
pub fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut writer = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(level),
    );
    writer
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    writer.finish().expect("writing to a Vec cannot fail")
}
