//! The construct catalogue of the trust-learning model (THEORY.md section 1): the eleven
//! constructs of the structural model (PE, TR, RE, T1, RO, PR, ID, LO, CD, T2, LE), the four
//! proposed moderators (CC, CM, AC, CK), the two survey waves, and propositions P1-P9 with their
//! expected signs.
//!
//! | code | construct | wave | role | proposition (sign) |
//! |---|---|---|---|---|
//! | PE | positive prior experience with the partner | 1 | antecedent of T1 | P2 (+) |
//! | TR | transparency of the partner | 1 | antecedent of T1 | P3 (+) |
//! | RE | favourable reputation of the partner | 1 | antecedent of T1 | P4 (+) |
//! | T1 | trust at formation (trust1) | 1 | mediator | P1 (+ on LE) |
//! | RO | risk of opportunism | 2 | antecedent of T2 | P5 (-) |
//! | PR | protectiveness | 2 | antecedent of T2 | P6 (-) |
//! | ID | interdependence | 2 | antecedent of T2 | P7 (+) |
//! | LO | longevity (shadow of the future) | 2 | antecedent of T2 | P8 (+) |
//! | CD | cultural distance | 2 | antecedent of T2 | P9 (-) |
//! | T2 | trust in the running alliance (trust2) | 2 | mediator | P1 (+ on LE) |
//! | LE | inter-partner learning | 2 | outcome | P1 |
//! | CC, CM, AC, CK | control/coordination, communication, absorptive capacity, collaborative know-how | 2 | moderators | none (explored) |
//!
//! Trust1 carries into trust2 (`T2 ~ T1`, expected +); that path is part of the model but not a
//! numbered proposition ([`CARRY_OVER`]). Proposition P1 has two paths, `LE ~ T1` and
//! `LE ~ T2`.
//!
//! Every construct has four items on a 7-point agreement scale; some are reverse-keyed (scored
//! `8 - answer`). The wording is Entente's own; each construct names the published scale whose
//! content it adapts. Trust is measured with the same four statements at both waves (item ids
//! `t1_k` and `t2_k`), which makes longitudinal measurement invariance testable.
//!
//! Item ids are lower-case `<construct>_<k>` (`pe_1`, `t2_3`); they are the CSV column names of
//! the study's data files.

use crate::instruments::{Anchors, Construct, Instrument, Item, SourceScale};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The survey wave in which a construct is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wave {
    /// Wave 1, at alliance formation (pre-formation conditions and trust1).
    Formation,
    /// Wave 2, in the running alliance (post-formation conditions, trust2, learning, moderators).
    Running,
}

impl Wave {
    /// 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            Wave::Formation => 1,
            Wave::Running => 2,
        }
    }

    /// Wave from its number.
    pub fn from_number(n: u8) -> Option<Wave> {
        match n {
            1 => Some(Wave::Formation),
            2 => Some(Wave::Running),
            _ => None,
        }
    }

    /// Both waves, in order.
    pub const ALL: [Wave; 2] = [Wave::Formation, Wave::Running];
}

impl fmt::Display for Wave {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wave::Formation => write!(f, "wave 1 (formation)"),
            Wave::Running => write!(f, "wave 2 (running alliance)"),
        }
    }
}

/// What a construct does in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A pre- or post-formation condition that affects trust.
    Antecedent,
    /// Trust1 or trust2, the full mediators.
    Mediator,
    /// Inter-partner learning.
    Outcome,
    /// A proposed moderator of the trust -> learning and antecedent -> trust links.
    Moderator,
}

/// Expected sign of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sign {
    /// Positive relation.
    #[serde(rename = "+")]
    Positive,
    /// Negative relation.
    #[serde(rename = "-")]
    Negative,
}

impl Sign {
    /// +1 or -1.
    pub fn factor(self) -> f64 {
        match self {
            Sign::Positive => 1.0,
            Sign::Negative => -1.0,
        }
    }

    /// `+` or `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            Sign::Positive => "+",
            Sign::Negative => "-",
        }
    }

    /// The other sign.
    pub fn flipped(self) -> Sign {
        match self {
            Sign::Positive => Sign::Negative,
            Sign::Negative => Sign::Positive,
        }
    }
}

impl fmt::Display for Sign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// One path of a proposition: `to ~ from` with an expected sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Path {
    /// Proposition id (`P1` ... `P9`), or `carry-over` for T1 -> T2.
    pub proposition: &'static str,
    /// Predictor construct id.
    pub from: &'static str,
    /// Outcome construct id.
    pub to: &'static str,
    /// Expected sign.
    pub sign: Sign,
}

/// A proposition of the trust-learning model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Proposition {
    /// `P1` ... `P9`.
    pub id: &'static str,
    /// The proposition as stated in the source text.
    pub statement: &'static str,
    /// The structural paths that test it (two for P1, one for the others).
    pub paths: &'static [Path],
}

const fn path(proposition: &'static str, from: &'static str, to: &'static str, sign: Sign) -> Path {
    Path { proposition, from, to, sign }
}

/// Propositions P1-P9 (seeds/000, THEORY.md section 1).
pub const PROPOSITIONS: [Proposition; 9] = [
    Proposition {
        id: "P1",
        statement: "Trust is positively related to alliance learning.",
        paths: &[path("P1", "T1", "LE", Sign::Positive), path("P1", "T2", "LE", Sign::Positive)],
    },
    Proposition {
        id: "P2",
        statement: "Positive prior experience with a partner is positively related to trust1.",
        paths: &[path("P2", "PE", "T1", Sign::Positive)],
    },
    Proposition {
        id: "P3",
        statement: "Transparency is positively related to trust1.",
        paths: &[path("P3", "TR", "T1", Sign::Positive)],
    },
    Proposition {
        id: "P4",
        statement: "A favourable reputation is positively related to trust1.",
        paths: &[path("P4", "RE", "T1", Sign::Positive)],
    },
    Proposition {
        id: "P5",
        statement: "Risk of opportunism is negatively related to trust2.",
        paths: &[path("P5", "RO", "T2", Sign::Negative)],
    },
    Proposition {
        id: "P6",
        statement: "Protectiveness is negatively related to trust2.",
        paths: &[path("P6", "PR", "T2", Sign::Negative)],
    },
    Proposition {
        id: "P7",
        statement: "Interdependence is positively related to trust2.",
        paths: &[path("P7", "ID", "T2", Sign::Positive)],
    },
    Proposition {
        id: "P8",
        statement: "Longevity is positively related to trust2.",
        paths: &[path("P8", "LO", "T2", Sign::Positive)],
    },
    Proposition {
        id: "P9",
        statement: "Cultural distance is negatively related to trust2.",
        paths: &[path("P9", "CD", "T2", Sign::Negative)],
    },
];

/// Trust1 carries into trust2 ("first impressions last"); part of the model, not a numbered
/// proposition.
pub const CARRY_OVER: Path = path("carry-over", "T1", "T2", Sign::Positive);

/// Direct antecedent -> learning paths of the competing partial-mediation model named in the
/// source text (protectiveness and cultural distance).
pub const PARTIAL_MEDIATION_PATHS: [(&str, &str); 2] = [("PR", "LE"), ("CD", "LE")];

/// Every proposition path of the full-mediation model, in proposition order (P1 twice).
pub fn proposition_paths() -> Vec<Path> {
    PROPOSITIONS.iter().flat_map(|p| p.paths.iter().copied()).collect()
}

/// Look a proposition up by id (`P1` ... `P9`).
pub fn proposition(id: &str) -> Option<&'static Proposition> {
    PROPOSITIONS.iter().find(|p| p.id.eq_ignore_ascii_case(id))
}

/// A construct of the trust-learning study: the measured [`Construct`] (items, source scale)
/// with its wave and role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyConstruct {
    /// Id, name, definition, items and source scale.
    pub construct: Construct,
    /// The survey wave that measures it.
    pub wave: Wave,
    /// Its role in the model.
    pub role: Role,
    /// The proposition paths it enters (as predictor or outcome).
    pub paths: Vec<Path>,
}

impl StudyConstruct {
    /// Construct id (`PE`, `T2`, ...).
    pub fn id(&self) -> &str {
        &self.construct.id
    }

    /// Item ids, in questionnaire order.
    pub fn item_ids(&self) -> Vec<&str> {
        self.construct.items.iter().map(|i| i.id.as_str()).collect()
    }
}

/// Ids of the eleven constructs of the structural model, in the order of the source's figure.
pub const MODEL_CONSTRUCTS: [&str; 11] = ["PE", "TR", "RE", "T1", "RO", "PR", "ID", "LO", "CD", "T2", "LE"];

/// Ids of the four moderators.
pub const MODERATORS: [&str; 4] = ["CC", "CM", "AC", "CK"];

/// Antecedents of trust1 (wave 1).
pub const T1_ANTECEDENTS: [&str; 3] = ["PE", "TR", "RE"];

/// Antecedents of trust2 (wave 2).
pub const T2_ANTECEDENTS: [&str; 5] = ["RO", "PR", "ID", "LO", "CD"];

/// The four trust statements asked at both waves (`{}` is filled with "at formation" wording by
/// the caller only through the instructions; the statements themselves are identical so that
/// longitudinal invariance can be tested).
const TRUST_STEMS: [(&str, bool); 4] = [
    ("Our partner can be relied on to keep the promises it makes to us.", false),
    ("Our partner treats us fairly even when it could take advantage of us.", false),
    ("We are confident that our partner acts in the interest of this alliance.", false),
    ("We feel we must watch our partner closely to protect our interests.", true),
];

fn items(prefix: &str, stems: &[(&str, bool)]) -> Vec<Item> {
    stems
        .iter()
        .enumerate()
        .map(|(k, (text, rev))| {
            let id = format!("{}_{}", prefix.to_ascii_lowercase(), k + 1);
            if *rev {
                Item::reversed(&id, text, Anchors::agreement())
            } else {
                Item::new(&id, text, Anchors::agreement())
            }
        })
        .collect()
}

fn source(citation: &str) -> SourceScale {
    SourceScale { citation: citation.to_string(), adapted: true }
}

struct Spec {
    id: &'static str,
    name: &'static str,
    definition: &'static str,
    wave: Wave,
    role: Role,
    source: &'static str,
    stems: &'static [(&'static str, bool)],
}

const SPECS: [Spec; 15] = [
    Spec {
        id: "PE",
        name: "Positive prior experience with the partner",
        definition: "The extent to which earlier dealings with this partner went well and created positive expectations about its behaviour.",
        wave: Wave::Formation,
        role: Role::Antecedent,
        source: "Adapted from Gulati (1995) prior ties and Parkhe (1993) shadow of the past",
        stems: &[
            ("Our earlier dealings with this partner were successful.", false),
            ("This partner has kept its commitments to us in the past.", false),
            ("Past experience with this partner makes us expect good cooperation.", false),
            ("Our previous cooperation with this partner was disappointing.", true),
        ],
    },
    Spec {
        id: "TR",
        name: "Transparency",
        definition: "The openness of the partner and its willingness to share its embedded knowledge (Hamel 1991).",
        wave: Wave::Formation,
        role: Role::Antecedent,
        source: "Adapted from Simonin (1999) knowledge ambiguity (reversed) and Hamel (1991) transparency",
        stems: &[
            ("Our partner is open about how it does things.", false),
            ("Our partner readily lets our people see its know-how in practice.", false),
            ("Our partner explains the reasoning behind its methods.", false),
            ("Our partner keeps its key processes hidden from us.", true),
        ],
    },
    Spec {
        id: "RE",
        name: "Favourable reputation of the partner",
        definition: "What the market and the firm's network know about the partner's honesty, fairness and concern for its partners.",
        wave: Wave::Formation,
        role: Role::Antecedent,
        source: "Adapted from Doney & Cannon (1997) supplier reputation",
        stems: &[
            ("This partner has a reputation for being honest.", false),
            ("This partner is known for treating its alliance partners fairly.", false),
            ("Other firms speak well of this partner.", false),
            ("This partner has a bad reputation in our industry.", true),
        ],
    },
    Spec {
        id: "T1",
        name: "Trust at formation (trust1)",
        definition: "The trust a partner has in the other at alliance formation, from pre-alliance conditions.",
        wave: Wave::Formation,
        role: Role::Mediator,
        source: "Adapted from Zaheer, McEvily & Perrone (1998) inter-organisational trust and Cummings & Bromiley (1996) OTI",
        stems: &TRUST_STEMS,
    },
    Spec {
        id: "RO",
        name: "Risk of opportunism",
        definition: "The perceived likelihood that the partner pursues its own interest with guile: shirking, withholding, exploiting the alliance.",
        wave: Wave::Running,
        role: Role::Antecedent,
        source: "Adapted from John (1984) and Jap & Anderson (2003) partner opportunism",
        stems: &[
            ("Our partner sometimes alters facts to get what it wants.", false),
            ("Our partner would exploit a loophole in our agreement if it could.", false),
            ("Our partner has held back information it had promised to provide.", false),
            ("Our partner never takes advantage of unforeseen situations at our expense.", true),
        ],
    },
    Spec {
        id: "PR",
        name: "Protectiveness",
        definition: "The degree to which a partner guards its own knowledge from the other (Simonin 1999).",
        wave: Wave::Running,
        role: Role::Antecedent,
        source: "Adapted from Simonin (1999) partner protectiveness",
        stems: &[
            ("We restrict our partner's access to our core technology.", false),
            ("We share our know-how with the partner only on a need-to-know basis.", false),
            ("Formal procedures limit what our staff may tell the partner.", false),
            ("We share our knowledge with the partner freely.", true),
        ],
    },
    Spec {
        id: "ID",
        name: "Interdependence",
        definition: "The mutual dependence of the partners on each other's resources for reaching their goals.",
        wave: Wave::Running,
        role: Role::Antecedent,
        source: "Adapted from Kumar, Scheer & Steenkamp (1995) interdependence",
        stems: &[
            ("It would be hard for us to replace this partner.", false),
            ("It would be hard for our partner to replace us.", false),
            ("Each partner needs the other's resources to reach its goals.", false),
            ("Either partner could easily leave this alliance without loss.", true),
        ],
    },
    Spec {
        id: "LO",
        name: "Longevity",
        definition: "The expected duration of the alliance and the shadow of the future it casts on present behaviour.",
        wave: Wave::Running,
        role: Role::Antecedent,
        source: "Adapted from Heide & Miner (1992) extendedness and Ganesan (1994) long-term orientation",
        stems: &[
            ("We expect this alliance to last for many years.", false),
            ("Both partners plan for a long relationship.", false),
            ("We expect to work with this partner on future projects.", false),
            ("This alliance is meant to end as soon as its first goal is reached.", true),
        ],
    },
    Spec {
        id: "CD",
        name: "Cultural distance",
        definition: "The perceived difference between the partners' national and business cultures (observed alternative: the Kogut-Singh index).",
        wave: Wave::Running,
        role: Role::Antecedent,
        source: "Adapted from Sousa & Bradley (2006) psychic distance; observed variant Kogut & Singh (1988)",
        stems: &[
            ("Business practices in our partner's country differ greatly from ours.", false),
            ("Our partner's managers see the world differently from ours.", false),
            ("Communication norms differ between our two organisations.", false),
            ("Our partner's culture is very similar to our own.", true),
        ],
    },
    Spec {
        id: "T2",
        name: "Trust in the running alliance (trust2)",
        definition: "Continuous relational trust during the running alliance, from post-formation conditions.",
        wave: Wave::Running,
        role: Role::Mediator,
        source: "Adapted from Zaheer, McEvily & Perrone (1998) inter-organisational trust and Cummings & Bromiley (1996) OTI",
        stems: &TRUST_STEMS,
    },
    Spec {
        id: "LE",
        name: "Inter-partner learning",
        definition: "The knowledge and capabilities the firm has acquired from, and created with, the partner through the alliance.",
        wave: Wave::Running,
        role: Role::Outcome,
        source: "Adapted from Kale, Singh & Perlmutter (2000) learning and Simonin (1999) knowledge transfer",
        stems: &[
            ("We have learnt important new skills from our partner.", false),
            ("The alliance has improved our technological capabilities.", false),
            ("We have acquired know-how from the partner that we use elsewhere.", false),
            ("Little of the partner's knowledge has reached our organisation.", true),
        ],
    },
    Spec {
        id: "CC",
        name: "Control and coordination mechanisms",
        definition: "Formal and social mechanisms by which the partners steer and align the alliance's activities.",
        wave: Wave::Running,
        role: Role::Moderator,
        source: "Adapted from Geringer & Hebert (1989) control in IJVs",
        stems: &[
            ("Joint committees coordinate the alliance's main activities.", false),
            ("Clear procedures govern decisions in the alliance.", false),
            ("Performance in the alliance is monitored regularly.", false),
        ],
    },
    Spec {
        id: "CM",
        name: "Communication",
        definition: "The formal and informal sharing of meaningful and timely information between the firms (Anderson & Narus 1990).",
        wave: Wave::Running,
        role: Role::Moderator,
        source: "Adapted from Mohr & Spekman (1994) communication quality",
        stems: &[
            ("Our partner informs us in time about changes that affect us.", false),
            ("Information from our partner is accurate and complete.", false),
            ("We talk with our partner frequently, formally and informally.", false),
        ],
    },
    Spec {
        id: "AC",
        name: "Absorptive capacity",
        definition: "The firm's capacity to recognise, assimilate and use knowledge transferred to it (Cohen & Levinthal 1990).",
        wave: Wave::Running,
        role: Role::Moderator,
        source: "Adapted from Flatten, Engelen, Zahra & Brettel (2011) absorptive capacity",
        stems: &[
            ("We quickly understand new knowledge from the partner.", false),
            ("New knowledge is passed on quickly inside our firm.", false),
            ("We turn external knowledge into new products or processes.", false),
        ],
    },
    Spec {
        id: "CK",
        name: "Collaborative know-how",
        definition: "The firm's accumulated experience and skill in managing alliances (Simonin 1997).",
        wave: Wave::Running,
        role: Role::Moderator,
        source: "Adapted from Simonin (1997) collaborative know-how",
        stems: &[
            ("We know how to set up and run alliances.", false),
            ("We have learnt from our earlier alliances how to manage partners.", false),
            ("We have routines for transferring lessons between our alliances.", false),
        ],
    },
];

/// The full catalogue: the eleven model constructs then the four moderators.
pub fn catalogue() -> Vec<StudyConstruct> {
    let all = proposition_paths();
    SPECS
        .iter()
        .map(|s| {
            let mut paths: Vec<Path> = all.iter().filter(|p| p.from == s.id || p.to == s.id).copied().collect();
            if s.id == "T1" || s.id == "T2" {
                paths.push(CARRY_OVER);
            }
            StudyConstruct {
                construct: Construct {
                    id: s.id.to_string(),
                    name: s.name.to_string(),
                    definition: s.definition.to_string(),
                    items: items(s.id, s.stems),
                    source: source(s.source),
                },
                wave: s.wave,
                role: s.role,
                paths,
            }
        })
        .collect()
}

/// One construct of the catalogue by id (case-insensitive).
pub fn study_construct(id: &str) -> Option<StudyConstruct> {
    catalogue().into_iter().find(|c| c.construct.id.eq_ignore_ascii_case(id))
}

/// The questionnaire of one wave for the chosen constructs (ids in any order; the catalogue's
/// order is kept).
pub fn wave_instrument(wave: Wave, chosen: &[&str]) -> Instrument {
    let constructs = catalogue()
        .into_iter()
        .filter(|c| c.wave == wave && chosen.iter().any(|id| id.eq_ignore_ascii_case(&c.construct.id)))
        .map(|c| c.construct)
        .collect();
    let (id, name, when) = match wave {
        Wave::Formation => ("study-w1", "Alliance trust and learning study: wave 1", "as the alliance is being formed"),
        Wave::Running => ("study-w2", "Alliance trust and learning study: wave 2", "now, in the running alliance"),
    };
    Instrument {
        id: id.to_string(),
        name: name.to_string(),
        instructions: format!(
            "Please think of the one alliance partner named in the invitation and answer {when}. \
             For each statement, choose the number from 1 (strongly disagree) to 7 (strongly agree) \
             that best describes your view. There are no right or wrong answers."
        ),
        constructs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_the_eleven_constructs_and_four_moderators() {
        let cat = catalogue();
        let ids: Vec<&str> = cat.iter().map(|c| c.id()).collect();
        assert_eq!(&ids[..11], &MODEL_CONSTRUCTS);
        assert_eq!(&ids[11..], &MODERATORS);
        for c in &cat {
            let n = c.construct.items.len();
            assert!((3..=5).contains(&n), "{} has {n} items", c.id());
            assert!(!c.construct.source.citation.is_empty());
        }
    }

    #[test]
    fn waves_follow_the_theory() {
        for c in catalogue() {
            let w1 = ["PE", "TR", "RE", "T1"].contains(&c.id());
            assert_eq!(c.wave == Wave::Formation, w1, "{}", c.id());
        }
    }

    #[test]
    fn proposition_signs_match_theory_md() {
        let expected = [
            ("P2", "PE", Sign::Positive),
            ("P3", "TR", Sign::Positive),
            ("P4", "RE", Sign::Positive),
            ("P5", "RO", Sign::Negative),
            ("P6", "PR", Sign::Negative),
            ("P7", "ID", Sign::Positive),
            ("P8", "LO", Sign::Positive),
            ("P9", "CD", Sign::Negative),
        ];
        for (p, from, sign) in expected {
            let prop = proposition(p).expect("proposition exists");
            assert_eq!(prop.paths.len(), 1);
            assert_eq!(prop.paths[0].from, from);
            assert_eq!(prop.paths[0].sign, sign);
        }
        let p1 = proposition("P1").expect("P1");
        assert!(p1.paths.iter().all(|p| p.to == "LE" && p.sign == Sign::Positive));
        assert_eq!(proposition_paths().len(), 10);
    }

    #[test]
    fn item_ids_are_unique_and_trust_stems_repeat_across_waves() {
        let cat = catalogue();
        let mut ids: Vec<String> = cat.iter().flat_map(|c| c.construct.items.iter().map(|i| i.id.clone())).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
        let t1 = study_construct("t1").expect("T1");
        let t2 = study_construct("T2").expect("T2");
        for (a, b) in t1.construct.items.iter().zip(&t2.construct.items) {
            assert_eq!(a.text, b.text);
            assert_eq!(a.reverse, b.reverse);
        }
        assert_eq!(t1.item_ids(), vec!["t1_1", "t1_2", "t1_3", "t1_4"]);
    }

    #[test]
    fn wave_instrument_keeps_only_its_wave() {
        let w1 = wave_instrument(Wave::Formation, &["PE", "T1", "LE"]);
        let ids: Vec<&str> = w1.constructs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["PE", "T1"]);
        assert!(w1.to_markdown().contains("pe_4"));
    }
}
