//! The items API over HTTP on both backends (issue #4, API part): the full lifecycle with API
//! tokens of the demo accounts, each return path, invalidation on edit, every permission failure
//! as a 403 JSON answer and every wrong-state step as a 409, the scanner gate with masked
//! findings, the JSON error shapes, and that the public catalog endpoints never show anything
//! that is not published (drafts, items in review, scheduled items before their time, withdrawn
//! items, guessed ids).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use gongkai_store::audit::Actor;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// GB 11643 example with a valid check digit.
const RESIDENT_ID: &str = "11010519491231002X";

struct Api {
    app: TestApp,
    tokens: BTreeMap<&'static str, String>,
}

impl Api {
    async fn new(app: TestApp) -> Api {
        gongkai_store::calendar::seed_official(&app.db)
            .await
            .unwrap();
        gongkai_store::items::registers::seed_defaults(&app.db)
            .await
            .unwrap();
        let mut tokens = BTreeMap::new();
        for user in [
            "demo-drafter",
            "demo-head",
            "demo-secrecy",
            "demo-leader",
            "demo-office",
            "demo-admin",
            "demo-auditor",
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

    /// Calls the API as `user` (None = anonymous); the answer must be JSON.
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

    async fn get(&mut self, user: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.call(user, "GET", path, None).await
    }

    async fn post(&mut self, user: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Some(user), "POST", path, Some(body)).await
    }

    /// A workflow step that must succeed; returns the item's new state code.
    async fn ok(&mut self, user: &str, id: i64, step: &str, body: Value) -> String {
        let (s, v) = self
            .post(user, &format!("/api/v1/items/{id}/{step}"), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{user} {step}: {v}");
        let state = if v["view"].is_object() {
            &v["view"]["state"]["code"]
        } else {
            &v["state"]["code"]
        };
        state.as_str().unwrap().to_string()
    }

    async fn kfb(&self) -> i64 {
        self.app.org_id("ccdpf-kfb").await
    }

    /// Creates a draft in 康复部 as the drafter; returns its id.
    async fn create(&mut self, title: &str, body_html: &str) -> i64 {
        let org = self.kfb().await;
        let (s, v) = self
            .post(
                "demo-drafter",
                "/api/v1/items",
                input(org, title, body_html),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["state"]["code"], "draft");
        v["item"]["id"].as_i64().unwrap()
    }

    /// Takes a draft through 提交 → 审核 → 保密审查 → 审批 (approved).
    async fn approve_through_chain(&mut self, id: i64) {
        assert_eq!(
            self.ok("demo-drafter", id, "submit", json!({})).await,
            "submitted"
        );
        assert_eq!(
            self.ok("demo-head", id, "review", checks(true)).await,
            "reviewed"
        );
        assert_eq!(
            self.ok(
                "demo-secrecy",
                id,
                "confidentiality-review",
                form("publish")
            )
            .await,
            "confidentiality_reviewed"
        );
        assert_eq!(
            self.ok("demo-leader", id, "approve", json!({"opinion": "同意发布"}))
                .await,
            "approved"
        );
    }

    /// The public endpoints do not show `id` at all (404, not in any catalog page).
    async fn not_public(&mut self, id: i64) {
        let (s, v) = self.get(None, &format!("/api/v1/catalog/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "item {id}: {v}");
        assert_eq!(v["error"], "item_not_found");
        assert!(!self.catalog_ids().await.contains(&id), "{id} in catalog");
    }

    async fn catalog_ids(&mut self) -> Vec<i64> {
        let (s, v) = self.get(None, "/api/v1/catalog?per_page=100").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    }
}

/// Runs the same test body against SQLite and PostgreSQL, each with a fresh demo database,
/// the default vocabularies and one API token per demo account.
macro_rules! api_test {
    ($name:ident, |$api:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run(mut $api: Api) $body

            // The demo's people, without its items: these tests count the whole catalog.
            #[tokio::test]
            async fn sqlite() {
                let t = gongkai_store::testing::TestDb::sqlite().await;
                run(Api::new(TestApp::people_only(t).await).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = gongkai_store::testing::TestDb::postgres().await else {
                    return;
                };
                run(Api::new(TestApp::people_only(t).await).await).await;
            }
        }
    };
}

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

fn input(org: i64, title: &str, body_html: &str) -> Value {
    json!({
        "org_id": org,
        "title": title,
        "summary": "关于康复服务的通知",
        "body_html": body_html,
        "keywords": "康复 通知",
        "formed_on": today(),
        "doc_number": "长残联发〔2026〕3号",
        "topic_code": "general-disclosure",
        "genre_code": "notice",
        "catalog_code": "art20-01",
        "disclosure": "proactive",
    })
}

fn checks(pass: bool) -> Value {
    let ok = json!({"passed": true, "comment": "同意"});
    json!({
        "legal": ok, "policy": ok, "secrecy": ok,
        "wording": if pass { ok.clone() } else { json!({"passed": false, "comment": "第二段有错别字"}) },
    })
}

fn form(conclusion: &str) -> Value {
    let d = today();
    json!({
        "form_date": d, "originating_unit": "康复部", "info_title": "", "is_document": true,
        "reference_no": "", "channels": ["政府网站"], "planned_on": d, "disclosure": "proactive",
        "withhold_ground": "", "state_secret": false, "work_secret": false,
        "commercial_secret": false, "personal_privacy": false, "secrets_note": "",
        "drafter_opinion": "建议主动公开", "drafter_name": "张三", "drafter_on": d,
        "head_opinion": "同意", "head_name": "李四", "head_on": d, "conclusion": conclusion,
        "basis": "经审查不涉及国家秘密、工作秘密", "reviewer_name": "", "reviewed_on": d,
        "remarks": "",
    })
}

api_test!(full_lifecycle_through_the_api, |api| {
    let id = api
        .create(
            "关于开展残疾人康复服务的通知",
            "<p>第一版正文。</p><script>alert(1)</script>",
        )
        .await;
    // Sanitised on the way in.
    let (s, v) = api
        .get(Some("demo-drafter"), &format!("/api/v1/items/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let body = v["current_revision"]["body_html"].as_str().unwrap();
    assert!(
        body.contains("第一版正文") && !body.contains("script"),
        "{body}"
    );
    api.not_public(id).await;

    // The head sees it in the 待审核 queue only after submission.
    let queue = |v: &Value| -> Vec<i64> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let (_, v) = api
        .get(Some("demo-head"), "/api/v1/items?queue=to_review")
        .await;
    assert!(!queue(&v).contains(&id));
    assert_eq!(
        api.ok("demo-drafter", id, "submit", json!({})).await,
        "submitted"
    );
    let (s, v) = api
        .get(Some("demo-head"), "/api/v1/items?queue=to_review")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(queue(&v).contains(&id));
    // The county office's 待发布 list never holds items outside its county.
    let (s, v) = api
        .get(Some("demo-county-office"), "/api/v1/items?queue=to_draft")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(
        api.ok("demo-head", id, "review", checks(true)).await,
        "reviewed"
    );
    api.not_public(id).await;

    // Editing after a review step: new revision, reviews void, back to draft, and it says so.
    let org = api.kfb().await;
    let (s, v) = api
        .call(
            Some("demo-drafter"),
            "PUT",
            &format!("/api/v1/items/{id}"),
            Some(input(
                org,
                "关于开展残疾人康复服务的通知",
                "<p>第二版正文。</p>",
            )),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviews_invalidated"], true);
    assert_eq!(v["new_revision"], true);
    assert!(v["notice"].as_str().unwrap().contains("失效"));
    assert_eq!(v["view"]["state"]["code"], "draft");
    assert_eq!(v["view"]["revisions"].as_array().unwrap().len(), 2);

    api.approve_through_chain(id).await;
    api.not_public(id).await;
    assert_eq!(
        api.ok("demo-office", id, "publish", json!({})).await,
        "published"
    );
    let (s, v) = api
        .get(Some("demo-office"), &format!("/api/v1/items/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let index_no = v["item"]["index_no"].as_str().unwrap().to_string();
    assert!(!index_no.is_empty());

    // Public now.
    let (s, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["index_no"], index_no);
    assert!(v["body_html"].as_str().unwrap().contains("第二版正文"));
    assert!(
        v.get("created_by").is_none(),
        "no internal fields in public JSON"
    );
    assert!(api.catalog_ids().await.contains(&id));
    let (_, v) = api
        .get(None, "/api/v1/catalog?catalog=art20-01&sort=oldest")
        .await;
    assert!(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );
    let (_, v) = api.get(None, "/api/v1/catalog?catalog=art20-02").await;
    assert!(
        !v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );

    // Amend: a second public revision.
    let amend = json!({"title": "关于开展残疾人康复服务的通知", "summary": "更正",
        "body_html": "<p>第三版正文。</p>", "keywords": "", "note": "更正联系方式"});
    assert_eq!(api.ok("demo-office", id, "amend", amend).await, "submitted");
    // Until the amendment has been through the chain, the old text stays public.
    let (_, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert!(!v["body_html"].as_str().unwrap().contains("第三版正文"));
    assert_eq!(v["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(
        api.ok("demo-head", id, "review", checks(true)).await,
        "reviewed"
    );
    assert_eq!(
        api.ok(
            "demo-secrecy",
            id,
            "confidentiality-review",
            form("publish")
        )
        .await,
        "confidentiality_reviewed"
    );
    assert_eq!(
        api.ok("demo-leader", id, "approve", json!({"opinion": "同意"}))
            .await,
        "approved"
    );
    assert_eq!(
        api.ok("demo-office", id, "publish", json!({})).await,
        "published"
    );
    let (_, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert!(v["body_html"].as_str().unwrap().contains("第三版正文"));
    assert_eq!(v["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(v["index_no"], index_no, "索引号 never changes");

    // 失效 with date and replacement.
    let change = json!({"validity": "expired", "effective_on": today(),
        "replaced_by": "长残联发〔2026〕9号", "note": ""});
    assert_eq!(
        api.ok("demo-office", id, "validity", change).await,
        "published"
    );
    let (_, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert_eq!(v["validity"], "expired");
    assert_eq!(v["validity_label"], "失效");
    let (_, v) = api.get(None, "/api/v1/catalog?validity=expired").await;
    assert!(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );

    // Withdraw: 410 with the reason, gone from the catalog.
    assert_eq!(
        api.ok(
            "demo-office",
            id,
            "withdraw",
            json!({"reason": "内容已由新文件替代"})
        )
        .await,
        "withdrawn"
    );
    let (s, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["error"], "withdrawn");
    assert_eq!(v["reason"], "内容已由新文件替代");
    assert_eq!(v["index_no"], index_no);
    assert!(v["message"].as_str().unwrap().contains("撤回"));
    assert!(!api.catalog_ids().await.contains(&id));

    // The timeline holds every step in order.
    let (s, v) = api
        .get(Some("demo-office"), &format!("/api/v1/items/{id}/timeline"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "submit",
            "review",
            "edit",
            "submit",
            "review",
            "confidentiality_clear",
            "approve",
            "publish",
            "amend",
            "review",
            "confidentiality_clear",
            "approve",
            "publish",
            "change_validity",
            "withdraw"
        ]
    );
    assert!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action_label"].is_string())
    );
    let verified = gongkai_store::audit::verify(&api.app.db).await.unwrap();
    assert!(verified.checked > 0);
    assert_eq!(verified.first_broken, None, "the audit chain verifies");
});

api_test!(every_return_path, |api| {
    let id = api.create("退回测试", "<p>正文</p>").await;
    let ret = |r: &str| json!({"reasons": r});

    // A failed check in 审核 returns it with the comment.
    api.ok("demo-drafter", id, "submit", json!({})).await;
    assert_eq!(
        api.ok("demo-head", id, "review", checks(false)).await,
        "draft"
    );
    // Returned by the head at 待审核.
    api.ok("demo-drafter", id, "submit", json!({})).await;
    assert_eq!(
        api.ok("demo-head", id, "return", ret("请补充依据")).await,
        "draft"
    );
    // By the confidentiality reviewer.
    api.ok("demo-drafter", id, "submit", json!({})).await;
    api.ok("demo-head", id, "review", checks(true)).await;
    assert_eq!(
        api.ok("demo-secrecy", id, "return", ret("涉及个人信息"))
            .await,
        "draft"
    );
    // By the approving leader.
    api.ok("demo-drafter", id, "submit", json!({})).await;
    api.ok("demo-head", id, "review", checks(true)).await;
    api.ok(
        "demo-secrecy",
        id,
        "confidentiality-review",
        form("publish"),
    )
    .await;
    assert_eq!(
        api.ok("demo-leader", id, "return", ret("时机不宜")).await,
        "draft"
    );
    // By the office after approval, and after scheduling.
    api.approve_through_chain(id).await;
    assert_eq!(
        api.ok("demo-office", id, "return", ret("格式不规范")).await,
        "draft"
    );
    api.approve_through_chain(id).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    assert_eq!(
        api.ok("demo-office", id, "schedule", json!({"at": at}))
            .await,
        "scheduled"
    );
    api.not_public(id).await;
    assert_eq!(
        api.ok("demo-office", id, "unschedule", json!({})).await,
        "approved"
    );
    assert_eq!(
        api.ok("demo-office", id, "schedule", json!({"at": at}))
            .await,
        "scheduled"
    );
    assert_eq!(
        api.ok("demo-office", id, "return", ret("推迟发布")).await,
        "draft"
    );
    api.not_public(id).await;

    let (_, v) = api
        .get(
            Some("demo-drafter"),
            &format!("/api/v1/items/{id}/timeline"),
        )
        .await;
    let notes: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "return")
        .map(|e| e["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 6, "{notes:?}");
    assert!(notes[0].contains("第二段有错别字"));
    for r in [
        "请补充依据",
        "涉及个人信息",
        "时机不宜",
        "格式不规范",
        "推迟发布",
    ] {
        assert!(notes.iter().any(|n| n.contains(r)), "{r} in {notes:?}");
    }
    // A return without reasons is an input error.
    api.ok("demo-drafter", id, "submit", json!({})).await;
    let (s, v) = api
        .post(
            "demo-head",
            &format!("/api/v1/items/{id}/return"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid");
    assert!(v["fields"]["reasons"].is_string());
});

api_test!(permission_failures_are_403_and_wrong_states_409, |api| {
    let id = api.create("权限测试", "<p>正文</p>").await;
    let p = |step: &str| format!("/api/v1/items/{id}/{step}");

    // No token / bad token.
    let (s, v) = api.call(None, "POST", &p("submit"), Some(json!({}))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], "unauthorized");
    let (s, _) = api.get(None, &format!("/api/v1/items/{id}")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Out of scope: the county office and the auditor cannot even see it.
    for user in ["demo-county-office", "demo-auditor", "demo-admin"] {
        let (s, v) = api.get(Some(user), &format!("/api/v1/items/{id}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {v}");
        assert_eq!(v["error"], "forbidden");
        assert!(v["message"].as_str().unwrap().contains("权限"));
        let (s, _) = api
            .get(Some(user), &format!("/api/v1/items/{id}/timeline"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }
    // Creating needs 起草 on the target organisation.
    let nanguan = api.app.org_id("nanguan").await;
    let (s, v) = api
        .post(
            "demo-drafter",
            "/api/v1/items",
            input(nanguan, "越权起草", "<p>x</p>"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let kfb = api.kfb().await;
    for user in ["demo-office", "demo-auditor", "demo-leader"] {
        let (s, _) = api
            .post(user, "/api/v1/items", input(kfb, "越权起草", "<p>x</p>"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }
    // Lists need the queue's role.
    for (user, queue) in [
        ("demo-drafter", "to_review"),
        ("demo-head", "to_approve"),
        ("demo-leader", "to_publish"),
        ("demo-auditor", "to_draft"),
    ] {
        let (s, v) = api
            .get(Some(user), &format!("/api/v1/items?queue={queue}"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user} {queue}: {v}");
    }

    // Each step by someone who holds item roles here but not the one the step needs.
    let forbidden = |s: StatusCode, v: &Value, what: &str| {
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {v}");
        assert_eq!(v["error"], "forbidden", "{what}");
        assert!(
            v["message"].as_str().unwrap().contains("权限"),
            "{what}: {v}"
        );
    };
    let (s, v) = api.post("demo-office", &p("submit"), json!({})).await;
    forbidden(s, &v, "office submits");
    api.ok("demo-drafter", id, "submit", json!({})).await;
    let (s, v) = api.post("demo-drafter", &p("review"), checks(true)).await;
    forbidden(s, &v, "drafter reviews");
    let (s, v) = api
        .post("demo-drafter", &p("return"), json!({"reasons": "x"}))
        .await;
    forbidden(s, &v, "drafter returns");
    api.ok("demo-head", id, "review", checks(true)).await;
    let (s, v) = api
        .post("demo-head", &p("confidentiality-review"), form("publish"))
        .await;
    forbidden(s, &v, "head does the 保密审查");
    api.ok(
        "demo-secrecy",
        id,
        "confidentiality-review",
        form("publish"),
    )
    .await;
    let (s, v) = api
        .post("demo-secrecy", &p("approve"), json!({"opinion": "同意"}))
        .await;
    forbidden(s, &v, "reviewer approves");
    api.ok("demo-leader", id, "approve", json!({"opinion": "同意"}))
        .await;
    let (s, v) = api.post("demo-leader", &p("publish"), json!({})).await;
    forbidden(s, &v, "leader publishes");
    let (s, v) = api
        .post("demo-county-office", &p("publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "county office publishes: {v}");
    let (s, v) = api
        .post(
            "demo-drafter",
            &p("schedule"),
            json!({"at": "2099-01-01T09:00:00+08:00"}),
        )
        .await;
    forbidden(s, &v, "drafter schedules");
    // Nothing of that changed the state.
    let (_, v) = api
        .get(Some("demo-office"), &format!("/api/v1/items/{id}"))
        .await;
    assert_eq!(v["state"]["code"], "approved");
    api.not_public(id).await;

    // Wrong state: 409 with the workflow's Chinese message.
    let conflict = |s: StatusCode, v: &Value, what: &str| {
        assert_eq!(s, StatusCode::CONFLICT, "{what}: {v}");
        assert_eq!(v["error"], "conflict");
        assert!(
            v["message"].as_str().unwrap().contains("不能执行"),
            "{what}: {v}"
        );
    };
    let (s, v) = api
        .post("demo-leader", &p("approve"), json!({"opinion": "再次"}))
        .await;
    conflict(s, &v, "approve twice");
    let (s, v) = api
        .post("demo-office", &p("withdraw"), json!({"reason": "未发布"}))
        .await;
    conflict(s, &v, "withdraw unpublished");
    let amend = json!({"title": "x", "body_html": "<p>x</p>", "note": "改"});
    let (s, v) = api.post("demo-office", &p("amend"), amend).await;
    conflict(s, &v, "amend unpublished");
    api.ok("demo-office", id, "publish", json!({})).await;
    let (s, v) = api.post("demo-drafter", &p("submit"), json!({})).await;
    conflict(s, &v, "submit published");
    let (s, v) = api
        .call(
            Some("demo-drafter"),
            "PUT",
            &format!("/api/v1/items/{id}"),
            Some(input(kfb, "改", "<p>x</p>")),
        )
        .await;
    conflict(s, &v, "edit published");
    let (s, v) = api.post("demo-office", &p("publish"), json!({})).await;
    conflict(s, &v, "publish twice");
    // After publication the drafter may not withdraw.
    let (s, v) = api
        .post("demo-drafter", &p("withdraw"), json!({"reason": "想撤"}))
        .await;
    forbidden(s, &v, "drafter withdraws");

    // Unknown item.
    let (s, v) = api.get(Some("demo-office"), "/api/v1/items/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "item_not_found");
});

api_test!(resident_id_blocks_publication_until_masked, |api| {
    let body = format!("<p>联系人身份证号 {RESIDENT_ID}，请核实。</p>");
    let id = api.create("含身份证号的通知", &body).await;

    // The staff view lists the finding, masked.
    let (_, v) = api
        .get(Some("demo-drafter"), &format!("/api/v1/items/{id}"))
        .await;
    let findings = v["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["kind"] == "resident_id")
        .expect("resident id found");
    assert_eq!(f["blocking"], true);
    assert_eq!(f["open_blocking"], true);
    assert!(
        !v["findings"].to_string().contains(RESIDENT_ID),
        "findings are masked"
    );
    assert!(!v["findings"].to_string().contains("found_text"));
    assert!(f["masked_text"].as_str().unwrap().contains('*'));
    let fid = f["id"].as_i64().unwrap();

    api.approve_through_chain(id).await;
    let (s, v) = api
        .post(
            "demo-office",
            &format!("/api/v1/items/{id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "the gate stops it: {v}");
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let (s, _) = api
        .post(
            "demo-office",
            &format!("/api/v1/items/{id}/schedule"),
            json!({"at": at}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "scheduling is gated too");
    api.not_public(id).await;

    // Resolving needs the drafter or the confidentiality reviewer.
    let fix = json!({"finding_ids": [fid], "fix": "mask"});
    let (s, v) = api
        .post(
            "demo-leader",
            &format!("/api/v1/items/{id}/findings/fix"),
            fix.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = api
        .post(
            "demo-office",
            &format!("/api/v1/items/{id}/findings/{fid}/justify"),
            json!({"justification": "公职人员办公信息"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = api
        .post(
            "demo-drafter",
            &format!("/api/v1/items/{id}/findings/fix"),
            fix,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reviews_invalidated"], true);
    assert_eq!(v["view"]["state"]["code"], "draft");
    assert!(
        v["view"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["open_blocking"] == false)
    );

    api.approve_through_chain(id).await;
    assert_eq!(
        api.ok("demo-office", id, "publish", json!({})).await,
        "published"
    );
    let (s, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.to_string();
    assert!(
        !text.contains(RESIDENT_ID),
        "published text holds only the masked form"
    );
    assert!(v["body_html"].as_str().unwrap().contains('*'));
});

api_test!(justified_finding_keeps_the_text, |api| {
    let id = api
        .create("含电话的通知", "<p>咨询电话：13800138000。</p>")
        .await;
    let (_, v) = api
        .get(Some("demo-drafter"), &format!("/api/v1/items/{id}"))
        .await;
    assert!(!v["findings"].to_string().contains("13800138000"));
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "mobile" && f["blocking"] == true)
        .expect("a mobile number is a blocking finding");
    let fid = f["id"].as_i64().unwrap();
    let path = format!("/api/v1/items/{id}/findings/{fid}/justify");
    let (s, v) = api
        .post("demo-drafter", &path, json!({"justification": "短"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid");
    assert!(v["fields"]["justification"].is_string());
    let (s, v) = api
        .post(
            "demo-drafter",
            &path,
            json!({"justification": "单位公开的咨询电话"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let kept = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == fid)
        .unwrap()
        .clone();
    assert_eq!(kept["resolution"], "justified");
    assert_eq!(v["state"]["code"], "draft");
    // Justified: the gate lets it through with the text unchanged.
    api.approve_through_chain(id).await;
    assert_eq!(
        api.ok("demo-office", id, "publish", json!({})).await,
        "published"
    );
    let (_, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
    assert!(v["body_html"].as_str().unwrap().contains("13800138000"));
});

api_test!(json_error_shapes, |api| {
    let org = api.kfb().await;

    // Every field problem at once.
    let bad = json!({"org_id": org, "title": "", "formed_on": "2026/01/01", "catalog_code": "nope",
        "topic_code": "nope-topic", "disclosure": "secret", "doc_number": "某发[2026]1号",
        "body_html": "<p>图</p><img src=\"/files/a.png\">"});
    let (s, v) = api.post("demo-drafter", "/api/v1/items", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "invalid");
    assert!(v["message"].as_str().unwrap().contains("需要修改"));
    let fields: Vec<&str> = v["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "body_html",
            "catalog_code",
            "disclosure",
            "doc_number",
            "formed_on",
            "title",
            "topic_code"
        ]
    );
    assert!(v["fields"]["body_html"].as_str().unwrap().contains("alt"));
    // Not proactive without a legal ground; 成文日期 after 生成日期.
    let mut b = input(org, "标题", "<p>x</p>");
    b["disclosure"] = json!("withheld");
    b["signed_on"] = json!("2999-01-01");
    let (s, v) = api.post("demo-drafter", "/api/v1/items", b).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = v["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["signed_on", "withhold_ground"]);
    // Nothing was created by refused requests.
    let (_, v) = api
        .get(Some("demo-drafter"), "/api/v1/items?queue=to_draft")
        .await;
    assert_eq!(v["entries"].as_array().unwrap().len(), 0);

    // Malformed JSON.
    let req = Request::post("/api/v1/items")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", api.tokens["demo-drafter"]),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let r = api.app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["error"], "bad_request");
    assert!(v["message"].is_string());

    // Queue missing or unknown.
    for q in ["", "?queue=everything"] {
        let (s, v) = api
            .get(Some("demo-head"), &format!("/api/v1/items{q}"))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "invalid");
        assert!(v["fields"]["queue"].as_str().unwrap().contains("to_review"));
    }
    // Malformed ids are "no such endpoint", before authentication.
    for path in [
        "/api/v1/items/abc",
        "/api/v1/catalog/1x",
        "/api/v1/items/1/findings/x/justify",
    ] {
        let method = if path.ends_with("justify") {
            "POST"
        } else {
            "GET"
        };
        let (s, v) = api.call(None, method, path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(v["error"], "not_found");
        assert!(v["message"].as_str().unwrap().contains("接口不存在"));
    }
    // Bad schedule time, bad validity, bad catalog parameters.
    let id = api.create("格式测试", "<p>x</p>").await;
    api.approve_through_chain(id).await;
    let (s, v) = api
        .post(
            "demo-office",
            &format!("/api/v1/items/{id}/schedule"),
            json!({"at": "明天"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["fields"]["at"].is_string());
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (s, v) = api
        .post(
            "demo-office",
            &format!("/api/v1/items/{id}/schedule"),
            json!({"at": past}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "invalid");
    api.ok("demo-office", id, "publish", json!({})).await;
    let (s, v) = api
        .post(
            "demo-office",
            &format!("/api/v1/items/{id}/validity"),
            json!({"validity": "repealed", "replaced_by": "", "note": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["fields"]["effective_on"].is_string());
    let (s, v) = api
        .get(None, "/api/v1/catalog?sort=random&validity=maybe")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = v["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["sort", "validity"]);
    let (s, v) = api.get(None, "/api/v1/catalog?page=abc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "bad_request");
});

api_test!(public_endpoints_show_only_published_items, |api| {
    let draft = api.create("草稿", "<p>草稿</p>").await;
    let submitted = api.create("待审核", "<p>待审核</p>").await;
    api.ok("demo-drafter", submitted, "submit", json!({})).await;
    let approved = api.create("待发布", "<p>待发布</p>").await;
    api.approve_through_chain(approved).await;
    let scheduled = api.create("定时", "<p>定时</p>").await;
    api.approve_through_chain(scheduled).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    api.ok("demo-office", scheduled, "schedule", json!({"at": at}))
        .await;
    let withheld = api.create("不予公开", "<p>不予公开</p>").await;
    api.ok("demo-drafter", withheld, "submit", json!({})).await;
    api.ok("demo-head", withheld, "review", checks(true)).await;
    let mut f = form("withhold");
    f["disclosure"] = json!("withheld");
    f["withhold_ground"] = json!("条例第十五条");
    assert_eq!(
        api.ok("demo-secrecy", withheld, "confidentiality-review", f)
            .await,
        "withheld"
    );
    let published = api.create("已发布", "<p>已发布</p>").await;
    api.approve_through_chain(published).await;
    api.ok("demo-office", published, "publish", json!({})).await;
    let withdrawn = api.create("已撤回", "<p>已撤回</p>").await;
    api.approve_through_chain(withdrawn).await;
    api.ok("demo-office", withdrawn, "publish", json!({})).await;
    api.ok(
        "demo-office",
        withdrawn,
        "withdraw",
        json!({"reason": "错发"}),
    )
    .await;

    assert_eq!(api.catalog_ids().await, vec![published]);
    // Guess every id around the ones that exist.
    let max = [
        draft, submitted, approved, scheduled, withheld, published, withdrawn,
    ]
    .into_iter()
    .max()
    .unwrap();
    for id in 0..=max + 5 {
        let (s, v) = api.get(None, &format!("/api/v1/catalog/{id}")).await;
        let expected = if id == published {
            StatusCode::OK
        } else if id == withdrawn {
            StatusCode::GONE
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(s, expected, "id {id}: {v}");
        if s != StatusCode::OK {
            assert!(
                v.get("body_html").is_none() && v.get("title").is_none(),
                "{v}"
            );
        }
    }
    // Every catalog filter, year and sort shows the same single item at most.
    let year = &today()[..4];
    for q in [
        format!("year={year}"),
        "sort=oldest".to_string(),
        "catalog=art20-01".to_string(),
        format!("org={}", api.kfb().await),
        "topic=general-disclosure&genre=notice".to_string(),
        "validity=valid&per_page=1&page=1".to_string(),
    ] {
        let (s, v) = api.get(None, &format!("/api/v1/catalog?{q}")).await;
        assert_eq!(s, StatusCode::OK, "{q}");
        let ids: Vec<i64> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![published], "{q}");
        assert_eq!(v["total"], 1, "{q}");
    }
    let (_, v) = api.get(None, "/api/v1/catalog?page=2&per_page=1").await;
    assert!(v["entries"].as_array().unwrap().is_empty());
    // The staff withheld queue has it; the county office's published queue has nothing of ours.
    let (_, v) = api
        .get(Some("demo-secrecy"), "/api/v1/items?queue=withheld")
        .await;
    assert!(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == withheld)
    );
    let (s, v) = api
        .get(Some("demo-county-office"), "/api/v1/items?queue=published")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["entries"].as_array().unwrap().is_empty(), "{v}");
    let (_, v) = api
        .get(Some("demo-office"), "/api/v1/items?queue=scheduled")
        .await;
    assert!(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == scheduled)
    );
});
