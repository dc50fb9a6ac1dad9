//! The authorisation matrix: every route, requested as every role of each partner, as the
//! owner and lead of a foreign alliance, and anonymously, against its expected status. Each
//! route gets a fresh world; the roles that may not act go first, so a refused write could
//! not hide behind an allowed one.

use crate::common::*;
use axum::http::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anon,
    Owner,
    LeadA,
    RespA,
    LeadB,
    RespB,
    ForeignOwner,
    ForeignLead,
}

use Who::*;
const ALL: [Who; 8] = [Anon, ForeignOwner, ForeignLead, RespA, RespB, LeadA, LeadB, Owner];

const OK: u16 = 200;
const SEE: u16 = 303;
const BAD: u16 = 400;
const FORBID: u16 = 403;
const MISSING: u16 = 404;

struct Route {
    method: &'static str,
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    /// Open wave 2 first (as the owner).
    open_wave: bool,
    /// Expected status for [Anon, Owner, LeadA, RespA, LeadB, RespB, ForeignOwner, ForeignLead].
    expect: [u16; 8],
}

fn index(who: Who) -> usize {
    [Anon, Owner, LeadA, RespA, LeadB, RespB, ForeignOwner, ForeignLead].iter().position(|w| *w == who).expect("listed")
}

const LEDGER: &[(&str, &str)] = &[
    ("direction", "gave"),
    ("item", "x"),
    ("category", "technology"),
    ("approved_by", "y"),
    ("disclosed_on", "2026-01-02"),
];

fn routes() -> Vec<Route> {
    //                                   Anon  Owner   LeadA   RespA   LeadB   RespB   FOwner   FLead
    vec![
        Route { method: "GET", path: "/", form: &[], open_wave: false, expect: [OK, OK, OK, OK, OK, OK, OK, OK] },
        Route {
            method: "GET",
            path: "/alliances/new",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, OK, OK, OK, OK, OK, OK],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, OK, OK, OK, OK, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/dashboard",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, OK, OK, OK, OK, MISSING, MISSING],
        },
        Route {
            method: "POST",
            path: "/alliances/{a}/invitations",
            form: &[("email", "new@x.test"), ("side", "A")],
            open_wave: false,
            expect: [SEE, BAD, OK, FORBID, OK, FORBID, MISSING, MISSING],
        },
        Route {
            method: "POST",
            path: "/alliances/{a}/waves",
            form: &[("part", "trust")],
            open_wave: false,
            expect: [SEE, SEE, FORBID, FORBID, FORBID, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/waves/1",
            form: &[],
            open_wave: false,
            expect: [SEE, FORBID, OK, OK, OK, OK, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/waves/2",
            form: &[],
            open_wave: true,
            expect: [SEE, FORBID, OK, OK, OK, OK, MISSING, MISSING],
        },
        Route {
            method: "POST",
            path: "/alliances/{a}/waves/2",
            form: &[("t2_2", "5"), ("action", "save")],
            open_wave: true,
            expect: [SEE, FORBID, SEE, SEE, SEE, SEE, MISSING, MISSING],
        },
        Route {
            method: "POST",
            path: "/alliances/{a}/waves/2/close",
            form: &[],
            open_wave: true,
            expect: [SEE, SEE, FORBID, FORBID, FORBID, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/ledger",
            form: &[],
            open_wave: false,
            expect: [SEE, FORBID, OK, FORBID, OK, FORBID, MISSING, MISSING],
        },
        Route {
            method: "POST",
            path: "/alliances/{a}/ledger",
            form: LEDGER,
            open_wave: false,
            expect: [SEE, FORBID, SEE, FORBID, SEE, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/export/answers.csv",
            form: &[],
            open_wave: false,
            expect: [SEE, FORBID, OK, FORBID, OK, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/export/dataset.csv?wave=1&side=a",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, FORBID, FORBID, FORBID, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/export/study.csv?wave=1",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, FORBID, FORBID, FORBID, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/export/population.csv?wave=1&performance=5&failed=0&terminated=0&age=2",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, FORBID, FORBID, FORBID, FORBID, MISSING, MISSING],
        },
        Route {
            method: "GET",
            path: "/alliances/{a}/audit",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, FORBID, FORBID, FORBID, FORBID, MISSING, MISSING],
        },
        // the owner of the first alliance is the site's first user, hence its administrator
        Route {
            method: "GET",
            path: "/admin",
            form: &[],
            open_wave: false,
            expect: [SEE, OK, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID],
        },
        Route {
            method: "POST",
            path: "/admin/reset-tokens",
            form: &[("user_id", "1")],
            open_wave: false,
            expect: [SEE, OK, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID],
        },
    ]
}

#[tokio::test]
async fn every_route_as_every_role() {
    let mut failures = Vec::new();
    for route in routes() {
        let mut w = world().await;
        if route.open_wave {
            let r = w.owner.post(&format!("/alliances/{}/waves", w.alliance), &[("part", "trust")]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let path = route.path.replace("{a}", &w.alliance.to_string());
        for who in ALL {
            let c = match who {
                Anon => &mut w.anon,
                Owner => &mut w.owner,
                LeadA => &mut w.leads[0],
                RespA => &mut w.respondents[0],
                LeadB => &mut w.leads[1],
                RespB => &mut w.respondents[1],
                ForeignOwner => &mut w.foreign_owner,
                ForeignLead => &mut w.foreign_lead,
            };
            let r = if route.method == "GET" { c.get(&path).await } else { c.post(&path, route.form).await };
            let want = route.expect[index(who)];
            if r.status.as_u16() != want {
                failures.push(format!("{} {path} as {who:?}: {} (expected {want})", route.method, r.status));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_foreign_alliance_is_closed_to_our_members_too() {
    let mut w = world().await;
    let f = w.foreign;
    for c in [&mut w.owner, &mut w.leads[0], &mut w.respondents[1]] {
        for path in [format!("/alliances/{f}"), format!("/alliances/{f}/dashboard"), format!("/alliances/{f}/ledger")] {
            assert_eq!(c.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(
            c.post(&format!("/alliances/{f}/invitations"), &[("email", "z@x.test"), ("side", "A")]).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(w.foreign_owner.get(&format!("/alliances/{f}")).await.status, StatusCode::OK);
}
