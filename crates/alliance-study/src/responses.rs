//! Survey responses: one row per respondent (alliance), an id column and item columns; wave 1
//! and wave 2 may come as two files joined on the id column.

use crate::error::StudyError;
use sem::DataFrame;
use sem_data::Column;
use std::collections::BTreeMap;

/// Responses in memory: ids and numeric item columns (NaN = missing).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Responses {
    /// Alliance ids, one per row.
    pub ids: Vec<String>,
    /// Numeric columns by name, in file order.
    pub columns: Vec<(String, Vec<f64>)>,
    /// Text columns (user grouping variables) by name.
    pub text: BTreeMap<String, Vec<Option<String>>>,
    /// Where the data came from.
    pub source_name: String,
    /// Notes produced while reading (joins, dropped rows).
    pub notes: Vec<String>,
}

impl Responses {
    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.ids.len()
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// A mutable column by name.
    pub fn column_mut(&mut self, name: &str) -> Option<&mut Vec<f64>> {
        self.columns.iter_mut().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Read CSV text. The id column is optional (row numbers are used without it).
    pub fn from_csv_str(text: &str, source_name: &str, id_column: &str) -> Result<Responses, StudyError> {
        let frame = DataFrame::from_csv_str(text, source_name)
            .map_err(|e| StudyError::Data { source_name: source_name.into(), message: e.to_string() })?;
        let mut out = Responses { source_name: source_name.to_string(), ..Default::default() };
        out.ids = match frame.labels(id_column) {
            Ok(l) => l.into_iter().enumerate().map(|(i, s)| s.unwrap_or_else(|| format!("row{}", i + 1))).collect(),
            Err(_) => (1..=frame.nrows).map(|i| i.to_string()).collect(),
        };
        for (name, col) in frame.names.iter().zip(&frame.columns) {
            if name == id_column {
                continue;
            }
            match col {
                Column::Numeric(v) => out.columns.push((name.clone(), v.clone())),
                Column::Text { cells, .. } => {
                    out.text.insert(name.clone(), cells.clone());
                }
            }
        }
        Ok(out)
    }

    /// Read a CSV file.
    pub fn from_path(path: &std::path::Path, id_column: &str) -> Result<Responses, StudyError> {
        let text = std::fs::read_to_string(path).map_err(|e| StudyError::io(path, e))?;
        let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Responses::from_csv_str(&text, &name, id_column)
    }

    /// Join a wave-2 file on the alliance id: rows whose id is in both files are kept; ids
    /// found in one file only are reported in `notes` (the study reports what it can on the
    /// matched rows). Fails when no id matches.
    pub fn join(self, wave2: Responses) -> Result<Responses, StudyError> {
        let index: BTreeMap<&str, usize> = wave2.ids.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
        let keep: Vec<(usize, usize)> =
            self.ids.iter().enumerate().filter_map(|(i, id)| index.get(id.as_str()).map(|j| (i, *j))).collect();
        let only1: Vec<&str> =
            self.ids.iter().filter(|id| !index.contains_key(id.as_str())).map(|s| s.as_str()).collect();
        let ids1: std::collections::BTreeSet<&str> = self.ids.iter().map(|s| s.as_str()).collect();
        let only2: Vec<&str> = wave2.ids.iter().filter(|id| !ids1.contains(id.as_str())).map(|s| s.as_str()).collect();
        if keep.is_empty() {
            return Err(StudyError::Data {
                source_name: wave2.source_name.clone(),
                message: format!(
                    "none of its {} alliance ids matches an id of wave 1 (`{}`); check the id column",
                    wave2.nrows(),
                    self.source_name
                ),
            });
        }
        let mut notes = self.notes.clone();
        let show = |v: &[&str]| -> String {
            let mut s: Vec<String> = v.iter().take(5).map(|x| format!("`{x}`")).collect();
            if v.len() > 5 {
                s.push(format!("and {} more", v.len() - 5));
            }
            s.join(", ")
        };
        if !only1.is_empty() {
            notes.push(format!(
                "{} alliance id(s) of wave 1 (`{}`) have no wave-2 answers and are left out: {}.",
                only1.len(),
                self.source_name,
                show(&only1)
            ));
        }
        if !only2.is_empty() {
            notes.push(format!(
                "{} alliance id(s) of wave 2 (`{}`) do not match any wave-1 id and are left out: {}.",
                only2.len(),
                wave2.source_name,
                show(&only2)
            ));
        }
        let mut columns: Vec<(String, Vec<f64>)> =
            self.columns.iter().map(|(n, v)| (n.clone(), keep.iter().map(|(i, _)| v[*i]).collect())).collect();
        for (n, v) in &wave2.columns {
            if columns.iter().any(|(m, _)| m == n) {
                notes.push(format!("Column `{n}` is in both waves; the wave-1 values are used."));
                continue;
            }
            columns.push((n.clone(), keep.iter().map(|(_, j)| v[*j]).collect()));
        }
        let mut text: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
        for (n, v) in &self.text {
            text.insert(n.clone(), keep.iter().map(|(i, _)| v[*i].clone()).collect());
        }
        for (n, v) in &wave2.text {
            text.entry(n.clone()).or_insert_with(|| keep.iter().map(|(_, j)| v[*j].clone()).collect());
        }
        Ok(Responses {
            ids: keep.iter().map(|(i, _)| self.ids[*i].clone()).collect(),
            columns,
            text,
            source_name: format!("{} + {}", self.source_name, wave2.source_name),
            notes,
        })
    }

    /// A data frame of the numeric columns plus optional text columns, for the SEM engine.
    pub fn to_frame(&self, extra_text: &[(String, Vec<Option<String>>)]) -> DataFrame {
        let mut names: Vec<String> = self.columns.iter().map(|(n, _)| n.clone()).collect();
        let mut columns: Vec<Column> = self.columns.iter().map(|(_, v)| Column::Numeric(v.clone())).collect();
        for (n, cells) in extra_text {
            names.push(n.clone());
            columns.push(Column::Text { cells: cells.clone(), first_bad_line: 2 });
        }
        DataFrame { names, columns, nrows: self.nrows(), source_name: self.source_name.clone() }
    }

    /// CSV text: id column then the numeric columns (`NA` for missing).
    pub fn to_csv(&self, id_column: &str) -> String {
        let mut s = String::from(id_column);
        for (n, _) in &self.columns {
            s.push(',');
            s.push_str(n);
        }
        s.push('\n');
        for (i, id) in self.ids.iter().enumerate() {
            s.push_str(id);
            for (_, v) in &self.columns {
                s.push(',');
                let x = v[i];
                if x.is_nan() {
                    s.push_str("NA");
                } else if (x - x.round()).abs() < 1e-9 {
                    s.push_str(&format!("{}", x.round() as i64));
                } else {
                    s.push_str(&format!("{x:.6}"));
                }
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_matching_ids_and_reports_the_rest() {
        let w1 = Responses::from_csv_str("alliance_id,a\nx,1\ny,2\nz,3\n", "w1.csv", "alliance_id").expect("w1");
        let w2 = Responses::from_csv_str("alliance_id,b\nz,30\nx,10\nq,99\n", "w2.csv", "alliance_id").expect("w2");
        let j = w1.join(w2).expect("join");
        assert_eq!(j.ids, vec!["x", "z"]);
        let b = j.column("b").expect("b");
        assert!((b[0] - 10.0).abs() < 1e-12 && (b[1] - 30.0).abs() < 1e-12);
        assert_eq!(j.notes.len(), 2);
        assert!(j.notes[1].contains("`q`"), "{:?}", j.notes);
    }

    #[test]
    fn join_without_any_match_is_an_error() {
        let w1 = Responses::from_csv_str("alliance_id,a\nx,1\n", "w1.csv", "alliance_id").expect("w1");
        let w2 = Responses::from_csv_str("alliance_id,b\nq,2\n", "w2.csv", "alliance_id").expect("w2");
        let e = w1.join(w2).expect_err("no match").to_string();
        assert!(e.contains("none of its 1 alliance ids"), "{e}");
    }
}
