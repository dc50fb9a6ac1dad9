//! The demo alliance behind `entente serve --demo`: an owner, two partner firms with a lead and
//! four respondents each, and three closed waves of simulated answers.
//!
//! The answers start from the shipped `mismatch-economic` example of `alliance-core` (Solvik
//! Energy explores, Kaiyo Materials exploits, with an economic rationale) and move as THEORY.md
//! predicts for that case: the explorer's placement answers drift toward exploitation wave by
//! wave (the mismatch resolves toward economies of knowledge), Solvik's trust in Kaiyo grows
//! while Kaiyo's trust stays flat. Each respondent adds seeded noise of at most one scale point.

use crate::analysis::{Answers, Part};
use crate::auth;
use crate::error::WebError;
use crate::handlers::{self, Role};
use crate::AppState;
use alliance_core::assess::examples::example;
use alliance_core::assess::{GovernanceForm, PartnerAnswers};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "entente-demo";
/// The demo owner's login.
pub const DEMO_OWNER: &str = "owner@demo.entente";

/// One demo login: what it is, and its email.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role and firm, for people.
    pub role: String,
    /// Email.
    pub email: String,
}

/// Seed the demo alliance unless it is already there; returns the demo logins.
pub async fn seed(state: &AppState) -> Result<Vec<DemoLogin>, WebError> {
    let firms = [("Solvik Energy", "Norway", "solvik"), ("Kaiyo Materials", "Japan", "kaiyo")];
    let mut logins = vec![DemoLogin { role: "alliance owner".into(), email: DEMO_OWNER.into() }];
    for (firm, _, key) in firms {
        logins.push(DemoLogin { role: format!("partner lead, {firm}"), email: format!("lead@{key}.demo") });
        logins.push(DemoLogin { role: format!("respondent, {firm} (also r2-r4)"), email: format!("r1@{key}.demo") });
    }
    let exists =
        sqlx::query("SELECT id FROM users WHERE email = $1").bind(DEMO_OWNER).fetch_optional(&state.db.pool).await?;
    if exists.is_some() {
        return Ok(logins);
    }
    // one hash for every demo account: they share the password
    let hash = auth::hash_password_async(DEMO_PASSWORD.into(), state.config.password_cost).await?;
    let add_user = |email: String, name: String| {
        let hash = hash.clone();
        async move {
            let id: i64 = sqlx::query("INSERT INTO users (email, name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, 0, $4) RETURNING id")
                .bind(email)
                .bind(name)
                .bind(hash)
                .bind(crate::db::now())
                .fetch_one(&state.db.pool)
                .await?
                .get(0);
            Ok::<i64, WebError>(id)
        }
    };
    let owner = add_user(DEMO_OWNER.into(), "Olivia Owner".into()).await?;
    let alliance = handlers::create_alliance_row(
        state,
        owner,
        "Solvik-Kaiyo battery materials JV",
        GovernanceForm::EquityJv,
        [(firms[0].0, firms[0].1), (firms[1].0, firms[1].1)],
    )
    .await?;
    let partner_ids: Vec<i64> = sqlx::query("SELECT id FROM partners WHERE alliance_id = $1 ORDER BY side")
        .bind(alliance)
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut people: [Vec<i64>; 2] = Default::default();
    for (side, (firm, _, key)) in firms.iter().enumerate() {
        let mut members = vec![(format!("lead@{key}.demo"), format!("Lead of {firm}"), Role::Lead)];
        members.extend(
            (1..=4).map(|k| (format!("r{k}@{key}.demo"), format!("Respondent {k} of {firm}"), Role::Respondent)),
        );
        for (email, name, role) in members {
            let id = add_user(email, name).await?;
            sqlx::query("INSERT INTO memberships (user_id, alliance_id, partner_id, role) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(alliance)
                .bind(partner_ids[side])
                .bind(role.key())
                .execute(&state.db.pool)
                .await?;
            people[side].push(id);
        }
    }
    let ex = example("mismatch-economic").map_err(|e| WebError::Config(e.to_string()))?;
    let inst = alliance_core::instruments::dyad::dyad_instrument();
    let base = [
        PartnerAnswers::from_toml(ex.file_a, ex.text_a, &inst).map_err(|e| WebError::Config(e.to_string()))?,
        PartnerAnswers::from_toml(ex.file_b, ex.text_b, &inst).map_err(|e| WebError::Config(e.to_string()))?,
    ];
    let items: Vec<String> =
        Part::ALL.iter().flat_map(|p| p.constructs()).flat_map(|c| c.items).map(|i| i.id).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    for wave in 0..3 {
        let number = handlers::open_wave_row(state, alliance, &Part::ALL).await?;
        let wave_id: i64 = sqlx::query("SELECT id FROM waves WHERE alliance_id = $1 AND number = $2")
            .bind(alliance)
            .bind(number)
            .fetch_one(&state.db.pool)
            .await?
            .get(0);
        for side in 0..2 {
            for &user in &people[side] {
                let answers = simulated(&base[side].answers, &items, side, wave, &mut rng);
                let pairs: Vec<(String, i64)> = answers.into_iter().collect();
                handlers::save_answers_rows(state, user, partner_ids[side], wave_id, &items, &pairs, true).await?;
            }
        }
        sqlx::query("UPDATE waves SET status = 'closed', closed_at = $1 WHERE id = $2")
            .bind(crate::db::now())
            .bind(wave_id)
            .execute(&state.db.pool)
            .await?;
    }
    handlers::audit(state, Some(owner), Some(alliance), "demo-seeded", "three waves").await?;
    Ok(logins)
}

/// One respondent's answers in one wave (see the module docs).
fn simulated(
    base: &std::collections::BTreeMap<String, f64>,
    items: &[String],
    side: usize,
    wave: usize,
    rng: &mut ChaCha8Rng,
) -> Answers {
    let w = wave as f64;
    let reverse: Vec<String> = crate::analysis::workspace_instrument()
        .constructs
        .iter()
        .filter(|c| c.id == "T2" || c.id == "LE")
        .flat_map(|c| c.items.iter().filter(|i| i.reverse).map(|i| i.id.clone()))
        .collect();
    items
        .iter()
        .map(|id| {
            let start = base.get(id).copied().unwrap_or(4.0);
            // trust2's reverse-keyed item moves the other way
            let keyed = if reverse.contains(id) { -1.0 } else { 1.0 };
            let drift = match (side, id.as_str()) {
                // the explorer (Solvik) moves toward exploitation: X1 down, reverse-keyed X2 up
                (0, i) if i.ends_with("_X1") => -0.9 * w,
                (0, i) if i.ends_with("_X2") => 0.9 * w,
                // Solvik's trust in Kaiyo grows; Kaiyo's stays moderately high
                (0, i) if i.starts_with("t2_") => keyed * (-0.5 + 0.8 * w),
                (1, i) if i.starts_with("t2_") => keyed * 0.5,
                // learning from the partner grows slowly on both sides
                (_, i) if i.starts_with("le_") => keyed * 0.3 * w,
                _ => 0.0,
            };
            let noise = f64::from(rng.random_range(-1i32..=1));
            (id.clone(), (start + drift + noise).round().clamp(1.0, 7.0) as i64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_answers_stay_on_the_scale_and_drift() {
        let base: std::collections::BTreeMap<String, f64> = [("RCS_X1".to_string(), 6.0)].into_iter().collect();
        let items = vec!["RCS_X1".to_string(), "t2_1".to_string()];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let first: Vec<Answers> = (0..50).map(|_| simulated(&base, &items, 0, 0, &mut rng)).collect();
        let last: Vec<Answers> = (0..50).map(|_| simulated(&base, &items, 0, 2, &mut rng)).collect();
        let mean = |v: &[Answers]| v.iter().map(|a| a["RCS_X1"] as f64).sum::<f64>() / v.len() as f64;
        assert!(first.iter().chain(&last).all(|a| a.values().all(|x| (1..=7).contains(x))));
        assert!(mean(&last) < mean(&first) - 1.0, "{} vs {}", mean(&last), mean(&first));
    }
}
