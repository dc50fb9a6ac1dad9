//! Accounts and request security: argon2id passwords, random tokens stored only as SHA-256
//! digests, session cookies, double-submit CSRF tokens, login throttling, the body-size limit
//! and the security headers every response carries.

use crate::error::WebError;
use crate::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "entente_session";
/// Name of the CSRF cookie (double-submit: every form echoes it in a hidden `csrf` field).
pub const CSRF_COOKIE: &str = "entente_csrf";
/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Cost of the argon2id password hash.
#[derive(Debug, Clone, Copy)]
pub struct PasswordCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
}

impl Default for PasswordCost {
    /// OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        PasswordCost { memory_kib: 19 * 1024, iterations: 2 }
    }
}

impl PasswordCost {
    /// A cheap cost for tests and load scripts only.
    pub fn fast_for_tests() -> Self {
        PasswordCost { memory_kib: 64, iterations: 1 }
    }
}

/// Hash a password with argon2id and a fresh salt (PHC string).
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String, WebError> {
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None).map_err(|e| WebError::Hash(e.to_string()))?;
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| WebError::Hash(e.to_string()))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| WebError::Hash(e.to_string()))
}

/// Check a password against a stored PHC string (its own parameters apply).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Hash on the blocking pool: argon2id takes tens of milliseconds by design.
pub async fn hash_password_async(password: String, cost: PasswordCost) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || hash_password(&password, cost))
        .await
        .map_err(|e| WebError::Hash(e.to_string()))?
}

/// Verify on the blocking pool.
pub async fn verify_password_async(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false)
}

/// A fresh random token: 32 bytes from the OS-seeded CSPRNG, as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex(&bytes)
}

/// SHA-256 of a token, as stored in the database (a leaked table does not leak live tokens).
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of one cookie in the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when asked.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", if secure { "; Secure" } else { "" })
}

/// The CSRF token of this request (from its cookie, or fresh when the cookie was absent).
#[derive(Debug, Clone)]
pub struct CsrfToken {
    /// The token to put in forms.
    pub value: String,
    /// Whether the request carried it as a cookie (only then can a form be accepted).
    pub from_cookie: bool,
}

/// Whether cookies must be marked Secure (configured, or the proxy says the client used TLS).
#[derive(Debug, Clone, Copy)]
pub struct SecureCookies(pub bool);

/// Middleware on every request: refuse bodies above the limit by their declared length (413),
/// attach the CSRF token (setting its cookie when new), and add the security headers.
pub async fn frame(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.body_limit as u64) {
        return WebError::TooLarge.into_response();
    }
    let secure = state.config.secure_cookies
        || req.headers().get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let from_cookie =
        cookie(req.headers(), CSRF_COOKIE).filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let token = CsrfToken { value: from_cookie.clone().unwrap_or_else(new_token), from_cookie: from_cookie.is_some() };
    req.extensions_mut().insert(token.clone());
    req.extensions_mut().insert(SecureCookies(secure));
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if !token.from_cookie {
        if let Ok(v) = HeaderValue::from_str(&set_cookie(CSRF_COOKIE, &token.value, 7 * 24 * 3600, secure)) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    for (name, value) in [
        ("content-security-policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("x-content-type-options", "nosniff"),
        // invitation and reset links carry tokens: never leak them in a Referer
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// User id.
    pub id: i64,
    /// Email (the login).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Site administrator (issues password-reset tokens).
    pub is_admin: bool,
}

/// The logged-in user, if any.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(MaybeUser(None)) };
        let digest = token_digest(&token);
        if let Some(user) = state.sessions.get(&digest) {
            return Ok(MaybeUser(Some(user)));
        }
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_admin, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(&digest)
        .bind(crate::db::now())
        .fetch_optional(&state.db.pool)
        .await?;
        let user = row.map(|r| {
            let user = CurrentUser {
                id: r.get("id"),
                email: r.get("email"),
                name: r.get("name"),
                is_admin: r.get::<i64, _>("is_admin") != 0,
            };
            state.sessions.put(digest, user.clone(), r.get("expires_at"));
            user
        });
        Ok(MaybeUser(user))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        MaybeUser::from_request_parts(parts, state).await?.0.ok_or(WebError::LoginRequired)
    }
}

/// A URL-encoded form whose hidden `csrf` field matches the CSRF cookie; otherwise 403.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let token = req.extensions().get::<CsrfToken>().cloned();
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge
            } else {
                WebError::BadInput("The form could not be read.".into())
            }
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| WebError::BadInput("The form could not be read.".into()))?;
        let sent = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
        match (token, sent) {
            (Some(t), Some(s)) if t.from_cookie && constant_time_eq(&t.value, s) => {}
            _ => return Err(WebError::Csrf),
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|e| WebError::BadInput(format!("The form is incomplete: {e}.")))
    }
}

/// Sessions looked up recently: every request of a logged-in user needs its session, and most
/// come in bursts (a respondent saving page after page). An entry is used for at most
/// [`SessionCache::TTL`]; logging out and password resets remove entries at once, so within
/// one server the cache changes nothing a user can see. Several servers on one PostgreSQL
/// database would honour a logout done on another server only after the TTL.
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (CurrentUser, i64, Instant)>>,
}

impl SessionCache {
    /// How long a looked-up session is trusted without asking the database again.
    pub const TTL: Duration = Duration::from_secs(5);
    const MAX_ENTRIES: usize = 100_000;

    /// The user of a session digest, when looked up less than [`SessionCache::TTL`] ago and not
    /// expired.
    pub fn get(&self, digest: &str) -> Option<CurrentUser> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(digest)
            .filter(|(_, expires_at, at)| at.elapsed() < Self::TTL && *expires_at > crate::db::now())
            .map(|(user, _, _)| user.clone())
    }

    /// Remember a session looked up in the database.
    pub fn put(&self, digest: String, user: CurrentUser, expires_at: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX_ENTRIES {
            map.retain(|_, (_, _, at)| at.elapsed() < Self::TTL);
        }
        map.insert(digest, (user, expires_at, Instant::now()));
    }

    /// Forget one session (logout).
    pub fn remove(&self, digest: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(digest);
    }

    /// Forget every session of a user (password reset).
    pub fn remove_user(&self, user_id: i64) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, (u, _, _)| u.id != user_id);
    }
}

/// Failed-login throttle per account: after `max_failures` failures within `window`, logins for
/// that email are refused (429) until the window has passed, even with the right password.
#[derive(Debug)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    max_failures: u32,
    window: Duration,
}

impl LoginLimiter {
    /// A limiter.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        LoginLimiter { failures: Mutex::new(HashMap::new()), max_failures, window }
    }

    /// `Err(seconds to wait)` while the account is throttled.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key) {
            Some(&(n, since)) if n >= self.max_failures && since.elapsed() < self.window => {
                Err((self.window - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Record a failure.
    pub fn fail(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = map.entry(key.to_string()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    /// Forget the failures after a successful login.
    pub fn succeed(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_wrong_password() {
        let h = hash_password("correct horse", PasswordCost::fast_for_tests()).expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hose", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_hex_and_digests_differ_from_tokens() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_digest(&a), a);
        assert_eq!(token_digest(&a), token_digest(&a));
    }

    #[test]
    fn cookies_are_found_among_several() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; entente_session=xyz; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn limiter_throttles_after_the_limit_and_forgets_on_success() {
        let l = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check("x").is_ok());
            l.fail("x");
        }
        assert!(l.check("x").is_err());
        assert!(l.check("y").is_ok());
        l.succeed("x");
        assert!(l.check("x").is_ok());
    }

    #[test]
    fn session_cache_forgets_on_logout_and_reset() {
        let c = SessionCache::default();
        let user = |id| CurrentUser { id, email: format!("{id}@x"), name: String::new(), is_admin: false };
        let later = crate::db::now() + 60;
        c.put("a".into(), user(1), later);
        c.put("b".into(), user(1), later);
        c.put("c".into(), user(2), later);
        c.put("old".into(), user(3), crate::db::now() - 1);
        assert_eq!(c.get("a").map(|u| u.id), Some(1));
        assert!(c.get("old").is_none(), "an expired session is never served");
        c.remove("a");
        assert!(c.get("a").is_none());
        c.remove_user(1);
        assert!(c.get("b").is_none());
        assert_eq!(c.get("c").map(|u| u.id), Some(2));
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
