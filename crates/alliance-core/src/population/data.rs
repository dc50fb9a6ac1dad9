//! Population data: one row per alliance.
//!
//! Columns (header names, any order): `quadrant` (`economies`, `synergies`, `mismatch`) or both
//! `index_a` and `index_b` (the partners' overall exploitation-exploration indices, from which
//! the quadrant is derived as in the dyad assessment); `integration` (1 licensing .. 4
//! merger/acquisition), `dynamism` (0-1), `performance`, `learning`, `failed` (0/1),
//! `terminated` (0/1: premature termination), `age` (years). An `id` column is optional.

use crate::assess::Quadrant;
use crate::error::AssessError;
use serde::{Deserialize, Serialize};

/// Quadrant of an alliance in a population (mismatch cells pooled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PopQuadrant {
    /// Both exploit.
    Economies,
    /// Both explore.
    Synergies,
    /// One each.
    Mismatch,
}

impl PopQuadrant {
    /// Quadrant from the two indices (sign rule of the dyad assessment).
    pub fn from_indices(a: f64, b: f64) -> Self {
        match Quadrant::of(a, b) {
            Quadrant::EconomiesOfKnowledge => PopQuadrant::Economies,
            Quadrant::SynergiesOfKnowledge => PopQuadrant::Synergies,
            Quadrant::Mismatch { .. } => PopQuadrant::Mismatch,
        }
    }

    /// The CSV spelling.
    pub fn key(self) -> &'static str {
        match self {
            PopQuadrant::Economies => "economies",
            PopQuadrant::Synergies => "synergies",
            PopQuadrant::Mismatch => "mismatch",
        }
    }
}

/// One alliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllianceRecord {
    /// Identifier.
    pub id: String,
    /// Quadrant.
    pub quadrant: PopQuadrant,
    /// Integration level, 1-4.
    pub integration: f64,
    /// Environmental dynamism, 0-1.
    pub dynamism: f64,
    /// Performance (any scale).
    pub performance: f64,
    /// Dyadic learning (any scale).
    pub learning: f64,
    /// Failed (sub-optimal long-term performance).
    pub failed: bool,
    /// Terminated before meeting its objectives.
    pub terminated: bool,
    /// Age in years.
    pub age: f64,
}

fn bad(source: &str, row: usize, column: &str, message: impl Into<String>) -> AssessError {
    AssessError::PopulationData {
        source_name: source.to_string(),
        row,
        column: column.to_string(),
        message: message.into(),
    }
}

/// Read a population CSV.
pub fn read_population(source: &str, text: &str) -> Result<Vec<AllianceRecord>, AssessError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| bad(source, 0, "-", e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| bad(source, 0, name, "the column is missing"));
    let quadrant_col = col("quadrant");
    let index_cols = match (col("index_a"), col("index_b")) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    if quadrant_col.is_none() && index_cols.is_none() {
        return Err(bad(source, 0, "quadrant", "give `quadrant` or both `index_a` and `index_b`"));
    }
    let (ci, cd, cp, cl, cf, ct, ca) = (
        need("integration")?,
        need("dynamism")?,
        need("performance")?,
        need("learning")?,
        need("failed")?,
        need("terminated")?,
        need("age")?,
    );
    let id_col = col("id");
    let mut out = Vec::new();
    for (r, rec) in reader.records().enumerate() {
        let row = r + 1;
        let rec = rec.map_err(|e| bad(source, row, "-", e.to_string()))?;
        let num = |c: usize| -> Result<f64, AssessError> {
            let name = &headers[c];
            let cell = rec.get(c).unwrap_or("");
            if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
                return Err(bad(source, row, name, "the value is missing"));
            }
            cell.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(source, row, name, format!("`{cell}` is not a number")))
        };
        let flag = |c: usize| -> Result<bool, AssessError> {
            let v = num(c)?;
            if v.abs() < 1e-12 {
                Ok(false)
            } else if (v - 1.0).abs() < 1e-12 {
                Ok(true)
            } else {
                Err(bad(source, row, &headers[c], format!("`{v}` must be 0 or 1")))
            }
        };
        let quadrant = match (quadrant_col, index_cols) {
            (Some(c), _) if !rec.get(c).unwrap_or("").is_empty() => {
                match rec.get(c).unwrap_or("").to_ascii_lowercase().as_str() {
                    "economies" | "economies of knowledge" => PopQuadrant::Economies,
                    "synergies" | "synergies of knowledge" => PopQuadrant::Synergies,
                    "mismatch" => PopQuadrant::Mismatch,
                    other => {
                        return Err(bad(
                            source,
                            row,
                            "quadrant",
                            format!("`{other}` is not `economies`, `synergies` or `mismatch`"),
                        ))
                    }
                }
            }
            (_, Some((a, b))) => PopQuadrant::from_indices(num(a)?, num(b)?),
            _ => return Err(bad(source, row, "quadrant", "the value is missing")),
        };
        let ranged = |c: usize, lo: f64, hi: f64| -> Result<f64, AssessError> {
            let v = num(c)?;
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(bad(source, row, &headers[c], format!("{v} is outside {lo}-{hi}")))
            }
        };
        let integration = ranged(ci, 1.0, 4.0)?;
        let dynamism = ranged(cd, 0.0, 1.0)?;
        out.push(AllianceRecord {
            id: id_col.and_then(|c| rec.get(c)).map_or_else(|| format!("row {row}"), str::to_string),
            quadrant,
            integration,
            dynamism,
            performance: num(cp)?,
            learning: num(cl)?,
            failed: flag(cf)?,
            terminated: flag(ct)?,
            age: num(ca)?,
        });
    }
    Ok(out)
}

/// Write a population as CSV (the format [`read_population`] reads).
pub fn write_population(records: &[AllianceRecord]) -> String {
    let mut s = String::from("id,quadrant,integration,dynamism,performance,learning,failed,terminated,age\n");
    for r in records {
        s.push_str(&format!(
            "{},{},{:.4},{:.4},{:.4},{:.4},{},{},{:.2}\n",
            r.id,
            r.quadrant.key(),
            r.integration,
            r.dynamism,
            r.performance,
            r.learning,
            u8::from(r.failed),
            u8::from(r.terminated),
            r.age
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "id,quadrant,integration,dynamism,performance,learning,failed,terminated,age\n";

    #[test]
    fn reads_rows_and_derives_quadrant_from_indices() {
        let text = "index_a,index_b,integration,dynamism,performance,learning,failed,terminated,age\n-0.4,0.3,2,0.5,1.2,0.3,1,0,4\n";
        let r = read_population("p.csv", text).expect("reads");
        assert_eq!(r[0].quadrant, PopQuadrant::Mismatch);
        assert!(r[0].failed && !r[0].terminated);
    }

    #[test]
    fn bad_cells_name_row_and_column() {
        let err = read_population("p.csv", &format!("{HEAD}a,mismatch,2,0.5,1,1,2,0,3\n")).unwrap_err();
        assert_eq!(err.to_string(), "Population data `p.csv`, row 1, column `failed`: `2` must be 0 or 1.");
        let err = read_population("p.csv", &format!("{HEAD}a,hybrid,2,0.5,1,1,0,0,3\n")).unwrap_err();
        assert!(err.to_string().contains("`hybrid`"));
        let err = read_population("p.csv", "quadrant,dynamism\n").unwrap_err();
        assert!(err.to_string().contains("`integration`"));
    }

    #[test]
    fn write_then_read_round_trips() {
        let recs = read_population("p.csv", &format!("{HEAD}a,synergies,3,0.25,1.5,0.75,0,1,6.5\n")).expect("reads");
        let again = read_population("q.csv", &write_population(&recs)).expect("reads");
        assert_eq!(recs, again);
    }
}
