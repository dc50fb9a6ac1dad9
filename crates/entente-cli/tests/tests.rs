//! Integration tests of the `entente` binary: one test binary, one module per verb.
mod util {
    use std::path::PathBuf;
    use std::process::{Command, Output};

    pub fn entente(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
    }

    pub fn repo(rel: &str) -> String {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel).display().to_string()
    }

    pub fn stdout(o: &Output) -> String {
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn stderr(o: &Output) -> String {
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    /// A file in a fresh temporary folder (removed with the process).
    pub fn temp_file(name: &str, contents: &str) -> String {
        let dir = std::env::temp_dir().join(format!("entente-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, contents).unwrap();
        p.display().to_string()
    }
}

mod assess;
mod fit;
