//! The app's error type: every handler returns `Result<_, WebError>`, and each variant maps to
//! one status code and a short HTML page.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// What can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No session: the client is sent to the login page.
    #[error("Please log in.")]
    LoginRequired,
    /// The resource does not exist or the user is not a member of its alliance.
    #[error("Not found.")]
    NotFound,
    /// A member whose role does not allow this.
    #[error("Your role in this alliance does not allow this.")]
    Forbidden,
    /// A form without a valid CSRF token.
    #[error("The form has expired or did not come from this site; reload the page and try again.")]
    Csrf,
    /// Too many failed logins for this account.
    #[error("Too many failed logins; try again in {0} seconds.")]
    Throttled(u64),
    /// A request body above the limit.
    #[error("The request is too large.")]
    TooLarge,
    /// Input the user can correct.
    #[error("{0}")]
    BadInput(String),
    /// A configuration problem (database URL, address).
    #[error("{0}")]
    Config(String),
    /// A database failure.
    #[error("Database error: {0}.")]
    Db(#[from] sqlx::Error),
    /// Password hashing failed.
    #[error("Password hashing failed: {0}.")]
    Hash(String),
}

impl WebError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::LoginRequired => StatusCode::SEE_OTHER,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::BadInput(_) => StatusCode::BAD_REQUEST,
            WebError::Config(_) | WebError::Db(_) | WebError::Hash(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let WebError::LoginRequired = self {
            return (status, [(header::LOCATION, "/login")]).into_response();
        }
        if status.is_server_error() {
            eprintln!("entente serve: {self}");
        }
        // server errors are logged, not shown: their text may name tables or paths
        let message =
            if status.is_server_error() { "Something went wrong on the server.".to_string() } else { self.to_string() };
        let mut response =
            (status, axum::response::Html(crate::views::error_page(status, &message).into_string())).into_response();
        if let WebError::Throttled(seconds) = self {
            if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
