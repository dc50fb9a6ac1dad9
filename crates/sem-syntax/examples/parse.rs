//! Parses a lavaan model (a file, or standard input) and prints what `sem-syntax` made of it:
//! canonical syntax, one row per line, or with `--table` lavaan's flat table as tab-separated
//! columns `line col lhs op rhs fixed start label`.
//!
//! ```text
//! cargo run -p sem-syntax --example parse -- model.lav
//! echo 'y ~ a*x + 1' | cargo run -p sem-syntax --example parse -- --table
//! ```
//!
//! Exit codes: 0 parsed, 1 syntax error (located, on stderr), 2 usage or I/O problem.

use std::fmt::Display;
use std::io::Read;
use std::process::ExitCode;

use sem_syntax::{parse, ModelSyntax};

fn main() -> ExitCode {
    let mut table = false;
    let mut path = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--table" => table = true,
            "-h" | "--help" => {
                println!("Usage: parse [--table] [MODEL_FILE]   (reads standard input without a file)");
                return ExitCode::SUCCESS;
            }
            _ if path.is_none() && !arg.starts_with("--") => path = Some(arg),
            _ => {
                eprintln!("Unexpected argument `{arg}`; usage: parse [--table] [MODEL_FILE].");
                return ExitCode::from(2);
            }
        }
    }
    let text = match &path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("Cannot read `{p}`: {e}.")),
        None => {
            let mut s = String::new();
            match std::io::stdin().read_to_string(&mut s) {
                Ok(_) => Ok(s),
                Err(e) => Err(format!("Cannot read standard input: {e}.")),
            }
        }
    };
    let text = match text {
        Ok(t) => t,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match parse(&text) {
        Ok(model) if table => {
            print_table(&model);
            ExitCode::SUCCESS
        }
        Ok(model) => {
            print!("{model}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// `1,NA` for a vector, empty when absent.
fn cell<T: Display>(values: &Option<Vec<Option<T>>>) -> String {
    let Some(values) = values else {
        return String::new();
    };
    let items: Vec<String> =
        values.iter().map(|v| v.as_ref().map_or_else(|| "NA".to_string(), ToString::to_string)).collect();
    items.join(",")
}

fn print_table(model: &ModelSyntax) {
    println!("line\tcol\tlhs\top\trhs\tfixed\tstart\tlabel");
    for r in model.rows() {
        let m = &r.modifiers;
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.lhs_span.line,
            r.lhs_span.col,
            r.lhs,
            r.op.as_str(),
            r.rhs,
            cell(&m.fixed),
            cell(&m.start),
            cell(&m.label)
        );
    }
    for d in model.definitions() {
        println!("{}\t{}\t{}\t:=\t{}\t\t\t", d.span.line, d.span.col, d.name, d.text);
    }
    for c in model.constraints() {
        let op = c.op.as_str();
        println!("{}\t{}\t{}\t{op}\t{}\t\t\t", c.span.line, c.span.col, c.lhs_text, c.rhs_text);
    }
}
