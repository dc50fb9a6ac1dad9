//! Security: CSRF, SQL injection, script injection, body size, login throttling, cookies.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

#[tokio::test]
async fn forms_without_a_valid_csrf_token_get_403() {
    let mut w = world().await;
    let a = w.alliance;
    let no_token = "name=X&firm_a=P&country_a=C&firm_b=Q&country_b=D&governance=equity-jv".to_string();
    assert_eq!(w.owner.post_raw("/alliances/new", no_token.clone()).await.status, StatusCode::FORBIDDEN);
    let wrong = format!("csrf={}&{no_token}", "0".repeat(64));
    assert_eq!(w.owner.post_raw("/alliances/new", wrong).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.respondents[0].post_raw(&format!("/alliances/{a}/waves/1"), "t2_2=1".into()).await.status,
        StatusCode::FORBIDDEN
    );
    // a token in the form but no cookie (a cross-site post) is refused too
    let csrf = w.owner.csrf().await;
    w.owner.cookies.remove("entente_csrf");
    let r = w.owner.post_raw(&format!("/alliances/{a}/waves"), format!("csrf={csrf}&part=trust")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut anon = Client::new(&w.state);
    assert_eq!(anon.post_raw("/login", "email=owner%40a.test&password=x".into()).await.status, StatusCode::FORBIDDEN);
    // nothing was created by the refused posts
    let n: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM alliances").fetch_one(&w.state.db.pool).await.expect("count"),
        0,
    );
    assert_eq!(n, 2);
}

const INJECTION: &str = "Robert'); DROP TABLE users; --";
const SCRIPT: &str = "<script>alert('x')</script>";

#[tokio::test]
async fn sql_injection_strings_are_stored_literally() {
    let mut w = world().await;
    let a = create_alliance(&mut w.owner, INJECTION, [INJECTION, "B' OR '1'='1"]).await;
    let page = w.owner.get(&format!("/alliances/{a}")).await;
    assert!(
        page.body.contains("Robert&#39;); DROP TABLE users; --")
            || page.body.contains("Robert'); DROP TABLE users; --"),
        "{}",
        page.body
    );
    let row =
        sqlx::query("SELECT name FROM alliances WHERE id = $1").bind(a).fetch_one(&w.state.db.pool).await.expect("row");
    assert_eq!(sqlx::Row::get::<String, _>(&row, 0), INJECTION);
    let firm = sqlx::query("SELECT firm FROM partners WHERE alliance_id = $1 AND side = 'B'")
        .bind(a)
        .fetch_one(&w.state.db.pool)
        .await
        .expect("row");
    assert_eq!(sqlx::Row::get::<String, _>(&firm, 0), "B' OR '1'='1");
    // an injection in the login email finds nobody and breaks nothing
    let mut c = Client::new(&w.state);
    assert_eq!(c.login("' OR '1'='1' --", "x").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.login("owner@a.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn script_payloads_are_escaped_on_every_page() {
    let mut w = world().await;
    let a = create_alliance(&mut w.owner, SCRIPT, [SCRIPT, &format!("{SCRIPT}B")]).await;
    let mut lead = invite(&w.state, &mut w.owner, a, "xss@x.test", "A").await;
    let r = lead
        .post(
            &format!("/alliances/{a}/ledger"),
            &[
                ("direction", "gave"),
                ("item", SCRIPT),
                ("category", "technology"),
                ("approved_by", SCRIPT),
                ("disclosed_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let invitation = lead.post(&format!("/alliances/{a}/invitations"), &[("email", "r@x.test")]).await;
    let link = invite_link(&invitation.body);
    // a name with markup, shown back in the header
    let mut r = Client::new(&w.state);
    r.post(&link, &[("name", SCRIPT), ("password", PASSWORD)]).await;
    w.owner.post(&format!("/alliances/{a}/waves"), &[("part", "trust")]).await;
    let mut pages = vec![];
    for path in [
        "/",
        &format!("/alliances/{a}"),
        &format!("/alliances/{a}/dashboard"),
        &format!("/alliances/{a}/audit"),
        "/admin",
    ] {
        pages.push((path.to_string(), w.owner.get(path).await));
    }
    for path in [format!("/alliances/{a}/ledger"), format!("/alliances/{a}"), link.clone()] {
        pages.push((path.clone(), lead.get(&path).await));
    }
    pages.push(("answer".into(), r.get(&format!("/alliances/{a}/waves/1")).await));
    pages.push(("home".into(), r.get("/").await));
    // the CSV export is data, not a page: served as text/csv, which browsers must not sniff
    let csv = lead.get(&format!("/alliances/{a}/export/answers.csv")).await;
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    for (path, page) in &pages {
        assert!(!page.body.contains("<script"), "unescaped script on {path}: {}", page.body);
    }
    let escaped = pages.iter().filter(|(_, p)| p.body.contains("&lt;script&gt;")).count();
    assert!(escaped >= 7, "only {escaped} pages show the escaped payload");
}

#[tokio::test]
async fn a_ten_megabyte_body_gets_413() {
    let mut w = world().await;
    let big = "a".repeat(10 * 1024 * 1024);
    // with its length declared
    assert_eq!(w.owner.post_raw("/alliances/new", big.clone()).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // streamed without a declared length
    let cookie = w.owner.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let req = Request::post("/alliances/new")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .expect("request");
    assert_eq!(w.owner.send(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // on a route with no form as well
    assert_eq!(w.anon.post_raw("/", "a".repeat(10 * 1024 * 1024)).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled() {
    let w = world().await;
    let mut c = Client::new(&w.state);
    for _ in 0..5 {
        assert_eq!(c.login("lead@south.test", "not the password").await.status, StatusCode::UNAUTHORIZED);
    }
    // now even the right password waits
    let r = c.login("lead@south.test", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // other accounts are not affected
    assert_eq!(c.login("lead@north.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn cookies_are_httponly_samesite_and_secure_when_asked() {
    let state = state_on("sqlite::memory:").await;
    let app = alliance_web::app(state.clone());
    let res = tower::ServiceExt::oneshot(app.clone(), Request::get("/login").body(Body::empty()).expect("req"))
        .await
        .expect("res");
    let cookie = res.headers()[header::SET_COOKIE].to_str().expect("ascii").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers()["content-security-policy"].to_str().expect("ascii").contains("default-src 'none'"));
    let behind_tls = Request::get("/login").header("x-forwarded-proto", "https").body(Body::empty()).expect("req");
    let res = tower::ServiceExt::oneshot(app, behind_tls).await.expect("res");
    assert!(res.headers()[header::SET_COOKIE].to_str().expect("ascii").contains("; Secure"));
    let mut c = Client::new(&state);
    c.signup("s@x.test", "S").await;
    assert!(c.cookies.contains_key("entente_session"));
    let stored: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
            .bind(&c.cookies["entente_session"])
            .fetch_one(&state.db.pool)
            .await
            .expect("count"),
        0,
    );
    assert_eq!(stored, 0, "the raw session token must not be stored");
}
