//! One partner's answers: from a TOML answers file, or from a CSV of several respondents
//! aggregated item by item with inter-rater agreement `r_wg(J)` per construct.
//!
//! `r_wg(J)` (James, Demaree & Wolf 1984) for a construct of `J` items:
//! $r_{wg(J)} = \frac{J(1-\bar s^2/\sigma^2_{EU})}{J(1-\bar s^2/\sigma^2_{EU}) + \bar s^2/\sigma^2_{EU}}$
//! with $\bar s^2$ the mean over items of the respondents' variance (n-1 denominator) and
//! $\sigma^2_{EU} = (A^2-1)/12 = 4$ the variance of a uniform answer on `A = 7` points. When
//! $\bar s^2 > \sigma^2_{EU}$ the value is set to 0 (no agreement), as is conventional. Values of
//! 0.70 or more are usually read as enough agreement to aggregate.

use crate::error::AssessError;
use crate::instruments::{Instrument, SCALE_MAX, SCALE_MIN};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The four governance forms of the integration continuum, from least to most integrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GovernanceForm {
    /// Licensing agreement.
    Licensing,
    /// Non-equity joint venture (contractual).
    NonEquityJv,
    /// Equity joint venture.
    EquityJv,
    /// Merger or acquisition.
    MergerAcquisition,
}

impl GovernanceForm {
    /// All four, along the continuum.
    pub const ALL: [GovernanceForm; 4] = [
        GovernanceForm::Licensing,
        GovernanceForm::NonEquityJv,
        GovernanceForm::EquityJv,
        GovernanceForm::MergerAcquisition,
    ];

    /// Position on the integration continuum, 1 (licensing) to 4 (merger/acquisition).
    pub fn integration(self) -> u8 {
        match self {
            GovernanceForm::Licensing => 1,
            GovernanceForm::NonEquityJv => 2,
            GovernanceForm::EquityJv => 3,
            GovernanceForm::MergerAcquisition => 4,
        }
    }

    /// The spelling used in answer files.
    pub fn key(self) -> &'static str {
        match self {
            GovernanceForm::Licensing => "licensing",
            GovernanceForm::NonEquityJv => "non-equity-jv",
            GovernanceForm::EquityJv => "equity-jv",
            GovernanceForm::MergerAcquisition => "merger-acquisition",
        }
    }

    /// Parse the answer-file spelling (case-insensitive; `_` and spaces accepted for `-`).
    pub fn parse(s: &str) -> Option<Self> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        match norm.as_str() {
            "licensing" | "licence" | "license" => Some(GovernanceForm::Licensing),
            "non-equity-jv" | "non-equity-joint-venture" => Some(GovernanceForm::NonEquityJv),
            "equity-jv" | "equity-joint-venture" => Some(GovernanceForm::EquityJv),
            "merger-acquisition" | "merger" | "acquisition" | "m&a" => Some(GovernanceForm::MergerAcquisition),
            _ => None,
        }
    }
}

impl fmt::Display for GovernanceForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GovernanceForm::Licensing => "licensing",
            GovernanceForm::NonEquityJv => "non-equity JV",
            GovernanceForm::EquityJv => "equity JV",
            GovernanceForm::MergerAcquisition => "merger/acquisition",
        })
    }
}

/// Inter-rater agreement on one construct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Construct id.
    pub construct: String,
    /// `r_wg(J)` in [0, 1].
    pub rwg: f64,
    /// Respondents who answered at least one of the construct's items.
    pub respondents: usize,
}

/// Threshold under which agreement is reported as too low to aggregate confidently.
pub const RWG_ACCEPTABLE: f64 = 0.70;

/// One partner's answers, validated against the instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerAnswers {
    /// Where the answers came from (file name), used in messages.
    pub source: String,
    /// The partner's name.
    pub partner: String,
    /// Governance form of the alliance as this partner reports it.
    pub governance: GovernanceForm,
    /// The partner's equity share, if given.
    pub equity_share: Option<f64>,
    /// Item id -> answer (1-7; a mean when several respondents answered).
    pub answers: BTreeMap<String, f64>,
    /// Number of respondents aggregated (1 for an answers file).
    pub respondents: usize,
    /// `r_wg(J)` per construct, for CSV input with two or more respondents.
    pub agreement: Vec<Agreement>,
}

fn parse_err(source: &str, message: impl fmt::Display) -> AssessError {
    AssessError::Parse { source_name: source.to_string(), message: message.to_string() }
}

fn check_answer(source: &str, item: &str, value: f64, inst: &Instrument) -> Result<(), AssessError> {
    if inst.item(item).is_none() {
        return Err(AssessError::UnknownItem { source_name: source.into(), item: item.into() });
    }
    if !value.is_finite() || !(SCALE_MIN..=SCALE_MAX).contains(&value) {
        return Err(AssessError::OutOfRange { source_name: source.into(), item: item.into(), value });
    }
    Ok(())
}

fn parse_governance(source: &str, value: &str) -> Result<GovernanceForm, AssessError> {
    GovernanceForm::parse(value)
        .ok_or_else(|| AssessError::UnknownGovernance { source_name: source.into(), value: value.into() })
}

fn check_equity(source: &str, share: f64) -> Result<f64, AssessError> {
    if share.is_finite() && (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(AssessError::EquityShare { source_name: source.into(), value: share })
    }
}

impl PartnerAnswers {
    /// Read a TOML answers file (see `entente assess --template`).
    pub fn from_toml(source: &str, text: &str, inst: &Instrument) -> Result<Self, AssessError> {
        let value: toml::Table =
            text.parse().map_err(|e: toml::de::Error| parse_err(source, e.message().trim_end_matches('.')))?;
        let string_field = |field: &str| -> Result<String, AssessError> {
            match value.get(field) {
                Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Some(toml::Value::String(_)) | None => {
                    Err(AssessError::MissingField { source_name: source.into(), field: field.into() })
                }
                Some(other) => Err(parse_err(source, format!("`{field}` must be a string, not `{other}`"))),
            }
        };
        let partner = string_field("partner")?;
        let governance = parse_governance(source, &string_field("governance")?)?;
        let equity_share = match value.get("equity_share") {
            None => None,
            Some(toml::Value::Float(x)) => Some(check_equity(source, *x)?),
            Some(toml::Value::Integer(i)) => Some(check_equity(source, *i as f64)?),
            Some(other) => return Err(parse_err(source, format!("`equity_share` must be a number, not `{other}`"))),
        };
        for key in value.keys() {
            if !["partner", "governance", "equity_share", "answers"].contains(&key.as_str()) {
                return Err(parse_err(
                    source,
                    format!("unknown field `{key}` (expected `partner`, `governance`, `equity_share`, `answers`)"),
                ));
            }
        }
        let table = match value.get("answers") {
            Some(toml::Value::Table(t)) => t,
            Some(_) => return Err(parse_err(source, "`answers` must be a table")),
            None => return Err(AssessError::MissingField { source_name: source.into(), field: "answers".into() }),
        };
        let mut answers = BTreeMap::new();
        for (item, v) in table {
            let x = match v {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(f) => *f,
                other => {
                    return Err(parse_err(
                        source,
                        format!("answer `{item}` must be a number from 1 to 7, not `{other}`"),
                    ))
                }
            };
            check_answer(source, item, x, inst)?;
            answers.insert(item.clone(), x);
        }
        Ok(PartnerAnswers {
            source: source.into(),
            partner,
            governance,
            equity_share,
            answers,
            respondents: 1,
            agreement: Vec::new(),
        })
    }

    /// Read a CSV with one row per respondent of ONE partner: columns `partner`, `governance`,
    /// optional `respondent` and `equity_share`, then item ids; empty cells are missing answers.
    /// Items are averaged over the respondents who answered them.
    pub fn from_csv(source: &str, text: &str, inst: &Instrument) -> Result<Self, AssessError> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| parse_err(source, e))?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let partner_col = col("partner")
            .ok_or_else(|| AssessError::MissingField { source_name: source.into(), field: "partner".into() })?;
        let gov_col = col("governance")
            .ok_or_else(|| AssessError::MissingField { source_name: source.into(), field: "governance".into() })?;
        let equity_col = col("equity_share");
        let mut item_cols = Vec::new();
        for (k, h) in headers.iter().enumerate() {
            if ["partner", "governance", "equity_share", "respondent"].contains(&h) {
                continue;
            }
            if inst.item(h).is_none() {
                return Err(AssessError::UnknownItem { source_name: source.into(), item: h.into() });
            }
            item_cols.push((k, h.to_string()));
        }
        let mut partner: Option<String> = None;
        let mut governance: Option<(GovernanceForm, String)> = None;
        let mut equity_share = None;
        let mut per_item: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
        let mut rows = 0;
        for (r, record) in reader.records().enumerate() {
            let record = record.map_err(|e| parse_err(source, e))?;
            rows += 1;
            let name = record.get(partner_col).unwrap_or("").to_string();
            if name.is_empty() {
                return Err(AssessError::MissingField {
                    source_name: format!("{source}, row {}", r + 1),
                    field: "partner".into(),
                });
            }
            match &partner {
                None => partner = Some(name),
                Some(p) if *p != name => {
                    return Err(AssessError::MixedPartners {
                        source_name: source.into(),
                        first: p.clone(),
                        other: name,
                    })
                }
                Some(_) => {}
            }
            let gov_text = record.get(gov_col).unwrap_or("");
            if !gov_text.is_empty() {
                let row_source = format!("{source}, row {}", r + 1);
                let g = parse_governance(&row_source, gov_text)?;
                match &governance {
                    None => governance = Some((g, row_source)),
                    Some((g0, s0)) if *g0 != g => {
                        return Err(AssessError::GovernanceDisagreement {
                            first: s0.clone(),
                            first_form: g0.key().into(),
                            second: row_source,
                            second_form: g.key().into(),
                        })
                    }
                    Some(_) => {}
                }
            }
            if let Some(c) = equity_col {
                let cell = record.get(c).unwrap_or("");
                if !cell.is_empty() && equity_share.is_none() {
                    let x: f64 = cell.parse().map_err(|_| {
                        parse_err(source, format!("row {}: `equity_share` = `{cell}` is not a number", r + 1))
                    })?;
                    equity_share = Some(check_equity(source, x)?);
                }
            }
            for (c, item) in &item_cols {
                let cell = record.get(*c).unwrap_or("");
                let value = if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
                    None
                } else {
                    let x: f64 = cell.parse().map_err(|_| {
                        parse_err(source, format!("row {}: answer `{item}` = `{cell}` is not a number", r + 1))
                    })?;
                    check_answer(&format!("{source}, row {}", r + 1), item, x, inst)?;
                    Some(x)
                };
                per_item.entry(item.clone()).or_default().push(value);
            }
        }
        let partner = partner.ok_or_else(|| parse_err(source, "the file has no respondent rows"))?;
        let governance = governance
            .ok_or_else(|| AssessError::MissingField { source_name: source.into(), field: "governance".into() })?
            .0;
        let mut answers = BTreeMap::new();
        for (item, values) in &per_item {
            let given: Vec<f64> = values.iter().flatten().copied().collect();
            if !given.is_empty() {
                answers.insert(item.clone(), mean(&given));
            }
        }
        let agreement = if rows >= 2 { agreement_per_construct(inst, &per_item) } else { Vec::new() };
        Ok(PartnerAnswers {
            source: source.into(),
            partner,
            governance,
            equity_share,
            answers,
            respondents: rows,
            agreement,
        })
    }

    /// Read answers by file extension: `.csv` as respondents, anything else as TOML.
    pub fn from_file_text(source: &str, text: &str, inst: &Instrument) -> Result<Self, AssessError> {
        if source.to_ascii_lowercase().ends_with(".csv") {
            Self::from_csv(source, text, inst)
        } else {
            Self::from_toml(source, text, inst)
        }
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance (n-1 denominator); `None` for fewer than two values.
fn variance(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x);
    Some(x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64)
}

/// Expected variance of a uniform ("no agreement") answer on an `a`-point scale: $(a^2-1)/12$.
pub fn uniform_null_variance(points: f64) -> f64 {
    (points * points - 1.0) / 12.0
}

/// $r_{wg(J)}$ from the mean item variance and the number of items (see the module docs).
pub fn rwg_j(mean_item_variance: f64, items: usize, null_variance: f64) -> f64 {
    let ratio = mean_item_variance / null_variance;
    if ratio >= 1.0 {
        return 0.0;
    }
    let j = items as f64;
    j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)
}

fn agreement_per_construct(inst: &Instrument, per_item: &BTreeMap<String, Vec<Option<f64>>>) -> Vec<Agreement> {
    let null = uniform_null_variance(SCALE_MAX - SCALE_MIN + 1.0);
    let mut out = Vec::new();
    for c in &inst.constructs {
        let mut variances = Vec::new();
        let mut respondents = 0;
        for item in &c.items {
            if let Some(values) = per_item.get(&item.id) {
                let given: Vec<f64> = values.iter().flatten().map(|&x| item.keyed(x)).collect();
                if let Some(v) = variance(&given) {
                    variances.push(v);
                }
                respondents = respondents.max(given.len());
            }
        }
        if !variances.is_empty() {
            out.push(Agreement {
                construct: c.id.clone(),
                rwg: rwg_j(mean(&variances), variances.len(), null),
                respondents,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instruments::dyad::dyad_instrument;

    #[test]
    fn governance_spellings() {
        assert_eq!(GovernanceForm::parse("Equity_JV"), Some(GovernanceForm::EquityJv));
        assert_eq!(GovernanceForm::parse("merger acquisition"), Some(GovernanceForm::MergerAcquisition));
        assert_eq!(GovernanceForm::parse("franchise"), None);
    }

    #[test]
    fn rwg_is_one_for_perfect_agreement_and_zero_beyond_uniform() {
        assert!((rwg_j(0.0, 3, 4.0) - 1.0).abs() < 1e-12);
        assert!(rwg_j(5.0, 3, 4.0).abs() < 1e-12);
        // J = 2, s^2 = 2: ratio 0.5 -> 2*0.5 / (2*0.5 + 0.5) = 2/3
        assert!((rwg_j(2.0, 2, 4.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!((uniform_null_variance(7.0) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn toml_out_of_range_names_file_and_item() {
        let inst = dyad_instrument();
        let text = "partner = \"A\"\ngovernance = \"licensing\"\n[answers]\nRCS_IMP = 9\n";
        let err = PartnerAnswers::from_toml("a.toml", text, &inst).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("a.toml") && msg.contains("RCS_IMP") && msg.contains('9'), "{msg}");
    }

    #[test]
    fn toml_unknown_governance_is_refused() {
        let inst = dyad_instrument();
        let text = "partner = \"A\"\ngovernance = \"franchise\"\n[answers]\nRCS_IMP = 5\n";
        let err = PartnerAnswers::from_toml("a.toml", text, &inst).unwrap_err();
        assert!(matches!(err, AssessError::UnknownGovernance { .. }));
        assert!(err.to_string().contains("`franchise`"));
    }

    #[test]
    fn csv_averages_respondents_and_reports_rwg() {
        let inst = dyad_instrument();
        let text = "partner,respondent,governance,ENV_1,ENV_2,ENV_3\nA,1,equity-jv,6,5,2\nA,2,equity-jv,4,5,\n";
        let a = PartnerAnswers::from_csv("a.csv", text, &inst).expect("parses");
        assert_eq!(a.respondents, 2);
        assert!((a.answers["ENV_1"] - 5.0).abs() < 1e-12);
        assert!((a.answers["ENV_3"] - 2.0).abs() < 1e-12);
        let env = a.agreement.iter().find(|g| g.construct == "ENV").expect("ENV agreement");
        // item variances: ENV_1 {6,4} -> 2, ENV_2 {5,5} -> 0; mean 1, J = 2, ratio 0.25
        let expected = 2.0 * 0.75 / (2.0 * 0.75 + 0.25);
        assert!((env.rwg - expected).abs() < 1e-12);
    }

    #[test]
    fn csv_with_two_partners_is_refused() {
        let inst = dyad_instrument();
        let text = "partner,governance,ENV_1\nA,licensing,3\nB,licensing,4\n";
        let err = PartnerAnswers::from_csv("a.csv", text, &inst).unwrap_err();
        assert!(matches!(err, AssessError::MixedPartners { .. }));
    }
}
