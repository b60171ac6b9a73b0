//! The site as an installable web app: `/manifest.webmanifest` (name,
//! colours, `display: standalone`, icons) and the PNG icons drawn from the
//! site's logo (`/icons/{name}`, and `/apple-touch-icon.png` where iOS
//! looks for it). On iPhone and iPad, web push works only for a site added
//! to the Home Screen, which needs this manifest.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::DateTime;
use serde_json::json;

use crate::content::icons::ICONS;
use crate::content::language;
use crate::web::AppState;
use crate::web::cache::Rendered;
use crate::web::page_error::AppError;

/// Icons and the manifest change only with the configuration.
const A_DAY: &str = "public, max-age=86400";

/// `GET /manifest.webmanifest`: made, and compressed, once per page-cache
/// lifetime like any page.
pub async fn manifest(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let render = async {
        Ok(unchanging(
            manifest_json(&state),
            "application/manifest+json",
        ))
    };
    state
        .pages
        .serve(uri.path().to_owned(), &headers, render)
        .await
}

fn manifest_json(state: &AppState) -> Bytes {
    let site = &state.config.site;
    let icons: Vec<_> = ICONS
        .iter()
        .filter(|i| i.name != APPLE_TOUCH_ICON)
        .map(|i| {
            json!({
                "src": format!("/icons/{}", i.name),
                "sizes": format!("{0}x{0}", i.size),
                "type": "image/png",
                "purpose": i.purpose,
            })
        })
        .collect();
    let manifest = json!({
        "id": "/",
        "name": site.name,
        "short_name": site.short_name,
        "description": site.description,
        "lang": site.language,
        "dir": language::direction(&site.language),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": site.theme_color,
        "background_color": site.background_color,
        "icons": icons,
    });
    Bytes::from(serde_json::to_vec_pretty(&manifest).expect("JSON values serialise"))
}

const APPLE_TOUCH_ICON: &str = "apple-touch-icon.png";

/// `GET /icons/{name}`: one of the web app's PNG icons.
pub async fn icon(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    png(&state, &name, &headers).await
}

/// `GET /apple-touch-icon.png`: the Home Screen icon, where iOS asks first.
pub async fn apple_touch_icon(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    png(&state, APPLE_TOUCH_ICON, &headers).await
}

/// One icon, kept in the page cache like a page (drawn once, see
/// `AppIcons`; PNG is not compressed again).
async fn png(state: &AppState, name: &str, headers: &HeaderMap) -> Result<Response, AppError> {
    if !ICONS.iter().any(|icon| icon.name == name) {
        return Err(AppError::NotFound);
    }
    let render = async {
        match state.icons.png(name) {
            Some(Ok(png)) => Ok(unchanging(Bytes::copy_from_slice(png), "image/png")),
            Some(Err(e)) => {
                // Checked at start for a configured logo: only a bug gets here.
                tracing::error!(error = %e, "icon not drawn");
                Err(AppError::NotFound)
            }
            None => Err(AppError::NotFound),
        }
    };
    let key = format!("/icons/{name}");
    state.pages.serve(key, headers, render).await
}

/// An answer that changes only with the configuration.
fn unchanging(body: Bytes, content_type: &'static str) -> Rendered {
    Rendered {
        body,
        content_type,
        last_modified: DateTime::UNIX_EPOCH,
        cache_control: A_DAY,
        // Dropped with every change like a site-wide page: cheap to redo.
        scope: Default::default(),
    }
}
