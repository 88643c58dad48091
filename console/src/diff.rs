//! Two program versions side by side: their JSON written the same way
//! (pretty, keys in order) and compared line by line (`similar`), each row
//! an old line, a new line, or both.

use serde_json::Value;
use similar::{DiffOp, TextDiff};

/// How a row of the side-by-side view differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Same,
    Removed,
    Added,
    Changed,
}

/// One row: the old line and the new one (1-based numbers), either absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub kind: Kind,
    pub old: Option<(usize, String)>,
    pub new: Option<(usize, String)>,
}

/// A document as the diff compares it: pretty JSON (serde_json's maps keep
/// their keys sorted, so two versions with the same content read the same).
pub fn pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

/// The rows of `old` against `new`.
pub fn side_by_side(old: &str, new: &str) -> Vec<Row> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = TextDiff::from_lines(old, new);
    let line = |lines: &[&str], i: usize| Some((i + 1, lines[i].to_owned()));
    let mut rows = Vec::new();
    for op in diff.ops() {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => rows.extend((0..len).map(|k| Row {
                kind: Kind::Same,
                old: line(&old_lines, old_index + k),
                new: line(&new_lines, new_index + k),
            })),
            DiffOp::Delete {
                old_index, old_len, ..
            } => rows.extend((0..old_len).map(|k| Row {
                kind: Kind::Removed,
                old: line(&old_lines, old_index + k),
                new: None,
            })),
            DiffOp::Insert {
                new_index, new_len, ..
            } => rows.extend((0..new_len).map(|k| Row {
                kind: Kind::Added,
                old: None,
                new: line(&new_lines, new_index + k),
            })),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => rows.extend((0..old_len.max(new_len)).map(|k| {
                Row {
                    kind: match (k < old_len, k < new_len) {
                        (true, true) => Kind::Changed,
                        (true, false) => Kind::Removed,
                        _ => Kind::Added,
                    },
                    old: (k < old_len)
                        .then(|| line(&old_lines, old_index + k))
                        .flatten(),
                    new: (k < new_len)
                        .then(|| line(&new_lines, new_index + k))
                        .flatten(),
                }
            })),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_changed_value_is_one_changed_row() {
        let old = pretty(&json!({"pending_days": 0, "currency": "USD"}));
        let new = pretty(&json!({"currency": "USD", "pending_days": 14}));
        let rows = side_by_side(&old, &new);
        let changed: Vec<&Row> = rows.iter().filter(|r| r.kind != Kind::Same).collect();
        assert_eq!(changed.len(), 1, "{rows:?}");
        assert_eq!(changed[0].kind, Kind::Changed);
        assert_eq!(
            (
                changed[0].old.clone().unwrap().1,
                changed[0].new.clone().unwrap().1
            ),
            (
                "  \"pending_days\": 0".to_owned(),
                "  \"pending_days\": 14".to_owned()
            )
        );
    }

    #[test]
    fn added_and_removed_lines_stand_alone() {
        let rows = side_by_side("a\nb\nc\n", "a\nc\nd\n");
        let kinds: Vec<Kind> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Same, Kind::Removed, Kind::Same, Kind::Added]);
        assert_eq!(rows[3].new, Some((3, "d".to_owned())));
        assert_eq!(side_by_side("same\n", "same\n").len(), 1);
    }
}
