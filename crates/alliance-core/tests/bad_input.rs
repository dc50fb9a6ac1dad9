//! Bad input: missing answers, out of range, same partner names, unknown governance form.

use alliance_core::assess::examples::example;
use alliance_core::assess::{assess_texts, PartnerAnswers};
use alliance_core::instruments::dyad::dyad_instrument;
use alliance_core::AssessError;

fn pair() -> (&'static str, &'static str) {
    let e = example("economies").expect("example");
    (e.text_a, e.text_b)
}

fn without_lines(text: &str, prefixes: &[&str]) -> String {
    text.lines().filter(|l| !prefixes.iter().any(|p| l.starts_with(p))).collect::<Vec<_>>().join("\n")
}

#[test]
fn some_missing_answers_are_reported_and_scored_on_what_remains() {
    let (a, b) = pair();
    let a = without_lines(a, &["RCS_X2", "TRN_SCOPE", "LEG_"]);
    let d = assess_texts("a.toml", &a, "b.toml", b).expect("enough remains");
    let missing = &d.facts.profiles[0].missing;
    assert!(missing.contains(&"RCS_X2".to_string()) && missing.contains(&"TRN_SCOPE".to_string()));
    assert_eq!(missing.len(), 5);
    assert_eq!(d.facts.profiles[0].motives.len(), 6);
}

#[test]
fn too_many_missing_answers_are_refused_with_the_construct() {
    let (a, b) = pair();
    let a = without_lines(a, &["REC_"]);
    let err = assess_texts("a.toml", &a, "b.toml", b).unwrap_err();
    assert!(matches!(err, AssessError::TooFewAnswers { .. }));
    let msg = err.to_string();
    assert!(msg.contains("`a.toml`") && msg.contains("`REC`"), "{msg}");
}

#[test]
fn out_of_range_answer_names_file_and_item() {
    let (a, b) = pair();
    let b = b.replace("TBP_VERIFY = 4", "TBP_VERIFY = 8");
    let err = assess_texts("a.toml", a, "b.toml", &b).unwrap_err();
    assert_eq!(err.to_string(), "Answer `TBP_VERIFY` = 8 in `b.toml` is out of range: answers run from 1 to 7.");
}

#[test]
fn same_partner_names_are_refused() {
    let (a, _) = pair();
    let err = assess_texts("a.toml", a, "copy.toml", a).unwrap_err();
    assert!(matches!(err, AssessError::SamePartner { .. }));
    assert!(err.to_string().contains("`Nordhafen Freight`"));
}

#[test]
fn unknown_governance_form_is_refused() {
    let (a, b) = pair();
    let a = a.replace("governance = \"equity-jv\"", "governance = \"franchise\"");
    let err = assess_texts("a.toml", &a, "b.toml", b).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`franchise`") && msg.contains("`a.toml`") && msg.contains("licensing"), "{msg}");
}

#[test]
fn missing_partner_field_is_named() {
    let (a, b) = pair();
    let a = without_lines(a, &["partner ="]);
    let err = assess_texts("a.toml", &a, "b.toml", b).unwrap_err();
    assert_eq!(err.to_string(), "`a.toml` has no `partner`; it is required.");
}

#[test]
fn unknown_item_is_named() {
    let (a, _) = pair();
    let a = format!("{a}\nRCS_X9 = 3\n");
    let err = PartnerAnswers::from_toml("a.toml", &a, &dyad_instrument()).unwrap_err();
    assert!(err.to_string().contains("`RCS_X9`"));
}

#[test]
fn csv_out_of_range_names_the_row() {
    let text = "partner,governance,RCS_IMP\nA,licensing,5\nA,licensing,0\n";
    let err = PartnerAnswers::from_csv("a.csv", text, &dyad_instrument()).unwrap_err();
    assert!(err.to_string().contains("a.csv, row 2") && err.to_string().contains("`RCS_IMP`"), "{err}");
}

#[test]
fn equity_shares_over_one_are_refused() {
    let (a, b) = pair();
    let b = b.replace("equity_share = 0.5", "equity_share = 0.7");
    let err = assess_texts("a.toml", a, "b.toml", &b).unwrap_err();
    assert_eq!(err.to_string(), "The equity shares in `a.toml` and `b.toml` add up to 1.2, more than 1.");
}

#[test]
fn partners_disagreeing_on_governance_are_refused() {
    let (a, b) = pair();
    let b = b.replace("governance = \"equity-jv\"", "governance = \"licensing\"");
    let err = assess_texts("a.toml", a, "b.toml", &b).unwrap_err();
    assert!(matches!(err, AssessError::GovernanceDisagreement { .. }));
    assert!(err.to_string().contains("`b.toml` says `licensing`"), "{err}");
}

#[test]
fn the_answers_template_parses_and_answers_every_item() {
    let inst = dyad_instrument();
    let a = PartnerAnswers::from_toml("template.toml", &inst.answers_template(), &inst).expect("template parses");
    assert_eq!(a.answers.len(), inst.items().count());
    assert_eq!(a.governance, alliance_core::assess::GovernanceForm::EquityJv);
}

#[test]
fn the_csv_header_reads_as_an_empty_respondents_file_header() {
    let inst = dyad_instrument();
    let header = inst.csv_header();
    // every column present, only `RCS_IMP` answered
    let empty = ",".repeat(header.matches(',').count() - 4);
    let text = format!("{header}Acme,1,licensing,,5{empty}\n");
    let a = PartnerAnswers::from_csv("r.csv", &text, &inst).expect("header is valid");
    assert_eq!(a.answers.len(), 1);
    assert!((a.answers["RCS_IMP"] - 5.0).abs() < 1e-12);
}

#[test]
fn a_text_answer_is_refused_with_its_item() {
    let (a, b) = pair();
    let a = a.replace("RCS_X1 = 2", "RCS_X1 = \"low\"");
    let err = assess_texts("a.toml", &a, "b.toml", b).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("Cannot read `a.toml`") && msg.contains("`RCS_X1`"), "{msg}");
}
