//! Pure domain types: the organisation, tasks, steps, events, cases.
//!
//! These types mirror the JSON case format one to one (serde), so software
//! in other languages can produce them (see `schema/case.schema.json`).
//! A [`Case`] is only raw input: [`Case::validate`] checks it and gives a
//! [`ValidCase`], the only form the engine evaluates.

pub mod event;
mod groups;
pub mod org;
pub mod task;
mod validate;

pub use event::{Event, EventKind, MeetingItem, ReplyPosition};
pub(crate) use groups::EventGroups;
pub use org::{
    Category, Delegation, Official, Organisation, Position, Role, SigningMode, Unit, UnitKind,
};
pub use task::{Deadline, LegalRequirements, Origin, Step, StepKind, Task, TaskFlags};
pub use validate::{Problem, ProblemCode, ValidCase, ValidOrganisation, ValidationError};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One task with its events: a line of a corpus file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRecord {
    /// The task.
    pub task: Task,
    /// Its events, in time order.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// A case: an organisation snapshot plus one task and its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The organisation as it stood.
    pub organisation: Organisation,
    /// The task.
    pub task: Task,
    /// Its events, in time order.
    #[serde(default)]
    pub events: Vec<Event>,
}

impl Case {
    /// Validates the case: organisation first, then the task and events.
    ///
    /// # Errors
    /// [`ValidationError`] listing every problem found, each with a stable
    /// code and the JSON path of the offending value.
    pub fn validate(self) -> Result<ValidCase, ValidationError> {
        let org =
            ValidOrganisation::new(self.organisation).map_err(|e| e.prefixed("organisation"))?;
        ValidCase::new(
            std::sync::Arc::new(org),
            TaskRecord {
                task: self.task,
                events: self.events,
            },
        )
    }
}

/// A corpus: many tasks over one organisation snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Corpus {
    /// The organisation shared by every task.
    pub organisation: Organisation,
    /// The tasks with their events.
    pub tasks: Vec<TaskRecord>,
}
