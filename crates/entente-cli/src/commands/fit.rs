//! `entente fit`: fit a lavaan-syntax model to a CSV or a covariance matrix.
use super::{examples, Failure};
use anyhow::{anyhow, Context};
use clap::{Args, ValueEnum};
use sem::{CovInput, Data, DataFrame, FitOptions, GroupEqual, Sem};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EstimatorArg {
    Ml,
    Mlr,
    Wlsmv,
    Wls,
    Ulsmv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ParameterizationArg {
    Delta,
    Theta,
}

impl From<EstimatorArg> for sem::Estimator {
    fn from(e: EstimatorArg) -> Self {
        match e {
            EstimatorArg::Ml => sem::Estimator::Ml,
            EstimatorArg::Mlr => sem::Estimator::Mlr,
            EstimatorArg::Wlsmv => sem::Estimator::Wlsmv,
            EstimatorArg::Wls => sem::Estimator::Wls,
            EstimatorArg::Ulsmv => sem::Estimator::Ulsmv,
        }
    }
}

/// Treatment of missing values (lavaan's `missing`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MissingArg {
    /// Drop rows with a missing model variable (the default).
    Listwise,
    /// Full-information ML over the missing-data patterns.
    Ml,
    /// Alias of `ml`.
    Fiml,
}

impl From<MissingArg> for sem::Missing {
    fn from(m: MissingArg) -> Self {
        match m {
            MissingArg::Listwise => sem::Missing::Listwise,
            MissingArg::Ml | MissingArg::Fiml => sem::Missing::Ml,
        }
    }
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Model file in lavaan syntax.
    #[arg(long, value_name = "M.lav", required_unless_present = "example")]
    model: Option<PathBuf>,
    /// Run an embedded example instead of --model/--data: alliance39, hs_cfa, polidemo, wheaton.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["model", "data", "cov"])]
    example: Option<String>,
    /// Raw data: CSV with a header (empty field or NA = missing).
    #[arg(long, value_name = "D.csv", conflicts_with = "cov")]
    data: Option<PathBuf>,
    /// Covariance matrix file (names line, then the lower triangle or the full matrix).
    #[arg(long, value_name = "C.txt", requires = "nobs")]
    cov: Option<PathBuf>,
    /// Number of observations behind --cov.
    #[arg(long, value_name = "N")]
    nobs: Option<usize>,
    /// Means for --cov (one line of numbers, or a names line and a numbers line).
    #[arg(long, value_name = "M.txt", requires = "cov")]
    means: Option<PathBuf>,
    /// Identify latent variables by fixing their variances to 1 (lavaan's std.lv = TRUE).
    #[arg(long)]
    std_lv: bool,
    /// Add intercepts and means (lavaan's meanstructure = TRUE).
    #[arg(long)]
    meanstructure: bool,
    /// Grouping column for a multiple-group analysis.
    #[arg(long, value_name = "COLUMN")]
    group: Option<String>,
    /// Parameter types held equal across groups, comma separated (loadings, intercepts, means,
    /// residuals, residual.covariances, lv.variances, lv.covariances, regressions).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    group_equal: Vec<String>,
    /// Parameters released from --group-equal, comma separated (e.g. `visual=~x2,x3~1`).
    #[arg(long, value_name = "ROWS", value_delimiter = ',')]
    group_partial: Vec<String>,
    /// Iteration limit of the optimiser.
    #[arg(long, value_name = "N", default_value_t = 500)]
    max_iter: usize,
    /// Add modification indices with (standardised) expected parameter changes, largest first.
    #[arg(long)]
    modindices: bool,
    /// Estimator: ml, or mlr (robust Huber-White SEs, Yuan-Bentler scaled test; raw data only);
    /// with --ordered: wlsmv (the default then), wls or ulsmv.
    #[arg(long, value_enum, default_value = "ml")]
    estimator: EstimatorArg,
    /// Ordered (ordinal) indicators, comma separated, or `all` for every observed variable of
    /// the model: thresholds and polychoric correlations, WLSMV unless --estimator says otherwise.
    #[arg(long, value_name = "VARS|all", value_delimiter = ',')]
    ordered: Vec<String>,
    /// Scaling of the latent responses of ordered indicators: delta (unit variances) or theta
    /// (unit residual variances).
    #[arg(long, value_enum, default_value = "delta")]
    parameterization: ParameterizationArg,
    /// Missing values: listwise deletion, or ml / fiml (full-information ML; raw data only).
    #[arg(long, value_enum, default_value = "listwise")]
    missing: MissingArg,
    /// Add measurement quality: alpha, omega, AVE, Fornell-Larcker and HTMT, thresholds flagged.
    #[arg(long)]
    quality: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Report milliseconds per pipeline step.
    #[arg(long)]
    timing: bool,
    #[command(flatten)]
    boot: super::bootstrap::BootArgs,
}

impl FitArgs {
    /// Whether this command line runs a bootstrap on raw data, the part `entente slurm` shards.
    pub fn bootstrap_on_data(&self) -> bool {
        self.boot.active() && self.data.is_some()
    }
}

fn read(path: &PathBuf, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} `{}`", path.display()))
        .map_err(Failure::data)
}

pub fn run(args: FitArgs) -> Result<(), Failure> {
    let t0 = std::time::Instant::now();
    let example = match &args.example {
        Some(name) => Some(examples::find(name).ok_or_else(|| {
            Failure::usage(anyhow!("unknown example `{name}`; the examples are:\n{}", examples::list()))
        })?),
        None => None,
    };
    let (src, model_name) = match (example, &args.model) {
        (Some(ex), _) => (ex.model.to_string(), format!("example {}", ex.name)),
        (None, Some(path)) => (read(path, "model file")?, path.display().to_string()),
        (None, None) => return Err(Failure::usage(anyhow!("give a model with --model M.lav (or --example NAME)"))),
    };
    let sem = Sem::new(&src).map_err(|e| Failure::data(anyhow!("in `{model_name}`: {e}")))?;
    let mut group_equal = Vec::new();
    for g in &args.group_equal {
        if g.trim().is_empty() {
            continue;
        }
        group_equal.push(GroupEqual::parse(g).ok_or_else(|| {
            Failure::usage(anyhow!(
                "unknown --group-equal type `{g}`; use loadings, intercepts, means, residuals, residual.covariances, lv.variances, lv.covariances or regressions"
            ))
        })?);
    }
    if !group_equal.is_empty() && args.group.is_none() {
        return Err(Failure::usage(anyhow!("--group-equal needs --group")));
    }
    let opts = FitOptions {
        std_lv: args.std_lv,
        meanstructure: args.meanstructure,
        random_x: false,
        group: args.group.clone(),
        group_equal,
        group_partial: args.group_partial.clone(),
        max_iter: Some(args.max_iter),
        modindices: args.modindices,
        estimator: args.estimator.into(),
        ordered: if args.ordered.iter().any(|o| o == "all") {
            sem.observed_variables()
        } else {
            args.ordered.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect()
        },
        parameterization: match args.parameterization {
            ParameterizationArg::Delta => sem::Parameterization::Delta,
            ParameterizationArg::Theta => sem::Parameterization::Theta,
        },
        missing: args.missing.into(),
    };
    if !opts.ordered.is_empty() && opts.missing == sem::Missing::Ml {
        return Err(Failure::usage(anyhow!("--missing ml is not available with --ordered in this version")));
    }
    if !opts.ordered.is_empty() && args.boot.active() {
        return Err(Failure::usage(anyhow!("--se bootstrap is not available with --ordered in this version")));
    }
    if !opts.ordered.is_empty() && args.modindices {
        return Err(Failure::usage(anyhow!("--modindices is not available with --ordered in this version")));
    }
    let t_read = std::time::Instant::now();
    let mut boot_input: Option<(String, DataFrame)> = None;
    let fit = match (&args.data, &args.cov) {
        _ if example.is_some() => {
            let ex = example.expect("checked above");
            match &ex.data {
                examples::ExampleData::Csv { name, text } => {
                    let frame = DataFrame::from_csv_str(text, name).map_err(Failure::data)?;
                    let fit = sem.fit(&Data::Frame(&frame), &opts).map_err(Failure::data)?;
                    boot_input = Some((text.to_string(), frame));
                    fit
                }
                examples::ExampleData::Cov { name, text, nobs } => {
                    let input = CovInput::from_str(text, name).map_err(Failure::data)?;
                    sem.fit(&Data::Cov { input: &input, nobs: *nobs }, &opts).map_err(Failure::data)?
                }
            }
        }
        (Some(path), None) => {
            let text = read(path, "data file")?;
            let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let frame = DataFrame::from_csv_str(&text, &name).map_err(Failure::data)?;
            let read_ms = t_read.elapsed().as_secs_f64() * 1e3;
            let mut fit = sem.fit(&Data::Frame(&frame), &opts).map_err(Failure::data)?;
            fit.timing.insert(0, ("read data", read_ms));
            boot_input = Some((text, frame));
            fit
        }
        (None, Some(path)) => {
            if args.group.is_some() {
                return Err(Failure::usage(anyhow!("--group needs raw data (--data)")));
            }
            let text = read(path, "covariance file")?;
            let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let mut input = CovInput::from_str(&text, &name).map_err(Failure::data)?;
            if let Some(mp) = &args.means {
                let mt = read(mp, "means file")?;
                let mname = mp.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                input.set_means_from_str(&mt, &mname).map_err(Failure::data)?;
            }
            let nobs = args.nobs.ok_or_else(|| Failure::usage(anyhow!("--cov needs --nobs")))?;
            let read_ms = t_read.elapsed().as_secs_f64() * 1e3;
            let mut fit = sem.fit(&Data::Cov { input: &input, nobs }, &opts).map_err(Failure::data)?;
            fit.timing.insert(0, ("read data", read_ms));
            fit
        }
        _ => return Err(Failure::usage(anyhow!("give the data with --data D.csv or --cov C.txt --nobs N"))),
    };
    if fit.dropped > 0 && opts.missing == sem::Missing::Ml {
        eprintln!(
            "note: {} of {} rows have every model variable missing (or no group value) and were dropped; full-information ML uses the other {} rows.",
            fit.dropped,
            fit.norig,
            fit.nobs.iter().sum::<usize>()
        );
    } else if fit.dropped > 0 {
        eprintln!(
            "note: listwise deletion dropped {} of {} rows with missing values on the model's variables; {} rows used.",
            fit.dropped,
            fit.norig,
            fit.nobs.iter().sum::<usize>()
        );
    }
    for w in &fit.warnings {
        eprintln!("warning: {w}");
    }
    let mut fit = fit;
    if args.boot.active() {
        let (text, frame) = boot_input
            .ok_or_else(|| Failure::usage(anyhow!("--se bootstrap needs raw data (--data D.csv or a CSV example)")))?;
        if !super::bootstrap::apply(&args.boot, &sem, &src, &text, &frame, &opts, &mut fit)? {
            return Ok(());
        }
    }
    if args.timing {
        let total: f64 = fit.timing.iter().map(|(_, v)| v).sum();
        fit.timing.push(("process (incl. reading the model)", t0.elapsed().as_secs_f64() * 1e3 - total));
    }
    let out = match args.format {
        Format::Text if args.quality => sem_report::to_text(&fit, args.timing) + &sem_report::quality_text(&fit),
        Format::Text => sem_report::to_text(&fit, args.timing),
        Format::Json => sem_report::to_json_with(&fit, args.timing, args.quality),
        Format::Csv => sem_report::to_csv(&fit),
    };
    if out.ends_with('\n') {
        super::emit(&out)
    } else {
        super::emit(&(out + "\n"))
    }
}
