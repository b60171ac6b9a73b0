//! The site as an installable web app, over HTTP on both backends: the
//! manifest iPhone and iPad need before they allow web push (name,
//! `display: standalone`, colours, icons), the PNG icons drawn from the
//! site's logo at their stated sizes, every page linking them, and a logo
//! of the site's own that cannot be drawn stopping the start, named.

mod common;

use common::process::herald;
use common::{TestSite, select_attr};
use image::GenericImageView;
use serde_json::Value;

/// A PNG's width and height, and the colour of its top-left pixel.
fn png_facts(bytes: &[u8]) -> ((u32, u32), [u8; 4]) {
    let image =
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png).expect("a valid PNG");
    (image.dimensions(), image.get_pixel(0, 0).0)
}

async fn bytes(site: &TestSite, path: &str) -> (u16, String, Vec<u8>) {
    let response = site.get(path).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test]
async fn the_manifest_names_the_site_and_its_icons_are_pngs_of_their_sizes() {
    let site = TestSite::start_with(|config| {
        config.site.name = "The Marrowby Courier".to_owned();
        config.site.short_name = "Courier".to_owned();
        config.site.theme_color = "#0b5cad".to_owned();
    })
    .await;
    let (status, content_type, body) = bytes(&site, "/manifest.webmanifest").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/manifest+json");
    let manifest: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(manifest["name"], "The Marrowby Courier");
    assert_eq!(manifest["short_name"], "Courier");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["theme_color"], "#0b5cad");
    assert_eq!(manifest["background_color"], "#ffffff");

    let icons = manifest["icons"].as_array().expect("icons");
    let mut seen = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().expect("src");
        let (status, content_type, png) = bytes(&site, src).await;
        assert_eq!((status, content_type.as_str()), (200, "image/png"), "{src}");
        let ((width, height), _) = png_facts(&png);
        assert_eq!(
            icon["sizes"],
            format!("{width}x{height}"),
            "{src} is the size it says"
        );
        seen.push((width, icon["purpose"].as_str().expect("purpose").to_owned()));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            (192, "any".to_owned()),
            (512, "any".to_owned()),
            (512, "maskable".to_owned())
        ]
    );

    // Apple's touch icon: 180 px, opaque (iOS would fill transparency black).
    let (status, _, png) = bytes(&site, "/apple-touch-icon.png").await;
    assert_eq!(status, 200);
    assert_eq!(png_facts(&png), ((180, 180), [255, 255, 255, 255]));
    assert_eq!(bytes(&site, "/icons/favicon.png").await.0, 404);

    // Every page links them, with the theme colour.
    for path in ["/", "/topics"] {
        let (status, html) = site.text(path).await;
        assert_eq!(status, 200);
        assert_eq!(
            select_attr(&html, "link[rel=manifest]", "href"),
            ["/manifest.webmanifest"]
        );
        assert_eq!(
            select_attr(&html, "link[rel=apple-touch-icon]", "href"),
            ["/apple-touch-icon.png"]
        );
        assert_eq!(
            select_attr(&html, "meta[name=theme-color]", "content"),
            ["#0b5cad"]
        );
        assert_eq!(
            select_attr(&html, "meta[name=apple-mobile-web-app-title]", "content"),
            ["Courier"]
        );
    }
}

#[tokio::test]
async fn icons_are_drawn_from_the_sites_own_logo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logo = dir.path().join("logo.png");
    image::RgbaImage::from_pixel(300, 300, image::Rgba([0, 90, 40, 255]))
        .save(&logo)
        .expect("logo written");
    let site = TestSite::start_with(|config| {
        config.site.icon = Some(logo.clone());
        config.site.background_color = "#112233".to_owned();
    })
    .await;
    let (_, _, png) = bytes(&site, "/icons/icon-512.png").await;
    assert_eq!(
        png_facts(&png),
        ((512, 512), [0, 90, 40, 255]),
        "the logo, edge to edge"
    );
    // The maskable icon keeps the logo in the safe zone, on the background.
    let (_, _, png) = bytes(&site, "/icons/maskable-512.png").await;
    assert_eq!(png_facts(&png), ((512, 512), [0x11, 0x22, 0x33, 255]));
}

#[test]
fn a_logo_that_cannot_be_drawn_stops_the_start_and_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logo = dir.path().join("logo.svg");
    std::fs::write(&logo, "this is not an image").expect("written");
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        format!("[site]\nicon = {:?}\n", logo.to_str().expect("utf-8 path")),
    )
    .expect("config");
    let data = dir.path().join("data");
    let port = common::process::free_port().to_string();
    let output = herald(
        &data,
        &config,
        &["serve", "--bind", &format!("127.0.0.1:{port}")],
    )
    .stderr(std::process::Stdio::piped())
    .output()
    .expect("ran");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("site.icon") && stderr.contains("logo.svg"),
        "{stderr}"
    );
}
