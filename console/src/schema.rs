//! The program document's form, derived from its JSON Schema (the one the
//! edge's API document publishes at `/openapi.json`, generated from the
//! rules crate's document types): each schema node read as the shape of
//! field it becomes, the default a new item starts with, and the JSON
//! pointers the form reads and writes the draft by. Pure, so it is tested
//! natively; `form` draws it.

use serde_json::{Map, Value, json};

/// The schemas of an API document's components, by name.
#[derive(Clone, Debug, Default)]
pub struct Schemas {
    components: Map<String, Value>,
}

/// What one schema node becomes in the form.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A group of named fields (each with its schema, and whether it is
    /// required).
    Object(Vec<(String, Value, bool)>),
    /// Keys chosen by the writer (names in each language, rates by
    /// currency), each value of one schema.
    Map(Value),
    List(Value),
    /// Present or absent (null).
    Optional(Value),
    /// One of several kinds, told apart by the value of `tag`.
    Variants {
        tag: String,
        variants: Vec<(String, Value)>,
    },
    Text(Option<Vec<String>>),
    Integer,
    Boolean,
    /// Anything else: its JSON, edited as text.
    Raw,
}

impl Schemas {
    pub fn from_openapi(document: &Value) -> Self {
        Self {
            components: document["components"]["schemas"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The named component's schema.
    pub fn named(&self, name: &str) -> Option<&Value> {
        self.components.get(name)
    }

    /// `schema` with its `$ref`s followed (the referring node's own
    /// description kept).
    pub fn resolve(&self, schema: &Value) -> Value {
        let mut current = schema.clone();
        for _ in 0..16 {
            let Some(name) = current["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                break;
            };
            let mut target = self.components.get(name).cloned().unwrap_or(Value::Null);
            if let (Some(description), Some(object)) =
                (current.get("description").cloned(), target.as_object_mut())
            {
                object.insert("description".into(), description);
            }
            current = target;
        }
        current
    }

    pub fn shape(&self, schema: &Value) -> Shape {
        let schema = self.resolve(schema);
        let is_null = |s: &Value| self.resolve(s)["type"] == "null";
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema[key].as_array() {
                let present: Vec<&Value> = options.iter().filter(|s| !is_null(s)).collect();
                if present.len() == 1 && options.len() == 2 {
                    return Shape::Optional(present[0].clone());
                }
                if let Some(variants) = self.variants(&present) {
                    return variants;
                }
                return Shape::Raw;
            }
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"null") && types.len() == 2 {
            let mut inner = schema.clone();
            let other = types.iter().find(|t| **t != "null").copied().unwrap_or("");
            inner["type"] = json!(other);
            return Shape::Optional(inner);
        }
        match types.first().copied() {
            Some("object") => match schema["properties"].as_object() {
                Some(properties) => {
                    let required: Vec<&str> = schema["required"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    Shape::Object(
                        properties
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone(), required.contains(&k.as_str())))
                            .collect(),
                    )
                }
                None => match schema.get("additionalProperties") {
                    Some(values) if values.is_object() => Shape::Map(values.clone()),
                    _ => Shape::Raw,
                },
            },
            Some("array") => Shape::List(schema["items"].clone()),
            Some("string") => Shape::Text(schema["enum"].as_array().map(|e| {
                e.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })),
            Some("integer") => Shape::Integer,
            Some("boolean") => Shape::Boolean,
            _ => match schema["enum"].as_array() {
                Some(e) => Shape::Text(Some(
                    e.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                )),
                None => Shape::Raw,
            },
        }
    }

    /// Options that are objects told apart by one property's constant.
    fn variants(&self, options: &[&Value]) -> Option<Shape> {
        let resolved: Vec<Value> = options.iter().map(|o| self.resolve(o)).collect();
        let first = resolved.first()?["properties"].as_object()?;
        let tag = first
            .iter()
            .find(|(_, s)| s.get("const").is_some())
            .map(|(k, _)| k.clone())?;
        let variants = resolved
            .into_iter()
            .map(|option| {
                let name = option["properties"][&tag]["const"].as_str()?.to_owned();
                Some((name, option))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Shape::Variants { tag, variants })
    }

    /// What a new value of `schema` starts as: its required fields, each
    /// at its own start (the lowest allowed number, the first choice).
    pub fn default_of(&self, schema: &Value) -> Value {
        let resolved = self.resolve(schema);
        match self.shape(schema) {
            Shape::Object(fields) => Value::Object(
                fields
                    .iter()
                    .filter(|(_, _, required)| *required)
                    .map(|(k, s, _)| (k.clone(), self.default_of(s)))
                    .collect(),
            ),
            Shape::Map(_) => json!({}),
            Shape::List(_) => json!([]),
            Shape::Optional(inner) => self.default_of(&inner),
            Shape::Variants { variants, .. } => variants
                .first()
                .map(|(_, s)| self.default_of(s))
                .unwrap_or(Value::Null),
            Shape::Text(Some(choices)) => json!(choices.first().cloned().unwrap_or_default()),
            Shape::Text(None) => match resolved.get("const") {
                Some(c) => c.clone(),
                None => json!(""),
            },
            Shape::Integer => json!(resolved["minimum"].as_i64().unwrap_or(0)),
            Shape::Boolean => json!(false),
            Shape::Raw => Value::Null,
        }
    }
}

/// A problem's JSON path (`$.earn_rules[0].effect.points`) as the pointer
/// of the field it is about (`/earn_rules/0/effect/points`).
pub fn pointer_of(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            out.push('/');
            out.push_str(&escape(&after[..end]));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').unwrap_or(after.len());
            out.push('/');
            out.push_str(after[..end].trim_matches('"'));
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            break;
        }
    }
    out
}

/// A key as one segment of a JSON pointer (RFC 6901).
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Sets the value at `pointer`, making the objects on the way.
pub fn set(root: &mut Value, pointer: &str, value: Value) {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    set_at(root, &segments, value);
}

fn set_at(current: &mut Value, segments: &[String], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        *current = value;
        return;
    };
    if let Value::Array(list) = current {
        let Ok(index) = first.parse::<usize>() else {
            return;
        };
        if index >= list.len() {
            list.resize(index + 1, Value::Null);
        }
        set_at(&mut list[index], rest, value);
        return;
    }
    if !current.is_object() {
        *current = json!({});
    }
    if let Value::Object(object) = current {
        set_at(
            object.entry(first.clone()).or_insert(Value::Null),
            rest,
            value,
        );
    }
}

/// Removes the value at `pointer` (an item of a list shifts the rest).
pub fn remove(root: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match root.pointer_mut(parent) {
        Some(Value::Object(object)) => {
            object.remove(&key);
        }
        Some(Value::Array(list)) => {
            if let Ok(index) = key.parse::<usize>()
                && index < list.len()
            {
                list.remove(index);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> Schemas {
        Schemas::from_openapi(
            &serde_json::from_str(include_str!("../../edge/api/openapi.json")).unwrap(),
        )
    }

    #[test]
    fn the_programs_parts_become_fields() {
        let s = schemas();
        let program = s.named("Program").unwrap().clone();
        let Shape::Object(fields) = s.shape(&program) else {
            panic!("the program is a group of fields");
        };
        let names: Vec<&str> = fields.iter().map(|(n, _, _)| n.as_str()).collect();
        for part in [
            "earn_rules",
            "tiers",
            "rewards",
            "referral",
            "badges",
            "expiry",
            "links",
        ] {
            assert!(names.contains(&part), "{part} in {names:?}");
        }
        let rules = &fields.iter().find(|(n, _, _)| n == "earn_rules").unwrap().1;
        let Shape::Optional(list) = s.shape(rules) else {
            panic!("earn rules may be left out: {:?}", s.shape(rules));
        };
        let Shape::List(rule) = s.shape(&list) else {
            panic!("a list of rules");
        };
        let Shape::Object(rule) = s.shape(&rule) else {
            panic!("a rule is a group");
        };
        let effect = &rule.iter().find(|(n, _, _)| n == "effect").unwrap().1;
        let Shape::Variants { tag, variants } = s.shape(effect) else {
            panic!("an effect is one of its kinds");
        };
        assert_eq!(tag, "kind");
        assert_eq!(variants[0].0, "per_amount");
        assert_eq!(
            s.default_of(effect),
            json!({"kind": "per_amount", "points": 0, "per_minor": 1})
        );
        let name = s.named("Localized").unwrap().clone();
        assert!(
            matches!(s.shape(&name), Shape::Map(_) | Shape::Object(_)),
            "{:?}",
            s.shape(&name)
        );
    }

    #[test]
    fn paths_become_pointers_and_values_are_set_there() {
        assert_eq!(
            pointer_of("$.earn_rules[0].effect.points"),
            "/earn_rules/0/effect/points"
        );
        assert_eq!(pointer_of("$"), "");
        assert_eq!(pointer_of("$.name[\"ar\"]"), "/name/ar");
        let mut doc = json!({"earn_rules": [{"effect": {"points": 1}}]});
        set(&mut doc, "/earn_rules/0/effect/points", json!(2));
        set(&mut doc, "/expiry/inactivity_days", json!(365));
        set(&mut doc, "/earn_rules/1", json!({"id": "new"}));
        assert_eq!(doc["earn_rules"][0]["effect"]["points"], 2);
        assert_eq!(doc["expiry"], json!({"inactivity_days": 365}));
        remove(&mut doc, "/earn_rules/0");
        assert_eq!(doc["earn_rules"], json!([{"id": "new"}]));
        remove(&mut doc, "/expiry");
        assert!(doc.get("expiry").is_none());
    }
}
