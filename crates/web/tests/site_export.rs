//! Whole-site export and import (issue #14): the demo site (plus items migrated from a CSV with
//! an attachment) is exported and imported into an EMPTY deployment; every item page, the
//! catalog and the annual reports render identically (item and file ids are renumbered, so the
//! comparison maps them), the new deployment's audit chain verifies, and so does the exported
//! audit log's signature. Personal data stay sealed unless the export is asked to open them,
//! which is audited. On SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::collections::HashMap;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gongkai_core::import::package::{ItemIn, Package};
use gongkai_store::audit::{self, Actor};
use gongkai_store::import::export::{AUDIT_FILE, ExportOptions, export};
use gongkai_store::import::{self, Source};
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, on_db};
use gongkai_web::{AppState, WebConfig, router};
use tower::ServiceExt;

struct Site {
    t: TestDb,
    router: Router,
    data: tempfile::TempDir,
    config: WebConfig,
}

impl Site {
    fn new(t: TestDb) -> Site {
        let data = tempfile::tempdir().unwrap();
        let config = WebConfig {
            data_dir: data.path().to_path_buf(),
            ..Default::default()
        };
        let router = router(AppState::new(t.db.clone(), config.clone()));
        Site {
            t,
            router,
            data,
            config,
        }
    }

    fn db(&self) -> &Db {
        &self.t.db
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let req = Request::get(path)
            .header(header::HOST, "localhost")
            .body(Body::empty())
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }
}

/// The page with the per-request token removed and attachment ids replaced (files are
/// renumbered by the import; their names, sizes and order stay).
fn normalised(page: &str) -> String {
    let csrf = regex::Regex::new(r#"name="csrf" value="[^"]*""#).unwrap();
    let files = regex::Regex::new(r"/files/\d+/").unwrap();
    let page = csrf.replace_all(page, r#"name="csrf" value="""#);
    files.replace_all(&page, "/files/#/").into_owned()
}

/// `page` of the old site with its item ids rewritten to the new site's (by 索引号).
fn renumbered(page: &str, ids: &HashMap<i64, i64>) -> String {
    let link = regex::Regex::new(r"/items/(\d+)").unwrap();
    link.replace_all(page, |c: &regex::Captures<'_>| {
        let old: i64 = c[1].parse().unwrap();
        format!("/items/{}", ids.get(&old).copied().unwrap_or(-old))
    })
    .into_owned()
}

async fn ids_by_index_no(db: &Db) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT index_no, id FROM items WHERE index_no IS NOT NULL"
    )
    .fetch_all(p)
    .await
    .unwrap());
    rows.into_iter().collect()
}

async fn run(a: TestDb, b: TestDb) {
    let old = Site::new(a);
    let vault = old.config.vault.get();
    gongkai_store::demo::load_if_empty(old.db(), &vault)
        .await
        .unwrap()
        .unwrap();
    publish_report(old.db(), 2019).await;
    // Items migrated from a CSV with an attachment, so that files travel too.
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("预算说明.txt"), "二〇一九年预算说明").unwrap();
    let csv = "索引号,标题,发布机构,发布日期,公开目录,正文,附件\r\n\
               OLD-1,二〇一九年部门预算,长春市残疾人联合会,2019-02-01,art20-07,预算全文,预算说明.txt\r\n";
    let plan = import::plan(
        old.db(),
        "ccdpf",
        Source {
            name: "old.csv".into(),
            bytes: csv.as_bytes().to_vec(),
            files_dir: Some(files.path().to_path_buf()),
        },
    )
    .await
    .unwrap();
    assert!(
        plan.checked.problems.is_empty(),
        "{:?}",
        plan.problem_lines()
    );
    import::apply(
        old.db(),
        old.data.path(),
        &Actor::cli(),
        &plan,
        &mut |_, _| {},
    )
    .await
    .unwrap();

    // Export: personal data stay sealed.
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("site");
    let summary = export(
        old.db(),
        old.data.path(),
        &vault,
        &Actor::cli(),
        &ExportOptions {
            org_code: "ccdpf".into(),
            out_dir: dir.clone(),
            unseal_reason: None,
        },
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert!(
        summary.items > 10 && summary.files == 1 && summary.reports >= 1,
        "{summary:?}"
    );
    assert!(summary.applications > 0 && summary.messages > 0);
    let audit_file = std::fs::read(dir.join(AUDIT_FILE)).unwrap();
    audit::verify_export(&vault, &audit_file).unwrap();
    let package: Package =
        serde_json::from_slice(&std::fs::read(dir.join("site.json")).unwrap()).unwrap();
    assert_eq!(package.personal_data, "sealed");
    assert_no_plaintext_personal_data(old.db(), &package).await;

    // Import into an empty deployment.
    let new = Site::new(b);
    let source = Source {
        name: "site.json".into(),
        bytes: std::fs::read(dir.join("site.json")).unwrap(),
        files_dir: Some(dir.clone()),
    };
    let plan = import::plan(new.db(), "ccdpf", source.clone())
        .await
        .unwrap();
    assert!(
        plan.checked.problems.is_empty(),
        "{:?}",
        plan.problem_lines()
    );
    let s = import::apply(
        new.db(),
        new.data.path(),
        &Actor::cli(),
        &plan,
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(s.imported, summary.items);
    assert_eq!(s.reports, summary.reports);
    // A second import of the same package changes nothing.
    let again = import::plan(new.db(), "ccdpf", source).await.unwrap();
    assert!(again.checked.records.is_empty() && again.checked.problems.is_empty());

    // Every item page is the same (ids renumbered), withdrawn ones included.
    let old_ids = ids_by_index_no(old.db()).await;
    let new_ids = ids_by_index_no(new.db()).await;
    let map: HashMap<i64, i64> = old_ids
        .iter()
        .filter_map(|(no, old)| Some((*old, *new_ids.get(no)?)))
        .collect();
    for value in &package.items {
        let item: ItemIn = serde_json::from_value(value.clone()).unwrap();
        let old_id = item.source_id.unwrap();
        let (s1, p1) = old.get(&format!("/items/{old_id}")).await;
        let (s2, p2) = new.get(&format!("/items/{}", map[&old_id])).await;
        assert_eq!(s1, s2, "{}", item.index_no);
        assert_eq!(
            normalised(&renumbered(&p1, &map)),
            normalised(&p2),
            "item page of {}",
            item.index_no
        );
    }
    // The catalog and the annual reports.
    for path in ["/catalog", "/catalog?page=2", "/reports"] {
        let (s1, p1) = old.get(path).await;
        let (s2, p2) = new.get(path).await;
        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{path}");
        assert_eq!(
            normalised(&renumbered(&p1, &map)),
            normalised(&p2),
            "{path}"
        );
    }
    for r in package.reports.iter().filter(|r| r.status == "published") {
        for path in [
            format!("/reports/{}", r.year),
            format!("/reports/{}/report.json", r.year),
        ] {
            let (s1, p1) = old.get(&path).await;
            let (s2, p2) = new.get(&path).await;
            assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{path}");
            assert_eq!(normalised(&p1), normalised(&p2), "{path}");
        }
    }
    // Both audit chains verify; the new one records the migration.
    for db in [old.db(), new.db()] {
        let v = audit::verify(db).await.unwrap();
        assert!(v.first_broken.is_none(), "{:?}", v.first_broken);
    }
    let migrated: i64 = on_db!(new.db(), |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'item.migrate'"
    )
    .fetch_one(p)
    .await
    .unwrap());
    assert_eq!(migrated as usize, summary.items);

    // Opening the personal data is an audited export with a watermark.
    let open_dir = out.path().join("unsealed");
    export(
        old.db(),
        old.data.path(),
        &vault,
        &Actor::cli(),
        &ExportOptions {
            org_code: "ccdpf".into(),
            out_dir: open_dir.clone(),
            unseal_reason: Some("机构撤并，移交档案".into()),
        },
        &mut |_, _| {},
    )
    .await
    .unwrap();
    let opened: Package =
        serde_json::from_slice(&std::fs::read(open_dir.join("site.json")).unwrap()).unwrap();
    assert_eq!(opened.personal_data, "unsealed");
    assert!(opened.watermark.starts_with("含个人信息"));
    let phones = sealed_values(&opened, "applications", "pii_phone");
    assert!(
        phones
            .iter()
            .any(|p| !p.starts_with("gkv1:") && !p.is_empty())
    );
    let exports = audit::list(
        old.db(),
        &audit::Filter {
            action: Some("personal.export".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(exports.len(), 1);
    assert!(Path::new(&open_dir.join(AUDIT_FILE)).exists());
}

/// The body's report of `year`, warnings acknowledged, taken to publication (figures frozen).
async fn publish_report(db: &Db, year: i32) {
    use gongkai_store::reports::{self, Status};
    let body = gongkai_store::orgs::by_code(db, "ccdpf")
        .await
        .unwrap()
        .unwrap();
    let actor = Actor::system();
    let mut tx = db.begin().await.unwrap();
    let r = reports::create(&mut tx, &actor, body.id, year, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let assembled = reports::assemble(db, &r).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for f in assembled.soft() {
        reports::acknowledge(&mut tx, &actor, r.id, &f.code, &f.message)
            .await
            .unwrap();
    }
    let today = chrono::Utc::now().date_naive();
    for to in [Status::Review, Status::Approval, Status::Published] {
        reports::advance(db, &mut tx, &actor, r.id, to, today)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn sealed_values(package: &Package, table: &str, column: &str) -> Vec<String> {
    let section = if table.starts_with("mailbox") {
        &package.messages
    } else {
        &package.applications
    };
    section[table]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r[column].as_str().map(str::to_string))
        .collect()
}

/// Every sealed column of the export is a vault ciphertext (or empty).
async fn assert_no_plaintext_personal_data(_db: &Db, package: &Package) {
    for c in gongkai_store::personal::SEALED_COLUMNS {
        if c.table == "users" {
            continue;
        }
        let values = sealed_values(package, c.table, c.column);
        for v in values {
            assert!(
                v.is_empty() || v.starts_with("gkv1:"),
                "{}.{} exported in clear",
                c.table,
                c.column
            );
        }
    }
}

#[tokio::test]
async fn sqlite() {
    run(TestDb::sqlite().await, TestDb::sqlite().await).await;
}

#[tokio::test]
async fn postgres() {
    let (Some(a), Some(b)) = (TestDb::postgres().await, TestDb::postgres().await) else {
        return;
    };
    run(a, b).await;
}
