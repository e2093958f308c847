//! What several test files share: a generated organisation and its tasks.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;

use accountable::generate::{GenConfig, GenOrg, organisation, task};
use accountable::model::{ValidCase, ValidOrganisation};

/// A generated organisation, validated once, and the configuration its
/// tasks are generated with.
pub struct World {
    pub cfg: GenConfig,
    pub org: GenOrg,
    pub vorg: Arc<ValidOrganisation>,
}

impl World {
    /// The organisation `cfg` generates.
    pub fn new(cfg: GenConfig) -> World {
        let org = organisation(&cfg);
        let vorg = Arc::new(ValidOrganisation::new(org.organisation.clone()).unwrap());
        World { cfg, org, vorg }
    }

    /// Task `n` of the organisation, generated with `seed`, validated.
    pub fn case(&self, n: usize, seed: u64) -> ValidCase {
        let cfg = GenConfig { seed, ..self.cfg };
        ValidCase::new(self.vorg.clone(), task(&cfg, &self.org, n)).unwrap()
    }
}
