//! Storage: one connection pool over SQLite or PostgreSQL (sqlx's `Any` driver) and the
//! embedded migrations.
//!
//! The queries are written once, in the SQL both databases accept: `$1`-style parameters
//! (SQLite reads `$NNN` as numbered parameters), `INSERT ... RETURNING id`,
//! `ON CONFLICT ... DO UPDATE`, and only `BIGINT`, `TEXT` and `DOUBLE PRECISION` columns, so
//! every value decodes the same through `Any`. The only dialect difference is the
//! auto-increment primary key, substituted into the migration text at `{{ID}}`.

use crate::error::WebError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

/// The embedded migrations, applied in order; a version is applied once.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_init.sql"))];

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (the embedded default), in WAL mode.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    fn id_column(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
        }
    }
}

/// The database: a pool and its dialect.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connection pool.
    pub pool: AnyPool,
    /// The dialect behind it.
    pub dialect: Dialect,
    /// Queue for SQLite's single writer (see [`Db::write_guard`]).
    writer: Arc<Mutex<()>>,
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Db {
    /// Connect (creating a SQLite file when missing), set SQLite's WAL mode and apply the
    /// migrations. `sqlite::memory:` gives a private in-memory database on one connection.
    pub async fn connect(url: &str) -> Result<Db, WebError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(WebError::Config(format!(
                "The database URL `{url}` is neither `sqlite:...` nor `postgres://...`."
            )));
        };
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let url = if dialect == Dialect::Sqlite && !memory && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        options = match (dialect, memory) {
            // one connection holds the whole in-memory database: never let it go
            (Dialect::Sqlite, true) => {
                options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
            }
            // SQLite has one writer; a few connections serve reads while one writes
            (Dialect::Sqlite, false) => options.max_connections(4),
            (Dialect::Postgres, _) => options.max_connections(16),
        };
        if dialect == Dialect::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    // FULL: a transaction acknowledged to a client survives a crash of the process
                    // and of the machine; busy_timeout queues writers instead of failing them.
                    sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        if dialect == Dialect::Sqlite && !memory {
            sqlx::query("PRAGMA journal_mode = WAL").fetch_all(&pool).await?;
        }
        let db = Db { pool, dialect, writer: Arc::new(Mutex::new(())) };
        db.migrate().await?;
        Ok(db)
    }

    /// Hold this while running a write transaction on the hot path. SQLite allows one writer at
    /// a time and makes the others sleep and retry (busy timeout), which under many concurrent
    /// respondents turns into long tail latencies; a fair queue in the app serves them in
    /// arrival order instead. PostgreSQL needs no queue (`None`).
    pub async fn write_guard(&self) -> Option<MutexGuard<'_, ()>> {
        match self.dialect {
            Dialect::Sqlite => Some(self.writer.lock().await),
            Dialect::Postgres => None,
        }
    }

    /// Apply the embedded migrations not yet recorded in `schema_migrations`.
    pub async fn migrate(&self) -> Result<(), WebError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for &(version, text) in MIGRATIONS {
            let done: Option<i64> = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.get(0));
            if done.is_some() {
                continue;
            }
            let sql = text.replace("{{ID}}", self.dialect.id_column());
            let mut tx = self.pool.begin().await?;
            for statement in statements(&sql) {
                sqlx::query(&statement).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Split a migration into statements: drop `--` comments, split at `;`.
fn statements(sql: &str) -> Vec<String> {
    let without_comments: String =
        sql.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    without_comments.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Read an optional text column.
pub fn opt_text(row: &AnyRow, col: &str) -> Option<String> {
    row.try_get::<Option<String>, _>(col).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_drop_comments_and_blank_parts() {
        let s =
            statements("-- head; not a statement\nCREATE TABLE a (x BIGINT); -- tail\n\nCREATE TABLE b (y TEXT);\n");
        assert_eq!(s, vec!["CREATE TABLE a (x BIGINT)".to_string(), "CREATE TABLE b (y TEXT)".to_string()]);
    }

    #[test]
    fn migration_has_no_dialect_specific_types_outside_the_placeholder() {
        let text = statements(MIGRATIONS[0].1).join(";");
        for word in ["AUTOINCREMENT", "SERIAL", "BOOLEAN", "DATETIME", "INTEGER"] {
            assert!(!text.contains(word), "`{word}` in the portable migration");
        }
    }
}
