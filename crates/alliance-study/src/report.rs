//! The study report: one self-contained HTML file (inline CSS and SVG, no scripts, no external
//! resources) with a path diagram of the fitted full-mediation model, the same content as
//! Markdown, and JSON of [`StudyReport`].
//!
//! In the diagram each arrow carries the standardised coefficient (`std.all`); paths
//! significant at `alpha` are solid, the others dashed; negative paths are drawn in red.

use crate::analysis::{StudyReport, Verdict};
use crate::init::esc;
use crate::screen::fmt_p;
use std::fmt::Write as _;

fn f2(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "NA".into()
    }
}

fn f3(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "NA".into()
    }
}

/// JSON of the report (NaN as `null`).
pub fn to_json(r: &StudyReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|_| "{}".into()) + "\n"
}

fn position(id: &str) -> Option<(f64, f64)> {
    Some(match id {
        "PE" => (80.0, 50.0),
        "TR" => (80.0, 120.0),
        "RE" => (80.0, 190.0),
        "RO" => (80.0, 290.0),
        "PR" => (80.0, 360.0),
        "ID" => (80.0, 430.0),
        "LO" => (80.0, 500.0),
        "CD" => (80.0, 570.0),
        "T1" => (360.0, 120.0),
        "T2" => (360.0, 430.0),
        "LE" => (620.0, 280.0),
        _ => return None,
    })
}

/// SVG path diagram of the full-mediation model.
pub fn diagram(r: &StudyReport) -> String {
    let (rx, ry) = (46.0, 22.0);
    let mut s = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 700 620\" width=\"700\" height=\"620\" role=\"img\" aria-label=\"Path diagram of the full-mediation model\">\n\
<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n",
    );
    let edge = |(x, y): (f64, f64), (tx, ty): (f64, f64)| -> (f64, f64) {
        // point on the ellipse around (x, y) towards (tx, ty)
        let (dx, dy) = (tx - x, ty - y);
        let t = 1.0 / ((dx / rx).powi(2) + (dy / ry).powi(2)).sqrt();
        (x + dx * t, y + dy * t)
    };
    for p in &r.paths {
        let (Some(a), Some(b)) = (position(&p.from), position(&p.to)) else { continue };
        let (x1, y1) = edge(a, b);
        let (x2, y2) = edge(b, a);
        let sig = p.pvalue < r.alpha;
        let colour = if p.std < 0.0 { "#b22222" } else { "#1f3b73" };
        let dash = if sig { "" } else { " stroke-dasharray=\"6 4\"" };
        let _ = writeln!(
            s,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"{}\"{dash} marker-end=\"url(#arr)\"><title>{} -> {}: std {} (p {})</title></line>",
            if sig { 2.0 } else { 1.3 },
            p.from,
            p.to,
            f2(p.std),
            fmt_p(p.pvalue)
        );
        let (mx, my) = (x1 + (x2 - x1) * 0.55, y1 + (y2 - y1) * 0.55);
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"40\" height=\"16\" fill=\"#fff\" opacity=\"0.9\"/><text x=\"{mx:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{colour}\">{}{}</text>",
            mx - 20.0,
            my - 11.0,
            my + 1.0,
            f2(p.std),
            if sig { "*" } else { "" }
        );
    }
    let mut ids: Vec<&str> = r.paths.iter().flat_map(|p| [p.from.as_str(), p.to.as_str()]).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let Some((x, y)) = position(id) else { continue };
        let fill = if ["T1", "T2", "LE"].contains(&id) { "#e8eef8" } else { "#f6f6f6" };
        let _ = writeln!(
            s,
            "<ellipse cx=\"{x}\" cy=\"{y}\" rx=\"{rx}\" ry=\"{ry}\" fill=\"{fill}\" stroke=\"#333\"/><text x=\"{x}\" y=\"{:.1}\" font-size=\"14\" text-anchor=\"middle\" font-weight=\"bold\">{id}</text>",
            y + 5.0
        );
    }
    s.push_str("<text x=\"10\" y=\"612\" font-size=\"11\" fill=\"#555\">Standardised coefficients; * and solid: p &lt; alpha; dashed: not significant; red: negative.</text>\n</svg>\n");
    s
}

/// Tables shared by HTML and Markdown: `(title, header, rows, note)`.
type Table = (String, Vec<String>, Vec<Vec<String>>, String);

fn tables(r: &StudyReport) -> Vec<Table> {
    let mut t: Vec<Table> = Vec::new();
    let sc = &r.screening;
    let mut rows = vec![
        vec!["respondents".into(), sc.missing.rows.to_string()],
        vec!["complete cases".into(), sc.missing.complete.to_string()],
        vec!["missing-data patterns".into(), sc.missing.patterns.to_string()],
        vec!["reverse-keyed items recoded".into(), sc.reversed.join(", ")],
        vec![
            "out-of-range answers set missing".into(),
            sc.out_of_range.iter().map(|(i, n)| format!("{i}: {n}")).collect::<Vec<_>>().join(", "),
        ],
        vec!["item columns missing".into(), sc.missing_columns.join(", ")],
    ];
    if let Some(m) = &sc.mardia {
        rows.push(vec![
            "Mardia skewness".into(),
            format!(
                "b1p = {:.2}, chi-square = {:.1}, df = {:.0}, p {}",
                m.skewness,
                m.skew_chisq,
                m.skew_df,
                fmt_p(m.skew_p)
            ),
        ]);
        rows.push(vec![
            "Mardia kurtosis".into(),
            format!("b2p = {:.2}, z = {:.2}, p {}", m.kurtosis, m.kurt_z, fmt_p(m.kurt_p)),
        ]);
    }
    rows.push(vec!["estimator".into(), sc.estimator.clone()]);
    t.push(("Data screening".into(), vec!["check".into(), "result".into()], rows, r.estimator.clone()));

    let fit_header: Vec<String> =
        ["model", "chi-square", "df", "p", "scaled chi-square", "CFI", "TLI", "RMSEA", "SRMR", "AIC", "BIC"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let fit_row = |m: &crate::analysis::ModelFit| -> Vec<String> {
        vec![
            m.name.clone(),
            f2(m.chisq),
            format!("{}", m.df),
            fmt_p(m.pvalue),
            f2(m.chisq_scaled),
            f3(m.cfi),
            f3(m.tli),
            f3(m.rmsea),
            f3(m.srmr),
            f2(m.aic),
            f2(m.bic),
        ]
    };
    if let Some(c) = &r.cfa {
        t.push(("CFA fit".into(), fit_header.clone(), vec![fit_row(&c.fit)], String::new()));
        t.push((
            "CFA loadings".into(),
            ["factor", "item", "estimate", "standardised", "p", "flag"].iter().map(|s| s.to_string()).collect(),
            c.loadings
                .iter()
                .map(|l| {
                    vec![
                        l.factor.clone(),
                        l.item.clone(),
                        f3(l.est),
                        f3(l.std),
                        fmt_p(l.pvalue),
                        if l.weak { "weak".into() } else { String::new() },
                    ]
                })
                .collect(),
            format!("Items with standardised loadings below {} are flagged weak.", crate::analysis::WEAK_LOADING),
        ));
        t.push((
            "Reliability and validity".into(),
            ["factor", "alpha", "CR (omega)", "AVE", "Fornell-Larcker"].iter().map(|s| s.to_string()).collect(),
            c.quality
                .iter()
                .map(|q| {
                    vec![
                        q.factor.clone(),
                        f3(q.alpha),
                        f3(q.cr),
                        f3(q.ave),
                        if q.fornell_larcker { "met".into() } else { "not met".into() },
                    ]
                })
                .collect(),
            c.flags.join(" "),
        ));
        let mut hrows = Vec::new();
        for (a, name) in c.factors.iter().enumerate() {
            let mut row = vec![name.clone()];
            for b in 0..c.factors.len() {
                row.push(if b < a {
                    f2(c.htmt[a][b])
                } else if a == b {
                    "-".into()
                } else {
                    f2(c.cor_lv[a][b])
                });
            }
            hrows.push(row);
        }
        let mut hh = vec![String::new()];
        hh.extend(c.factors.iter().cloned());
        t.push((
            "HTMT (below the diagonal) and factor correlations (above)".into(),
            hh,
            hrows,
            format!("HTMT at or above {} suggests two constructs are not distinct.", sem::quality::HTMT_MAX),
        ));
    }
    if !r.competing.is_empty() {
        let mut note = r.mediation_verdict.clone();
        for (a, b, d, df, p) in &r.lrt {
            let _ = write!(note, " LRT `{a}` vs `{b}`: chi-square difference {d:.2}, df {df}, p {}.", fmt_p(*p));
        }
        t.push((
            "Full mediation and competing models".into(),
            fit_header,
            r.competing.iter().map(fit_row).collect(),
            note,
        ));
    }
    t.push((
        "Propositions P1-P9".into(),
        ["proposition", "path", "expected", "estimate", "std.", "95% CI", "p", "verdict"].iter().map(|s| s.to_string()).collect(),
        r.propositions
            .iter()
            .map(|p| {
                vec![
                    p.proposition.clone(),
                    format!("{} -> {}", p.from, p.to),
                    p.expected.clone(),
                    f3(p.est),
                    f3(p.std),
                    format!("[{}, {}]", f3(p.ci_lower), f3(p.ci_upper)),
                    fmt_p(p.pvalue),
                    p.verdict.words().into(),
                ]
            })
            .collect(),
        format!("Verdicts at alpha = {}: supported (expected sign, significant), opposite sign (significant, other sign), not significant, not tested (construct missing).", r.alpha),
    ));
    t.push((
        "Indirect effects on learning".into(),
        ["antecedent", "through", "estimate", "std.", "bootstrap 95% CI", "bias-corrected CI", "verdict"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        r.indirect
            .iter()
            .map(|i| {
                vec![
                    i.from.clone(),
                    i.expression.clone(),
                    f3(i.est),
                    f3(i.std),
                    format!("[{}, {}]", f3(i.boot_ci.0), f3(i.boot_ci.1)),
                    format!("[{}, {}]", f3(i.bca_ci.0), f3(i.bca_ci.1)),
                    if i.significant { "mediated".into() } else { "no indirect effect".into() },
                ]
            })
            .collect(),
        format!("Percentile intervals from {} bootstrap draws ({} converged).", r.bootstrap.0, r.bootstrap.1),
    ));
    if !r.moderators.is_empty() {
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        for m in &r.moderators {
            let inter = m
                .interaction
                .map(|(e, s, p)| format!("{} (std {}, p {})", f3(e), f3(s), fmt_p(p)))
                .unwrap_or_else(|| "NA".into());
            if m.tests.is_empty() {
                rows.push(vec![format!("{} {}", m.id, m.name), "-".into(), "-".into(), "-".into(), inter.clone()]);
            }
            for g in &m.tests {
                rows.push(vec![
                    format!("{} {}", m.id, m.name),
                    g.paths.clone(),
                    format!("{:.2} (df {})", g.chisq_diff, g.df_diff),
                    fmt_p(g.pvalue),
                    inter.clone(),
                ]);
            }
            let sizes: Vec<String> = m.group_sizes.iter().map(|(g, n)| format!("{g} = {n}")).collect();
            notes.push(format!("{}: {} ({}); estimator {}.", m.id, m.grouping, sizes.join(", "), m.estimator));
            notes.extend(m.notes.iter().cloned());
        }
        t.push((
            "Moderators".into(),
            ["moderator", "paths held equal", "chi-square difference", "p", "latent interaction T2 x M -> LE"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
            notes.join(" "),
        ));
    }
    if !r.longitudinal.is_empty() {
        t.push((
            "Longitudinal invariance of trust (wave 1 vs wave 2)".into(),
            ["step", "chi-square", "df", "CFI", "RMSEA", "difference", "delta CFI", "verdict"].iter().map(|s| s.to_string()).collect(),
            r.longitudinal
                .iter()
                .map(|l| {
                    vec![
                        l.step.clone(),
                        f2(l.fit.chisq),
                        format!("{}", l.fit.df),
                        f3(l.fit.cfi),
                        f3(l.fit.rmsea),
                        l.diff.map(|(d, df, p)| format!("{d:.2} (df {df}), p {}", fmt_p(p))).unwrap_or_default(),
                        l.delta_cfi.map(f3).unwrap_or_default(),
                        l.verdict.clone(),
                    ]
                })
                .collect(),
            "Item residuals of the same item are correlated across waves; scalar invariance frees the wave-2 latent mean.".into(),
        ));
    }
    t
}

/// Verdicts in plain words.
pub fn summary_lines(r: &StudyReport) -> Vec<String> {
    let mut out = Vec::new();
    for p in &r.propositions {
        let what = match p.verdict {
            Verdict::Supported => format!(
                "is supported: {} -> {} is {} as expected (std {}, p {})",
                p.from,
                p.to,
                if p.expected == "+" { "positive" } else { "negative" },
                f2(p.std),
                fmt_p(p.pvalue)
            ),
            Verdict::OppositeSign => format!(
                "is contradicted: {} -> {} is significant with the opposite sign (std {}, p {})",
                p.from,
                p.to,
                f2(p.std),
                fmt_p(p.pvalue)
            ),
            Verdict::NotSignificant => {
                format!(
                    "is not supported: {} -> {} is not significant (std {}, p {})",
                    p.from,
                    p.to,
                    f2(p.std),
                    fmt_p(p.pvalue)
                )
            }
            Verdict::NotTested => format!("is not tested: {} or {} is not measured", p.from, p.to),
        };
        out.push(format!("{} ({}) {what}.", p.proposition, p.statement.trim_end_matches('.')));
    }
    out.push(r.mediation_verdict.clone());
    out
}

/// The report as Markdown.
pub fn to_markdown(r: &StudyReport) -> String {
    let mut s = format!("# {}\n\nData: {}. {}\n\n## Verdicts\n\n", r.title, r.data_source, r.estimator);
    for l in summary_lines(r) {
        let _ = writeln!(s, "- {l}");
    }
    if !r.screening.notes.is_empty() || !r.problems.is_empty() {
        s.push_str("\n## Notes\n\n");
        for n in r.screening.notes.iter().chain(&r.problems) {
            let _ = writeln!(s, "- {n}");
        }
    }
    for (title, header, rows, note) in tables(r) {
        let _ = write!(s, "\n## {title}\n\n| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
        for row in rows {
            let _ = writeln!(s, "| {} |", row.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | "));
        }
        if !note.is_empty() {
            let _ = write!(s, "\n{note}\n");
        }
    }
    s
}

/// The report as one self-contained HTML page.
pub fn to_html(r: &StudyReport) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
body{{font-family:system-ui,sans-serif;max-width:70em;margin:1.5em auto;color:#222;padding:0 1em}}\
table{{border-collapse:collapse;margin:.5em 0 1.2em}}td,th{{border:1px solid #ccc;padding:.25em .5em;font-size:.85em}}\
th{{background:#f0f3f8}}h2{{border-bottom:2px solid #1f3b73;padding-bottom:.2em}}.note{{color:#444;font-size:.9em}}\
.supported{{color:#1b6e20;font-weight:bold}}.opposite_sign{{color:#b22222;font-weight:bold}}.not_significant{{color:#777}}\
</style></head><body>\n<h1>{t}</h1>\n<p>Data: {d}. {e}</p>\n<h2>Verdicts</h2>\n<ul>\n",
        t = esc(&r.title),
        d = esc(&r.data_source),
        e = esc(&r.estimator)
    );
    for l in summary_lines(r) {
        let _ = writeln!(s, "<li>{}</li>", esc(&l));
    }
    s.push_str("</ul>\n<h2>Path diagram (full mediation)</h2>\n");
    s.push_str(&diagram(r));
    if !r.screening.notes.is_empty() || !r.problems.is_empty() {
        s.push_str("<h2>Notes</h2>\n<ul>\n");
        for n in r.screening.notes.iter().chain(&r.problems) {
            let _ = writeln!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul>\n");
    }
    for (title, header, rows, note) in tables(r) {
        let _ = write!(s, "<h2>{}</h2>\n<table><tr>", esc(&title));
        for h in &header {
            let _ = write!(s, "<th>{}</th>", esc(h));
        }
        s.push_str("</tr>\n");
        for row in rows {
            s.push_str("<tr>");
            for c in row {
                let class = match c.as_str() {
                    "supported" => " class=\"supported\"",
                    "opposite sign" => " class=\"opposite_sign\"",
                    "not significant" => " class=\"not_significant\"",
                    _ => "",
                };
                let _ = write!(s, "<td{class}>{}</td>", esc(&c));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
        if !note.is_empty() {
            let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(&note));
        }
    }
    s.push_str("<p class=\"note\">Made by <code>entente study run</code>. Every SEM number can be reproduced with <code>entente fit</code> on the model files and <code>analysis_data.csv</code> next to this report.</p>\n</body></html>\n");
    s
}
