//! Load test of the answer path: N respondents (default 200), each on its own keep-alive
//! connection, save answers to an open wave as fast as the server acknowledges them for T
//! seconds (default 60); with `--think-ms M` each respondent pauses a random 0.5M-1.5M
//! milliseconds between saves, as people reading the next page do. Reports throughput and p50/p99/max latency, counts every non-303 reply
//! or I/O failure as an error, and at the end compares the database with the last value each
//! respondent had acknowledged for each item: any difference is a lost answer.
//!
//! The server runs in this process on 127.0.0.1 (a free port) over a fresh SQLite file (WAL,
//! synchronous FULL) in a temporary folder, or on PostgreSQL with `--db postgres://...` (the
//! schema must be empty). Run it in release mode:
//!
//! ```sh
//! cargo run --release -p alliance-web --example load -- --respondents 200 --seconds 60
//! cargo run --release -p alliance-web --example load -- --respondents 200 --seconds 60 --think-ms 1000
//! ```
//!
//! Exit code 0 when there were no errors and no lost answers, 1 otherwise.

#[path = "common/http1.rs"]
mod http1;

use alliance_web::analysis::Part;
use alliance_web::handlers::{self, Role};
use alliance_web::{AppState, Config, Db, PasswordCost};
use rand::{Rng, SeedableRng};
use sqlx::Row;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() {
    let respondents: usize = arg("--respondents", "200").parse().expect("--respondents N");
    let seconds: u64 = arg("--seconds", "60").parse().expect("--seconds T");
    let think_ms: u64 = arg("--think-ms", "0").parse().expect("--think-ms M");
    let dir = std::env::temp_dir().join(format!("entente-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = arg("--db", &format!("sqlite://{}", dir.join("load.db").display()));
    let db = Db::connect(&url).await.expect("database");
    let state = AppState::new(db, Config { password_cost: PasswordCost::fast_for_tests(), ..Config::default() });

    // seed: an owner, an alliance, N respondents split over the partners, one open wave
    let owner = handlers::create_user(&state, "owner@load.test", "Owner", "load test password").await.expect("owner");
    let alliance = handlers::create_alliance_row(
        &state,
        owner,
        "Load",
        alliance_core::assess::GovernanceForm::EquityJv,
        [("P", "X"), ("Q", "Y")],
    )
    .await
    .expect("alliance");
    let partners: Vec<i64> = sqlx::query("SELECT id FROM partners WHERE alliance_id = $1 ORDER BY side")
        .bind(alliance)
        .fetch_all(&state.db.pool)
        .await
        .expect("partners")
        .iter()
        .map(|r| r.get(0))
        .collect();
    handlers::open_wave_row(&state, alliance, &Part::ALL).await.expect("wave");
    let mut cookies = Vec::new();
    for k in 0..respondents {
        let id =
            handlers::create_user(&state, &format!("r{k}@load.test"), "R", "load test password").await.expect("user");
        sqlx::query("INSERT INTO memberships (user_id, alliance_id, partner_id, role) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(alliance)
            .bind(partners[k % 2])
            .bind(Role::Respondent.key())
            .execute(&state.db.pool)
            .await
            .expect("member");
        let set = handlers::start_session(&state, id, false).await.expect("session");
        let session = set.split(';').next().expect("cookie").to_string();
        let csrf = alliance_web::auth::new_token();
        cookies.push((id, format!("{session}; entente_csrf={csrf}"), csrf));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server_state = state.clone();
    tokio::spawn(async move { alliance_web::serve(listener, server_state).await });
    let items: Vec<String> =
        Part::ALL.iter().flat_map(|p| p.constructs()).flat_map(|c| c.items).map(|i| i.id).collect();
    eprintln!(
        "load: {respondents} respondents, {seconds} s, think {think_ms} ms, {} items, server on {addr}, database {url}",
        items.len()
    );

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let path = format!("/alliances/{alliance}/waves/1");
    let mut tasks = Vec::new();
    for (k, (user, cookie, csrf)) in cookies.into_iter().enumerate() {
        let (addr, path, items) = (addr.clone(), path.clone(), items.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(k as u64);
            let mut acked: BTreeMap<String, i64> = BTreeMap::new();
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            let mut conn = match http1::Conn::open(&addr).await {
                Ok(c) => c,
                Err(e) => return (user, acked, latencies, vec![e.to_string()]),
            };
            while Instant::now() < deadline {
                if think_ms > 0 {
                    let pause = rng.random_range(think_ms / 2..=think_ms + think_ms / 2);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                // a page of a questionnaire: five items
                let batch: Vec<(String, i64)> = (0..5)
                    .map(|_| (items[rng.random_range(0..items.len())].clone(), rng.random_range(1..=7)))
                    .collect();
                let mut body = format!("csrf={csrf}&action=save");
                for (item, v) in &batch {
                    body.push_str(&format!("&{item}={v}"));
                }
                let t = Instant::now();
                match conn.request("POST", &path, &cookie, &body).await {
                    Ok(r) if r.status == 303 => {
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        acked.extend(batch);
                    }
                    Ok(r) => {
                        errors.push(format!("status {}: {}", r.status, r.body.chars().take(200).collect::<String>()))
                    }
                    Err(e) => {
                        errors.push(e.to_string());
                        match http1::Conn::open(&addr).await {
                            Ok(c) => conn = c,
                            Err(e) => return (user, acked, latencies, vec![e.to_string()]),
                        }
                    }
                }
            }
            (user, acked, latencies, errors)
        }));
    }
    let started = Instant::now();
    let mut all_latencies = Vec::new();
    let mut errors = Vec::new();
    let mut lost = 0usize;
    let mut checked = 0usize;
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    for (user, acked, latencies, errs) in results {
        all_latencies.extend(latencies);
        errors.extend(errs);
        let rows = sqlx::query(
            "SELECT a.item, a.value FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.user_id = $1",
        )
        .bind(user)
        .fetch_all(&state.db.pool)
        .await
        .expect("answers");
        let stored: BTreeMap<String, i64> = rows.iter().map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1))).collect();
        for (item, v) in &acked {
            checked += 1;
            if stored.get(item) != Some(v) {
                lost += 1;
            }
        }
    }
    all_latencies.sort_by(f64::total_cmp);
    let n = all_latencies.len();
    println!("requests acknowledged: {n} in {elapsed:.1} s ({:.0}/s)", n as f64 / elapsed);
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at the end: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    }
    println!(
        "latency ms: p50 {:.1}, p99 {:.1}, max {:.1}",
        percentile(&all_latencies, 50.0),
        percentile(&all_latencies, 99.0),
        all_latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!("errors: {}", errors.len());
    for e in errors.iter().take(5) {
        println!("  {e}");
    }
    println!("answers checked: {checked}, lost: {lost}");
    let _ = std::fs::remove_dir_all(&dir);
    if !errors.is_empty() || lost > 0 {
        std::process::exit(1);
    }
}

/// Percentile of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}
