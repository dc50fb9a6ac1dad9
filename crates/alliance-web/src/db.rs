//! Storage: one connection pool over SQLite or PostgreSQL (sqlx's `Any` driver), the embedded
//! migrations, and the answer writer.
//!
//! **Group commit.** Saving answers is the one write that many people do at once. Every save
//! goes to one writer task ([`Db::save`]); the writer takes every save that is queued when it
//! starts a transaction, writes them all, commits once and only then acknowledges each of them.
//! A commit costs one fsync however many saves it carries, so throughput grows with the queue
//! instead of the queue growing with the load, and an acknowledged save is as durable as before
//! (SQLite: `synchronous = FULL`). On SQLite the writer has a connection of its own, so reads
//! never wait behind a commit; a batch that fails as a whole is retried save by save, so one bad
//! save cannot fail the others.
//!
//! The queries are written once, in the SQL both databases accept: `$1`-style parameters
//! (SQLite reads `$NNN` as numbered parameters), `INSERT ... RETURNING id`,
//! `ON CONFLICT ... DO UPDATE`, and only `BIGINT`, `TEXT` and `DOUBLE PRECISION` columns, so
//! every value decodes the same through `Any`. The only dialect difference is the
//! auto-increment primary key, substituted into the migration text at `{{ID}}`.

use crate::error::WebError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

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
    /// Queue of the answer writer (see [`Db::save`]).
    writer: mpsc::Sender<SaveJob>,
}

/// One save of answers: a respondent's answers to some items of a wave.
#[derive(Debug, Clone)]
pub struct Save {
    /// The respondent.
    pub user_id: i64,
    /// The respondent's partner firm.
    pub partner_id: i64,
    /// The wave.
    pub wave_id: i64,
    /// How many items the wave has (to tell how many are still unanswered).
    pub items: usize,
    /// Item id and answer; an item given twice keeps its last answer.
    pub answers: Vec<(String, i64)>,
    /// Submit (final) when every item is answered.
    pub submit: bool,
}

struct SaveJob {
    save: Save,
    done: oneshot::Sender<Result<Saved, WebError>>,
}

/// What a committed save reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// Items of the wave still unanswered (counted only for a submit; 0 otherwise).
    pub missing: usize,
    /// Whether the response is now submitted.
    pub submitted: bool,
}

/// Most saves one commit carries.
pub const MAX_BATCH: usize = 256;

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
        let write_options = options.clone();
        let pool = options.connect(&url).await?;
        if dialect == Dialect::Sqlite && !memory {
            sqlx::query("PRAGMA journal_mode = WAL").fetch_all(&pool).await?;
        }
        // the answer writer: on a SQLite file a connection of its own (reads go on while it
        // commits); in memory the one connection; on PostgreSQL the shared pool
        let write_pool = if dialect == Dialect::Sqlite && !memory {
            write_options.max_connections(1).min_connections(1).connect(&url).await?
        } else {
            pool.clone()
        };
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(write_pool, receiver));
        let db = Db { pool, dialect, writer: sender };
        db.migrate().await?;
        Ok(db)
    }

    /// Save answers through the writer; returns once they are committed (group commit: see
    /// the module notes).
    pub async fn save(&self, save: Save) -> Result<Saved, WebError> {
        let (done, result) = oneshot::channel();
        self.writer
            .send(SaveJob { save, done })
            .await
            .map_err(|_| WebError::Config("The answer writer has stopped.".into()))?;
        result.await.map_err(|_| WebError::Config("The answer writer has stopped.".into()))?
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

/// The writer task: take what is queued, write it in one transaction, commit, acknowledge.
async fn writer(pool: AnyPool, mut queue: mpsc::Receiver<SaveJob>) {
    let mut batch: Vec<SaveJob> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let saves: Vec<&Save> = batch.iter().map(|j| &j.save).collect();
        match write_batch(&pool, &saves).await {
            Ok(results) => {
                for (job, r) in batch.drain(..).zip(results) {
                    let _ = job.done.send(r);
                }
            }
            // nothing of the batch was committed: retry each save alone, so that one save that
            // cannot be written does not fail the others
            Err(_) if batch.len() > 1 => {
                for job in batch.drain(..) {
                    let r = match write_batch(&pool, &[&job.save]).await {
                        Ok(mut one) => one.pop().unwrap_or(Err(WebError::NotFound)),
                        Err(e) => Err(e),
                    };
                    let _ = job.done.send(r);
                }
            }
            Err(e) => {
                if let Some(job) = batch.pop() {
                    let _ = job.done.send(Err(e));
                }
            }
        }
    }
}

/// Write saves in one transaction. The outer error means nothing was committed; an inner error
/// is a save refused without writing (already submitted).
async fn write_batch(pool: &AnyPool, saves: &[&Save]) -> Result<Vec<Result<Saved, WebError>>, WebError> {
    let mut tx = pool.begin().await?;
    let mut out = Vec::with_capacity(saves.len());
    for save in saves {
        out.push(write_one(&mut tx, save).await?);
    }
    tx.commit().await?;
    Ok(out)
}

async fn write_one(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    save: &Save,
) -> Result<Result<Saved, WebError>, WebError> {
    // a write first, so SQLite takes the write lock at once (no read-to-write upgrade); the
    // no-op update on conflict makes RETURNING give the existing row too
    let r = sqlx::query(
        "INSERT INTO responses (wave_id, user_id, partner_id) VALUES ($1, $2, $3) \
         ON CONFLICT (wave_id, user_id) DO UPDATE SET wave_id = excluded.wave_id RETURNING id, submitted_at",
    )
    .bind(save.wave_id)
    .bind(save.user_id)
    .bind(save.partner_id)
    .fetch_one(&mut **tx)
    .await?;
    if r.get::<Option<i64>, _>("submitted_at").is_some() {
        return Ok(Err(WebError::BadInput("Your answers to this wave are already submitted.".into())));
    }
    let response_id: i64 = r.get("id");
    // one statement for all answers; an item given twice keeps its last answer
    let mut answers: Vec<(&str, i64)> = Vec::with_capacity(save.answers.len());
    for (item, value) in &save.answers {
        match answers.iter_mut().find(|(i, _)| *i == item.as_str()) {
            Some(a) => a.1 = *value,
            None => answers.push((item.as_str(), *value)),
        }
    }
    if !answers.is_empty() {
        let rows: Vec<String> =
            (0..answers.len()).map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3)).collect();
        let sql = format!(
            "INSERT INTO answers (response_id, item, value) VALUES {} \
             ON CONFLICT (response_id, item) DO UPDATE SET value = excluded.value",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (item, value) in &answers {
            q = q.bind(response_id).bind(*item).bind(*value);
        }
        q.execute(&mut **tx).await?;
    }
    if !save.submit {
        return Ok(Ok(Saved { missing: 0, submitted: false }));
    }
    let answered: i64 = sqlx::query("SELECT COUNT(*) FROM answers WHERE response_id = $1")
        .bind(response_id)
        .fetch_one(&mut **tx)
        .await?
        .get(0);
    let missing = save.items.saturating_sub(usize::try_from(answered).unwrap_or(0));
    if missing == 0 {
        sqlx::query("UPDATE responses SET submitted_at = $1 WHERE id = $2")
            .bind(now())
            .bind(response_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Ok(Saved { missing, submitted: missing == 0 }))
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

    #[tokio::test]
    async fn saves_of_one_batch_commit_together_and_a_failing_one_fails_alone() {
        let db = Db::connect("sqlite::memory:").await.expect("db");
        for sql in [
            "INSERT INTO users (email, name, password_hash, is_admin, created_at) VALUES ('u@x', 'U', 'h', 0, 0)",
            "INSERT INTO alliances (name, governance, owner_id, created_at) VALUES ('A', 'equity-jv', 1, 0)",
            "INSERT INTO partners (alliance_id, side, firm, country) VALUES (1, 'A', 'P', 'X')",
            "INSERT INTO waves (alliance_id, number, instruments, status, opened_at) VALUES (1, 1, 'trust', 'open', 0)",
        ] {
            sqlx::query(sql).execute(&db.pool).await.expect("seed");
        }
        let save = |wave_id: i64, item: &str, value: i64| Save {
            user_id: 1,
            partner_id: 1,
            wave_id,
            items: 4,
            answers: vec![(item.to_string(), value), (item.to_string(), value + 1)],
            submit: false,
        };
        // queued together: ten good saves and one for a wave that does not exist (foreign key)
        let mut handles = Vec::new();
        for k in 0..11i64 {
            let (db, s) =
                (db.clone(), if k == 5 { save(999, "t2_1", 1) } else { save(1, &format!("i{k}"), k % 5 + 1) });
            handles.push(tokio::spawn(async move { db.save(s).await }));
        }
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.expect("task"));
        }
        assert!(results[5].is_err(), "the save to a missing wave fails");
        for (k, r) in results.iter().enumerate().filter(|(k, _)| *k != 5) {
            assert_eq!(r.as_ref().ok(), Some(&Saved { missing: 0, submitted: false }), "save {k}");
        }
        let rows =
            sqlx::query("SELECT item, value FROM answers ORDER BY item").fetch_all(&db.pool).await.expect("read");
        let stored: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        // each good save is there, with the last answer of an item given twice
        let want: Vec<(String, i64)> = (0..11i64)
            .filter(|k| *k != 5)
            .map(|k| (format!("i{k}"), k % 5 + 2))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect();
        assert_eq!(stored, want);
        // a submit counts what is missing and submits only a complete response
        let submit = Save { submit: true, ..save(1, "i0", 1) };
        assert_eq!(db.save(submit).await.expect("submit").missing, 0, "ten items answered, four asked");
        let again = db.save(save(1, "i1", 1)).await;
        assert!(matches!(again, Err(WebError::BadInput(_))), "a submitted response takes no more answers");
    }

    #[test]
    fn migration_has_no_dialect_specific_types_outside_the_placeholder() {
        let text = statements(MIGRATIONS[0].1).join(";");
        for word in ["AUTOINCREMENT", "SERIAL", "BOOLEAN", "DATETIME", "INTEGER"] {
            assert!(!text.contains(word), "`{word}` in the portable migration");
        }
    }
}
