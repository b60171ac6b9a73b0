//! Recognising images by their content, not their names: only JPEG, PNG,
//! WebP, GIF and SVG are accepted as featured images.

/// The largest image Herald stores.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// An image format Herald serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageKind {
    pub content_type: &'static str,
    pub extension: &'static str,
}

/// The kind of image these bytes are, by their signature; `None` for
/// anything else.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageKind> {
    let kind = |content_type, extension| {
        Some(ImageKind {
            content_type,
            extension,
        })
    };
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return kind("image/jpeg", "jpg");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return kind("image/png", "png");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return kind("image/webp", "webp");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return kind("image/gif", "gif");
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if (head.starts_with("<svg") || head.starts_with("<?xml")) && head.contains("<svg") {
        return kind("image/svg+xml", "svg");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_signature() {
        assert_eq!(
            sniff_image(b"\xFF\xD8\xFF\xE0rest").map(|k| k.extension),
            Some("jpg")
        );
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\nrest").map(|k| k.extension),
            Some("png")
        );
        assert_eq!(
            sniff_image(b"RIFF\0\0\0\0WEBPVP8 ").map(|k| k.extension),
            Some("webp")
        );
        assert_eq!(sniff_image(b"GIF89a...").map(|k| k.extension), Some("gif"));
        assert_eq!(
            sniff_image(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>").map(|k| k.extension),
            Some("svg")
        );
        assert_eq!(sniff_image(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff_image(b"%PDF-1.7"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
