//! Bad input gives clear messages and the study still reports what it can.
use super::{run_on, sim};
use alliance_study::analysis::Verdict;
use alliance_study::responses::Responses;
use alliance_study::StudyConfig;

#[test]
fn missing_item_columns_drop_items_and_untestable_propositions() {
    let cfg = StudyConfig::default();
    let mut resp = sim(&cfg, 400, 2);
    resp.columns.retain(|(n, _)| n != "pe_4" && !n.starts_with("id_"));
    let (rep, _) = run_on(&cfg, resp, 0, false);
    assert_eq!(rep.screening.missing_columns.len(), 5);
    assert!(rep.screening.dropped_constructs.contains(&"ID".to_string()));
    assert!(rep.screening.notes.iter().any(|n| n.contains("`pe_4`")));
    let p7 = rep.propositions.iter().find(|p| p.proposition == "P7").expect("P7");
    assert_eq!(p7.verdict, Verdict::NotTested);
    let p2 = rep.propositions.iter().find(|p| p.proposition == "P2").expect("P2");
    assert_eq!(p2.verdict, Verdict::Supported);
}

#[test]
fn out_of_range_answers_become_missing_with_a_note() {
    let cfg = StudyConfig::default();
    let mut resp = sim(&cfg, 400, 2);
    let col = resp.column_mut("tr_2").expect("tr_2");
    col[0] = 9.0;
    col[1] = 0.0;
    col[2] = 3.5;
    let (rep, _) = run_on(&cfg, resp, 0, false);
    assert_eq!(rep.screening.out_of_range, vec![("tr_2".to_string(), 3)]);
    assert_eq!(rep.screening.missing.complete, 397);
    assert!(rep.screening.notes.iter().any(|n| n.contains("`tr_2` has 3 answer(s) outside 1-7")));
    assert!(rep.full.is_some());
}

fn split(resp: &Responses, wave1: &[&str]) -> (String, String) {
    let w1: Vec<String> = wave1.iter().map(|s| s.to_string()).collect();
    let mut a = resp.clone();
    a.columns.retain(|(n, _)| w1.iter().any(|p| n.starts_with(p.as_str())));
    let mut b = resp.clone();
    b.columns.retain(|(n, _)| !w1.iter().any(|p| n.starts_with(p.as_str())));
    (a.to_csv("alliance_id"), b.to_csv("alliance_id"))
}

#[test]
fn wave2_ids_that_do_not_match_wave1_are_reported_and_left_out() {
    let cfg = StudyConfig::default();
    let resp = sim(&cfg, 420, 8);
    let (w1, w2) = split(&resp, &["pe_", "tr_", "re_", "t1_"]);
    let w2 = w2.replacen("A0001,", "Z9999,", 1).replacen("A0002,", "Z9998,", 1);
    let a = Responses::from_csv_str(&w1, "wave1.csv", "alliance_id").expect("w1");
    let b = Responses::from_csv_str(&w2, "wave2.csv", "alliance_id").expect("w2");
    let joined = a.join(b).expect("join");
    assert_eq!(joined.nrows(), 418);
    let (rep, _) = run_on(&cfg, joined, 0, false);
    assert!(rep.screening.notes.iter().any(|n| n.contains("do not match any wave-1 id") && n.contains("`Z9999`")));
    assert!(rep.propositions.iter().all(|p| p.verdict != Verdict::NotTested));
    // longitudinal invariance runs on the joined data
    assert_eq!(rep.longitudinal.len(), 3);

    let a = Responses::from_csv_str(&w1, "wave1.csv", "alliance_id").expect("w1");
    let none = w2.replace("A0", "B0");
    let b = Responses::from_csv_str(&none, "wave2.csv", "alliance_id").expect("w2");
    let e = a.join(b).expect_err("no ids match").to_string();
    assert!(e.contains("`wave2.csv`") && e.contains("matches an id of wave 1"), "{e}");
}

#[test]
fn a_moderator_with_too_few_cases_per_group_is_skipped_with_a_note() {
    let mut cfg = StudyConfig { moderators: vec!["CM".into()], ..Default::default() };
    cfg.analysis.min_group_size = 250;
    let (rep, _) = run_on(&cfg, sim(&cfg, 300, 6), 0, true);
    let m = &rep.moderators[0];
    assert!(m.tests.is_empty());
    assert!(m.notes.iter().any(|n| n.contains("fewer than 250 complete cases")), "{:?}", m.notes);
    // the latent interaction is still estimated
    assert!(m.interaction.is_some());
    assert!(rep.full.is_some());
}
