//! Identifiers: 1 to 128 characters of `[A-Za-z0-9._:@-]`, checked once at the boundary.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The longest identifier the contract allows.
pub const MAX_ID_LEN: usize = 128;

/// A shop, member, order, event, rule, reward, tier or badge identifier.
///
/// The field is private: an `Id` that exists has passed [`Id::parse`].
/// Shared, so that the many copies an award makes cost no allocation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Id(Arc<str>);

/// Why a string is not an identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most 128 characters")]
    TooLong,
    #[error("may hold only letters, digits and . _ : @ -")]
    BadCharacter,
}

impl Id {
    /// Checks the contract's identifier syntax.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.is_empty() {
            return Err(IdError::Empty);
        }
        if text.len() > MAX_ID_LEN {
            return Err(IdError::TooLong);
        }
        if !text.bytes().all(is_id_byte) {
            return Err(IdError::BadCharacter);
        }
        Ok(Self(Arc::from(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same text, shared without copying.
    pub fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }
}

fn is_id_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b':' | b'@' | b'-')
}

impl TryFrom<String> for Id {
    type Error = IdError;
    fn try_from(text: String) -> Result<Self, IdError> {
        Self::parse(&text)
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0.to_string()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Id {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An identifier: 1 to 128 characters of letters, digits and . _ : @ -",
            "type": "string",
            "pattern": "^[A-Za-z0-9._:@-]{1,128}$",
            "examples": ["c-42"],
        })
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_contract_alphabet() {
        assert!(Id::parse("c-42").is_ok());
        assert!(Id::parse("a.b_c:d@e-F9").is_ok());
        assert!(Id::parse(&"x".repeat(128)).is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(Id::parse(""), Err(IdError::Empty));
        assert_eq!(Id::parse(&"x".repeat(129)), Err(IdError::TooLong));
        for bad in ["a b", "a/b", "ä", "a#", "a\n", "a?b"] {
            assert_eq!(Id::parse(bad), Err(IdError::BadCharacter), "{bad:?}");
        }
    }
}
