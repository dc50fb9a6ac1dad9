//! The whole flow through the handlers, and what each partner may see.

use crate::common::*;
use axum::http::StatusCode;

#[tokio::test]
async fn dashboard_shows_the_quadrant_once_both_partners_have_three_answers() {
    let mut w = world().await;
    let a = w.alliance;
    let d = w.owner.get(&format!("/alliances/{a}/dashboard")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.body.contains("Quadrant chart"), "{}", d.body);
    // the example dyad: Northwind explores, Southgate exploits
    assert!(d.body.contains("mismatch (one explores, one exploits)"), "{}", d.body);
    assert!(d.body.contains("Recommendations") && d.body.contains("Why: "), "{}", d.body);
    // trust: Northwind answered 6 (0.83), Southgate 3 (0.33)
    assert!(d.body.contains("<td>0.83</td>") && d.body.contains("<td>0.33</td>"), "{}", d.body);
    assert!(d.body.contains("Dependency spiral") || d.body.contains("dependency spiral"));
}

#[tokio::test]
async fn fewer_than_three_respondents_show_not_enough_answers() {
    let state = state_on("sqlite::memory:").await;
    let mut owner = Client::new(&state);
    owner.signup("o@x.test", "O").await;
    let a = create_alliance(&mut owner, "Small", ["P", "Q"]).await;
    let mut lead_a = invite(&state, &mut owner, a, "la@x.test", "A").await;
    let mut lead_b = invite(&state, &mut owner, a, "lb@x.test", "B").await;
    owner
        .post(
            &format!("/alliances/{a}/waves"),
            &[("part", "motives"), ("part", "hamel"), ("part", "trust"), ("part", "practices"), ("part", "learning")],
        )
        .await;
    for (side, lead) in [&mut lead_a, &mut lead_b].into_iter().enumerate() {
        // partner A: three answers; partner B: two
        for k in 0..(3 - side) {
            let mut c = invite(&state, lead, a, &format!("r{k}{side}@x.test"), "").await;
            assert_eq!(submit(&mut c, a, 1, side, 5).await.status, StatusCode::SEE_OTHER);
        }
    }
    let d = owner.get(&format!("/alliances/{a}/dashboard")).await;
    assert!(d.body.contains("not enough answers yet"), "{}", d.body);
    assert!(d.body.contains("Not enough answers yet from Q (2 of 3)"), "{}", d.body);
    assert!(!d.body.contains("Quadrant chart"), "{}", d.body);
    // A's trust shows, B's does not
    assert!(d.body.contains("<td>0.67</td>"), "{}", d.body);
}

#[tokio::test]
async fn save_and_continue_then_submit() {
    let mut w = world().await;
    let a = w.alliance;
    let r = w.owner.post(&format!("/alliances/{a}/waves"), &[("part", "trust")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = &mut w.respondents[0];
    let path = format!("/alliances/{a}/waves/2");
    let r = c.post(&path, &[("t2_2", "6"), ("action", "save")]).await;
    assert_eq!(r.location.as_deref(), Some(format!("{path}?saved=1").as_str()));
    let page = c.get(&path).await;
    assert!(page.body.contains(r#"name="t2_2" value="6" checked"#), "{}", page.body);
    // submitting with three items missing keeps the answers and says what is missing
    let r = c.post(&path, &[("action", "submit")]).await;
    assert_eq!(r.location.as_deref(), Some(format!("{path}?missing=3").as_str()));
    let r = c.post(&path, &[("t2_1", "5"), ("t2_3", "7"), ("t2_4", "2"), ("action", "submit")]).await;
    assert_eq!(r.location.as_deref(), Some(path.as_str()));
    assert!(c.get(&path).await.body.contains("your answers to this wave are submitted"));
    // submitted answers are final
    let r = c.post(&path, &[("t2_2", "1"), ("action", "save")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // out-of-range values and items of other instruments are refused
    let other = &mut w.respondents[1];
    assert_eq!(other.post(&path, &[("t2_2", "8")]).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.post(&path, &[("RCS_IMP", "4")]).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn closed_waves_take_no_answers_and_only_one_wave_is_open() {
    let mut w = world().await;
    let a = w.alliance;
    let r = w.respondents[0].post(&format!("/alliances/{a}/waves/1"), &[("t2_2", "6")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        w.owner.post(&format!("/alliances/{a}/waves"), &[("part", "trust")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.owner.post(&format!("/alliances/{a}/waves"), &[("part", "trust")]).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn invitations_are_single_use() {
    let mut w = world().await;
    let a = w.alliance;
    let r = w.leads[0].post(&format!("/alliances/{a}/invitations"), &[("email", "once@x.test")]).await;
    let link = invite_link(&r.body);
    let mut c = Client::new(&w.state);
    assert_eq!(c.post(&link, &[("name", "Once"), ("password", PASSWORD)]).await.status, StatusCode::SEE_OTHER);
    let mut d = Client::new(&w.state);
    assert_eq!(d.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(d.post(&link, &[("name", "Twice"), ("password", PASSWORD)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        d.get("/invite/0000000000000000000000000000000000000000000000000000000000000000").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn expired_invitations_are_refused() {
    let mut w = world().await;
    let a = w.alliance;
    let r = w.leads[0].post(&format!("/alliances/{a}/invitations"), &[("email", "late@x.test")]).await;
    let link = invite_link(&r.body);
    sqlx::query("UPDATE invitations SET expires_at = 0").execute(&w.state.db.pool).await.expect("update");
    let mut c = Client::new(&w.state);
    assert_eq!(c.get(&link).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ledger_entries_stay_with_their_partner() {
    let mut w = world().await;
    let a = w.alliance;
    let path = format!("/alliances/{a}/ledger");
    let r = w.leads[0]
        .post(
            &path,
            &[
                ("direction", "gave"),
                ("item", "cathode coating recipe"),
                ("category", "technology"),
                ("approved_by", "CTO"),
                ("disclosed_on", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = w.leads[0].get(&path).await;
    assert!(mine.body.contains("cathode coating recipe"));
    assert!(mine.body.contains("<td>technology</td><td>1</td><td>0</td>"), "{}", mine.body);
    let theirs = w.leads[1].get(&path).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("cathode coating recipe"));
    let [r0, r1] = &mut w.respondents;
    for c in [&mut w.owner, r0, r1] {
        let page = c.get(&path).await;
        assert!(!page.body.contains("cathode coating recipe"));
    }
    let dash = w.leads[1].get(&format!("/alliances/{a}/dashboard")).await;
    assert!(!dash.body.contains("cathode coating recipe"));
}

#[tokio::test]
async fn exports_hold_own_answers_and_the_anonymised_dataset_reads_in_assess() {
    let mut w = world().await;
    let a = w.alliance;
    let csv = w.leads[0].get(&format!("/alliances/{a}/export/answers.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    let rows: Vec<&str> = csv.body.lines().collect();
    assert_eq!(rows.len(), 1 + 3, "{}", csv.body);
    assert!(rows[1..].iter().all(|r| r.starts_with("Northwind,1,R")), "{}", csv.body);
    assert!(!csv.body.contains("Southgate") && !csv.body.contains("@"));
    let mut texts = Vec::new();
    for side in ["a", "b"] {
        let r = w.owner.get(&format!("/alliances/{a}/export/dataset.csv?wave=1&side={side}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(!r.body.contains("@"));
        texts.push(r.body);
    }
    let d =
        alliance_core::assess::assess_texts("a.csv", &texts[0], "b.csv", &texts[1]).expect("assess reads the export");
    assert_eq!(d.facts.profiles[0].respondents, 3);
    assert!(!d.facts.quadrant.is_match());
    let audit = w.owner.get(&format!("/alliances/{a}/audit")).await;
    for action in
        ["export-answers", "export-dataset", "invitation-created", "invitation-accepted", "wave-opened", "wave-closed"]
    {
        assert!(audit.body.contains(action), "{action} missing from the audit log");
    }
}

#[tokio::test]
async fn logins_are_audited_and_admins_issue_single_use_resets() {
    let mut w = world().await;
    let mut c = Client::new(&w.state);
    assert_eq!(c.login("lead@north.test", "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.login("lead@north.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let admin = w.owner.get("/admin").await;
    assert!(admin.body.contains("login-failed") && admin.body.contains("lead@north.test"), "{}", admin.body);
    let row = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind("lead@north.test")
        .fetch_one(&w.state.db.pool)
        .await
        .expect("user");
    let uid: i64 = sqlx::Row::get(&row, 0);
    let r = w.owner.post("/admin/reset-tokens", &[("user_id", &uid.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start = r.body.find("/reset/").expect("reset link");
    let link = r.body[start..start + 7 + 64].to_string();
    let mut anon = Client::new(&w.state);
    assert_eq!(anon.get(&link).await.status, StatusCode::OK);
    let r = anon.post(&link, &[("password", "a brand new password")]).await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    assert_eq!(anon.post(&link, &[("password", "another new password")]).await.status, StatusCode::NOT_FOUND);
    // the reset ended the lead's sessions; the old password is gone, the new one works
    assert_eq!(w.leads[0].get(&format!("/alliances/{}", w.alliance)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.login("lead@north.test", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.login("lead@north.test", "a brand new password").await.status, StatusCode::SEE_OTHER);
    // only the administrator issues resets
    assert_eq!(
        w.leads[1].post("/admin/reset-tokens", &[("user_id", &uid.to_string())]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_demo_is_seeded_once_and_shows_a_full_dashboard() {
    let state = state_on("sqlite::memory:").await;
    let logins = alliance_web::demo::seed(&state).await.expect("seed");
    assert_eq!(logins.len(), 5);
    // seeding again finds the demo and adds nothing
    alliance_web::demo::seed(&state).await.expect("second seed");
    let users: i64 =
        sqlx::Row::get(&sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&state.db.pool).await.expect("count"), 0);
    assert_eq!(users, 1 + 2 * 5);
    let mut owner = Client::new(&state);
    assert_eq!(
        owner.login(alliance_web::demo::DEMO_OWNER, alliance_web::demo::DEMO_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let d = owner.get("/alliances/1/dashboard").await;
    assert!(d.body.contains("Where the alliance stands (wave 3)"), "{}", d.body);
    // the simulated mismatch resolves toward economies of knowledge by wave 3
    assert!(d.body.contains("economies of knowledge (both exploit)"), "{}", d.body);
    assert_eq!(
        d.body.matches("<circle").count(),
        3 + 2 * 3,
        "three quadrant points and two trust lines of three waves"
    );
}

#[tokio::test]
async fn owner_exports_are_read_by_study_run_and_assess_population() {
    let mut w = world().await;
    let a = w.alliance;
    // `entente study run`: the study's reader and screening take the file as it is
    let r = w.owner.get(&format!("/alliances/{a}/export/study.csv?wave=1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cfg = alliance_study::StudyConfig::default();
    let resp = alliance_study::responses::Responses::from_csv_str(&r.body, "study.csv", &cfg.analysis.id_column)
        .expect("the study reads the export");
    assert_eq!(resp.nrows(), 6);
    assert_eq!(resp.ids[0], "A-R01");
    assert!(!r.body.contains("North") && !r.body.contains("@"), "anonymised: {}", r.body);
    let (data, screening) = alliance_study::analysis::prepare_data(&cfg, resp);
    let measured: Vec<&str> = screening.measured.iter().map(|m| m.id.as_str()).collect();
    assert!(measured.contains(&"T2") && measured.contains(&"LE"), "{measured:?}");
    // Northwind answered trust 6, Southgate 3; the reverse-keyed t2_4 (2 and 5) comes out recoded
    for (col, want) in [("t2_1", [6.0, 3.0]), ("t2_4", [6.0, 3.0]), ("le_1", [5.0, 5.0])] {
        let v = data.column(col).expect(col);
        assert!((v[0] - want[0]).abs() < 1e-12 && (v[5] - want[1]).abs() < 1e-12, "{col}: {v:?}");
    }

    // `entente assess-population`: one row, read by its reader
    let r = w
        .owner
        .get(&format!("/alliances/{a}/export/population.csv?wave=1&performance=4.5&failed=0&terminated=1&age=3"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = alliance_core::population::read_population("population.csv", &r.body).expect("population reads");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.id, format!("alliance{a}-wave1"));
    // the example dyad is a mismatch; an equity joint venture is integration 3 of 4
    assert_eq!(row.quadrant, alliance_core::population::PopQuadrant::Mismatch);
    assert!((row.integration - 3.0).abs() < 1e-12);
    assert!((0.0..=1.0).contains(&row.dynamism));
    // learning: 5 on the three forward items, 3 on the reverse-keyed one -> 5 everywhere
    assert!((row.learning - 5.0).abs() < 1e-9, "{}", row.learning);
    assert!((row.performance - 4.5).abs() < 1e-12 && row.terminated && !row.failed && (row.age - 3.0).abs() < 1e-12);

    // the three-respondent rule and the outcome checks hold for both exports
    let r = w.owner.post(&format!("/alliances/{a}/waves"), &[("part", "trust"), ("part", "learning")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = w.owner.get(&format!("/alliances/{a}/export/study.csv?wave=2")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Not enough answers yet"), "{}", r.body);
    let r = w
        .owner
        .get(&format!("/alliances/{a}/export/population.csv?wave=1&performance=4.5&failed=2&terminated=1&age=3"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_logged_out_session_is_refused_at_once() {
    let mut w = world().await;
    let path = format!("/alliances/{}", w.alliance);
    // the session was just used, so it is in the session cache
    assert_eq!(w.leads[0].get(&path).await.status, StatusCode::OK);
    let stolen = w.leads[0].clone();
    let r = w.leads[0].post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut replay = stolen;
    assert_eq!(replay.get(&path).await.status, StatusCode::SEE_OTHER, "the old cookie must not work after logout");
}
