//! What every newsroom page shares: the layout's view model ([`Chrome`]),
//! and how a page is answered (never cached, never indexed).

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::accounts::Principal;
use crate::web::AppState;

/// The newsroom layout's view model (templates/newsroom/layout.html).
#[derive(Debug, Clone)]
pub struct Chrome {
    pub site_name: String,
    pub stylesheet: String,
    pub script: String,
    /// `None` on the login pages.
    pub user: Option<ChromeUser>,
    pub nav: Vec<NavItem>,
    pub flashes: Vec<Flash>,
}

#[derive(Debug, Clone)]
pub struct ChromeUser {
    pub name: String,
    pub role: String,
    /// The session's CSRF token, for the log-out form.
    pub csrf: String,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A one-line message at the top of a page.
#[derive(Debug, Clone)]
pub struct Flash {
    /// `info`, `success` or `error`: the class it is shown with.
    pub kind: &'static str,
    pub text: String,
}

/// The newsroom's sections, in the order of its navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Stories,
    Topics,
    Users,
    Tokens,
    Account,
}

impl Chrome {
    /// The layout for `user` on a page of `section`; the navigation shows
    /// only what the user's role may use.
    pub fn for_user(state: &AppState, user: &Principal, section: Section) -> Chrome {
        let items: [(Section, &str, &str, bool); 6] = [
            (Section::Dashboard, "/newsroom", "Dashboard", true),
            (Section::Stories, "/newsroom/stories", "Stories", true),
            (
                Section::Topics,
                "/newsroom/topics",
                "Topics",
                user.role.can_publish(),
            ),
            (
                Section::Users,
                "/newsroom/users",
                "Users",
                user.role.can_manage_users(),
            ),
            (Section::Tokens, "/newsroom/tokens", "API tokens", true),
            (Section::Account, "/newsroom/account", "Account", true),
        ];
        Chrome {
            user: Some(ChromeUser {
                name: user.name.clone(),
                role: user.role.to_string(),
                csrf: user.csrf_token().unwrap_or_default().to_owned(),
            }),
            nav: items
                .into_iter()
                .filter(|item| item.3)
                .map(|(s, href, label, _)| NavItem {
                    href,
                    label,
                    current: s == section,
                })
                .collect(),
            ..Chrome::anonymous(state)
        }
    }

    /// The layout for a visitor who is not logged in (the login pages).
    pub fn anonymous(state: &AppState) -> Chrome {
        Chrome {
            site_name: state.config.site.name.clone(),
            stylesheet: crate::site::assets::newsroom_stylesheet_path(),
            script: crate::site::assets::newsroom_script_path(),
            user: None,
            nav: Vec::new(),
            flashes: Vec::new(),
        }
    }

    pub fn with_flash(mut self, kind: &'static str, text: impl Into<String>) -> Chrome {
        self.flashes.push(Flash {
            kind,
            text: text.into(),
        });
        self
    }
}

/// Renders a newsroom page: private to the user, never stored by a cache.
/// [`render`] with `status` (a form with errors is 422, a created thing
/// 201); a page that fails to render stays a 500.
pub fn render_with(status: StatusCode, page: &impl Template) -> Response {
    let mut response = render(page);
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::VARY, "Cookie"),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render a newsroom page");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "cannot render this page",
            )
                .into_response()
        }
    }
}
