//! A run folder on disk: scanning shards against the manifest, and the cost of 1000 shards.
use entente_slurm::shard::{shard_json, ShardHeader};
use entente_slurm::status::{complete, scan, statuses, ShardStatus};
use entente_slurm::{Manifest, SbatchOptions, Sharded, Submission};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn temp_run(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-slurm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("shards")).unwrap();
    dir
}

fn manifest(run: &Path, tasks: u32, hash: Option<String>) -> Manifest {
    let mut m = Manifest::new(
        Sharded::SimRun,
        vec!["sim".into(), "run".into()],
        hash,
        tasks,
        "/usr/bin/entente".into(),
        run.to_path_buf(),
        run.to_path_buf(),
        SbatchOptions::default(),
    )
    .unwrap();
    m.submissions.push(Submission { job_id: "local".into(), tasks: (1..=tasks).collect() });
    m.save(run).unwrap();
    m
}

fn write(run: &Path, i: u32, n: u32, settings: &serde_json::Value, payload: &serde_json::Value) {
    let header = ShardHeader::new("sim run", settings, i, n).unwrap();
    std::fs::write(Manifest::shard_path(run, i), shard_json(&header, settings, payload).unwrap()).unwrap();
}

#[test]
fn a_complete_run_collects_in_index_order() {
    let run = temp_run("complete");
    let settings = serde_json::json!({"seed": 1});
    let m = manifest(&run, 3, None);
    for i in [3, 1, 2] {
        write(&run, i, 3, &settings, &serde_json::json!([i]));
    }
    let loaded = Manifest::load(&run).unwrap();
    assert_eq!(loaded, m);
    loaded.check_location(&run).unwrap();
    let shards = complete(scan(&m, &run)).unwrap();
    let payloads: Vec<String> = shards.iter().map(|s| s.payload.get().to_string()).collect();
    assert_eq!(payloads, ["[1]", "[2]", "[3]"]);
    std::fs::remove_dir_all(&run).unwrap();
}

#[test]
fn killed_foreign_and_cut_short_shards_are_named() {
    let run = temp_run("broken");
    let settings = serde_json::json!({"seed": 1});
    let m = manifest(&run, 5, Some(ShardHeader::new("sim run", &settings, 1, 5).unwrap().settings_hash));
    write(&run, 1, 5, &settings, &serde_json::json!([1]));
    // Shard 2: killed, no file. Shard 3: another seed.
    write(&run, 3, 5, &serde_json::json!({"seed": 2}), &serde_json::json!([3]));
    // Shard 4: another Entente version.
    let mut header = ShardHeader::new("sim run", &settings, 4, 5).unwrap();
    header.entente_version = "0.0.9".into();
    std::fs::write(Manifest::shard_path(&run, 4), shard_json(&header, &settings, &serde_json::json!([4])).unwrap())
        .unwrap();
    // Shard 5: cut short.
    std::fs::write(Manifest::shard_path(&run, 5), "{\"header\": {\"format\"").unwrap();
    let sc = scan(&m, &run);
    let st = statuses(&m, &sc, &BTreeMap::new());
    assert_eq!(st[0], ShardStatus::Done);
    assert!(matches!(&st[1], ShardStatus::Failed(w) if w.contains("no shard file")), "{:?}", st[1]);
    assert!(matches!(&st[2], ShardStatus::Failed(w) if w.contains("different settings")), "{:?}", st[2]);
    assert!(matches!(&st[3], ShardStatus::Failed(w) if w.contains("Entente 0.0.9")), "{:?}", st[3]);
    assert!(matches!(&st[4], ShardStatus::Failed(w) if w.contains("not an Entente shard")), "{:?}", st[4]);
    let err = complete(sc).unwrap_err().to_string();
    for needle in ["shards 2 have no file", "shard 3:", "shard 4:", "shard 5:", "entente slurm resubmit"] {
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    std::fs::remove_dir_all(&run).unwrap();
}

#[test]
fn a_moved_run_folder_is_recognised() {
    let run = temp_run("moved");
    let m = manifest(&run, 2, None);
    let moved = run.with_file_name(format!("{}-elsewhere", run.file_name().unwrap().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&moved);
    std::fs::rename(&run, &moved).unwrap();
    let err = Manifest::load(&moved).unwrap().check_location(&moved).unwrap_err().to_string();
    assert!(err.contains("moved") && err.contains(&*m.run_dir.to_string_lossy()), "{err}");
    std::fs::remove_dir_all(&moved).unwrap();
}

/// Reading and checking 1000 shards must cost well under a second more than reading the same
/// replications from one file (the budget for merging 1000 shards). Ignored: timing
/// depends on the machine; run with `--ignored --nocapture` for the figures.
#[test]
#[ignore]
fn thousand_shards_scan_in_under_a_second() {
    let settings = serde_json::json!({"seed": 1, "reps": 10_000});
    // 10 replications of 12 numbers per shard: 10 000 replications in all, a large power study.
    let rep = |r: u32| (0..12).map(|k| f64::from(r * k) * 0.123_456_789).collect::<Vec<_>>();
    let time = |shards: u32| {
        let run = temp_run(&format!("many-{shards}"));
        let m = manifest(&run, shards, None);
        let per = 10_000 / shards;
        for i in 1..=shards {
            let payload = serde_json::json!((0..per).map(|r| rep(r + (i - 1) * per)).collect::<Vec<_>>());
            write(&run, i, shards, &settings, &payload);
        }
        let t = std::time::Instant::now();
        let got = complete(scan(&m, &run)).unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(got.len(), shards as usize);
        std::fs::remove_dir_all(&run).unwrap();
        secs
    };
    let one = time(1);
    let thousand = time(1000);
    eprintln!("scan and check: 1 shard {one:.3} s, 1000 shards {thousand:.3} s, overhead {:.3} s", thousand - one);
    assert!(thousand - one < 1.0, "{thousand} s against {one} s");
}
