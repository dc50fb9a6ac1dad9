//! The page frame, shared form pieces and the stylesheet. Pages are maud templates: every
//! interpolated value is HTML-escaped, so text typed by users (firm names, ledger items) cannot
//! inject markup.

use crate::auth::CurrentUser;
use axum::http::StatusCode;
use maud::{html, Markup, DOCTYPE};

/// The stylesheet, served at `/static/app.css` (the content-security policy forbids inline
/// styles). Colours pass WCAG AA contrast on white.
pub const CSS: &str = r#"
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; margin: 0; color: #1a1a1a; background: #f6f6f4; line-height: 1.45; }
header { background: #17324d; color: #fff; padding: 0.6rem 1.2rem; display: flex; gap: 1.2rem; align-items: center; flex-wrap: wrap; }
header a, header button { color: #fff; }
header form { margin: 0 0 0 auto; }
main { max-width: 62rem; margin: 1rem auto; padding: 0 1rem 3rem; }
section { background: #fff; border: 1px solid #d0d0d0; border-radius: 4px; padding: 0.8rem 1.2rem; margin: 1rem 0; }
label { display: block; margin: 0.5rem 0 0.2rem; font-weight: bold; }
input[type=text], input[type=email], input[type=password], input[type=date], select { font-size: 1rem; padding: 0.3rem; min-width: 18rem; }
button { font-size: 1rem; padding: 0.35rem 0.9rem; margin-top: 0.6rem; cursor: pointer; }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #e0a100; outline-offset: 1px; }
fieldset { border: 1px solid #d0d0d0; margin: 0.6rem 0; }
fieldset.item legend { font-weight: normal; }
.scale { display: flex; gap: 0.7rem; flex-wrap: wrap; align-items: center; }
.check label { display: inline; font-weight: normal; }
.scale label { display: inline; font-weight: normal; margin: 0; }
.anchor { color: #4a4a4a; font-size: 0.9rem; }
.notice { background: #fff6d6; border-left: 4px solid #b08400; padding: 0.5rem 0.8rem; }
.error { background: #fde8e8; border-left: 4px solid #a01010; padding: 0.5rem 0.8rem; }
.token { font-family: monospace; word-break: break-all; background: #eef; padding: 0.3rem; }
table { border-collapse: collapse; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
.chart { max-width: 100%; height: auto; background: #fff; }
"#;

/// A hidden field with the CSRF token; every form includes one.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// The page frame: header with navigation, the body, the title.
pub fn page(title: &str, user: Option<&CurrentUser>, csrf: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - Entente alliance workspace" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header {
                    strong { "Entente" }
                    a href="/" { "Home" }
                    @if let Some(u) = user {
                        @if u.is_admin { a href="/admin" { "Admin" } }
                        span { "Signed in as " (u.name) }
                        form method="post" action="/logout" {
                            (csrf_field(csrf))
                            button type="submit" { "Log out" }
                        }
                    } @else {
                        a href="/login" { "Log in" }
                        a href="/signup" { "Sign up" }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The page for an error status.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    page(
        status.canonical_reason().unwrap_or("Error"),
        None,
        "",
        html! { p.error { (message) } p { a href="/" { "Back to the start page" } } },
    )
}
