//! The report: self-contained HTML with an SVG path diagram, Markdown and JSON of the same
//! content; a headless Chromium screenshot when Chromium is installed.
use super::{run_on, sim};
use alliance_study::{report, StudyConfig};

#[test]
fn html_markdown_and_json_carry_the_verdicts() {
    let cfg = StudyConfig { moderators: vec!["AC".into()], ..Default::default() };
    let (rep, _) = run_on(&cfg, sim(&cfg, 400, 1), 100, true);
    let html = report::to_html(&rep);
    assert!(html.contains("<svg") && html.contains("marker-end"));
    assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"));
    // one arrow per structural path, solid when significant, dashed otherwise
    let svg = report::diagram(&rep);
    assert_eq!(svg.matches("<line ").count(), rep.paths.len());
    let dashed = rep.paths.iter().filter(|p| p.pvalue >= rep.alpha).count();
    assert_eq!(svg.matches("stroke-dasharray").count(), dashed);
    let md = report::to_markdown(&rep);
    for p in &rep.propositions {
        assert!(md.contains(&format!("| {} | {} -> {} |", p.proposition, p.from, p.to)));
    }
    let json: serde_json::Value = serde_json::from_str(&report::to_json(&rep)).expect("json");
    assert_eq!(json["propositions"].as_array().map(|a| a.len()), Some(10));
    assert!(json["moderators"][0]["tests"].as_array().map(|a| a.len()) == Some(3));
    assert_eq!(json["longitudinal"].as_array().map(|a| a.len()), Some(3));
}

/// Distinct byte values of the inflated image data of a PNG: a blank page has a handful
/// (filter types, one colour), a rendered report with text and lines has many.
fn png_distinct_bytes(png: &[u8]) -> usize {
    let mut idat = Vec::new();
    let mut k = 8;
    while k + 8 <= png.len() {
        let len = u32::from_be_bytes([png[k], png[k + 1], png[k + 2], png[k + 3]]) as usize;
        let kind = &png[k + 4..k + 8];
        if kind == b"IDAT" {
            idat.extend_from_slice(&png[k + 8..k + 8 + len]);
        }
        k += 12 + len;
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap_or_default();
    let mut seen = [false; 256];
    for b in raw {
        seen[b as usize] = true;
    }
    seen.iter().filter(|s| **s).count()
}

#[test]
fn report_renders_in_headless_chromium() {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!("chromium is not installed (CI installs it via .ci/run); skipping the screenshot");
        return;
    }
    let cfg = StudyConfig::default();
    let (rep, _) = run_on(&cfg, sim(&cfg, 300, 2), 0, false);
    let dir = std::env::temp_dir().join(format!("entente-study-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let html = dir.join("report.html");
    std::fs::write(&html, report::to_html(&rep)).expect("write");
    let png = dir.join("shot.png");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            "--window-size=1200,1400",
            &format!("--screenshot={}", png.display()),
            &format!("file://{}", html.display()),
        ])
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let console_errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains("CONSOLE") && (l.contains("rror") || l.contains("Uncaught"))).collect();
    assert!(console_errors.is_empty(), "{console_errors:?}");
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let distinct = png_distinct_bytes(&bytes);
    assert!(distinct > 30, "screenshot looks blank ({distinct} distinct bytes)");
    let _ = std::fs::remove_dir_all(&dir);
}
