//! Loading the experiment: GAdata.csv (plain or gzip) -> alliances with their choice sequences,
//! treatments and payoff tables, with the columns and labels checked.

use crate::error::CalibError;
use alliance_sim::game::{Action, Payoffs, Play, MAX_MEMBERS};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The strategic game of a treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Game {
    /// Coordination game, low competition (`CG`).
    Coordination,
    /// Prisoner's dilemma, high competition (`PD`).
    PrisonersDilemma,
}

impl Game {
    /// The data's label.
    pub fn label(self) -> &'static str {
        match self {
            Game::Coordination => "CG",
            Game::PrisonersDilemma => "PD",
        }
    }
}

/// A treatment cell: game x governance (exit cost or not) x number of partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Treatment {
    /// The game.
    pub game: Game,
    /// Whether exiting costs every partner the exit cost.
    pub exit_cost: bool,
    /// Group size, 2 or 3.
    pub members: u8,
}

impl Treatment {
    /// All eight cells in a fixed order: CG before PD, two partners before three, no exit cost
    /// before exit cost.
    pub fn all() -> Vec<Treatment> {
        let mut v = Vec::new();
        for game in [Game::Coordination, Game::PrisonersDilemma] {
            for members in [2, 3] {
                for exit_cost in [false, true] {
                    v.push(Treatment { game, exit_cost, members });
                }
            }
        }
        v
    }

    /// The data's `GovStructure` label: `2-player`, `3-player`, `2-Exit cost`, `3-Exit cost`.
    pub fn governance_label(&self) -> String {
        if self.exit_cost {
            format!("{}-Exit cost", self.members)
        } else {
            format!("{}-player", self.members)
        }
    }
}

impl fmt::Display for Treatment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.game.label(), self.governance_label())
    }
}

/// One alliance (a partnership in one interaction of one session) as observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Alliance {
    /// Session, 1-16.
    pub session: u32,
    /// Interaction within the session.
    pub interaction: u32,
    /// Partnership within the interaction.
    pub partnership: u32,
    /// Treatment cell.
    pub treatment: Treatment,
    /// Periods the interaction lasted (the alliance's horizon).
    pub periods: u32,
    /// Choices until the horizon or the exit (members ordered by subject number).
    pub play: Play,
    /// The session's subject number of each member, in the order of `play`.
    pub subjects: Vec<u32>,
}

/// A subject across its alliances: the session and the subject number.
pub type SubjectKey = (u32, u64);

impl Alliance {
    /// The subject of member `m`: its session and subject number. A member without a subject
    /// number (alliances built by hand) is a subject of its own, told apart by `index`, the
    /// alliance's position in the caller's list.
    pub fn subject_key(&self, index: usize, m: usize) -> SubjectKey {
        match self.subjects.get(m) {
            Some(&s) => (self.session, u64::from(s)),
            None => (self.session, (1u64 << 40) + (index * 4 + m) as u64),
        }
    }
}

/// The experiment: alliances and the payoff table of each treatment.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// All alliances, ordered by session, interaction, partnership.
    pub alliances: Vec<Alliance>,
    /// Payoffs per treatment present in the data.
    pub payoffs: BTreeMap<Treatment, Payoffs>,
}

const REQUIRED: [&str; 9] =
    ["Session", "Subject", "GovStructure", "Game", "interaction", "Period", "Partnership", "Profit", "Choice"];

/// A choice cell: an action, or `E-` (the alliance ended in an earlier period).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Act(Action),
    Ended,
}

struct Row {
    subject: u32,
    period: u32,
    profit: f64,
    choice: Cell,
}

type Key = (u32, u32, u32);

impl Experiment {
    /// Reads GAdata.csv, plain or gzip-compressed (by the file's magic bytes).
    pub fn read(path: &Path) -> Result<Experiment, CalibError> {
        let io = |e: std::io::Error| CalibError::Io { path: path.display().to_string(), msg: e.to_string() };
        let bytes = std::fs::read(path).map_err(io)?;
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut s).map_err(io)?;
            s
        } else {
            String::from_utf8(bytes).map_err(|e| CalibError::Io {
                path: path.display().to_string(),
                msg: format!("not UTF-8 text ({e})"),
            })?
        };
        Experiment::parse(&text)
    }

    /// Parses the text of GAdata.csv.
    pub fn parse(text: &str) -> Result<Experiment, CalibError> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
        let header = rdr.headers().map_err(|e| CalibError::Csv { line: 1, msg: e.to_string() })?.clone();
        let col = |name: &str| header.iter().position(|h| h.trim() == name);
        let missing: Vec<String> = REQUIRED.iter().filter(|c| col(c).is_none()).map(|c| format!("`{c}`")).collect();
        if !missing.is_empty() {
            return Err(CalibError::MissingColumns { missing: missing.join(", ") });
        }
        let idx: Vec<usize> = REQUIRED.iter().filter_map(|c| col(c)).collect();
        let mut groups: BTreeMap<Key, (Treatment, Vec<Row>)> = BTreeMap::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| CalibError::Csv { line, msg: e.to_string() })?;
            let field = |k: usize| rec.get(idx[k]).unwrap_or("").trim();
            let int = |k: usize| -> Result<u32, CalibError> {
                field(k).parse::<u32>().map_err(|_| CalibError::BadNumber {
                    line,
                    column: REQUIRED[k].into(),
                    value: field(k).into(),
                })
            };
            let session = int(0)?;
            let subject = int(1)?;
            let (exit_cost, members) = match field(2) {
                "2-player" => (false, 2),
                "3-player" => (false, 3),
                "2-Exit cost" => (true, 2),
                "3-Exit cost" => (true, 3),
                other => {
                    return Err(CalibError::UnknownLabel {
                        line,
                        column: "GovStructure".into(),
                        value: other.into(),
                        expected: "`2-player`, `3-player`, `2-Exit cost`, `3-Exit cost`".into(),
                    })
                }
            };
            let game = match field(3) {
                "CG" => Game::Coordination,
                "PD" => Game::PrisonersDilemma,
                other => {
                    return Err(CalibError::UnknownLabel {
                        line,
                        column: "Game".into(),
                        value: other.into(),
                        expected: "`CG`, `PD`".into(),
                    })
                }
            };
            let interaction = int(4)?;
            let period = int(5)?;
            let partnership = int(6)?;
            let profit = field(7)
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite())
                .ok_or_else(|| CalibError::BadNumber { line, column: "Profit".into(), value: field(7).into() })?;
            let choice = match field(8) {
                "C" => Cell::Act(Action::Contribute),
                "nC" => Cell::Act(Action::Withhold),
                "E" => Cell::Act(Action::Exit),
                "E-" => Cell::Ended,
                other => {
                    return Err(CalibError::UnknownLabel {
                        line,
                        column: "Choice".into(),
                        value: other.into(),
                        expected: "`C`, `nC`, `E`, `E-`".into(),
                    })
                }
            };
            if period == 0 {
                return Err(CalibError::BadNumber { line, column: "Period".into(), value: "0".into() });
            }
            let treatment = Treatment { game, exit_cost, members };
            let entry = groups.entry((session, interaction, partnership)).or_insert_with(|| (treatment, Vec::new()));
            if entry.0 != treatment {
                return Err(CalibError::Inconsistent {
                    session,
                    interaction,
                    partnership,
                    msg: format!("line {line} gives treatment `{treatment}`, earlier rows `{}`", entry.0),
                });
            }
            entry.1.push(Row { subject, period, profit, choice });
        }
        let mut alliances = Vec::with_capacity(groups.len());
        let mut tables: BTreeMap<Treatment, PayoffReader> = BTreeMap::new();
        for ((session, interaction, partnership), (treatment, rows)) in groups {
            let fail = |msg: String| CalibError::Inconsistent { session, interaction, partnership, msg };
            let subjects: BTreeSet<u32> = rows.iter().map(|r| r.subject).collect();
            if subjects.len() != usize::from(treatment.members) {
                return Err(fail(format!(
                    "{} subjects in a `{}` alliance",
                    subjects.len(),
                    treatment.governance_label()
                )));
            }
            let subjects: Vec<u32> = subjects.into_iter().collect();
            let periods = rows.iter().map(|r| r.period).max().unwrap_or(0);
            let n = subjects.len();
            let mut grid: Vec<Vec<Option<(Cell, f64)>>> = vec![vec![None; n]; periods as usize];
            for r in &rows {
                let m = subjects.iter().position(|&s| s == r.subject).unwrap_or(0);
                let slot = &mut grid[(r.period - 1) as usize][m];
                if slot.is_some() {
                    return Err(fail(format!("subject {} has two rows for period {}", r.subject, r.period)));
                }
                *slot = Some((r.choice, r.profit));
            }
            let mut choices = Vec::new();
            let mut exit_period = None;
            for (t, row) in grid.iter().enumerate() {
                let cells: Vec<(Cell, f64)> = row
                    .iter()
                    .enumerate()
                    .map(|(m, c)| {
                        c.ok_or_else(|| fail(format!("subject {} has no row for period {}", subjects[m], t + 1)))
                    })
                    .collect::<Result<_, _>>()?;
                let reader = tables.entry(treatment).or_insert_with(|| PayoffReader::new(treatment));
                if exit_period.is_some() {
                    if cells.iter().any(|(c, _)| *c != Cell::Ended) {
                        return Err(fail(format!("a choice other than `E-` in period {} after the exit", t + 1)));
                    }
                    for (_, p) in &cells {
                        reader.outside.record(*p, &treatment, "the outside option (`E-`)")?;
                    }
                    continue;
                }
                let acts: Vec<Action> = cells
                    .iter()
                    .map(|(c, _)| match c {
                        Cell::Act(a) => Ok(*a),
                        Cell::Ended => Err(fail(format!("`E-` in period {} before anybody exited", t + 1))),
                    })
                    .collect::<Result<_, _>>()?;
                if acts.contains(&Action::Exit) {
                    for (_, p) in &cells {
                        reader.exit_period.record(*p, &treatment, "the exit period")?;
                    }
                    exit_period = Some(t as u32 + 1);
                } else {
                    for (m, a) in acts.iter().enumerate() {
                        let k = acts.iter().enumerate().filter(|(j, b)| *j != m && **b == Action::Contribute).count();
                        reader.record(*a, k, cells[m].1)?;
                    }
                }
                choices.push(acts);
            }
            alliances.push(Alliance {
                session,
                interaction,
                partnership,
                treatment,
                periods,
                play: Play { choices, exit_period },
                subjects,
            });
        }
        let mut payoffs = BTreeMap::new();
        for (t, r) in tables {
            payoffs.insert(t, r.finish()?);
        }
        Ok(Experiment { alliances, payoffs })
    }

    /// Sessions present in the data.
    pub fn sessions(&self) -> BTreeSet<u32> {
        self.alliances.iter().map(|a| a.session).collect()
    }

    /// The alliances of the sessions in `spec` (e.g. `1-4,6,7`), with an error when the list is
    /// malformed or selects nothing.
    pub fn select(&self, spec: &str) -> Result<Vec<&Alliance>, CalibError> {
        let wanted = parse_sessions(spec)?;
        let chosen: Vec<&Alliance> = self.alliances.iter().filter(|a| wanted.contains(&a.session)).collect();
        if chosen.is_empty() {
            let available = ranges(&self.sessions());
            return Err(CalibError::EmptySelection { spec: spec.into(), available });
        }
        Ok(chosen)
    }
}

/// Parses a session list: comma-separated numbers and inclusive ranges `a-b`.
pub fn parse_sessions(spec: &str) -> Result<BTreeSet<u32>, CalibError> {
    let bad = |msg: String| CalibError::SessionSpec { spec: spec.into(), msg };
    let mut out = BTreeSet::new();
    for part in spec.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(bad("an empty item; write numbers and ranges such as `1-4,6,7`".into()));
        }
        let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad(format!("`{s}` is not a session number")));
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(bad(format!("the range `{part}` runs backwards")));
                }
                out.extend(a..=b);
            }
            None => {
                out.insert(num(part)?);
            }
        }
    }
    Ok(out)
}

/// Writes a set of sessions compactly: `1-4, 6, 7`.
pub fn ranges(set: &BTreeSet<u32>) -> String {
    let v: Vec<u32> = set.iter().copied().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if j > i { format!("{}-{}", v[i], v[j]) } else { v[i].to_string() });
        i = j + 1;
    }
    parts.join(",")
}

/// One payoff read off the data: the first profit seen, checked against every later one.
#[derive(Default)]
struct Slot(Option<f64>);

impl Slot {
    fn record(&mut self, profit: f64, treatment: &Treatment, what: &str) -> Result<(), CalibError> {
        match self.0 {
            None => self.0 = Some(profit),
            // Profits are recorded to the cent; anything larger is a different payoff.
            Some(first) if (first - profit).abs() > 1e-6 => {
                return Err(CalibError::PayoffConflict {
                    treatment: treatment.to_string(),
                    what: what.into(),
                    first,
                    second: profit,
                })
            }
            Some(_) => {}
        }
        Ok(())
    }
}

struct PayoffReader {
    treatment: Treatment,
    contribute: [Slot; MAX_MEMBERS],
    withhold: [Slot; MAX_MEMBERS],
    outside: Slot,
    exit_period: Slot,
}

impl PayoffReader {
    fn new(treatment: Treatment) -> Self {
        Self {
            treatment,
            contribute: Default::default(),
            withhold: Default::default(),
            outside: Slot::default(),
            exit_period: Slot::default(),
        }
    }

    fn record(&mut self, a: Action, k: usize, profit: f64) -> Result<(), CalibError> {
        let t = self.treatment;
        match a {
            Action::Contribute => {
                self.contribute[k].record(profit, &t, &format!("contributing with {k} partner(s) contributing"))
            }
            Action::Withhold => {
                self.withhold[k].record(profit, &t, &format!("withholding with {k} partner(s) contributing"))
            }
            Action::Exit => Ok(()),
        }
    }

    fn finish(self) -> Result<Payoffs, CalibError> {
        let t = self.treatment;
        let missing = |what: String| CalibError::PayoffMissing { treatment: t.to_string(), what };
        let n = usize::from(t.members);
        let mut contribute = Vec::with_capacity(n);
        let mut withhold = Vec::with_capacity(n);
        for k in 0..n {
            contribute.push(
                self.contribute[k]
                    .0
                    .ok_or_else(|| missing(format!("contributing with {k} partner(s) contributing")))?,
            );
            withhold.push(
                self.withhold[k].0.ok_or_else(|| missing(format!("withholding with {k} partner(s) contributing")))?,
            );
        }
        let outside = self.outside.0.ok_or_else(|| missing("the outside option (`E-`)".into()))?;
        // An exit period without later periods would leave the outside option unknown; the
        // exit cost is what the exit period pays below the outside option.
        let exit_cost = self.exit_period.0.map_or(0.0, |p| (outside - p).max(0.0));
        Ok(Payoffs { contribute, withhold, outside, exit_cost })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Session,Subject,GovStructure,Game,interactionDraw,interaction,Period,Partnership,Profit,Matchpay,Finished,Choice,Terminator,PartnerChoice.Poc,PTc,gplay,simplay,Age,Gender\n";

    fn row(session: u32, subject: u32, gov: &str, period: u32, profit: f64, choice: &str) -> String {
        format!("{session},{subject},{gov},PD,1,1,{period},1,{profit},0,0,{choice},0,C,NA,1,1,20,Male\n")
    }

    /// A two-partner PD alliance: CC, C/nC, nC/nC, then subject 2 exits; outside option 1.5.
    fn tiny() -> String {
        let mut s = HEADER.to_string();
        for (p, a, b, pa, pb) in [
            (1, "C", "C", 2.5, 2.5),
            (2, "C", "nC", -2.5, 3.0),
            (3, "nC", "nC", 1.0, 1.0),
            (4, "nC", "E", 1.5, 1.5),
            (5, "E-", "E-", 1.5, 1.5),
        ] {
            s += &row(5, 1, "2-player", p, pa, a);
            s += &row(5, 2, "2-player", p, pb, b);
        }
        s
    }

    #[test]
    fn reads_choices_exit_and_payoffs() {
        let e = Experiment::parse(&tiny()).unwrap();
        assert_eq!(e.alliances.len(), 1);
        let a = &e.alliances[0];
        assert_eq!(a.periods, 5);
        assert_eq!(a.play.exit_period, Some(4));
        assert_eq!(a.play.choices.len(), 4);
        assert_eq!(a.play.choices[1], vec![Action::Contribute, Action::Withhold]);
        let p = &e.payoffs[&a.treatment];
        assert!((p.withhold[1] - 3.0).abs() < 1e-12 && (p.contribute[0] + 2.5).abs() < 1e-12);
        assert!((p.outside - 1.5).abs() < 1e-12 && p.exit_cost.abs() < 1e-12);
        let text = tiny().replacen(",3,1,1,0,0,nC,", ",3,1,1,0,0,C,", 1);
        let err = Experiment::parse(&text).unwrap_err().to_string();
        assert!(err.contains("the profit of contributing with 0 partner(s)"), "{err}");
    }

    #[test]
    fn missing_column_is_named() {
        let text = tiny().replace("GovStructure", "Governance");
        let err = Experiment::parse(&text).unwrap_err();
        assert!(err.to_string().contains("`GovStructure`"), "{err}");
    }

    #[test]
    fn unknown_labels_are_named_with_their_line() {
        let text = tiny().replacen("2-player", "4-player", 1);
        let err = Experiment::parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("Line 2: `GovStructure` = `4-player`"), "{err}");
        let text = tiny().replace(",PD,", ",SH,");
        assert!(Experiment::parse(&text).unwrap_err().to_string().contains("`Game` = `SH`"));
        let text = tiny().replacen(",nC,", ",D,", 1);
        assert!(Experiment::parse(&text).unwrap_err().to_string().contains("`Choice` = `D`"));
    }

    #[test]
    fn session_lists() {
        let s = parse_sessions("1-4,6, 7,13-14").unwrap();
        assert_eq!(s.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4, 6, 7, 13, 14]);
        assert!(parse_sessions("4-1").is_err());
        assert!(parse_sessions("1,,2").is_err());
        assert!(parse_sessions("a").is_err());
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8].into_iter().collect()), "1-3,5,7-8");
    }

    #[test]
    fn selecting_no_session_is_an_error() {
        let e = Experiment::parse(&tiny()).unwrap();
        let err = e.select("1-4").unwrap_err().to_string();
        assert_eq!(err, "Session list `1-4` selects no alliance; the data hold sessions 5.");
        assert_eq!(e.select("5").unwrap().len(), 1);
    }
}
