//! Unit tests of every validation rule.

use super::*;
