//! `entente assess`: diagnose one alliance from its two partners' answers.

use alliance_core::assess::examples::{example, EXAMPLES};
use alliance_core::assess::report::{to_html, to_text};
use alliance_core::assess::rules::rules_markdown;
use alliance_core::assess::{assess_texts, Diagnosis};
use alliance_core::instruments::dyad::dyad_instrument;
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output format of the diagnosis.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Plain text.
    Text,
    /// JSON (the full diagnosis).
    Json,
    /// Self-contained HTML report with SVG charts.
    Html,
}

/// Arguments of `entente assess`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  entente assess --example economies\n  entente assess a.toml b.toml --format html --output report.html\n  entente assess --template > a.toml"
)]
pub struct AssessArgs {
    /// Two answers files, one per partner: TOML, or CSV with one row per respondent.
    #[arg(value_name = "PARTNER_FILE")]
    files: Vec<PathBuf>,
    /// Run a shipped example dyad instead of files (see --list-examples).
    #[arg(long, value_name = "NAME", conflicts_with = "files")]
    example: Option<String>,
    /// List the shipped example dyads.
    #[arg(long)]
    list_examples: bool,
    /// Print the partner questionnaire (Markdown).
    #[arg(long)]
    questionnaire: bool,
    /// Print an answers-file template (TOML) to fill in.
    #[arg(long)]
    template: bool,
    /// Print the header of a respondents CSV (several respondents per partner).
    #[arg(long)]
    csv_template: bool,
    /// Print the rule table (Markdown).
    #[arg(long)]
    rules: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("Cannot read `{}`", path.display()))
}

/// Write data to standard output; a closed pipe (`| head`) is not an error.
pub(super) fn print_data(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: Cannot write to standard output: {e}.");
            ExitCode::from(1)
        }
    }
}

fn emit(text: &str, output: Option<&Path>) -> ExitCode {
    match output {
        None => print_data(text),
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!("Wrote `{}`.", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: Cannot write `{}`: {e}.", path.display());
                ExitCode::from(1)
            }
        },
    }
}

fn render(d: &Diagnosis, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Text => to_text(d),
        Format::Json => serde_json::to_string_pretty(d)? + "\n",
        Format::Html => to_html(d),
    })
}

/// Run `entente assess`.
pub fn run(args: AssessArgs) -> ExitCode {
    let out = args.output.as_deref();
    if args.list_examples {
        let list: String = EXAMPLES.iter().map(|e| format!("{:<22}{}\n", e.name, e.summary)).collect();
        return emit(&list, out);
    }
    if args.questionnaire {
        return emit(&dyad_instrument().to_markdown(), out);
    }
    if args.template {
        return emit(&dyad_instrument().answers_template(), out);
    }
    if args.csv_template {
        return emit(&dyad_instrument().csv_header(), out);
    }
    if args.rules {
        return emit(&rules_markdown(), out);
    }
    let diagnosis = if let Some(name) = &args.example {
        example(name).and_then(|e| e.assess())
    } else {
        let [a, b] = args.files.as_slice() else {
            eprintln!(
                "error: Give two answers files (one per partner) or `--example NAME`; see `entente assess --help`."
            );
            return ExitCode::from(2);
        };
        let texts = read(a).and_then(|ta| Ok((ta, read(b)?)));
        let (ta, tb) = match texts {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e:#}.");
                return ExitCode::from(2);
            }
        };
        assess_texts(&a.display().to_string(), &ta, &b.display().to_string(), &tb)
    };
    let diagnosis = match diagnosis {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for p in &diagnosis.facts.profiles {
        if !p.missing.is_empty() {
            eprintln!(
                "warning: `{}` leaves {} item(s) unanswered ({}); scored on the answers given.",
                p.source,
                p.missing.len(),
                p.missing.join(", ")
            );
        }
    }
    match render(&diagnosis, args.format) {
        Ok(text) => emit(&text, out),
        Err(e) => {
            eprintln!("error: {e:#}.");
            ExitCode::from(1)
        }
    }
}
