//! `entente serve`: the alliance workspace web app (crate `alliance-web`).
use alliance_web::{Config, ServeOptions};
use clap::Args;

/// Arguments of `entente serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Database URL: `sqlite://FILE` (created and migrated on first start) or
    /// `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(long, default_value = "sqlite://entente.db")]
    db: String,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Seed a demo alliance (two partners, three waves of simulated answers) and print its logins.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure (set when users reach the app over HTTPS, e.g. behind a TLS proxy).
    #[arg(long)]
    secure_cookies: bool,
    /// Refuse new accounts at /signup (people then join only through invitations).
    #[arg(long)]
    no_signup: bool,
}

/// Start the server; runs until Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let options = ServeOptions {
        db: args.db,
        addr: args.addr,
        demo: args.demo,
        config: Config { secure_cookies: args.secure_cookies, allow_signup: !args.no_signup, ..Config::default() },
    };
    alliance_web::run_blocking(options, |ready| {
        eprintln!("entente serve: listening; stop with Ctrl-C");
        println!("{}", ready.url);
        if !ready.demo.is_empty() {
            println!("demo logins (password `{}`):", alliance_web::demo::DEMO_PASSWORD);
            for login in &ready.demo {
                println!("  {:<24} {}", login.email, login.role);
            }
        }
    })?;
    Ok(())
}
