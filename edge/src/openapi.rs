//! The OpenAPI 3.1 document of the whole API, served at `/openapi.json`.

pub const DOCUMENT: &str = include_str!("../api/openapi.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::DOCUMENT;
    use crate::routes::ROUTES;

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
