//! A QR code drawn on the server as inline SVG, for the two-factor set-up:
//! an authenticator app scans the `otpauth://` link instead of the editor
//! typing a 32-character key. No script, no image request (the link holds
//! the secret: it must not leave the page).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text` as an `<svg>` element named by `label` (the
/// page's own words, not escaped), or `None` when `text` is too long for
/// a QR code.
pub fn qr_svg(text: &str, label: &'static str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // An element for the page, not a document: no XML declaration.
    let element = drawn.trim_start_matches(r#"<?xml version="1.0" standalone="yes"?>"#);
    Some(element.replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{label}" class="nr-qr" "#),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_is_an_element_with_a_name() {
        let svg = qr_svg(
            "otpauth://totp/Herald:ana%40example.org?secret=JBSW",
            "QR code",
        )
        .expect("fits");
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"QR code\""),
            "{svg}"
        );
        assert!(!svg.contains("<?xml"));
        assert!(svg.ends_with("</svg>"));
        assert!(qr_svg(&"x".repeat(5000), "too long").is_none());
    }
}
