//! Reading untrusted JSON while collecting every problem with its JSON path.
//!
//! Serde's derive stops at the first error and cannot name where it is; the
//! contract asks for all problems at once, each with a path such as
//! `$.earn_rules[2].effect.points`. [`Check`] walks a `serde_json::Value` and
//! records a [`Problem`] wherever a value is missing, of the wrong type, out of
//! bounds or unknown. Paths are built lazily so that valid input pays nothing.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::Id;

/// One thing wrong with an input, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(rename = "FieldProblem")
)]
pub struct Problem {
    /// A JSON path from the document's root, `$` itself for the whole document.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A JSON path that is only rendered when a problem is reported.
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Collects problems while typed values are read out of a JSON tree.
#[derive(Debug, Default)]
pub struct Check {
    pub problems: Vec<Problem>,
}

impl Check {
    pub fn report(&mut self, path: Path<'_>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Finishes: the value if nothing was reported, else every problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Problem>> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ if self.problems.is_empty() => Err(vec![Problem {
                path: "$".into(),
                message: "is not valid".into(),
            }]),
            _ => Err(self.problems),
        }
    }

    /// An object whose members all appear in `known`; unknown ones are reported.
    pub fn object<'v>(
        &mut self,
        value: &'v Value,
        path: Path<'_>,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(map) = value else {
            self.report(path, "must be an object");
            return None;
        };
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                self.report(path.key(key), "is not a known field");
            }
        }
        Some(map)
    }

    /// A member that must be present and not null.
    pub fn required<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        path: Path<'_>,
        key: &str,
    ) -> Option<&'v Value> {
        let found = optional(map, key);
        if found.is_none() {
            self.report(path.key(key), "is required");
        }
        found
    }

    pub fn int(&mut self, value: &Value, path: Path<'_>, min: i64, max: i64) -> Option<i64> {
        match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(_) => {
                self.report(path, format!("must be an integer from {min} to {max}"));
                None
            }
            None if value.is_number() => {
                self.report(
                    path,
                    format!("must be a whole number from {min} to {max} (no fractions)"),
                );
                None
            }
            None => {
                self.report(path, "must be an integer");
                None
            }
        }
    }

    pub fn boolean(&mut self, value: &Value, path: Path<'_>) -> Option<bool> {
        let found = value.as_bool();
        if found.is_none() {
            self.report(path, "must be true or false");
        }
        found
    }

    /// A string of 1 to `max` characters.
    pub fn string<'v>(&mut self, value: &'v Value, path: Path<'_>, max: usize) -> Option<&'v str> {
        match value.as_str() {
            Some(text) if !text.is_empty() && text.chars().count() <= max => Some(text),
            Some(_) => {
                self.report(path, format!("must be 1 to {max} characters"));
                None
            }
            None => {
                self.report(path, "must be a string");
                None
            }
        }
    }

    pub fn id(&mut self, value: &Value, path: Path<'_>) -> Option<Id> {
        let text = value.as_str().or_else(|| {
            self.report(path, "must be a string");
            None
        })?;
        Id::parse(text)
            .map_err(|e| self.report(path, format!("is not a valid identifier: {e}")))
            .ok()
    }

    pub fn timestamp(&mut self, value: &Value, path: Path<'_>) -> Option<DateTime<Utc>> {
        let parsed = value
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok());
        if parsed.is_none() {
            self.report(path, "must be an RFC 3339 timestamp");
        }
        parsed.map(|t| t.with_timezone(&Utc))
    }

    pub fn date(&mut self, value: &Value, path: Path<'_>) -> Option<NaiveDate> {
        let parsed = value
            .as_str()
            .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
        if parsed.is_none() {
            self.report(path, "must be a date (YYYY-MM-DD)");
        }
        parsed
    }

    /// An array of at most `max` items.
    pub fn array<'v>(
        &mut self,
        value: &'v Value,
        path: Path<'_>,
        max: usize,
    ) -> Option<&'v [Value]> {
        match value.as_array() {
            Some(items) if items.len() <= max => Some(items),
            Some(_) => {
                self.report(path, format!("must hold at most {max} items"));
                None
            }
            None => {
                self.report(path, "must be an array");
                None
            }
        }
    }

    /// Reads every item of an optional array with `read`, keeping the good ones.
    pub fn list<T>(
        &mut self,
        map: &Map<String, Value>,
        path: Path<'_>,
        key: &str,
        max: usize,
        mut read: impl FnMut(&mut Self, &Value, Path<'_>) -> Option<T>,
    ) -> Vec<T> {
        let Some(value) = optional(map, key) else {
            return Vec::new();
        };
        let path = path.key(key);
        let Some(items) = self.array(value, path, max) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| read(self, item, path.index(i)))
            .collect()
    }
}

/// A member that may be absent; `null` counts as absent.
pub fn optional<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    map.get(key).filter(|value| !value.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_render_like_the_contract() {
        let root = Path::Root;
        let rules = root.key("earn_rules");
        let rule = rules.index(2);
        let effect = rule.key("effect");
        assert_eq!(
            effect.key("points").to_string(),
            "$.earn_rules[2].effect.points"
        );
    }

    #[test]
    fn every_problem_is_collected() {
        let doc = json!({"a": 1.5, "b": "x", "zzz": true});
        let mut check = Check::default();
        let map = check.object(&doc, Path::Root, &["a", "b", "c"]).unwrap();
        let a = check.required(map, Path::Root, "a").unwrap();
        assert_eq!(check.int(a, Path::Root.key("a"), 0, 10), None);
        assert_eq!(check.required(map, Path::Root, "c"), None);
        let paths: Vec<_> = check.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.zzz", "$.a", "$.c"]);
    }
}
