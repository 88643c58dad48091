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
        assert!(
            !DOCUMENT.contains("/v1/dev/"),
            "the development route stays out"
        );
    }
}
