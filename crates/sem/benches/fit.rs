//! Full-fit benchmark: model syntax and data in memory -> estimates, standard errors, fit
//! measures and standardised solution, for the cases of `bench/cases.txt` (the same cases that
//! `bench/lavaan_time.R` times in lavaan). Prints JSON `{"name": median_ms, ...}` on stdout and a
//! table on stderr; cases with options the engine does not support yet print `null`.
//!
//! `cargo bench -p sem --bench fit [-- --reps N] [-- NAME ...]`; lines of `cases.txt` that start
//! with `@` run only when named.
use sem::{CovInput, Data, DataFrame, FitOptions, GroupEqual, Sem};
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Case {
    name: String,
    model: String,
    data: Input,
    opts: Option<FitOptions>,
}

enum Input {
    Frame(DataFrame),
    Cov(CovInput, usize),
}

fn parse_opts(args: &[&str]) -> (Option<FitOptions>, Option<usize>) {
    let mut o = FitOptions::default();
    let mut nobs = None;
    for a in args {
        let (k, v) = a.split_once('=').unwrap_or((a, ""));
        match k.trim() {
            "std.lv" => o.std_lv = v.trim() == "TRUE",
            "meanstructure" => o.meanstructure = v.trim() == "TRUE",
            "group" => o.group = Some(v.trim().trim_matches('"').to_string()),
            "group.equal" => {
                o.group_equal = v
                    .trim()
                    .trim_start_matches("c(")
                    .trim_end_matches(')')
                    .split(',')
                    .filter_map(|s| GroupEqual::parse(s.trim().trim_matches('"')))
                    .collect()
            }
            "modindices" => o.modindices = v.trim() == "TRUE",
            "estimator" if v.trim().trim_matches('"').eq_ignore_ascii_case("MLR") => o.estimator = sem::Estimator::Mlr,
            "missing" if matches!(v.trim().trim_matches('"'), "ml" | "fiml") => o.missing = sem::Missing::Ml,
            "sample.nobs" => nobs = v.trim().parse().ok(),
            // ordered=TRUE: every observed variable (filled in by `load`); ordered=c("a","b")
            "ordered" => {
                o.ordered = v
                    .trim()
                    .trim_start_matches("c(")
                    .trim_end_matches(')')
                    .split(',')
                    .map(|s| s.trim().trim_matches('"').to_string())
                    .collect()
            }
            _ => return (None, nobs),
        }
    }
    (Some(o), nobs)
}

/// Split `a,b,c(x,y),d` at top-level commas.
fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn load(dir: &Path, line: &str) -> Case {
    let (name, spec) = line.split_once('=').expect("name=spec");
    let parts = split_top(spec);
    let model = std::fs::read_to_string(dir.join(parts[0])).expect("model file");
    let (mut opts, nobs) = parse_opts(&parts[2..]);
    if let Some(o) = opts.as_mut().filter(|o| o.ordered == ["TRUE"]) {
        o.ordered = Sem::new(&model).expect("model").observed_variables();
    }
    let path = dir.join(parts[1]);
    let text = std::fs::read_to_string(&path).expect("data file");
    let data = if parts[1].ends_with(".cov") {
        Input::Cov(CovInput::from_str(&text, parts[1]).expect("cov"), nobs.expect("sample.nobs"))
    } else {
        Input::Frame(DataFrame::from_csv_str(&text, parts[1]).expect("csv"))
    };
    Case { name: name.trim().to_string(), model, data, opts }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mut reps = 200usize;
    if let Some(i) = args.iter().position(|a| a == "--reps") {
        reps = args[i + 1].parse().expect("--reps N");
        args.drain(i..i + 2);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench");
    let cases_txt = std::fs::read_to_string(dir.join("cases.txt")).expect("bench/cases.txt");
    let cases: Vec<Case> = cases_txt
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        // `@name=...` cases run only when named
        .filter(|l| !(args.is_empty() && l.starts_with('@')))
        .map(|l| l.trim_start_matches('@'))
        .filter(|l| args.is_empty() || args.iter().any(|a| l.starts_with(&format!("{a}="))))
        .map(|l| load(&dir, l))
        .collect();
    let mut json = Vec::new();
    eprintln!("{:<28}{:>12}{:>12}{:>8}", "case", "median ms", "min ms", "reps");
    for c in &cases {
        let Some(opts) = &c.opts else {
            eprintln!("{:<28}{:>12}", c.name, "n/a");
            json.push(format!("\"{}\": null", c.name));
            continue;
        };
        let data = match &c.data {
            Input::Frame(f) => Data::Frame(f),
            Input::Cov(ci, n) => Data::Cov { input: ci, nobs: *n },
        };
        let run = || {
            let fit = Sem::new(&c.model).and_then(|s| s.fit(&data, opts));
            std::hint::black_box(fit.map(|f| f.npar).unwrap_or(0))
        };
        run();
        let mut times = Vec::with_capacity(reps);
        for _ in 0..reps {
            let t = Instant::now();
            run();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let median = times[reps / 2];
        eprintln!("{:<28}{:>12.3}{:>12.3}{:>8}", c.name, median, times[0], reps);
        json.push(format!("\"{}\": {:.4}", c.name, median));
    }
    println!("{{{}}}", json.join(", "));
}
