//! The same flow against a real PostgreSQL, when `ENTENTE_TEST_PG` names one
//! (`postgres://entente:PASSWORD@localhost/entente_test`); `.ci/run` starts one and sets it.
//! The schema is dropped and recreated, so point it at a throw-away database.

use crate::common::*;
use axum::http::StatusCode;

#[tokio::test]
async fn flow_and_dashboard_on_postgres() {
    let Ok(url) = std::env::var("ENTENTE_TEST_PG") else {
        eprintln!("skipped: set ENTENTE_TEST_PG=postgres://... to run the PostgreSQL test");
        return;
    };
    {
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1);
        sqlx::any::install_default_drivers();
        let pool = pool.connect(&url).await.expect("PostgreSQL reachable");
        sqlx::query("DROP SCHEMA IF EXISTS public CASCADE").execute(&pool).await.expect("drop");
        sqlx::query("CREATE SCHEMA public").execute(&pool).await.expect("create");
    }
    let state = state_on(&url).await;
    assert_eq!(state.db.dialect, alliance_web::db::Dialect::Postgres);
    // migrating twice is a no-op
    state.db.migrate().await.expect("second migration");
    let mut w = world_on(state).await;
    let a = w.alliance;
    let d = w.owner.get(&format!("/alliances/{a}/dashboard")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert!(d.body.contains("Quadrant chart"), "{}", d.body);
    assert!(d.body.contains("<td>0.83</td>"), "{}", d.body);
    let r = w.respondents[0].post(&format!("/alliances/{a}/waves/1"), &[("t2_2", "6")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "closed wave");
    let ledger = w.leads[0]
        .post(
            &format!("/alliances/{a}/ledger"),
            &[
                ("direction", "received"),
                ("item", "O'Brien's \"spec\""),
                ("category", "market knowledge"),
                ("approved_by", "x"),
                ("disclosed_on", "2026-02-03"),
            ],
        )
        .await;
    assert_eq!(ledger.status, StatusCode::SEE_OTHER);
    let page = w.leads[0].get(&format!("/alliances/{a}/ledger")).await;
    assert!(page.body.contains("O'Brien's &quot;spec&quot;"), "{}", page.body);
    let csv = w.owner.get(&format!("/alliances/{a}/export/dataset.csv?wave=1&side=b")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 4);
}
