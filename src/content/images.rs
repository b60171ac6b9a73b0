//! Featured images made safe and responsive, as pure functions: bytes in,
//! renditions out. An upload is recognised by its content (never its name or
//! declared type), its size and pixel count are checked before anything is
//! decoded, and what is stored is re-encoded from the decoded pixels, so no
//! metadata (EXIF, GPS, XMP, comments, ICC profiles) survives; the EXIF
//! orientation is applied first, so that a phone's portrait photo stays
//! upright.
//!
//! Each image becomes renditions at the responsive [`WIDTHS`] up to its own
//! width (never upscaled; the largest capped at [`MAX_WIDTH`]). Formats:
//! photos are JPEG at quality [`JPEG_QUALITY`]; a PNG or WebP whose pixels
//! use transparency stays lossless PNG (the only alpha-capable encoder the
//! `image` crate has besides lossless WebP, which is larger); an opaque WebP
//! or PNG becomes JPEG, because `image`'s WebP encoder is lossless-only and
//! would make photos many times larger.
//!
//! Rendition names carry the image's identity and size,
//! `{key}-{width}x{height}.{jpg|png}`, where the key is a hash of the
//! uploaded bytes. Bytes stored under a name never change, so they are served
//! as immutable; and a page can list an image's renditions (its `srcset`)
//! from the name of the largest alone, without asking the database
//! ([`responsive`]). [`WIDTHS`] is therefore part of the naming scheme:
//! changing it means producing the new renditions of stored images too.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{
    ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, metadata::Orientation,
};
use sha2::{Digest, Sha256};

use super::input::one_line;
use super::media::{MAX_IMAGE_BYTES, sniff_image};

/// The widths, in pixels, at which an image is stored for `srcset`.
pub const WIDTHS: [u32; 5] = [320, 640, 960, 1280, 1920];

/// The widest rendition: a larger original is scaled down to it.
pub const MAX_WIDTH: u32 = 1920;

/// The most pixels an upload may have (e.g. 8000 × 5000). Checked from the
/// header, before decoding, so that a small file claiming to be a huge
/// image (a decompression bomb) is refused without allocating its pixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The longest side an upload may have: JPEG's own limit.
pub const MAX_SIDE: u32 = 65_535;

/// JPEG quality of the renditions: visually clean for photos at a fraction
/// of the size of higher settings.
pub const JPEG_QUALITY: u8 = 82;

/// The resampling filter: Catmull-Rom is sharp for downscaling and about a
/// third faster than Lanczos3 (measured on a 4000 × 3000 photo).
const RESIZE_FILTER: FilterType = FilterType::CatmullRom;

/// Hex characters of the key in a rendition's name (a 128-bit hash).
const KEY_LEN: usize = 32;

/// The longest alt text, in characters: room for a careful description.
pub const MAX_ALT: usize = 1000;

/// The longest credit line, in characters (as for stories).
pub const MAX_CREDIT: usize = 300;

/// Why an image was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("the image is larger than the limit of {MAX_IMAGE_BYTES} bytes (10 MiB)")]
    TooLarge,
    #[error("the file is not a JPEG, PNG or WebP image (checked by its content, not its name)")]
    Unsupported,
    #[error(
        "the image is {width} × {height} pixels; the limit is {MAX_PIXELS} pixels and {MAX_SIDE} on a side"
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image data is damaged or incomplete: {0}")]
    Corrupt(String),
    /// Decoding and resizing it would take more memory than the whole
    /// budget for images being processed (`image_memory_mb`).
    #[error(
        "the image needs about {needed_mib} MiB of memory to process; the limit is {limit_mib} MiB \
         (image_memory_mb): upload a smaller image, or ask the site's operator to raise the limit"
    )]
    TooMuchMemory { needed_mib: u64, limit_mib: u32 },
    #[error("alt: describe the image for readers who cannot see it")]
    AltRequired,
    #[error("alt: must be at most {MAX_ALT} characters")]
    AltTooLong,
    #[error("credit: must be at most {MAX_CREDIT} characters")]
    CreditTooLong,
    /// Our fault, not the uploader's: encoding decoded pixels failed.
    #[error("the image could not be made: {0}")]
    Encode(String),
}

impl ImageError {
    /// The stable code API errors carry.
    pub fn code(&self) -> &'static str {
        match self {
            ImageError::TooLarge => "image_too_large",
            ImageError::Unsupported => "image_unsupported_type",
            ImageError::TooManyPixels { .. } => "image_too_many_pixels",
            ImageError::Corrupt(_) => "image_corrupt",
            ImageError::TooMuchMemory { .. } => "image_too_large_to_process",
            ImageError::AltRequired => "alt_required",
            ImageError::AltTooLong => "alt_too_long",
            ImageError::CreditTooLong => "credit_too_long",
            ImageError::Encode(_) => "internal",
        }
    }
}

/// The words that go with an uploaded image, checked: alt text (required)
/// and an optional credit, each on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageText {
    pub alt: String,
    pub credit: Option<String>,
}

impl ImageText {
    pub fn new(alt: Option<&str>, credit: Option<&str>) -> Result<ImageText, ImageError> {
        let alt = one_line(alt.unwrap_or(""));
        if alt.is_empty() {
            return Err(ImageError::AltRequired);
        }
        if alt.chars().count() > MAX_ALT {
            return Err(ImageError::AltTooLong);
        }
        let credit = credit.map(one_line).filter(|c| !c.is_empty());
        if credit
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_CREDIT)
        {
            return Err(ImageError::CreditTooLong);
        }
        Ok(ImageText { alt, credit })
    }
}

/// One stored size of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Rendition {
    /// The site path that serves it.
    pub fn path(&self) -> String {
        media_path(&self.name)
    }
}

/// An image ready to store: its renditions, narrowest first. The widest is
/// the image itself, the one stories refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    pub renditions: Vec<Rendition>,
}

impl ProcessedImage {
    /// The widest rendition.
    pub fn largest(&self) -> &Rendition {
        self.renditions
            .last()
            .expect("process always makes at least one rendition")
    }
}

/// Whether these bytes are an upload [`process`] takes: JPEG, PNG or WebP
/// by content. (GIF and SVG are stored as they are by `herald story add`.)
pub fn is_processable(bytes: &[u8]) -> bool {
    source_format(bytes).is_some()
}

fn source_format(bytes: &[u8]) -> Option<ImageFormat> {
    match sniff_image(bytes)?.extension {
        "jpg" => Some(ImageFormat::Jpeg),
        "png" => Some(ImageFormat::Png),
        "webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// Checks an upload and makes its renditions. CPU-heavy (about a second for
/// a 12-megapixel photo) and memory-heavy (see [`ImageHeader::peak_bytes`]):
/// call it off the async runtime, within the memory budget.
pub fn process(bytes: &[u8]) -> Result<ProcessedImage, ImageError> {
    let header = read_header(bytes)?;
    let pixels = decode(bytes, &header)?;
    let key = key_of(bytes);
    let keep_alpha = pixels.color().has_alpha() && uses_transparency(&pixels);
    let (master, encoding) = if keep_alpha {
        (DynamicImage::ImageRgba8(pixels.into_rgba8()), Encoding::Png)
    } else {
        (DynamicImage::ImageRgb8(pixels.into_rgb8()), Encoding::Jpeg)
    };
    let (width, height) = capped_size(master.width(), master.height());
    let mut current = if width == master.width() {
        master
    } else {
        master.resize_exact(width, height, RESIZE_FILTER)
    };
    let mut renditions = Vec::new();
    // Widest first, each from the one before: cheaper than every size from
    // the original, and as sharp at these ratios.
    for w in rendition_widths(width).into_iter().rev() {
        let h = scaled_height(width, height, w);
        if w != current.width() {
            current = current.resize_exact(w, h, RESIZE_FILTER);
        }
        renditions.push(Rendition {
            name: rendition_name(&key, w, h, encoding.extension()),
            width: w,
            height: h,
            content_type: encoding.content_type(),
            bytes: encoding.encode(&current)?,
        });
    }
    renditions.reverse();
    Ok(ProcessedImage { renditions })
}

/// What an upload's header says, read without decoding a pixel: enough to
/// refuse it, and to know what processing it will cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    format: ImageFormat,
    /// As stored, before the EXIF orientation is applied.
    pub width: u32,
    pub height: u32,
    /// What the decoder produces.
    color: ColorType,
    orientation: Orientation,
    /// The upload's size in bytes.
    file_bytes: u64,
}

/// Checks what can be checked before decoding — the size, the format by
/// content, a JPEG's completeness, the pixel count — and reads the header.
/// Cheap: the header claims sizes, nothing of those sizes is allocated.
pub fn read_header(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = source_format(bytes).ok_or(ImageError::Unsupported)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder fills a cut-off image with grey rather than fail.
        return Err(ImageError::Corrupt(
            "the JPEG ends before its end-of-image marker (truncated?)".into(),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Reading the header allocates nothing of the size it claims; the pixel
    // limit below is checked before any pixel is.
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt("the image has no pixels".into()));
    }
    Ok(ImageHeader {
        format,
        width,
        height,
        color: decoder.color_type(),
        // A broken EXIF block is not worth refusing the picture for.
        orientation: decoder.orientation().unwrap_or(Orientation::NoTransforms),
        file_bytes: bytes.len() as u64,
    })
}

/// Bytes per pixel of the decoded picture [`process`] resizes: RGBA when
/// the upload has an alpha channel (transparency kept), RGB otherwise.
fn master_bytes_per_pixel(color: ColorType) -> u64 {
    if color.has_alpha() { 4 } else { 3 }
}

/// What the decoders and encoders keep besides the pixels — zlib windows,
/// rows, Huffman tables, the code they run — and the allocator's rounding:
/// measured at 1 to 2 MiB, counted as 8.
const CODEC_OVERHEAD_BYTES: u64 = 8 * 1024 * 1024;

/// Bytes per pixel of the resampler's intermediate image: `image`'s
/// `resize` first scales the height into an RGBA `f32` buffer as wide as
/// the source, whatever the source's colour type.
const RESIZE_BUFFER_BYTES_PER_PIXEL: u64 = 16;

impl ImageHeader {
    /// Whether the EXIF orientation turns the picture by a quarter, which
    /// swaps its sides and copies it (a half turn or a flip is done in
    /// place).
    fn quarter_turn(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    }

    /// The most memory [`process`] holds at once for this image, in bytes:
    /// an upper estimate from the header, derived from what each step of
    /// `process` allocates while the previous step's buffers are alive.
    /// With `p` pixels, `b` the decoder's bytes per pixel and `m` the
    /// master's (3, or 4 with alpha):
    ///
    /// - always: the uploaded file, and a fixed allowance for the codecs'
    ///   tables and buffers;
    /// - decoding: the decoded picture (`p·b`) and the decoder's own work
    ///   beside it — a JPEG decoder copies the file and, for a progressive
    ///   or non-interleaved JPEG, keeps every component's coefficients (at
    ///   most 4 components of 2 bytes per pixel, counted whatever the JPEG,
    ///   since the header read does not say); a WebP decoder works in
    ///   4-byte ARGB (lossless) or 1.5-byte YUV (lossy); a PNG decoder
    ///   keeps a few rows;
    /// - orienting: a quarter turn copies the picture (`2·p·b`);
    /// - converting to the master: a new `p·m` buffer beside the decoded one,
    ///   unless the decoder already produced 8-bit RGB;
    /// - resizing: the master (`p·m`), the resampler's intermediate for the
    ///   first, largest step (source width × new height × 16 bytes), and
    ///   every rendition twice over — its pixels and its encoded bytes,
    ///   which are never larger than its pixels but a few bytes a row.
    ///
    /// A 6,300 × 6,300 RGB PNG of 154 KB: 119 MB decoded, and 119 + 194
    /// (the 6,300 × 1,920 intermediate) + 2 × 20 for the renditions while
    /// resizing, with the 8 MiB allowance: about 362 MB, 345 MiB.
    ///
    /// Measured against the growth of the process's peak resident memory
    /// while `process` ran (image 0.25.10): the 6,300² PNG took 311 MiB; a
    /// 6,000² 16-bit RGBA PNG 414 MiB for an estimate of 421; 7,000 × 5,000
    /// RGBA PNG 293 for 325; 6,000 × 4,000 WebP 195 for 220; 8,000 × 5,000
    /// progressive JPEG 345 for 435, baseline JPEG 270 for 434; 4,000 ×
    /// 3,000 baseline JPEG 132 for 160.
    pub fn peak_bytes(&self) -> u64 {
        let (width, height) = (u64::from(self.width), u64::from(self.height));
        let pixels = width * height;
        let decoded = pixels * u64::from(self.color.bytes_per_pixel());
        let decoder_work = match self.format {
            ImageFormat::Jpeg => self.file_bytes + pixels * 4 * 2,
            ImageFormat::WebP => pixels * 4,
            _ => 0,
        };
        let decoding = decoded + decoder_work;
        let orienting = if self.quarter_turn() {
            2 * decoded
        } else {
            decoded
        };
        let master_bpp = master_bytes_per_pixel(self.color);
        let master = pixels * master_bpp;
        let converting = if self.color == ColorType::Rgb8 {
            decoded
        } else {
            decoded + master
        };
        let (source_width, source_height) = if self.quarter_turn() {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        };
        let renditions = rendition_sizes(source_width, source_height);
        // The first resize: to the capped size, or from the master to the
        // next width down when the master is the largest rendition.
        let first_resize_height = match renditions.as_slice() {
            [.., (w, h)] if *w != source_width => Some(*h),
            [.., (_, h), _] => Some(*h),
            _ => None,
        };
        let intermediate = first_resize_height.map_or(0, |h| {
            u64::from(source_width) * u64::from(h) * RESIZE_BUFFER_BYTES_PER_PIXEL
        });
        let rendition_pixels: u64 = renditions
            .iter()
            .map(|(w, h)| u64::from(*w) * u64::from(*h))
            .sum();
        let resizing = master + intermediate + 2 * rendition_pixels * master_bpp;
        self.file_bytes
            + CODEC_OVERHEAD_BYTES
            + decoding.max(orienting).max(converting).max(resizing)
    }
}

/// The size of every rendition of a `width × height` picture (oriented),
/// narrowest first.
fn rendition_sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let (width, height) = capped_size(width, height);
    rendition_widths(width)
        .into_iter()
        .map(|w| (w, scaled_height(width, height, w)))
        .collect()
}

/// Decodes the image `header` describes, within the memory
/// [`ImageHeader::peak_bytes`] estimates for it, and applies the EXIF
/// orientation.
fn decode(bytes: &[u8], header: &ImageHeader) -> Result<DynamicImage, ImageError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(header.peak_bytes());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), header.format);
    // The PNG decoder takes its allocation limit here, when it is made.
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    // As `ImageReader::decode` does: the picture's own buffer counts too.
    limits
        .reserve(decoder.total_bytes())
        .map_err(decode_error)?;
    decoder.set_limits(limits).map_err(decode_error)?;
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    pixels.apply_orientation(header.orientation);
    Ok(pixels)
}

fn corrupt(e: image::ImageError) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

/// A decoding error: the uploader's (damaged data), or ours when the
/// decoder needed more memory than [`ImageHeader::peak_bytes`] allowed it,
/// which means the estimate is wrong.
fn decode_error(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(limit) => ImageError::Encode(format!(
            "decoding needed more memory than estimated: {limit}"
        )),
        other => corrupt(other),
    }
}

/// Whether any pixel is less than fully opaque.
fn uses_transparency(pixels: &DynamicImage) -> bool {
    match pixels {
        DynamicImage::ImageLumaA8(p) => p.pixels().any(|p| p.0[1] < u8::MAX),
        DynamicImage::ImageRgba8(p) => p.pixels().any(|p| p.0[3] < u8::MAX),
        DynamicImage::ImageLumaA16(p) => p.pixels().any(|p| p.0[1] < u16::MAX),
        DynamicImage::ImageRgba16(p) => p.pixels().any(|p| p.0[3] < u16::MAX),
        other => other.to_rgba8().pixels().any(|p| p.0[3] < u8::MAX),
    }
}

/// How renditions are encoded.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Jpeg,
    Png,
}

impl Encoding {
    fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Png => "png",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
        }
    }

    /// Encodes pixels alone: the encoders write no EXIF, XMP, comment or
    /// ICC profile unless asked, and they are not.
    fn encode(self, pixels: &DynamicImage) -> Result<Vec<u8>, ImageError> {
        let mut out = Vec::new();
        let result = match self {
            Encoding::Jpeg => {
                pixels.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
            }
            Encoding::Png => pixels.write_with_encoder(PngEncoder::new_with_quality(
                &mut out,
                CompressionType::Default,
                PngFilter::Adaptive,
            )),
        };
        result.map_err(|e| ImageError::Encode(e.to_string()))?;
        Ok(out)
    }
}

/// Whether a JPEG runs, segment by segment, to its end-of-image marker.
/// Skips marker segments by their lengths (so an EXIF thumbnail's own end
/// marker does not count) and entropy-coded data up to the next marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        match marker {
            0xD9 => return true,           // EOI
            0xFF => at += 1,               // fill byte
            0x01 | 0xD0..=0xD7 => at += 2, // no length
            _ => {
                let Some(length) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
                if marker == 0xDA {
                    // Entropy-coded data: runs to the next marker other than
                    // a stuffed 0xFF00 or a restart marker.
                    loop {
                        match bytes.get(at..at + 2) {
                            None => return false,
                            Some([0xFF, 0x00 | 0xD0..=0xD7 | 0xFF]) => at += 1,
                            Some([0xFF, _]) => break,
                            Some(_) => at += 1,
                        }
                    }
                }
            }
        }
    }
    false
}

/// The part of every rendition's name that identifies the upload.
fn key_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..KEY_LEN / 2]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The size of the largest rendition: the original's, or scaled down to
/// [`MAX_WIDTH`].
fn capped_size(width: u32, height: u32) -> (u32, u32) {
    if width <= MAX_WIDTH {
        (width, height)
    } else {
        (MAX_WIDTH, scaled_height(width, height, MAX_WIDTH))
    }
}

/// The widths an image `width` pixels wide is stored at, narrowest first:
/// every responsive width below its own, and its own.
pub fn rendition_widths(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.into_iter().filter(|w| *w < width).collect();
    widths.push(width);
    widths
}

/// The height of a `w`-pixel-wide rendition of a `width × height` image,
/// rounded, at least one pixel.
pub fn scaled_height(width: u32, height: u32, w: u32) -> u32 {
    let (width, height, w) = (u64::from(width), u64::from(height), u64::from(w));
    let h = (2 * height * w + width) / (2 * width);
    u32::try_from(h.max(1)).unwrap_or(u32::MAX)
}

fn rendition_name(key: &str, width: u32, height: u32, extension: &str) -> String {
    format!("{key}-{width}x{height}.{extension}")
}

/// The site path of a stored image.
pub fn media_path(name: &str) -> String {
    format!("/media/{name}")
}

/// Whether `name` is a name Herald stores media under: lowercase letters,
/// digits, hyphens and dots, at most 64 characters.
pub fn is_media_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// The stored name in a `/media/{name}` site path.
pub fn media_name(src: &str) -> Option<&str> {
    src.strip_prefix("/media/")
        .filter(|name| is_media_name(name))
}

/// What a page needs to show an image responsively: its intrinsic size (for
/// `width`/`height`, so nothing shifts while it loads) and its `srcset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responsive {
    pub width: u32,
    pub height: u32,
    /// `None` when there is only one size.
    pub srcset: Option<String>,
}

/// The renditions of an image made by [`process`], from its `src` (the
/// path of the largest). `None` for anything else: images hosted
/// elsewhere, GIF and SVG, and images stored before renditions existed.
pub fn responsive(src: &str) -> Option<Responsive> {
    let name = media_name(src)?;
    let (stem, extension) = name.rsplit_once('.')?;
    if !matches!(extension, "jpg" | "png") {
        return None;
    }
    let (key, size) = stem.split_once('-')?;
    let (width, height) = size.split_once('x')?;
    let is_number =
        |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit());
    if key.len() != KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_hexdigit())
        || !is_number(width)
        || !is_number(height)
    {
        return None;
    }
    let (width, height): (u32, u32) = (width.parse().ok()?, height.parse().ok()?);
    if width == 0 || height == 0 || width > MAX_WIDTH {
        return None;
    }
    let widths = rendition_widths(width);
    let srcset = (widths.len() > 1).then(|| {
        widths
            .iter()
            .map(|w| {
                let h = scaled_height(width, height, *w);
                format!(
                    "{} {w}w",
                    media_path(&rendition_name(key, *w, h, extension))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    Some(Responsive {
        width,
        height,
        srcset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    /// A photo-like picture: smooth gradients with some texture.
    fn photo(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 28;
            Rgb([
                (x * 255 / width) as u8 ^ noise as u8,
                (y * 255 / height) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    fn encode(pixels: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        pixels
            .write_to(&mut Cursor::new(&mut out), format)
            .expect("encodes");
        out
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        encode(
            DynamicImage::ImageRgb8(photo(width, height)),
            ImageFormat::Jpeg,
        )
    }

    fn widths(image: &ProcessedImage) -> Vec<(u32, u32)> {
        image
            .renditions
            .iter()
            .map(|r| (r.width, r.height))
            .collect()
    }

    #[test]
    fn a_large_jpeg_is_capped_and_stored_at_every_smaller_width() {
        let image = process(&jpeg(2400, 1600)).expect("processed");
        assert_eq!(
            widths(&image),
            [
                (320, 213),
                (640, 427),
                (960, 640),
                (1280, 853),
                (1920, 1280)
            ]
        );
        for r in &image.renditions {
            assert_eq!(r.content_type, "image/jpeg");
            let decoded = image::load_from_memory(&r.bytes).expect("decodes");
            assert_eq!((decoded.width(), decoded.height()), (r.width, r.height));
            assert!(r.name.ends_with(&format!("-{}x{}.jpg", r.width, r.height)));
        }
    }

    #[test]
    fn a_small_image_is_never_upscaled() {
        let image = process(&jpeg(700, 300)).expect("processed");
        assert_eq!(widths(&image), [(320, 137), (640, 274), (700, 300)]);
        let tiny = process(&jpeg(100, 80)).expect("processed");
        assert_eq!(widths(&tiny), [(100, 80)]);
    }

    #[test]
    fn transparency_keeps_png_and_opaque_pictures_become_jpeg() {
        let clear = RgbaImage::from_fn(400, 200, |x, _| Rgba([200, 10, 10, (x % 256) as u8]));
        let image =
            process(&encode(DynamicImage::ImageRgba8(clear), ImageFormat::Png)).expect("processed");
        assert!(
            image
                .renditions
                .iter()
                .all(|r| r.content_type == "image/png")
        );
        let decoded = image::load_from_memory(&image.largest().bytes).expect("decodes");
        assert!(decoded.color().has_alpha());

        let opaque = RgbaImage::from_fn(400, 200, |x, y| Rgba([x as u8, y as u8, 0, 255]));
        let image = process(&encode(DynamicImage::ImageRgba8(opaque), ImageFormat::Png))
            .expect("processed");
        assert!(image.largest().name.ends_with(".jpg"));

        let webp = encode(DynamicImage::ImageRgb8(photo(800, 400)), ImageFormat::WebP);
        let image = process(&webp).expect("processed");
        assert_eq!(widths(&image), [(320, 160), (640, 320), (800, 400)]);
        assert!(
            image
                .renditions
                .iter()
                .all(|r| r.content_type == "image/jpeg")
        );
    }

    #[test]
    fn names_are_stable_and_differ_between_uploads() {
        let bytes = jpeg(400, 300);
        let first = process(&bytes).expect("processed");
        assert_eq!(first, process(&bytes).expect("processed"));
        let other = process(&jpeg(401, 300)).expect("processed");
        assert_ne!(
            first.largest().name.split('-').next(),
            other.largest().name.split('-').next()
        );
    }

    #[test]
    fn what_is_not_a_jpeg_png_or_webp_is_refused_by_content() {
        for bytes in [
            &b"#!/bin/sh\nrm -rf ~\n"[..],
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            b"GIF89a\x01\x00\x01\x00",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"",
        ] {
            assert_eq!(process(bytes), Err(ImageError::Unsupported), "{bytes:?}");
        }
    }

    #[test]
    fn damaged_images_are_refused() {
        let whole = jpeg(300, 200);
        let cut = &whole[..whole.len() / 2];
        assert!(matches!(process(cut), Err(ImageError::Corrupt(_))));
        // The right signature followed by something else.
        assert!(matches!(
            process(b"\xFF\xD8\xFF\xE0<html><script>x</script></html>"),
            Err(ImageError::Corrupt(_))
        ));

        let mut png = encode(DynamicImage::ImageRgb8(photo(60, 40)), ImageFormat::Png);
        let idat = png.windows(4).position(|w| w == b"IDAT").expect("has IDAT");
        let length = u32::from_be_bytes(png[idat - 4..idat].try_into().expect("4 bytes")) as usize;
        png[idat + 4 + length] ^= 0x55; // the chunk's CRC
        let err = process(&png).expect_err("bad CRC");
        assert!(
            matches!(&err, ImageError::Corrupt(m) if m.contains("CRC")),
            "{err}"
        );
    }

    #[test]
    fn oversized_bytes_are_refused_before_anything_else() {
        let big = vec![0xFF; MAX_IMAGE_BYTES + 1];
        assert_eq!(process(&big), Err(ImageError::TooLarge));
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        let err = process(&png_header_claiming(20_000, 20_000)).expect_err("refused");
        assert_eq!(
            err,
            ImageError::TooManyPixels {
                width: 20_000,
                height: 20_000
            }
        );
        assert_eq!(err.code(), "image_too_many_pixels");

        // A real small JPEG whose frame header claims 60000 × 60000.
        let mut bomb = jpeg(16, 16);
        let sof = bomb
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("baseline frame header");
        bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert_eq!(
            process(&bomb),
            Err(ImageError::TooManyPixels {
                width: 60_000,
                height: 60_000
            })
        );
    }

    #[test]
    fn the_memory_estimate_counts_the_pixels_and_the_resampler() {
        let header = read_header(&png_header_claiming(6_300, 6_300)).expect("header");
        assert_eq!((header.width, header.height), (6_300, 6_300));
        let pixels: u64 = 6_300 * 6_300;
        let decoded_rgb = pixels * 3;
        let intermediate = 6_300 * 1_920 * RESIZE_BUFFER_BYTES_PER_PIXEL;
        let peak = header.peak_bytes();
        assert!(peak > decoded_rgb + intermediate, "{peak}");
        // The documented example: about 362 MB.
        assert_eq!(peak / 1_000_000, 361, "{peak}");

        // Small images need little; the estimate grows with the pixels,
        // not the file.
        let small = read_header(&jpeg(640, 480)).expect("header").peak_bytes();
        assert!(small < 16 * 1024 * 1024, "{small}");
        let large = read_header(&jpeg(4_000, 3_000))
            .expect("header")
            .peak_bytes();
        assert!(large > 10 * small, "{large} vs {small}");
    }

    #[test]
    fn a_quarter_turn_counts_the_copy_of_the_picture() {
        // 100 × 20,000 stored, 20,000 × 100 shown: the copy made by the
        // turn outweighs the resampler, which only makes 1,920 × 10.
        let stored = ImageHeader {
            format: ImageFormat::Png,
            width: 100,
            height: 20_000,
            color: ColorType::Rgb8,
            orientation: Orientation::Rotate90,
            file_bytes: 0,
        };
        let decoded = 100 * 20_000 * 3;
        assert_eq!(stored.peak_bytes(), CODEC_OVERHEAD_BYTES + 2 * decoded);
        let flipped = ImageHeader {
            orientation: Orientation::FlipHorizontal,
            ..stored
        };
        // Flipped in place, and resized as it is stored: 100 px wide, one
        // rendition, kept as pixels and as encoded bytes.
        assert_eq!(
            flipped.peak_bytes(),
            CODEC_OVERHEAD_BYTES + decoded + 2 * decoded
        );
    }

    /// A PNG signature and header for a `width × height` RGB image, with an
    /// empty image-data chunk: a few dozen bytes.
    fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32(&out[start..]);
            out.extend_from_slice(&crc.to_be_bytes());
        }
        let mut header = Vec::new();
        header.extend_from_slice(&width.to_be_bytes());
        header.extend_from_slice(&height.to_be_bytes());
        header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut png, b"IHDR", &header);
        chunk(
            &mut png,
            b"IDAT",
            &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        chunk(&mut png, b"IEND", &[]);
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn the_exif_orientation_is_applied() {
        // A landscape JPEG whose EXIF says "rotate 90° clockwise".
        let plain = jpeg(300, 200);
        let exif: &[u8] = &[
            b'E', b'x', b'i', b'f', 0, 0, // identifier
            b'M', b'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, // Orientation = 6
            0, 0, 0, 0, // no next IFD
        ];
        let image = process(&with_app1(&plain, exif)).expect("processed");
        assert_eq!((image.largest().width, image.largest().height), (200, 300));
    }

    /// The JPEG with an APP1 segment inserted right after its SOI marker.
    fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn jpeg_completeness_skips_segments_by_length() {
        let whole = jpeg(64, 64);
        assert!(jpeg_is_complete(&whole));
        // An EXIF block holding an end-of-image marker does not end the file.
        let with_marker = with_app1(&whole, b"Exif\0\0\xFF\xD9");
        assert!(jpeg_is_complete(&with_marker));
        assert!(!jpeg_is_complete(&with_marker[..with_marker.len() - 2]));
        assert!(!jpeg_is_complete(&with_marker[..40]));
    }

    #[test]
    fn a_rendition_name_tells_its_srcset() {
        let key = "0123456789abcdef0123456789abcdef";
        let got = responsive(&format!("/media/{key}-1000x500.jpg")).expect("responsive");
        assert_eq!((got.width, got.height), (1000, 500));
        assert_eq!(
            got.srcset.as_deref(),
            Some(
                "/media/0123456789abcdef0123456789abcdef-320x160.jpg 320w, \
                 /media/0123456789abcdef0123456789abcdef-640x320.jpg 640w, \
                 /media/0123456789abcdef0123456789abcdef-960x480.jpg 960w, \
                 /media/0123456789abcdef0123456789abcdef-1000x500.jpg 1000w"
            )
        );
        let single = responsive(&format!("/media/{key}-300x200.png")).expect("responsive");
        assert_eq!(single.srcset, None);
        for other in [
            "https://example.com/a-1000x500.jpg",
            "/media/0123456789abcdef0123456789abcdef.jpg",
            "/media/0123456789abcdef0123456789abcdef-1000x500.gif",
            "/media/short-1000x500.jpg",
            "/media/0123456789abcdef0123456789abcdef-4000x500.jpg",
            "/media/0123456789abcdef0123456789abcdef-0x500.jpg",
        ] {
            assert_eq!(responsive(other), None, "{other}");
        }
    }

    #[test]
    fn srcset_matches_what_processing_stores() {
        let image = process(&jpeg(1500, 1001)).expect("processed");
        let srcset = responsive(&image.largest().path())
            .and_then(|r| r.srcset)
            .expect("srcset");
        let stored: Vec<String> = image
            .renditions
            .iter()
            .map(|r| format!("{} {}w", r.path(), r.width))
            .collect();
        assert_eq!(srcset, stored.join(", "));
    }

    #[test]
    fn alt_text_is_required_and_text_is_kept_to_one_line() {
        assert_eq!(ImageText::new(None, None), Err(ImageError::AltRequired));
        assert_eq!(
            ImageText::new(Some(" \n "), None),
            Err(ImageError::AltRequired)
        );
        assert_eq!(
            ImageText::new(Some(&"a".repeat(MAX_ALT + 1)), None),
            Err(ImageError::AltTooLong)
        );
        assert_eq!(
            ImageText::new(Some("A boat"), Some(&"c".repeat(MAX_CREDIT + 1))),
            Err(ImageError::CreditTooLong)
        );
        assert_eq!(
            ImageText::new(Some(" A boat\n at dawn "), Some("  ")),
            Ok(ImageText {
                alt: "A boat at dawn".into(),
                credit: None
            })
        );
    }

    #[test]
    fn media_names_are_checked() {
        assert_eq!(media_name("/media/abc-1x1.jpg"), Some("abc-1x1.jpg"));
        for bad in [
            "/media/",
            "/media/../x",
            "/media/A.jpg",
            "/media/a/b",
            "/elsewhere/a.jpg",
        ] {
            assert_eq!(media_name(bad), None, "{bad}");
        }
    }
}
