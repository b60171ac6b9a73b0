//! The web app's icons: PNGs of the sizes the manifest and Apple's
//! Home Screen ask for, drawn from the site's logo — an SVG rendered by
//! resvg, or a bitmap resized — centred on a square, with a background
//! where a platform needs one (Apple fills transparency with black; a
//! maskable icon keeps its logo in the middle 80%, the safe zone).
//! Drawn once, on first request, and kept.

use std::sync::OnceLock;

use image::{ImageFormat, RgbaImage, imageops};
use resvg::{tiny_skia, usvg};

/// Herald's own logo, for a site that names none (`site.icon`).
pub const DEFAULT_LOGO: &[u8] = include_bytes!("../../static/logo.svg");

/// An icon the site serves: its file name under `/icons/` and how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IconSpec {
    pub name: &'static str,
    pub size: u32,
    /// Drawn on the background colour (else transparent around the logo).
    pub opaque: bool,
    /// The logo fills this share of the side (1.0: edge to edge).
    pub scale: f32,
    /// The manifest's `purpose`.
    pub purpose: &'static str,
}

/// Every icon: the manifest's three, and Apple's touch icon.
pub const ICONS: [IconSpec; 4] = [
    IconSpec {
        name: "icon-192.png",
        size: 192,
        opaque: false,
        scale: 1.0,
        purpose: "any",
    },
    IconSpec {
        name: "icon-512.png",
        size: 512,
        opaque: false,
        scale: 1.0,
        purpose: "any",
    },
    IconSpec {
        name: "maskable-512.png",
        size: 512,
        opaque: true,
        scale: 0.8,
        purpose: "maskable",
    },
    IconSpec {
        name: "apple-touch-icon.png",
        size: 180,
        opaque: true,
        scale: 0.9,
        purpose: "any",
    },
];

/// The logo could not be drawn.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the site's icon cannot be drawn: {0}")]
pub struct IconError(String);

/// The site's logo and background colour, and its icons once drawn.
#[derive(Debug)]
pub struct AppIcons {
    logo: Vec<u8>,
    background: [u8; 3],
    drawn: OnceLock<Result<Vec<Vec<u8>>, IconError>>,
}

impl AppIcons {
    /// Icons of `logo` (SVG, PNG, JPEG or WebP bytes) on `background`.
    pub fn new(logo: Vec<u8>, background: [u8; 3]) -> AppIcons {
        AppIcons {
            logo,
            background,
            drawn: OnceLock::new(),
        }
    }

    /// The PNG of icon `name` (one of [`ICONS`]); `None` for another name.
    pub fn png(&self, name: &str) -> Option<Result<&[u8], IconError>> {
        let index = ICONS.iter().position(|i| i.name == name)?;
        let drawn = self.drawn.get_or_init(|| {
            ICONS
                .iter()
                .map(|spec| draw(&self.logo, spec, self.background))
                .collect()
        });
        Some(match drawn {
            Ok(pngs) => Ok(pngs[index].as_slice()),
            Err(e) => Err(e.clone()),
        })
    }

    /// Draws every icon now: a logo that cannot be drawn is found at start.
    pub fn check(&self) -> Result<(), IconError> {
        self.png(ICONS[0].name)
            .expect("the first icon is known")
            .map(|_| ())
    }
}

/// Whether `bytes` look like SVG rather than a bitmap.
fn is_svg(bytes: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let start = start.trim_start_matches('\u{feff}').trim_start();
    start.starts_with("<svg") || start.starts_with("<?xml") || start.contains("<svg")
}

/// One icon: the logo scaled into `spec.scale` of the square, centred.
pub fn draw(logo: &[u8], spec: &IconSpec, background: [u8; 3]) -> Result<Vec<u8>, IconError> {
    let side = spec.size;
    let inner = (side as f32 * spec.scale).round().max(1.0) as u32;
    let logo = if is_svg(logo) {
        svg_square(logo, inner)?
    } else {
        bitmap_square(logo, inner)?
    };
    let [r, g, b] = background;
    let alpha = if spec.opaque { 255 } else { 0 };
    let mut canvas = RgbaImage::from_pixel(side, side, image::Rgba([r, g, b, alpha]));
    let offset = i64::from((side - logo.width()) / 2);
    let top = i64::from((side - logo.height()) / 2);
    imageops::overlay(&mut canvas, &logo, offset, top);
    let mut png = std::io::Cursor::new(Vec::new());
    canvas
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|e| IconError(format!("PNG encoding failed: {e}")))?;
    Ok(png.into_inner())
}

/// The SVG drawn to fit a `side` × `side` square, keeping its proportions.
fn svg_square(svg: &[u8], side: u32) -> Result<RgbaImage, IconError> {
    let tree = usvg::Tree::from_data(svg, &usvg::Options::default())
        .map_err(|e| IconError(format!("not a usable SVG: {e}")))?;
    let size = tree.size();
    let scale = side as f32 / size.width().max(size.height());
    let (width, height) = (
        (size.width() * scale).round().max(1.0) as u32,
        (size.height() * scale).round().max(1.0) as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| IconError("the icon has no area".to_owned()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // tiny-skia keeps premultiplied alpha; the PNG wants it straight.
    let pixels = pixmap
        .pixels()
        .iter()
        .flat_map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect();
    RgbaImage::from_raw(width, height, pixels)
        .ok_or_else(|| IconError("the drawn icon has the wrong size".to_owned()))
}

/// A bitmap resized to fit a `side` × `side` square, keeping its proportions.
fn bitmap_square(bytes: &[u8], side: u32) -> Result<RgbaImage, IconError> {
    let decoded = image::load_from_memory(bytes)
        .map_err(|e| IconError(format!("not an SVG, PNG, JPEG or WebP image: {e}")))?;
    Ok(decoded
        .resize(side, side, imageops::FilterType::Lanczos3)
        .to_rgba8())
}

/// `#rrggbb` as bytes.
pub fn parse_colour(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#').filter(|h| h.len() == 6)?;
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGO: &[u8] = DEFAULT_LOGO;

    fn decoded(png: &[u8]) -> RgbaImage {
        image::load_from_memory_with_format(png, ImageFormat::Png)
            .expect("a PNG")
            .to_rgba8()
    }

    #[test]
    fn every_icon_is_a_png_of_its_size_drawn_from_the_logo() {
        let icons = AppIcons::new(LOGO.to_vec(), [255, 255, 255]);
        for spec in ICONS {
            let png = icons.png(spec.name).expect("known").expect("drawn");
            let image = decoded(png);
            assert_eq!(image.dimensions(), (spec.size, spec.size), "{}", spec.name);
            // The logo's red square fills the middle.
            let middle = image.get_pixel(spec.size / 2, spec.size / 4);
            assert_eq!(middle.0[3], 255, "{}: opaque logo in the middle", spec.name);
        }
        assert!(icons.png("favicon.ico").is_none());
    }

    #[test]
    fn opaque_icons_have_the_background_and_maskable_ones_a_safe_zone() {
        let icons = AppIcons::new(LOGO.to_vec(), [10, 20, 30]);
        let apple = decoded(
            icons
                .png("apple-touch-icon.png")
                .expect("known")
                .expect("drawn"),
        );
        assert_eq!(
            apple.get_pixel(0, 0).0,
            [10, 20, 30, 255],
            "no transparency on iOS"
        );
        let maskable = decoded(
            icons
                .png("maskable-512.png")
                .expect("known")
                .expect("drawn"),
        );
        // Outside the middle 80 %: only the background.
        assert_eq!(maskable.get_pixel(30, 256).0, [10, 20, 30, 255]);
        let plain = decoded(icons.png("icon-512.png").expect("known").expect("drawn"));
        assert_eq!(
            plain.get_pixel(30, 256).0[3],
            255,
            "the logo reaches the edge"
        );
    }

    #[test]
    fn a_bitmap_logo_is_resized_and_a_bad_one_is_named() {
        let mut png = std::io::Cursor::new(Vec::new());
        RgbaImage::from_pixel(40, 20, image::Rgba([0, 128, 0, 255]))
            .write_to(&mut png, ImageFormat::Png)
            .expect("encode");
        let icons = AppIcons::new(png.into_inner(), [255, 255, 255]);
        let image = decoded(icons.png("icon-192.png").expect("known").expect("drawn"));
        assert_eq!(image.dimensions(), (192, 192));
        assert_eq!(image.get_pixel(96, 96).0, [0, 128, 0, 255]);
        assert_eq!(
            image.get_pixel(96, 10).0[3],
            0,
            "wider than tall: room above"
        );

        let broken = AppIcons::new(b"not an image".to_vec(), [0, 0, 0]);
        let err = broken.check().expect_err("refused");
        assert!(err.to_string().contains("not an SVG, PNG"), "{err}");
    }

    #[test]
    fn colours_are_six_hex_digits() {
        assert_eq!(parse_colour("#8a1c1c"), Some([0x8a, 0x1c, 0x1c]));
        assert_eq!(parse_colour("8a1c1c"), None);
        assert_eq!(parse_colour("#8a1c1"), None);
        assert_eq!(parse_colour("#zzzzzz"), None);
    }
}
