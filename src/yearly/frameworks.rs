//! Grading frameworks as data (`data/grading.toml`).

use serde::{Deserialize, Serialize};

use crate::model::Category;

/// The bundled frameworks.
pub const BUNDLED_GRADING: &str = include_str!("../../data/grading.toml");

/// How a framework grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkKind {
    /// Criteria and shares of tasks on time (Decree 90/2020 + 48/2023).
    StateCriteria,
    /// 100 points (Decree 335/2025).
    StatePoints,
    /// The party's annual review (Regulations 124 and 366).
    Party,
}

/// The citation of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkCite {
    /// The document.
    pub document: String,
    /// Whether confirmed.
    pub verified: bool,
    /// Remarks.
    pub note: Option<String>,
}

/// One framework with its thresholds (percent or points; absent: not used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(
    missing_docs,
    reason = "thresholds are documented in data/grading.toml beside their values"
)]
pub struct Framework {
    pub id: String,
    pub kind: FrameworkKind,
    pub title_vi: String,
    pub title_en: String,
    pub first_year: i32,
    pub last_year: Option<i32>,
    pub applies_to: Vec<String>,
    pub cite: FrameworkCite,
    pub excellent_exceeded_percent: Option<u32>,
    pub good_max_late_percent: Option<u32>,
    pub completed_max_late_percent: Option<u32>,
    pub completed_verified: Option<bool>,
    pub failed_min_late_percent: Option<u32>,
    pub failed_verified: Option<bool>,
    pub leader_good_min_on_time_percent: Option<u32>,
    pub leader_completed_min_targets_percent: Option<u32>,
    pub leader_failed_max_targets_percent: Option<u32>,
    pub excellent_cap_percent_of_good: Option<u32>,
    pub discipline_fails: Option<bool>,
    pub absence_cap_months: Option<[u32; 2]>,
    pub general_max: Option<u32>,
    pub results_max: Option<u32>,
    pub late_deduction_percent: Option<u32>,
    pub quality_deduction_percent: Option<u32>,
    pub excellent_min: Option<u32>,
    pub good_min: Option<u32>,
    pub completed_min: Option<u32>,
    pub leader_unit_factor_any_failed_percent: Option<u32>,
    pub failed_max_targets_percent: Option<u32>,
}

impl Framework {
    /// Whether it grades `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.first_year <= year && self.last_year.is_none_or(|l| year <= l)
    }
    /// The framework's citation as a [`crate::policy::Citation`].
    pub fn citation(&self) -> crate::policy::Citation {
        super::cite(
            &self.cite.document,
            self.cite.verified,
            self.cite.note.as_deref(),
        )
    }
}

/// The set of frameworks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frameworks {
    /// Every framework.
    pub framework: Vec<Framework>,
}

impl Frameworks {
    /// The bundled frameworks.
    ///
    /// # Errors
    /// A message if the bundled data were broken (a test guarantees it is not).
    pub fn bundled() -> Result<Frameworks, String> {
        Self::from_toml_str(BUNDLED_GRADING)
    }
    /// Parses frameworks from TOML.
    ///
    /// # Errors
    /// The TOML error's message with its position.
    pub fn from_toml_str(text: &str) -> Result<Frameworks, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
    /// The state framework for a year and category.
    pub fn state_for(&self, year: i32, category: Category) -> Option<&Framework> {
        let cat = match category {
            Category::CanBo => "can_bo",
            Category::CongChuc => "cong_chuc",
            Category::VienChuc => "vien_chuc",
        };
        self.framework
            .iter()
            .filter(|f| {
                f.kind != FrameworkKind::Party
                    && f.covers(year)
                    && f.applies_to.iter().any(|a| a == cat)
            })
            .max_by_key(|f| f.first_year)
            .or_else(|| {
                // A category no current framework names keeps the latest one that did [unverified].
                self.framework
                    .iter()
                    .filter(|f| {
                        f.kind != FrameworkKind::Party
                            && f.first_year <= year
                            && f.applies_to.iter().any(|a| a == cat)
                    })
                    .max_by_key(|f| f.first_year)
            })
    }
    /// The party framework for a year.
    pub fn party_for(&self, year: i32) -> Option<&Framework> {
        self.framework
            .iter()
            .filter(|f| f.kind == FrameworkKind::Party && f.covers(year))
            .max_by_key(|f| f.first_year)
    }
}
