//! The four shipped example dyads: one per quadrant cell, each report an insta snapshot.

use alliance_core::assess::examples::{example, EXAMPLES};
use alliance_core::assess::report::{to_html, to_text};
use alliance_core::assess::rules::Resolution;
use alliance_core::assess::Quadrant;

#[test]
fn examples_cover_every_quadrant_cell() {
    let quadrants: Vec<Quadrant> =
        EXAMPLES.iter().map(|e| e.assess().expect("example assesses").facts.quadrant).collect();
    assert!(quadrants.contains(&Quadrant::EconomiesOfKnowledge));
    assert!(quadrants.contains(&Quadrant::SynergiesOfKnowledge));
    assert!(quadrants.contains(&Quadrant::Mismatch { explorer: 0 }));
    assert!(quadrants.contains(&Quadrant::Mismatch { explorer: 1 }));
}

#[test]
fn mismatch_examples_resolve_by_rationale() {
    let eco = example("mismatch-economic").and_then(|e| e.assess()).expect("assesses");
    assert_eq!(eco.resolution, Some(Resolution::TowardEconomies));
    let beh = example("mismatch-behavioural").and_then(|e| e.assess()).expect("assesses");
    assert_eq!(beh.resolution, Some(Resolution::TowardSynergies));
}

#[test]
fn unknown_example_lists_the_names() {
    let err = example("nope").unwrap_err().to_string();
    assert!(err.contains("`nope`") && err.contains("economies") && err.contains("synergies"), "{err}");
}

#[test]
fn example_reports_snapshot() {
    for e in EXAMPLES {
        let d = e.assess().expect("example assesses");
        insta::assert_snapshot!(format!("text_{}", e.name), to_text(&d));
        insta::assert_json_snapshot!(format!("json_{}", e.name), d);
    }
}

#[test]
fn html_report_is_self_contained() {
    let d = example("synergies").and_then(|e| e.assess()).expect("assesses");
    let html = to_html(&d);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains("Aurora Biologics"));
}

#[test]
fn respondents_csv_are_aggregated_with_rwg() {
    let a = include_str!("../data/examples/respondents/a.csv");
    let b = include_str!("../data/examples/respondents/b.csv");
    let d = alliance_core::assess::assess_texts("a.csv", a, "b.csv", b).expect("assesses");
    assert_eq!(d.facts.profiles[0].respondents, 4);
    let tbp = d.facts.profiles[1].agreement.iter().find(|g| g.construct == "TBP").expect("TBP rwg");
    // two respondents answer 2 and two answer 7 on every TBP item: variance 25/3 > 4, so rwg = 0
    assert!(tbp.rwg.abs() < 1e-12);
    let text = to_text(&d);
    assert!(text.contains("low agreement among Meridian Materials Lab's respondents on TBP (rwg 0.00)"), "{text}");
    insta::assert_snapshot!("text_respondents", text);
}
