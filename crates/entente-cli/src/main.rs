//! The `entente` binary: parses arguments and hands over to one module per verb.
use std::process::ExitCode;

mod commands;

fn main() -> ExitCode {
    commands::run()
}
