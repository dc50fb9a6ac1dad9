//! The behavioural game layer: partners of a two- or three-partner alliance choose every period
//! to contribute, withhold or exit, from their trust in each other.
//!
//! This is the game of the alliance experiment of Solinas et al. (Long Range Planning 55(5),
//! 2022): a coordination game (low competition) or a prisoner's dilemma (high competition),
//! with or without an exit cost, for two or three partners. Exit by any partner ends the
//! alliance for all; from then on everybody earns the outside option, and in the period of the
//! exit everybody earns the outside option minus the exit cost.
//!
//! ## The model
//! Partner i holds trust $T_{ij}$ and reputation damage $R_{ij}$ for each partner j, starting
//! at `initial_trust` and 0 in a new alliance. Trust is read as i's subjective probability that
//! j contributes, partners independently, so the number $k$ of partners who contribute has a
//! Poisson-binomial distribution $P(k)$. With the payoff table of the treatment
//! ($\pi_C(k)$, $\pi_N(k)$, outside option $o$, exit cost $x$) the utilities are
//!
//! - contribute: $u_C = \beta \sum_k P(k)\,\pi_C(k) + \alpha_C + \alpha_{C3} 1(n = 3) + \alpha_{CX} 1(x > 0) + \alpha_{CX3} 1(n = 3, x > 0)$,
//! - withhold: $u_N = \beta \sum_k P(k)\,\pi_N(k)$,
//! - exit: $u_E = \beta\,o - \gamma\,x + \alpha_E + \alpha_{E3} 1(n = 3)$,
//!
//! plus $\alpha_K$ in $u_C$ for partners of the cooperative type, who make up the share
//! $\pi_K$ of all partners, or $\alpha_D < 0$ for free riders, the share $(1 - \pi_K) q_D$
//! (a three-class mixture: persistent cooperators, conditional cooperators driven by trust and
//! payoffs, free riders, as in the public-goods experiments of Fischbacher, Gächter and Fehr
//! 2001; a partner's type is not observed by the others; it is drawn when the partner enters
//! its first alliance and kept in the next with probability $\rho$, `type_persistence`),
//! plus the inertia $\eta$ in the utility of repeating one's own previous choice (contribute
//! or withhold: the routine of a partner who keeps doing what it did),
//! and i chooses with logit probabilities $P(a) \propto \exp(u_a)$: $1/\beta$ is the decision
//! noise on the payoff scale, $\alpha_C$ a taste for contributing beyond the expected payoff
//! (conditional cooperation, team reasoning), $\alpha_{CX}$ its shift under an exit cost
//! (formal governance as a commitment device), $\alpha_E$ the reluctance to leave, $\gamma$ the
//! weight of the exit cost, $n$ the number of partners. After the choices, i updates its trust
//! in each partner j with the simulator's TR-2 rule ([`crate::rules::tr2_update`]) driven by
//! j's observed choice: signal $s = +1$ when j contributed and $s = -1$ when j withheld (the
//! saturated TR-2 signal: observed cooperation 1 or 0 against a neutral expectation of 1/2).
//! So after a contribution trust moves the share $\lambda_+$ of the way to its ceiling
//! $1 - R$, and after a withholding it loses the share $\lambda_-$ of its level while the
//! damage grows by $\mu_R (1 - R)$; damage heals by the share $\delta_R$ after each
//! contribution. Dependence $D$ is 0 in the experiment, so `xi` and `kappa` are not used.
//!
//! Across alliances (the experiment rematches its subjects several times per session) a
//! partner carries its experience: it enters its next alliance with trust
//! $(1 - \omega)\,g + \omega\,\bar T$ ([`carry_over`]), $g$ its trust on entering the
//! last alliance and $\bar T$ its mean trust in the partners when that one ended. The
//! free-rider share may differ under an exit cost: $\operatorname{logit} q_D(x) =
//! \operatorname{logit} q_D + \phi_X 1(x > 0)$. With $\omega = \rho = \phi_X = 0$ every
//! alliance starts afresh, as [`play`] plays it.
//!
//! Given the parameters, trust is a deterministic function of the observed history, which makes
//! the likelihood of observed choice sequences a product of logit probabilities
//! ([`choice_probabilities`], [`Member::observe`]); `alliance-calib` estimates the parameters
//! that way.

use crate::rules::{tr2_update, TrustParams};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The largest group in the game.
pub const MAX_MEMBERS: usize = 3;

/// A partner's choice in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Contribute resources to the alliance (`C` in the data).
    Contribute,
    /// Withhold them (`nC`).
    Withhold,
    /// Leave the alliance, which ends it for all partners (`E`).
    Exit,
}

impl Action {
    /// Index in probability arrays: contribute 0, withhold 1, exit 2.
    pub fn index(self) -> usize {
        match self {
            Action::Contribute => 0,
            Action::Withhold => 1,
            Action::Exit => 2,
        }
    }
}

/// The payoffs of one treatment for a group of `members` partners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payoffs {
    /// Payoff of contributing when k of the other partners contribute, k = 0..members-1.
    pub contribute: Vec<f64>,
    /// Payoff of withholding when k of the other partners contribute.
    pub withhold: Vec<f64>,
    /// Per-period payoff once the alliance has ended (the outside option).
    pub outside: f64,
    /// Cost every partner pays in the period somebody exits (0 without an exit cost).
    pub exit_cost: f64,
}

impl Payoffs {
    /// Number of partners in the group.
    pub fn members(&self) -> usize {
        self.contribute.len()
    }
}

/// The behavioural and trust-update parameters of the game.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameParams {
    /// TR-2 parameters (`lambda_plus`, `lambda_minus`, `mu_r`, `delta_r` are used).
    pub trust: TrustParams,
    /// Trust in a new partner, in [0, 1].
    pub initial_trust: f64,
    /// Payoff sensitivity $\beta$ (inverse decision noise), per payoff unit.
    pub beta: f64,
    /// Taste for contributing $\alpha_C$.
    pub bias_contribute: f64,
    /// Extra taste for contributing in three-partner groups $\alpha_{C3}$.
    pub bias_contribute_three: f64,
    /// Extra taste for contributing under an exit cost $\alpha_{CX}$.
    pub bias_contribute_exit_cost: f64,
    /// Further taste for contributing under an exit cost in three-partner groups
    /// $\alpha_{CX3}$ (the interaction of group size and exit cost).
    #[serde(default)]
    pub bias_contribute_three_exit_cost: f64,
    /// Taste for exiting $\alpha_E$ (negative: reluctance to leave).
    pub bias_exit: f64,
    /// Extra taste for exiting in three-partner groups $\alpha_{E3}$.
    pub bias_exit_three: f64,
    /// Weight $\gamma$ of the exit cost.
    pub exit_cost_weight: f64,
    /// Share $\pi_K$ of partners of the cooperative type, in [0, 1].
    pub cooperator_share: f64,
    /// Extra taste for contributing of the cooperative type $\alpha_K$.
    pub cooperator_bias: f64,
    /// Share $q_D$ of the other partners (not of the cooperative type) who are free riders, in
    /// [0, 1]: the free-rider type makes up $\pi_D = (1 - \pi_K)\,q_D$ of all partners.
    #[serde(default)]
    pub free_rider_share: f64,
    /// Extra taste for contributing of the free-rider type $\alpha_D$ (negative).
    #[serde(default)]
    pub free_rider_bias: f64,
    /// Shift $\phi_X$ of the log-odds of the free-rider share $q_D$ under an exit cost:
    /// $\operatorname{logit} q_D(x) = \operatorname{logit} q_D + \phi_X 1(x > 0)$ (formal
    /// governance changing who plays opportunistically).
    #[serde(default)]
    pub free_rider_shift_exit_cost: f64,
    /// Weight $\eta$ of the partner's own previous choice: added to the utility of repeating
    /// it (contribute or withhold), the inertia of a partner's routine.
    #[serde(default)]
    pub inertia: f64,
    /// Weight $\omega$ in [0, 1] of a partner's last alliance in its trust in new partners: it
    /// enters its next alliance with trust $g' = (1 - \omega)\,g + \omega\,\bar T$, where
    /// $g$ was its trust on entering the last alliance and $\bar T$ its mean trust in the
    /// partners when that alliance ended ([`carry_over`]); the first alliance starts at
    /// `initial_trust`. 0: every alliance starts afresh.
    #[serde(default)]
    pub experience_weight: f64,
    /// Persistence $\rho$ in [0, 1] of a partner's type from one alliance to its next: it
    /// keeps its type with probability $\rho$ and otherwise draws it anew from the shares
    /// ([`Kind::next`]). 1: a person's disposition is fixed; 0: a new type in every alliance.
    #[serde(default)]
    pub type_persistence: f64,
}

impl Default for GameParams {
    fn default() -> Self {
        Self {
            trust: TrustParams::default(),
            initial_trust: 0.7,
            beta: 1.0,
            bias_contribute: 0.0,
            bias_contribute_three: 0.0,
            bias_contribute_exit_cost: 0.0,
            bias_contribute_three_exit_cost: 0.0,
            bias_exit: -4.0,
            bias_exit_three: 0.0,
            exit_cost_weight: 0.3,
            cooperator_share: 0.0,
            cooperator_bias: 0.0,
            free_rider_share: 0.0,
            free_rider_bias: 0.0,
            free_rider_shift_exit_cost: 0.0,
            inertia: 0.0,
            experience_weight: 0.0,
            type_persistence: 0.0,
        }
    }
}

/// Trust a partner brings into its next alliance: $(1 - \omega)\,g + \omega\,\bar T$ with
/// $g$ its trust on entering the last one and $\bar T$ its mean trust in the partners when
/// the last one ended (see [`GameParams::experience_weight`]).
pub fn carry_over(params: &GameParams, entry: f64, end: f64) -> f64 {
    let w = params.experience_weight.clamp(0.0, 1.0);
    ((1.0 - w) * entry + w * end).clamp(0.0, 1.0)
}

/// Probabilities that k = 0, 1, 2 partners contribute when each contributes independently with
/// the probability given by `trust` (one entry per partner, at most two).
pub fn partners_contributing(trust: &[f64]) -> [f64; MAX_MEMBERS] {
    let mut p = [1.0, 0.0, 0.0];
    for &t in trust {
        let t = t.clamp(0.0, 1.0);
        let mut next = [0.0; MAX_MEMBERS];
        for k in 0..MAX_MEMBERS {
            next[k] += p[k] * (1.0 - t);
            if k + 1 < MAX_MEMBERS {
                next[k + 1] += p[k] * t;
            }
        }
        p = next;
    }
    p
}

/// A partner's behavioural type, not observed by the others (kept from one alliance to the
/// next with probability `type_persistence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Trust- and payoff-driven (conditional cooperator).
    Ordinary,
    /// Extra taste $\alpha_K$ for contributing (persistent cooperator).
    Cooperator,
    /// Extra taste $\alpha_D < 0$ for contributing (free rider).
    FreeRider,
}

impl Kind {
    /// The three types, in the order of the mixture.
    pub const ALL: [Kind; 3] = [Kind::Ordinary, Kind::Cooperator, Kind::FreeRider];

    /// The share of this type among all partners, in a treatment with (`exit_cost`) or without
    /// an exit cost.
    pub fn share(self, params: &GameParams, exit_cost: bool) -> f64 {
        let k = params.cooperator_share.clamp(0.0, 1.0);
        let mut d = params.free_rider_share.clamp(0.0, 1.0);
        if exit_cost && params.free_rider_shift_exit_cost != 0.0 && d > 0.0 && d < 1.0 {
            let z = (d / (1.0 - d)).ln() + params.free_rider_shift_exit_cost;
            d = 1.0 / (1.0 + (-z).exp());
        }
        match self {
            Kind::Ordinary => (1.0 - k) * (1.0 - d),
            Kind::Cooperator => k,
            Kind::FreeRider => (1.0 - k) * d,
        }
    }

    /// The type a partner of type `self` has in its next alliance: kept with probability
    /// `type_persistence`, otherwise drawn anew ([`Kind::draw`]).
    pub fn next(self, params: &GameParams, exit_cost: bool, rng: &mut impl Rng) -> Kind {
        let keep: f64 = rng.random();
        if keep < params.type_persistence.clamp(0.0, 1.0) {
            self
        } else {
            Kind::draw(params, exit_cost, rng)
        }
    }

    /// Draws a type with the shares of `params` (in a treatment with or without an exit cost).
    pub fn draw(params: &GameParams, exit_cost: bool, rng: &mut impl Rng) -> Kind {
        let u: f64 = rng.random();
        let k = Kind::Cooperator.share(params, exit_cost);
        if u < k {
            Kind::Cooperator
        } else if u < k + Kind::FreeRider.share(params, exit_cost) {
            Kind::FreeRider
        } else {
            Kind::Ordinary
        }
    }
}

/// Logit probabilities of contribute, withhold and exit for a partner (of the ordinary type,
/// in the first period) whose trust in its partners is `trust` (see the module documentation
/// for the utilities).
pub fn choice_probabilities(params: &GameParams, payoffs: &Payoffs, trust: &[f64]) -> [f64; 3] {
    typed_choice_probabilities(params, payoffs, trust, Kind::Ordinary, None)
}

/// [`choice_probabilities`] for a partner of type `kind` whose previous choice in this alliance
/// was `last` (none in the first period).
pub fn typed_choice_probabilities(
    params: &GameParams,
    payoffs: &Payoffs,
    trust: &[f64],
    kind: Kind,
    last: Option<Action>,
) -> [f64; 3] {
    let kind = match kind {
        Kind::Ordinary => 0.0,
        Kind::Cooperator => params.cooperator_bias,
        Kind::FreeRider => params.free_rider_bias,
    };
    let pk = partners_contributing(trust);
    let three = if payoffs.members() == 3 { 1.0 } else { 0.0 };
    let costly = if payoffs.exit_cost > 0.0 { 1.0 } else { 0.0 };
    let expect = |table: &[f64]| table.iter().zip(pk.iter()).map(|(v, p)| v * p).sum::<f64>();
    let habit = |a: Action| if last == Some(a) { params.inertia } else { 0.0 };
    let u = [
        params.beta * expect(&payoffs.contribute)
            + params.bias_contribute
            + three * params.bias_contribute_three
            + costly * params.bias_contribute_exit_cost
            + three * costly * params.bias_contribute_three_exit_cost
            + kind
            + habit(Action::Contribute),
        params.beta * expect(&payoffs.withhold) + habit(Action::Withhold),
        params.beta * payoffs.outside - params.exit_cost_weight * payoffs.exit_cost
            + params.bias_exit
            + three * params.bias_exit_three,
    ];
    let top = u.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = u.map(|x| (x - top).exp());
    let sum: f64 = e.iter().sum();
    e.map(|x| x / sum)
}

/// One partner's view of the others: trust and reputation damage per partner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// Trust in each partner (the first `partners` entries are used).
    pub trust: [f64; MAX_MEMBERS - 1],
    /// Reputation damage per partner.
    pub damage: [f64; MAX_MEMBERS - 1],
    /// Number of partners (group size minus one).
    pub partners: usize,
    /// The member's own choice in the previous period (none in the first).
    pub last: Option<Action>,
}

impl Member {
    /// A partner joining a new alliance of `members` partners.
    pub fn new(params: &GameParams, members: usize) -> Self {
        Self::entering(params.initial_trust, members)
    }

    /// A partner joining a new alliance of `members` partners with trust `trust` in each of
    /// them (its experience carried over, [`carry_over`]).
    pub fn entering(trust: f64, members: usize) -> Self {
        Self {
            trust: [trust.clamp(0.0, 1.0); MAX_MEMBERS - 1],
            damage: [0.0; MAX_MEMBERS - 1],
            partners: members.saturating_sub(1).min(MAX_MEMBERS - 1),
            last: None,
        }
    }

    /// Trust in the partners.
    pub fn trust(&self) -> &[f64] {
        &self.trust[..self.partners]
    }

    /// Mean trust in the partners (`NaN` without partners).
    pub fn mean_trust(&self) -> f64 {
        self.trust().iter().sum::<f64>() / self.partners as f64
    }

    /// Choice probabilities of this member if of type `kind`.
    pub fn choice_probabilities(&self, params: &GameParams, payoffs: &Payoffs, kind: Kind) -> [f64; 3] {
        typed_choice_probabilities(params, payoffs, self.trust(), kind, self.last)
    }

    /// TR-2 update from partner `j`'s observed choice (`true`: contributed). The signal is +1
    /// or -1; dependence is 0.
    pub fn observe(&mut self, params: &TrustParams, j: usize, contributed: bool) {
        let s = if contributed { 1.0 } else { -1.0 };
        let (t, r) = tr2_update(params, self.trust[j], self.damage[j], s, 0.0);
        self.trust[j] = t;
        self.damage[j] = r;
    }
}

/// Index, in member `i`'s partner arrays, of member `j` (j != i).
pub fn partner_slot(i: usize, j: usize) -> usize {
    if j < i {
        j
    } else {
        j - 1
    }
}

/// Updates every member's trust from the choices of one period (no one exited) and records
/// each member's own choice.
pub fn observe_period(params: &TrustParams, members: &mut [Member], choices: &[Action]) {
    for (i, m) in members.iter_mut().enumerate() {
        m.see(params, i, choices);
    }
}

impl Member {
    /// Member `i` of its alliance sees the choices of one period (no one exited): its trust in
    /// each partner follows the partner's choice, and its own choice becomes its last.
    pub fn see(&mut self, params: &TrustParams, i: usize, choices: &[Action]) {
        self.last = choices.get(i).copied();
        for (j, a) in choices.iter().enumerate() {
            if j != i {
                self.observe(params, partner_slot(i, j), *a == Action::Contribute);
            }
        }
    }
}

/// One simulated alliance: the choices of each period until the horizon or the exit.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    /// Choices per period (one entry per member); the last period holds the exit, if any.
    pub choices: Vec<Vec<Action>>,
    /// The 1-based period in which a partner exited, if one did.
    pub exit_period: Option<u32>,
}

fn draw(probs: &[f64; 3], rng: &mut impl Rng) -> Action {
    let u: f64 = rng.random();
    if u < probs[0] {
        Action::Contribute
    } else if u < probs[0] + probs[1] {
        Action::Withhold
    } else {
        Action::Exit
    }
}

/// Plays one alliance of `payoffs.members()` partners for at most `periods` periods, each
/// partner new to the game (trust `initial_trust`, type drawn for this alliance).
pub fn play(params: &GameParams, payoffs: &Payoffs, periods: u32, rng: &mut impl Rng) -> Play {
    let n = payoffs.members().clamp(1, MAX_MEMBERS);
    let kinds: Vec<Kind> = (0..n).map(|_| Kind::draw(params, payoffs.exit_cost > 0.0, rng)).collect();
    play_with(params, payoffs, periods, &vec![params.initial_trust; n], &kinds, rng).0
}

/// Plays one alliance whose partners enter with trust `entry` and have types `kinds` (one
/// entry per partner, `payoffs.members()` of each); returns the play and each partner's mean
/// trust in the others when the alliance ended (after the last period without an exit), the
/// input of [`carry_over`].
pub fn play_with(
    params: &GameParams,
    payoffs: &Payoffs,
    periods: u32,
    entry: &[f64],
    kinds: &[Kind],
    rng: &mut impl Rng,
) -> (Play, Vec<f64>) {
    let n = payoffs.members().clamp(1, MAX_MEMBERS).min(entry.len()).min(kinds.len());
    let mut members: Vec<Member> = entry[..n].iter().map(|&t| Member::entering(t, n)).collect();
    let mut choices = Vec::with_capacity(periods as usize);
    let mut exit_period = None;
    for t in 1..=periods {
        let now: Vec<Action> =
            members.iter().zip(kinds).map(|(m, &k)| draw(&m.choice_probabilities(params, payoffs, k), rng)).collect();
        let exited = now.contains(&Action::Exit);
        if !exited {
            observe_period(&params.trust, &mut members, &now);
        }
        choices.push(now);
        if exited {
            exit_period = Some(t);
            break;
        }
    }
    let end = members.iter().map(Member::mean_trust).collect();
    (Play { choices, exit_period }, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The two-partner prisoner's dilemma of the experiment, without exit cost.
    fn pd2() -> Payoffs {
        Payoffs { contribute: vec![-2.5, 2.5], withhold: vec![1.0, 3.0], outside: 1.5, exit_cost: 0.0 }
    }

    #[test]
    fn poisson_binomial_sums_to_one_and_matches_by_hand() {
        let p = partners_contributing(&[0.2, 0.7]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[0] - 0.8 * 0.3).abs() < 1e-12);
        assert!((p[2] - 0.2 * 0.7).abs() < 1e-12);
        let one = partners_contributing(&[0.4]);
        assert!((one[1] - 0.4).abs() < 1e-12 && one[2].abs() < 1e-12);
    }

    #[test]
    fn more_trust_more_contribution_and_exit_cost_deters_exit() {
        let params = GameParams { beta: 1.5, bias_contribute: 1.0, ..GameParams::default() };
        let low = choice_probabilities(&params, &pd2(), &[0.1]);
        let high = choice_probabilities(&params, &pd2(), &[0.9]);
        assert!(high[0] > low[0] + 0.2, "{low:?} {high:?}");
        assert!((high.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let costly = Payoffs { exit_cost: 10.0, ..pd2() };
        assert!(choice_probabilities(&params, &costly, &[0.1])[2] < low[2] / 5.0);
    }

    #[test]
    fn erosion_after_withholding_building_after_contributing() {
        let params = GameParams::default();
        let mut m = Member::new(&params, 2);
        m.observe(&params.trust, 0, false);
        // T = 0.7, lambda_minus = 0.3: trust loses 30 % of its level.
        assert!((m.trust[0] - 0.7 * 0.7).abs() < 1e-12);
        assert!(m.damage[0] > 0.5);
        // The damage caps trust at 1 - R = 0.4 < 0.49: repair waits until the damage heals.
        let before = m.trust[0];
        m.observe(&params.trust, 0, true);
        assert!((m.trust[0] - before).abs() < 1e-12);
        for _ in 0..60 {
            m.observe(&params.trust, 0, true);
        }
        assert!(m.trust[0] > before + 0.1 && m.trust[0] <= 1.0 - m.damage[0] + 1e-12);
    }

    #[test]
    fn type_shares_sum_to_one_and_inertia_favours_the_last_choice() {
        let params = GameParams {
            cooperator_share: 0.2,
            free_rider_share: 0.25,
            free_rider_bias: -3.0,
            inertia: 1.5,
            ..GameParams::default()
        };
        let total: f64 = Kind::ALL.iter().map(|k| k.share(&params, false)).sum();
        assert!((total - 1.0).abs() < 1e-12 && (Kind::FreeRider.share(&params, false) - 0.2).abs() < 1e-12);
        // The exit-cost shift moves the free riders' log-odds and keeps the shares summing to 1.
        let shifted = GameParams { free_rider_shift_exit_cost: -(3.0_f64.ln()), ..params };
        let d = Kind::FreeRider.share(&shifted, true) / 0.8;
        assert!((d / (1.0 - d) - (0.25 / 0.75) / 3.0).abs() < 1e-12, "{d}");
        assert!((Kind::ALL.iter().map(|k| k.share(&shifted, true)).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((Kind::FreeRider.share(&shifted, false) - 0.2).abs() < 1e-12);
        let mut m = Member::new(&params, 2);
        let first = m.choice_probabilities(&params, &pd2(), Kind::Ordinary);
        let rider = m.choice_probabilities(&params, &pd2(), Kind::FreeRider);
        assert!(rider[0] < first[0] / 5.0, "{first:?} {rider:?}");
        // Same trust, but the member withheld last period: the odds of withholding over
        // contributing grow by exp(inertia).
        m.last = Some(Action::Withhold);
        let after = m.choice_probabilities(&params, &pd2(), Kind::Ordinary);
        let odds = |p: [f64; 3]| p[1] / p[0];
        assert!((odds(after) / odds(first) - 1.5_f64.exp()).abs() < 1e-9);
        let mut members = vec![Member::new(&params, 2); 2];
        observe_period(&params.trust, &mut members, &[Action::Contribute, Action::Withhold]);
        assert_eq!((members[0].last, members[1].last), (Some(Action::Contribute), Some(Action::Withhold)));
        // Drawn types follow the shares.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let riders = (0..20_000).filter(|_| Kind::draw(&params, false, &mut rng) == Kind::FreeRider).count();
        assert!((riders as f64 / 20_000.0 - 0.2).abs() < 0.015, "{riders}");
    }

    #[test]
    fn partner_slots_skip_self() {
        assert_eq!((partner_slot(0, 1), partner_slot(0, 2)), (0, 1));
        assert_eq!((partner_slot(1, 0), partner_slot(1, 2)), (0, 1));
        assert_eq!((partner_slot(2, 0), partner_slot(2, 1)), (0, 1));
    }

    #[test]
    fn play_stops_at_exit_and_is_reproducible() {
        let params = GameParams { bias_exit: 0.0, ..GameParams::default() };
        let a = play(&params, &pd2(), 50, &mut ChaCha8Rng::seed_from_u64(3));
        let b = play(&params, &pd2(), 50, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(a, b);
        let t = a.exit_period.expect("with no reluctance to leave somebody exits within 50 periods");
        assert_eq!(a.choices.len(), t as usize);
        assert!(a.choices[t as usize - 1].contains(&Action::Exit));
    }

    #[test]
    fn play_with_reports_end_trust_and_carry_over_mixes_it_in() {
        let params = GameParams { cooperator_bias: 60.0, experience_weight: 0.25, ..GameParams::default() };
        let (p, end) = play_with(
            &params,
            &pd2(),
            4,
            &[0.5, 0.9],
            &[Kind::Cooperator, Kind::Cooperator],
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        assert!(p.choices.iter().all(|c| c.iter().all(|a| *a == Action::Contribute)));
        // Four contributions seen: the gap to full trust shrinks by (1 - lambda_plus)^4.
        let lp = params.trust.lambda_plus;
        for (t0, e) in [0.5, 0.9].iter().zip(&end) {
            assert!((e - (1.0 - (1.0 - t0) * (1.0 - lp).powi(4))).abs() < 1e-12, "{end:?}");
        }
        assert!((carry_over(&params, 0.4, 0.8) - 0.5).abs() < 1e-12);
        assert!((carry_over(&GameParams::default(), 0.4, 0.8) - 0.4).abs() < 1e-12);
    }
}
