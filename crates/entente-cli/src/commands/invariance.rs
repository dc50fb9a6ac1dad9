//! `entente invariance`: the measurement invariance ladder configural -> metric -> scalar -> strict.
use super::fit::Format;
use super::Failure;
use anyhow::{anyhow, Context};
use clap::Args;
use sem::compare::{invariance, InvarianceRow, DELTA_CFI_CUTOFF, DELTA_RMSEA_CUTOFF};
use sem::{Data, DataFrame, FitOptions, Sem};
use sem_report::num;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InvarianceArgs {
    /// Model file in lavaan syntax.
    #[arg(long, value_name = "M.lav")]
    model: PathBuf,
    /// Raw data: CSV with a header (empty field or NA = missing).
    #[arg(long, value_name = "D.csv")]
    data: PathBuf,
    /// Grouping column.
    #[arg(long, value_name = "COLUMN")]
    group: String,
    /// Identify latent variables by fixing their variances to 1.
    #[arg(long)]
    std_lv: bool,
    /// Estimator: ml, or mlr (scaled differences, robust CFI and RMSEA).
    #[arg(long, value_enum, default_value = "ml")]
    estimator: super::fit::EstimatorArg,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) fn read(path: &PathBuf, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} `{}`", path.display()))
        .map_err(Failure::data)
}

pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

pub fn run(args: InvarianceArgs) -> Result<(), Failure> {
    let src = read(&args.model, "model file")?;
    let sem = Sem::new(&src).map_err(|e| Failure::data(anyhow!("in `{}`: {e}", args.model.display())))?;
    let frame =
        DataFrame::from_csv_str(&read(&args.data, "data file")?, &file_name(&args.data)).map_err(Failure::data)?;
    let opts = FitOptions { std_lv: args.std_lv, estimator: args.estimator.into(), ..Default::default() };
    let rows = invariance(&sem, &Data::Frame(&frame), &args.group, &opts).map_err(Failure::data)?;
    let out = match args.format {
        Format::Json => to_json(&rows),
        Format::Text => to_text(&rows),
        Format::Csv => return Err(Failure::usage(anyhow!("`entente invariance` writes text or json"))),
    };
    super::emit(&out)
}

fn to_json(rows: &[InvarianceRow]) -> String {
    let steps: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "step": r.step,
                "group.equal": r.group_equal.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
                "chisq": num(r.chisq), "df": num(r.df), "pvalue": num(r.pvalue),
                "cfi": num(r.cfi), "rmsea": num(r.rmsea), "srmr": num(r.srmr),
                "aic": num(r.aic), "bic": num(r.bic),
                "chisq.diff": r.lrt.map(|l| num(l.0)), "df.diff": r.lrt.map(|l| num(l.1)),
                "pvalue.diff": r.lrt.map(|l| num(l.2)), "rmsea.diff": r.lrt.map(|l| num(l.3)),
                "delta.cfi": r.delta_cfi.map(num), "delta.rmsea": r.delta_rmsea.map(num),
                "flag.cfi": r.flag_cfi, "flag.rmsea": r.flag_rmsea,
            })
        })
        .collect();
    let doc = json!({
        "cutoffs": {"delta.cfi": DELTA_CFI_CUTOFF, "delta.rmsea": DELTA_RMSEA_CUTOFF},
        "steps": steps,
    });
    format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

fn opt(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => String::new(),
    }
}

fn to_text(rows: &[InvarianceRow]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Measurement invariance (each step against the one before):");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<12}{:>10}{:>5}{:>8}{:>8}{:>8}{:>10}{:>6}{:>9}{:>9}{:>9}",
        "step", "chisq", "df", "cfi", "rmsea", "srmr", "d.chisq", "d.df", "p", "d.cfi", "d.rmsea"
    );
    for r in rows {
        let lrt = r.lrt;
        let flag = |on: bool| if on { "*" } else { " " };
        let _ = writeln!(
            o,
            "{:<12}{:>10.3}{:>5}{:>8.3}{:>8.3}{:>8.3}{:>10}{:>6}{:>9}{:>8}{}{:>8}{}",
            r.step,
            r.chisq,
            r.df,
            r.cfi,
            r.rmsea,
            r.srmr,
            opt(lrt.map(|l| l.0), 3),
            opt(lrt.map(|l| l.1), 0),
            opt(lrt.map(|l| l.2), 4),
            opt(r.delta_cfi, 3),
            flag(r.flag_cfi),
            opt(r.delta_rmsea, 3),
            flag(r.flag_rmsea),
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "* non-invariance by the customary cut-offs: delta CFI < {DELTA_CFI_CUTOFF} (Cheung & Rensvold 2002), delta RMSEA > {DELTA_RMSEA_CUTOFF} (Chen 2007)."
    );
    o
}
