//! # alliance-web: the alliance workspace (`entente serve`)
//!
//! A server-rendered web app where the two partner firms of an alliance answer short
//! questionnaires each wave and see together where the alliance stands. It reuses
//! `alliance-core` for everything it measures and concludes: the instruments (the seven
//! motives, Hamel's intent, transparency and receptivity, trust-building practices) and the
//! dyad diagnosis of `entente assess` (quadrant, learning race, governance fit, recommendations
//! with their reasons). From the study catalogue (`alliance_core::constructs`) it takes two
//! constructs the dyad instrument lacks: trust in the partner during the running alliance
//! (trust2, `T2`, THEORY.md section 1), so that trust can be followed in each direction across
//! waves, and inter-partner learning (`LE`, the model's outcome), so that the owner can export
//! data for `entente study run` and `entente assess-population` ([`export`]).
//!
//! ## Design
//! - [`app`] builds the axum `Router` from an [`AppState`]; tests drive it with
//!   `app(state).oneshot(request)`, and [`serve`] runs it on a TCP listener.
//! - Storage ([`db`]) is sqlx's `Any` driver over SQLite (the default: one file, WAL mode,
//!   `synchronous = FULL`, so an acknowledged answer survives a crash) or PostgreSQL, with the
//!   same SQL for both and migrations embedded in the binary. Saves of answers go through one
//!   writer that commits whatever is queued in one transaction (group commit) and acknowledges
//!   each save only after that commit.
//! - Accounts ([`auth`]): argon2id password hashes; sessions and invitation, reset and CSRF
//!   tokens are 256-bit random values stored only as SHA-256 digests; session cookies are
//!   `HttpOnly; SameSite=Lax` and `Secure` when configured or behind a TLS proxy
//!   (`X-Forwarded-Proto: https`); every form carries a double-submit CSRF token; failed logins
//!   are throttled per account; request bodies are capped.
//! - Roles ([`handlers::Role`]): the alliance **owner** runs waves and sees the joint picture;
//!   one **partner lead** per firm invites that firm's respondents, keeps its gatekeeper ledger
//!   and exports its answers; **respondents** answer. A non-member of an alliance gets 404 for
//!   all of it; a member whose role does not allow an action gets 403.
//! - Privacy ([`analysis`]): partner-level figures need at least
//!   [`analysis::MIN_RESPONDENTS`] submitted questionnaires; neither partner sees the other's
//!   answers or ledger.
//! - Pages are maud templates (HTML-escaped by construction) with SVG charts drawn on the
//!   server ([`charts`]); no JavaScript is needed.
//!
//! Sources: THEORY.md sections 1-5; Hamel (1991) for the membrane and the ledger's knowledge
//! categories; OWASP's password-storage and CSRF cheat sheets for argon2id parameters and the
//! double-submit pattern.
#![deny(missing_docs)]

pub mod analysis;
pub mod auth;
pub mod charts;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod handlers;
pub mod views;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use auth::PasswordCost;
pub use db::Db;
pub use error::WebError;

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` on every response (set this when clients reach the app over TLS).
    pub secure_cookies: bool,
    /// Cost of the argon2id password hash.
    pub password_cost: PasswordCost,
    /// Largest accepted request body in bytes (413 above it).
    pub body_limit: usize,
    /// Whether anyone may create an account at `/signup`.
    pub allow_signup: bool,
    /// Failed logins per account before it is throttled.
    pub max_login_failures: u32,
    /// How long the failures are counted and the throttle lasts.
    pub login_window: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            password_cost: PasswordCost::default(),
            body_limit: 64 * 1024,
            allow_signup: true,
            max_login_failures: 5,
            login_window: Duration::from_secs(15 * 60),
        }
    }
}

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Settings.
    pub config: Arc<Config>,
    /// Failed-login throttle.
    pub limiter: Arc<auth::LoginLimiter>,
    /// Recently looked-up sessions.
    pub sessions: Arc<auth::SessionCache>,
}

impl AppState {
    /// State over a connected database.
    pub fn new(db: Db, config: Config) -> Self {
        let limiter = Arc::new(auth::LoginLimiter::new(config.max_login_failures, config.login_window));
        AppState { db, config: Arc::new(config), limiter, sessions: Arc::default() }
    }
}

/// The router with every route and the request frame (body limit, CSRF cookie, headers).
pub fn app(state: AppState) -> Router {
    use handlers as h;
    let limit = state.config.body_limit;
    Router::new()
        .route("/", get(h::home))
        .route("/static/app.css", get(h::css))
        .route("/signup", get(h::signup_page).post(h::signup))
        .route("/login", get(h::login_page).post(h::login))
        .route("/logout", post(h::logout))
        .route("/reset/{token}", get(h::reset_page).post(h::reset))
        .route("/admin", get(h::admin_page))
        .route("/admin/reset-tokens", post(h::issue_reset))
        .route("/alliances/new", get(h::new_alliance_page).post(h::create_alliance))
        .route("/alliances/{id}", get(h::alliance_page))
        .route("/alliances/{id}/invitations", post(h::invite))
        .route("/invite/{token}", get(h::invite_page).post(h::accept_invite))
        .route("/alliances/{id}/waves", post(h::open_wave))
        .route("/alliances/{id}/waves/{number}", get(h::answer_page).post(h::save_answers))
        .route("/alliances/{id}/waves/{number}/close", post(h::close_wave))
        .route("/alliances/{id}/dashboard", get(h::dashboard))
        .route("/alliances/{id}/ledger", get(h::ledger_page).post(h::add_ledger))
        .route("/alliances/{id}/export/answers.csv", get(h::export_answers))
        .route("/alliances/{id}/export/dataset.csv", get(h::export_dataset))
        .route("/alliances/{id}/export/study.csv", get(h::export_study))
        .route("/alliances/{id}/export/population.csv", get(h::export_population))
        .route("/alliances/{id}/audit", get(h::audit_page))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::frame))
        .with_state(state)
}

/// Serve the app on a bound listener until Ctrl-C (or SIGTERM).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// What `entente serve` asks for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Database URL (`sqlite://entente.db`, `postgres://user:pw@host/db`).
    pub db: String,
    /// Address to listen on.
    pub addr: String,
    /// Seed the demo alliance.
    pub demo: bool,
    /// Settings.
    pub config: Config,
}

/// What the server tells its caller once it listens.
#[derive(Debug, Clone)]
pub struct Ready {
    /// Base URL.
    pub url: String,
    /// Demo logins (with `--demo`).
    pub demo: Vec<demo::DemoLogin>,
}

/// Connect, migrate, seed the demo when asked, listen, call `ready`, serve until Ctrl-C. Runs
/// its own tokio runtime, so the binary needs none.
pub fn run_blocking(options: ServeOptions, ready: impl FnOnce(&Ready)) -> Result<(), WebError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| WebError::Config(format!("Could not start the runtime: {e}.")))?;
    runtime.block_on(async move {
        let db = Db::connect(&options.db).await?;
        let state = AppState::new(db, options.config);
        let demo = if options.demo { demo::seed(&state).await? } else { Vec::new() };
        let listener = tokio::net::TcpListener::bind(&options.addr)
            .await
            .map_err(|e| WebError::Config(format!("Could not listen on `{}`: {e}.", options.addr)))?;
        let addr: SocketAddr = listener.local_addr().map_err(|e| WebError::Config(e.to_string()))?;
        ready(&Ready { url: format!("http://{addr}/"), demo });
        serve(listener, state).await.map_err(|e| WebError::Config(format!("The server stopped: {e}.")))
    })
}
