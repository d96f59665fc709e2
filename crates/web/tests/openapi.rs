//! The OpenAPI document and the API router must not drift apart (product.md, API contract):
//! every documented path is routed, every route the API source declares is documented, and an
//! undocumented path gets the API's JSON 404. The document is also checked structurally against
//! OpenAPI 3.1 (info, paths, operations, responses, components and every `$ref`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gongkai_store::testing::TestDb;
use gongkai_web::api::openapi_document;
use gongkai_web::{AppState, WebConfig};
use serde_json::Value;
use std::collections::BTreeSet;
use tower::ServiceExt;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The `/api` routes that are deliberately not in `paths`: the document itself.
const UNDOCUMENTED_BY_DESIGN: &[&str] = &["/api/openapi.json"];

fn app(t: &TestDb) -> axum::Router {
    gongkai_web::router(AppState::new(t.db.clone(), WebConfig::default()))
}

/// Calls the application; the body must be JSON (every API answer is, errors included).
async fn call(app: &axum::Router, method: Method, uri: &str) -> (StatusCode, Value) {
    let (status, ct, body) = call_raw(app, method, uri).await;
    assert!(
        ct.starts_with("application/json"),
        "{uri}: API answers are JSON, got {status} {ct}"
    );
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

async fn call_raw(app: &axum::Router, method: Method, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app
        .clone()
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    (status, ct, bytes.to_vec())
}

/// A concrete URL for a templated path: `{id}` → `1`.
fn concrete(path: &str) -> String {
    regex::Regex::new(r"\{[^}/]+\}")
        .unwrap()
        .replace_all(path, "1")
        .into_owned()
}

fn is_api_not_found(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::NOT_FOUND && body["error"] == "not_found"
}

/// (path, method) for every documented operation.
fn documented_operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for (method, _) in item.as_object().expect("path item is an object") {
            if METHODS.contains(&method.as_str()) {
                ops.push((path.clone(), method.clone()));
            }
        }
    }
    ops
}

/// Routes declared with `.route("…")` in the API source (`src/api/**.rs`), prefixed with `/api`
/// as the application nests them. Reading the source is what lets this test notice a new route
/// that nobody documented.
fn declared_api_routes() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let re = regex::Regex::new(r#"\.route\(\s*"([^"]+)""#).unwrap();
    let mut routes = BTreeSet::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&p).unwrap();
                for c in re.captures_iter(&src) {
                    routes.insert(format!("/api{}", &c[1]));
                }
            }
        }
    }
    routes
}

#[test]
fn document_is_structurally_openapi_3_1() {
    let doc = openapi_document();
    // Serialises and parses back unchanged (what /api/openapi.json serves).
    let text = serde_json::to_string(&doc).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);

    let version = doc["openapi"].as_str().expect("openapi version string");
    assert!(version.starts_with("3.1."), "OpenAPI 3.1, got {version}");
    assert!(doc["info"]["title"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        doc["info"]["version"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let paths = doc["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    let components = doc["components"].as_object().expect("components");
    for (k, v) in components {
        assert!(
            [
                "schemas",
                "responses",
                "parameters",
                "examples",
                "requestBodies",
                "headers",
                "securitySchemes",
                "links",
                "callbacks",
                "pathItems"
            ]
            .contains(&k.as_str()),
            "unknown components section {k}"
        );
        assert!(v.is_object(), "components.{k} is a map");
    }
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("securitySchemes");

    let mut operation_ids = BTreeSet::new();
    let param = regex::Regex::new(r"\{([^}/]+)\}").unwrap();
    for (path, item) in paths {
        assert!(path.starts_with("/api/"), "{path} is under /api");
        let templated: BTreeSet<&str> = param
            .captures_iter(path)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let item = item.as_object().expect("path item");
        for (key, op) in item {
            if !METHODS.contains(&key.as_str()) {
                assert!(
                    ["summary", "description", "parameters", "servers", "$ref"]
                        .contains(&key.as_str()),
                    "{path}: unknown key {key}"
                );
                continue;
            }
            let op = op.as_object().expect("operation object");
            let id = op["operationId"].as_str().expect("operationId");
            assert!(operation_ids.insert(id.to_string()), "duplicate {id}");
            assert!(
                op.get("summary")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty()),
                "{path} {key}: summary"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{path} {key}: responses");
            for (code, r) in responses {
                assert!(
                    code == "default"
                        || (code.len() == 3 && code.chars().all(|c| c.is_ascii_digit())),
                    "{path} {key}: response code {code}"
                );
                assert!(
                    r.get("description").and_then(Value::as_str).is_some()
                        || r.get("$ref").is_some(),
                    "{path} {key} {code}: description"
                );
            }
            if let Some(sec) = op.get("security") {
                for req in sec.as_array().expect("security array") {
                    for name in req.as_object().expect("security requirement").keys() {
                        assert!(schemes.contains_key(name), "unknown scheme {name}");
                    }
                }
            }
            // Every templated segment is declared as a required path parameter.
            let declared: BTreeSet<&str> = op
                .get("parameters")
                .into_iter()
                .chain(item.get("parameters"))
                .flat_map(|p| p.as_array().into_iter().flatten())
                .filter(|p| p["in"] == "path" && p["required"] == true)
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert_eq!(declared, templated, "{path} {key}: path parameters");
        }
    }

    // Every $ref points at something that exists.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("local $ref");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
}

/// Every documented operation is routed: without a token it answers 401 in JSON, never the
/// API fallback's `not_found` nor 405.
#[tokio::test]
async fn every_documented_path_is_routed() {
    let t = TestDb::sqlite().await;
    let app = app(&t);
    let doc = openapi_document();
    let ops = documented_operations(&doc);
    assert!(!ops.is_empty());
    for (path, method) in ops {
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (status, body) = call(&app, m, &concrete(&path)).await;
        assert!(
            !is_api_not_found(status, &body),
            "{method} {path} is documented but not routed"
        );
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let secured = doc["paths"][&path][&method]
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        if secured {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(body["error"], "unauthorized");
            assert!(
                doc["paths"][&path][&method]["responses"]
                    .get("401")
                    .is_some(),
                "{method} {path}: 401 documented"
            );
        }
    }
}

/// Every route the API source declares is in the document (or is the document itself), and
/// every documented path is declared.
#[test]
fn every_declared_route_is_documented() {
    let declared = declared_api_routes();
    assert!(
        declared.contains("/api/openapi.json"),
        "the scan finds the routes: {declared:?}"
    );
    let doc = openapi_document();
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    for route in &declared {
        assert!(
            documented.contains(route) || UNDOCUMENTED_BY_DESIGN.contains(&route.as_str()),
            "{route} is routed but not in the OpenAPI document"
        );
    }
    for path in &documented {
        assert!(
            declared.contains(path),
            "{path} is documented but no .route() declares it"
        );
    }
}

/// Paths that are not documented get the API's JSON 404, and the document is served.
#[tokio::test]
async fn undocumented_paths_get_the_api_404() {
    let t = TestDb::sqlite().await;
    let app = app(&t);
    let doc = openapi_document();
    let documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let mut probes: Vec<String> = vec![
        "/api/v1/nope".into(),
        "/api/v2/me".into(),
        "/api/v1".into(),
        "/api/v1/".into(),
        "/api".into(),
        "/api/openapi.yaml".into(),
        "/api/v1/ME".into(),
    ];
    for p in &documented {
        probes.push(format!("{}/extra", concrete(p)));
        probes.push(format!("{}x", concrete(p)));
    }
    let mut failures = Vec::new();
    for uri in probes {
        if documented.iter().any(|d| concrete(d) == uri) {
            continue;
        }
        let (status, ct, raw) = call_raw(&app, Method::GET, &uri).await;
        let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        let ok = ct.starts_with("application/json")
            && is_api_not_found(status, &body)
            && body["message"]
                .as_str()
                .is_some_and(|m| m.contains("接口不存在"));
        if !ok {
            failures.push(format!("{uri}: {status} {ct}"));
        }
    }
    assert!(
        failures.is_empty(),
        "expected the API's JSON 404 for: {failures:#?}"
    );

    // Wrong methods on documented paths are JSON 405s, not HTML.
    for p in &documented {
        let (status, body) = call(&app, Method::DELETE, &concrete(p)).await;
        if doc["paths"][p].get("delete").is_none() {
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{p}");
            assert_eq!(body["error"], "method_not_allowed");
        }
    }

    let (status, served) = call(&app, Method::GET, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, doc, "the served document is openapi_document()");
}

/// Issue #6: every staff operation on applications is described — the list with its filters,
/// registration, each workflow step, letters with their confidentiality review, the register.
#[test]
fn application_operations_are_documented() {
    let doc = openapi_document();
    let ops: BTreeSet<String> = documented_operations(&doc)
        .into_iter()
        .filter_map(|(p, m)| {
            doc["paths"][&p][&m]["operationId"]
                .as_str()
                .map(String::from)
        })
        .collect();
    for id in [
        "list_applications",
        "create_application",
        "show_application",
        "confirm_application",
        "request_correction",
        "receive_correction",
        "assign_application",
        "start_consultation",
        "finish_consultation",
        "extend_application",
        "fee_notice",
        "record_payment",
        "decide_item",
        "route_out_application",
        "record_reply",
        "archive_application",
        "draft_letter",
        "create_letter",
        "show_letter",
        "update_letter",
        "review_letter",
        "send_letter",
        "letters_awaiting_review",
        "list_cases",
        "create_case",
        "record_case_outcome",
    ] {
        assert!(ops.contains(id), "{id} is documented");
    }
    let list = &doc["paths"]["/api/v1/applications"]["get"];
    let params: BTreeSet<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for p in [
        "stage", "org", "year", "channel", "overdue", "page", "per_page",
    ] {
        assert!(params.contains(p), "list filter {p}");
    }
    let send = &doc["paths"]["/api/v1/applications/{id}/letters/{lid}/send"]["post"];
    assert!(send["responses"]["409"].is_object());
}
