//! SVG plots of a [`Summary`], written by hand: no fonts or system libraries are needed to make
//! them (viewers render the text with their own fonts).

use crate::summary::Summary;
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 400.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLOURS: [&str; 2] = ["#1f77b4", "#d62728"];

/// One line, optionally with a band, in data coordinates.
struct Series<'a> {
    label: &'a str,
    colour: &'a str,
    line: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
    step: bool,
}

struct Chart<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    x: (f64, f64),
    y: (f64, f64),
    series: Vec<Series<'a>>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Chart<'_> {
    fn sx(&self, x: f64) -> f64 {
        let span = (self.x.1 - self.x.0).max(1e-12);
        LEFT + (x - self.x.0) / span * (W - LEFT - RIGHT)
    }

    fn sy(&self, y: f64) -> f64 {
        let span = (self.y.1 - self.y.0).max(1e-12);
        H - BOTTOM - (y - self.y.0) / span * (H - TOP - BOTTOM)
    }

    fn render(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
            W / 2.0,
            esc(self.title)
        );
        for k in 0..=4 {
            let fy = self.y.0 + (self.y.1 - self.y.0) * f64::from(k) / 4.0;
            let fx = self.x.0 + (self.x.1 - self.x.0) * f64::from(k) / 4.0;
            let (py, px) = (self.sy(fy), self.sx(fx));
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{fy:.2}</text>"##,
                W - RIGHT,
                LEFT - 6.0,
                py + 4.0
            );
            let _ =
                writeln!(s, r#"<text x="{px:.1}" y="{:.1}" text-anchor="middle">{fx:.0}</text>"#, H - BOTTOM + 18.0);
        }
        let _ = writeln!(
            s,
            r#"<rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}" fill="none" stroke="black"/>"#,
            W - LEFT - RIGHT,
            H - TOP - BOTTOM
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            (LEFT + W - RIGHT) / 2.0,
            H - 12.0,
            esc(self.x_label)
        );
        let _ = writeln!(
            s,
            r#"<text x="16" y="{:.1}" text-anchor="middle" transform="rotate(-90 16 {:.1})">{}</text>"#,
            H / 2.0,
            H / 2.0,
            esc(self.y_label)
        );
        for (n, se) in self.series.iter().enumerate() {
            if !se.band.is_empty() {
                let mut d = String::new();
                for (x, lo, _) in &se.band {
                    let _ = write!(d, "{:.1},{:.1} ", self.sx(*x), self.sy(*lo));
                }
                for (x, _, hi) in se.band.iter().rev() {
                    let _ = write!(d, "{:.1},{:.1} ", self.sx(*x), self.sy(*hi));
                }
                let _ = writeln!(
                    s,
                    r#"<polygon points="{}" fill="{}" fill-opacity="0.2" stroke="none"/>"#,
                    d.trim_end(),
                    se.colour
                );
            }
            let mut d = String::new();
            let mut prev: Option<f64> = None;
            for (x, y) in &se.line {
                if let (true, Some(py)) = (se.step, prev) {
                    let _ = write!(d, "{:.1},{:.1} ", self.sx(*x), self.sy(py));
                }
                let _ = write!(d, "{:.1},{:.1} ", self.sx(*x), self.sy(*y));
                prev = Some(*y);
            }
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                d.trim_end(),
                se.colour
            );
            let ly = TOP + 16.0 + 16.0 * n as f64;
            let _ = writeln!(
                s,
                r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                W - RIGHT - 190.0,
                W - RIGHT - 170.0,
                se.colour,
                W - RIGHT - 165.0,
                ly + 4.0,
                esc(se.label)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

/// Trust trajectories: median per direction with a 10-90 % band over the running replications.
pub fn trust_svg(summary: &Summary) -> String {
    let series = (0..2)
        .map(|i| Series {
            label: summary.directions.get(i).map_or("", |d| d.direction.as_str()),
            colour: COLOURS[i],
            line: summary.bands.iter().map(|b| (f64::from(b.period), b.trust[i][1])).collect(),
            band: summary.bands.iter().map(|b| (f64::from(b.period), b.trust[i][0], b.trust[i][2])).collect(),
            step: false,
        })
        .collect();
    Chart {
        title: &format!("Trust: {} (median, 10-90 % band)", summary.scenario),
        x_label: "period",
        y_label: "trust",
        x: (0.0, f64::from(summary.periods)),
        y: (0.0, 1.0),
        series,
    }
    .render()
}

/// Cumulative learning balance (A minus B): median with a 10-90 % band.
pub fn learning_svg(summary: &Summary) -> String {
    let (lo, hi) = summary
        .bands
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), b| (lo.min(b.learning_balance[0]), hi.max(b.learning_balance[2])));
    let pad = ((hi - lo) * 0.05).max(0.01);
    let label = summary
        .directions
        .first()
        .and_then(|d| d.direction.split_once("->"))
        .map_or(String::new(), |(a, b)| format!("{a} minus {b}"));
    Chart {
        title: &format!("Learning balance: {}", summary.scenario),
        x_label: "period",
        y_label: "cumulative learning balance",
        x: (0.0, f64::from(summary.periods)),
        y: (lo - pad, hi + pad),
        series: vec![Series {
            label: &label,
            colour: COLOURS[0],
            line: summary.bands.iter().map(|b| (f64::from(b.period), b.learning_balance[1])).collect(),
            band: summary
                .bands
                .iter()
                .map(|b| (f64::from(b.period), b.learning_balance[0], b.learning_balance[2]))
                .collect(),
            step: false,
        }],
    }
    .render()
}

/// Survival curve: share of alliances still running after each period.
pub fn survival_svg(summary: &Summary) -> String {
    let mut line = vec![(0.0, 1.0)];
    line.extend(summary.survival_curve.iter().enumerate().map(|(t, s)| ((t + 1) as f64, *s)));
    Chart {
        title: &format!("Survival: {}", summary.scenario),
        x_label: "period",
        y_label: "share still running",
        x: (0.0, f64::from(summary.periods)),
        y: (0.0, 1.0),
        series: vec![Series { label: "running", colour: COLOURS[0], line, band: Vec::new(), step: true }],
    }
    .render()
}
