//! Example models and data shipped inside the binary, so a new user can run `entente fit
//! --example alliance39` with nothing else. They are the lavaan reference cases in `reference/`.

/// An embedded example: model syntax and data.
pub struct Example {
    pub name: &'static str,
    pub about: &'static str,
    pub model: &'static str,
    pub data: ExampleData,
}

pub enum ExampleData {
    Csv { name: &'static str, text: &'static str },
    Cov { name: &'static str, text: &'static str, nobs: usize },
}

macro_rules! refdir {
    ($p:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../reference/", $p))
    };
}

pub const EXAMPLES: &[Example] = &[
    Example {
        name: "alliance39",
        about: "trust-learning model of THEORY.md: 11 factors, 39 survey items, n = 500 simulated alliances",
        model: refdir!("models/alliance39.lav"),
        data: ExampleData::Csv { name: "alliance39.csv", text: refdir!("data/alliance39.csv") },
    },
    Example {
        name: "hs_cfa",
        about: "Holzinger & Swineford (1939) three-factor CFA, n = 301",
        model: refdir!("models/hs_cfa.lav"),
        data: ExampleData::Csv { name: "HolzingerSwineford1939.csv", text: refdir!("data/HolzingerSwineford1939.csv") },
    },
    Example {
        name: "polidemo",
        about: "Bollen's political democracy SEM with correlated residuals, n = 75",
        model: refdir!("models/polidemo_sem.lav"),
        data: ExampleData::Csv { name: "PoliticalDemocracy.csv", text: refdir!("data/PoliticalDemocracy.csv") },
    },
    Example {
        name: "wheaton",
        about: "Wheaton et al. (1977) stability of alienation from a published covariance matrix, N = 932",
        model: refdir!("models/wheaton.lav"),
        data: ExampleData::Cov { name: "wheaton.cov", text: refdir!("data/wheaton.cov"), nobs: 932 },
    },
];

pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

pub fn list() -> String {
    EXAMPLES.iter().map(|e| format!("  {:<12} {}", e.name, e.about)).collect::<Vec<_>>().join("\n")
}
