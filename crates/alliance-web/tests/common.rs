//! A cookie-keeping test client over `app(state).oneshot(...)` and a seeded world: one alliance
//! with an owner, a lead and four respondents per partner (three of them submitted wave 1), and
//! a foreign alliance with its own owner and lead.

use alliance_core::assess::examples::example;
use alliance_core::assess::PartnerAnswers;
use alliance_core::instruments::dyad::dyad_instrument;
use alliance_web::analysis::Part;
use alliance_web::{app, AppState, Config, Db, PasswordCost};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use std::collections::BTreeMap;
use tower::ServiceExt;

pub const PASSWORD: &str = "long enough password";

pub struct Resp {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub content_type: String,
}

#[derive(Clone)]
pub struct Client {
    pub app: Router,
    pub cookies: BTreeMap<String, String>,
}

pub fn test_config() -> Config {
    Config { password_cost: PasswordCost::fast_for_tests(), ..Config::default() }
}

pub async fn state_on(url: &str) -> AppState {
    let db = Db::connect(url).await.expect("database");
    AppState::new(db, test_config())
}

impl Client {
    pub fn new(state: &AppState) -> Client {
        Client { app: app(state.clone()), cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().expect("ascii cookie");
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').expect("name=value");
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let status = res.status();
        let location = res.headers().get(header::LOCATION).map(|v| v.to_str().expect("ascii").to_string());
        let content_type =
            res.headers().get(header::CONTENT_TYPE).map_or(String::new(), |v| v.to_str().expect("ascii").to_string());
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        Resp { status, location, body: String::from_utf8_lossy(&bytes).into_owned(), content_type }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).expect("request");
        self.send(req).await
    }

    pub async fn csrf(&mut self) -> String {
        if !self.cookies.contains_key("entente_csrf") {
            self.get("/login").await;
        }
        self.cookies["entente_csrf"].clone()
    }

    /// POST a form with the CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).expect("encode");
        self.post_raw(path, body).await
    }

    /// POST a raw urlencoded body (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, body: String) -> Resp {
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    pub async fn signup(&mut self, email: &str, name: &str) {
        let r = self.post("/signup", &[("email", email), ("name", name), ("password", PASSWORD)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "signup {email}: {}", r.body);
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        self.post("/login", &[("email", email), ("password", password)]).await
    }
}

/// The first `/invite/<token>` link in a page.
pub fn invite_link(body: &str) -> String {
    let start = body.find("/invite/").expect("an invitation link");
    body[start..start + 8 + 64].to_string()
}

/// Create an alliance through the form; returns its id.
pub async fn create_alliance(owner: &mut Client, name: &str, firms: [&str; 2]) -> i64 {
    let r = owner
        .post(
            "/alliances/new",
            &[
                ("name", name),
                ("firm_a", firms[0]),
                ("country_a", "Norway"),
                ("firm_b", firms[1]),
                ("country_b", "Japan"),
                ("governance", "equity-jv"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location.expect("location").trim_start_matches("/alliances/").parse().expect("id")
}

/// `inviter` invites `email` (as lead of `side` when the inviter owns the alliance); the invitee
/// accepts with a new account and is returned logged in.
pub async fn invite(state: &AppState, inviter: &mut Client, alliance: i64, email: &str, side: &str) -> Client {
    let r = inviter.post(&format!("/alliances/{alliance}/invitations"), &[("email", email), ("side", side)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let link = invite_link(&r.body);
    let mut c = Client::new(state);
    let page = c.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let r = c.post(&link, &[("name", email), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some(format!("/alliances/{alliance}").as_str()));
    c
}

/// Full answers for a partner: the shipped `mismatch-economic` example (a explores, b exploits)
/// trust2 at `trust` (reverse-keyed items at `8 - trust`) and learning at 5.
pub fn full_answers(side: usize, trust: i64) -> Vec<(String, String)> {
    let ex = example("mismatch-economic").expect("example");
    let (file, text) = if side == 0 { (ex.file_a, ex.text_a) } else { (ex.file_b, ex.text_b) };
    let base = PartnerAnswers::from_toml(file, text, &dyad_instrument()).expect("example parses");
    Part::ALL
        .iter()
        .flat_map(|p| p.constructs())
        .flat_map(|c| c.items)
        .map(|i| {
            let v = if i.id.starts_with("t2_") {
                if i.reverse {
                    8 - trust
                } else {
                    trust
                }
            } else if i.id.starts_with("le_") {
                if i.reverse {
                    3
                } else {
                    5
                }
            } else {
                base.answers.get(&i.id).map_or(4, |x| x.round() as i64)
            };
            (i.id, v.to_string())
        })
        .collect()
}

pub async fn submit(c: &mut Client, alliance: i64, wave: i64, side: usize, trust: i64) -> Resp {
    let answers = full_answers(side, trust);
    let mut fields: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.push(("action", "submit"));
    c.post(&format!("/alliances/{alliance}/waves/{wave}"), &fields).await
}

pub struct World {
    pub state: AppState,
    pub alliance: i64,
    pub foreign: i64,
    pub anon: Client,
    pub owner: Client,
    pub leads: [Client; 2],
    /// The fourth respondent of each partner (has not answered).
    pub respondents: [Client; 2],
    pub foreign_owner: Client,
    pub foreign_lead: Client,
}

/// The seeded world on a fresh in-memory database.
pub async fn world() -> World {
    world_on(state_on("sqlite::memory:").await).await
}

pub async fn world_on(state: AppState) -> World {
    let mut owner = Client::new(&state);
    owner.signup("owner@a.test", "Owner").await;
    let alliance = create_alliance(&mut owner, "North-South JV", ["Northwind", "Southgate"]).await;
    let mut lead_a = invite(&state, &mut owner, alliance, "lead@north.test", "A").await;
    let mut lead_b = invite(&state, &mut owner, alliance, "lead@south.test", "B").await;
    let r = owner
        .post(
            &format!("/alliances/{alliance}/waves"),
            &[("part", "motives"), ("part", "hamel"), ("part", "trust"), ("part", "practices"), ("part", "learning")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut fourth: Vec<Client> = Vec::new();
    for (side, lead) in [&mut lead_a, &mut lead_b].into_iter().enumerate() {
        for k in 1..=4 {
            let mut c = invite(&state, lead, alliance, &format!("r{k}.{side}@x.test"), "").await;
            if k < 4 {
                let r = submit(&mut c, alliance, 1, side, if side == 0 { 6 } else { 3 }).await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            } else {
                fourth.push(c);
            }
        }
    }
    let r = owner.post(&format!("/alliances/{alliance}/waves/1/close"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut foreign_owner = Client::new(&state);
    foreign_owner.signup("owner@foreign.test", "Foreign owner").await;
    let foreign = create_alliance(&mut foreign_owner, "Elsewhere", ["East", "West"]).await;
    let foreign_lead = invite(&state, &mut foreign_owner, foreign, "lead@east.test", "A").await;
    let resp_b = fourth.pop().expect("b");
    let resp_a = fourth.pop().expect("a");
    World {
        anon: Client::new(&state),
        state,
        alliance,
        foreign,
        owner,
        leads: [lead_a, lead_b],
        respondents: [resp_a, resp_b],
        foreign_owner,
        foreign_lead,
    }
}
