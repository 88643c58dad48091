//! The program as a form, drawn from its JSON Schema (`schema`): every part
//! of the document a field, kept in step with the JSON beside it (both
//! read and write the one draft text). A structure (a list's items, a
//! choice of kind, an optional part) is drawn again only when it changes,
//! so typing in a field keeps its focus. Each field shows the problems
//! whose JSON path names it.

use std::sync::Arc;

use leptos::prelude::*;
use serde_json::{Value, json};

use crate::diff;
use crate::i18n::{Key, Locale};
use crate::schema::{Schemas, Shape, escape, pointer_of, remove, set};

/// What every field of the form shares.
#[derive(Clone)]
pub struct Form {
    pub schemas: Arc<Schemas>,
    pub draft: RwSignal<String>,
    pub problems: Memo<Vec<(String, String)>>,
    pub locale: Locale,
}

impl Form {
    fn value_at(&self, pointer: &str) -> Option<Value> {
        self.draft
            .with(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|doc| doc.pointer(pointer).cloned())
    }

    /// Writes `value` (or, with `None`, removes what is) at `pointer` and
    /// the draft text after it.
    fn write(&self, pointer: &str, value: Option<Value>) {
        let Ok(mut doc) = serde_json::from_str::<Value>(&self.draft.get_untracked()) else {
            return;
        };
        match value {
            Some(value) => set(&mut doc, pointer, value),
            None => remove(&mut doc, pointer),
        }
        self.draft.set(diff::pretty(&doc));
    }

    fn problem(&self, pointer: &str) -> Option<String> {
        self.problems.with(|all| {
            all.iter()
                .find(|(path, _)| pointer_of(path) == pointer)
                .map(|(_, message)| message.clone())
        })
    }
}

/// The form of the whole document.
pub fn program_form(form: Form, root: Value) -> AnyView {
    node(&form, &root, String::new(), String::new(), true)
}

fn field_id(pointer: &str) -> String {
    format!(
        "f{}",
        pointer
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    )
}

/// One node of the document at `pointer`, labelled `label`.
fn node(form: &Form, schema: &Value, pointer: String, label: String, required: bool) -> AnyView {
    let l = form.locale;
    match form.schemas.shape(schema) {
        Shape::Object(fields) => {
            let inner = fields
                .into_iter()
                .map(|(name, s, req)| {
                    node(form, &s, format!("{pointer}/{}", escape(&name)), name, req)
                })
                .collect_view();
            if pointer.is_empty() {
                inner.into_any()
            } else {
                view! {
                    <fieldset data-pointer=pointer.clone()>
                        <legend>{label}</legend>
                        {inner}
                    </fieldset>
                }
                .into_any()
            }
        }
        Shape::Optional(inner) => {
            let present = {
                let (form, pointer) = (form.clone(), pointer.clone());
                Memo::new(move |_| form.value_at(&pointer).is_some_and(|v| !v.is_null()))
            };
            let (form, schema) = (form.clone(), inner);
            (move || {
                let pointer = pointer.clone();
                if present.get() {
                    let remove_at = pointer.clone();
                    let f = form.clone();
                    let text = l.fill(Key::RemovePart, &[("part", &label)]);
                    view! {
                        <div class="optional">
                            {node(&form, &schema, pointer.clone(), label.clone(), true)}
                            <button type="button" class="link" on:click=move |_| f.write(&remove_at, None)>
                                {text}
                            </button>
                        </div>
                    }
                    .into_any()
                } else {
                    let start = form.schemas.default_of(&schema);
                    let f = form.clone();
                    let text = l.fill(Key::AddPart, &[("part", &label)]);
                    view! {
                        <button type="button" class="add" data-pointer=pointer.clone()
                            on:click=move |_| f.write(&pointer, Some(start.clone()))>
                            {text}
                        </button>
                    }
                    .into_any()
                }
            })
            .into_any()
        }
        Shape::List(items) => {
            let length = {
                let (form, pointer) = (form.clone(), pointer.clone());
                Memo::new(move |_| {
                    form.value_at(&pointer)
                        .and_then(|v| v.as_array().map(Vec::len))
                        .unwrap_or(0)
                })
            };
            let (form, add_form) = (form.clone(), form.clone());
            let (list_pointer, add_pointer) = (pointer.clone(), pointer.clone());
            let (item_schema, add_schema) = (items.clone(), items);
            let add_text = l.fill(Key::AddItem, &[("part", &label)]);
            let item_label = label.clone();
            view! {
                <fieldset class="list" data-pointer=pointer.clone()>
                    <legend>{label}</legend>
                    {move || {
                        (0..length.get())
                            .map(|i| {
                                let at = format!("{list_pointer}/{i}");
                                let f = form.clone();
                                let gone = at.clone();
                                view! {
                                    <div class="item">
                                        {node(&form, &item_schema, at, format!("{item_label} {}", i + 1), true)}
                                        <button type="button" class="link" on:click=move |_| f.write(&gone, None)>
                                            {l.text(Key::RemoveItem)}
                                        </button>
                                    </div>
                                }
                            })
                            .collect_view()
                    }}
                    <button type="button" class="add" on:click=move |_| {
                        let n = add_form
                            .value_at(&add_pointer)
                            .and_then(|v| v.as_array().map(Vec::len))
                            .unwrap_or(0);
                        let start = add_form.schemas.default_of(&add_schema);
                        add_form.write(&format!("{add_pointer}/{n}"), Some(start));
                    }>{add_text}</button>
                </fieldset>
            }
            .into_any()
        }
        Shape::Variants { tag, variants } => {
            let tag_pointer = format!("{pointer}/{}", escape(&tag));
            let kind = {
                let (form, at) = (form.clone(), tag_pointer.clone());
                Memo::new(move |_| {
                    form.value_at(&at)
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
            };
            let id = field_id(&tag_pointer);
            let options = variants
                .iter()
                .map(|(name, _)| {
                    let n = name.clone();
                    view! { <option value=name.clone() selected=move || kind.get() == n>{name.clone()}</option> }
                })
                .collect_view();
            let (f, all) = (form.clone(), variants.clone());
            let at = pointer.clone();
            let change = move |ev: leptos::ev::Event| {
                let chosen = event_target_value(&ev);
                if let Some((_, s)) = all.iter().find(|(n, _)| *n == chosen) {
                    f.write(&at, Some(f.schemas.default_of(s)));
                }
            };
            let form = form.clone();
            let fieldset_pointer = pointer.clone();
            view! {
                <fieldset class="variant" data-pointer=fieldset_pointer>
                    <legend>{label}</legend>
                    <div class="field">
                        <label for=id.clone()>{tag.clone()}</label>
                        <select id=id on:change=change>{options}</select>
                    </div>
                    {move || {
                        let chosen = kind.get();
                        variants
                            .iter()
                            .find(|(n, _)| *n == chosen)
                            .map(|(_, s)| match form.schemas.shape(s) {
                                Shape::Object(fields) => fields
                                    .into_iter()
                                    .filter(|(name, _, _)| *name != tag)
                                    .map(|(name, s, req)| {
                                        node(&form, &s, format!("{pointer}/{}", escape(&name)), name, req)
                                    })
                                    .collect_view()
                                    .into_any(),
                                _ => ().into_any(),
                            })
                    }}
                </fieldset>
            }
            .into_any()
        }
        Shape::Map(values) => {
            let keys = {
                let (form, pointer) = (form.clone(), pointer.clone());
                Memo::new(move |_| {
                    form.value_at(&pointer)
                        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
                        .unwrap_or_default()
                })
            };
            let new_key = RwSignal::new(String::new());
            let (form, add_form) = (form.clone(), form.clone());
            let (map_pointer, add_pointer) = (pointer.clone(), pointer.clone());
            let (value_schema, add_schema) = (values.clone(), values);
            let add_id = field_id(&format!("{pointer}/+"));
            let add_text = l.fill(Key::AddKey, &[("part", &label)]);
            view! {
                <fieldset class="map" data-pointer=pointer.clone()>
                    <legend>{label}</legend>
                    {move || {
                        keys.get()
                            .into_iter()
                            .map(|key| {
                                node(&form, &value_schema, format!("{map_pointer}/{}", escape(&key)), key, true)
                            })
                            .collect_view()
                    }}
                    <div class="row">
                        <div class="field">
                            <label for=add_id.clone()>{add_text.clone()}</label>
                            <input id=add_id size="8" prop:value=move || new_key.get()
                                on:input=move |ev| new_key.set(event_target_value(&ev)) />
                        </div>
                        <button type="button" class="add" on:click=move |_| {
                            let key = new_key.get_untracked().trim().to_owned();
                            if !key.is_empty() {
                                let start = add_form.schemas.default_of(&add_schema);
                                add_form.write(&format!("{add_pointer}/{}", escape(&key)), Some(start));
                                new_key.set(String::new());
                            }
                        }>{add_text}</button>
                    </div>
                </fieldset>
            }
            .into_any()
        }
        Shape::Text(choices) => leaf(form, pointer, label, required, Leaf::Text(choices)),
        Shape::Integer => leaf(form, pointer, label, required, Leaf::Integer),
        Shape::Boolean => leaf(form, pointer, label, required, Leaf::Boolean),
        Shape::Raw => leaf(form, pointer, label, required, Leaf::Raw),
    }
}

enum Leaf {
    Text(Option<Vec<String>>),
    Integer,
    Boolean,
    Raw,
}

/// One input, reading its value from the draft and writing it back; its
/// problem beside it, and named by it (`aria-describedby`).
fn leaf(form: &Form, pointer: String, label: String, required: bool, kind: Leaf) -> AnyView {
    let id = field_id(&pointer);
    let error_id = format!("{id}-problem");
    let problem = {
        let (form, pointer) = (form.clone(), pointer.clone());
        Memo::new(move |_| form.problem(&pointer))
    };
    let current = {
        let (form, pointer) = (form.clone(), pointer.clone());
        move || form.value_at(&pointer)
    };
    let (f, at) = (form.clone(), pointer.clone());
    let input = match kind {
        Leaf::Text(Some(choices)) => {
            let selected = current.clone();
            let options = choices
                .into_iter()
                .map(|c| {
                    let (selected, value, shown) = (selected.clone(), c.clone(), c.clone());
                    view! {
                        <option value=shown
                            selected=move || selected().and_then(|v| v.as_str().map(str::to_owned)) == Some(value.clone())>
                            {c}
                        </option>
                    }
                })
                .collect_view();
            view! {
                <select id=id.clone() aria-invalid=move || problem.get().is_some().then_some("true")
                    on:change=move |ev| f.write(&at, Some(json!(event_target_value(&ev))))>
                    {(!required).then(|| view! { <option value=""></option> })}
                    {options}
                </select>
            }
            .into_any()
        }
        Leaf::Text(None) => view! {
            <input id=id.clone() data-pointer=pointer.clone()
                aria-invalid=move || problem.get().is_some().then_some("true")
                prop:value=move || current().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    f.write(&at, (required || !text.is_empty()).then(|| json!(text)));
                } />
        }
        .into_any(),
        Leaf::Integer => view! {
            <input id=id.clone() data-pointer=pointer.clone() type="number" step="1" inputmode="numeric"
                aria-invalid=move || problem.get().is_some().then_some("true")
                prop:value=move || current().and_then(|v| v.as_i64()).map(|n| n.to_string()).unwrap_or_default()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    match text.trim().parse::<i64>() {
                        Ok(n) => f.write(&at, Some(json!(n))),
                        Err(_) if text.trim().is_empty() && !required => f.write(&at, None),
                        Err(_) => {}
                    }
                } />
        }
        .into_any(),
        Leaf::Boolean => view! {
            <input id=id.clone() data-pointer=pointer.clone() type="checkbox"
                prop:checked=move || current().and_then(|v| v.as_bool()).unwrap_or(false)
                on:change=move |ev| f.write(&at, Some(json!(event_target_checked(&ev)))) />
        }
        .into_any(),
        Leaf::Raw => view! {
            <input id=id.clone() data-pointer=pointer.clone() class="raw" dir="ltr"
                aria-invalid=move || problem.get().is_some().then_some("true")
                prop:value=move || current().map(|v| v.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    if let Ok(value) = serde_json::from_str::<Value>(&event_target_value(&ev)) {
                        f.write(&at, Some(value));
                    }
                } />
        }
        .into_any(),
    };
    view! {
        <div class="field" data-field=pointer>
            <label for=id>{label}</label>
            {input}
            {move || problem.get().map(|p| view! { <span class="err" id=error_id.clone() role="alert">{p}</span> })}
        </div>
    }
    .into_any()
}
