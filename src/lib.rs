//! # accountable
//!
//! Vietnamese rules on the responsibility of public officials, as software:
//! for a task and its events, as of a date, who is accountable at each step
//! (khâu) and on which clause, which behaviours count as avoidance of
//! responsibility (né tránh, đùn đẩy, làm việc cầm chừng, sợ trách nhiệm),
//! with the evidence, the exceptions and protections that apply, and what
//! follows from them.
//!
//! Phases are types: a [`model::Case`] is validated into a
//! [`model::ValidCase`]; a policy file is parsed and checked into a
//! [`policy::Policy`]; only those two meet in [`engine::evaluate`].
#![forbid(unsafe_code)]

pub mod id;
mod intern;
pub mod model;
mod suggest;
pub mod time;
pub mod yearly;

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub use id::{DelegationId, EventId, Field, IdError, OfficialId, RuleId, StepId, TaskId, UnitId};
pub mod batch;
pub mod calendar;
pub mod clausetest;
pub mod compare;
pub mod engine;
pub mod explain;
pub mod generate;
pub mod io;
pub mod policy;
pub mod sample;
pub mod schema;
