//! Data input for the SEM engine: raw CSV data or a published covariance matrix, turned into the
//! sample statistics the estimator needs (lavaan: `lavData()` and `lav_samplestats_from_data()`).
//!
//! - [`DataFrame::from_csv_str`] reads a CSV with a header. Empty fields and `NA` are missing.
//!   A column is numeric when every non-missing cell parses as a number; otherwise it is text
//!   (a grouping column, say). Duplicate column names are refused.
//! - [`SampleStats::from_frame`] selects the model's observed variables, applies listwise deletion
//!   (any row with a missing model variable is dropped, per group) and computes
//!   $\bar y = \frac1N \sum_i y_i$ and $S = \frac1N \sum_i (y_i - \bar y)(y_i - \bar y)^\top$, the
//!   divisor $N$ that lavaan uses under the normal likelihood.
//! - [`CovInput::from_str`] reads a covariance matrix (full or lower triangle) with its variable
//!   names; [`SampleStats::from_cov`] rescales it by $(N-1)/N$ as lavaan's
//!   `sample.cov.rescale = TRUE` does.
//!
//! - [`MissingStats::from_frame`] keeps incomplete rows for full-information ML: missing-data
//!   patterns per group and the EM estimate of the unrestricted model ([`missing`]).
//!
//! Every error names the file, line and column it comes from.
#![deny(missing_docs)]

pub mod missing;

pub use missing::{MissingGroup, MissingStats, Pattern};
use sem_linalg::Mat;
use std::collections::HashMap;

/// Errors reading data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("Cannot read `{path}`: {msg}.")]
    Io {
        /// File path.
        path: String,
        /// OS message.
        msg: String,
    },
    /// The file has no header or no rows.
    #[error("`{source_name}` is empty: {what}.")]
    Empty {
        /// File name.
        source_name: String,
        /// What is missing.
        what: String,
    },
    /// Malformed CSV (ragged rows, bad quoting).
    #[error("`{source_name}` line {line}: {msg}.")]
    Malformed {
        /// File name.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// Description.
        msg: String,
    },
    /// Two columns share a name.
    #[error("`{source_name}` has two columns named `{name}` (columns {first} and {second}).")]
    DuplicateColumn {
        /// File name.
        source_name: String,
        /// Column name.
        name: String,
        /// 1-based index of the first.
        first: usize,
        /// 1-based index of the second.
        second: usize,
    },
    /// A model variable is not a column.
    #[error("Variable `{name}` of the model is not a column of `{source_name}`{hint}.")]
    UnknownVariable {
        /// Variable name.
        name: String,
        /// File name.
        source_name: String,
        /// Suggestion, may be empty.
        hint: String,
    },
    /// A model variable holds text.
    #[error(
        "Column `{name}` of `{source_name}` is used in the model but is not numeric: line {line} holds `{value}`."
    )]
    NotNumeric {
        /// Column name.
        name: String,
        /// File name.
        source_name: String,
        /// 1-based line of the first bad cell.
        line: usize,
        /// The cell.
        value: String,
    },
    /// Too few complete rows.
    #[error("{what} has {n} complete rows for {p} model variables after listwise deletion; at least 2 are needed.")]
    TooFewRows {
        /// Group description.
        what: String,
        /// Complete rows.
        n: usize,
        /// Number of variables.
        p: usize,
    },
    /// The sample covariance matrix is singular.
    #[error("The sample covariance matrix{group} is not positive definite: `{name}` is (nearly) a linear combination of the variables before it{zero}.")]
    SingularCovariance {
        /// Group description (may be empty).
        group: String,
        /// The variable at the failing pivot.
        name: String,
        /// Extra hint when its variance is zero.
        zero: String,
    },
    /// A problem in a covariance matrix file.
    #[error("`{source_name}` line {line}: {msg}.")]
    CovFile {
        /// File name.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// Description.
        msg: String,
    },
    /// The grouping column has a problem.
    #[error("{0}")]
    Group(String),
}

/// One column of a data frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; `NaN` marks a missing value.
    Numeric(Vec<f64>),
    /// Text cells (`None` = missing), with the first non-numeric cell's line for messages.
    Text {
        /// The cells.
        cells: Vec<Option<String>>,
        /// 1-based file line of the first cell that is not a number.
        first_bad_line: usize,
    },
}

/// A table read from CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFrame {
    /// Column names in file order.
    pub names: Vec<String>,
    /// Columns, parallel to `names`.
    pub columns: Vec<Column>,
    /// Number of data rows.
    pub nrows: usize,
    /// Name used in messages (the file name).
    pub source_name: String,
}

fn is_missing(s: &str) -> bool {
    s.is_empty() || s == "NA" || s == "." || s == "NaN"
}

impl DataFrame {
    /// Read a CSV file.
    pub fn from_csv_path(path: &std::path::Path) -> Result<Self, DataError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DataError::Io { path: path.display().to_string(), msg: e.to_string() })?;
        let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Self::from_csv_str(&text, &name)
    }

    /// Parse CSV text (header row, comma separated, RFC 4180 quoting).
    pub fn from_csv_str(text: &str, source_name: &str) -> Result<Self, DataError> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| DataError::Malformed { source_name: source_name.into(), line: 1, msg: e.to_string() })?
            .clone();
        let names: Vec<String> = headers.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect();
        if names.is_empty() || names.iter().all(|n| n.is_empty()) {
            return Err(DataError::Empty { source_name: source_name.into(), what: "there is no header row".into() });
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                return Err(DataError::Malformed {
                    source_name: source_name.into(),
                    line: 1,
                    msg: format!("column {} has an empty name", i + 1),
                });
            }
            if let Some(&first) = seen.get(n.as_str()) {
                return Err(DataError::DuplicateColumn {
                    source_name: source_name.into(),
                    name: n.clone(),
                    first: first + 1,
                    second: i + 1,
                });
            }
            seen.insert(n, i);
        }
        let p = names.len();
        let mut raw: Vec<Vec<Option<String>>> = vec![Vec::new(); p];
        let mut lines: Vec<usize> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("the row has {len} fields but the header has {expected_len}")
                    }
                    _ => e.to_string(),
                };
                DataError::Malformed { source_name: source_name.into(), line, msg }
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            if rec.len() == 1 && rec.get(0).map(|s| s.trim().is_empty()).unwrap_or(true) && p > 1 {
                continue; // blank line
            }
            lines.push(line);
            for (j, cell) in rec.iter().enumerate() {
                let c = cell.trim();
                raw[j].push(if is_missing(c) { None } else { Some(c.to_string()) });
            }
        }
        let nrows = lines.len();
        if nrows == 0 {
            return Err(DataError::Empty {
                source_name: source_name.into(),
                what: "there is a header but no data rows".into(),
            });
        }
        let columns = raw
            .into_iter()
            .map(|cells| {
                let mut vals = Vec::with_capacity(cells.len());
                let mut bad = None;
                for (i, c) in cells.iter().enumerate() {
                    match c {
                        None => vals.push(f64::NAN),
                        Some(s) => match s.parse::<f64>() {
                            Ok(v) if v.is_finite() => vals.push(v),
                            _ => {
                                bad = Some(lines[i]);
                                break;
                            }
                        },
                    }
                }
                match bad {
                    None => Column::Numeric(vals),
                    Some(first_bad_line) => Column::Text { cells, first_bad_line },
                }
            })
            .collect();
        Ok(DataFrame { names, columns, nrows, source_name: source_name.into() })
    }

    /// Index of a column by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The numeric values of column `name`, or a located error.
    pub fn numeric(&self, name: &str) -> Result<&[f64], DataError> {
        let j = self.index(name).ok_or_else(|| DataError::UnknownVariable {
            name: name.into(),
            source_name: self.source_name.clone(),
            hint: suggest(name, &self.names),
        })?;
        match &self.columns[j] {
            Column::Numeric(v) => Ok(v),
            Column::Text { cells, first_bad_line } => {
                let value = cells
                    .iter()
                    .flatten()
                    .find(|s| s.parse::<f64>().map(|v| !v.is_finite()).unwrap_or(true))
                    .cloned()
                    .unwrap_or_default();
                Err(DataError::NotNumeric {
                    name: name.into(),
                    source_name: self.source_name.clone(),
                    line: *first_bad_line,
                    value,
                })
            }
        }
    }

    /// Cells of a column as text labels (numbers are formatted), for grouping.
    pub fn labels(&self, name: &str) -> Result<Vec<Option<String>>, DataError> {
        let j = self.index(name).ok_or_else(|| DataError::UnknownVariable {
            name: name.into(),
            source_name: self.source_name.clone(),
            hint: suggest(name, &self.names),
        })?;
        Ok(match &self.columns[j] {
            Column::Numeric(v) => v.iter().map(|x| if x.is_nan() { None } else { Some(format!("{x}")) }).collect(),
            Column::Text { cells, .. } => cells.clone(),
        })
    }

    /// The numeric columns of the model variables `vars` and, with a grouping column, its labels
    /// per row (`None` where the group value is missing).
    #[allow(clippy::type_complexity)]
    pub fn model_columns(
        &self,
        vars: &[String],
        group: Option<&str>,
    ) -> Result<(Vec<&[f64]>, Option<Vec<Option<String>>>), DataError> {
        let cols = vars.iter().map(|v| self.numeric(v)).collect::<Result<_, _>>()?;
        let glabels = match group {
            Some(g) => Some(self.labels(g)?),
            None => None,
        };
        Ok((cols, glabels))
    }
}

/// A model variable with no observed value in some group would silently remove that group by
/// listwise deletion; refuse it with the variable and the group named.
fn check_group_columns(
    labels: &[Option<String>],
    cols: &[&[f64]],
    vars: &[String],
    gname: &str,
) -> Result<(), DataError> {
    let mut seen: Vec<&str> = Vec::new();
    for l in labels.iter().flatten() {
        if !seen.contains(&l.as_str()) {
            seen.push(l);
        }
    }
    for g in seen {
        let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].as_deref() == Some(g)).collect();
        for (j, c) in cols.iter().enumerate() {
            if rows.iter().all(|&i| c[i].is_nan()) {
                return Err(DataError::Group(format!(
                    "Variable `{}` is missing in every row of group `{g}` (column `{gname}`); the group cannot be analysed. Drop the variable, the group, or the grouping.",
                    vars[j]
                )));
            }
        }
    }
    Ok(())
}

/// A "did you mean" hint: the closest name by edit distance, if close enough.
fn suggest(name: &str, names: &[String]) -> String {
    let best =
        names.iter().map(|n| (edit_distance(&name.to_lowercase(), &n.to_lowercase()), n)).min_by_key(|(d, _)| *d);
    match best {
        Some((d, n)) if d <= 2 => format!(" (did you mean `{n}`?)"),
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Sample statistics of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStats {
    /// Group label ("" for a single group).
    pub label: String,
    /// Number of complete cases used.
    pub nobs: usize,
    /// Sample covariance, divisor N, `p x p`.
    pub cov: Mat,
    /// Sample means.
    pub mean: Vec<f64>,
    /// Complete-case raw data (`nobs x p`, row-major), when the input was raw data.
    pub data: Option<Mat>,
}

/// Sample statistics of all groups, for the variables in `names` (model order).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleStats {
    /// Observed variable names, in the order of the matrices.
    pub names: Vec<String>,
    /// Per-group statistics.
    pub groups: Vec<GroupStats>,
    /// Rows in the input before deletion.
    pub norig: usize,
    /// Rows dropped by listwise deletion.
    pub dropped: usize,
}

impl SampleStats {
    /// Total number of observations used, $N = \sum_g N_g$.
    pub fn ntotal(&self) -> usize {
        self.groups.iter().map(|g| g.nobs).sum()
    }

    /// Statistics from a data frame: listwise deletion over `vars` (and the group column), then
    /// means and N-divisor covariances per group. Groups appear in order of first appearance.
    pub fn from_frame(frame: &DataFrame, vars: &[String], group: Option<&str>) -> Result<Self, DataError> {
        let (cols, glabels) = frame.model_columns(vars, group)?;
        if let (Some(gname), Some(l)) = (group, &glabels) {
            check_group_columns(l, &cols, vars, gname)?;
        }
        let mut order: Vec<String> = Vec::new();
        let mut rows_of: Vec<Vec<usize>> = Vec::new();
        let mut dropped = 0;
        for i in 0..frame.nrows {
            let complete = cols.iter().all(|c| !c[i].is_nan());
            let g = match &glabels {
                None => Some(String::new()),
                Some(l) => l[i].clone(),
            };
            match (complete, g) {
                (true, Some(g)) => {
                    let k = match order.iter().position(|x| *x == g) {
                        Some(k) => k,
                        None => {
                            order.push(g);
                            rows_of.push(Vec::new());
                            order.len() - 1
                        }
                    };
                    rows_of[k].push(i);
                }
                _ => dropped += 1,
            }
        }
        if let Some(gname) = group {
            if order.len() < 2 {
                return Err(DataError::Group(format!(
                    "The grouping column `{gname}` has {} group{} among the complete rows; multiple-group analysis needs at least 2.",
                    order.len(),
                    if order.len() == 1 { "" } else { "s" }
                )));
            }
        }
        let p = vars.len();
        let mut groups = Vec::with_capacity(order.len());
        for (label, rows) in order.into_iter().zip(rows_of) {
            let n = rows.len();
            let what = if label.is_empty() { "The data".to_string() } else { format!("Group `{label}`") };
            if n < 2 {
                return Err(DataError::TooFewRows { what, n, p });
            }
            let mut data = Mat::zeros(n, p);
            for (r, &i) in rows.iter().enumerate() {
                for (j, c) in cols.iter().enumerate() {
                    data[(r, j)] = c[i];
                }
            }
            let (mean, cov) = moments(&data);
            let gs = GroupStats { label, nobs: n, cov, mean, data: Some(data) };
            check_pd(&gs, vars)?;
            groups.push(gs);
        }
        if groups.is_empty() {
            return Err(DataError::TooFewRows { what: "The data".into(), n: 0, p });
        }
        Ok(SampleStats { names: vars.to_vec(), groups, norig: frame.nrows, dropped })
    }

    /// Statistics from a covariance matrix with `nobs` observations: reorder to `vars` and rescale
    /// by $(N-1)/N$ (lavaan's `sample.cov.rescale`).
    pub fn from_cov(input: &CovInput, vars: &[String], nobs: usize) -> Result<Self, DataError> {
        if nobs < 2 {
            return Err(DataError::TooFewRows { what: "The covariance input".into(), n: nobs, p: vars.len() });
        }
        let idx: Vec<usize> = vars
            .iter()
            .map(|v| {
                input.names.iter().position(|n| n == v).ok_or_else(|| DataError::UnknownVariable {
                    name: v.clone(),
                    source_name: input.source_name.clone(),
                    hint: suggest(v, &input.names),
                })
            })
            .collect::<Result<_, _>>()?;
        let p = vars.len();
        let f = (nobs as f64 - 1.0) / nobs as f64;
        let mut cov = Mat::zeros(p, p);
        for i in 0..p {
            for j in 0..p {
                cov[(i, j)] = input.cov[(idx[i], idx[j])] * f;
            }
        }
        let mean = match &input.means {
            Some(m) => idx.iter().map(|&i| m[i]).collect(),
            None => vec![0.0; p],
        };
        let gs = GroupStats { label: String::new(), nobs, cov, mean, data: None };
        check_pd(&gs, vars)?;
        Ok(SampleStats { names: vars.to_vec(), groups: vec![gs], norig: nobs, dropped: 0 })
    }
}

/// Means and N-divisor covariance of the rows of `data`.
pub fn moments(data: &Mat) -> (Vec<f64>, Mat) {
    let (n, p) = (data.rows(), data.cols());
    let mut mean = vec![0.0; p];
    for i in 0..n {
        sem_linalg::axpy(1.0, data.row(i), &mut mean);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    // Centred columns stored as rows, so each covariance is one long dot product.
    let mut xt = Mat::zeros(p, n);
    for i in 0..n {
        for (j, x) in data.row(i).iter().enumerate() {
            xt[(j, i)] = x - mean[j];
        }
    }
    let mut cov = Mat::zeros(p, p);
    for j in 0..p {
        for k in 0..=j {
            cov[(j, k)] = sem_linalg::dot(xt.row(j), xt.row(k));
        }
    }
    for j in 0..p {
        for k in 0..=j {
            let v = cov[(j, k)] / n as f64;
            cov[(j, k)] = v;
            cov[(k, j)] = v;
        }
    }
    (mean, cov)
}

fn check_pd(g: &GroupStats, vars: &[String]) -> Result<(), DataError> {
    // Scale to a correlation-like matrix so the test is about collinearity, not units.
    let p = g.cov.rows();
    let d: Vec<f64> = g.cov.diag();
    if let Some(j) = d.iter().position(|&v| v <= 0.0 || !v.is_finite()) {
        return Err(DataError::SingularCovariance {
            group: group_suffix(&g.label),
            name: vars[j].clone(),
            zero: " (its variance is zero: every answer is the same)".into(),
        });
    }
    let mut r = Mat::zeros(p, p);
    for i in 0..p {
        for j in 0..p {
            r[(i, j)] = g.cov[(i, j)] / (d[i] * d[j]).sqrt();
        }
    }
    let mut l = Mat::zeros(p, p);
    match sem_linalg::cholesky_into(&r, &mut l) {
        Ok(()) if (0..p).all(|i| l[(i, i)] > 1e-7) => Ok(()),
        Ok(()) => {
            let j = (0..p).find(|&i| l[(i, i)] <= 1e-7).unwrap_or(0);
            Err(DataError::SingularCovariance {
                group: group_suffix(&g.label),
                name: vars[j].clone(),
                zero: String::new(),
            })
        }
        Err(sem_linalg::LinalgError::NotPositiveDefinite { index, .. }) => Err(DataError::SingularCovariance {
            group: group_suffix(&g.label),
            name: vars[index].clone(),
            zero: String::new(),
        }),
        Err(_) => Err(DataError::SingularCovariance {
            group: group_suffix(&g.label),
            name: vars[0].clone(),
            zero: String::new(),
        }),
    }
}

fn group_suffix(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" of group `{label}`")
    }
}

/// A covariance matrix read from a file, with optional means.
#[derive(Debug, Clone, PartialEq)]
pub struct CovInput {
    /// Variable names.
    pub names: Vec<String>,
    /// The full symmetric matrix.
    pub cov: Mat,
    /// Means, if given.
    pub means: Option<Vec<f64>>,
    /// Name for messages.
    pub source_name: String,
}

impl CovInput {
    /// Parse a covariance file: the first non-comment line holds the variable names (whitespace or
    /// comma separated); then either the lower triangle (row $i$ has $i$ numbers) or the full
    /// matrix ($p$ rows of $p$ numbers). `#` starts a comment.
    pub fn from_str(text: &str, source_name: &str) -> Result<Self, DataError> {
        let err = |line: usize, msg: String| DataError::CovFile { source_name: source_name.into(), line, msg };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
            .filter(|(_, l)| !l.is_empty());
        let (hl, header) = lines.next().ok_or_else(|| DataError::Empty {
            source_name: source_name.into(),
            what: "there is no line with variable names".into(),
        })?;
        let names: Vec<String> =
            header.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()).map(String::from).collect();
        for (i, n) in names.iter().enumerate() {
            if n.parse::<f64>().is_ok() {
                return Err(err(
                    hl,
                    format!("the first line must hold variable names, but field {} is the number `{n}`", i + 1),
                ));
            }
            if names[..i].contains(n) {
                return Err(err(hl, format!("variable `{n}` is named twice")));
            }
        }
        let p = names.len();
        let mut rows: Vec<(usize, Vec<f64>)> = Vec::new();
        for (ln, l) in lines {
            let vals = l
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<f64>().map_err(|_| err(ln, format!("`{s}` is not a number"))))
                .collect::<Result<Vec<_>, _>>()?;
            rows.push((ln, vals));
        }
        if rows.len() < p {
            return Err(err(
                rows.last().map(|r| r.0).unwrap_or(hl),
                format!("expected {p} matrix rows for {p} variables, found {}", rows.len()),
            ));
        }
        let full = rows[0].1.len() == p && p > 1;
        let mut cov = Mat::zeros(p, p);
        for (i, (ln, vals)) in rows.iter().take(p).enumerate() {
            let want = if full { p } else { i + 1 };
            if vals.len() != want {
                return Err(err(
                    *ln,
                    format!(
                        "row {} of the {} matrix should have {want} numbers, found {}",
                        i + 1,
                        if full { "full" } else { "lower-triangular" },
                        vals.len()
                    ),
                ));
            }
            for (j, &v) in vals.iter().enumerate() {
                cov[(i, j)] = v;
                if !full {
                    cov[(j, i)] = v;
                }
            }
        }
        if full {
            for i in 0..p {
                for j in 0..i {
                    let (a, b) = (cov[(i, j)], cov[(j, i)]);
                    if (a - b).abs() > 1e-8 * (1.0 + a.abs().max(b.abs())) {
                        return Err(err(
                            rows[i].0,
                            format!(
                                "the matrix is not symmetric: element ({}, {}) is {a} but ({}, {}) is {b}",
                                i + 1,
                                j + 1,
                                j + 1,
                                i + 1
                            ),
                        ));
                    }
                }
            }
        }
        let means = match rows.get(p) {
            None => None,
            Some((ln, vals)) => {
                if vals.len() != p {
                    return Err(err(
                        *ln,
                        format!(
                            "the line after the matrix is read as means and needs {p} numbers, found {}",
                            vals.len()
                        ),
                    ));
                }
                Some(vals.clone())
            }
        };
        if let Some((ln, _)) = rows.get(p + 1) {
            return Err(err(*ln, "unexpected extra line after the matrix and the means".into()));
        }
        Ok(CovInput { names, cov, means, source_name: source_name.into() })
    }

    /// Replace the means by those in a file of one line of $p$ numbers (or a names line and a
    /// values line).
    pub fn set_means_from_str(&mut self, text: &str, source_name: &str) -> Result<(), DataError> {
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        let split = |l: &str| {
            l.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let err = |line: usize, msg: String| DataError::CovFile { source_name: source_name.into(), line, msg };
        let (names, (vl, values)) = match lines.as_slice() {
            [(_, v)] => (self.names.clone(), (lines[0].0, split(v))),
            [(_, n), (vl, v)] => (split(n), (*vl, split(v))),
            _ => {
                return Err(err(
                    1,
                    "a means file holds one line of numbers, or a line of names and a line of numbers".into(),
                ))
            }
        };
        if names.len() != values.len() {
            return Err(err(vl, format!("{} names but {} means", names.len(), values.len())));
        }
        let mut means = vec![f64::NAN; self.names.len()];
        for (n, v) in names.iter().zip(&values) {
            let x = v.parse::<f64>().map_err(|_| err(vl, format!("`{v}` is not a number")))?;
            let k = self
                .names
                .iter()
                .position(|m| m == n)
                .ok_or_else(|| err(vl, format!("`{n}` is not a variable of the covariance matrix")))?;
            means[k] = x;
        }
        if let Some(k) = means.iter().position(|m| m.is_nan()) {
            return Err(err(vl, format!("no mean given for `{}`", self.names[k])));
        }
        self.means = Some(means);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_missing_and_text() {
        let df = DataFrame::from_csv_str("a,b,g\n1,2,x\n2,,y\n3,5,x\n4,4,NA\n", "t.csv").unwrap();
        assert_eq!(df.nrows, 4);
        assert!(df.numeric("b").unwrap()[1].is_nan());
        let e = df.numeric("g").unwrap_err();
        assert!(e.to_string().contains("line 2 holds `x`"), "{e}");
        let ss = SampleStats::from_frame(&df, &["a".into(), "b".into()], None);
        // 3 complete rows of (a, b): (1,2), (3,5), (4,4)
        let ss = ss.unwrap();
        assert_eq!(ss.ntotal(), 3);
        assert_eq!(ss.dropped, 1);
        let m = &ss.groups[0];
        assert!((m.mean[0] - 8.0 / 3.0).abs() < 1e-15);
        // N divisor
        let va = [1.0f64, 3.0, 4.0].iter().map(|x| (x - 8.0 / 3.0).powi(2)).sum::<f64>() / 3.0;
        assert!((m.cov[(0, 0)] - va).abs() < 1e-14);
    }

    #[test]
    fn duplicate_and_empty() {
        let e = DataFrame::from_csv_str("a,b,a\n1,2,3\n", "d.csv").unwrap_err();
        assert!(e.to_string().contains("two columns named `a` (columns 1 and 3)"), "{e}");
        let e = DataFrame::from_csv_str("a,b\n", "h.csv").unwrap_err();
        assert!(e.to_string().contains("header but no data rows"), "{e}");
        let e = DataFrame::from_csv_str("", "e.csv").unwrap_err();
        assert!(matches!(e, DataError::Empty { .. }), "{e}");
        let e = DataFrame::from_csv_str("a,b\n1,2\n3\n", "r.csv").unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn unknown_variable_hint() {
        let df = DataFrame::from_csv_str("x1,x2\n1,2\n2,3\n", "d.csv").unwrap();
        let e = SampleStats::from_frame(&df, &["x3".into()], None).unwrap_err();
        assert_eq!(e.to_string(), "Variable `x3` of the model is not a column of `d.csv` (did you mean `x1`?).");
    }

    #[test]
    fn singular_covariance_names_the_variable() {
        let df = DataFrame::from_csv_str("a,b,c\n1,2,3\n2,4,1\n3,6,2\n4,8,9\n", "s.csv").unwrap();
        let e = SampleStats::from_frame(&df, &["a".into(), "b".into(), "c".into()], None).unwrap_err();
        assert!(e.to_string().contains("`b` is (nearly) a linear combination"), "{e}");
        let df = DataFrame::from_csv_str("a,b\n1,2\n1,4\n1,6\n", "z.csv").unwrap();
        let e = SampleStats::from_frame(&df, &["a".into(), "b".into()], None).unwrap_err();
        assert!(e.to_string().contains("variance is zero"), "{e}");
    }

    #[test]
    fn cov_lower_and_full_agree() {
        let lower = "# comment\na b c\n4\n2 5\n1 1 6\n";
        let full = "a,b,c\n4,2,1\n2,5,1\n1,1,6\n";
        let l = CovInput::from_str(lower, "l.cov").unwrap();
        let f = CovInput::from_str(full, "f.cov").unwrap();
        assert_eq!(l.cov, f.cov);
        let ss = SampleStats::from_cov(&l, &["c".into(), "a".into()], 10).unwrap();
        assert!((ss.groups[0].cov[(0, 0)] - 6.0 * 0.9).abs() < 1e-14);
        assert!((ss.groups[0].cov[(0, 1)] - 0.9).abs() < 1e-14);
        let e = CovInput::from_str("a b\n1\n2 x\n", "bad.cov").unwrap_err();
        assert!(e.to_string().contains("line 3: `x` is not a number"), "{e}");
        let e = CovInput::from_str("a b\n1 2\n3 1\n", "ns.cov").unwrap_err();
        assert!(e.to_string().contains("not symmetric"), "{e}");
    }

    #[test]
    fn grouping() {
        let df = DataFrame::from_csv_str("g,a\nx,1\ny,2\nx,3\ny,5\nx,2\ny,1\n", "g.csv").unwrap();
        let ss = SampleStats::from_frame(&df, &["a".into()], Some("g")).unwrap();
        assert_eq!(ss.groups.len(), 2);
        assert_eq!(ss.groups[0].label, "x");
        assert_eq!(ss.groups[1].nobs, 3);
        let df = DataFrame::from_csv_str("g,a\nx,1\nx,2\n", "g.csv").unwrap();
        assert!(SampleStats::from_frame(&df, &["a".into()], Some("g")).unwrap_err().to_string().contains("at least 2"));
    }
}
