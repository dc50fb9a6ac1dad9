//! The model's rules: one pure function per mechanism, each with its formula and its source.
//!
//! Nothing here draws random numbers or keeps state; [`crate::model`] calls these functions once
//! per period and per direction of the dyad. "Direction i <- j" means partner `i`'s view of
//! partner `j`: i's trust in j, what i learns from j, i's dependence on j.

use serde::{Deserialize, Serialize};

/// Parameters of the TR-2 trust update (Pant & Yu, arXiv 2510.24909), with the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrustParams {
    /// Building rate `lambda_plus` (default 0.10).
    pub lambda_plus: f64,
    /// Erosion rate `lambda_minus` (default 0.30): three times the building rate, the negativity bias.
    pub lambda_minus: f64,
    /// Reputation damage rate `mu_R` (default 0.60).
    pub mu_r: f64,
    /// Reputation repair (decay of damage) rate `delta_R` (default 0.03).
    pub delta_r: f64,
    /// Interdependence amplification of erosion `xi` (default 0.50).
    pub xi: f64,
    /// Signal sensitivity `kappa` (default 1.0).
    pub kappa: f64,
}

impl Default for TrustParams {
    fn default() -> Self {
        Self { lambda_plus: 0.10, lambda_minus: 0.30, mu_r: 0.60, delta_r: 0.03, xi: 0.50, kappa: 1.0 }
    }
}

/// Trust at formation, trust1 (THEORY.md section 1, P2-P4, all positive):
/// $T_1 = 0.05 + 0.30\,PE + 0.30\,TR_j + 0.30\,RE_j$, clamped to $[0, 1]$.
///
/// `prior_experience` is i's positive prior experience with j, `transparency` and `reputation`
/// are j's. The equal weights are a neutral choice: the source gives signs, not sizes.
pub fn trust1(prior_experience: f64, transparency: f64, reputation: f64) -> f64 {
    (0.05 + 0.30 * prior_experience + 0.30 * transparency + 0.30 * reputation).clamp(0.0, 1.0)
}

/// The TR-2 cooperation signal: $s = \tanh(\kappa\,x)$ with $x$ = observed cooperation minus
/// expected cooperation (Pant & Yu, eq. for $s_{ij}^t$).
pub fn signal(kappa: f64, x: f64) -> f64 {
    (kappa * x).tanh()
}

/// The post-formation drivers of trust2 (THEORY.md P5-P9) as they enter one period's signal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trust2Drivers {
    /// RO: risk of opportunism seen in the partner this period, in [0, 1] (P5, -).
    pub opportunism_risk: f64,
    /// PR: the partner's protectiveness (how closed its membrane is), in [0, 1] (P6, -).
    pub protectiveness: f64,
    /// ID: interdependence of the partners, in [0, 1] (P7, +).
    pub interdependence: f64,
    /// LO: longevity, the shadow of the future, in [0, 1] (P8, +).
    pub longevity: f64,
    /// CD: normalised cultural distance, in [0, 1) (P9, -).
    pub cultural_distance: f64,
}

/// Weight of each post-formation driver in the signal argument (see [`signal_argument`]).
pub const DRIVER_WEIGHT: f64 = 0.15;

/// The argument $x$ of the TR-2 signal for direction i <- j, with the P5-P9 drivers:
///
/// $x = g + (c_j - w\,RO - w\,PR) - (E + w\,CD - w\,(ID - \tfrac12) - w\,LO)$
///
/// $g$ = `goodwill` (`model.goodwill`, 0.12): delivering what was expected counts as a small
/// positive signal, so that trust is built step by step in a relationship that works
/// (THEORY.md section 4); the drivers and the partner's behaviour can outweigh it.
///
/// Observed cooperation is the partner's cooperation $c_j$ net of what i reads as breaches: its
/// opportunism (RO, P5) and its protectiveness (PR, P6). The expectation is i's expectation of
/// j's cooperation $E$ (Pant & Yu's baseline, here adaptive: see [`update_expectation`]),
/// raised by cultural distance (CD, P9: behaviour of a distant partner is misread and judged
/// harder) and lowered by interdependence (ID, P7) and longevity (LO, P8): partners who need
/// each other and expect a long future give each other the benefit of the doubt. ID is centred
/// at 1/2 so that average interdependence is neutral; LO starts at 0 for a new alliance and
/// grows with age (see [`longevity`]). All weights are [`DRIVER_WEIGHT`]; the signs are those of
/// THEORY.md.
pub fn signal_argument(goodwill: f64, cooperation: f64, expected: f64, d: &Trust2Drivers) -> f64 {
    let w = DRIVER_WEIGHT;
    let observed = cooperation - w * d.opportunism_risk - w * d.protectiveness;
    let bar = expected + w * d.cultural_distance - w * (d.interdependence - 0.5) - w * d.longevity;
    goodwill + observed - bar
}

/// One TR-2 update of trust and reputation damage (Pant & Yu, arXiv 2510.24909, as specified in
/// issue 7). With ceiling $\Theta = 1 - R$:
///
/// - $s > 0$: $\Delta T = \lambda_+ s \max(0, \Theta - T)$ and $\Delta R = -\delta_R R$;
/// - $s < 0$: $\Delta T = \lambda_- s\, T (1 + \xi D)$ and $\Delta R = \mu_R (-s)(1 - R)$;
/// - $s = 0$: $\Delta T = 0$ and $\Delta R = -\delta_R R$.
///
/// `dependence` is $D$, i's dependence on j in [0, 1]: betrayal by a partner one depends on
/// hurts more. Returns the new `(trust, damage)`, both clamped to [0, 1]; the ceiling uses the
/// damage before this period's update.
pub fn tr2_update(p: &TrustParams, trust: f64, damage: f64, s: f64, dependence: f64) -> (f64, f64) {
    let ceiling = 1.0 - damage;
    let (dt, dr) = if s > 0.0 {
        (p.lambda_plus * s * (ceiling - trust).max(0.0), -p.delta_r * damage)
    } else if s < 0.0 {
        (p.lambda_minus * s * trust * (1.0 + p.xi * dependence), p.mu_r * (-s) * (1.0 - damage))
    } else {
        (0.0, -p.delta_r * damage)
    };
    ((trust + dt).clamp(0.0, 1.0), (damage + dr).clamp(0.0, 1.0))
}

/// Adaptive expectation of the partner's cooperation: $E' = E + \eta (c_j - E)$. Partners get
/// used to each other's level of cooperation, so a steady partner sends signals near zero (then
/// the P5-P9 drivers decide the drift of trust) and a change of behaviour, such as a crisis,
/// sends a strong one. $\eta$ = `model.adaptation` (0.1).
pub fn update_expectation(expected: f64, cooperation: f64, eta: f64) -> f64 {
    expected + eta * (cooperation - expected)
}

/// Strength of a learning intent (Hamel 1991): internalisation 1.0, avoidance 0.3,
/// substitution 0.1 (a partner that uses the other's skills instead of building its own learns
/// little: intent is the foundation of learning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Acquire the partner's skills.
    Internalisation,
    /// Avoid investment, share risk.
    Avoidance,
    /// Use the partner's skills instead of building one's own.
    Substitution,
}

impl Intent {
    /// The intent's weight in the learning flow.
    pub fn strength(self) -> f64 {
        match self {
            Intent::Internalisation => 1.0,
            Intent::Avoidance => 0.3,
            Intent::Substitution => 0.1,
        }
    }
}

/// Learning flow from j to i in one knowledge domain (Hamel 1991; THEORY.md section 3; P1 of
/// the trust model, trust +):
///
/// $L = r \cdot intent_i \cdot receptivity_i \cdot transparency_j (1 - PR_j) \cdot gap \cdot (0.2 + 0.8\,T_{ij})$,
/// $gap = \max(0, k_j - k_i)$, $r$ = `rate` (`model.learning_rate`, 0.08).
///
/// Learning needs all three determinants (intent, transparency through the membrane, receptivity),
/// closes the gap, and flows through trust; some knowledge leaks even without trust (0.2).
// One argument per determinant the theory names; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn learning_flow(
    rate: f64,
    intent: f64,
    receptivity: f64,
    transparency: f64,
    protection: f64,
    own: f64,
    partner: f64,
    trust: f64,
) -> f64 {
    let gap = (partner - own).max(0.0);
    rate * intent * receptivity * transparency * (1.0 - protection) * gap * (0.2 + 0.8 * trust)
}

/// New knowledge created jointly per period, shared by both partners (THEORY.md section 2:
/// exploration creates new capabilities together; P5):
///
/// $J = r_J \, e_i e_j \, \sqrt{K_i K_j} \, \bar c \, \bar T \, integration$
///
/// with $e$ the exploration orientation of each partner, $K$ mean knowledge stocks, $\bar c$ mean
/// cooperation, $\bar T$ mean trust, $r_J$ = `rate` (`model.creation_rate`, 0.12). Only dyads
/// where both explore create much. The model adds $J (1 - k)$ to every domain of both partners,
/// so creation fills the headroom below 1 and does not compound without bound.
#[allow(clippy::too_many_arguments)]
pub fn joint_creation(
    rate: f64,
    explore_i: f64,
    explore_j: f64,
    stock_i: f64,
    stock_j: f64,
    cooperation: f64,
    trust: f64,
    integration: f64,
) -> f64 {
    rate * explore_i * explore_j * (stock_i * stock_j).max(0.0).sqrt() * cooperation * trust * integration
}

/// Cooperation of i toward j (behaviour; Hamel's race to learn; commitment-trust, Morgan & Hunt):
///
/// $c_i = \mathrm{clamp}(0.4 + 0.55\,T_{ij} - 0.8\,\max(0, lead_j) - o_i + \varepsilon, 0, 1)$
///
/// Cooperation rises with trust, falls when the partner is ahead in the learning race
/// (`partner_lead` > 0: j has learned more from i than i from j) and with i's opportunism `o_i`
/// (see [`opportunism`]); `noise` is a draw with mean zero.
pub fn cooperation(trust: f64, partner_lead: f64, opportunism: f64, noise: f64) -> f64 {
    (0.4 + 0.55 * trust - 0.8 * partner_lead.max(0.0) - opportunism + noise).clamp(0.0, 1.0)
}

/// Opportunism of i this period (incentives; THEORY.md section 1, RO):
///
/// $o_i = propensity_i \, (1 - \tfrac12 integration) \, (1 - LO)$
///
/// The temptation to defect is curbed by control (integration along the governance continuum;
/// even a merger leaves half of it, since no contract specifies everything) and by the shadow of
/// the future (longevity).
pub fn opportunism(propensity: f64, integration: f64, longevity: f64) -> f64 {
    propensity * (1.0 - 0.5 * integration) * (1.0 - longevity)
}

/// Protectiveness of i toward j: how far i closes its membrane (Hamel 1991):
///
/// $PR_i = \mathrm{clamp}(base_i + 0.5\,(0.5 - T_{ij}) + 1.0\,\max(0, lead_j) - 0.8\,(D_i - D_j) + m, 0, 1)$
///
/// i guards more when it distrusts j and when j is ahead in the learning race, and less the more
/// it depends on j relative to j's dependence on i: the weaker side must reveal more to keep the
/// partner interested, the engine of the dependency spiral. `mismatch` (`model.mismatch_protection`,
/// 0.1, while the dyad is mismatched, else 0) is the protection THEORY.md attributes to
/// mismatches.
pub fn protectiveness(
    base: f64,
    trust: f64,
    partner_lead: f64,
    own_dependence: f64,
    partner_dependence: f64,
    mismatch: f64,
) -> f64 {
    (base + 0.5 * (0.5 - trust) + 1.0 * partner_lead.max(0.0) - 0.8 * (own_dependence - partner_dependence) + mismatch)
        .clamp(0.0, 1.0)
}

/// Share of j's knowledge that i lacks: $\sum_d \max(0, k_{jd} - k_{id}) / \sum_d k_{jd}$
/// (0 when j has no knowledge). It falls as i internalises j's skills (Hamel 1991).
pub fn knowledge_gap_share(own: &[f64], partner: &[f64]) -> f64 {
    let mut lack = 0.0;
    let mut total = 0.0;
    for (o, p) in own.iter().zip(partner) {
        lack += (p - o).max(0.0);
        total += p.max(0.0);
    }
    if total > 0.0 {
        lack / total
    } else {
        0.0
    }
}

/// Dependence of i on j (resource dependence; Hamel's bargaining power):
///
/// $D_i = \min\{1,\; ID \cdot \tfrac12 + gap_{ij}\}$
///
/// the share of j's knowledge that i lacks ([`knowledge_gap_share`]) plus half the structural
/// interdependence of the alliance. As i internalises j's skills its dependence falls.
pub fn dependence(own: &[f64], partner: &[f64], interdependence: f64) -> f64 {
    (0.5 * interdependence + knowledge_gap_share(own, partner)).min(1.0)
}

/// Bargaining power of i over j (Emerson's power-dependence): $P_i = D_j / (D_i + D_j)$, 1/2 when
/// neither depends on the other.
pub fn power(own_dependence: f64, partner_dependence: f64) -> f64 {
    let sum = own_dependence + partner_dependence;
    if sum > 0.0 {
        partner_dependence / sum
    } else {
        0.5
    }
}

/// Is the bargain obsolete? True when i's power moved more than `threshold` from the power
/// agreed at formation or at the last renegotiation (the obsolescing bargain; Hamel 1991). The
/// model then renegotiates, unless the side that gained power lacks less than
/// `model.exit_dependence` of the other's knowledge ([`knowledge_gap_share`]): having learned
/// what it came for, it leaves (premature termination).
pub fn bargain_obsolete(power_now: f64, power_agreed: f64, threshold: f64) -> bool {
    (power_now - power_agreed).abs() > threshold
}

/// Skill atrophy under substitution intent (Hamel 1991: substitution uses the partner's skills
/// instead of building one's own, so own competence in the domains the partner covers erodes):
/// $k_i' = k_i - \rho \max(0, k_j - k_i)$, $\rho$ = `rate`, never below zero.
pub fn atrophy(own: f64, partner: f64, rate: f64) -> f64 {
    (own - rate * (partner - own).max(0.0)).max(0.0)
}

/// Why a mismatched dyad resolves one way or the other (THEORY.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rationale {
    /// TCE, RD, SP: mismatches drift toward economies of knowledge (both exploit).
    Economic,
    /// OL, IT, PE: mismatches drift toward synergies of knowledge (both explore).
    Behavioural,
    /// Neither prevails: no drift; distrust, protection and premature termination.
    None,
}

/// Motive drift with a lag (THEORY.md section 2: mismatches are transitional):
///
/// $e' = e + (target - e) / lag$
///
/// with target 0 (exploitation) under an economic rationale and 1 (exploration) under a
/// behavioural one; no drift without a rationale. `lag` is the resolution time in periods (>= 1).
pub fn motive_drift(explore: f64, rationale: Rationale, lag: f64) -> f64 {
    let target = match rationale {
        Rationale::Economic => 0.0,
        Rationale::Behavioural => 1.0,
        Rationale::None => return explore,
    };
    explore + (target - explore) / lag.max(1.0)
}

/// Per-period hazard that an unresolved mismatch ends the alliance:
/// $h = h_0 (1 - \bar T)$, higher when trust is low (THEORY.md section 2, P3).
pub fn mismatch_hazard(base: f64, mean_trust: f64) -> f64 {
    base * (1.0 - mean_trust).clamp(0.0, 1.0)
}

/// Longevity, the shadow of the future (P8): $LO = a / (a + 20)$ for alliance age $a$ in periods.
pub fn longevity(age: f64) -> f64 {
    let a = age.max(0.0);
    a / (a + 20.0)
}

/// Kogut-Singh cultural distance over profile dimensions (THEORY.md section 1):
/// $CD = \frac1n \sum_i (I_{ai} - I_{bi})^2 / V_i$, and its normalisation $CD / (1 + CD)$ in
/// [0, 1) used by the trust rule. Returns `(cd, normalised)`.
pub fn kogut_singh(a: &[f64], b: &[f64], variances: &[f64]) -> (f64, f64) {
    let n = a.len().min(b.len()).min(variances.len());
    if n == 0 {
        return (0.0, 0.0);
    }
    let cd = a.iter().zip(b).zip(variances).map(|((x, y), v)| (x - y).powi(2) / v).sum::<f64>() / n as f64;
    (cd, cd / (1.0 + cd))
}

/// Integration level of a governance form on the continuum (THEORY.md section 2): licensing 0.2,
/// non-equity JV 0.45, equity JV 0.7, merger/acquisition 0.95.
///
/// Written as in `entente assess`: `licensing`, `non-equity-jv`, `equity-jv`,
/// `merger-acquisition` (snake_case spellings are accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Governance {
    /// Licensing.
    Licensing,
    /// Non-equity joint venture (contractual alliance).
    #[serde(alias = "non_equity_jv")]
    NonEquityJv,
    /// Equity joint venture.
    #[serde(alias = "equity_jv")]
    EquityJv,
    /// Merger or acquisition.
    #[serde(rename = "merger-acquisition", alias = "merger")]
    Merger,
}

impl Governance {
    /// Integration level in [0, 1].
    pub fn integration(self) -> f64 {
        match self {
            Governance::Licensing => 0.2,
            Governance::NonEquityJv => 0.45,
            Governance::EquityJv => 0.7,
            Governance::Merger => 0.95,
        }
    }

    /// Name as written in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            Governance::Licensing => "licensing",
            Governance::NonEquityJv => "non-equity-jv",
            Governance::EquityJv => "equity-jv",
            Governance::Merger => "merger-acquisition",
        }
    }
}

/// Fit of governance to motives (P1, P2): $fit = 1 - |integration - (0.2 + 0.7\,\bar e)|$,
/// exploitation fits low integration and exploration high integration.
pub fn governance_fit(integration: f64, mean_explore: f64) -> f64 {
    1.0 - (integration - (0.2 + 0.7 * mean_explore)).abs()
}

/// Performance of the alliance in one period (THEORY.md section 2, P4-P6):
///
/// $\pi = fit \cdot [(1 - \bar e)\, \bar c\, \bar K + \bar e\, s_J J]$
///
/// Exploitation earns short-term returns from pooling existing knowledge $\bar K$ (mean stock of
/// the two partners), which environmental shocks devalue: the competency trap of P6. Exploration
/// earns from the new knowledge it creates ($J$, scaled by $s_J$ = `creation_scale`). Both are
/// weighted by the governance fit.
pub fn performance(
    fit: f64,
    mean_explore: f64,
    cooperation: f64,
    mean_stock: f64,
    creation: f64,
    creation_scale: f64,
) -> f64 {
    fit * ((1.0 - mean_explore) * cooperation * mean_stock + mean_explore * creation * creation_scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-12; // exact arithmetic on a handful of operations

    #[test]
    fn erosion_is_three_times_building_at_mid_trust() {
        // Same signal size, T = 0.5, no damage, no dependence: 0.3*0.5 / (0.1*0.5) = 3.
        let p = TrustParams::default();
        let s = signal(p.kappa, 0.4);
        let (up, _) = tr2_update(&p, 0.5, 0.0, s, 0.0);
        let (down, _) = tr2_update(&p, 0.5, 0.0, -s, 0.0);
        let ratio = (0.5 - down) / (up - 0.5);
        assert!((ratio - 3.0).abs() < 1e-9, "ratio {ratio}");
    }

    #[test]
    fn dependence_amplifies_erosion() {
        let p = TrustParams::default();
        let (a, _) = tr2_update(&p, 0.6, 0.0, -0.5, 0.0);
        let (b, _) = tr2_update(&p, 0.6, 0.0, -0.5, 1.0);
        assert!(b < a);
        assert!(((0.6 - b) / (0.6 - a) - 1.5).abs() < TOL);
    }

    #[test]
    fn damage_lowers_the_ceiling_and_decays() {
        let p = TrustParams::default();
        // With damage 0.4 the ceiling is 0.6: trust 0.6 cannot grow.
        let (t, r) = tr2_update(&p, 0.6, 0.4, 0.9, 0.0);
        assert!((t - 0.6).abs() < TOL);
        assert!((r - 0.4 * 0.97).abs() < TOL);
        // A negative signal adds damage mu_R * |s| * (1 - R).
        let (_, r2) = tr2_update(&p, 0.6, 0.4, -0.5, 0.0);
        assert!((r2 - (0.4 + 0.6 * 0.5 * 0.6)).abs() < TOL);
    }

    #[test]
    fn trust1_rises_with_each_antecedent() {
        let base = trust1(0.3, 0.3, 0.3);
        assert!(trust1(0.8, 0.3, 0.3) > base); // P2
        assert!(trust1(0.3, 0.8, 0.3) > base); // P3
        assert!(trust1(0.3, 0.3, 0.8) > base); // P4
    }

    #[test]
    fn post_formation_drivers_have_theory_signs() {
        let d = Trust2Drivers {
            opportunism_risk: 0.2,
            protectiveness: 0.2,
            interdependence: 0.5,
            longevity: 0.5,
            cultural_distance: 0.2,
        };
        let x = signal_argument(0.1, 0.6, 0.6, &d);
        let more = |f: &dyn Fn(&mut Trust2Drivers)| {
            let mut e = d;
            f(&mut e);
            signal_argument(0.1, 0.6, 0.6, &e)
        };
        assert!(more(&|e| e.opportunism_risk = 0.6) < x); // P5 -
        assert!(more(&|e| e.protectiveness = 0.6) < x); // P6 -
        assert!(more(&|e| e.interdependence = 0.9) > x); // P7 +
        assert!(more(&|e| e.longevity = 0.9) > x); // P8 +
        assert!(more(&|e| e.cultural_distance = 0.6) < x); // P9 -
    }

    #[test]
    fn learning_needs_intent_access_and_trust() {
        let l = |i: f64, t: f64, pr: f64| learning_flow(0.1, i, 0.8, 0.8, pr, 0.2, 0.8, t);
        assert!(l(1.0, 0.8, 0.0) > l(1.0, 0.2, 0.0)); // P1: trust +
        assert!(l(1.0, 0.8, 0.0) > l(0.1, 0.8, 0.0)); // intent
        assert!(l(1.0, 0.8, 1.0).abs() < TOL); // a closed membrane stops the flow
        assert!(learning_flow(0.1, 1.0, 1.0, 1.0, 0.0, 0.8, 0.2, 1.0).abs() < TOL);
        // no gap
    }

    #[test]
    fn power_follows_relative_dependence() {
        assert!((power(0.2, 0.6) - 0.75).abs() < TOL);
        assert!((power(0.0, 0.0) - 0.5).abs() < TOL);
        let d_low = dependence(&[0.8, 0.8], &[0.8, 0.8], 0.0);
        let d_high = dependence(&[0.1, 0.1], &[0.8, 0.8], 0.0);
        assert!(d_low.abs() < TOL && d_high > 0.8);
    }

    #[test]
    fn mismatch_drifts_toward_the_rationale() {
        let e = 0.8;
        assert!(motive_drift(e, Rationale::Economic, 10.0) < e);
        assert!(motive_drift(0.2, Rationale::Behavioural, 10.0) > 0.2);
        assert!((motive_drift(e, Rationale::None, 10.0) - e).abs() < TOL);
    }

    #[test]
    fn kogut_singh_matches_hand_computation() {
        let (cd, n) = kogut_singh(&[50.0, 20.0], &[70.0, 20.0], &[400.0, 100.0]);
        assert!((cd - 0.5).abs() < TOL); // (400/400 + 0) / 2
        assert!((n - 1.0 / 3.0).abs() < TOL);
    }

    #[test]
    fn governance_fit_prefers_low_integration_for_exploitation() {
        let lic = Governance::Licensing.integration();
        let jv = Governance::EquityJv.integration();
        assert!(governance_fit(lic, 0.0) > governance_fit(jv, 0.0)); // P1
        assert!(governance_fit(jv, 1.0) > governance_fit(lic, 1.0)); // P2
    }

    proptest::proptest! {
        #[test]
        fn tr2_keeps_trust_and_damage_in_range_and_under_a_ceiling_it_started_under(
            trust in 0.0f64..=1.0,
            damage in 0.0f64..=1.0,
            s in -1.0f64..=1.0,
            dependence in 0.0f64..=1.0,
        ) {
            let p = TrustParams::default();
            let (t, r) = tr2_update(&p, trust, damage, s, dependence);
            proptest::prop_assert!((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&r));
            if trust <= 1.0 - damage {
                proptest::prop_assert!(t <= 1.0 - damage + 1e-12);
            }
            // Direction: trust never moves against the sign of the signal.
            proptest::prop_assert!(s * (t - trust) >= -1e-15);
        }

        #[test]
        fn learning_never_overshoots_the_partner(
            intent in 0.0f64..=1.0,
            receptivity in 0.0f64..=1.0,
            transparency in 0.0f64..=1.0,
            protection in 0.0f64..=1.0,
            own in 0.0f64..=1.0,
            partner in 0.0f64..=1.0,
            trust in 0.0f64..=1.0,
            rate in 0.0f64..=1.0,
        ) {
            let l = learning_flow(rate, intent, receptivity, transparency, protection, own, partner, trust);
            proptest::prop_assert!(l >= 0.0);
            proptest::prop_assert!(own + l <= own.max(partner) + 1e-12);
        }
    }
}
