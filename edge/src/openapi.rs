//! The OpenAPI 3.1 document of the whole API, served at `/openapi.json`.
//!
//! Generated, never written by hand: natively, [`generate::document`] builds
//! it from the route table, the operations' descriptions and the types'
//! JSON Schema; the test below writes it to `edge/api/openapi.json` and
//! fails when that changed it, so a type changed without regenerating the
//! committed document fails the build. The worker serves the committed file.

pub const DOCUMENT: &str = include_str!("../api/openapi.json");

#[cfg(not(target_arch = "wasm32"))]
pub mod generate;
#[cfg(not(target_arch = "wasm32"))]
pub mod operations;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::DOCUMENT;
    use crate::routes::ROUTES;

    /// The committed document is what the code generates: if not, it is
    /// regenerated in place and the test fails, so the change is seen and
    /// committed.
    #[test]
    fn the_committed_document_is_generated() {
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&super::generate::document()).unwrap()
        );
        if generated != DOCUMENT {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/api/openapi.json");
            std::fs::write(path, &generated).unwrap();
            panic!(
                "edge/api/openapi.json was not what the code generates: it has been \
                 regenerated; review it (git diff) and commit it"
            );
        }
    }

    /// What `schema` (which may refer to the document's components) finds
    /// wrong with `example`.
    fn problems_of(
        doc: &serde_json::Value,
        schema: serde_json::Value,
        example: &serde_json::Value,
    ) -> Vec<String> {
        let root = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": doc["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap();
        validator
            .iter_errors(example)
            .map(|e| e.to_string())
            .collect()
    }

    /// Every example a merchant may paste is valid by its own schema, and
    /// every operation that takes a body has one.
    #[test]
    fn every_example_is_valid_by_its_schema() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let mut examples = Vec::new();
                if let Some(body) = op.get("requestBody") {
                    let content = &body["content"]["application/json"];
                    assert!(
                        content.get("example").is_some(),
                        "{method} {path} takes a body and shows no example"
                    );
                    examples.push((content["schema"].clone(), content["example"].clone()));
                }
                for parameter in op["parameters"].as_array().into_iter().flatten() {
                    if let Some(example) = parameter.get("example") {
                        examples.push((parameter["schema"].clone(), example.clone()));
                    }
                }
                for (schema, example) in examples {
                    let errors = problems_of(&doc, schema, &example);
                    assert!(errors.is_empty(), "{method} {path}: {errors:?}\n{example}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 30, "only {checked} examples");
    }

    /// The examples of the components (answers, problems, the program) are
    /// valid by their own schemas too.
    #[test]
    fn every_component_example_is_valid_by_its_schema() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let mut checked = 0;
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            for example in schema["examples"].as_array().into_iter().flatten() {
                let component = serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
                let errors = problems_of(&doc, component, example);
                assert!(errors.is_empty(), "{name}: {errors:?}\n{example}");
                checked += 1;
            }
        }
        assert!(checked >= 6, "only {checked} component examples");
    }

    #[test]
    fn documents_every_route_of_the_table_and_nothing_else() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.insert((method.clone(), path.clone()));
            }
        }
        let routed: BTreeSet<_> = ROUTES
            .iter()
            .filter(|r| r.documented())
            .map(|r| (r.method.to_ascii_lowercase(), r.path.to_owned()))
            .collect();
        assert_eq!(documented, routed);
        // Each operation's security is what the table says its route takes.
        for def in ROUTES.iter().filter(|r| r.documented()) {
            let op = &doc["paths"][def.path][def.method.to_ascii_lowercase()];
            let security: Vec<Vec<String>> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|alt| {
                    alt.as_object()
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default()
                })
                .collect();
            let wanted: Vec<Vec<String>> = def
                .access
                .security()
                .iter()
                .map(|alt| alt.iter().map(|s| (*s).to_owned()).collect())
                .collect();
            assert_eq!(security, wanted, "{} {}", def.method, def.path);
        }
        assert!(
            !DOCUMENT.contains("/v1/dev/"),
            "the development route stays out"
        );
    }
}
