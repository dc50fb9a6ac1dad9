//! The routes. A handler inside an alliance states its rule in its signature with one
//! extractor ([`AnyMember`], [`AsOwner`], [`AsLead`], [`AsPartner`]), which loads the caller's
//! membership ([`member`]): a non-member gets 404 (the alliance's existence is not revealed), a
//! member whose role does not allow the action gets 403; forms are checked by [`CsrfForm`]. Partner-scoped data (answers, ledger) is
//! always selected by the caller's own partner id, never by an id from the request.

use crate::analysis::{self, Answers, Part, WaveView, MIN_RESPONDENTS};
use crate::auth::{self, CsrfForm, CsrfToken, CurrentUser, MaybeUser, SecureCookies};
use crate::charts::{self, QuadrantPoint};
use crate::db::{now, Save};
use crate::error::WebError;
use crate::views::{csrf_field, page, CSS};
use crate::AppState;
use alliance_core::assess::GovernanceForm;
use axum::extract::{FromRequestParts, Path, Query, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;
use sqlx::Row;
use std::collections::BTreeMap;

type Page = Result<Response, WebError>;

fn html_page(markup: Markup) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], markup.into_string())
        .into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Write one audit-log row.
pub async fn audit(
    state: &AppState,
    user: Option<i64>,
    alliance: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<(), WebError> {
    sqlx::query("INSERT INTO audit (at, user_id, alliance_id, action, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(now())
        .bind(user)
        .bind(alliance)
        .bind(action)
        .bind(detail)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// A role in one alliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Created the alliance; runs waves; sees the joint picture only.
    Owner,
    /// Leads one partner firm: invites its respondents, keeps its ledger, exports its answers.
    Lead,
    /// Answers questionnaires for one partner firm.
    Respondent,
}

impl Role {
    /// Stored spelling.
    pub fn key(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Lead => "lead",
            Role::Respondent => "respondent",
        }
    }
    fn parse(s: &str) -> Option<Role> {
        [Role::Owner, Role::Lead, Role::Respondent].into_iter().find(|r| r.key() == s)
    }
}

/// One partner firm.
#[derive(Debug, Clone)]
pub struct Partner {
    /// Row id.
    pub id: i64,
    /// `A` or `B`.
    pub side: String,
    /// Firm name.
    pub firm: String,
    /// Country.
    pub country: String,
}

/// The caller's view of one alliance.
#[derive(Debug, Clone)]
pub struct Member {
    /// Alliance id.
    pub alliance_id: i64,
    /// Alliance name.
    pub name: String,
    /// Governance form.
    pub governance: GovernanceForm,
    /// Partners A and B.
    pub partners: [Partner; 2],
    /// The caller's role.
    pub role: Role,
    /// The caller's partner (0 = A, 1 = B) for leads and respondents.
    pub side: Option<usize>,
}

/// Load the caller's membership of an alliance, with both partners, in one query; 404 when
/// there is none.
pub async fn member(state: &AppState, user: &CurrentUser, alliance_id: i64) -> Result<Member, WebError> {
    let rows = sqlx::query(
        "SELECT a.name, a.governance, m.role, m.partner_id, p.id, p.side, p.firm, p.country \
         FROM memberships m JOIN alliances a ON a.id = m.alliance_id JOIN partners p ON p.alliance_id = a.id \
         WHERE m.user_id = $1 AND m.alliance_id = $2 ORDER BY p.side",
    )
    .bind(user.id)
    .bind(alliance_id)
    .fetch_all(&state.db.pool)
    .await?;
    let row = rows.first().ok_or(WebError::NotFound)?;
    let partners: Vec<Partner> = rows
        .iter()
        .map(|r| Partner { id: r.get("id"), side: r.get("side"), firm: r.get("firm"), country: r.get("country") })
        .collect();
    let partners: [Partner; 2] = partners.try_into().map_err(|_| WebError::NotFound)?;
    let partner_id: Option<i64> = row.get("partner_id");
    let side = partner_id.and_then(|id| partners.iter().position(|p| p.id == id));
    Ok(Member {
        alliance_id,
        name: row.get("name"),
        governance: GovernanceForm::parse(&row.get::<String, _>("governance")).unwrap_or(GovernanceForm::EquityJv),
        role: Role::parse(&row.get::<String, _>("role")).ok_or(WebError::NotFound)?,
        partners,
        side,
    })
}

/// Who calls, inside the alliance named by the route's `{id}`: what every alliance handler
/// starts from. Taken by the extractors that state a handler's rule in its signature:
/// [`AnyMember`], [`AsOwner`], [`AsLead`], [`AsPartner`]. A visitor without a session is sent
/// to the login page, a non-member gets 404, a member whose role the rule excludes 403.
pub struct Caller {
    /// The app state.
    pub state: AppState,
    /// The logged-in user.
    pub user: CurrentUser,
    /// The user's membership of the alliance.
    pub m: Member,
    /// The request's CSRF token (for the forms of the page).
    pub csrf: CsrfToken,
    /// The alliance id.
    pub id: i64,
}

impl Caller {
    async fn load(parts: &mut Parts, state: &AppState) -> Result<Caller, WebError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| WebError::NotFound)?;
        let id = params
            .iter()
            .find(|(k, _)| *k == "id")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .ok_or(WebError::NotFound)?;
        let m = member(state, &user, id).await?;
        let csrf = parts.extensions.get::<CsrfToken>().cloned().ok_or(WebError::Csrf)?;
        Ok(Caller { state: state.clone(), user, m, csrf, id })
    }
}

/// Rule: any member of the alliance.
pub struct AnyMember(pub Caller);
/// Rule: the alliance owner only.
pub struct AsOwner(pub Caller);
/// Rule: a partner lead only; with the lead's side (0 = A, 1 = B).
pub struct AsLead(pub Caller, pub usize);
/// Rule: a member of a partner firm (lead or respondent); with its side.
pub struct AsPartner(pub Caller, pub usize);

impl FromRequestParts<AppState> for AnyMember {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        Ok(AnyMember(Caller::load(parts, state).await?))
    }
}

impl FromRequestParts<AppState> for AsOwner {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let c = Caller::load(parts, state).await?;
        if c.m.role != Role::Owner {
            return Err(WebError::Forbidden);
        }
        Ok(AsOwner(c))
    }
}

impl FromRequestParts<AppState> for AsLead {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let c = Caller::load(parts, state).await?;
        match (c.m.role, c.m.side) {
            (Role::Lead, Some(side)) => Ok(AsLead(c, side)),
            _ => Err(WebError::Forbidden),
        }
    }
}

impl FromRequestParts<AppState> for AsPartner {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let c = Caller::load(parts, state).await?;
        let side = c.m.side.ok_or(WebError::Forbidden)?;
        Ok(AsPartner(c, side))
    }
}

pub(crate) async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

pub(crate) async fn home(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Page {
    let Some(user) = user else {
        return Ok(html_page(page(
            "Alliance workspace",
            None,
            &csrf.value,
            html! {
                p { "Both partner firms of an alliance answer short questionnaires each wave and see together where the alliance stands: motive match, trust in each direction, the learning race, dependency risk and what to do next." }
                p { a href="/login" { "Log in" } " or " a href="/signup" { "create an account" } " to start an alliance." }
            },
        )));
    };
    let rows = sqlx::query(
        "SELECT a.id, a.name, m.role FROM memberships m JOIN alliances a ON a.id = m.alliance_id WHERE m.user_id = $1 ORDER BY a.id",
    )
    .bind(user.id)
    .fetch_all(&state.db.pool)
    .await?;
    let body = html! {
        section {
            h2 { "Your alliances" }
            @if rows.is_empty() { p { "You are not in any alliance yet." } }
            ul {
                @for r in &rows {
                    li { a href=(format!("/alliances/{}", r.get::<i64, _>("id"))) { (r.get::<String, _>("name")) } " (" (r.get::<String, _>("role")) ")" }
                }
            }
            p { a href="/alliances/new" { "Create an alliance" } }
        }
    };
    Ok(html_page(page("Alliance workspace", Some(&user), &csrf.value, body)))
}

fn credentials_form(csrf: &str, action: &str, with_name: bool, error: Option<&str>, button: &str) -> Markup {
    html! {
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action=(action) {
            (csrf_field(csrf))
            label for="email" { "Email" }
            input id="email" name="email" type="email" required autocomplete="username";
            @if with_name {
                label for="name" { "Your name" }
                input id="name" name="name" type="text" required;
            }
            label for="password" { "Password" }
            input id="password" name="password" type="password" required autocomplete=(if with_name { "new-password" } else { "current-password" });
            div { button type="submit" { (button) } }
        }
    }
}

pub(crate) async fn login_page(Extension(csrf): Extension<CsrfToken>) -> Response {
    html_page(page("Log in", None, &csrf.value, credentials_form(&csrf.value, "/login", false, None, "Log in")))
}

pub(crate) async fn signup_page(Extension(csrf): Extension<CsrfToken>) -> Response {
    html_page(page(
        "Create an account",
        None,
        &csrf.value,
        html! {
            p { "Create an account to start an alliance. Partner leads and respondents join through the invitation links they are given." }
            (credentials_form(&csrf.value, "/signup", true, None, "Create account"))
        },
    ))
}

/// Login and signup form.
#[derive(Deserialize)]
pub(crate) struct Credentials {
    email: String,
    password: String,
    #[serde(default)]
    name: String,
}

/// Minimum password length.
pub const MIN_PASSWORD: usize = 10;

fn check_password_rules(password: &str) -> Result<(), WebError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(WebError::BadInput(format!("The password must have at least {MIN_PASSWORD} characters.")));
    }
    Ok(())
}

fn normalise_email(email: &str) -> Result<String, WebError> {
    let e = email.trim().to_lowercase();
    if e.len() > 254 || !e.contains('@') || e.starts_with('@') || e.ends_with('@') {
        return Err(WebError::BadInput("Please give a valid email address.".into()));
    }
    Ok(e)
}

fn required(value: &str, field: &str, max: usize) -> Result<String, WebError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(WebError::BadInput(format!("The field `{field}` is required.")));
    }
    if v.chars().count() > max {
        return Err(WebError::BadInput(format!("The field `{field}` is longer than {max} characters.")));
    }
    Ok(v.to_string())
}

/// Create a user; the first user of the site becomes its administrator.
pub async fn create_user(state: &AppState, email: &str, name: &str, password: &str) -> Result<i64, WebError> {
    check_password_rules(password)?;
    let hash = auth::hash_password_async(password.to_string(), state.config.password_cost).await?;
    let existing: i64 = sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&state.db.pool).await?.get(0);
    let taken = sqlx::query("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(&state.db.pool).await?;
    if taken.is_some() {
        return Err(WebError::BadInput("An account with this email already exists; log in instead.".into()));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO users (email, name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(hash)
    .bind(i64::from(existing == 0))
    .bind(now())
    .fetch_one(&state.db.pool)
    .await?
    .get(0);
    Ok(id)
}

/// Start a session for a user: store the token's digest, return the Set-Cookie value.
pub async fn start_session(state: &AppState, user_id: i64, secure: bool) -> Result<String, WebError> {
    let token = auth::new_token();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(auth::token_digest(&token))
        .bind(user_id)
        .bind(now() + auth::SESSION_SECONDS)
        .execute(&state.db.pool)
        .await?;
    Ok(auth::set_cookie(auth::SESSION_COOKIE, &token, auth::SESSION_SECONDS, secure))
}

fn redirect_with_cookie(to: &str, cookie: &str) -> Page {
    let mut r = see_other(to);
    r.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_str(cookie).map_err(|e| WebError::Hash(e.to_string()))?);
    Ok(r)
}

pub(crate) async fn signup(
    State(state): State<AppState>,
    Extension(SecureCookies(secure)): Extension<SecureCookies>,
    CsrfForm(f): CsrfForm<Credentials>,
) -> Page {
    if !state.config.allow_signup {
        return Err(WebError::Forbidden);
    }
    let email = normalise_email(&f.email)?;
    let name = required(&f.name, "name", 100)?;
    let id = create_user(&state, &email, &name, &f.password).await?;
    audit(&state, Some(id), None, "signup", &email).await?;
    redirect_with_cookie("/", &start_session(&state, id, secure).await?)
}

pub(crate) async fn login(
    State(state): State<AppState>,
    Extension(SecureCookies(secure)): Extension<SecureCookies>,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(f): CsrfForm<Credentials>,
) -> Page {
    let email = f.email.trim().to_lowercase();
    state.limiter.check(&email).map_err(WebError::Throttled)?;
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&state.db.pool)
        .await?;
    let user = match row {
        Some(r) => {
            let ok = auth::verify_password_async(f.password.clone(), r.get("password_hash")).await;
            ok.then(|| r.get::<i64, _>("id"))
        }
        None => None,
    };
    let Some(id) = user else {
        state.limiter.fail(&email);
        audit(&state, None, None, "login-failed", &email).await?;
        let form = credentials_form(&csrf.value, "/login", false, Some("Wrong email or password."), "Log in");
        return Ok((StatusCode::UNAUTHORIZED, html_page(page("Log in", None, &csrf.value, form))).into_response());
    };
    state.limiter.succeed(&email);
    audit(&state, Some(id), None, "login", &email).await?;
    redirect_with_cookie("/", &start_session(&state, id, secure).await?)
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Page {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        let digest = auth::token_digest(&token);
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&digest).execute(&state.db.pool).await?;
        state.sessions.remove(&digest);
    }
    redirect_with_cookie("/", &auth::set_cookie(auth::SESSION_COOKIE, "", 0, false))
}

pub(crate) async fn new_alliance_page(user: CurrentUser, Extension(csrf): Extension<CsrfToken>) -> Response {
    let body = html! {
        form method="post" action="/alliances/new" {
            (csrf_field(&csrf.value))
            label for="name" { "Alliance name" }
            input id="name" name="name" type="text" required;
            @for (side, label) in [("a", "Partner A"), ("b", "Partner B")] {
                fieldset {
                    legend { (label) }
                    label for=(format!("firm_{side}")) { "Firm" }
                    input id=(format!("firm_{side}")) name=(format!("firm_{side}")) type="text" required;
                    label for=(format!("country_{side}")) { "Country" }
                    input id=(format!("country_{side}")) name=(format!("country_{side}")) type="text" required;
                }
            }
            label for="governance" { "Governance form" }
            select id="governance" name="governance" {
                @for g in GovernanceForm::ALL { option value=(g.key()) selected[g == GovernanceForm::EquityJv] { (g.to_string()) } }
            }
            div { button type="submit" { "Create alliance" } }
        }
    };
    html_page(page("Create an alliance", Some(&user), &csrf.value, body))
}

/// The new-alliance form.
#[derive(Deserialize)]
pub(crate) struct NewAlliance {
    name: String,
    firm_a: String,
    country_a: String,
    firm_b: String,
    country_b: String,
    governance: String,
}

/// Create an alliance with its two partners; the creator becomes its owner.
pub async fn create_alliance_row(
    state: &AppState,
    owner: i64,
    name: &str,
    governance: GovernanceForm,
    firms: [(&str, &str); 2],
) -> Result<i64, WebError> {
    let mut tx = state.db.pool.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO alliances (name, governance, owner_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(governance.key())
    .bind(owner)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    for (side, (firm, country)) in ["A", "B"].iter().zip(firms) {
        sqlx::query("INSERT INTO partners (alliance_id, side, firm, country) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(*side)
            .bind(firm)
            .bind(country)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO memberships (user_id, alliance_id, partner_id, role) VALUES ($1, $2, NULL, 'owner')")
        .bind(owner)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn create_alliance(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<NewAlliance>,
) -> Page {
    let governance = GovernanceForm::parse(&f.governance)
        .ok_or_else(|| WebError::BadInput(format!("`{}` is not a governance form.", f.governance)))?;
    let name = required(&f.name, "name", 200)?;
    let firms = [
        (required(&f.firm_a, "firm_a", 200)?, required(&f.country_a, "country_a", 100)?),
        (required(&f.firm_b, "firm_b", 200)?, required(&f.country_b, "country_b", 100)?),
    ];
    if firms[0].0 == firms[1].0 {
        return Err(WebError::BadInput("The two partner firms need different names.".into()));
    }
    let id = create_alliance_row(
        &state,
        user.id,
        &name,
        governance,
        [(&firms[0].0, &firms[0].1), (&firms[1].0, &firms[1].1)],
    )
    .await?;
    audit(&state, Some(user.id), Some(id), "alliance-created", &name).await?;
    Ok(see_other(&format!("/alliances/{id}")))
}

struct WaveRow {
    number: i64,
    parts: Vec<Part>,
    status: String,
}

async fn waves(state: &AppState, alliance: i64) -> Result<Vec<WaveRow>, WebError> {
    let rows = sqlx::query("SELECT number, instruments, status FROM waves WHERE alliance_id = $1 ORDER BY number")
        .bind(alliance)
        .fetch_all(&state.db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| WaveRow {
            number: r.get("number"),
            parts: analysis::parse_parts(&r.get::<String, _>("instruments")),
            status: r.get("status"),
        })
        .collect())
}

/// Query string of the answer page after a save.
#[derive(Deserialize, Default)]
pub(crate) struct Flash {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    missing: Option<usize>,
}

pub(crate) async fn alliance_page(AnyMember(Caller { state, user, m, csrf, id }): AnyMember) -> Page {
    let waves = waves(&state, id).await?;
    let people = sqlx::query(
        "SELECT u.name, u.email, m.role, m.partner_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.alliance_id = $1 ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?;
    let pending = sqlx::query(
        "SELECT email, role, partner_id, expires_at FROM invitations WHERE alliance_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id",
    )
    .bind(id)
    .bind(now())
    .fetch_all(&state.db.pool)
    .await?;
    let firm_of =
        |pid: Option<i64>| m.partners.iter().find(|p| Some(p.id) == pid).map_or("-".to_string(), |p| p.firm.clone());
    // leads and respondents see their own partner's people only; the owner sees everyone
    let visible = |pid: Option<i64>| m.role == Role::Owner || m.side.is_some_and(|s| Some(m.partners[s].id) == pid);
    let base = format!("/alliances/{id}");
    let body = html! {
        p { "Governance form: " (m.governance.to_string()) ". Your role: " (m.role.key())
            @if let Some(s) = m.side { " for " (m.partners[s].firm) } "." }
        nav aria-label="Alliance" {
            a href=(format!("{base}/dashboard")) { "Dashboard" }
            @if m.role == Role::Lead { " | " a href=(format!("{base}/ledger")) { "Gatekeeper ledger" } " | " a href=(format!("{base}/export/answers.csv")) { "Export our answers (CSV)" } }
            @if m.role == Role::Owner { " | " a href=(format!("{base}/audit")) { "Audit log" } }
        }
        section {
            h2 { "Partners" }
            table {
                tr { th { "Side" } th { "Firm" } th { "Country" } }
                @for p in &m.partners { tr { td { (p.side) } td { (p.firm) } td { (p.country) } } }
            }
        }
        section {
            h2 { "Waves" }
            @if waves.is_empty() { p { "No wave has been opened yet." } }
            ul {
                @for w in &waves {
                    li {
                        "Wave " (w.number) " (" (w.status) "): "
                        (w.parts.iter().map(|p| p.label()).collect::<Vec<_>>().join("; "))
                        @if w.status == "open" && m.side.is_some() { " - " a href=(format!("{base}/waves/{}", w.number)) { "answer the questionnaire" } }
                        @if w.status == "open" && m.role == Role::Owner {
                            form method="post" action=(format!("{base}/waves/{}/close", w.number)) {
                                (csrf_field(&csrf.value))
                                button type="submit" { "Close wave " (w.number) }
                            }
                        }
                    }
                }
            }
            @if m.role == Role::Owner && waves.iter().all(|w| w.status != "open") {
                form method="post" action=(format!("{base}/waves")) {
                    (csrf_field(&csrf.value))
                    fieldset {
                        legend { "Open a new wave with these instruments" }
                        @for p in Part::ALL {
                            div.check {
                                input type="checkbox" id=(format!("part_{}", p.key())) name="part" value=(p.key()) checked;
                                label for=(format!("part_{}", p.key())) { (p.label()) }
                            }
                        }
                    }
                    button type="submit" { "Open wave" }
                }
            }
        }
        @if m.role == Role::Owner && !waves.is_empty() {
            section {
                h2 { "Anonymised exports" }
                p { "For the command-line tools, once both partners have " (MIN_RESPONDENTS) " or more submitted questionnaires in the wave." }
                form method="get" action=(format!("{base}/export/study.csv")) {
                    label for="study_wave" { "Study data (" code { "entente study run" } ") of wave" }
                    select id="study_wave" name="wave" { @for w in &waves { option value=(w.number) { (w.number) } } }
                    div { button type="submit" { "Download study data" } }
                }
                form method="get" action=(format!("{base}/export/population.csv")) {
                    p { "Population row (" code { "entente assess-population" } "): give the outcomes the questionnaires do not measure." }
                    label for="pop_wave" { "Wave" }
                    select id="pop_wave" name="wave" { @for w in &waves { option value=(w.number) { (w.number) } } }
                    label for="pop_performance" { "Performance (any scale)" }
                    input id="pop_performance" name="performance" type="number" step="any" required;
                    label for="pop_failed" { "Failed (sub-optimal long-term performance)" }
                    select id="pop_failed" name="failed" { option value="0" { "no" } option value="1" { "yes" } }
                    label for="pop_terminated" { "Terminated before meeting its objectives" }
                    select id="pop_terminated" name="terminated" { option value="0" { "no" } option value="1" { "yes" } }
                    label for="pop_age" { "Age of the alliance (years)" }
                    input id="pop_age" name="age" type="number" step="any" min="0" required;
                    div { button type="submit" { "Download population row" } }
                }
            }
        }
        section {
            h2 { "People" }
            table {
                tr { th { "Name" } th { "Email" } th { "Role" } th { "Partner" } }
                @for r in people.iter().filter(|r| r.get::<String, _>("role") == "owner" || r.get::<String, _>("role") == "lead" || visible(r.get("partner_id"))) {
                    tr { td { (r.get::<String, _>("name")) } td { (r.get::<String, _>("email")) } td { (r.get::<String, _>("role")) } td { (firm_of(r.get("partner_id"))) } }
                }
            }
            @let open_invitations: Vec<_> = pending.iter().filter(|r| visible(r.get("partner_id"))).collect();
            @if !open_invitations.is_empty() {
                h3 { "Open invitations" }
                ul { @for r in open_invitations { li { (r.get::<String, _>("email")) " as " (r.get::<String, _>("role")) " for " (firm_of(r.get("partner_id"))) } } }
            }
            @if m.role == Role::Owner || m.role == Role::Lead {
                form method="post" action=(format!("{base}/invitations")) {
                    (csrf_field(&csrf.value))
                    h3 { @if m.role == Role::Owner { "Invite a partner lead" } @else { "Invite a respondent" } }
                    label for="invite_email" { "Email" }
                    input id="invite_email" name="email" type="email" required;
                    @if m.role == Role::Owner {
                        label for="invite_side" { "Partner" }
                        select id="invite_side" name="side" { @for p in &m.partners { option value=(p.side) { (p.firm) } } }
                    }
                    div { button type="submit" { "Create invitation link" } }
                }
            }
        }
    };
    Ok(html_page(page(&m.name, Some(&user), &csrf.value, body)))
}

/// Invitation form.
#[derive(Deserialize)]
pub(crate) struct InviteForm {
    email: String,
    #[serde(default)]
    side: String,
}

/// How long an invitation link stays valid.
pub const INVITATION_SECONDS: i64 = 7 * 24 * 3600;

/// Create an invitation and return its token (shown once to the inviter).
pub async fn create_invitation(
    state: &AppState,
    m: &Member,
    by: i64,
    email: &str,
    side: usize,
    role: Role,
) -> Result<String, WebError> {
    let token = auth::new_token();
    sqlx::query(
        "INSERT INTO invitations (token_hash, alliance_id, partner_id, role, email, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(auth::token_digest(&token))
    .bind(m.alliance_id)
    .bind(m.partners[side].id)
    .bind(role.key())
    .bind(email)
    .bind(by)
    .bind(now() + INVITATION_SECONDS)
    .execute(&state.db.pool)
    .await?;
    audit(
        state,
        Some(by),
        Some(m.alliance_id),
        "invitation-created",
        &format!("{email} as {} for {}", role.key(), m.partners[side].firm),
    )
    .await?;
    Ok(token)
}

pub(crate) async fn invite(
    AnyMember(Caller { state, user, m, csrf, id }): AnyMember,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> Page {
    let email = normalise_email(&f.email)?;
    let (side, role) = match m.role {
        Role::Owner => {
            let side = m
                .partners
                .iter()
                .position(|p| p.side.eq_ignore_ascii_case(&f.side))
                .ok_or_else(|| WebError::BadInput("Choose partner A or B.".into()))?;
            let leads: i64 = sqlx::query("SELECT COUNT(*) FROM memberships WHERE partner_id = $1 AND role = 'lead'")
                .bind(m.partners[side].id)
                .fetch_one(&state.db.pool)
                .await?
                .get(0);
            if leads > 0 {
                return Err(WebError::BadInput(format!("{} already has a partner lead.", m.partners[side].firm)));
            }
            (side, Role::Lead)
        }
        Role::Lead => (m.side.ok_or(WebError::Forbidden)?, Role::Respondent),
        Role::Respondent => return Err(WebError::Forbidden),
    };
    let token = create_invitation(&state, &m, user.id, &email, side, role).await?;
    let link = format!("/invite/{token}");
    let body = html! {
        p { "Invitation for " (email) " as " (role.key()) " of " (m.partners[side].firm) ". Pass this link on; it works once and expires in 7 days:" }
        p.token { a href=(link) { (link) } }
        p { a href=(format!("/alliances/{id}")) { "Back to the alliance" } }
    };
    Ok(html_page(page("Invitation created", Some(&user), &csrf.value, body)))
}

struct Invitation {
    id: i64,
    alliance_id: i64,
    partner_id: i64,
    role: String,
    email: String,
}

async fn valid_invitation(state: &AppState, token: &str) -> Result<Invitation, WebError> {
    let r = sqlx::query(
        "SELECT id, alliance_id, partner_id, role, email FROM invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(auth::token_digest(token))
    .bind(now())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(Invitation {
        id: r.get("id"),
        alliance_id: r.get("alliance_id"),
        partner_id: r.get("partner_id"),
        role: r.get("role"),
        email: r.get("email"),
    })
}

pub(crate) async fn invite_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
) -> Page {
    let inv = valid_invitation(&state, &token).await?;
    let firm: String = sqlx::query("SELECT firm FROM partners WHERE id = $1")
        .bind(inv.partner_id)
        .fetch_one(&state.db.pool)
        .await?
        .get(0);
    let has_account = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(&inv.email)
        .fetch_optional(&state.db.pool)
        .await?
        .is_some();
    let body = html! {
        p { "You are invited to join as " (inv.role) " for " (firm) " with the email " (inv.email) "." }
        form method="post" action=(format!("/invite/{token}")) {
            (csrf_field(&csrf.value))
            @if has_account {
                p { "You already have an account: confirm with your password." }
            } @else {
                label for="name" { "Your name" }
                input id="name" name="name" type="text" required;
            }
            label for="password" { @if has_account { "Password" } @else { "Choose a password (at least 10 characters)" } }
            input id="password" name="password" type="password" required;
            div { button type="submit" { "Join" } }
        }
    };
    Ok(html_page(page("Join an alliance", None, &csrf.value, body)))
}

/// Accept-invitation form.
#[derive(Deserialize)]
pub(crate) struct AcceptForm {
    #[serde(default)]
    name: String,
    password: String,
}

/// Accept an invitation: create or confirm the account, mark the token used (once), add the
/// membership. Returns the user id.
pub async fn accept_invitation(
    state: &AppState,
    token: &str,
    name: &str,
    password: &str,
) -> Result<(i64, i64), WebError> {
    let inv = valid_invitation(state, token).await?;
    let existing = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(&inv.email)
        .fetch_optional(&state.db.pool)
        .await?;
    let user_id = match existing {
        Some(r) => {
            state.limiter.check(&inv.email).map_err(WebError::Throttled)?;
            if !auth::verify_password_async(password.to_string(), r.get("password_hash")).await {
                state.limiter.fail(&inv.email);
                return Err(WebError::BadInput("Wrong password for this account.".into()));
            }
            r.get::<i64, _>("id")
        }
        None => create_user(state, &inv.email, &required(name, "name", 100)?, password).await?,
    };
    let mut tx = state.db.pool.begin().await?;
    let used = sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now())
        .bind(inv.id)
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(WebError::NotFound);
    }
    let already = sqlx::query("SELECT id FROM memberships WHERE user_id = $1 AND alliance_id = $2")
        .bind(user_id)
        .bind(inv.alliance_id)
        .fetch_optional(&mut *tx)
        .await?;
    if already.is_some() {
        return Err(WebError::BadInput("You are already a member of this alliance.".into()));
    }
    sqlx::query("INSERT INTO memberships (user_id, alliance_id, partner_id, role) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(inv.alliance_id)
        .bind(inv.partner_id)
        .bind(&inv.role)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit(
        state,
        Some(user_id),
        Some(inv.alliance_id),
        "invitation-accepted",
        &format!("{} as {}", inv.email, inv.role),
    )
    .await?;
    Ok((user_id, inv.alliance_id))
}

pub(crate) async fn accept_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(SecureCookies(secure)): Extension<SecureCookies>,
    CsrfForm(f): CsrfForm<AcceptForm>,
) -> Page {
    let (user_id, alliance) = accept_invitation(&state, &token, &f.name, &f.password).await?;
    redirect_with_cookie(&format!("/alliances/{alliance}"), &start_session(&state, user_id, secure).await?)
}

/// Open a wave with the chosen parts; refused while another wave is open.
pub async fn open_wave_row(state: &AppState, alliance: i64, parts: &[Part]) -> Result<i64, WebError> {
    if parts.is_empty() {
        return Err(WebError::BadInput("Choose at least one instrument for the wave.".into()));
    }
    let existing = waves(state, alliance).await?;
    if existing.iter().any(|w| w.status == "open") {
        return Err(WebError::BadInput("Close the open wave before opening the next.".into()));
    }
    let number = existing.last().map_or(1, |w| w.number + 1);
    let keys: Vec<&str> = parts.iter().map(|p| p.key()).collect();
    sqlx::query(
        "INSERT INTO waves (alliance_id, number, instruments, status, opened_at) VALUES ($1, $2, $3, 'open', $4)",
    )
    .bind(alliance)
    .bind(number)
    .bind(keys.join(","))
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(number)
}

pub(crate) async fn open_wave(
    AsOwner(Caller { state, user, id, .. }): AsOwner,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let mut parts = Vec::new();
    for (k, v) in f.iter().filter(|(k, _)| k == "part") {
        let p =
            Part::parse(v).ok_or_else(|| WebError::BadInput(format!("`{v}` is not an instrument (field `{k}`).")))?;
        if !parts.contains(&p) {
            parts.push(p);
        }
    }
    let number = open_wave_row(&state, id, &parts).await?;
    audit(&state, Some(user.id), Some(id), "wave-opened", &format!("wave {number}")).await?;
    Ok(see_other(&format!("/alliances/{id}")))
}

pub(crate) async fn close_wave(
    AsOwner(Caller { state, user, id, .. }): AsOwner,
    Path((_, number)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let done = sqlx::query(
        "UPDATE waves SET status = 'closed', closed_at = $1 WHERE alliance_id = $2 AND number = $3 AND status = 'open'",
    )
    .bind(now())
    .bind(id)
    .bind(number)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(WebError::NotFound);
    }
    audit(&state, Some(user.id), Some(id), "wave-closed", &format!("wave {number}")).await?;
    Ok(see_other(&format!("/alliances/{id}")))
}

struct OpenWave {
    id: i64,
    parts: Vec<Part>,
    status: String,
}

async fn wave(state: &AppState, alliance: i64, number: i64) -> Result<OpenWave, WebError> {
    let r = sqlx::query("SELECT id, instruments, status FROM waves WHERE alliance_id = $1 AND number = $2")
        .bind(alliance)
        .bind(number)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(OpenWave {
        id: r.get("id"),
        parts: analysis::parse_parts(&r.get::<String, _>("instruments")),
        status: r.get("status"),
    })
}

/// The caller's saved answers in a wave and whether they were submitted.
async fn my_response(state: &AppState, wave_id: i64, user_id: i64) -> Result<(Answers, bool), WebError> {
    let r = sqlx::query("SELECT id, submitted_at FROM responses WHERE wave_id = $1 AND user_id = $2")
        .bind(wave_id)
        .bind(user_id)
        .fetch_optional(&state.db.pool)
        .await?;
    let Some(r) = r else { return Ok((Answers::new(), false)) };
    let submitted = r.get::<Option<i64>, _>("submitted_at").is_some();
    let rows = sqlx::query("SELECT item, value FROM answers WHERE response_id = $1")
        .bind(r.get::<i64, _>("id"))
        .fetch_all(&state.db.pool)
        .await?;
    Ok((rows.iter().map(|a| (a.get::<String, _>("item"), a.get::<i64, _>("value"))).collect(), submitted))
}

pub(crate) async fn answer_page(
    AsPartner(Caller { state, user, m, csrf, id }, side): AsPartner,
    Path((_, number)): Path<(i64, i64)>,
    Query(flash): Query<Flash>,
) -> Page {
    let w = wave(&state, id, number).await?;
    let (saved, submitted) = my_response(&state, w.id, user.id).await?;
    let title = format!("Wave {number}: questionnaire for {}", m.partners[side].firm);
    let body = html! {
        @if submitted {
            p.notice { "Thank you: your answers to this wave are submitted." }
        } @else if w.status != "open" {
            p.notice { "This wave is closed." }
        } @else {
            @if flash.saved.is_some() { p.notice role="status" { "Your answers are saved. You can continue later." } }
            @if let Some(n) = flash.missing { p.error role="alert" { (n) " items are still unanswered; answer them all to submit. Your answers are saved." } }
            p { "Answer for your firm only, about this alliance. Every item runs from 1 to 7. Save to continue later; submit when you are done (answers cannot be changed after submitting)." }
            form method="post" action=(format!("/alliances/{id}/waves/{number}")) {
                (csrf_field(&csrf.value))
                @for part in &w.parts {
                    h2 { (part.label()) }
                    @for c in part.constructs() {
                        @for item in &c.items {
                            fieldset.item {
                                legend { (item.text) }
                                div.scale {
                                    span.anchor aria-hidden="true" { "1 = " (item.anchors.0[0]) }
                                    @for v in 1..=7i64 {
                                        @let fid = format!("{}_{v}", item.id);
                                        span {
                                            input type="radio" id=(fid) name=(item.id) value=(v) checked[saved.get(&item.id) == Some(&v)];
                                            label for=(fid) { (v) @if v == 1 || v == 7 { span.anchor { " (" (item.anchors.0[(v - 1) as usize]) ")" } } }
                                        }
                                    }
                                    span.anchor aria-hidden="true" { "7 = " (item.anchors.0[6]) }
                                }
                            }
                        }
                    }
                }
                button type="submit" name="action" value="save" { "Save and continue later" }
                " "
                button type="submit" name="action" value="submit" { "Submit" }
            }
        }
        p { a href=(format!("/alliances/{id}")) { "Back to the alliance" } }
    };
    Ok(html_page(page(&title, Some(&user), &csrf.value, body)))
}

/// Save (and optionally submit) answers; returns the number of items still unanswered (for a
/// submit; 0 for a plain save). Goes through the database's group-committing writer.
pub async fn save_answers_rows(
    state: &AppState,
    user_id: i64,
    partner_id: i64,
    wave_id: i64,
    allowed: &[String],
    answers: &[(String, i64)],
    submit: bool,
) -> Result<usize, WebError> {
    let save = Save { user_id, partner_id, wave_id, items: allowed.len(), answers: answers.to_vec(), submit };
    Ok(state.db.save(save).await?.missing)
}

pub(crate) async fn save_answers(
    AsPartner(Caller { state, user, m, id, .. }, side): AsPartner,
    Path((_, number)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let w = wave(&state, id, number).await?;
    if w.status != "open" {
        return Err(WebError::BadInput("This wave is closed.".into()));
    }
    let allowed: Vec<&'static str> = w.parts.iter().flat_map(|p| p.item_ids()).collect();
    let mut answers = Vec::new();
    let mut submit = false;
    for (k, v) in &f {
        match k.as_str() {
            "csrf" => {}
            "action" => submit = v == "submit",
            item if allowed.contains(&item) => {
                let value: i64 = v.parse().ok().filter(|x| (1..=7).contains(x)).ok_or_else(|| {
                    WebError::BadInput(format!("The answer to `{item}` must be a whole number from 1 to 7."))
                })?;
                answers.push((item.to_string(), value));
            }
            other => return Err(WebError::BadInput(format!("`{other}` is not an item of this wave."))),
        }
    }
    let save = Save {
        user_id: user.id,
        partner_id: m.partners[side].id,
        wave_id: w.id,
        items: allowed.len(),
        answers,
        submit,
    };
    let missing = state.db.save(save).await?.missing;
    let back = format!("/alliances/{id}/waves/{number}");
    Ok(match (submit, missing) {
        (true, 0) => see_other(&back),
        (true, n) => see_other(&format!("{back}?missing={n}")),
        _ => see_other(&format!("{back}?saved=1")),
    })
}

/// Submitted questionnaires of an alliance: wave number -> side (0/1) -> one answer map each.
async fn submitted(state: &AppState, m: &Member) -> Result<BTreeMap<i64, [Vec<Answers>; 2]>, WebError> {
    let rows = sqlx::query(
        "SELECT w.number, r.id, r.partner_id, a.item, a.value FROM answers a JOIN responses r ON r.id = a.response_id \
         JOIN waves w ON w.id = r.wave_id WHERE w.alliance_id = $1 AND r.submitted_at IS NOT NULL ORDER BY w.number, r.id",
    )
    .bind(m.alliance_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut by_response: BTreeMap<(i64, usize, i64), Answers> = BTreeMap::new();
    for r in &rows {
        let pid: i64 = r.get("partner_id");
        let Some(side) = m.partners.iter().position(|p| p.id == pid) else { continue };
        by_response.entry((r.get("number"), side, r.get("id"))).or_default().insert(r.get("item"), r.get("value"));
    }
    let mut out: BTreeMap<i64, [Vec<Answers>; 2]> = BTreeMap::new();
    for ((number, side, _), answers) in by_response {
        out.entry(number).or_default()[side].push(answers);
    }
    Ok(out)
}

/// Every wave's view for the dashboard.
pub async fn wave_views(state: &AppState, m: &Member) -> Result<Vec<WaveView>, WebError> {
    let all = submitted(state, m).await?;
    let firms = [m.partners[0].firm.as_str(), m.partners[1].firm.as_str()];
    let empty: [Vec<Answers>; 2] = Default::default();
    Ok(waves(state, m.alliance_id)
        .await?
        .into_iter()
        .map(|w| {
            let sides = all.get(&w.number).unwrap_or(&empty);
            let refs: [Vec<&Answers>; 2] = [sides[0].iter().collect(), sides[1].iter().collect()];
            WaveView {
                number: w.number,
                status: w.status,
                submitted: [refs[0].len(), refs[1].len()],
                trust: [analysis::partner_trust(&refs[0]), analysis::partner_trust(&refs[1])],
                diagnosis: analysis::diagnose_wave(firms, m.governance, [&refs[0], &refs[1]]),
            }
        })
        .collect())
}

pub(crate) async fn dashboard(AnyMember(Caller { state, user, m, csrf, id }): AnyMember) -> Page {
    let views = wave_views(&state, &m).await?;
    let (fa, fb) = (m.partners[0].firm.as_str(), m.partners[1].firm.as_str());
    let points: Vec<QuadrantPoint> = views
        .iter()
        .filter_map(|v| {
            v.diagnosis.as_ref().ok().map(|d| QuadrantPoint {
                label: format!("wave {}", v.number),
                a: d.facts.profiles[0].index,
                b: d.facts.profiles[1].index,
            })
        })
        .collect();
    let latest = views.iter().rev().find_map(|v| v.diagnosis.as_ref().ok().map(|d| (v.number, d)));
    let trust: Vec<(i64, [Option<f64>; 2])> = views.iter().map(|v| (v.number, v.trust)).collect();
    let not_enough = "not enough answers yet";
    let body = html! {
        p { a href=(format!("/alliances/{id}")) { "Back to the alliance" } }
        p { "Partner-level figures appear once at least " (MIN_RESPONDENTS) " respondents of that partner have submitted a wave." }
        section {
            h2 { "Waves" }
            table {
                tr { th { "Wave" } th { "Status" } th { "Submitted: " (fa) } th { "Submitted: " (fb) } th { (fa) " trusts " (fb) } th { (fb) " trusts " (fa) } }
                @for v in &views {
                    tr {
                        td { (v.number) } td { (v.status) } td { (v.submitted[0]) } td { (v.submitted[1]) }
                        @for t in v.trust { td { @if let Some(t) = t { (format!("{t:.2}")) } @else { (not_enough) } } }
                    }
                }
            }
        }
        @if let Some((number, d)) = latest {
            section {
                h2 { "Where the alliance stands (wave " (number) ")" }
                (charts::quadrant(fa, fb, &points))
                p { "Quadrant: " strong { (d.facts.quadrant.to_string()) } ". "
                    (fa) ": index " (format!("{:+.2}", d.facts.profiles[0].index)) " (" (d.facts.profiles[0].stance.to_string()) "); "
                    (fb) ": index " (format!("{:+.2}", d.facts.profiles[1].index)) " (" (d.facts.profiles[1].stance.to_string()) "). Match score " (format!("{:.2}", d.facts.match_score)) "." }
                @if let Some(r) = d.resolution { p { "Predicted resolution of the mismatch: " (r.to_string()) @if let Some(l) = d.lag { ", lag " (l.to_string()) } "." } }
                p { "Predisposition to failure: " (d.failure.to_string()) "; expected performance: " (d.performance.to_string()) "; expected learning: " (d.learning.to_string()) "." }
            }
            section {
                h2 { "Trust in each direction" }
                (charts::trust_lines(fa, fb, &trust))
            }
            section {
                h2 { "Learning balance and dependency risk" }
                (charts::learning_bars(fa, fb, d.learning_balance.potentials))
                p { @if let Some(f) = &d.learning_balance.faster { "Faster learner: " (f) ". " } @else { "The learning race is balanced. " }
                    "Risk of a dependency spiral for the slower learner: " strong { (d.learning_balance.spiral_risk.to_string()) } "." }
            }
            section {
                h2 { "Governance fit" }
                p { "Governance form: " (m.governance.to_string()) ". "
                    @match d.governance_fit {
                        Some(fit) => { "Fit with the quadrant: " (fit_text(fit)) ". " }
                        None => { "A mismatch has no governance fit until it resolves. " }
                    }
                    @if !d.fitting_forms.is_empty() { "Forms that fit: " (d.fitting_forms.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ")) "." } }
            }
            section {
                h2 { "Recommendations" }
                @if d.findings.is_empty() { p { "No rule fired." } }
                ol {
                    @for f in &d.findings {
                        li {
                            strong { (f.recommendation) }
                            br;
                            "Why: " (f.finding) " (" (f.basis) ", rule " code { (f.rule) } @if let Some(p) = &f.partner { ", about " (p) } ")"
                        }
                    }
                }
            }
        } @else {
            section {
                h2 { "Where the alliance stands" }
                p.notice { "No diagnosis yet: " (not_enough) "."
                    @if let Some(Err(why)) = views.last().map(|v| &v.diagnosis) { " " (why) } }
                @if trust.iter().any(|(_, t)| t.iter().any(Option::is_some)) { (charts::trust_lines(fa, fb, &trust)) }
            }
        }
    };
    Ok(html_page(page(&format!("{}: dashboard", m.name), Some(&user), &csrf.value, body)))
}

fn fit_text(fit: alliance_core::assess::rules::GovernanceFit) -> &'static str {
    use alliance_core::assess::rules::GovernanceFit as F;
    match fit {
        F::Fits => "the form fits",
        F::OverIntegrated => "over-integrated (more integration than the quadrant calls for)",
        F::UnderIntegrated => "under-integrated (less integration than the quadrant calls for)",
    }
}

/// Knowledge categories of the gatekeeper ledger (Hamel: what crosses the membrane).
pub const KNOWLEDGE_CATEGORIES: [&str; 5] =
    ["technology", "tacit know-how", "market knowledge", "process and operations", "management practice"];

pub(crate) async fn ledger_page(AsLead(Caller { state, user, m, csrf, id }, side): AsLead) -> Page {
    let rows = sqlx::query("SELECT direction, item, category, approved_by, disclosed_on FROM ledger WHERE partner_id = $1 ORDER BY disclosed_on, id")
        .bind(m.partners[side].id)
        .fetch_all(&state.db.pool)
        .await?;
    let other = &m.partners[1 - side].firm;
    let count = |dir: &str, cat: &str| {
        rows.iter().filter(|r| r.get::<String, _>("direction") == dir && r.get::<String, _>("category") == cat).count()
    };
    let body = html! {
        p { "What " (m.partners[side].firm) " disclosed to " (other) " and received from it, as recorded by its gatekeepers. " (other) " never sees these entries." }
        section {
            h2 { "Summary" }
            table {
                tr { th { "Knowledge category" } th { "We gave" } th { "We received" } }
                @for c in KNOWLEDGE_CATEGORIES { tr { td { (c) } td { (count("gave", c)) } td { (count("received", c)) } } }
            }
        }
        section {
            h2 { "Entries" }
            table {
                tr { th { "Date" } th { "Direction" } th { "Item" } th { "Category" } th { "Approved by" } }
                @for r in &rows {
                    tr { td { (r.get::<String, _>("disclosed_on")) } td { (r.get::<String, _>("direction")) } td { (r.get::<String, _>("item")) } td { (r.get::<String, _>("category")) } td { (r.get::<String, _>("approved_by")) } }
                }
            }
        }
        section {
            h2 { "Record a disclosure" }
            form method="post" action=(format!("/alliances/{id}/ledger")) {
                (csrf_field(&csrf.value))
                label for="direction" { "Direction" }
                select id="direction" name="direction" { option value="gave" { "we gave to " (other) } option value="received" { "we received from " (other) } }
                label for="item" { "What (item)" }
                input id="item" name="item" type="text" required;
                label for="category" { "Knowledge category" }
                select id="category" name="category" { @for c in KNOWLEDGE_CATEGORIES { option value=(c) { (c) } } }
                label for="approved_by" { "Approved by" }
                input id="approved_by" name="approved_by" type="text" required;
                label for="disclosed_on" { "Date" }
                input id="disclosed_on" name="disclosed_on" type="date" required;
                div { button type="submit" { "Record" } }
            }
        }
    };
    Ok(html_page(page(&format!("Gatekeeper ledger of {}", m.partners[side].firm), Some(&user), &csrf.value, body)))
}

/// Ledger entry form.
#[derive(Deserialize)]
pub(crate) struct LedgerForm {
    direction: String,
    item: String,
    category: String,
    approved_by: String,
    disclosed_on: String,
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.split('-').all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && s[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..10].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

pub(crate) async fn add_ledger(
    AsLead(Caller { state, user, m, id, .. }, side): AsLead,
    CsrfForm(f): CsrfForm<LedgerForm>,
) -> Page {
    if !["gave", "received"].contains(&f.direction.as_str()) {
        return Err(WebError::BadInput("The direction is `gave` or `received`.".into()));
    }
    if !KNOWLEDGE_CATEGORIES.contains(&f.category.as_str()) {
        return Err(WebError::BadInput(format!("`{}` is not a knowledge category.", f.category)));
    }
    if !valid_date(&f.disclosed_on) {
        return Err(WebError::BadInput("The date must be written YYYY-MM-DD.".into()));
    }
    sqlx::query(
        "INSERT INTO ledger (alliance_id, partner_id, direction, item, category, approved_by, disclosed_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(m.partners[side].id)
    .bind(&f.direction)
    .bind(required(&f.item, "item", 500)?)
    .bind(&f.category)
    .bind(required(&f.approved_by, "approved_by", 200)?)
    .bind(&f.disclosed_on)
    .bind(user.id)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(see_other(&format!("/alliances/{id}/ledger")))
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// Defuse spreadsheet formulas in exported text cells.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub(crate) async fn export_answers(AsLead(Caller { state, user, m, id, .. }, side): AsLead) -> Page {
    let rows = sqlx::query(
        "SELECT w.number, r.id, r.submitted_at, a.item, a.value FROM responses r JOIN waves w ON w.id = r.wave_id \
         LEFT JOIN answers a ON a.response_id = r.id WHERE r.partner_id = $1 ORDER BY w.number, r.id",
    )
    .bind(m.partners[side].id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut responses: BTreeMap<(i64, i64), (bool, Answers)> = BTreeMap::new();
    for r in &rows {
        let e = responses
            .entry((r.get("number"), r.get("id")))
            .or_insert_with(|| (r.get::<Option<i64>, _>("submitted_at").is_some(), Answers::new()));
        if let (Some(item), Some(value)) = (r.get::<Option<String>, _>("item"), r.get::<Option<i64>, _>("value")) {
            e.1.insert(item, value);
        }
    }
    let items: Vec<String> = analysis::workspace_instrument().items().map(|i| i.id.clone()).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["partner".to_string(), "wave".into(), "respondent".into(), "submitted".into()];
    header.extend(items.iter().cloned());
    let _ = w.write_record(&header);
    let mut codes: BTreeMap<i64, usize> = BTreeMap::new();
    for ((number, rid), (done, answers)) in &responses {
        let n = codes.len() + 1;
        let code = *codes.entry(*rid).or_insert(n);
        let mut row =
            vec![cell(&m.partners[side].firm), number.to_string(), format!("R{code:03}"), u8::from(*done).to_string()];
        row.extend(items.iter().map(|i| answers.get(i).map_or(String::new(), |v| v.to_string())));
        let _ = w.write_record(&row);
    }
    audit(&state, Some(user.id), Some(id), "export-answers", &m.partners[side].firm).await?;
    Ok(csv_response("answers.csv", String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()))
}

/// Dataset export query.
#[derive(Deserialize)]
pub(crate) struct DatasetQuery {
    wave: i64,
    side: String,
}

pub(crate) async fn export_dataset(
    AsOwner(Caller { state, user, m, id, .. }): AsOwner,
    Query(q): Query<DatasetQuery>,
) -> Page {
    let side = m
        .partners
        .iter()
        .position(|p| p.side.eq_ignore_ascii_case(&q.side))
        .ok_or_else(|| WebError::BadInput("`side` is `a` or `b`.".into()))?;
    let all = submitted(&state, &m).await?;
    let respondents: Vec<&Answers> = all.get(&q.wave).map(|s| s[side].iter().collect()).unwrap_or_default();
    if respondents.len() < MIN_RESPONDENTS {
        return Err(WebError::BadInput(format!(
            "Not enough answers yet: {} of {} submitted {MIN_RESPONDENTS} or more questionnaires are needed to export anonymised data.",
            respondents.len(),
            m.partners[side].firm
        )));
    }
    let text = analysis::assess_csv(&m.partners[side].firm, m.governance, &respondents);
    audit(
        &state,
        Some(user.id),
        Some(id),
        "export-dataset",
        &format!("wave {} partner {}", q.wave, m.partners[side].side),
    )
    .await?;
    Ok(csv_response(&format!("wave{}-{}.csv", q.wave, m.partners[side].side.to_lowercase()), text))
}

/// Study export query.
#[derive(Deserialize)]
pub(crate) struct StudyQuery {
    wave: i64,
}

/// A wave's submitted questionnaires of both partners, with the wave's parts.
async fn wave_answers(state: &AppState, m: &Member, number: i64) -> Result<(Vec<Part>, [Vec<Answers>; 2]), WebError> {
    let w = wave(state, m.alliance_id, number).await?;
    let mut all = submitted(state, m).await?;
    Ok((w.parts, all.remove(&number).unwrap_or_default()))
}

pub(crate) async fn export_study(
    AsOwner(Caller { state, user, m, id, .. }): AsOwner,
    Query(q): Query<StudyQuery>,
) -> Page {
    let (parts, sides) = wave_answers(&state, &m, q.wave).await?;
    let refs: [Vec<&Answers>; 2] = [sides[0].iter().collect(), sides[1].iter().collect()];
    let text = crate::export::study_csv([&m.partners[0].firm, &m.partners[1].firm], &parts, [&refs[0], &refs[1]])?;
    audit(&state, Some(user.id), Some(id), "export-study", &format!("wave {}", q.wave)).await?;
    Ok(csv_response(&format!("study-wave{}.csv", q.wave), text))
}

/// Population export query: the wave and the outcomes the owner gives.
#[derive(Deserialize)]
pub(crate) struct PopulationQuery {
    wave: i64,
    performance: f64,
    failed: u8,
    terminated: u8,
    age: f64,
}

pub(crate) async fn export_population(
    AsOwner(Caller { state, user, m, id, .. }): AsOwner,
    Query(q): Query<PopulationQuery>,
) -> Page {
    let outcomes = crate::export::Outcomes::new(q.performance, q.failed, q.terminated, q.age)?;
    let (_, sides) = wave_answers(&state, &m, q.wave).await?;
    let refs: [Vec<&Answers>; 2] = [sides[0].iter().collect(), sides[1].iter().collect()];
    let firms = [m.partners[0].firm.as_str(), m.partners[1].firm.as_str()];
    let diagnosis = analysis::diagnose_wave(firms, m.governance, [&refs[0], &refs[1]]).map_err(WebError::BadInput)?;
    let row_id = format!("alliance{id}-wave{}", q.wave);
    let text = crate::export::population_row(&row_id, firms, &diagnosis, [&refs[0], &refs[1]], outcomes)?;
    audit(&state, Some(user.id), Some(id), "export-population", &format!("wave {}", q.wave)).await?;
    Ok(csv_response(&format!("population-wave{}.csv", q.wave), text))
}

pub(crate) async fn audit_page(AsOwner(Caller { state, user, m, csrf, id }): AsOwner) -> Page {
    let rows = sqlx::query(
        "SELECT a.at, a.action, a.detail, u.email FROM audit a LEFT JOIN users u ON u.id = a.user_id WHERE a.alliance_id = $1 ORDER BY a.id DESC",
    )
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?;
    let body = html! {
        table {
            tr { th { "Time (Unix s)" } th { "User" } th { "Action" } th { "Detail" } }
            @for r in &rows {
                tr { td { (r.get::<i64, _>("at")) } td { (crate::db::opt_text(r, "email").unwrap_or_default()) } td { (r.get::<String, _>("action")) } td { (r.get::<String, _>("detail")) } }
            }
        }
    };
    Ok(html_page(page(&format!("{}: audit log", m.name), Some(&user), &csrf.value, body)))
}

pub(crate) async fn admin_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Page {
    if !user.is_admin {
        return Err(WebError::Forbidden);
    }
    let users = sqlx::query("SELECT id, email, name FROM users ORDER BY id").fetch_all(&state.db.pool).await?;
    let log = sqlx::query(
        "SELECT a.at, a.action, a.detail FROM audit a WHERE a.alliance_id IS NULL ORDER BY a.id DESC LIMIT 200",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let body = html! {
        section {
            h2 { "Password reset" }
            p { "Issue a single-use reset link (valid 24 hours) and pass it to the user." }
            form method="post" action="/admin/reset-tokens" {
                (csrf_field(&csrf.value))
                label for="reset_user" { "Account" }
                select id="reset_user" name="user_id" { @for u in &users { option value=(u.get::<i64, _>("id")) { (u.get::<String, _>("email")) " (" (u.get::<String, _>("name")) ")" } } }
                div { button type="submit" { "Issue reset link" } }
            }
        }
        section {
            h2 { "Logins and account events" }
            table {
                tr { th { "Time (Unix s)" } th { "Action" } th { "Detail" } }
                @for r in &log { tr { td { (r.get::<i64, _>("at")) } td { (r.get::<String, _>("action")) } td { (r.get::<String, _>("detail")) } } }
            }
        }
    };
    Ok(html_page(page("Administration", Some(&user), &csrf.value, body)))
}

/// Reset-token request.
#[derive(Deserialize)]
pub(crate) struct ResetRequest {
    user_id: i64,
}

pub(crate) async fn issue_reset(
    State(state): State<AppState>,
    user: CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(f): CsrfForm<ResetRequest>,
) -> Page {
    if !user.is_admin {
        return Err(WebError::Forbidden);
    }
    let email: String = sqlx::query("SELECT email FROM users WHERE id = $1")
        .bind(f.user_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(WebError::NotFound)?
        .get(0);
    let token = auth::new_token();
    sqlx::query("INSERT INTO reset_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(auth::token_digest(&token))
        .bind(f.user_id)
        .bind(now() + 24 * 3600)
        .execute(&state.db.pool)
        .await?;
    audit(&state, Some(user.id), None, "reset-issued", &email).await?;
    let link = format!("/reset/{token}");
    let body =
        html! { p { "Reset link for " (email) " (works once, for 24 hours):" } p.token { a href=(link) { (link) } } };
    Ok(html_page(page("Reset link issued", Some(&user), &csrf.value, body)))
}

pub(crate) async fn reset_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
) -> Page {
    sqlx::query("SELECT user_id FROM reset_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(auth::token_digest(&token))
        .bind(now())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(WebError::NotFound)?;
    let body = html! {
        form method="post" action=(format!("/reset/{token}")) {
            (csrf_field(&csrf.value))
            label for="password" { "New password (at least 10 characters)" }
            input id="password" name="password" type="password" required autocomplete="new-password";
            div { button type="submit" { "Set password" } }
        }
    };
    Ok(html_page(page("Choose a new password", None, &csrf.value, body)))
}

/// New-password form.
#[derive(Deserialize)]
pub(crate) struct NewPassword {
    password: String,
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    CsrfForm(f): CsrfForm<NewPassword>,
) -> Page {
    check_password_rules(&f.password)?;
    let hash = auth::hash_password_async(f.password, state.config.password_cost).await?;
    let mut tx = state.db.pool.begin().await?;
    let row = sqlx::query("UPDATE reset_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id")
        .bind(now())
        .bind(auth::token_digest(&token))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(WebError::NotFound)?;
    let user_id: i64 = row.get(0);
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *tx).await?;
    // a reset ends every open session of the account
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    state.sessions.remove_user(user_id);
    audit(&state, Some(user_id), None, "password-reset", "").await?;
    Ok(see_other("/login"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert!(valid_date("2026-03-01"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("01/03/2026"));
        assert!(!valid_date("2026-3-1"));
    }

    #[test]
    fn csv_cells_defuse_formulas() {
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("Solvik"), "Solvik");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalise_email(" Ann@Example.COM ").expect("valid"), "ann@example.com");
        assert!(normalise_email("no-at-sign").is_err());
    }
}
