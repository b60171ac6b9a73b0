//! `POST /api/v1/admin/images`: a newsroom upload of a featured image,
//! as `multipart/form-data` (fields `file`, `alt`, `credit`) or as a raw
//! body with an image `Content-Type` and `alt` and `credit` in the query.
//! Any newsroom account may upload. The answer's `src` is what a story's
//! `image.url` names.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;

use crate::content::images::{ImageError, ImageText, media_path};
use crate::content::media::MAX_IMAGE_BYTES;
use crate::images::{ImageLabels, IngestError, ingest_image};
use crate::store::StoredImage;
use crate::web::ApiUser;
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// Room for the multipart framing and the text fields around the file.
const MAX_UPLOAD_BODY: usize = MAX_IMAGE_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/images", post(create_image))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY))
}

/// The answer to an upload.
#[derive(Debug, Serialize)]
struct ImageAnswer {
    src: String,
    width: u32,
    height: u32,
    /// Every size, narrowest first; the last is `src`.
    variants: Vec<Variant>,
    alt: String,
    credit: Option<String>,
}

#[derive(Debug, Serialize)]
struct Variant {
    src: String,
    width: u32,
}

impl From<StoredImage> for ImageAnswer {
    fn from(image: StoredImage) -> ImageAnswer {
        ImageAnswer {
            src: media_path(&image.name),
            width: image.width,
            height: image.height,
            variants: image
                .renditions
                .iter()
                .map(|r| Variant {
                    src: media_path(&r.name),
                    width: r.width,
                })
                .collect(),
            alt: image.alt,
            credit: image.credit,
        }
    }
}

/// What an upload request carried, before any checking.
#[derive(Default)]
struct Upload {
    file: Option<Bytes>,
    alt: Option<String>,
    credit: Option<String>,
}

async fn create_image(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<(StatusCode, Json<ImageAnswer>), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let upload = if content_type.starts_with("multipart/form-data") {
        read_multipart(
            Multipart::from_request(request, &state)
                .await
                .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?,
        )
        .await?
    } else if content_type.starts_with("image/") {
        read_raw(request, &state, query.as_deref()).await?
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send multipart/form-data (fields file, alt, credit) or the image itself with an \
             image/jpeg, image/png or image/webp Content-Type",
        ));
    };
    // Cheap checks first: a missing alt text costs no decoding.
    let text = ImageText::new(upload.alt.as_deref(), upload.credit.as_deref())?;
    let file = upload.file.ok_or_else(|| {
        ApiError::bad_request("file_required", "the multipart body has no file field")
    })?;
    // Processing waits for its share of the process's image memory budget
    // (`state.images`), and holds it until it ends, even if the client
    // hangs up.
    let labels = ImageLabels {
        alt: &text.alt,
        credit: text.credit.as_deref(),
    };
    let owner = Some(user.user_id);
    let stored = ingest_image(
        &state.store,
        file.into(),
        labels,
        owner,
        &state.images,
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        IngestError::Image(e) => ApiError::from(e),
        IngestError::Store(e) => ApiError::from(e),
    })?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Reads the `file`, `alt` and `credit` fields, stopping as soon as the
/// file passes the size limit.
async fn read_multipart(mut multipart: Multipart) -> Result<Upload, ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(ImageError::TooLarge)
        } else {
            ApiError::bad_request("invalid_multipart", e.body_text())
        }
    };
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" if upload.file.is_none() => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_IMAGE_BYTES {
                        return Err(ImageError::TooLarge.into());
                    }
                }
                upload.file = Some(bytes.into());
            }
            "alt" if upload.alt.is_none() => {
                upload.alt = Some(field.text().await.map_err(unreadable)?)
            }
            "credit" if upload.credit.is_none() => {
                upload.credit = Some(field.text().await.map_err(unreadable)?)
            }
            "file" | "alt" | "credit" => {
                return Err(ApiError::bad_request(
                    "invalid_multipart",
                    format!("the field {name} is given twice"),
                ));
            }
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_multipart",
                    format!("unknown field {name:?}: send file, alt and credit"),
                ));
            }
        }
    }
    Ok(upload)
}

/// Reads a raw image body, with `alt` and `credit` from the query string.
async fn read_raw(
    request: Request,
    state: &AppState,
    query: Option<&str>,
) -> Result<Upload, ApiError> {
    let mut upload = Upload::default();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "alt" => upload.alt = Some(value.into_owned()),
            "credit" => upload.credit = Some(value.into_owned()),
            other => {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("unknown query parameter {other:?}: use alt and credit"),
                ));
            }
        }
    }
    let bytes = Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(ImageError::TooLarge)
        } else {
            ApiError::from(e)
        }
    })?;
    upload.file = Some(bytes);
    Ok(upload)
}
