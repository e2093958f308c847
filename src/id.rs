//! Newtype identifiers.
//!
//! Every entity of a case is named by an id of its own type, so that an
//! official's id can never be passed where a unit's is expected. Ids are
//! non-empty strings of at most [`MAX_ID_LEN`] bytes without control
//! characters or surrounding white space; parsing (`FromStr`, serde) fails
//! with [`IdError`] otherwise.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id is empty.
    #[error("an id may not be empty")]
    Empty,
    /// The id is longer than [`MAX_ID_LEN`] bytes.
    #[error("an id may be at most {MAX_ID_LEN} bytes long, this one has {0}")]
    TooLong(usize),
    /// The id holds a control character or starts or ends with white space.
    #[error("an id may not contain control characters or start or end with white space")]
    BadCharacter,
}

pub(crate) fn check_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong(s.len()));
    }
    if s.chars().any(char::is_control) || s.trim() != s {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

/// Ids built by the crate itself from short ASCII text it controls.
pub(crate) trait Trusted {
    /// Builds the id without checking (the caller guarantees the form).
    fn trusted(s: &str) -> Self;
}

/// Whether an id's text is shared by reference count (so that cloning and
/// dropping it update a count that other threads may be updating too).
pub(crate) trait Shared {
    /// Whether cloning the id updates a shared reference count.
    fn is_shared(&self) -> bool;
}

/// The text of an id as the id keeps it, for the evaluator's values,
/// which name a text by one thin reference.
pub(crate) trait IdText {
    /// The id's text, as kept.
    fn id_text(&self) -> &smol_str::SmolStr;
}

/// The text of an id of a case: kept in the id itself when it is short
/// (at most 23 bytes, as nearly every id is), so that cloning and dropping it
/// touch no shared memory; a longer text is shared by reference count.
fn small(s: &str) -> smol_str::SmolStr {
    smol_str::SmolStr::new(s)
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        id_type!($(#[$doc])*
        ///
        /// Cheap to clone: an id of at most 23 bytes is kept inline and
        /// copied, a longer one is shared by reference count. Parsing fails
        /// with [`IdError`] on an empty, over-long or badly formed id.
        #[derive(PartialEq, Eq)]
        $name, smol_str::SmolStr, small);
        impl Shared for $name {
            fn is_shared(&self) -> bool {
                self.0.is_heap_allocated()
            }
        }
        impl IdText for $name {
            #[inline]
            fn id_text(&self) -> &smol_str::SmolStr {
                &self.0
            }
        }
        // Hashed as its text, as `Borrow<str>` requires, inline at the caller.
        impl std::hash::Hash for $name {
            #[inline]
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $repr:ty, $make:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialOrd, Ord)]
        pub struct $name($repr);

        impl $name {
            /// Makes an id, checking its form.
            ///
            /// # Errors
            /// [`IdError`] when the string is not a valid id.
            pub fn new(s: &str) -> Result<Self, IdError> {
                check_id(s)?;
                Ok(Self($make(s)))
            }
            /// The id as a string slice.
            #[inline]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl Trusted for $name {
            fn trusted(s: &str) -> Self {
                Self($make(s))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        // Read from the text as the deserializer lends it (a `String` or a
        // `Cow<str>` would be allocated for every id, then copied).
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        $name::new(s).map_err(E::custom)
                    }
                    fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<$name, E> {
                        match std::str::from_utf8(b) {
                            Ok(s) => self.visit_str(s),
                            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(b), &self)),
                        }
                    }
                }
                d.deserialize_str(Visitor)
            }
        }
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_ID_LEN,
                    "description": concat!("Identifier: ", stringify!($name))
                })
            }
        }
    };
}

id_type!(
    /// Identifies a unit (cơ quan, đơn vị, địa phương, cấp ủy).
    UnitId
);
id_type!(
    /// Identifies an official (cán bộ, công chức, viên chức).
    OfficialId
);
id_type!(
    /// Identifies a delegation of authority (ủy quyền).
    DelegationId
);
id_type!(
    /// Identifies a task (nhiệm vụ, hồ sơ).
    TaskId
);
id_type!(
    /// Identifies a step (khâu) within a task.
    StepId
);
id_type!(
    /// Identifies an event of a task's life.
    EventId
);
id_type!(
    /// Identifies a rule of a policy, stable across versions.
    ///
    /// Cheap to clone: the text is interned, kept once for the life of the
    /// process however many policies and answers name it (see the crate's
    /// `intern` module), so cloning copies a reference. Rule ids come from
    /// policies; to look a rule up by text from elsewhere, compare with
    /// [`RuleId::as_str`] rather than making an id of each text. Parsing
    /// fails with [`IdError`] on an empty, over-long or badly formed id.
    RuleId,
    &'static str,
    crate::intern::text
);
// Rule ids are interned: equal text is the same text in memory, so two ids
// are equal when they point at the same text, and comparing them never reads
// the text. Hashing reads it, as for other ids, so that a `RuleId` and its
// `&str` hash alike (`Borrow<str>`).
impl PartialEq for RuleId {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}
impl Eq for RuleId {}
impl RuleId {
    /// The interned text, by reference: for the evaluator's values, which
    /// name a text by one thin reference.
    #[inline]
    pub(crate) fn interned(&self) -> &&'static str {
        &self.0
    }
}
impl std::hash::Hash for RuleId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

id_type!(
    /// A field of work (lĩnh vực): `land`, `construction`, or a user-defined one.
    Field
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_long_and_padded_ids() {
        assert_eq!(UnitId::new(""), Err(IdError::Empty));
        assert_eq!(UnitId::new(&"x".repeat(129)), Err(IdError::TooLong(129)));
        assert_eq!(UnitId::new(" a"), Err(IdError::BadCharacter));
        assert_eq!(UnitId::new("a\nb"), Err(IdError::BadCharacter));
        assert!(UnitId::new("so-tnmt").is_ok());
    }

    #[test]
    fn rule_ids_are_equal_exactly_when_their_text_is() {
        let a = RuleId::new("acc.assignee").unwrap();
        let b: RuleId = serde_json::from_str("\"acc.assignee\"").unwrap();
        let c = RuleId::new("acc.head").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.clone(), a);
        let mut set = std::collections::HashSet::new();
        set.insert(a.clone());
        assert!(set.contains(&b) && set.contains("acc.assignee") && !set.contains(&c));
        assert!(a < c && a.cmp(&b) == std::cmp::Ordering::Equal);
    }

    #[test]
    fn short_and_long_ids_behave_as_their_text() {
        use std::collections::{BTreeSet, HashSet};
        // Lengths on both sides of the inline limit (23 bytes), with a
        // multi-byte character so that no length is only ASCII.
        let texts: Vec<String> = (1..=MAX_ID_LEN)
            .map(|n| {
                let mut t: String = "đ".to_string();
                t.extend(std::iter::repeat_n('x', n.saturating_sub(2)));
                t
            })
            .filter(|t| check_id(t).is_ok())
            .collect();
        assert!(texts.iter().any(|t| t.len() <= 23) && texts.iter().any(|t| t.len() > 23));
        let ids: Vec<OfficialId> = texts
            .iter()
            .filter_map(|t| OfficialId::new(t).ok())
            .collect();
        assert_eq!(ids.len(), texts.len());
        let set: HashSet<&OfficialId> = ids.iter().collect();
        let sorted: BTreeSet<&OfficialId> = ids.iter().collect();
        let sorted_texts: BTreeSet<&str> = texts.iter().map(String::as_str).collect();
        assert!(
            sorted
                .iter()
                .map(|i| i.as_str())
                .eq(sorted_texts.iter().copied())
        );
        for (id, t) in ids.iter().zip(&texts) {
            assert_eq!(id.as_str(), t);
            assert_eq!(id.is_shared(), t.len() > 23, "{t}");
            let copy = id.clone();
            assert_eq!(&copy, id);
            assert_eq!(copy.is_shared(), id.is_shared());
            // Hashing agrees with the text's (`Borrow<str>` lookups).
            let owned: HashSet<OfficialId> = [copy].into_iter().collect();
            assert!(owned.contains(t.as_str()));
            assert!(set.contains(&id));
            let back: OfficialId = serde_json::from_value(serde_json::json!(t)).unwrap();
            assert_eq!(&back, id);
        }
    }

    #[test]
    fn serde_round_trip_and_error() {
        let id: OfficialId = serde_json::from_str("\"cb-01\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"cb-01\"");
        assert!(serde_json::from_str::<OfficialId>("\"\"").is_err());
    }
}
