//! `entente study init DIR`: the study folder.
//!
//! ```text
//! DIR/study.toml                      constructs, moderators, competing models, settings, population
//! DIR/models/cfa.lav                  CFA of every construct in use
//! DIR/models/full_mediation.lav       the source's model: trust fully mediates
//! DIR/models/partial_mediation.lav    plus the direct paths of `partial_paths`
//! DIR/models/extra_paths.lav          plus `extra_paths` (when listed)
//! DIR/models/population.lav           population of `study simulate` (every value fixed)
//! DIR/codebook.csv, codebook.json     one row per item: construct, wave, text, reverse flag, source
//! DIR/questionnaire/wave1.html|.md    printable questionnaires (self-contained HTML, Markdown)
//! DIR/questionnaire/wave2.html|.md
//! DIR/data/template.csv               header of the response file (both waves)
//! ```

use crate::config::StudyConfig;
use crate::error::StudyError;
use crate::model;
use alliance_core::constructs::{self, Wave};
use alliance_core::instruments::Instrument;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One codebook row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodebookRow {
    /// Item id (CSV column).
    pub item: String,
    /// Construct id.
    pub construct: String,
    /// Construct name.
    pub construct_name: String,
    /// Survey wave (1 or 2).
    pub wave: u8,
    /// Item wording.
    pub text: String,
    /// Reverse-keyed (scored `8 - answer`).
    pub reverse: bool,
    /// Lowest and highest answer.
    pub scale: String,
    /// Anchor of 1.
    pub anchor_low: String,
    /// Anchor of 7.
    pub anchor_high: String,
    /// Published scale the construct adapts.
    pub source: String,
}

/// The codebook of the constructs in use.
pub fn codebook(cfg: &StudyConfig) -> Vec<CodebookRow> {
    constructs::catalogue()
        .into_iter()
        .filter(|c| cfg.uses(c.id()))
        .flat_map(|c| {
            let wave = c.wave.number();
            c.construct
                .items
                .iter()
                .map(|i| CodebookRow {
                    item: i.id.clone(),
                    construct: c.construct.id.clone(),
                    construct_name: c.construct.name.clone(),
                    wave,
                    text: i.text.clone(),
                    reverse: i.reverse,
                    scale: "1-7".into(),
                    anchor_low: i.anchors.0[0].clone(),
                    anchor_high: i.anchors.0[6].clone(),
                    source: c.construct.source.citation.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The codebook as CSV.
pub fn codebook_csv(rows: &[CodebookRow]) -> String {
    let mut s = String::from("item,construct,construct_name,wave,text,reverse,scale,anchor_low,anchor_high,source\n");
    for r in rows {
        let f = [
            r.item.clone(),
            r.construct.clone(),
            r.construct_name.clone(),
            r.wave.to_string(),
            r.text.clone(),
            r.reverse.to_string(),
            r.scale.clone(),
            r.anchor_low.clone(),
            r.anchor_high.clone(),
            r.source.clone(),
        ];
        s.push_str(&f.iter().map(|x| csv_field(x)).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s
}

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A printable, self-contained HTML questionnaire (no scripts, no external resources).
pub fn questionnaire_html(inst: &Instrument) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
body{{font-family:Georgia,serif;max-width:52em;margin:2em auto;color:#222}}h1{{font-size:1.5em}}\
h2{{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}}table{{border-collapse:collapse;width:100%}}\
td,th{{border:1px solid #ccc;padding:.3em;font-size:.85em;vertical-align:top}}th{{background:#f2f2f2}}\
td.c{{text-align:center}}.id{{color:#777;font-family:monospace}}@media print{{h2{{page-break-after:avoid}}}}\
</style></head><body>\n<h1>{t}</h1>\n<p>{i}</p>\n<p>Alliance id: ____________________ &nbsp; Respondent: ____________________</p>\n",
        t = esc(&inst.name),
        i = esc(&inst.instructions)
    );
    let mut n = 0;
    for c in &inst.constructs {
        s.push_str(&format!("<h2>{}</h2>\n<table><tr><th>#</th><th>Statement</th>", esc(&c.name)));
        if let Some(first) = c.items.first() {
            for (k, a) in first.anchors.0.iter().enumerate() {
                s.push_str(&format!("<th>{}<br>{}</th>", k + 1, esc(a)));
            }
        }
        s.push_str("</tr>\n");
        for item in &c.items {
            n += 1;
            s.push_str(&format!(
                "<tr><td>{n}</td><td>{} <span class=\"id\">[{}]</span></td>",
                esc(&item.text),
                esc(&item.id)
            ));
            for k in 1..=7 {
                s.push_str(&format!(
                    "<td class=\"c\"><input type=\"radio\" name=\"{}\" value=\"{k}\" aria-label=\"{k}\"></td>",
                    esc(&item.id)
                ));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    s.push_str("<p>Thank you for your answers.</p>\n</body></html>\n");
    s
}

/// The files of a study folder, as `(relative path, contents)`.
pub fn study_files(cfg: &StudyConfig) -> Result<Vec<(PathBuf, String)>, StudyError> {
    let mut files = vec![(PathBuf::from("study.toml"), cfg.to_toml())];
    let meas = model::full_measurement(cfg);
    let models = model::study_models(cfg, &meas)?;
    files.push(("models/cfa.lav".into(), models.cfa.clone()));
    files.push(("models/full_mediation.lav".into(), models.full.clone()));
    if let Some(p) = &models.partial {
        files.push(("models/partial_mediation.lav".into(), p.clone()));
    }
    if let Some(p) = &models.extra {
        files.push(("models/extra_paths.lav".into(), p.clone()));
    }
    files.push(("models/population.lav".into(), model::population(cfg)?));
    let cb = codebook(cfg);
    files.push(("codebook.csv".into(), codebook_csv(&cb)));
    files.push(("codebook.json".into(), serde_json::to_string_pretty(&cb).unwrap_or_default() + "\n"));
    let chosen: Vec<&str> = cfg.constructs.iter().chain(&cfg.moderators).map(|s| s.as_str()).collect();
    for wave in Wave::ALL {
        let mut inst = constructs::wave_instrument(wave, &chosen);
        inst.name = format!("{}: wave {}", cfg.title, wave.number());
        let k = wave.number();
        files.push((format!("questionnaire/wave{k}.md").into(), inst.to_markdown()));
        files.push((format!("questionnaire/wave{k}.html").into(), questionnaire_html(&inst)));
    }
    let mut header = vec![cfg.analysis.id_column.clone()];
    header.extend(cb.iter().map(|r| r.item.clone()));
    files.push(("data/template.csv".into(), header.join(",") + "\n"));
    Ok(files)
}

/// Write the study folder. An existing `study.toml` is kept and the other files are
/// regenerated from it when `force` is set; without `force` an existing study is an error.
pub fn init(dir: &Path, force: bool) -> Result<(StudyConfig, Vec<PathBuf>), StudyError> {
    let toml_path = dir.join("study.toml");
    let cfg = if toml_path.exists() {
        if !force {
            return Err(StudyError::Exists(dir.display().to_string()));
        }
        load(dir)?
    } else {
        StudyConfig::default()
    };
    let mut written = Vec::new();
    for (rel, text) in study_files(&cfg)? {
        if rel == Path::new("study.toml") && toml_path.exists() {
            continue;
        }
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StudyError::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| StudyError::io(&path, e))?;
        written.push(rel);
    }
    Ok((cfg, written))
}

/// Read `DIR/study.toml`.
pub fn load(dir: &Path) -> Result<StudyConfig, StudyError> {
    let path = dir.join("study.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| StudyError::io(&path, e))?;
    StudyConfig::from_toml(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codebook_lists_every_item_once_with_its_wave() {
        let cb = codebook(&StudyConfig::default());
        assert_eq!(cb.len(), 11 * 4 + 4 * 3);
        let t1 = cb.iter().find(|r| r.item == "t1_4").expect("t1_4");
        assert!(t1.reverse && t1.wave == 1);
        let le = cb.iter().find(|r| r.item == "le_1").expect("le_1");
        assert_eq!(le.wave, 2);
        assert!(codebook_csv(&cb).lines().count() == cb.len() + 1);
    }

    #[test]
    fn html_questionnaire_is_self_contained() {
        let inst = constructs::wave_instrument(Wave::Formation, &["PE", "T1"]);
        let html = questionnaire_html(&inst);
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
        assert_eq!(html.matches("type=\"radio\"").count(), 8 * 7);
    }
}
