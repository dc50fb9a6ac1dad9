//! The catalogue format shared by every Entente instrument: constructs with definitions, source
//! scales and 7-point items (with anchors and reverse flags), grouped into instruments that can be
//! exported as questionnaires ([`Instrument::to_markdown`]) and as answer templates
//! ([`Instrument::answers_template`]).
//!
//! The dyad assessment's instrument is built by [`dyad::dyad_instrument`]; the trust study's
//! construct catalogue is meant to use the same types.

pub mod dyad;

use serde::{Deserialize, Serialize};

/// Lowest answer on every item.
pub const SCALE_MIN: f64 = 1.0;
/// Highest answer on every item.
pub const SCALE_MAX: f64 = 7.0;
/// Midpoint of the 7-point scale.
pub const SCALE_MID: f64 = 4.0;

/// The seven labels of a 7-point item, from 1 to 7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchors(pub [String; 7]);

impl Anchors {
    /// Strongly disagree (1) ... strongly agree (7).
    pub fn agreement() -> Self {
        Self::from_strs([
            "strongly disagree",
            "disagree",
            "somewhat disagree",
            "neither agree nor disagree",
            "somewhat agree",
            "agree",
            "strongly agree",
        ])
    }

    /// Not important at all (1) ... essential (7).
    pub fn importance() -> Self {
        Self::from_strs([
            "not important at all",
            "of little importance",
            "of some importance",
            "moderately important",
            "important",
            "very important",
            "essential",
        ])
    }

    /// A bipolar (semantic-differential) item: `low` at 1, `high` at 7, graded in between.
    pub fn bipolar(low: &str, high: &str) -> Self {
        Anchors([
            format!("entirely: {low}"),
            format!("mostly: {low}"),
            format!("somewhat: {low}"),
            "both equally".to_string(),
            format!("somewhat: {high}"),
            format!("mostly: {high}"),
            format!("entirely: {high}"),
        ])
    }

    fn from_strs(labels: [&str; 7]) -> Self {
        Anchors(labels.map(str::to_string))
    }
}

/// One questionnaire item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id, used as the key in answer files and as the CSV column name.
    pub id: String,
    /// The statement or question shown to the respondent.
    pub text: String,
    /// Labels of the seven answer points.
    pub anchors: Anchors,
    /// Reverse-keyed: the score uses `8 - answer`.
    pub reverse: bool,
}

impl Item {
    /// A non-reversed item.
    pub fn new(id: &str, text: &str, anchors: Anchors) -> Self {
        Item { id: id.to_string(), text: text.to_string(), anchors, reverse: false }
    }

    /// A reverse-keyed item.
    pub fn reversed(id: &str, text: &str, anchors: Anchors) -> Self {
        Item { reverse: true, ..Item::new(id, text, anchors) }
    }

    /// The answer on the construct's direction: `8 - x` for reverse-keyed items.
    pub fn keyed(&self, answer: f64) -> f64 {
        if self.reverse {
            SCALE_MAX + SCALE_MIN - answer
        } else {
            answer
        }
    }
}

/// Where a construct's items come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceScale {
    /// The text or validated scale the items were written from or adapted.
    pub citation: String,
    /// `true` when items were adapted from a published scale, `false` when written from theory.
    pub adapted: bool,
}

/// A measured construct: id, name, definition, items, source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Construct {
    /// Short code (e.g. `RCS`, `TRN`).
    pub id: String,
    /// Name, as in THEORY.md.
    pub name: String,
    /// What the construct means.
    pub definition: String,
    /// Items, in questionnaire order.
    pub items: Vec<Item>,
    /// Source scale.
    pub source: SourceScale,
}

impl Construct {
    /// Look an item up by id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// A set of constructs administered together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    /// Short id.
    pub id: String,
    /// Title shown on the questionnaire.
    pub name: String,
    /// Instructions to the respondent.
    pub instructions: String,
    /// Constructs, in questionnaire order.
    pub constructs: Vec<Construct>,
}

impl Instrument {
    /// Find a construct by id.
    pub fn construct(&self, id: &str) -> Option<&Construct> {
        self.constructs.iter().find(|c| c.id == id)
    }

    /// Find an item by id anywhere in the instrument.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.constructs.iter().find_map(|c| c.item(id))
    }

    /// All items, in questionnaire order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.constructs.iter().flat_map(|c| c.items.iter())
    }

    /// The questionnaire as Markdown: one section per construct, one numbered item per line with
    /// its seven anchors; reverse-keyed items are marked for the analyst, not the respondent, in
    /// a key at the end.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n{}\n", self.name, self.instructions);
        let mut n = 0;
        for c in &self.constructs {
            out.push_str(&format!("\n## {} ({})\n\n", c.name, c.id));
            for item in &c.items {
                n += 1;
                out.push_str(&format!("{n}. `{}` {}\n", item.id, item.text));
                let scale: Vec<String> =
                    item.anchors.0.iter().enumerate().map(|(k, a)| format!("{} = {a}", k + 1)).collect();
                out.push_str(&format!("   - {}\n", scale.join("; ")));
            }
        }
        out.push_str("\n## Scoring key (for the analyst)\n\n| construct | definition | source | reverse-keyed items |\n|---|---|---|---|\n");
        for c in &self.constructs {
            let rev: Vec<&str> = c.items.iter().filter(|i| i.reverse).map(|i| i.id.as_str()).collect();
            out.push_str(&format!(
                "| {} {} | {} | {} | {} |\n",
                c.id,
                c.name,
                c.definition,
                c.source.citation,
                if rev.is_empty() { "none".to_string() } else { rev.join(", ") }
            ));
        }
        out
    }

    /// The header of a respondents CSV (one row per respondent of one partner): `partner`,
    /// `respondent`, `governance`, `equity_share`, then every item id.
    pub fn csv_header(&self) -> String {
        let mut cols = vec!["partner", "respondent", "governance", "equity_share"];
        cols.extend(self.items().map(|i| i.id.as_str()));
        cols.join(",") + "\n"
    }

    /// A TOML answers file to fill in: header fields then one commented line per item.
    pub fn answers_template(&self) -> String {
        let mut out = String::from(
            "# Answers of ONE partner. Each item takes an integer from 1 to 7; leave an item out if it is not answered.\n\
             partner = \"Your firm\"\n\
             # licensing | non-equity-jv | equity-jv | merger-acquisition\n\
             governance = \"equity-jv\"\n\
             # your firm's equity share in an equity JV (0-1), optional\n\
             equity_share = 0.5\n\n[answers]\n",
        );
        for c in &self.constructs {
            out.push_str(&format!("# {} ({})\n", c.name, c.id));
            for item in &c.items {
                out.push_str(&format!("# {}\n{} = 4\n", item.text, item.id));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_keyed_item_flips_the_scale() {
        let item = Item::reversed("X", "text", Anchors::agreement());
        assert!((item.keyed(2.0) - 6.0).abs() < 1e-12);
        let plain = Item::new("Y", "text", Anchors::agreement());
        assert!((plain.keyed(2.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn bipolar_anchors_put_poles_at_the_ends() {
        let a = Anchors::bipolar("cut cost", "build new");
        assert!(a.0[0].contains("cut cost"));
        assert!(a.0[6].contains("build new"));
        assert_eq!(a.0[3], "both equally");
    }
}
