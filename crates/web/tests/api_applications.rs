//! Disclosure applications through the API (issue #6: "the API covers the same operations for
//! staff"), on both backends through the real router: a full case from registration to
//! archive (assignment, consultation, extension, fee, decisions, routing out, the reply letter
//! with its confidentiality review, reply, archive, a review case with its outcome); validation
//! errors as Chinese 400s; 401 without a token; 403 for a role without the permission; 404 for
//! another organisation's application and for records of another application (no IDOR).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use gongkai_core::auth::{Grant, Role};
use gongkai_store::audit::Actor;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// GB 11643 example with a valid check digit.
const ID: &str = "11010519491231002X";

struct Api {
    app: TestApp,
    tokens: BTreeMap<&'static str, String>,
}

impl Api {
    async fn new(app: TestApp) -> Api {
        gongkai_store::calendar::seed_official(&app.db)
            .await
            .unwrap();
        let mut tokens = BTreeMap::new();
        for user in [
            "demo-office",
            "demo-secrecy",
            "demo-drafter",
            "demo-leader",
            "demo-county-office",
        ] {
            let id = app.user_id(user).await;
            let mut tx = app.db.begin().await.unwrap();
            let (token, _) =
                gongkai_store::api_tokens::create(&mut tx, &Actor::system(), id, "测试")
                    .await
                    .unwrap();
            tx.commit().await.unwrap();
            tokens.insert(user, token);
        }
        Api { app, tokens }
    }

    /// Gives the office the approving leader's role too (an extension needs both, Art. 33 ¶2).
    async fn office_head(&mut self) {
        let id = self.app.user_id("demo-office").await;
        let body = self.app.org_id("ccdpf").await;
        let mut tx = self.app.db.begin().await.unwrap();
        gongkai_store::users::set_grants(
            &mut tx,
            &Actor::system(),
            id,
            &[
                Grant {
                    role: Role::DisclosureOffice,
                    scope: body,
                },
                Grant {
                    role: Role::ApprovingLeader,
                    scope: body,
                },
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn call(
        &mut self,
        user: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(u) = user {
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[u]));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let r = self.app.send(req).await;
        assert!(
            r.header("content-type").starts_with("application/json"),
            "{method} {path}: JSON answer, got {} {}",
            r.status,
            r.body
        );
        (r.status, serde_json::from_str(&r.body).unwrap())
    }

    async fn get(&mut self, user: &str, path: &str) -> (StatusCode, Value) {
        self.call(Some(user), "GET", path, None).await
    }

    async fn post(&mut self, user: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Some(user), "POST", path, Some(body)).await
    }

    /// A step that must succeed; returns the application's detail.
    async fn step(&mut self, user: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.post(user, path, body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    /// Registers an application at `org` as the office; returns (id, answer).
    async fn register(&mut self, org: i64, items: &[&str]) -> (i64, Value) {
        let (s, v) = self
            .post(
                "demo-office",
                "/api/v1/applications",
                registration(org, items),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        (v["view"]["application"]["id"].as_i64().unwrap(), v)
    }
}

fn today() -> String {
    gongkai_store::deadlines::today().to_string()
}

fn registration(org: i64, items: &[&str]) -> Value {
    json!({
        "org_id": org,
        "channel": "in_person",
        "applicant_type": "natural_person",
        "applicant_name": "王五",
        "id_kind": "resident_id",
        "id_number": ID,
        "phone": "13912345678",
        "address": "长春市南关区人民大街1号",
        "info_form": "paper",
        "delivery": "in_person",
        "help_needs": ["reading"],
        "items": items.iter().map(|d| json!({"description": d})).collect::<Vec<_>>(),
        "arrived_on": today(),
    })
}

/// Runs the same test body against SQLite and PostgreSQL, each with a fresh demo database and
/// one API token per account used.
macro_rules! api_test {
    ($name:ident, |$api:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run(mut $api: Api) $body

            #[tokio::test]
            async fn sqlite() {
                run(Api::new(TestApp::sqlite().await).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = TestApp::postgres().await else {
                    return;
                };
                run(Api::new(app).await).await;
            }
        }
    };
}

fn is_chinese(s: &Value) -> bool {
    s.as_str()
        .is_some_and(|s| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

api_test!(a_full_case_through_the_api, |api| {
    api.office_head().await;
    let body = api.app.org_id("ccdpf").await;
    let kfb = api.app.org_id("ccdpf-kfb").await;
    let t = today();

    // Registration: the tracking number and the secret (once); receipt date from the channel.
    let (id, created) = api
        .register(
            body,
            &["2024年残疾人两项补贴发放情况", "对某工作人员的投诉"],
        )
        .await;
    assert!(created["secret"].as_str().is_some_and(|s| s.len() == 12));
    let view = &created["view"];
    assert_eq!(view["application"]["stage"], "registered");
    assert_eq!(view["application"]["received_on"], t.as_str());
    assert_eq!(view["application"]["needs_help"], true);
    // Personal data masked; no ciphertext serialised.
    let contact = &view["contact"];
    assert_ne!(contact["id_number"], ID);
    assert!(contact["id_number"].as_str().unwrap().contains('*'));
    assert_ne!(contact["phone"], "13912345678");
    let text = view.to_string();
    assert!(
        !text.contains(ID) && !text.contains("gkv1:") && !text.contains("pii_"),
        "{text}"
    );
    // Deadlines with their explanations.
    let reply = view["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "reply")
        .unwrap();
    assert!(is_chinese(&reply["explanation"]), "{reply}");

    // The list: scope, filters, paging.
    let (s, list) = api
        .get(
            "demo-office",
            &format!("/api/v1/applications?org={body}&stage=registered&per_page=5"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(
        list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );
    assert!(list["total"].as_i64().unwrap() >= 1);
    assert_eq!(list["per_page"], 5);
    let (_, overdue) = api
        .get("demo-office", "/api/v1/applications?overdue=true")
        .await;
    assert!(
        !overdue["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );
    let (_, kfb_only) = api
        .get("demo-office", &format!("/api/v1/applications?org={kfb}"))
        .await;
    assert!(
        !kfb_only["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );

    // Assignment, consultation (suspends the clock), its reply, an extension, a fee.
    let base = format!("/api/v1/applications/{id}");
    let v = api
        .step(
            "demo-office",
            &format!("{base}/assign"),
            json!({"department_id": kfb, "note": "请康复部检索"}),
        )
        .await;
    assert_eq!(v["application"]["department_id"], kfb);
    let v = api
        .step(
            "demo-office",
            &format!("{base}/consultations"),
            json!({"party_kind": "third_party", "party_name": "某康复器材公司", "date": t}),
        )
        .await;
    let cid = v["consultations"][0]["id"].as_i64().unwrap();
    api.step(
        "demo-office",
        &format!("{base}/consultations/{cid}/reply"),
        json!({"date": t, "opinion": "agree"}),
    )
    .await;
    let v = api
        .step(
            "demo-office",
            &format!("{base}/extend"),
            json!({"workdays": 5, "reason": "需与第三方协调", "approved_on": t, "notice_on": t}),
        )
        .await;
    assert_eq!(v["extensions"].as_array().unwrap().len(), 1);
    let v = api
        .step(
            "demo-office",
            &format!("{base}/fee"),
            json!({"method": "page", "pages": 300, "notice_on": t, "received_on": t}),
        )
        .await;
    assert_eq!(v["application"]["stage"], "awaiting_fee");
    assert!(v["fees"][0]["amount_fen"].as_i64().unwrap() > 0);
    let v = api
        .step(
            "demo-office",
            &format!("{base}/fee-paid"),
            json!({"date": t}),
        )
        .await;
    assert_eq!(v["application"]["stage"], "processing");

    // One decision per item; the second item is routed out under Art. 39.
    let items = v["items"].as_array().unwrap().clone();
    let (first, second) = (
        items[0]["id"].as_i64().unwrap(),
        items[1]["id"].as_i64().unwrap(),
    );
    let v = api
        .step(
            "demo-office",
            &format!("{base}/items/{first}/decision"),
            json!({"outcome": "granted", "date": t}),
        )
        .await;
    assert_eq!(v["items"][0]["outcome"], "granted");
    let v = api
        .step(
            "demo-office",
            &format!("{base}/route-out"),
            json!({"date": t, "note": "请通过信访渠道反映"}),
        )
        .await;
    assert_eq!(v["application"]["stage"], "decided");
    assert_eq!(v["application"]["routed_out"], true);
    assert_eq!(v["items"][1]["id"], second);
    assert_eq!(v["items"][1]["outcome"], "not_processed.petition_complaint");

    // The reply letter: drafted, saved, refused until the confidentiality review clears it.
    let (s, draft) = api
        .get("demo-office", &format!("{base}/letters/draft?kind=reply"))
        .await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    assert!(
        draft["body"].as_str().unwrap().contains("第三十九条"),
        "{draft}"
    );
    let (s, saved) = api
        .post(
            "demo-office",
            &format!("{base}/letters"),
            json!({"kind": "reply", "title": draft["title"], "body": draft["body"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{saved}");
    let lid = saved["letter"]["id"].as_i64().unwrap();
    assert_eq!(saved["sendable"], false);
    let letter = format!("{base}/letters/{lid}");
    let send = json!({"via": "in_person", "date": t, "to": "王五本人"});
    let (s, refused) = api
        .post("demo-office", &format!("{letter}/send"), send.clone())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("保密审查"),
        "{refused}"
    );
    // In the reviewer's queue; the reviewer reads the letter and clears it.
    let (s, queue) = api
        .get("demo-secrecy", "/api/v1/letters/awaiting-review")
        .await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    assert!(
        queue["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["letter_id"] == lid)
    );
    let (s, seen) = api.get("demo-secrecy", &letter).await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    let (s, reviewed) = api
        .post(
            "demo-secrecy",
            &format!("{letter}/review"),
            json!({"conclusion": "cleared"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{reviewed}");
    assert_eq!(reviewed["current_review"]["conclusion"], "cleared");
    assert_eq!(reviewed["current_review"]["reviewer_name"], "demo-secrecy");
    assert_eq!(reviewed["sendable"], true);
    // An edit after the review voids it: refused again until a new review.
    let (s, edited) = api
        .call(
            Some("demo-office"),
            "PUT",
            &letter,
            Some(json!({"title": draft["title"], "body": format!("{}\n（已核对）", draft["body"].as_str().unwrap())})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["review_invalidated"], true);
    assert_eq!(edited["view"]["letter"]["revision"], 2);
    let (s, _) = api
        .post("demo-office", &format!("{letter}/send"), send.clone())
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = api
        .post(
            "demo-secrecy",
            &format!("{letter}/review"),
            json!({"conclusion": "cleared", "reviewed_on": t}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, sent) = api
        .post("demo-office", &format!("{letter}/send"), send.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    assert_eq!(sent["letter"]["sent_on"], t.as_str());
    assert_eq!(sent["reviews"].as_array().unwrap().len(), 2);

    // Reply and archive.
    let v = api
        .step(
            "demo-office",
            &format!("{base}/reply"),
            json!({"via": "in_person", "date": t}),
        )
        .await;
    assert_eq!(v["application"]["stage"], "replied");
    let v = api
        .step(
            "demo-office",
            &format!("{base}/archive"),
            json!({"date": t}),
        )
        .await;
    assert_eq!(v["application"]["stage"], "archived");

    // A review case and its outcome (table 4).
    let (s, case) = api
        .post(
            "demo-office",
            "/api/v1/appeals",
            json!({"application_id": id, "kind": "review", "case_no": "长府复〔2025〕1号",
                   "body_name": "长春市人民政府", "filed_on": t}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["result"], "pending");
    let case_id = case["id"].as_i64().unwrap();
    let (s, done) = api
        .post(
            "demo-office",
            &format!("/api/v1/appeals/{case_id}/outcome"),
            json!({"result": "upheld", "concluded_on": t}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["result"], "upheld");
    let (_, cases) = api
        .get(
            "demo-office",
            &format!("/api/v1/appeals?application_id={id}"),
        )
        .await;
    assert_eq!(cases["entries"].as_array().unwrap().len(), 1);
    let (_, detail) = api.get("demo-office", &base).await;
    assert_eq!(detail["cases"][0]["id"], case_id);
    assert!(
        detail["events"].as_array().unwrap().len() >= 10,
        "every step is on the timeline"
    );

    // Every step was audited under the token's user.
    let records = gongkai_store::audit::list(
        &api.app.db,
        &gongkai_store::audit::Filter {
            limit: 2000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for action in [
        "application.register",
        "application.assign",
        "application.extend",
        "application.decide",
        "application.letter_review",
        "application.letter_edit",
        "application.letter_sent",
        "application.archive",
    ] {
        assert!(
            records
                .iter()
                .any(|r| r.action == action && r.actor.contains("demo-")),
            "{action} audited"
        );
    }
});

api_test!(validation_permissions_and_no_idor, |api| {
    let body = api.app.org_id("ccdpf").await;
    let t = today();

    let (_, before) = api.get("demo-office", "/api/v1/applications").await;
    let count_before = before["total"].as_i64().unwrap();

    // 401 without a token, in JSON.
    let (s, v) = api
        .call(
            None,
            "POST",
            "/api/v1/applications",
            Some(registration(body, &["某信息"])),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], "unauthorized");
    let (s, _) = api.call(None, "GET", "/api/v1/applications/1", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Validation: per field, in Chinese, nothing created.
    let mut bad = registration(body, &["某信息"]);
    bad["id_number"] = json!("110105194912310021");
    bad["arrived_on"] = json!("2025/03/03");
    bad["channel"] = json!("online");
    let (s, v) = api.post("demo-office", "/api/v1/applications", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "invalid");
    assert!(is_chinese(&v["message"]));
    assert!(
        v["fields"]["id_number"]
            .as_str()
            .unwrap()
            .contains("居民身份证"),
        "{v}"
    );
    assert!(
        v["fields"]["arrived_on"]
            .as_str()
            .unwrap()
            .contains("年-月-日"),
        "{v}"
    );
    assert!(
        v["fields"]["channel"]
            .as_str()
            .unwrap()
            .contains("门户网站"),
        "{v}"
    );
    let mut empty = registration(body, &[]);
    empty["applicant_name"] = json!("");
    let (s, v) = api.post("demo-office", "/api/v1/applications", empty).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(is_chinese(&v["fields"]["items.0.description"]), "{v}");
    assert!(is_chinese(&v["fields"]["applicant_name"]), "{v}");
    let mut long = registration(body, &["某信息"]);
    long["items"] = json!([{"description": "长".repeat(3000)}]);
    let (s, v) = api.post("demo-office", "/api/v1/applications", long).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["fields"]["items.0.description"]
            .as_str()
            .unwrap()
            .contains("过长"),
        "{v}"
    );
    let (s, v) = api
        .post(
            "demo-office",
            "/api/v1/applications",
            json!({"unknown_field": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(is_chinese(&v["message"]), "{v}");
    let (s, v) = api
        .get(
            "demo-office",
            "/api/v1/applications?stage=nonsense&per_page=500",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["fields"]["stage"].is_string() && v["fields"]["per_page"].is_string(),
        "{v}"
    );
    let (_, after) = api.get("demo-office", "/api/v1/applications").await;
    assert_eq!(after["total"], count_before, "nothing was created: {after}");

    // 403: a role without the permission (the drafter manages no applications).
    let (s, v) = api.get("demo-drafter", "/api/v1/applications").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(is_chinese(&v["message"]));
    let (s, _) = api
        .post(
            "demo-drafter",
            "/api/v1/applications",
            registration(body, &["某信息"]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (id, _) = api.register(body, &["2024年残疾人两项补贴发放情况"]).await;
    let (other, _) = api.register(body, &["2023年残疾人就业情况"]).await;
    let base = format!("/api/v1/applications/{id}");

    // Another organisation's office: 404 everywhere, not in its list (no IDOR).
    let (s, v) = api.get("demo-county-office", &base).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, unknown) = api
        .get("demo-county-office", "/api/v1/applications/999999")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v, unknown,
        "an application out of scope looks like one that does not exist"
    );
    let (s, _) = api
        .post(
            "demo-county-office",
            &format!("{base}/archive"),
            json!({"date": t}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = api.get("demo-county-office", "/api/v1/applications").await;
    assert!(
        !list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );
    // The drafter (no role on applications) and the reviewer (letters only) see no application.
    assert_eq!(
        api.get("demo-drafter", &base).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("demo-secrecy", &base).await.0,
        StatusCode::NOT_FOUND
    );

    // Records of another application: 404.
    let other_item = api
        .get("demo-office", &format!("/api/v1/applications/{other}"))
        .await
        .1["items"][0]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = api
        .post(
            "demo-office",
            &format!("{base}/items/{other_item}/decision"),
            json!({"outcome": "granted", "date": t}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Step validation: Chinese 400s and 409s.
    let (s, v) = api
        .post("demo-office", &format!("{base}/assign"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("承办部门"), "{v}");
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{base}/confirm"),
            json!({"date": t}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(is_chinese(&v["message"]));
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{base}/fee-paid"),
            json!({"date": "昨天"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("年-月-日"), "{v}");
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{base}/reply"),
            json!({"via": "pigeon", "date": t}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "not decided yet: {v}");
    // An extension needs the office head's approval right.
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{base}/extend"),
            json!({"workdays": 5, "reason": "需协调", "approved_on": t, "notice_on": t}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(v["message"].as_str().unwrap().contains("第三十三条"), "{v}");

    // Letters: the pre-send check, the wrong roles, another application's letter.
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{base}/letters"),
            json!({"kind": "correction", "title": "补正申请告知书", "body": "王五：\n机密★10年\n某机关"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("密级标志"), "{v}");
    let with_id = format!("王五：\n请核对身份证号 {ID}。\n某机关");
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{base}/letters"),
            json!({"kind": "correction", "title": "补正申请告知书", "body": with_id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        !v.to_string().contains(ID),
        "the check never repeats the number: {v}"
    );
    let (s, saved) = api
        .post(
            "demo-office",
            &format!("{base}/letters"),
            json!({"kind": "correction", "title": "补正申请告知书", "body": with_id, "personal_confirmed": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{saved}");
    let lid = saved["letter"]["id"].as_i64().unwrap();
    let letter = format!("{base}/letters/{lid}");
    // The office may not review; the drafter and the county office do not see it.
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{letter}/review"),
            json!({"conclusion": "cleared"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(v["message"].as_str().unwrap().contains("保密审查员"), "{v}");
    assert_eq!(
        api.post(
            "demo-drafter",
            &format!("{letter}/review"),
            json!({"conclusion": "cleared"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("demo-county-office", &letter).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get(
            "demo-office",
            &format!("/api/v1/applications/{other}/letters/{lid}")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // The reviewer may not send or edit.
    let (s, _) = api
        .post(
            "demo-secrecy",
            &format!("{letter}/send"),
            json!({"via": "online", "date": t}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Review input: Chinese 400s.
    let (s, v) = api
        .post(
            "demo-secrecy",
            &format!("{letter}/review"),
            json!({"conclusion": "ok"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(is_chinese(&v["fields"]["conclusion"]), "{v}");
    let (s, v) = api
        .post(
            "demo-secrecy",
            &format!("{letter}/review"),
            json!({"conclusion": "cleared", "state_secret": true}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("国家秘密"), "{v}");
    let (s, v) = api
        .post(
            "demo-secrecy",
            &format!("{letter}/review"),
            json!({"conclusion": "returned", "note": "身份证号应遮蔽"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .post(
            "demo-office",
            &format!("{letter}/send"),
            json!({"via": "online", "date": t}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["message"].as_str().unwrap().contains("退回修改"), "{v}");
    // Cases: another organisation's case is not found.
    let (s, case) = api
        .post(
            "demo-office",
            "/api/v1/appeals",
            json!({"application_id": id, "kind": "review", "filed_on": t, "body_name": "某市人民政府"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let (s, _) = api
        .post(
            "demo-county-office",
            &format!("/api/v1/appeals/{}/outcome", case["id"]),
            json!({"result": "upheld", "concluded_on": t}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = api
        .post(
            "demo-office",
            &format!("/api/v1/appeals/{}/outcome", case["id"]),
            json!({"result": "upheld"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a concluded case needs its date: {v}"
    );
    assert!(is_chinese(&v["message"]));
    let (s, _) = api
        .post(
            "demo-county-office",
            "/api/v1/appeals",
            json!({"application_id": id, "kind": "review", "filed_on": t}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});
