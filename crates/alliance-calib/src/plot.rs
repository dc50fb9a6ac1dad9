//! Plain SVG plots of observed against simulated statistics, written by hand (no fonts or
//! libraries needed): a dot plot per statistic across cells, and small multiples of
//! contribution by period.

use crate::validate::Band;
use std::fmt::Write as _;

const OBS: &str = "#111111";
const SIM: &str = "#1f6fb4";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn legend(svg: &mut String, x: f64, y: f64) {
    let _ = write!(
        svg,
        r#"<circle cx="{x}" cy="{y}" r="4" fill="{OBS}"/><text x="{}" y="{}" font-size="11">observed</text><rect x="{}" y="{}" width="8" height="8" fill="none" stroke="{SIM}" stroke-width="1.5"/><text x="{}" y="{}" font-size="11">simulated (mean, 5-95 % over replications)</text>"#,
        x + 8.0,
        y + 4.0,
        x + 76.0,
        y - 4.0,
        x + 90.0,
        y + 4.0
    );
}

/// One row of a dot plot: cell label, observed value, simulated band.
pub type DotRow = (String, Option<f64>, Option<Band>);

/// A dot plot of one statistic across treatment cells: observed (dots) against simulated
/// (squares with 5-95 % intervals). `y` is the axis range.
pub fn dot_svg(title: &str, rows: &[DotRow], y: (f64, f64)) -> String {
    let (w, h) = (720.0, 360.0);
    let (l, r, t, b) = (60.0, 20.0, 40.0, 80.0);
    let pw = w - l - r;
    let ph = h - t - b;
    let span = (y.1 - y.0).max(1e-12);
    let sy = |v: f64| t + ph * (1.0 - ((v - y.0) / span).clamp(0.0, 1.0));
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif"><rect width="{w}" height="{h}" fill="white"/><text x="{l}" y="22" font-size="14">{}</text>"#,
        esc(title)
    );
    for i in 0..=4 {
        let v = y.0 + span * f64::from(i) / 4.0;
        let yy = sy(v);
        let _ = write!(
            svg,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            l + pw,
            l - 6.0,
            yy + 3.0,
            trim(v)
        );
    }
    let n = rows.len().max(1) as f64;
    for (i, (label, obs, sim)) in rows.iter().enumerate() {
        let x = l + pw * (i as f64 + 0.5) / n;
        if let Some(s) = sim.filter(|s| s.mean.is_finite()) {
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{SIM}" stroke-width="1.5"/><rect x="{:.1}" y="{:.1}" width="8" height="8" fill="white" stroke="{SIM}" stroke-width="1.5"/>"#,
                x + 6.0,
                sy(s.lo),
                x + 6.0,
                sy(s.hi),
                x + 2.0,
                sy(s.mean) - 4.0
            );
        }
        if let Some(o) = obs.filter(|o| o.is_finite()) {
            let _ = write!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{OBS}"/>"#, x - 6.0, sy(o));
        }
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="end" transform="rotate(-35 {x:.1} {:.1})">{}</text>"#,
            t + ph + 14.0,
            t + ph + 14.0,
            esc(label)
        );
    }
    legend(&mut svg, l + 250.0, 18.0);
    svg.push_str("</svg>\n");
    svg
}

/// One panel of the by-period plot: cell label, observed and simulated contribution by period.
pub type PeriodPanel = (String, Vec<Option<f64>>, Vec<Option<Band>>);

/// Small multiples (four per row) of the contribution rate by period, observed against
/// simulated with its 5-95 % band: trust building early, decay or repair later.
pub fn periods_svg(title: &str, panels: &[PeriodPanel]) -> String {
    let cols = 4usize;
    let rows = panels.len().div_ceil(cols).max(1);
    let (pw, ph) = (220.0, 150.0);
    let (w, h) = (cols as f64 * pw + 20.0, rows as f64 * ph + 60.0);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif"><rect width="{w}" height="{h}" fill="white"/><text x="20" y="22" font-size="14">{}</text>"#,
        esc(title)
    );
    legend(&mut svg, 330.0, 18.0);
    for (k, (label, obs, sim)) in panels.iter().enumerate() {
        let ox = 20.0 + (k % cols) as f64 * pw;
        let oy = 40.0 + (k / cols) as f64 * ph;
        let (l, t, iw, ih) = (ox + 30.0, oy + 20.0, pw - 45.0, ph - 50.0);
        let n = obs.len().max(sim.len()).max(2);
        let sx = |i: usize| l + iw * i as f64 / (n - 1) as f64;
        let sy = |v: f64| t + ih * (1.0 - v.clamp(0.0, 1.0));
        let _ = write!(
            svg,
            r##"<text x="{l}" y="{}" font-size="11">{}</text><rect x="{l}" y="{t}" width="{iw}" height="{ih}" fill="none" stroke="#999999"/><text x="{}" y="{}" font-size="9" text-anchor="end">1</text><text x="{}" y="{}" font-size="9" text-anchor="end">0</text><text x="{l}" y="{}" font-size="9">1</text><text x="{}" y="{}" font-size="9" text-anchor="end">period {n}</text>"##,
            t - 5.0,
            esc(label),
            l - 3.0,
            t + 4.0,
            l - 3.0,
            t + ih,
            t + ih + 11.0,
            l + iw,
            t + ih + 11.0
        );
        // Band polygon over the periods the simulation reaches.
        let pts: Vec<(usize, Band)> = sim.iter().enumerate().filter_map(|(i, b)| b.map(|b| (i, b))).collect();
        if pts.len() > 1 {
            let mut poly = String::new();
            for (i, b) in &pts {
                let _ = write!(poly, "{:.1},{:.1} ", sx(*i), sy(b.hi));
            }
            for (i, b) in pts.iter().rev() {
                let _ = write!(poly, "{:.1},{:.1} ", sx(*i), sy(b.lo));
            }
            let _ = write!(svg, r#"<polygon points="{}" fill="{SIM}" fill-opacity="0.2" stroke="none"/>"#, poly.trim());
            let line: Vec<String> = pts.iter().map(|(i, b)| format!("{:.1},{:.1}", sx(*i), sy(b.mean))).collect();
            let _ =
                write!(svg, r#"<polyline points="{}" fill="none" stroke="{SIM}" stroke-width="1.5"/>"#, line.join(" "));
        }
        let line: Vec<String> =
            obs.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", sx(i), sy(v)))).collect();
        if line.len() > 1 {
            let _ =
                write!(svg, r#"<polyline points="{}" fill="none" stroke="{OBS}" stroke-width="1.2"/>"#, line.join(" "));
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_plot_places_observed_above_simulated_when_larger() {
        let band = Band { mean: 0.2, lo: 0.1, hi: 0.3 };
        let svg = dot_svg("t", &[("CG 2-player".into(), Some(0.8), Some(band))], (0.0, 1.0));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        let cy = |tag: &str, attr: &str| -> f64 {
            let at = svg.find(tag).unwrap();
            let rest = &svg[at..];
            let a = rest.find(attr).unwrap() + attr.len() + 2;
            rest[a..a + rest[a..].find('"').unwrap()].parse().unwrap()
        };
        // Plot area from y = 40 to 280 (SVG y grows downwards): 0.8 at 88, 0.2 at 232 (the
        // square's top edge 4 above).
        assert!((cy("<circle cx=\"", "cy") - 88.0).abs() < 0.05);
        assert!((cy("<rect x=\"", "y") - 228.0).abs() < 0.05);
    }

    #[test]
    fn period_panels_draw_both_lines() {
        let b = Some(Band { mean: 0.5, lo: 0.4, hi: 0.6 });
        let svg = periods_svg("t", &[("a".into(), vec![Some(0.9), Some(0.8)], vec![b, b])]);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<polygon").count(), 1);
    }
}
