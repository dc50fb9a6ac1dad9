//! The dyad-assessment instrument (THEORY.md sections 2-4), answered once per partner.
//!
//! - Seven **motives** (section 2 table), each with an importance item (`<M>_IMP`) and two
//!   bipolar items placing the motive between exploitation (1) and exploration (7); the second
//!   (`<M>_X2`) is reverse-keyed (its exploration pole is at 1).
//! - **Environmental dynamism** (`ENV`), needed for P6.
//! - Hamel's determinants (section 3): **intent** (`INT`: internalise, access, substitute),
//!   **transparency** and the membrane practices (`TRN`: scope of sharing, contingent release,
//!   gatekeepers, physical separation), **receptivity** (`REC`: desire, capacity, language and
//!   cultural gap, benchmarking, internal diffusion).
//! - **Trust-building practices** (`TBP`, section 4).
//!
//! Items are written from the source texts (not adapted from validated scales); their
//! `SourceScale` says which text.

use super::{Anchors, Construct, Instrument, Item, SourceScale};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A theoretical root of a motive (THEORY.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Root {
    /// Transaction cost economics (economic).
    Tce,
    /// Resource dependency (economic).
    Rd,
    /// Strategic positioning (economic).
    Sp,
    /// Organisational learning (behavioural).
    Ol,
    /// Institutional theory (behavioural).
    It,
    /// Population ecology (behavioural).
    Pe,
}

/// Economic versus behavioural rationale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RationaleClass {
    /// TCE, RD, SP.
    Economic,
    /// OL, IT, PE.
    Behavioural,
}

impl Root {
    /// All six roots.
    pub const ALL: [Root; 6] = [Root::Tce, Root::Rd, Root::Sp, Root::Ol, Root::It, Root::Pe];

    /// Economic or behavioural.
    pub fn class(self) -> RationaleClass {
        match self {
            Root::Tce | Root::Rd | Root::Sp => RationaleClass::Economic,
            Root::Ol | Root::It | Root::Pe => RationaleClass::Behavioural,
        }
    }

    /// The abbreviation used in THEORY.md.
    pub fn code(self) -> &'static str {
        match self {
            Root::Tce => "TCE",
            Root::Rd => "RD",
            Root::Sp => "SP",
            Root::Ol => "OL",
            Root::It => "IT",
            Root::Pe => "PE",
        }
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for RationaleClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RationaleClass::Economic => "economic",
            RationaleClass::Behavioural => "behavioural",
        })
    }
}

/// The seven strategic motives of THEORY.md section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Motive {
    /// Risk/cost sharing.
    RiskCostSharing,
    /// Transfer of knowledge-related capabilities.
    KnowledgeTransfer,
    /// Shaping competition.
    ShapingCompetition,
    /// Access to market.
    MarketAccess,
    /// Facilitate internationalisation.
    Internationalisation,
    /// Strategic linkages.
    StrategicLinkages,
    /// Gaining legitimacy.
    Legitimacy,
}

impl Motive {
    /// All seven, in THEORY.md's order.
    pub const ALL: [Motive; 7] = [
        Motive::RiskCostSharing,
        Motive::KnowledgeTransfer,
        Motive::ShapingCompetition,
        Motive::MarketAccess,
        Motive::Internationalisation,
        Motive::StrategicLinkages,
        Motive::Legitimacy,
    ];

    /// Construct id and item prefix.
    pub fn code(self) -> &'static str {
        match self {
            Motive::RiskCostSharing => "RCS",
            Motive::KnowledgeTransfer => "TKC",
            Motive::ShapingCompetition => "SHC",
            Motive::MarketAccess => "MKT",
            Motive::Internationalisation => "INTL",
            Motive::StrategicLinkages => "LNK",
            Motive::Legitimacy => "LEG",
        }
    }

    /// Name as in THEORY.md.
    pub fn name(self) -> &'static str {
        match self {
            Motive::RiskCostSharing => "risk/cost sharing",
            Motive::KnowledgeTransfer => "transfer of knowledge-related capabilities",
            Motive::ShapingCompetition => "shaping competition",
            Motive::MarketAccess => "access to market",
            Motive::Internationalisation => "facilitate internationalisation",
            Motive::StrategicLinkages => "strategic linkages",
            Motive::Legitimacy => "gaining legitimacy",
        }
    }

    /// Theoretical roots (THEORY.md section 2 table).
    pub fn roots(self) -> &'static [Root] {
        match self {
            Motive::RiskCostSharing => &[Root::Tce],
            Motive::KnowledgeTransfer => &[Root::Tce, Root::Ol],
            Motive::ShapingCompetition => &[Root::Sp],
            Motive::MarketAccess => &[Root::Sp],
            Motive::Internationalisation => &[Root::Ol, Root::Sp],
            Motive::StrategicLinkages => &[Root::Tce, Root::Rd],
            Motive::Legitimacy => &[Root::Pe, Root::It],
        }
    }

    /// (exploitation pole, exploration pole) from THEORY.md's table.
    pub fn poles(self) -> (&'static str, &'static str) {
        match self {
            Motive::RiskCostSharing => {
                ("cut cost and asset risk, reach scale economies", "enter unfamiliar businesses faster")
            }
            Motive::KnowledgeTransfer => (
                "match our existing explicit skills with the partner's",
                "fuse both firms' skills into new capabilities",
            ),
            Motive::ShapingCompetition => {
                ("defensive or offensive positioning against rivals", "co-opetition that creates new value")
            }
            Motive::MarketAccess => (
                "follow host-market rules, use local knowledge and channels",
                "redesign the whole value chain for the market",
            ),
            Motive::Internationalisation => {
                ("gain international experience and speed of entry", "build a global strategy and organisation")
            }
            Motive::StrategicLinkages => {
                ("vertical quasi-integration with the partner", "total integration of both firms' capabilities")
            }
            Motive::Legitimacy => ("become like established players (isomorphism)", "differentiate and gain autonomy"),
        }
    }

    /// Item ids: importance, first placement item, second (reverse-keyed) placement item.
    pub fn item_ids(self) -> [String; 3] {
        let c = self.code();
        [format!("{c}_IMP"), format!("{c}_X1"), format!("{c}_X2")]
    }
}

impl fmt::Display for Motive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const SEED_MISMATCH: &str = "Written from THEORY.md section 2 (strategic mismatch explanation of IJV failure)";
const SEED_HAMEL: &str =
    "Written from THEORY.md section 3 (Hamel: competitive collaboration and inter-partner learning)";
const SEED_TRUST: &str = "Written from THEORY.md section 4 (building trust between organisations)";

fn written(citation: &str) -> SourceScale {
    SourceScale { citation: citation.to_string(), adapted: false }
}

fn motive_construct(m: Motive) -> Construct {
    let [imp, x1, x2] = m.item_ids();
    let (exploit, explore) = m.poles();
    Construct {
        id: m.code().to_string(),
        name: format!("motive: {}", m.name()),
        definition: format!(
            "How important {} is to the firm in this alliance, and whether the firm pursues it by exploitation (use existing, complementary resources) or exploration (create new capabilities together).",
            m.name()
        ),
        items: vec![
            Item::new(&imp, &format!("How important is {} to your firm in this alliance?", m.name()), Anchors::importance()),
            Item::new(
                &x1,
                &format!("Through this alliance, we pursue {} mainly to ...", m.name()),
                Anchors::bipolar(exploit, explore),
            ),
            Item::reversed(
                &x2,
                &format!("Success on {} will be judged by whether we ...", m.name()),
                Anchors::bipolar(explore, exploit),
            ),
        ],
        source: written(SEED_MISMATCH),
    }
}

/// The instrument each partner of a dyad answers.
pub fn dyad_instrument() -> Instrument {
    let agree = Anchors::agreement;
    let mut constructs: Vec<Construct> = Motive::ALL.iter().map(|&m| motive_construct(m)).collect();
    constructs.push(Construct {
        id: "ENV".into(),
        name: "environmental dynamism".into(),
        definition: "How fast success criteria change in the alliance's markets and technologies (P6).".into(),
        items: vec![
            Item::new("ENV_1", "Technologies in our alliance's field change rapidly.", agree()),
            Item::new("ENV_2", "Customer needs and competitors' moves in this market are hard to predict.", agree()),
            Item::reversed(
                "ENV_3",
                "What made a firm successful in this market five years ago still does today.",
                agree(),
            ),
        ],
        source: written(SEED_MISMATCH),
    });
    constructs.push(Construct {
        id: "INT".into(),
        name: "intent".into(),
        definition: "Whether the firm collaborates to internalise the partner's skills, only to access them (avoid investment, share risk), or to substitute them for skills of its own.".into(),
        items: vec![
            Item::new("INT_INTERNALISE_1", "A main goal of this alliance is to learn the partner's skills and make them our own.", agree()),
            Item::new("INT_INTERNALISE_2", "We track what we have learned from the partner against explicit learning goals.", agree()),
            Item::new("INT_ACCESS", "We collaborate mainly to avoid investments and share risks, not to learn.", agree()),
            Item::new("INT_SUBSTITUTE", "We use the partner's skills instead of building such skills ourselves.", agree()),
        ],
        source: written(SEED_HAMEL),
    });
    constructs.push(Construct {
        id: "TRN".into(),
        name: "transparency".into(),
        definition: "How open the firm's own skills are to the partner, as set by its collaborative membrane (high = open).".into(),
        items: vec![
            Item::new("TRN_SCOPE", "We share the full scope of our relevant skills with the partner, not only what the agreement requires.", agree()),
            Item::reversed("TRN_CONTINGENT", "We release knowledge bit by bit, contingent on what the partner delivers.", agree()),
            Item::reversed("TRN_GATEKEEPERS", "Gatekeepers monitor and approve what our staff disclose to the partner.", agree()),
            Item::reversed("TRN_SEPARATION", "Our people working with the partner are physically separated from our core operations.", agree()),
        ],
        source: written(SEED_HAMEL),
    });
    constructs.push(Construct {
        id: "REC".into(),
        name: "receptivity".into(),
        definition: "The firm's ability to absorb what the partner makes available: desire, capacity, gap to the partner, benchmarking and internal diffusion.".into(),
        items: vec![
            Item::new("REC_DESIRE", "Our people in the alliance are eager to learn from the partner.", agree()),
            Item::new("REC_CAPACITY", "We have the skills needed to understand and use the partner's know-how.", agree()),
            Item::reversed("REC_GAP", "Language and cultural differences make it hard for us to learn from the partner.", agree()),
            Item::new("REC_BENCHMARK", "We systematically benchmark our practices against the partner's.", agree()),
            Item::new("REC_DIFFUSION", "What we learn in the alliance is spread across our own organisation.", agree()),
        ],
        source: written(SEED_HAMEL),
    });
    constructs.push(Construct {
        id: "TBP".into(),
        name: "trust-building practices".into(),
        definition: "The practices through which the partners build mutual trust step by step: interpersonal relationships, shared understanding of intent, kept commitments, joint adaptation, verification.".into(),
        items: vec![
            Item::new("TBP_RELATIONS", "People who run the alliance on both sides have close personal working relationships.", agree()),
            Item::new("TBP_INTENT", "We have explained our real strategic intent in this alliance to the partner.", agree()),
            Item::new("TBP_STEPS", "We build the relationship step by step, keeping each commitment before making the next.", agree()),
            Item::new("TBP_ADAPT", "When something unplanned happens, we adapt together with the partner.", agree()),
            Item::new("TBP_VERIFY", "We verify the partner's delivery without needing costly controls (trust but verify).", agree()),
        ],
        source: written(SEED_TRUST),
    });
    Instrument {
        id: "dyad".into(),
        name: "Entente alliance diagnostic: partner questionnaire".into(),
        instructions: "Answer for your firm only, about this alliance. Every item runs from 1 to 7; the labels of 1 and 7 are given with each item.".into(),
        constructs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_motive_has_three_items_and_one_is_reversed() {
        let inst = dyad_instrument();
        for m in Motive::ALL {
            let c = inst.construct(m.code()).expect("motive construct");
            assert_eq!(c.items.len(), 3);
            assert_eq!(c.items.iter().filter(|i| i.reverse).count(), 1);
        }
    }

    #[test]
    fn item_ids_are_unique() {
        let inst = dyad_instrument();
        let mut ids: Vec<&str> = inst.items().map(|i| i.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn roots_follow_theory_classes() {
        assert_eq!(Root::Sp.class(), RationaleClass::Economic);
        assert_eq!(Root::Pe.class(), RationaleClass::Behavioural);
        assert_eq!(Motive::Legitimacy.roots(), &[Root::Pe, Root::It]);
    }

    #[test]
    fn questionnaire_lists_every_item() {
        let inst = dyad_instrument();
        let md = inst.to_markdown();
        for item in inst.items() {
            assert!(md.contains(&item.id), "{} missing", item.id);
        }
    }
}
