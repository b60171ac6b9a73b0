//! `/api/v1/admin/tokens`: the caller's API tokens — list
//! (`GET`, admins may add `?all=true` for everyone's), create (`POST`,
//! answering 201 with the token, the only time it is shown), revoke
//! (`DELETE /{id}`; admins may revoke anyone's).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::accounts::AccountError;
use crate::accounts::tokens::create_token;
use crate::api::{MAX_BODY_BYTES, parse_json};
use crate::store::TokenRecord;
use crate::web::ApiUser;
use crate::web::AppState;
use crate::web::api_error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/tokens",
            get(list_tokens).post(create_api_token),
        )
        .route("/api/v1/admin/tokens/{id}", delete(revoke_token))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn rfc3339(unix: i64) -> Value {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| Value::String(t.to_rfc3339()))
        .unwrap_or(Value::Null)
}

fn token_json(token: &TokenRecord) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "user_email": token.email,
        "created_at": rfc3339(token.created_at),
        "last_used_at": token.last_used_at.map(rfc3339),
        "revoked_at": token.revoked_at.map(rfc3339),
    })
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/admin/tokens`.
async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    if query.all && !user.role.can_manage_users() {
        return Err(ApiError::forbidden(
            "forbidden",
            "listing everyone's tokens is for admins",
        ));
    }
    let owner = if query.all { None } else { Some(user.user_id) };
    let tokens = state.store.list_api_tokens(owner).await?;
    Ok(Json(json!({
        "tokens": tokens.iter().map(token_json).collect::<Vec<_>>()
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    name: Option<String>,
}

/// `POST /api/v1/admin/tokens`: 201 with the new token.
async fn create_api_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let request: CreateRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CreateRequest::default()
    } else {
        parse_json(&body)?
    };
    let created = create_token(&state.store, user.user_id, request.name.as_deref(), now())
        .await
        .map_err(|e| match e {
            AccountError::Invalid { field, message } => {
                ApiError::bad_request("invalid_token_name", format!("{field}: {message}"))
            }
            AccountError::Conflict { field, message } => ApiError::new(
                StatusCode::CONFLICT,
                "token_name_taken",
                format!("{field}: {message}"),
            ),
            other => ApiError::from(other),
        })?;
    let body = json!({
        "id": created.id,
        "name": created.name,
        "token": created.token,
        "created_at": rfc3339(created.created_at),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE /api/v1/admin/tokens/{id}`: 204.
async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "you have no working token with this id",
        )
    };
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let owner = if user.role.can_manage_users() {
        None
    } else {
        Some(user.user_id)
    };
    if state.store.revoke_api_token(id, owner, now()).await? {
        tracing::info!(user.id = user.user_id, token.id = id, "API token revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
