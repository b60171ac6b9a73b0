//! Newsroom pages: logging in (the password step and, for accounts with
//! two-factor on, the code step) and logging out. Handlers are thin: the
//! steps themselves are [`crate::accounts::login`].

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::field_errors::FieldErrors;
use super::layout::{self, Chrome};
use crate::accounts::Via;
use crate::accounts::login::{self, CodeOutcome, LoginOutcome};
use crate::accounts::session::{self, IssuedSession, SESSION_COOKIE};
use crate::accounts::throttle::Throttled;
use crate::web::AppState;
use crate::web::{ClientAddress, CsrfForm, NewsroomUser, csrf};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/login", get(show_login).post(log_in))
        .route("/newsroom/login/code", get(show_code).post(submit_code))
        .route("/newsroom/logout", post(log_out))
}

/// Where to go after logging in: `next` when it is a newsroom path on this
/// site, the dashboard otherwise (never another site: no `//host`, no
/// scheme, no backslash).
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/newsroom";
    let Some(next) = next else {
        return HOME.to_owned();
    };
    let rest = match next.strip_prefix(HOME) {
        Some(rest) => rest,
        None => return HOME.to_owned(),
    };
    let local = rest.is_empty() || rest.starts_with(['/', '?', '#']);
    let clean = !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if local && clean {
        next.to_owned()
    } else {
        HOME.to_owned()
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// Why the visitor is here: `logged-out`, `everywhere`.
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "newsroom/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    next: String,
    email: String,
    notice: Option<String>,
    errors: FieldErrors,
    throttled: Option<String>,
}

#[derive(Template)]
#[template(path = "newsroom/login_code.html")]
struct CodePage {
    chrome: Chrome,
    csrf: String,
    next: String,
    errors: FieldErrors,
    throttled: Option<String>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn with_status(status: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = status;
    response
}

pub(super) fn set_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The double-submit CSRF token of a form shown before any session (the
/// login form, an invite's): the visitor's `herald_login_csrf` cookie, or a
/// new one with the `Set-Cookie` value that gives it to them. `None` (the
/// cause logged) when there is no randomness to make one.
pub(super) fn pre_session_token(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<(String, Option<HeaderValue>)> {
    let secure = session::secure_cookies(&state.config);
    csrf::login_token(headers, secure)
        .inspect_err(|e| tracing::error!(error = %e, "no randomness for a form's CSRF token"))
        .ok()
}

/// Renders the login form with its CSRF cookie.
fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    fields: LoginFields,
) -> Response {
    let Some((token, cookie)) = pre_session_token(state, headers) else {
        return internal_error();
    };
    let page = LoginPage {
        chrome: Chrome::anonymous(state),
        csrf: token,
        next: fields.next,
        email: fields.email,
        notice: fields.notice,
        errors: fields.errors,
        throttled: fields.throttled.map(|t| t.message(now())),
    };
    let mut response = with_status(status, layout::render(&page));
    if let Some(cookie) = cookie {
        response = set_cookie(response, cookie);
    }
    if let Some(throttled) = fields.throttled {
        retry_after(&mut response, throttled);
    }
    response
}

fn retry_after(response: &mut Response, throttled: Throttled) {
    let seconds = throttled.retry_after(now()).to_string();
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

#[derive(Default)]
struct LoginFields {
    next: String,
    email: String,
    notice: Option<String>,
    errors: FieldErrors,
    throttled: Option<Throttled>,
}

/// Whether the request carries a logged-in (not half-way) session.
async fn logged_in(state: &AppState, headers: &HeaderMap) -> bool {
    match session::cookie_value(headers, SESSION_COOKIE) {
        Some(secret) => matches!(
            session::current(&state.store, secret, now()).await,
            Ok(Some(current)) if !current.pending_totp
        ),
        None => false,
    }
}

async fn show_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if logged_in(&state, &headers).await {
        return Redirect::to(&next).into_response();
    }
    let notice = match query.notice.as_deref() {
        Some("logged-out") => Some("You are logged out.".to_owned()),
        Some("everywhere") => Some("You are logged out on every device and browser.".to_owned()),
        Some("password") => Some("Your password was changed; log in with the new one.".to_owned()),
        _ => None,
    };
    login_page(
        &state,
        &headers,
        StatusCode::OK,
        LoginFields {
            next,
            notice,
            ..LoginFields::default()
        },
    )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// Where a logged-in browser goes, holding its new session.
pub(super) fn logged_in_redirect(state: &AppState, issued: &IssuedSession, to: &str) -> Response {
    let secure = session::secure_cookies(&state.config);
    set_cookie(
        Redirect::to(to).into_response(),
        session::session_cookie(issued, secure),
    )
}

async fn log_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let fields = |errors: FieldErrors| LoginFields {
        next: next.clone(),
        email: form.email.trim().to_owned(),
        errors,
        ..LoginFields::default()
    };
    if !csrf::login_token_matches(&headers, &form.csrf) {
        return login_page(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            fields(FieldErrors::one(
                "email",
                "This login form had expired (or your browser refused its cookie). Nothing was \
                 sent; please log in again.",
            )),
        );
    }
    if form.email.trim().is_empty() || form.password.is_empty() {
        let mut errors = FieldErrors::none();
        if form.email.trim().is_empty() {
            errors
                .items
                .extend(FieldErrors::one("email", "Enter your email address").items);
        }
        if form.password.is_empty() {
            errors
                .items
                .extend(FieldErrors::one("password", "Enter your password").items);
        }
        return login_page(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            fields(errors),
        );
    }
    let outcome = login::log_in(
        &state.store,
        &form.email,
        form.password.clone(),
        address,
        now(),
    )
    .await;
    match outcome {
        Ok(LoginOutcome::LoggedIn(issued)) => logged_in_redirect(&state, &issued, &next),
        Ok(LoginOutcome::CodeNeeded(pending)) => {
            let to = format!(
                "/newsroom/login/code?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            logged_in_redirect(&state, &pending, &to)
        }
        Ok(LoginOutcome::Refused) => login_page(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            fields(FieldErrors::one(
                "email",
                "The email address or the password is not right. Check both and try again.",
            )),
        ),
        Ok(LoginOutcome::Throttled(throttled)) => login_page(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            LoginFields {
                throttled: Some(throttled),
                ..fields(FieldErrors::none())
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "login failed");
            internal_error()
        }
    }
}

pub(super) fn internal_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; please try again.",
    )
        .into_response()
}

/// The session waiting for its TOTP code, if the request has one.
async fn pending_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<session::CurrentSession>, Response> {
    let Some(secret) = session::cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match session::current(&state.store, secret, now()).await {
        Ok(current) => Ok(current.filter(|c| c.pending_totp)),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the session");
            Err(internal_error())
        }
    }
}

fn code_page(
    state: &AppState,
    status: StatusCode,
    csrf: String,
    next: String,
    errors: FieldErrors,
    throttled: Option<Throttled>,
) -> Response {
    let page = CodePage {
        chrome: Chrome::anonymous(state),
        csrf,
        next,
        errors,
        throttled: throttled.map(|t| t.message(now())),
    };
    let mut response = with_status(status, layout::render(&page));
    if let Some(throttled) = throttled {
        retry_after(&mut response, throttled);
    }
    response
}

async fn show_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    match pending_session(&state, &headers).await {
        Ok(Some(pending)) => code_page(
            &state,
            StatusCode::OK,
            pending
                .principal
                .csrf_token()
                .unwrap_or_default()
                .to_owned(),
            next,
            FieldErrors::none(),
            None,
        ),
        Ok(None) => Redirect::to("/newsroom/login").into_response(),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

async fn submit_code(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let pending = match pending_session(&state, &headers).await {
        Ok(Some(pending)) => pending,
        Ok(None) => return Redirect::to("/newsroom/login").into_response(),
        Err(response) => return response,
    };
    if let Err(rejected) = csrf::verify(&pending.principal, &form.csrf) {
        return rejected.into_response();
    }
    let csrf_token = pending
        .principal
        .csrf_token()
        .unwrap_or_default()
        .to_owned();
    match login::submit_code(&state.store, &pending, &form.code, address, now()).await {
        Ok(CodeOutcome::LoggedIn(issued)) => logged_in_redirect(&state, &issued, &next),
        Ok(CodeOutcome::Refused) => code_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            csrf_token,
            next,
            FieldErrors::one(
                "code",
                "This code is not right, or it was already used. Enter the code your \
                 authenticator shows now.",
            ),
            None,
        ),
        Ok(CodeOutcome::Throttled(throttled)) => code_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            csrf_token,
            next,
            FieldErrors::none(),
            Some(throttled),
        ),
        Err(e) => {
            tracing::error!(error = %e, "login code check failed");
            internal_error()
        }
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn log_out(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    if let Via::Session { session_id, .. } = &user.via
        && let Err(e) = state.store.delete_session(*session_id).await
    {
        tracing::error!(error = %e, "cannot end a session");
        return internal_error();
    }
    logged_out_redirect(&state, "/newsroom/login?notice=logged-out")
}

/// Clears the session cookie and sends the browser to `to`.
pub fn logged_out_redirect(state: &AppState, to: &str) -> Response {
    let secure = session::secure_cookies(&state.config);
    set_cookie(
        Redirect::to(to).into_response(),
        session::clear_session_cookie(secure),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_newsroom_paths_are_followed() {
        assert_eq!(safe_next(None), "/newsroom");
        assert_eq!(safe_next(Some("/newsroom")), "/newsroom");
        assert_eq!(
            safe_next(Some("/newsroom/stories?status=draft")),
            "/newsroom/stories?status=draft"
        );
        for hostile in [
            "https://evil.example/newsroom",
            "//evil.example/newsroom",
            "/newsroom//evil.example",
            "/newsroom/\\evil.example",
            "/newsroomevil",
            "/",
            "/stories/x",
            "javascript:alert(1)",
            "/newsroom/\nx",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/newsroom", "{hostile}");
        }
    }
}
