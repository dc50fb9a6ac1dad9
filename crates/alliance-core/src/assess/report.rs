//! Reports of a diagnosis: plain text, JSON (the [`Diagnosis`] serialised) and a self-contained
//! HTML page with inline SVG charts (no scripts, no external files).

use super::answers::{GovernanceForm, RWG_ACCEPTABLE};
use super::diagnosis::{Diagnosis, Quadrant};
use super::rules::{GovernanceFit, Resolution};
use super::scoring::PartnerProfile;
use crate::instruments::dyad::Motive;
use std::fmt::Write;

fn fit_text(fit: Option<GovernanceFit>) -> &'static str {
    match fit {
        Some(GovernanceFit::Fits) => "fits",
        Some(GovernanceFit::OverIntegrated) => "over-integrated",
        Some(GovernanceFit::UnderIntegrated) => "under-integrated",
        None => "not assessed (P1 and P2 apply to matches)",
    }
}

fn forms(f: &[GovernanceForm]) -> String {
    if f.is_empty() {
        "none until the motives are settled".to_string()
    } else {
        f.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ")
    }
}

fn agreement_text(p: &PartnerProfile) -> String {
    if p.agreement.is_empty() {
        return "-".to_string();
    }
    let min = p.agreement.iter().min_by(|a, b| a.rwg.total_cmp(&b.rwg));
    match min {
        Some(m) => format!("min rwg {:.2} ({})", m.rwg, m.construct),
        None => "-".to_string(),
    }
}

fn missing_text(p: &PartnerProfile) -> String {
    if p.missing.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({})", p.missing.len(), p.missing.join(", "))
    }
}

/// An answer: integer when it is one, else one decimal (a mean over respondents).
fn answer(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// Plain-text report.
pub fn to_text(d: &Diagnosis) -> String {
    let [a, b] = &d.facts.profiles;
    let mut s = String::new();
    let _ = writeln!(s, "Entente alliance diagnostic: {} and {}", a.partner, b.partner);
    let _ = writeln!(s, "{}", "=".repeat(60));
    let shares = match (a.equity_share, b.equity_share) {
        (None, None) => String::new(),
        (x, y) => {
            let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.0}%", 100.0 * v));
            format!("; equity shares {} {}, {} {}", a.partner, pct(x), b.partner, pct(y))
        }
    };
    let _ = writeln!(s, "Governance: {} (integration {} of 4{shares})\n", d.facts.governance, d.facts.integration);
    let respondents = |p: &PartnerProfile| {
        let n = p.respondents;
        format!("{} ({n} respondent{})", p.source, if n == 1 { "" } else { "s" })
    };
    let intent = |p: &PartnerProfile| {
        format!(
            "{} (int {:.2}, acc {:.2}, sub {:.2})",
            p.intent.kind, p.intent.internalisation, p.intent.access, p.intent.substitution
        )
    };
    let rationale =
        |p: &PartnerProfile| format!("{} ({:.0}% economic)", p.rationale.dominant, 100.0 * p.rationale.economic_share);
    let mut rows: Vec<(String, String, String)> = vec![
        (String::new(), a.partner.clone(), b.partner.clone()),
        ("answers".into(), respondents(a), respondents(b)),
        (
            "exploitation-exploration E".into(),
            format!("{:+.2} ({})", a.index, a.stance),
            format!("{:+.2} ({})", b.index, b.stance),
        ),
        ("dominant rationale".into(), rationale(a), rationale(b)),
        ("environmental dynamism".into(), format!("{:.2}", a.dynamism), format!("{:.2}", b.dynamism)),
        ("intent".into(), intent(a), intent(b)),
        ("transparency (own)".into(), format!("{:.2}", a.transparency), format!("{:.2}", b.transparency)),
        ("receptivity".into(), format!("{:.2}", a.receptivity), format!("{:.2}", b.receptivity)),
        ("trust-building practices".into(), format!("{:.2}", a.trust_building), format!("{:.2}", b.trust_building)),
        ("learning potential L".into(), format!("{:.2}", d.facts.learning[0]), format!("{:.2}", d.facts.learning[1])),
        ("inter-rater agreement".into(), agreement_text(a), agreement_text(b)),
        ("motives (importance, index)".into(), String::new(), String::new()),
    ];
    for m in Motive::ALL {
        let cell = |p: &PartnerProfile| {
            p.motives
                .iter()
                .find(|x| x.motive == m)
                .map_or("not scored".to_string(), |x| format!("imp {}, {:+.2}", answer(x.importance), x.index))
        };
        rows.push((format!("  {} {}", m.code(), m.name()), cell(a), cell(b)));
    }
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0) + 2;
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0) + 2;
    for (label, x, y) in &rows {
        let line = format!("{label:<w0$}{x:<w1$}{y}");
        let _ = writeln!(s, "{}", line.trim_end());
    }
    let _ = writeln!(s, "missing answers: {}: {}; {}: {}", a.partner, missing_text(a), b.partner, missing_text(b));
    let _ = writeln!(s, "(index: -1 exploitation .. +1 exploration; scores 0-1)");

    let _ = writeln!(s, "\nDiagnosis");
    let _ = writeln!(s, "  quadrant: {}", d.facts.quadrant);
    if let Quadrant::Mismatch { explorer } = d.facts.quadrant {
        let _ = writeln!(s, "  explorer: {}", d.facts.profiles[explorer].partner);
    }
    let _ = writeln!(
        s,
        "  match score: {:.2}{}",
        d.facts.match_score,
        if d.borderline { " (borderline: too close to call)" } else { "" }
    );
    let _ = writeln!(s, "  dyad rationale: {:.0}% economic", 100.0 * d.facts.economic_share);
    if let Some(r) = d.resolution {
        let _ = writeln!(s, "  predicted resolution: {r}, lag {}", d.lag.map_or("-".to_string(), |l| l.to_string()));
    }
    let _ = writeln!(
        s,
        "  governance fit (P1, P2): {}; fitting forms: {}",
        fit_text(d.governance_fit),
        forms(&d.fitting_forms)
    );
    let _ = writeln!(s, "  predisposition to failure (P3): {}", d.failure);
    let _ = writeln!(s, "  expected performance (P4, P6): {}", d.performance);
    let _ = writeln!(s, "  expected dyadic learning (P5): {}", d.learning);
    let _ = writeln!(
        s,
        "  environmental dynamism (P6): {:.2}; competency-trap warning: {}",
        d.facts.dynamism,
        if d.competency_trap { "yes" } else { "no" }
    );
    let _ = writeln!(
        s,
        "  learning race: faster learner {}; dependency-spiral risk for the slower learner: {}",
        d.learning_balance.faster.as_deref().unwrap_or("none (balanced)"),
        d.learning_balance.spiral_risk
    );
    for p in [a, b] {
        for g in p.agreement.iter().filter(|g| g.rwg < RWG_ACCEPTABLE) {
            let _ = writeln!(
                s,
                "  note: low agreement among {}'s respondents on {} (rwg {:.2})",
                p.partner, g.construct, g.rwg
            );
        }
    }
    let _ = writeln!(s, "\nFindings and recommendations");
    for (k, f) in d.findings.iter().enumerate() {
        let _ = writeln!(s, "{:>2}. [{} | {}] {}", k + 1, f.rule, f.basis, f.finding);
        let _ = writeln!(s, "    -> {}", f.recommendation);
    }
    s
}

/// Escape text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The exploitation-exploration plane: x = first partner's index, y = second's.
fn plane_svg(d: &Diagnosis) -> String {
    let [a, b] = &d.facts.profiles;
    let (size, pad) = (320.0, 40.0);
    let to_x = |e: f64| pad + (e + 1.0) / 2.0 * size;
    let to_y = |e: f64| pad + (1.0 - e) / 2.0 * size;
    let mid = pad + size / 2.0;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {w}" width="{w}" height="{w}" role="img" aria-label="exploitation-exploration plane">"##,
        w = size + 2.0 * pad
    );
    let cells = [
        (pad, mid, "#dbe9f6", "economies of knowledge"),
        (mid, pad, "#dcf0dc", "synergies of knowledge"),
        (pad, pad, "#f8e1d8", "mismatch"),
        (mid, mid, "#f8e1d8", "mismatch"),
    ];
    for (x, y, fill, label) in cells {
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{h}" height="{h}" fill="{fill}"/><text x="{tx}" y="{ty}" font-size="12" text-anchor="middle" fill="#555">{label}</text>"##,
            h = size / 2.0,
            tx = x + size / 4.0,
            ty = y + 18.0
        );
    }
    let band = 0.15 * size / 2.0;
    let _ = write!(
        s,
        r##"<rect x="{bx}" y="{pad}" width="{bw}" height="{size}" fill="#999" opacity="0.15"/><rect x="{pad}" y="{bx}" width="{size}" height="{bw}" fill="#999" opacity="0.15"/>"##,
        bx = mid - band,
        bw = 2.0 * band
    );
    let _ = write!(
        s,
        r##"<line x1="{pad}" y1="{mid}" x2="{e}" y2="{mid}" stroke="#333"/><line x1="{mid}" y1="{pad}" x2="{mid}" y2="{e}" stroke="#333"/>"##,
        e = pad + size
    );
    let _ = write!(
        s,
        r##"<text x="{mid}" y="{yb}" font-size="12" text-anchor="middle">{an}: exploitation &#8592; E &#8594; exploration</text><text x="14" y="{mid}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {mid})">{bn}: exploitation &#8592; E &#8594; exploration</text>"##,
        yb = size + 2.0 * pad - 10.0,
        an = esc(&a.partner),
        bn = esc(&b.partner)
    );
    let (px, py) = (to_x(a.index), to_y(b.index));
    // an arrow from the dyad toward the centre of the quadrant a mismatch is predicted to reach
    let target = match d.resolution {
        Some(Resolution::TowardEconomies) => Some((-0.5, -0.5)),
        Some(Resolution::TowardSynergies) => Some((0.5, 0.5)),
        _ => None,
    };
    if let Some((tx, ty)) = target {
        let _ = write!(
            s,
            r##"<defs><marker id="head" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 Z" fill="#c62828"/></marker></defs><line x1="{px:.1}" y1="{py:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#c62828" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#head)"/>"##,
            x2 = to_x(tx),
            y2 = to_y(ty)
        );
    }
    let _ = write!(
        s,
        r##"<text x="{lx:.1}" y="{ly:.1}" font-size="12" fill="#1f4e79">({ea:+.2}, {eb:+.2})</text>"##,
        lx = px + 10.0,
        ly = py - 10.0,
        ea = a.index,
        eb = b.index
    );
    let _ = write!(
        s,
        r##"<line x1="{px}" y1="{py}" x2="{px}" y2="{e}" stroke="#1f4e79" stroke-dasharray="3 3"/><line x1="{pad}" y1="{py}" x2="{px}" y2="{py}" stroke="#1f4e79" stroke-dasharray="3 3"/><circle cx="{px:.1}" cy="{py:.1}" r="7" fill="#1f4e79"><title>{an} {ea:+.2}, {bn} {eb:+.2}</title></circle></svg>"##,
        e = pad + size,
        an = esc(&a.partner),
        bn = esc(&b.partner),
        ea = a.index,
        eb = b.index
    );
    s
}

fn bars_svg(labels: &[(String, f64)], title: &str) -> String {
    let (w, left, bar, gap) = (460.0, 190.0, 22.0, 10.0);
    let h = 30.0 + labels.len() as f64 * (bar + gap);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}"><text x="0" y="14" font-size="12">{t}</text>"##,
        t = esc(title)
    );
    for (k, (label, v)) in labels.iter().enumerate() {
        let y = 24.0 + k as f64 * (bar + gap);
        let len = (w - left - 50.0) * v.clamp(0.0, 1.0);
        let _ = write!(
            s,
            r##"<text x="{tx}" y="{ty}" font-size="12" text-anchor="end">{l}</text><rect x="{left}" y="{y}" width="{len:.1}" height="{bar}" fill="#2e7d32"/><text x="{vx:.1}" y="{ty}" font-size="12">{v:.2}</text>"##,
            tx = left - 6.0,
            ty = y + 15.0,
            l = esc(label),
            vx = left + len + 4.0
        );
    }
    s.push_str("</svg>");
    s
}

fn governance_svg(d: &Diagnosis) -> String {
    let (w, left, step) = (520.0, 50.0, 140.0);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} 110" width="{w}" height="110" role="img" aria-label="governance continuum"><line x1="{left}" y1="50" x2="{r}" y2="50" stroke="#333" stroke-width="2"/>"##,
        r = left + 3.0 * step
    );
    for (k, g) in GovernanceForm::ALL.iter().enumerate() {
        let x = left + k as f64 * step;
        let fits = d.fitting_forms.contains(g);
        let actual = *g == d.facts.governance;
        let fill = if fits { "#2e7d32" } else { "#bbb" };
        let _ = write!(
            s,
            r##"<circle cx="{x}" cy="50" r="9" fill="{fill}"/><text x="{x}" y="80" font-size="12" text-anchor="middle">{g}</text>"##
        );
        if actual {
            let _ = write!(
                s,
                r##"<path d="M {x0} 18 L {x1} 18 L {x} 34 Z" fill="#c62828"/><text x="{x}" y="12" font-size="11" text-anchor="middle">actual</text>"##,
                x0 = x - 8.0,
                x1 = x + 8.0
            );
        }
    }
    let _ = write!(
        s,
        r##"<text x="{left}" y="104" font-size="11" fill="#2e7d32">green: fits the {} quadrant</text></svg>"##,
        if d.facts.quadrant.is_match() { "diagnosed" } else { "expected" }
    );
    s
}

/// Self-contained HTML report with inline SVG charts: the exploitation-exploration plane with
/// the quadrants, motive indices, the learning balance and the governance continuum (actual
/// versus fitting form).
pub fn to_html(d: &Diagnosis) -> String {
    let [a, b] = &d.facts.profiles;
    let title = format!("Entente alliance diagnostic: {} and {}", a.partner, b.partner);
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}.charts{{display:flex;flex-wrap:wrap;gap:2em}}pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}</style></head><body><h1>{t}</h1>",
        t = esc(&title)
    );
    let _ = write!(
        s,
        "<p><b>Quadrant:</b> {}. <b>Match score:</b> {:.2}{}.</p>",
        esc(&d.facts.quadrant.to_string()),
        d.facts.match_score,
        if d.borderline { " (borderline)" } else { "" }
    );
    if let Some(r) = d.resolution {
        let _ =
            write!(s, "<p><b>Predicted resolution:</b> {r}, lag {}.</p>", d.lag.map_or("-".into(), |l| l.to_string()));
    }
    s.push_str("<div class=\"charts\"><figure>");
    s.push_str(&plane_svg(d));
    s.push_str("<figcaption>Both partners on the exploitation-exploration plane (grey bands: borderline; red arrow: predicted resolution).</figcaption></figure><figure>");
    s.push_str(&bars_svg(
        &[
            (format!("{} learns", a.partner), d.facts.learning[0]),
            (format!("{} learns", b.partner), d.facts.learning[1]),
        ],
        "Learning balance: L = intent x receptivity x partner transparency",
    ));
    s.push_str("<figcaption>Learning potentials (0-1).</figcaption></figure><figure>");
    s.push_str(&governance_svg(d));
    s.push_str("<figcaption>Governance continuum: actual form (triangle) and fitting forms (green).</figcaption></figure><figure>");
    let mut motive_bars = Vec::new();
    for p in [a, b] {
        for m in &p.motives {
            motive_bars.push((format!("{} {}", p.partner, m.motive.code()), (m.index + 1.0) / 2.0));
        }
    }
    s.push_str(&bars_svg(&motive_bars, "Motive placement: 0 exploitation .. 1 exploration"));
    s.push_str("<figcaption>Motive indices rescaled to 0-1.</figcaption></figure></div>");
    s.push_str("<h2>Findings and recommendations</h2><table><tr><th>rule</th><th>basis</th><th>finding</th><th>recommendation</th></tr>");
    for f in &d.findings {
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.rule),
            esc(&f.basis),
            esc(&f.finding),
            esc(&f.recommendation)
        );
    }
    s.push_str("</table><h2>Full text report</h2><pre>");
    s.push_str(&esc(&to_text(d)));
    s.push_str("</pre></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_in_names() {
        assert_eq!(esc("<b>A&B</b> \"x\""), "&lt;b&gt;A&amp;B&lt;/b&gt; &quot;x&quot;");
    }

    #[test]
    fn answers_print_as_integers_or_means() {
        assert_eq!(answer(5.0), "5");
        assert_eq!(answer(5.25), "5.2");
    }

    #[test]
    fn governance_fit_wording() {
        assert_eq!(fit_text(Some(GovernanceFit::OverIntegrated)), "over-integrated");
        assert!(fit_text(None).contains("P1 and P2"));
        assert_eq!(forms(&[GovernanceForm::Licensing, GovernanceForm::EquityJv]), "licensing, equity JV");
    }
}
