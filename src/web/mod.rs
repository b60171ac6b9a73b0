//! The web layer's common ground, below the handler folders (`site/`,
//! `api/`, `newsroom/`) and above the domain: the state every handler
//! shares, the extractors that say who is asking, CSRF checks, the two error
//! types (JSON for the API, pages for people) and the page cache. The root
//! router that puts the handler folders together is `crate::server`'s.

pub mod api_error;
pub mod cache;
pub mod csrf;
pub mod extract;
pub mod page_error;
pub mod state;

pub use csrf::CsrfForm;
pub use extract::{ApiUser, ClientAddress, NewsroomUser};
pub use state::{AppState, PushState, StateError};
