//! `study.toml`: the constructs in use, the moderators, the competing models, the analysis
//! settings and the population effects used by `study simulate` and `study power`.

use crate::error::StudyError;
use alliance_core::constructs::{self, Sign};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How incomplete rows are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingData {
    /// Listwise deletion (complete cases), as lavaan's default.
    #[default]
    Listwise,
}

/// The population used to simulate responses and to plan power.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Standardised structural effects, keyed `"FROM -> TO"`.
    pub effects: BTreeMap<String, f64>,
    /// Standardised loading of every item.
    pub loading: f64,
    /// Correlation between every two exogenous constructs (antecedents and moderators).
    pub exogenous_correlation: f64,
    /// Six increasing cut points on the standardised item scale giving answers 1-7.
    pub thresholds: Vec<f64>,
}

impl Default for Population {
    fn default() -> Self {
        let mut effects = BTreeMap::new();
        let size = |p: &str| match p {
            "P1" => 0.35,
            _ => 0.3,
        };
        for path in constructs::proposition_paths() {
            effects.insert(format!("{} -> {}", path.from, path.to), path.sign.factor() * size(path.proposition));
        }
        let c = constructs::CARRY_OVER;
        effects.insert(format!("{} -> {}", c.from, c.to), 0.4);
        Population {
            effects,
            loading: 0.8,
            exogenous_correlation: 0.2,
            thresholds: vec![-1.9, -1.3, -0.7, -0.1, 0.5, 1.2],
        }
    }
}

/// Settings of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// Significance level of verdicts and tests.
    pub alpha: f64,
    /// Bootstrap draws for the indirect effects (0: none).
    pub bootstrap_draws: u32,
    /// Seed of the bootstrap and of the built-in demo data.
    pub seed: u64,
    /// Smallest group of a multi-group moderator test.
    pub min_group_size: usize,
    /// Missing-data handling.
    pub missing: MissingData,
    /// Column that identifies the alliance (joins wave 1 and wave 2 files).
    pub id_column: String,
    /// Respondents of the built-in demo data.
    pub demo_n: usize,
    /// Fit the moderator models with the study's estimator even when it is MLR. By default
    /// the exploratory moderator analyses use ML, whose fits are about ten times cheaper than
    /// MLR's (no observed information), so that a study with four moderators stays fast.
    #[serde(default)]
    pub robust_moderators: bool,
    /// A data column with an observed cultural distance (e.g. `cd_kogut_singh` from
    /// `entente study distance`) that measures CD instead of the perceived-distance items.
    #[serde(default)]
    pub observed_cd: Option<String>,
    /// User grouping columns for moderators (moderator id -> column); others are median splits.
    #[serde(default)]
    pub moderator_groups: BTreeMap<String, String>,
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis {
            alpha: 0.05,
            bootstrap_draws: 1000,
            seed: 1,
            min_group_size: 50,
            missing: MissingData::Listwise,
            id_column: "alliance_id".into(),
            demo_n: 500,
            robust_moderators: false,
            observed_cd: None,
            moderator_groups: BTreeMap::new(),
        }
    }
}

/// The whole `study.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyConfig {
    /// Title of questionnaires and reports.
    pub title: String,
    /// Model constructs in use (ids of the catalogue).
    pub constructs: Vec<String>,
    /// Moderators in use.
    pub moderators: Vec<String>,
    /// Direct antecedent -> learning paths of the partial-mediation model (`"PR -> LE"`).
    pub partial_paths: Vec<String>,
    /// Further direct paths for an extra competing model (`"RO -> LE"`); empty: no extra model.
    pub extra_paths: Vec<String>,
    /// Analysis settings.
    pub analysis: Analysis,
    /// Population of `study simulate` and `study power`.
    pub population: Population,
}

impl Default for StudyConfig {
    fn default() -> Self {
        StudyConfig {
            title: "Trust and learning in international strategic alliances".into(),
            constructs: constructs::MODEL_CONSTRUCTS.iter().map(|s| s.to_string()).collect(),
            moderators: constructs::MODERATORS.iter().map(|s| s.to_string()).collect(),
            partial_paths: constructs::PARTIAL_MEDIATION_PATHS.iter().map(|(a, b)| format!("{a} -> {b}")).collect(),
            extra_paths: Vec::new(),
            analysis: Analysis::default(),
            population: Population::default(),
        }
    }
}

/// A directed path `from -> to` between construct ids.
pub fn parse_path(s: &str) -> Result<(String, String), StudyError> {
    let (a, b) =
        s.split_once("->").ok_or_else(|| StudyError::Config(format!("path `{s}` must be written `FROM -> TO`")))?;
    let (a, b) = (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase());
    for id in [&a, &b] {
        if constructs::study_construct(id).is_none() {
            return Err(StudyError::Config(format!(
                "path `{s}` names `{id}`, which is not a construct of the catalogue"
            )));
        }
    }
    Ok((a, b))
}

impl StudyConfig {
    /// Read and check `study.toml` text.
    pub fn from_toml(text: &str) -> Result<StudyConfig, StudyError> {
        let cfg: StudyConfig = toml::from_str(text).map_err(|e| StudyError::Config(e.message().to_string()))?;
        cfg.check()?;
        Ok(cfg)
    }

    /// The TOML text, with a comment header.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# Entente trust-learning study (THEORY.md section 1). Edit, then run `entente study init DIR --force`\n\
             # to regenerate models, codebook and questionnaires. Construct ids: PE TR RE T1 RO PR ID LO CD T2 LE;\n\
             # moderators: CC (control/coordination) CM (communication) AC (absorptive capacity) CK (collaborative know-how).\n\
             # population.effects are standardised paths used by `study simulate` and `study power` (signs follow P1-P9).\n\n{body}"
        )
    }

    /// Consistency checks.
    pub fn check(&self) -> Result<(), StudyError> {
        for id in &self.constructs {
            if !constructs::MODEL_CONSTRUCTS.contains(&id.as_str()) {
                return Err(StudyError::Config(format!("`constructs` lists `{id}`, which is not a model construct")));
            }
        }
        for id in &self.moderators {
            if !constructs::MODERATORS.contains(&id.as_str()) {
                return Err(StudyError::Config(format!("`moderators` lists `{id}`, which is not a moderator")));
            }
        }
        if !self.constructs.iter().any(|c| c == "LE") {
            return Err(StudyError::Config("`constructs` must include the outcome `LE`".into()));
        }
        for p in self.partial_paths.iter().chain(&self.extra_paths) {
            parse_path(p)?;
        }
        for p in self.population.effects.keys() {
            parse_path(p)?;
        }
        let a = self.analysis.alpha;
        if !(a > 0.0 && a < 1.0) {
            return Err(StudyError::Config(format!("`analysis.alpha` = {a} must lie between 0 and 1")));
        }
        let l = self.population.loading;
        if !(l > 0.0 && l < 1.0) {
            return Err(StudyError::Config(format!("`population.loading` = {l} must lie between 0 and 1")));
        }
        let t = &self.population.thresholds;
        if t.len() != 6 || t.windows(2).any(|w| w[1] <= w[0]) {
            return Err(StudyError::Config("`population.thresholds` must be six increasing cut points".into()));
        }
        Ok(())
    }

    /// Whether a construct is in use.
    pub fn uses(&self, id: &str) -> bool {
        self.constructs.iter().chain(&self.moderators).any(|c| c == id)
    }

    /// The population effect of `from -> to`, 0 when not listed.
    pub fn effect(&self, from: &str, to: &str) -> f64 {
        self.population
            .effects
            .iter()
            .find(|(k, _)| parse_path(k).map(|(a, b)| a == from && b == to).unwrap_or(false))
            .map(|(_, v)| *v)
            .unwrap_or(0.0)
    }

    /// The expected sign of a structural path, when it is a proposition or the carry-over.
    pub fn expected_sign(from: &str, to: &str) -> Option<Sign> {
        constructs::proposition_paths()
            .into_iter()
            .chain(std::iter::once(constructs::CARRY_OVER))
            .find(|p| p.from == from && p.to == to)
            .map(|p| p.sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_through_toml() {
        let cfg = StudyConfig::default();
        let back = StudyConfig::from_toml(&cfg.to_toml()).expect("valid");
        assert_eq!(back, cfg);
    }

    #[test]
    fn default_effects_follow_the_proposition_signs() {
        let cfg = StudyConfig::default();
        for p in constructs::proposition_paths() {
            assert!(cfg.effect(p.from, p.to) * p.sign.factor() > 0.0, "{} -> {}", p.from, p.to);
        }
    }

    #[test]
    fn unknown_construct_is_refused_with_its_name() {
        let mut cfg = StudyConfig::default();
        cfg.constructs.push("XX".into());
        let e = cfg.check().expect_err("invalid").to_string();
        assert!(e.contains("`XX`"), "{e}");
    }
}
