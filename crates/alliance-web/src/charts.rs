//! Server-rendered SVG charts (no JavaScript): the quadrant chart, trust in each direction
//! across waves, and the learning balance. Colours come from presentation attributes, as the
//! content-security policy forbids inline styles; every chart has a `<title>` and a text
//! equivalent next to it on the page.

use maud::{html, Markup};

const BLUE: &str = "#1f5fa8";
const ORANGE: &str = "#b0500b";
const GREY: &str = "#5a5a5a";

/// One position of the dyad: overall indices of A and B (-1 exploitation .. +1 exploration).
#[derive(Debug, Clone)]
pub struct QuadrantPoint {
    /// Label (wave).
    pub label: String,
    /// Partner A's index.
    pub a: f64,
    /// Partner B's index.
    pub b: f64,
}

/// Map a value in [lo, hi] to pixels in [p0, p1].
fn scale(v: f64, lo: f64, hi: f64, p0: f64, p1: f64) -> f64 {
    let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    p0 + t * (p1 - p0)
}

/// The quadrant chart: A's index across, B's up; the four cells labelled; the dyad's path over
/// the waves, the latest position drawn larger.
pub fn quadrant(firm_a: &str, firm_b: &str, points: &[QuadrantPoint]) -> Markup {
    let (size, pad) = (360.0, 40.0);
    let x = |v: f64| scale(v, -1.0, 1.0, pad, size - pad);
    let y = |v: f64| scale(v, -1.0, 1.0, size - pad, pad);
    let path: String = points.iter().map(|p| format!("{:.1},{:.1}", x(p.a), y(p.b))).collect::<Vec<_>>().join(" ");
    html! {
        svg class="chart" role="img" aria-labelledby="quadrant-title" viewBox=(format!("0 0 {size} {size}")) width=(size) height=(size) xmlns="http://www.w3.org/2000/svg" {
            title id="quadrant-title" { "Quadrant chart: " (firm_a) " across, " (firm_b) " up; left and down is exploitation, right and up exploration." }
            rect x=(pad) y=(pad) width=(size - 2.0 * pad) height=(size - 2.0 * pad) fill="#ffffff" stroke=(GREY) {}
            line x1=(x(0.0)) y1=(pad) x2=(x(0.0)) y2=(size - pad) stroke=(GREY) stroke-dasharray="4 3" {}
            line x1=(pad) y1=(y(0.0)) x2=(size - pad) y2=(y(0.0)) stroke=(GREY) stroke-dasharray="4 3" {}
            text x=(x(-0.5)) y=(y(-0.9)) text-anchor="middle" font-size="12" fill=(GREY) { "economies of knowledge" }
            text x=(x(0.5)) y=(y(0.9)) text-anchor="middle" font-size="12" fill=(GREY) { "synergies of knowledge" }
            text x=(x(-0.5)) y=(y(0.9)) text-anchor="middle" font-size="12" fill=(GREY) { "mismatch" }
            text x=(x(0.5)) y=(y(-0.9)) text-anchor="middle" font-size="12" fill=(GREY) { "mismatch" }
            text x=(size / 2.0) y=(size - 10.0) text-anchor="middle" font-size="12" { (firm_a) ": exploitation - exploration" }
            text x="14" y=(size / 2.0) text-anchor="middle" font-size="12" transform=(format!("rotate(-90 14 {})", size / 2.0)) { (firm_b) ": exploitation - exploration" }
            @if points.len() > 1 {
                polyline points=(path) fill="none" stroke=(BLUE) stroke-width="1.5" {}
            }
            @for (k, p) in points.iter().enumerate() {
                @let last = k + 1 == points.len();
                circle cx=(format!("{:.1}", x(p.a))) cy=(format!("{:.1}", y(p.b))) r=(if last { 7 } else { 4 }) fill=(if last { ORANGE } else { BLUE }) {}
                text x=(format!("{:.1}", x(p.a) + 9.0)) y=(format!("{:.1}", y(p.b) - 6.0)) font-size="11" { (p.label) }
            }
        }
    }
}

/// Trust in each direction across waves (0-1): one line per partner; waves without enough
/// answers leave a gap.
pub fn trust_lines(firm_a: &str, firm_b: &str, waves: &[(i64, [Option<f64>; 2])]) -> Markup {
    let (w, h, pad) = (480.0, 240.0, 40.0);
    let n = waves.len().max(2) as f64;
    let x = |k: usize| scale(k as f64, 0.0, n - 1.0, pad, w - pad);
    let y = |v: f64| scale(v, 0.0, 1.0, h - pad, pad / 2.0);
    let series = |side: usize| -> Vec<(f64, f64)> {
        waves.iter().enumerate().filter_map(|(k, (_, t))| t[side].map(|v| (x(k), y(v)))).collect()
    };
    let names = [format!("{firm_a} trusts {firm_b}"), format!("{firm_b} trusts {firm_a}")];
    html! {
        svg class="chart" role="img" aria-labelledby="trust-title" viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id="trust-title" { "Trust in each direction across waves, 0 (none) to 1 (full)." }
            @for tick in [0.0, 0.5, 1.0] {
                line x1=(pad) y1=(y(tick)) x2=(w - pad) y2=(y(tick)) stroke="#dddddd" {}
                text x=(pad - 6.0) y=(y(tick) + 4.0) text-anchor="end" font-size="11" { (format!("{tick:.1}")) }
            }
            @for (k, (number, _)) in waves.iter().enumerate() {
                text x=(x(k)) y=(h - pad + 16.0) text-anchor="middle" font-size="11" { "wave " (number) }
            }
            @for (side, colour) in [(0, BLUE), (1, ORANGE)] {
                @let pts = series(side);
                @if pts.len() > 1 {
                    polyline points=(pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect::<Vec<_>>().join(" ")) fill="none" stroke=(colour) stroke-width="2" {}
                }
                @for (px, py) in &pts {
                    circle cx=(format!("{px:.1}")) cy=(format!("{py:.1}")) r="4" fill=(colour) {}
                }
                rect x=(pad + 200.0 * side as f64) y=(h - 14.0) width="10" height="10" fill=(colour) {}
                text x=(pad + 14.0 + 200.0 * side as f64) y=(h - 5.0) font-size="11" { (names[side]) }
            }
        }
    }
}

/// The learning balance: one bar per partner's learning potential (0-1).
pub fn learning_bars(firm_a: &str, firm_b: &str, potentials: [f64; 2]) -> Markup {
    let (w, h, left) = (480.0, 90.0, 150.0);
    let bar = |v: f64| scale(v, 0.0, 1.0, 0.0, w - left - 50.0);
    html! {
        svg class="chart" role="img" aria-labelledby="learning-title" viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id="learning-title" { "Learning potential of each partner, 0 to 1." }
            @for (k, (firm, colour)) in [(firm_a, BLUE), (firm_b, ORANGE)].into_iter().enumerate() {
                @let top = 12.0 + 38.0 * k as f64;
                text x=(left - 8.0) y=(top + 17.0) text-anchor="end" font-size="12" { (firm) }
                rect x=(left) y=(top) width=(format!("{:.1}", bar(potentials[k]))) height="24" fill=(colour) {}
                text x=(format!("{:.1}", left + bar(potentials[k]) + 6.0)) y=(top + 17.0) font-size="12" { (format!("{:.2}", potentials[k])) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrant_places_points_in_their_cells_and_escapes_names() {
        let svg = quadrant("<A>", "B", &[QuadrantPoint { label: "wave 1".into(), a: -1.0, b: 1.0 }]).into_string();
        // A = -1 is the left edge (x = pad), B = +1 the top edge (y = pad)
        assert!(svg.contains(r#"cx="40.0" cy="40.0""#), "{svg}");
        assert!(svg.contains("&lt;A&gt;") && !svg.contains("<A>"));
    }

    #[test]
    fn trust_lines_leave_gaps_for_missing_waves() {
        let svg = trust_lines("A", "B", &[(1, [Some(0.5), None]), (2, [Some(0.7), None])]).into_string();
        assert_eq!(svg.matches("<polyline").count(), 1, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
