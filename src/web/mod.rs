//! The web layer's common ground, below the handler folders (`site/`,
//! `api/`, `newsroom/`) and above the domain: the state every handler
//! shares, the extractors that say who is asking, CSRF checks, the two error
//! types (JSON for the API, pages for people) and the one table of statuses
//! for the domain's refusals (`refusals`), the page cache and the
//! content codings answers are sent in (`accept_encoding`, `codecs`, `encoded`,
//! `static_files`, `compress_dynamic`). The root
//! router that puts the handler folders together is `crate::server`'s.

pub mod accept_encoding;
pub mod api_error;
pub mod cache;
pub mod codecs;
pub mod compress_dynamic;
pub mod csrf;
pub mod encoded;
pub mod extract;
pub mod live_hub;
pub mod memo;
pub mod page_error;
pub mod page_scope;
pub mod refusals;
pub mod single_flight;
pub mod state;
pub mod static_files;

pub use csrf::CsrfForm;
pub use extract::{ApiUser, ClientAddress, NewsroomUser};
pub use state::{AppState, PushState, StateError};
