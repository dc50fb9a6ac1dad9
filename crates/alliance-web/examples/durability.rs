//! Durability under SIGKILL: starts `entente serve --demo` on a fresh SQLite file, opens a wave,
//! lets the demo's ten partner members save answers concurrently, kills the server with SIGKILL
//! in the middle of the submissions, restarts it on the same file, and checks that every
//! answer the server had acknowledged (303) is there. A request cut off by the kill may or may
//! not have been committed; its values are accepted either way. Repeats for several rounds.
//!
//! ```sh
//! cargo build --release -p entente-cli
//! cargo run --release -p alliance-web --example durability -- --bin target/release/entente --rounds 3 --seconds 5
//! ```
//!
//! Exit code 0 when no acknowledged answer was lost, 1 otherwise.

#[path = "common/http1.rs"]
mod http1;

use alliance_web::analysis::Part;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

async fn start(bin: &str, db: &str) -> (Child, String) {
    let mut child = Command::new(bin)
        .args(["serve", "--demo", "--db", db, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the entente binary (give its path with --bin)");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = lines.next_line().await.expect("read").expect("the server prints its URL");
    // keep draining the demo logins so the pipe never fills
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    (child, addr)
}

/// Log in; returns the cookie header and the CSRF token.
async fn login(addr: &str, email: &str) -> (String, String) {
    let mut c = http1::Conn::open(addr).await.expect("connect");
    let page = c.request("GET", "/login", "", "").await.expect("login page");
    let csrf = page.set_cookies().into_iter().find(|(k, _)| k == "entente_csrf").expect("csrf cookie").1;
    let body =
        format!("csrf={csrf}&email={}&password={}", email.replace('@', "%40"), alliance_web::demo::DEMO_PASSWORD);
    let r = c.request("POST", "/login", &format!("entente_csrf={csrf}"), &body).await.expect("login");
    assert_eq!(r.status, 303, "login of {email}: {}", r.body);
    let session = r.set_cookies().into_iter().find(|(k, _)| k == "entente_session").expect("session cookie").1;
    (format!("entente_csrf={csrf}; entente_session={session}"), csrf)
}

/// The checked radio buttons of an answer page: item -> value.
fn saved_answers(page: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for chunk in page.split("<input ").skip(1) {
        let tag = chunk.split('>').next().unwrap_or("");
        if !tag.contains(" checked") || !tag.contains("type=\"radio\"") {
            continue;
        }
        let attr =
            |name: &str| tag.split(&format!("{name}=\"")).nth(1).and_then(|s| s.split('"').next()).map(str::to_string);
        if let (Some(n), Some(v)) = (attr("name"), attr("value").and_then(|v| v.parse().ok())) {
            out.insert(n, v);
        }
    }
    out
}

#[tokio::main]
async fn main() {
    let bin = arg("--bin", "target/release/entente");
    let rounds: usize = arg("--rounds", "3").parse().expect("--rounds N");
    let seconds: f64 = arg("--seconds", "5").parse().expect("--seconds T");
    let dir = std::env::temp_dir().join(format!("entente-durability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = format!("sqlite://{}", dir.join("durability.db").display());
    let (mut child, mut addr) = start(&bin, &db).await;
    let (owner_cookie, owner_csrf) = login(&addr, alliance_web::demo::DEMO_OWNER).await;
    let mut c = http1::Conn::open(&addr).await.expect("connect");
    let parts: String = Part::ALL.iter().map(|p| format!("&part={}", p.key())).collect();
    let r = c
        .request("POST", "/alliances/1/waves", &owner_cookie, &format!("csrf={owner_csrf}{parts}"))
        .await
        .expect("open wave");
    assert_eq!(r.status, 303, "{}", r.body);
    let mut users = Vec::new();
    for firm in ["solvik", "kaiyo"] {
        users.push(login(&addr, &format!("lead@{firm}.demo")).await);
        for k in 1..=4 {
            users.push(login(&addr, &format!("r{k}@{firm}.demo")).await);
        }
    }
    let items: Vec<String> =
        Part::ALL.iter().flat_map(|p| p.constructs()).flat_map(|c| c.items).map(|i| i.id).collect();
    let path = "/alliances/1/waves/4";
    let mut acked: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); users.len()];
    let (mut total_acked, mut lost, mut checked) = (0usize, 0usize, 0usize);
    for round in 0..rounds {
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        let mut tasks = Vec::new();
        for (k, (cookie, csrf)) in users.iter().cloned().enumerate() {
            let (addr, items) = (addr.clone(), items.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64((round * 1000 + k) as u64);
                let mut acks: Vec<Vec<(String, i64)>> = Vec::new();
                let mut in_flight: Vec<(String, i64)> = Vec::new();
                let Ok(mut conn) = http1::Conn::open(&addr).await else { return (acks, in_flight) };
                loop {
                    let batch: Vec<(String, i64)> = (0..5)
                        .map(|_| (items[rng.random_range(0..items.len())].clone(), rng.random_range(1..=7)))
                        .collect();
                    let body: String = format!("csrf={csrf}&action=save")
                        + &batch.iter().map(|(i, v)| format!("&{i}={v}")).collect::<String>();
                    match conn.request("POST", path, &cookie, &body).await {
                        Ok(r) if r.status == 303 => acks.push(batch),
                        Ok(r) => panic!("unexpected status {}: {}", r.status, r.body),
                        // the kill cut this one off
                        Err(_) => {
                            in_flight = batch;
                            return (acks, in_flight);
                        }
                    }
                    if Instant::now() > deadline + Duration::from_secs(30) {
                        return (acks, in_flight);
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        child.start_kill().expect("SIGKILL");
        let _ = child.wait().await;
        let mut cut: Vec<Vec<(String, i64)>> = Vec::new();
        for (k, t) in tasks.into_iter().enumerate() {
            let (acks, in_flight) = t.await.expect("task");
            total_acked += acks.len();
            for batch in acks {
                acked[k].extend(batch);
            }
            cut.push(in_flight);
        }
        let (next, next_addr) = start(&bin, &db).await;
        child = next;
        // sessions live in the database: the same cookies work after the restart
        for (k, (cookie, _)) in users.iter().enumerate() {
            let mut conn = http1::Conn::open(&next_addr).await.expect("connect");
            let page = conn.request("GET", path, cookie, "").await.expect("answer page");
            assert_eq!(page.status, 200, "{}", page.body);
            let stored = saved_answers(&page.body);
            for (item, v) in &acked[k] {
                checked += 1;
                let maybe = cut[k].iter().any(|(i, x)| i == item && stored.get(item) == Some(x));
                if stored.get(item) != Some(v) && !maybe {
                    lost += 1;
                }
            }
            // what survived of a cut-off request is now the state to keep
            for (item, v) in &cut[k] {
                if stored.get(item) == Some(v) {
                    acked[k].insert(item.clone(), *v);
                }
            }
        }
        println!("round {}: killed after {seconds} s; acknowledged saves so far {total_acked}; answers checked {checked}; lost {lost}", round + 1);
        addr = next_addr;
    }
    let _ = child.start_kill();
    let _ = std::fs::remove_dir_all(&dir);
    println!("acknowledged saves: {total_acked}; answers checked: {checked}; lost: {lost}");
    if lost > 0 {
        std::process::exit(1);
    }
}
