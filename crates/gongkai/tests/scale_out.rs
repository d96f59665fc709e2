//! Scale-out on PostgreSQL (issue #11): two `gongkai serve` instances on one PostgreSQL
//! database, behind nginx round-robin (Debian's `/usr/sbin/nginx`, run by the test with a
//! configuration of its own in a temporary folder; installed by `scripts/test-deps.sh`).
//! Each instance has its own data folder and search index; they share the key file and the
//! uploaded files, as ARCHITECTURE.md's "Running N instances" says.
//!
//! - A session made through nginx works on requests that both instances serve (nginx names
//!   the instance that answered in `X-Upstream`).
//! - Items published concurrently through both instances get distinct 索引号 serials.
//! - Items scheduled for a near time are published exactly once (one timeline event, one
//!   audit record) although both workers poll the queue.
//! - Reminder sweeps run concurrently by both workers make each reminder once.
//! - Published on A, an item is found by search on B within 2 s; withdrawn on B, it is gone
//!   from A's search within 2 s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::deploy::Deployment;
use common::{api, header_value, http, login};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";

/// The search freshness budget (the bound of a polling loop, not a measurement).
const SEARCH_BUDGET: Duration = Duration::from_secs(2);

/// nginx in front of the instances, stopped when dropped.
struct Nginx {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Round-robin over `upstreams`; its own prefix, pid, logs and temp folders, in the
    /// foreground, one process (no master, so no user switch: it runs as whoever runs the test).
    fn start(upstreams: &[&str]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().display().to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("    server {u} max_fails=0;\n"))
            .collect();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {p}/nginx.pid;\n\
             error_log {p}/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
             fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
             upstream gongkai {{\n{servers}  }}\n\
             server {{\n    listen 127.0.0.1:{port};\n    client_max_body_size 60m;\n\
             location / {{\n      proxy_pass http://gongkai;\n      proxy_set_header Host $http_host;\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             add_header X-Upstream $upstream_addr always;\n    }}\n  }}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not start: {}",
                std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            addr,
            _dir: dir,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo accounts of the item workflow and their API tokens.
struct Staff {
    tokens: BTreeMap<&'static str, String>,
}

const DRAFTER: &str = "demo-drafter";
const HEAD: &str = "demo-head";
const SECRECY: &str = "demo-secrecy";
const LEADER: &str = "demo-leader";
const OFFICE: &str = "demo-office";

impl Staff {
    async fn new(dep: &Deployment) -> Staff {
        let mut tokens = BTreeMap::new();
        for u in [DRAFTER, HEAD, SECRECY, LEADER, OFFICE] {
            tokens.insert(u, dep.token(u).await);
        }
        Staff { tokens }
    }

    /// A workflow step that must succeed; returns the item as it is after it.
    fn step(&self, addr: &str, user: &str, id: i64, step: &str, body: Value) -> Value {
        let path = format!("/api/v1/items/{id}/{step}");
        let (status, v) = api(addr, &self.tokens[user], "POST", &path, Some(&body));
        assert_eq!(status, 200, "{user} {step} {id}: {v}");
        if v["view"].is_object() {
            v["view"]["item"].clone()
        } else {
            v["item"].clone()
        }
    }

    /// A new draft in 康复部 taken through 提交 → 审核 → 保密审查 → 审批; returns its id.
    fn approved(&self, addr: &str, kfb: i64, title: &str) -> i64 {
        let today = (chrono::Utc::now() + chrono::Duration::hours(8))
            .date_naive()
            .to_string();
        let input = json!({
            "org_id": kfb, "title": title, "summary": "康复服务", "body_html": "<p>正文。</p>",
            "keywords": "康复", "formed_on": today, "doc_number": "",
            "topic_code": "general-disclosure", "genre_code": "notice",
            "catalog_code": "art20-01", "disclosure": "proactive",
        });
        let (status, v) = api(
            addr,
            &self.tokens[DRAFTER],
            "POST",
            "/api/v1/items",
            Some(&input),
        );
        assert_eq!(status, 201, "{v}");
        let id = v["item"]["id"].as_i64().unwrap();
        let ok = json!({"passed": true, "comment": "同意"});
        let checks = json!({"legal": ok, "policy": ok, "secrecy": ok, "wording": ok});
        let form = json!({
            "form_date": today, "originating_unit": "康复部", "info_title": "",
            "is_document": false, "reference_no": "", "channels": ["政府网站"],
            "planned_on": today, "disclosure": "proactive", "withhold_ground": "",
            "state_secret": false, "work_secret": false, "commercial_secret": false,
            "personal_privacy": false, "secrets_note": "", "drafter_opinion": "建议主动公开",
            "drafter_name": "张三", "drafter_on": today, "head_opinion": "同意",
            "head_name": "李四", "head_on": today, "conclusion": "publish",
            "basis": "经审查不涉及国家秘密、工作秘密", "reviewer_name": "",
            "reviewed_on": today, "remarks": "",
        });
        self.step(addr, DRAFTER, id, "submit", json!({}));
        self.step(addr, HEAD, id, "review", checks);
        self.step(addr, SECRECY, id, "confidentiality-review", form);
        let item = self.step(addr, LEADER, id, "approve", json!({"opinion": "同意发布"}));
        assert_eq!(item["state"], "approved", "{item}");
        id
    }
}

/// Public search on `addr` for `q`: `Some(ids)` when the index answered, `None` while it is
/// still being built.
fn search_ids(addr: &str, q: &str) -> Option<Vec<i64>> {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let (status, body) = common::get(addr, &format!("/api/v1/search?q={q}"), None);
    if status == 503 {
        return None;
    }
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    Some(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h["id"].as_i64())
            .collect(),
    )
}

/// Polls until `cond` holds or `limit` passes; true when it held.
fn within(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn count(db: &gongkai_store::Db, sql: &'static str, id: &str) -> i64 {
    gongkai_store::on_db!(db, |p| sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(p)
        .await
        .unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_behind_nginx_share_one_postgres_database() {
    if !Path::new(NGINX).exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{NGINX} is missing under CI=true (scripts/test-deps.sh installs nginx-light)"
        );
        eprintln!("!!! SKIPPING the scale-out test: {NGINX} is missing (run scripts/test-deps.sh)");
        return;
    }
    let Some(dep) = Deployment::with_people(true).await else {
        return;
    };
    let staff = Staff::new(&dep).await;
    let kfb = dep.org_id("ccdpf-kfb").await;
    let b_data = dep.instance_dir("b");
    let a = dep.serve(&[]);
    let b = dep.serve_instance(&b_data, &dep.url, &[]);
    let lb = Nginx::start(&[&a.addr, &b.addr]);

    // Sessions: logged in through nginx, the session works on both instances.
    let session = login(&lb.addr).expect("login through nginx");
    let mut served = BTreeSet::new();
    for _ in 0..6 {
        let (status, head, _) = http(
            &lb.addr,
            &format!(
                "GET /admin HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: gk_session={session}\r\n\r\n",
                lb.addr
            ),
        )
        .unwrap();
        assert_eq!(status, 200, "{head}");
        served.insert(header_value(&head, "X-Upstream").unwrap());
    }
    let both: BTreeSet<String> = [a.addr.clone(), b.addr.clone()].into();
    assert_eq!(served, both, "both instances served the session");

    // Approved items, through nginx (so through both instances).
    let ids: Vec<i64> = (0..9)
        .map(|i| staff.approved(&lb.addr, kfb, &format!("扩展测试第{i}号通知")))
        .collect();

    // 索引号: six items published at once, three through each instance directly.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
    let publishers: Vec<_> = ids[..6]
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let addr = if i % 2 == 0 {
                a.addr.clone()
            } else {
                b.addr.clone()
            };
            let token = staff.tokens[OFFICE].clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let path = format!("/api/v1/items/{id}/publish");
                let (status, v) = api(&addr, &token, "POST", &path, Some(&json!({})));
                assert_eq!(status, 200, "{v}");
                let item = if v["view"].is_object() {
                    &v["view"]["item"]
                } else {
                    &v["item"]
                };
                item["index_no"].as_str().unwrap().to_string()
            })
        })
        .collect();
    let numbers: Vec<String> = publishers.into_iter().map(|p| p.join().unwrap()).collect();
    let distinct: BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len(), "索引号 collide: {numbers:?}");
    println!("索引号 drawn concurrently: {numbers:?}");

    // Scheduled publication: three items due in a few seconds; both workers poll the queue.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(4)).to_rfc3339();
    for &id in &ids[6..9] {
        let item = staff.step(&lb.addr, OFFICE, id, "schedule", json!({"at": at}));
        assert_eq!(item["state"], "scheduled", "{item}");
    }
    let published = |id: i64| {
        let (_, v) = api(
            &lb.addr,
            &staff.tokens[OFFICE],
            "GET",
            &format!("/api/v1/items/{id}"),
            None,
        );
        v["item"]["state"] == "published"
    };
    assert!(
        within(Duration::from_secs(60), || ids[6..9]
            .iter()
            .all(|&id| published(id))),
        "the scheduled items were not published"
    );
    let db = dep.db().await;
    for &id in &ids[6..9] {
        let id = id.to_string();
        let events = count(
            &db,
            "SELECT COUNT(*) FROM item_events WHERE item_id = CAST($1 AS BIGINT) AND action = 'publish'",
            &id,
        )
        .await;
        let audits = count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'item' AND object_id = $1 AND action = 'item.publish'",
            &id,
        )
        .await;
        assert_eq!(
            (events, audits),
            (1, 1),
            "item {id} published more than once"
        );
    }

    // Reminders: four sweeps at once, run by whichever worker claims them.
    let mut tx = db.begin().await.unwrap();
    for i in 0..4 {
        gongkai_store::jobs::enqueue(
            &mut tx,
            gongkai_store::reminders::SWEEP_JOB,
            &json!({}),
            Some(&format!("scale-out-test:{i}")),
            gongkai_store::now_ms(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let sweeps_done = || async {
        gongkai_store::on_db!(&db, |p| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status <> 'done'"
        )
        .bind(gongkai_store::reminders::SWEEP_JOB)
        .fetch_one(p)
        .await
        .unwrap())
            == 0
    };
    let started = Instant::now();
    while !sweeps_done().await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sweeps did not run"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (reminders, keys, audited): (i64, i64, i64) = gongkai_store::on_db!(&db, |p| {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM reminders), \
                    (SELECT COUNT(DISTINCT reminder_key) FROM reminders), \
                    (SELECT COUNT(*) FROM audit_log WHERE object_type = 'reminder')",
        )
        .fetch_one(p)
        .await
        .unwrap()
    });
    let workers: Vec<String> = gongkai_store::on_db!(&db, |p| sqlx::query_scalar(
        "SELECT DISTINCT COALESCE(locked_by, '') FROM jobs WHERE kind IN ($1, $2)"
    )
    .bind(gongkai_store::reminders::SWEEP_JOB)
    .bind(gongkai_store::items::publish::PUBLISH_JOB)
    .fetch_all(p)
    .await
    .unwrap());
    println!("{reminders} reminders; sweeps and scheduled publications run by {workers:?}");
    assert!(
        reminders > 0,
        "the demo's overdue annual reports are reminded"
    );
    assert_eq!(reminders, keys);
    assert_eq!(
        audited, reminders,
        "a reminder was made (and audited) more than once"
    );
    db.close().await;

    // Search: published on A, found on B; withdrawn on B, gone from A.
    for s in [&a.addr, &b.addr] {
        assert!(
            within(Duration::from_secs(60), || search_ids(s, "康复").is_some()),
            "the search index of {s} was not built"
        );
    }
    let id = staff.approved(&lb.addr, kfb, "关于无障碍环境建设扩展测试的公告");
    staff.step(&a.addr, OFFICE, id, "publish", json!({}));
    assert!(
        within(SEARCH_BUDGET, || search_ids(
            &b.addr,
            "无障碍环境建设扩展测试"
        )
        .is_some_and(|h| h.contains(&id))),
        "published on A, not found on B within {SEARCH_BUDGET:?}"
    );
    staff.step(
        &b.addr,
        OFFICE,
        id,
        "withdraw",
        json!({"reason": "已由新公告替代"}),
    );
    assert!(
        within(SEARCH_BUDGET, || search_ids(
            &a.addr,
            "无障碍环境建设扩展测试"
        )
        .is_some_and(|h| !h.contains(&id))),
        "withdrawn on B, still found on A after {SEARCH_BUDGET:?}"
    );

    dep.audit_verifies();
}
