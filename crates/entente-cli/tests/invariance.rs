//! `entente invariance`: the ladder table against lavaan and bad grouping columns.
use crate::util::{entente, repo, stderr, stdout, temp_file};
use serde_json::Value;

const HS: &str = "reference/data/HolzingerSwineford1939.csv";
const CFA: &str = "reference/models/hs_cfa.lav";

#[test]
fn json_ladder_matches_lavaan_lrt() {
    let o =
        entente(&["invariance", "--model", &repo(CFA), "--data", &repo(HS), "--group", "school", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let steps = out["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(names, ["configural", "metric", "scalar", "strict"]);
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("reference/hs_inv_lrt.json")).unwrap()).unwrap();
    for (s, w) in steps.iter().zip(want["table"].as_array().unwrap()) {
        let (a, b) = (s["chisq"].as_f64().unwrap(), w["Chisq"].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b, "{}: chisq {a} vs lavaan {b}", s["step"]);
        if let Some(b) = w["Chisq diff"].as_f64() {
            let a = s["chisq.diff"].as_f64().unwrap();
            assert!((a - b).abs() <= 1e-4 * b.max(1.0), "{}: chisq diff {a} vs lavaan {b}", s["step"]);
        }
    }
    assert_eq!(steps[2]["flag.cfi"], true);
    assert_eq!(steps[1]["flag.cfi"], false);
}

#[test]
fn text_table_flags_the_scalar_step() {
    let o = entente(&["invariance", "--model", &repo(CFA), "--data", &repo(HS), "--group", "school"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let scalar = text.lines().find(|l| l.starts_with("scalar")).unwrap();
    assert!(scalar.contains('*'), "{scalar}");
    let metric = text.lines().find(|l| l.starts_with("metric")).unwrap();
    assert!(!metric.contains('*'), "{metric}");
}

#[test]
fn bad_grouping_columns_exit_1() {
    let one = temp_file("one_group.csv", "g,a,b,c\n1,1,2,3\n1,2,1,3\n1,3,4,2\n1,4,3,5\n1,2,2,2\n");
    let model = temp_file("abc.lav", "f =~ a + b + c\n");
    let o = entente(&["invariance", "--model", &model, "--data", &one, "--group", "g"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("at least 2"), "{}", stderr(&o));
    let tiny = temp_file("tiny_group.csv", "g,a,b,c\n1,1,2,3\n1,2,1,3\n1,3,4,2\n1,4,3,5\n2,2,2,2\n");
    let o = entente(&["invariance", "--model", &model, "--data", &tiny, "--group", "g"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Group `2`"), "{}", stderr(&o));
    let o = entente(&["invariance", "--model", &model, "--data", &one, "--group", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`nope`"), "{}", stderr(&o));
}
