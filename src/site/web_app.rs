//! The site as an installable web app: `/manifest.webmanifest` (name,
//! colours, `display: standalone`, icons) and the PNG icons drawn from the
//! site's logo (`/icons/{name}`, and `/apple-touch-icon.png` where iOS
//! looks for it). On iPhone and iPad, web push works only for a site added
//! to the Home Screen, which needs this manifest.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::DateTime;
use serde_json::json;

use crate::content::icons::ICONS;
use crate::web::AppState;
use crate::web::cache::CachedPage;
use crate::web::encoded::Encoded;
use crate::web::page_error::AppError;

/// Icons and the manifest change only with the configuration.
const A_DAY: &str = "public, max-age=86400";

/// `GET /manifest.webmanifest`.
pub async fn manifest(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": site.theme_color,
        "background_color": site.background_color,
        "icons": icons,
    });
    let body = serde_json::to_vec_pretty(&manifest).expect("JSON values serialise");
    let encoded = Encoded::compress(Bytes::from(body), "application/manifest+json");
    answer(encoded, "application/manifest+json", &headers)
}

const APPLE_TOUCH_ICON: &str = "apple-touch-icon.png";

/// `GET /icons/{name}`: one of the web app's PNG icons.
pub async fn icon(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    png(&state, &name, &headers)
}

/// `GET /apple-touch-icon.png`: the Home Screen icon, where iOS asks first.
pub async fn apple_touch_icon(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    png(&state, APPLE_TOUCH_ICON, &headers)
}

fn png(state: &AppState, name: &str, headers: &HeaderMap) -> Result<Response, AppError> {
    match state.icons.png(name) {
        None => Err(AppError::NotFound),
        // PNG is compressed already.
        Some(Ok(png)) => Ok(answer(
            Encoded::identity(Bytes::copy_from_slice(png)),
            "image/png",
            headers,
        )),
        Some(Err(e)) => {
            // Checked at start for a configured logo: only a bug gets here.
            tracing::error!(error = %e, "icon not drawn");
            Err(AppError::NotFound)
        }
    }
}

fn answer(encoded: Encoded, content_type: &'static str, headers: &HeaderMap) -> Response {
    CachedPage::with_encoded(encoded, content_type, A_DAY, DateTime::UNIX_EPOCH).respond(headers)
}
