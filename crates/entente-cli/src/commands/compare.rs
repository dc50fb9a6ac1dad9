//! `entente compare`: likelihood-ratio test of nested models (lavaan's `lavTestLRT`), with AIC and BIC.
use super::fit::Format;
use super::invariance::{file_name, read};
use super::Failure;
use anyhow::anyhow;
use clap::Args;
use sem::compare::{lrt, LrtRow};
use sem::{Data, DataFrame, FitOptions, Sem};
use sem_report::num;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more model files in lavaan syntax.
    #[arg(value_name = "M.lav", num_args = 2.., required = true)]
    models: Vec<PathBuf>,
    /// Raw data: CSV with a header (empty field or NA = missing).
    #[arg(long, value_name = "D.csv")]
    data: PathBuf,
    /// Grouping column for multiple-group models.
    #[arg(long, value_name = "COLUMN")]
    group: Option<String>,
    /// Estimator: ml, or mlr (then the Satorra-Bentler 2001 scaled difference test).
    #[arg(long, value_enum, default_value = "ml")]
    estimator: super::fit::EstimatorArg,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let frame =
        DataFrame::from_csv_str(&read(&args.data, "data file")?, &file_name(&args.data)).map_err(Failure::data)?;
    let opts = FitOptions { group: args.group.clone(), estimator: args.estimator.into(), ..Default::default() };
    let scaled = opts.estimator == sem::Estimator::Mlr;
    let mut fits = Vec::new();
    for path in &args.models {
        let name = file_name(path);
        let sem = Sem::new(&read(path, "model file")?).map_err(|e| Failure::data(anyhow!("in `{name}`: {e}")))?;
        let fit = sem.fit(&Data::Frame(&frame), &opts).map_err(|e| Failure::data(anyhow!("fitting `{name}`: {e}")))?;
        fits.push((name, fit));
    }
    let refs: Vec<(String, &sem::Fit)> = fits.iter().map(|(n, f)| (n.clone(), f)).collect();
    let rows = lrt(&refs).map_err(Failure::data)?;
    let out = match args.format {
        Format::Json => to_json(&rows, scaled),
        Format::Text => to_text(&rows, scaled),
        Format::Csv => return Err(Failure::usage(anyhow!("`entente compare` writes text or json"))),
    };
    super::emit(&out)
}

const SCALED: &str = "Scaled Chi-Squared Difference Test (method = \"satorra.bentler.2001\")";

fn to_json(rows: &[LrtRow], scaled: bool) -> String {
    let table: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "model": r.name, "Df": num(r.df), "AIC": num(r.aic), "BIC": num(r.bic), "Chisq": num(r.chisq),
                "Chisq diff": r.chisq_diff.map(num), "RMSEA": r.rmsea_diff.map(num),
                "Df diff": r.df_diff.map(num), "Pr(>Chisq)": r.pvalue_diff.map(num),
            })
        })
        .collect();
    let heading = if scaled { SCALED } else { "Chi-Squared Difference Test" };
    let doc = json!({"heading": heading, "table": table});
    format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.filter(|x| x.is_finite()).map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

fn to_text(rows: &[LrtRow], scaled: bool) -> String {
    let mut o = if scaled {
        format!("{SCALED}\n(the Chisq column holds the standard statistics; the difference is scaled)\n\n")
    } else {
        String::from("Chi-Squared Difference Test\n\n")
    };
    let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(5).max(5) + 2;
    let _ = writeln!(
        o,
        "{:<w$}{:>5}{:>11}{:>11}{:>10}{:>12}{:>8}{:>8}{:>12}",
        "", "Df", "AIC", "BIC", "Chisq", "Chisq diff", "RMSEA", "Df diff", "Pr(>Chisq)"
    );
    for r in rows {
        let _ = writeln!(
            o,
            "{:<w$}{:>5}{:>11.2}{:>11.2}{:>10.3}{:>12}{:>8}{:>8}{:>12}",
            r.name,
            r.df,
            r.aic,
            r.bic,
            r.chisq,
            opt(r.chisq_diff, 3),
            opt(r.rmsea_diff, 4),
            opt(r.df_diff, 0),
            opt(r.pvalue_diff, 4),
        );
    }
    o
}
