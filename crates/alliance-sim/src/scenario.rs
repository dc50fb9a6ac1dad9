//! Scenario files (TOML): partners, alliance, environment, scheduled shocks, horizon and seed.
//!
//! Parsing rejects unknown keys (`deny_unknown_fields`) and reports the line and column of the
//! offending key from toml's spans; [`Scenario::validate`] then checks every range and names the
//! key that is out of it.

use crate::error::SimError;
use crate::rules::{Governance, Intent, Rationale, TrustParams};
pub use alliance_core::instruments::dyad::Motive;
use alliance_core::instruments::dyad::RationaleClass;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most knowledge domains a partner can have (fixed so that the hot loop does not allocate).
pub const MAX_DOMAINS: usize = 8;

/// A whole scenario, as read from TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Number of periods simulated (the horizon).
    pub periods: u32,
    /// Default number of replications.
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Default seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// TR-2 trust parameters.
    #[serde(default)]
    pub trust: TrustParams,
    /// Model constants (rates, thresholds).
    #[serde(default)]
    pub model: ModelParams,
    /// The environment.
    #[serde(default)]
    pub environment: Environment,
    /// The alliance.
    pub alliance: Alliance,
    /// Exactly two partners.
    pub partners: Vec<Partner>,
    /// Scheduled shocks.
    #[serde(default)]
    pub shocks: Vec<Shock>,
}

fn default_replications() -> u32 {
    100
}

fn default_seed() -> u64 {
    1
}

/// Model constants; defaults are the documented calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelParams {
    /// Goodwill `g`: the positive signal of cooperation that meets expectations (0.12).
    pub goodwill: f64,
    /// Speed at which the expectation of the partner's cooperation adapts, `eta` (0.1).
    pub adaptation: f64,
    /// Standard deviation of the period noise on cooperation (0.05).
    pub noise: f64,
    /// Learning rate `r` of [`crate::rules::learning_flow`] (0.08).
    pub learning_rate: f64,
    /// Joint creation rate `r_J` of [`crate::rules::joint_creation`] (0.12).
    pub creation_rate: f64,
    /// Value of one unit of jointly created knowledge in performance, `s_J` (30).
    pub creation_scale: f64,
    /// Probability of an environmental shock per period at dynamism 1 (0.15).
    pub shock_rate: f64,
    /// Share of a domain's knowledge an environmental shock devalues (0.3).
    pub shock_depth: f64,
    /// A partner whose trust falls below this exits: premature termination (0.08).
    pub exit_trust: f64,
    /// Base per-period hazard of termination of an unresolved mismatch (0.03).
    pub mismatch_hazard: f64,
    /// Extra protectiveness in a mismatched dyad (0.1).
    pub mismatch_protection: f64,
    /// Periods a mismatch takes to resolve (the lag, >= 1) (15).
    pub motive_lag: f64,
    /// Power shift that makes the bargain obsolete (0.2).
    pub obsolescence: f64,
    /// A partner that lacks less than this share of the other's knowledge leaves an obsolete
    /// bargain instead of renegotiating (0.1).
    pub exit_dependence: f64,
    /// Skill atrophy rate under substitution intent (0.02).
    pub atrophy_rate: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            goodwill: 0.12,
            adaptation: 0.1,
            noise: 0.05,
            learning_rate: 0.08,
            creation_rate: 0.12,
            creation_scale: 30.0,
            shock_rate: 0.15,
            shock_depth: 0.3,
            exit_trust: 0.08,
            mismatch_hazard: 0.03,
            mismatch_protection: 0.1,
            motive_lag: 15.0,
            obsolescence: 0.2,
            exit_dependence: 0.1,
            atrophy_rate: 0.02,
        }
    }
}

/// The environment of the alliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Dynamism in [0, 1]: scales the rate of shocks that devalue existing knowledge.
    #[serde(default)]
    pub dynamism: f64,
    /// Variance of each cultural dimension across countries (Kogut-Singh `V_i`); default 400
    /// (a standard deviation of 20 points on Hofstede's 0-100 scales) for every dimension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub culture_variances: Option<Vec<f64>>,
}

impl Default for Environment {
    fn default() -> Self {
        Self { dynamism: 0.2, culture_variances: None }
    }
}

/// The alliance between the two partners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alliance {
    /// Governance form (integration continuum).
    pub governance: Governance,
    /// Structural interdependence in [0, 1].
    #[serde(default = "half")]
    pub interdependence: f64,
    /// Age at the start of the simulation, in periods.
    #[serde(default)]
    pub age: u32,
    /// Rationale that resolves a mismatch; derived from the partners' motives when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<Rationale>,
    /// Cumulative performance at which the objectives are met and the alliance ends; none means
    /// open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<f64>,
}

fn half() -> f64 {
    0.5
}

/// The economic roots (TCE, RD, SP) minus the behavioural roots (OL, IT, PE) of a motive
/// (THEORY.md section 2 table, as [`Motive::roots`] lists them).
pub fn rationale_score(m: Motive) -> i32 {
    m.roots().iter().map(|r| if r.class() == RationaleClass::Economic { 1 } else { -1 }).sum()
}

/// The scenario files' key of a motive: the variant name in snake case (`risk_cost_sharing`).
pub fn motive_key(m: Motive) -> String {
    let mut key = String::new();
    for (i, c) in format!("{m:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            key.push('_');
        }
        key.push(c.to_ascii_lowercase());
    }
    key
}

/// Serde of a partner's motives with snake-case keys (the scenario format), in THEORY.md's
/// order.
mod motive_keys {
    use super::{motive_key, Motive, Orientation};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(map: &BTreeMap<Motive, Orientation>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|(m, o)| (motive_key(*m), o)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Motive, Orientation>, D::Error> {
        let raw = BTreeMap::<String, Orientation>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, o)| match Motive::ALL.into_iter().find(|m| motive_key(*m) == k) {
                Some(m) => Ok((m, o)),
                None => {
                    let known: Vec<String> = Motive::ALL.into_iter().map(|m| format!("`{}`", motive_key(m))).collect();
                    Err(D::Error::custom(format!("unknown motive `{k}`, expected one of {}", known.join(", "))))
                }
            })
            .collect()
    }
}

/// How a motive is pursued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Use existing, complementary resources.
    Exploitation,
    /// Create new capabilities together.
    Exploration,
}

/// A partner firm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// Name, used in the panel's `direction` column.
    pub name: String,
    /// Knowledge stock per domain, each in [0, 1]; both partners need the same number of domains.
    pub knowledge: Vec<f64>,
    /// Motives and how each is pursued (keys in snake case, see [`motive_key`]).
    #[serde(default, with = "motive_keys")]
    pub motives: BTreeMap<Motive, Orientation>,
    /// Share of exploration in [0, 1]; when absent, the share of motives pursued as exploration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exploration: Option<f64>,
    /// Learning intent.
    pub intent: Intent,
    /// Transparency (openness of the membrane) in [0, 1].
    pub transparency: f64,
    /// Receptivity (absorptive capacity) in [0, 1].
    pub receptivity: f64,
    /// Favourable reputation in [0, 1].
    pub reputation: f64,
    /// Positive prior experience with the partner in [0, 1].
    #[serde(default)]
    pub prior_experience: f64,
    /// Propensity to behave opportunistically in [0, 1].
    #[serde(default)]
    pub opportunism: f64,
    /// Baseline protectiveness of own knowledge in [0, 1].
    #[serde(default = "default_protectiveness")]
    pub protectiveness: f64,
    /// Cultural profile (e.g. Hofstede scores, 0-100); both partners need the same length.
    #[serde(default)]
    pub culture: Vec<f64>,
}

fn default_protectiveness() -> f64 {
    0.2
}

/// What a scheduled shock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShockKind {
    /// The partner cannot deliver: its cooperation drops by `severity` in every period.
    Crisis,
    /// The partner's opportunism rises by `severity` in every period.
    Opportunism,
    /// Existing knowledge of both partners loses the share `severity` at `start`.
    Devaluation,
}

/// A scheduled shock over periods `start..=end`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shock {
    /// What happens.
    pub kind: ShockKind,
    /// First period (1-based).
    pub start: u32,
    /// Last period; defaults to `start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<u32>,
    /// Size in [0, 1].
    pub severity: f64,
    /// The partner hit (by name); both when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
}

impl Scenario {
    /// Parses TOML text and validates it. Errors name the key and, for syntax and unknown or
    /// missing keys, its line and column.
    pub fn from_toml(text: &str) -> Result<Self, SimError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        scenario.validate().map_err(|e| locate(text, e))?;
        Ok(scenario)
    }

    /// Checks every range, the number of partners, domain and culture lengths and shock periods.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.periods == 0 || self.periods > 100_000 {
            return Err(range("periods", f64::from(self.periods), "1..=100000"));
        }
        if self.replications == 0 {
            return Err(range("replications", 0.0, "1.."));
        }
        let t = &self.trust;
        unit_open("trust.lambda_plus", t.lambda_plus)?;
        unit_open("trust.lambda_minus", t.lambda_minus)?;
        unit("trust.mu_r", t.mu_r)?;
        unit("trust.delta_r", t.delta_r)?;
        within("trust.xi", t.xi, 0.0, 10.0)?;
        within("trust.kappa", t.kappa, 1e-6, 100.0)?;
        let m = &self.model;
        unit("model.adaptation", m.adaptation)?;
        unit("model.goodwill", m.goodwill)?;
        unit("model.noise", m.noise)?;
        unit("model.learning_rate", m.learning_rate)?;
        unit("model.creation_rate", m.creation_rate)?;
        within("model.creation_scale", m.creation_scale, 0.0, 1e6)?;
        unit("model.shock_rate", m.shock_rate)?;
        unit("model.shock_depth", m.shock_depth)?;
        unit("model.exit_trust", m.exit_trust)?;
        unit("model.mismatch_hazard", m.mismatch_hazard)?;
        unit("model.mismatch_protection", m.mismatch_protection)?;
        within("model.motive_lag", m.motive_lag, 1.0, 1e6)?;
        unit("model.obsolescence", m.obsolescence)?;
        unit("model.exit_dependence", m.exit_dependence)?;
        unit("model.atrophy_rate", m.atrophy_rate)?;
        unit("environment.dynamism", self.environment.dynamism)?;
        unit("alliance.interdependence", self.alliance.interdependence)?;
        if self.alliance.age > 1_000_000 {
            return Err(range("alliance.age", f64::from(self.alliance.age), "0..=1000000"));
        }
        if let Some(o) = self.alliance.objective {
            within("alliance.objective", o, 1e-9, 1e12)?;
        }
        if self.partners.len() != 2 {
            return Err(SimError::Invalid {
                key: "partners".into(),
                msg: format!(
                    "an alliance here is a dyad: give exactly two `[[partners]]`, not {}",
                    self.partners.len()
                ),
            });
        }
        for (i, p) in self.partners.iter().enumerate() {
            let key = |f: &str| format!("partners[{i}].{f}");
            let n = p.knowledge.len();
            if n == 0 || n > MAX_DOMAINS {
                return Err(SimError::Invalid {
                    key: key("knowledge"),
                    msg: format!("give between 1 and {MAX_DOMAINS} domains, not {n}"),
                });
            }
            for (d, k) in p.knowledge.iter().enumerate() {
                unit(&format!("partners[{i}].knowledge[{d}]"), *k)?;
            }
            if p.motives.is_empty() && p.exploration.is_none() {
                return Err(SimError::Invalid {
                    key: key("motives"),
                    msg: "give the partner's `motives` or its `exploration` share".into(),
                });
            }
            if let Some(e) = p.exploration {
                unit(&key("exploration"), e)?;
            }
            unit(&key("transparency"), p.transparency)?;
            unit(&key("receptivity"), p.receptivity)?;
            unit(&key("reputation"), p.reputation)?;
            unit(&key("prior_experience"), p.prior_experience)?;
            unit(&key("opportunism"), p.opportunism)?;
            unit(&key("protectiveness"), p.protectiveness)?;
            for (d, c) in p.culture.iter().enumerate() {
                within(&format!("partners[{i}].culture[{d}]"), *c, 0.0, 100.0)?;
            }
        }
        let (a, b) = (&self.partners[0], &self.partners[1]);
        if a.knowledge.len() != b.knowledge.len() {
            return Err(SimError::Invalid {
                key: "partners[1].knowledge".into(),
                msg: format!(
                    "both partners need the same number of knowledge domains ({} and {})",
                    a.knowledge.len(),
                    b.knowledge.len()
                ),
            });
        }
        if a.culture.len() != b.culture.len() {
            return Err(SimError::Invalid {
                key: "partners[1].culture".into(),
                msg: "both partners need cultural profiles of the same length".into(),
            });
        }
        if let Some(v) = &self.environment.culture_variances {
            if v.len() != a.culture.len() {
                return Err(SimError::Invalid {
                    key: "environment.culture_variances".into(),
                    msg: format!("give one variance per cultural dimension ({})", a.culture.len()),
                });
            }
            for (d, x) in v.iter().enumerate() {
                within(&format!("environment.culture_variances[{d}]"), *x, 1e-9, 1e9)?;
            }
        }
        for (i, s) in self.shocks.iter().enumerate() {
            let end = s.end.unwrap_or(s.start);
            if s.start == 0 || end < s.start {
                return Err(SimError::Invalid {
                    key: format!("shocks[{i}]"),
                    msg: format!(
                        "periods run from 1; `start` ({}) must be at least 1 and at most `end` ({end})",
                        s.start
                    ),
                });
            }
            if end > self.periods {
                return Err(SimError::ShockBeyondHorizon { index: i, end, periods: self.periods });
            }
            unit(&format!("shocks[{i}].severity"), s.severity)?;
            if let Some(name) = &s.partner {
                if !self.partners.iter().any(|p| &p.name == name) {
                    return Err(SimError::Invalid {
                        key: format!("shocks[{i}].partner"),
                        msg: format!("`{name}` is not the name of a partner"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The partner's exploration share: `exploration` if given, else the share of its motives
    /// pursued as exploration.
    pub fn exploration(p: &Partner) -> f64 {
        p.exploration.unwrap_or_else(|| {
            let n = p.motives.len().max(1) as f64;
            p.motives.values().filter(|o| **o == Orientation::Exploration).count() as f64 / n
        })
    }

    /// The rationale that resolves a mismatch: `alliance.rationale` if given, else the sign of
    /// the economic minus behavioural roots of both partners' motives (THEORY.md section 2).
    pub fn rationale(&self) -> Rationale {
        self.alliance.rationale.unwrap_or_else(|| {
            let score: i32 = self.partners.iter().flat_map(|p| p.motives.keys()).map(|m| rationale_score(*m)).sum();
            match score.signum() {
                1 => Rationale::Economic,
                -1 => Rationale::Behavioural,
                _ => Rationale::None,
            }
        })
    }

    /// Sets one numeric parameter by its dotted path (`environment.dynamism`,
    /// `partners.0.transparency`, `trust.lambda_minus`) and validates the result.
    pub fn with_parameter(&self, path: &str, value: f64) -> Result<Scenario, SimError> {
        let mut root =
            toml::Value::try_from(self).map_err(|e| SimError::Invalid { key: path.into(), msg: e.to_string() })?;
        let unknown = || SimError::UnknownParameter { key: path.into() };
        let mut node = &mut root;
        let segments: Vec<&str> = path.split('.').collect();
        for (n, seg) in segments.iter().enumerate() {
            let last = n + 1 == segments.len();
            node = match node {
                toml::Value::Table(t) => {
                    if !t.contains_key(*seg) {
                        // A missing optional table (e.g. `trust`) is filled with its defaults.
                        if last {
                            t.insert((*seg).to_string(), toml::Value::Float(value));
                        } else {
                            t.insert((*seg).to_string(), toml::Value::Table(Default::default()));
                        }
                    }
                    t.get_mut(*seg).ok_or_else(unknown)?
                }
                toml::Value::Array(a) => {
                    let i: usize = seg.parse().map_err(|_| unknown())?;
                    a.get_mut(i).ok_or_else(unknown)?
                }
                _ => return Err(unknown()),
            };
        }
        *node = match node {
            toml::Value::Integer(_) if value.fract().abs() < 1e-12 && value >= 0.0 => {
                toml::Value::Integer(value as i64)
            }
            toml::Value::Integer(_) => {
                return Err(SimError::Invalid { key: path.into(), msg: format!("takes a whole number, not {value}") })
            }
            toml::Value::Float(_) => toml::Value::Float(value),
            _ => return Err(unknown()),
        };
        let s: Scenario = root.try_into().map_err(|e: toml::de::Error| {
            let msg = e.message().to_string();
            if msg.contains("unknown field") {
                SimError::UnknownParameter { key: path.into() }
            } else {
                SimError::Invalid { key: path.into(), msg }
            }
        })?;
        s.validate()?;
        Ok(s)
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    (line, column)
}

/// Adds the line and column of the key a validation error names, when the key is written in
/// the text (keys left to their defaults have no position).
fn locate(text: &str, error: SimError) -> SimError {
    let key = match &error {
        SimError::OutOfRange { key, .. } | SimError::Invalid { key, .. } => key.clone(),
        SimError::ShockBeyondHorizon { index, .. } => format!("shocks[{index}].end"),
        _ => return error,
    };
    let Ok(doc) = toml_edit::ImDocument::parse(text) else {
        return error;
    };
    let mut item = doc.as_item();
    let mut span = None;
    for segment in key.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some(next) = item.get(name) else { break };
        item = next;
        span = item.span().or(span);
        if let Some(i) = index {
            let Some(next) = item.get(i) else { break };
            item = next;
            span = item.span().or(span);
        }
    }
    match span {
        Some(s) => {
            let (line, column) = line_column(text, s.start);
            SimError::At { line, column, error: Box::new(error) }
        }
        None => error,
    }
}

/// Turns a toml error into one with the line and column of its span.
fn toml_error(text: &str, e: &toml::de::Error) -> SimError {
    let (line, column) = e.span().map_or((0, 0), |span| line_column(text, span.start));
    SimError::Toml { line, column, msg: e.message().trim_end_matches('.').replace('\n', " ") }
}

fn range(key: &str, value: f64, range: &str) -> SimError {
    SimError::OutOfRange { key: key.into(), value, range: range.into() }
}

fn within(key: &str, v: f64, lo: f64, hi: f64) -> Result<(), SimError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(range(key, v, &format!("[{lo}, {hi}]")))
    }
}

fn unit(key: &str, v: f64) -> Result<(), SimError> {
    within(key, v, 0.0, 1.0)
}

fn unit_open(key: &str, v: f64) -> Result<(), SimError> {
    if v.is_finite() && v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(range(key, v, "(0, 1]"))
    }
}

/// The scenarios shipped with Entente, runnable by name (`entente sim run --example NAME`).
pub const EXAMPLES: [(&str, &str); 6] = [
    ("economies-of-knowledge", include_str!("../scenarios/economies-of-knowledge.toml")),
    ("synergies-of-knowledge", include_str!("../scenarios/synergies-of-knowledge.toml")),
    ("mismatch-economic", include_str!("../scenarios/mismatch-economic.toml")),
    ("mismatch-behavioural", include_str!("../scenarios/mismatch-behavioural.toml")),
    ("learning-race", include_str!("../scenarios/learning-race.toml")),
    ("crisis-recovery", include_str!("../scenarios/crisis-recovery.toml")),
];

/// A shipped scenario by name.
pub fn example(name: &str) -> Result<Scenario, SimError> {
    let text = EXAMPLES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).ok_or_else(|| SimError::UnknownExample {
        name: name.into(),
        available: EXAMPLES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join("`, `"),
    })?;
    Scenario::from_toml(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scores the simulator used before it took alliance-core's motives (THEORY.md
    /// section 2 table), and the scenario keys.
    #[test]
    fn motive_scores_and_keys() {
        let want = [1, 0, 1, 1, 0, 2, -2];
        let keys = [
            "risk_cost_sharing",
            "knowledge_transfer",
            "shaping_competition",
            "market_access",
            "internationalisation",
            "strategic_linkages",
            "legitimacy",
        ];
        for ((m, w), k) in Motive::ALL.into_iter().zip(want).zip(keys) {
            assert_eq!(rationale_score(m), w, "{m:?}");
            assert_eq!(motive_key(m), k);
        }
    }

    #[test]
    fn motives_round_trip_in_snake_case_and_unknown_ones_are_named() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct P {
            #[serde(with = "motive_keys")]
            motives: BTreeMap<Motive, Orientation>,
        }
        let text = "[motives]\nstrategic_linkages = \"exploitation\"\nrisk_cost_sharing = \"exploration\"\n";
        let p: P = toml::from_str(text).unwrap();
        assert_eq!(p.motives[&Motive::RiskCostSharing], Orientation::Exploration);
        let back = toml::to_string(&p).unwrap();
        // Written in THEORY.md's order, not alphabetically.
        assert_eq!(back, "[motives]\nrisk_cost_sharing = \"exploration\"\nstrategic_linkages = \"exploitation\"\n");
        let err = toml::from_str::<P>("[motives]\nfame = \"exploration\"\n").unwrap_err().to_string();
        assert!(err.contains("unknown motive `fame`") && err.contains("`legitimacy`"), "{err}");
    }

    #[test]
    fn every_example_parses_and_validates() {
        for (name, _) in EXAMPLES {
            let s = example(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(s.partners.len(), 2, "{name}");
        }
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = EXAMPLES[0].1.replacen("[alliance]", "[alliance]\ncolour = 3", 1);
        let line = text.lines().position(|l| l.starts_with("colour")).map(|p| p + 1);
        match Scenario::from_toml(&text) {
            Err(SimError::Toml { line: l, msg, .. }) => {
                assert_eq!(Some(l), line);
                assert!(msg.contains("colour"), "{msg}");
            }
            other => panic!("expected a toml error, got {other:?}"),
        }
    }

    #[test]
    fn out_of_range_names_the_key() {
        let text = EXAMPLES[0].1.replacen("transparency = ", "transparency = 1.5 #", 1);
        let err = Scenario::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains("`partners[0].transparency`"), "{err}");
        let line = text.lines().position(|l| l.starts_with("transparency = 1.5")).map(|p| p + 1);
        assert!(matches!(err, SimError::At { line: l, column: 16, .. } if Some(l) == line), "{err:?}");
    }

    #[test]
    fn shock_beyond_horizon_is_rejected() {
        let mut s = example("crisis-recovery").unwrap();
        s.shocks[0].end = Some(s.periods + 5);
        assert!(matches!(s.validate(), Err(SimError::ShockBeyondHorizon { .. })));
    }

    #[test]
    fn with_parameter_sets_nested_values_and_rejects_unknown_ones() {
        let s = example("economies-of-knowledge").unwrap();
        let t = s.with_parameter("partners.1.transparency", 0.25).unwrap();
        assert!((t.partners[1].transparency - 0.25).abs() < 1e-15);
        let t = s.with_parameter("trust.lambda_minus", 0.5).unwrap();
        assert!((t.trust.lambda_minus - 0.5).abs() < 1e-15);
        assert!(matches!(s.with_parameter("alliance.colour", 1.0), Err(SimError::UnknownParameter { .. })));
        assert!(matches!(s.with_parameter("environment.dynamism", 2.0), Err(SimError::OutOfRange { .. })));
    }

    #[test]
    fn rationale_is_derived_from_motive_roots() {
        let s = example("mismatch-economic").unwrap();
        let mut t = s.clone();
        t.alliance.rationale = None;
        for p in &mut t.partners {
            p.motives.clear();
            p.motives.insert(Motive::Legitimacy, Orientation::Exploration);
        }
        assert_eq!(t.rationale(), Rationale::Behavioural);
    }
}
