//! The public catalog, item pages, attachment downloads, feeds and sitemap with real items
//! (issue #4, portal part), through the real router on SQLite and PostgreSQL.
//!
//! Items are made through the store API exactly as staff make them (create → submit → 审核 →
//! 保密审查 → 审批 → publish). The central property: nothing that is not public — a draft, an
//! item stopped anywhere in the review chain, a scheduled item before its time, a withdrawn
//! item — is reachable on any public surface (catalog, item page by guessing ids, feeds,
//! sitemap, /files), while every published item is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gongkai_core::auth::Role;
use gongkai_core::items::{Capabilities, Check, Disclosure, ReviewChecks, Validity};
use gongkai_store::attachments::{self, Limits, Owner};
use gongkai_store::audit::Actor;
use gongkai_store::items::publish::{self, ValidityChange};
use gongkai_store::items::review::{self, Conclusion, ConfidentialityForm};
use gongkai_store::items::{self, Content, Item, Metadata, registers};
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, deadlines, orgs};
use gongkai_web::page_cache::PageCache;
use gongkai_web::{AppState, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
    bytes: Vec<u8>,
}

impl Got {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// The application on a fresh database with an organisation tree, the default vocabularies,
/// the official calendar and a data folder for attachments.
struct Fixture {
    t: TestDb,
    router: axum::Router,
    /// The portal's render cache: off unless the fixture was made with [`Fixture::cached`].
    cache: Arc<PageCache>,
    data: tempfile::TempDir,
    root: i64,
    child: i64,
}

impl Fixture {
    async fn new(t: TestDb) -> Fixture {
        Fixture::with_cache(t, Arc::default()).await
    }

    /// The fixture with the render cache on, as `gongkai serve` runs the portal (the caller
    /// starts its watcher).
    async fn cached(t: TestDb) -> Fixture {
        Fixture::with_cache(t, Arc::new(PageCache::new(8 << 20))).await
    }

    async fn with_cache(t: TestDb, cache: Arc<PageCache>) -> Fixture {
        let db = &t.db;
        gongkai_store::calendar::seed_official(db).await.unwrap();
        registers::seed_defaults(db).await.unwrap();
        let a = Actor::system();
        let mut tx = db.begin().await.unwrap();
        let root = orgs::create(
            &mut tx,
            &a,
            &orgs::OrgInput {
                kind: "body".into(),
                code: "ccdpf".into(),
                full_name: "长春市残疾人联合会".into(),
                short_name: "长春市残联".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
        let child = orgs::create(
            &mut tx,
            &a,
            &orgs::OrgInput {
                parent_id: Some(root),
                kind: "department".into(),
                code: "rehab".into(),
                full_name: "长春市残疾人联合会康复部".into(),
                short_name: "康复部".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
        tx.commit().await.unwrap();
        let data = tempfile::tempdir().unwrap();
        let router = gongkai_web::router(
            AppState::new(
                t.db.clone(),
                WebConfig {
                    data_dir: data.path().to_path_buf(),
                    ..Default::default()
                },
            )
            .with_page_cache(cache.clone()),
        );
        Fixture {
            t,
            router,
            cache,
            data,
            root,
            child,
        }
    }

    fn db(&self) -> &Db {
        &self.t.db
    }

    async fn get(&self, uri: &str) -> Got {
        let req = Request::builder()
            .uri(uri)
            .header(header::HOST, "portal.example")
            .body(Body::empty())
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        Got {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    /// A new draft.
    async fn draft(&self, org: i64, spec: &Spec<'_>) -> Item {
        let mut tx = self.db().begin().await.unwrap();
        let item = items::create(
            &mut tx,
            &actor(),
            org,
            caps(Role::Drafter),
            &Metadata {
                formed_on: deadlines::today(),
                signed_on: None,
                publisher_name: String::new(),
                doc_number: spec.doc_number.into(),
                topic_code: spec.topic.into(),
                genre_code: spec.genre.into(),
                catalog_code: spec.category.into(),
                disclosure: Disclosure::Proactive,
                withhold_ground: String::new(),
                classified: false,
            },
            &Content {
                title: spec.title.into(),
                summary: spec.summary.into(),
                body_html: spec.body.into(),
                keywords: spec.keywords.into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        item
    }

    /// Runs the review chain up to and including `stop` (the state the item is left in).
    async fn advance(&self, id: i64, stop: Stage) {
        let db = self.db();
        let a = actor();
        let mut tx = db.begin().await.unwrap();
        items::submit(&mut tx, &a, id, caps(Role::Drafter))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if stop == Stage::Submitted {
            return;
        }
        let mut tx = db.begin().await.unwrap();
        review::review(&mut tx, &a, id, caps(Role::DepartmentHead), &checks())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if stop == Stage::Reviewed {
            return;
        }
        let mut tx = db.begin().await.unwrap();
        review::confidentiality_review(
            &mut tx,
            &a,
            id,
            caps(Role::ConfidentialityReviewer),
            &form(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        if stop == Stage::ConfidentialityReviewed {
            return;
        }
        let mut tx = db.begin().await.unwrap();
        review::approve(&mut tx, &a, id, caps(Role::ApprovingLeader), "同意发布")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if stop == Stage::Approved {
            return;
        }
        let mut tx = db.begin().await.unwrap();
        match stop {
            Stage::Scheduled => {
                let at = gongkai_store::now_ms() + 7 * 24 * 3_600_000;
                publish::schedule(&mut tx, &a, id, caps(Role::DisclosureOffice), at)
                    .await
                    .unwrap();
            }
            _ => {
                publish::publish(&mut tx, &a, id, caps(Role::DisclosureOffice))
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
    }

    /// A published item.
    async fn published(&self, org: i64, spec: &Spec<'_>) -> Item {
        let item = self.draft(org, spec).await;
        self.advance(item.id, Stage::Published).await;
        items::get(self.db(), item.id).await.unwrap().unwrap()
    }

    async fn attach_text(&self, item_id: i64, name: &str, text: &str) -> attachments::Attachment {
        let stored =
            attachments::store_file(self.data.path(), text.as_bytes(), name, &Limits::default())
                .unwrap();
        let mut tx = self.db().begin().await.unwrap();
        let a = attachments::attach(
            &mut tx,
            &Actor::system(),
            Owner {
                owner_type: items::OBJECT_TYPE,
                owner_id: item_id,
            },
            &stored,
            "",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        a
    }

    async fn withdraw(&self, id: i64, reason: &str) {
        let mut tx = self.db().begin().await.unwrap();
        publish::withdraw(&mut tx, &actor(), id, caps(Role::DisclosureOffice), reason)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Submitted,
    Reviewed,
    ConfidentialityReviewed,
    Approved,
    Scheduled,
    Published,
}

struct Spec<'a> {
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    keywords: &'a str,
    doc_number: &'a str,
    category: &'a str,
    topic: &'a str,
    genre: &'a str,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            title: "关于开展助残日活动的通知",
            summary: "部署全国助残日有关活动",
            body: "<p>各县（市）区残联：</p><p>现将有关事项通知如下。</p>",
            keywords: "助残日 通知",
            doc_number: "长残联发〔2026〕1号",
            category: "art20-01",
            topic: "civil-affairs",
            genre: "notice",
        }
    }
}

fn spec(title: &str) -> Spec<'_> {
    Spec {
        title,
        ..Default::default()
    }
}

fn actor() -> Actor {
    Actor::user(1, "tester", "127.0.0.1")
}

fn caps(role: Role) -> Capabilities {
    Capabilities::from_roles(&[role])
}

fn checks() -> ReviewChecks {
    let ok = Check {
        passed: true,
        comment: "同意".into(),
    };
    ReviewChecks {
        legal: ok.clone(),
        policy: ok.clone(),
        wording: ok.clone(),
        secrecy: ok,
    }
}

fn form() -> ConfidentialityForm {
    let today = deadlines::today();
    ConfidentialityForm {
        form_date: today,
        originating_unit: "办公室".into(),
        info_title: String::new(),
        is_document: true,
        reference_no: String::new(),
        channels: vec!["政府网站".into()],
        planned_on: Some(today),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: false,
        secrets_note: String::new(),
        drafter_opinion: "建议主动公开".into(),
        drafter_name: "张三".into(),
        drafter_on: Some(today),
        head_opinion: "同意".into(),
        head_name: "李四".into(),
        head_on: Some(today),
        conclusion: Conclusion::Publish,
        basis: "经审查不涉及国家秘密、工作秘密".into(),
        reviewer_name: String::new(),
        reviewed_on: today,
        remarks: String::new(),
        rereview_due: None,
    }
}

/// Runs the body on SQLite and on PostgreSQL (skipped when no server is running).
macro_rules! both_backends {
    ($name:ident, |$fx:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($fx: Fixture) $body

            #[tokio::test]
            async fn sqlite() {
                run(Fixture::new(TestDb::sqlite().await).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = TestDb::postgres().await else {
                    return;
                };
                run(Fixture::new(t).await).await;
            }
        }
    };
}

/// The ids linked from a page as `/items/{id}`, in order.
fn item_links(body: &str) -> Vec<i64> {
    regex::Regex::new(r#"href="/items/(\d+)""#)
        .unwrap()
        .captures_iter(body)
        .map(|c| c[1].parse().unwrap())
        .collect()
}

/// Entry ids of an Atom feed, checked with an independent XML parser.
fn feed_items(body: &str) -> Vec<i64> {
    let doc = roxmltree::Document::parse(body).expect("feed is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    root.children()
        .filter(|n| n.tag_name().name() == "entry")
        .map(|e| {
            let child = |name: &str| {
                e.children()
                    .find(|n| n.tag_name().name() == name)
                    .unwrap_or_else(|| panic!("entry has <{name}>"))
            };
            let id = child("id").text().unwrap();
            assert!(id.starts_with("http://portal.example/items/"), "{id}");
            assert_eq!(
                child("link").attribute("href"),
                Some(id),
                "link and id agree"
            );
            chrono::DateTime::parse_from_rfc3339(child("updated").text().unwrap()).unwrap();
            assert!(!child("title").text().unwrap_or_default().is_empty());
            assert!(!child("summary").text().unwrap_or_default().is_empty());
            id.rsplit('/').next().unwrap().parse().unwrap()
        })
        .collect()
}

fn sitemap_items(body: &str) -> Vec<i64> {
    let doc = roxmltree::Document::parse(body).expect("sitemap is well-formed XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "loc")
        .filter_map(|n| n.text())
        .filter_map(|l| l.strip_prefix("http://portal.example/items/"))
        .map(|id| id.parse().unwrap())
        .collect()
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

both_backends!(nothing_unpublished_reaches_any_public_surface, |fx| {
    let public = fx.published(fx.child, &spec("已发布的通知")).await;
    let public_file = fx
        .attach_text(public.id, "公开附件.txt", "公开的附件内容")
        .await;
    let draft = fx.draft(fx.child, &spec("草稿")).await;
    let draft_file = fx
        .attach_text(draft.id, "草稿附件.txt", "草稿的附件内容")
        .await;
    let mut hidden = vec![draft.id];
    for (stage, title) in [
        (Stage::Submitted, "待审核"),
        (Stage::Reviewed, "待保密审查"),
        (Stage::ConfidentialityReviewed, "待审批"),
        (Stage::Approved, "待发布"),
        (Stage::Scheduled, "定时发布未到时间"),
    ] {
        let item = fx.draft(fx.child, &spec(title)).await;
        fx.advance(item.id, stage).await;
        hidden.push(item.id);
    }
    let gone = fx.published(fx.child, &spec("后来撤回的通知")).await;
    let gone_file = fx
        .attach_text(gone.id, "撤回附件.txt", "撤回的附件内容")
        .await;
    fx.withdraw(gone.id, "内容已过时").await;

    // Catalog: exactly the published item.
    let cat = fx.get("/catalog").await;
    assert_eq!(cat.status, StatusCode::OK);
    assert_eq!(item_links(&cat.body), vec![public.id]);
    assert!(cat.body.contains("已发布的通知"));
    for t in [
        "草稿",
        "待审核",
        "待审批",
        "待发布",
        "定时发布",
        "撤回的通知",
    ] {
        assert!(!cat.body.contains(t), "{t} not in the catalog");
    }
    // Item pages by guessing ids: every non-public id is the same 404.
    for id in &hidden {
        let g = fx.get(&format!("/items/{id}")).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "item {id}");
        assert!(g.body.contains("不存在或尚未公开"));
    }
    // The simplified reading view follows the same rule.
    for id in &hidden {
        let g = fx.get(&format!("/items/{id}/read")).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "reader {id}");
        assert!(g.body.contains("不存在或尚未公开"));
    }
    let unknown = fx.get("/items/999999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let a = fx.get(&format!("/items/{}", hidden[0])).await;
    assert_eq!(
        a.body.replace(&format!("/items/{}", hidden[0]), "/items/N"),
        unknown.body.replace("/items/999999", "/items/N"),
        "a draft's 404 is indistinguishable from an unknown id"
    );
    assert_eq!(
        fx.get(&format!("/items/{}", public.id)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.get(&format!("/items/{}", gone.id)).await.status,
        StatusCode::GONE
    );
    // Feeds and sitemap.
    for feed in [
        "/feeds/all.atom",
        "/feeds/category/art20-01.atom",
        "/feeds/org/rehab.atom",
        "/feeds/org/ccdpf.atom",
    ] {
        let g = fx.get(feed).await;
        assert_eq!(g.status, StatusCode::OK, "{feed}");
        assert_eq!(feed_items(&g.body), vec![public.id], "{feed}");
    }
    let sm = fx.get("/sitemap.xml").await;
    assert_eq!(sitemap_items(&sm.body), vec![public.id]);
    // Files: only the published item's attachment.
    let ok = fx
        .get(&gongkai_web::portal::item::file_href(
            public_file.id,
            &public_file.filename,
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.bytes, "公开的附件内容".as_bytes());
    for f in [&draft_file, &gone_file] {
        let g = fx
            .get(&gongkai_web::portal::item::file_href(f.id, &f.filename))
            .await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{}", f.filename);
        assert!(g.body.contains("附件不存在或所属信息尚未公开"));
    }
    // A wrong file name or id is a 404 too, never a 500.
    for uri in [
        format!("/files/{}/other.txt", public_file.id),
        "/files/abc/x.txt".to_string(),
        "/files/0/x.txt".to_string(),
        "/files/99999/x.txt".to_string(),
    ] {
        assert_eq!(fx.get(&uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
});

both_backends!(attachment_is_served_with_safe_headers, |fx| {
    let item = fx.published(fx.root, &spec("带附件的通知")).await;
    let a = fx
        .attach_text(
            item.id,
            "2026年 助残日安排.txt",
            "活动安排：五月第三个星期日",
        )
        .await;
    let page = fx.get(&format!("/items/{}", item.id)).await;
    let href = gongkai_web::portal::item::file_href(a.id, &a.filename);
    assert!(
        page.body.contains(&format!("href=\"{href}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("2026年 助残日安排.txt"));
    let g = fx.get(&href).await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.bytes, "活动安排：五月第三个星期日".as_bytes());
    assert!(
        g.header(header::CONTENT_TYPE).starts_with("text/plain"),
        "{}",
        g.header(header::CONTENT_TYPE)
    );
    assert_eq!(g.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let cd = g.header(header::CONTENT_DISPOSITION);
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''2026%E5%B9%B4%20"),
        "UTF-8 file name: {cd}"
    );
    // A file whose content no longer matches its digest is not served.
    let path = attachments::path_for(fx.data.path(), &a.sha256).unwrap();
    std::fs::write(&path, b"tampered").unwrap();
    let g = fx.get(&href).await;
    assert!(g.status.is_server_error() || g.status == StatusCode::NOT_FOUND);
    assert_ne!(g.bytes, b"tampered");
});

both_backends!(catalog_filters_sort_and_paginate, |fx| {
    // 21 items in one category (paginated at 20), 2 elsewhere with other metadata.
    let mut first_category = Vec::new();
    for n in 1..=21 {
        let title = format!("规范性文件第{n:02}号");
        let item = fx.published(fx.root, &spec(&title)).await;
        first_category.push(item.id);
    }
    let budget = fx
        .published(
            fx.child,
            &Spec {
                title: "2026年部门预算公开",
                category: "art20-07",
                topic: "finance-budget",
                genre: "report",
                ..Default::default()
            },
        )
        .await;
    let relief = fx
        .published(
            fx.child,
            &Spec {
                title: "社会救助政策解读",
                category: "art21-07",
                topic: "labour-social",
                genre: "opinion",
                ..Default::default()
            },
        )
        .await;
    let mut tx = fx.db().begin().await.unwrap();
    publish::change_validity(
        &mut tx,
        &actor(),
        relief.id,
        caps(Role::DisclosureOffice),
        &ValidityChange {
            validity: Validity::Repealed,
            effective_on: Some(deadlines::today()),
            replaced_by: "长残联发〔2026〕9号".into(),
            note: String::new(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let all: Vec<i64> = first_category
        .iter()
        .copied()
        .chain([budget.id, relief.id])
        .collect();

    // Newest first by default; page 2 holds the rest; both pages together are every item once.
    let p1 = fx.get("/catalog").await;
    assert_eq!(p1.status, StatusCode::OK);
    let ids1 = item_links(&p1.body);
    assert_eq!(ids1.len(), 20);
    assert!(p1.body.contains("共 23 条，第 1 / 2 页"), "{}", p1.body);
    assert!(
        p1.body
            .contains(r#"<a href="/catalog" aria-current="page">第 1 页</a>"#)
    );
    assert!(p1.body.contains(r#"href="/catalog?page=2" rel="next""#));
    let p2 = fx.get("/catalog?page=2").await;
    let ids2 = item_links(&p2.body);
    assert_eq!(ids2.len(), 3);
    assert!(
        p2.body
            .contains(r#"<a href="/catalog?page=2" aria-current="page">第 2 页</a>"#)
    );
    let mut newest: Vec<i64> = all.clone();
    newest.reverse();
    assert_eq!(
        [ids1.clone(), ids2].concat(),
        newest,
        "publication order, newest first"
    );
    let old = fx.get("/catalog?sort=oldest").await;
    assert_eq!(item_links(&old.body), all[..20].to_vec());
    // Past the last page: a helpful empty page, not an error.
    let p9 = fx.get("/catalog?page=9").await;
    assert_eq!(p9.status, StatusCode::OK);
    assert!(p9.body.contains("第 9 页没有内容"));

    // Filters.
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("category=art20-07", vec![budget.id]),
        ("category=art21-07", vec![relief.id]),
        ("topic=finance-budget", vec![budget.id]),
        ("genre=opinion", vec![relief.id]),
        ("validity=repealed", vec![relief.id]),
        ("validity=expired", vec![]),
        ("org=rehab", vec![budget.id, relief.id]),
        ("org=ccdpf", all.clone()),
        ("year=2019", vec![]),
        (
            &*Box::leak(format!("year={}", deadlines::today().format("%Y")).into_boxed_str()),
            all.clone(),
        ),
        ("org=rehab&genre=report&category=art20-07", vec![budget.id]),
        ("category=art20-07&genre=opinion", vec![]),
        (
            "category=&org=&year=&topic=&genre=&validity=&sort=newest",
            all.clone(),
        ),
    ];
    for (q, want) in cases {
        let mut got = Vec::new();
        let mut page = 1;
        loop {
            let g = fx.get(&format!("/catalog?{q}&page={page}")).await;
            assert_eq!(g.status, StatusCode::OK, "{q}: {}", g.body);
            let ids = item_links(&g.body);
            if ids.is_empty() {
                if got.is_empty() {
                    assert!(g.body.contains("没有符合所选条件的主动公开信息"), "{q}");
                }
                break;
            }
            got.extend(ids);
            page += 1;
        }
        assert_eq!(sorted(got), sorted(want), "{q}");
    }
    // The category navigation marks the current category and keeps the other filters.
    let g = fx.get("/catalog?category=art20-07&org=rehab").await;
    assert!(g.body.contains(
        r#"<a href="/catalog?category=art20-07&#38;org=rehab" aria-current="page">（七）财政预算、决算信息</a>"#
    ), "{}", g.body);
    assert!(
        g.body
            .contains("<h1>法定主动公开内容：（七）财政预算、决算信息</h1>")
    );
    assert!(g.body.contains(r#"<option value="rehab" selected>"#));
    // Art. 21 matters are in the navigation too.
    assert!(g.body.contains("社会救助"));
    // The per-category and per-organisation feeds follow the filters.
    assert_eq!(
        feed_items(&fx.get("/feeds/category/art20-07.atom").await.body),
        vec![budget.id]
    );
    assert_eq!(
        sorted(feed_items(&fx.get("/feeds/org/rehab.atom").await.body)),
        sorted(vec![budget.id, relief.id])
    );
    assert_eq!(
        sorted(sitemap_items(&fx.get("/sitemap.xml").await.body)),
        sorted(all.clone())
    );
    for bad in [
        "/feeds/category/nope.atom",
        "/feeds/org/nope.atom",
        "/feeds/org/rehab.rss",
    ] {
        let g = fx.get(bad).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(g.body.contains("订阅源不存在"), "{bad}");
    }
});

both_backends!(bad_filter_values_are_chinese_400s, |fx| {
    for (q, message) in [
        ("category=nope", "所选的公开目录类别不存在"),
        ("topic=nope", "所选的主题分类不存在"),
        ("genre=nope", "所选的体裁分类不存在"),
        ("org=nope", "所选的发布机构不存在"),
        ("year=abc", "年份“abc”无效"),
        ("year=1999", "年份“1999”无效"),
        ("year=99999999999", "无效"),
        ("validity=valid-ish", "有效性只能是"),
        ("sort=random", "排序方式只能是"),
        ("page=0", "页码无效"),
        ("page=-1", "页码无效"),
        ("page=x", "页码无效"),
        ("year=2020&year=2021", "查询参数格式不正确"),
        ("category=%3Cscript%3E", "所选的公开目录类别不存在"),
    ] {
        let g = fx.get(&format!("/catalog?{q}")).await;
        assert_eq!(g.status, StatusCode::BAD_REQUEST, "{q}: {}", g.body);
        assert!(g.body.contains(message), "{q}: {}", g.body);
        assert!(g.body.contains("错误代码：400"), "{q}");
        assert!(!g.body.contains("<script>"), "{q}");
    }
});

both_backends!(item_page_shows_metadata_validity_and_history, |fx| {
    let item = fx
        .published(
            fx.child,
            &Spec {
                title: "关于印发残疾人康复服务办法的通知",
                summary: "印发康复服务办法",
                keywords: "康复 办法",
                doc_number: "长残联发〔2026〕3号",
                ..Default::default()
            },
        )
        .await;
    let g = fx.get(&format!("/items/{}", item.id)).await;
    assert_eq!(g.status, StatusCode::OK);
    let index_no = item.index_no.clone().unwrap();
    let today = deadlines::today().to_string();
    for (label, value) in [
        ("索引号", index_no.as_str()),
        ("标题", "关于印发残疾人康复服务办法的通知"),
        ("内容概述", "印发康复服务办法"),
        ("生成日期", today.as_str()),
        ("发布日期", today.as_str()),
        ("发布机构", "长春市残疾人联合会康复部"),
        ("文号", "长残联发〔2026〕3号"),
        ("主题分类", "民政、扶贫、救灾\\残疾人"),
        ("体裁分类", "通知"),
        ("公开目录", "（一）行政法规、规章和规范性文件"),
        ("有效性", "有效"),
        ("主题词", "康复 办法"),
    ] {
        let row = format!("<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>");
        assert!(g.body.contains(&row), "{row}\n{}", g.body);
    }
    assert!(g.body.contains(
        "<tr><th scope=\"row\">成文日期</th><td><span class=\"muted\">无</span></td></tr>"
    ));
    assert!(!g.body.contains("role=\"note\""), "no marking while valid");
    assert!(
        g.body.contains("<p>现将有关事项通知如下。</p>"),
        "body rendered"
    );
    assert!(g.body.contains("第 1 版"), "revision history");

    // 废止 is marked at the top with date and replacement; an amendment, once through the
    // review chain again, adds a public revision.
    let mut tx = fx.db().begin().await.unwrap();
    publish::change_validity(
        &mut tx,
        &actor(),
        item.id,
        caps(Role::DisclosureOffice),
        &ValidityChange {
            validity: Validity::Repealed,
            effective_on: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
            replaced_by: "长残联发〔2026〕9号".into(),
            note: "依据新办法废止".into(),
        },
    )
    .await
    .unwrap();
    publish::amend(
        &mut tx,
        &actor(),
        item.id,
        caps(Role::DisclosureOffice),
        &Content {
            title: "关于印发残疾人康复服务办法的通知".into(),
            summary: "印发康复服务办法".into(),
            body_html: "<p>现将有关事项通知如下（已更正）。</p>".into(),
            keywords: "康复 办法".into(),
        },
        "更正第二段错字",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let g = fx.get(&format!("/items/{}", item.id)).await;
    assert!(!g.body.contains("已更正"), "not public before review");
    let a = actor();
    let mut tx = fx.db().begin().await.unwrap();
    review::review(&mut tx, &a, item.id, caps(Role::DepartmentHead), &checks())
        .await
        .unwrap();
    review::confidentiality_review(
        &mut tx,
        &a,
        item.id,
        caps(Role::ConfidentialityReviewer),
        &form(),
    )
    .await
    .unwrap();
    review::approve(&mut tx, &a, item.id, caps(Role::ApprovingLeader), "同意")
        .await
        .unwrap();
    publish::publish(&mut tx, &a, item.id, caps(Role::DisclosureOffice))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let g = fx.get(&format!("/items/{}", item.id)).await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.body);
    let note_at = g.body.find("role=\"note\"").expect("validity marking");
    assert!(
        note_at < g.body.find("<h1>").unwrap(),
        "marking above the title"
    );
    assert!(g.body.contains("本文件已废止"));
    assert!(g.body.contains("自 2026-06-01 起废止"));
    assert!(g.body.contains("现行文件：长残联发〔2026〕9号"));
    assert!(g.body.contains("依据新办法废止"));
    assert!(
        g.body
            .contains("<tr><th scope=\"row\">有效性</th><td>废止</td></tr>")
    );
    assert!(
        g.body.contains("已更正"),
        "the amended text is the public one"
    );
    assert!(g.body.contains("第 2 版"));
    assert!(g.body.contains("更正第二段错字"));
});

both_backends!(withdrawn_items_answer_410_with_the_reason, |fx| {
    let item = fx.published(fx.root, &spec("将被撤回的通知")).await;
    fx.withdraw(item.id, "该通知内容有误，已重新发布").await;
    let g = fx.get(&format!("/items/{}", item.id)).await;
    assert_eq!(g.status, StatusCode::GONE);
    assert!(g.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(g.body.contains(&item.index_no.unwrap()));
    let on = deadlines::today().format("%Y年%m月%d日").to_string();
    assert!(g.body.contains(&format!("已于 {on} 撤回")), "{}", g.body);
    assert!(g.body.contains("撤回原因：该通知内容有误，已重新发布"));
    assert!(
        !g.body.contains("将被撤回的通知"),
        "no content of a withdrawn item"
    );
    // Its reading view sends the reader to the page that explains the withdrawal.
    let r = fx.get(&format!("/items/{}/read", item.id)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), format!("/items/{}", item.id));
});

both_backends!(
    reading_view_shows_title_byline_body_without_navigation,
    |fx| {
        let item = fx.published(fx.root, &spec("关于简洁阅读的通知")).await;
        let page = fx.get(&format!("/items/{}", item.id)).await;
        assert!(
            page.body
                .contains(&format!("href=\"/items/{}/read\">简洁阅读</a>", item.id))
        );
        let r = fx.get(&format!("/items/{}/read", item.id)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("<body class=\" view-simple\">"),
            "{}",
            r.body
        );
        assert!(r.body.contains("<h1>关于简洁阅读的通知</h1>"));
        assert!(
            r.body.contains("发布</p>"),
            "byline with the publication date"
        );
        assert!(
            r.body
                .contains(&format!("href=\"/items/{}\">返回完整页面", item.id))
        );
        assert!(
            !r.body.contains("<caption>信息属性"),
            "no metadata table in the reading view"
        );
    }
);

both_backends!(script_in_a_body_never_reaches_the_page, |fx| {
    let item = fx
        .published(
            fx.root,
            &Spec {
                title: "<script>alert('t')</script>标题",
                summary: "<img src=x onerror=alert(1)>概述",
                body: "<p>正文<script>alert(1)</script></p><img src=x onerror=alert(2)>\
                       <a href=\"javascript:alert(3)\">链接</a><iframe src=\"https://evil.example\"></iframe>\
                       <p onclick=\"alert(4)\" style=\"color:red\">段落</p>",
                ..Default::default()
            },
        )
        .await;
    let tag_with_handler = regex::Regex::new(r"(?i)<[a-z][^>]*\son[a-z]+\s*=").unwrap();
    // Our own external scripts (speech reading) are the only script tags a page may carry.
    let own_scripts =
        regex::Regex::new(r#"<script src="/static/[a-z]+\.js\?v=[0-9a-f]+" defer></script>"#)
            .unwrap();
    for uri in [
        format!("/items/{}", item.id),
        "/catalog".to_string(),
        "/feeds/all.atom".to_string(),
    ] {
        let g = fx.get(&uri).await;
        assert_eq!(g.status, StatusCode::OK, "{uri}");
        // Escaped text (`&#60;img onerror=…`) is harmless; a real tag must carry no script.
        assert!(!tag_with_handler.is_match(&g.body), "{uri}: {}", g.body);
        let lower = own_scripts.replace_all(&g.body, "").to_lowercase();
        for bad in ["<script", "href=\"javascript:", "<iframe", "style=\"color"] {
            assert!(!lower.contains(bad), "{uri} contains {bad}: {}", g.body);
        }
    }
    let g = fx.get(&format!("/items/{}", item.id)).await;
    assert!(g.body.contains("正文"), "the harmless text stays");
    assert!(g.body.contains("段落"));
    assert!(
        g.body
            .contains("&#60;script&#62;alert(&#39;t&#39;)&#60;/script&#62;标题"),
        "the title is escaped text"
    );
});

/// Replaces what changes from run to run or year to year with fixed markers.
fn normalise(s: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[TIMESTAMP]",
        ),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[DATETIME]"),
        (r"\d{4}-\d{2}-\d{2}", "[DATE]"),
        (r"/\d{4}-(\d{5})", "/[YEAR]-$1"),
        (
            r#"(?m)^\s*<option value="\d{4}"( selected)?>\d{4}年</option>\n"#,
            "",
        ),
        (
            r#"name="csrf" value="[^"]*""#,
            r#"name="csrf" value="[CSRF]""#,
        ),
        (r"\?v=[0-9a-f]+", "?v=[HASH]"),
        (r"\b[0-9a-f]{64}\b", "[TOKEN]"),
    ];
    let mut out = s.to_string();
    for (pattern, replacement) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, *replacement)
            .into_owned();
    }
    out
}

#[tokio::test]
async fn snapshots_of_a_catalog_page_and_an_item_page() {
    let fx = Fixture::new(TestDb::sqlite().await).await;
    let first = fx
        .published(fx.root, &spec("关于开展助残日活动的通知"))
        .await;
    fx.attach_text(first.id, "活动安排.txt", "活动安排").await;
    fx.published(
        fx.child,
        &Spec {
            title: "2026年部门预算公开",
            summary: "公开2026年部门预算",
            category: "art20-07",
            topic: "finance-budget",
            genre: "report",
            doc_number: "",
            ..Default::default()
        },
    )
    .await;
    let cat = fx.get("/catalog?org=ccdpf").await;
    assert_eq!(cat.status, StatusCode::OK);
    insta::assert_snapshot!("catalog_with_items", normalise(&cat.body));
    let item = fx.get(&format!("/items/{}", first.id)).await;
    assert_eq!(item.status, StatusCode::OK);
    insta::assert_snapshot!("item_page", normalise(&item.body));
    let feed = fx.get("/feeds/all.atom").await;
    insta::assert_snapshot!("feed_with_items", normalise(&feed.body));
}

/// Issue #10 (WCAG 1.2): a published recording is played on the item page and in the reading
/// view with its caption track as `<track kind="captions">` and a link to its transcript; audio
/// with only a transcript is an `<audio>` with the transcript linked. The caption file is served
/// as `text/vtt`.
#[tokio::test]
async fn recordings_are_played_with_captions_and_transcripts() {
    use gongkai_store::items::files;
    let fx = Fixture::new(TestDb::sqlite().await).await;
    let item = fx.draft(fx.root, &spec("《与爱同行》第12期")).await;
    let mut ids = Vec::new();
    for (name, bytes) in [
        (
            "第12期.mp4",
            &b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08free"[..],
        ),
        (
            "第12期.vtt",
            "WEBVTT\n\n00:00.000 --> 00:03.000\n各位听众，大家好。\n".as_bytes(),
        ),
        ("第12期.txt", "主持人：各位听众，大家好。".as_bytes()),
        ("访谈.mp3", &b"ID3\x04\0\0\0\0\0\x00\xFF\xFB\x90\x64"[..]),
        ("访谈.txt", "记者：请介绍一下补贴政策。".as_bytes()),
    ] {
        let stored =
            attachments::store_file(fx.data.path(), bytes, name, &Limits::default()).unwrap();
        let text = gongkai_core::extract::extract_text(stored.kind, bytes).unwrap();
        let mut tx = fx.db().begin().await.unwrap();
        let (att, _) = files::attach(
            &mut tx,
            &Actor::system(),
            item.id,
            caps(Role::Drafter),
            &stored,
            "",
            Some(&text),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        ids.push(att.id);
    }
    // Someone listened to the recordings (their content cannot be scanned).
    for f in files::list(fx.db(), item.id).await.unwrap() {
        if f.is_open_blocking() {
            let mut tx = fx.db().begin().await.unwrap();
            files::justify(
                &mut tx,
                &actor(),
                item.id,
                caps(Role::Drafter),
                f.id,
                "已逐段收听，无个人信息",
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    }
    fx.advance(item.id, Stage::Published).await;

    let page = fx.get(&format!("/items/{}", item.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let vtt = format!("/files/{}/%E7%AC%AC12%E6%9C%9F.vtt", ids[1]);
    assert!(
        page.body.contains(&format!(
            r#"<track kind="captions" srclang="zh-CN" label="中文字幕" src="{vtt}" default>"#
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<audio controls"), "{}", page.body);
    insta::assert_snapshot!("item_page_with_recordings", normalise(&page.body));
    let reader = fx.get(&format!("/items/{}/read", item.id)).await;
    assert_eq!(reader.status, StatusCode::OK);
    assert!(reader.body.contains(&vtt), "{}", reader.body);
    assert!(reader.body.contains("文字稿：访谈.mp3"), "{}", reader.body);

    let track = fx.get(&vtt).await;
    assert_eq!(track.status, StatusCode::OK);
    assert_eq!(
        track.header(header::CONTENT_TYPE),
        "text/vtt; charset=utf-8"
    );
    assert!(track.body.starts_with("WEBVTT"));
}

/// Asks for `uri` until `ok` holds for the answer (the render cache's watcher notices a commit
/// within a quarter of a second); fails with the last answer after 20 seconds.
async fn eventually(fx: &Fixture, uri: &str, what: &str, ok: impl Fn(&Got) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let g = fx.get(uri).await;
        if ok(&g) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{uri}: {what}; last answer {} {}",
            g.status,
            g.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The render cache (issue #11) serves public pages from memory and drops them when anything is
/// committed — here by the store directly, as another instance would — or when a scheduled
/// publication time passes. Runs on both backends with the watcher `gongkai serve` runs.
async fn render_cache_follows_the_workflow(fx: Fixture) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(fx.cache.clone().watch(fx.db().clone(), stop_rx));
    let a = fx.published(fx.root, &spec("关于缓存页面的通知")).await;
    let page = format!("/items/{}", a.id);
    eventually(&fx, &page, "published item shown", |g| {
        g.status == StatusCode::OK && g.body.contains("关于缓存页面的通知")
    })
    .await;
    // Let the watcher see the publication's commit (else its next poll may drop the page after
    // it was cached, and the check below would read a fresh render), then cache the page.
    tokio::time::sleep(gongkai_web::page_cache::POLL * 4).await;
    fx.get(&page).await;

    // Served from memory: a change made behind the application's back (no audit record, so
    // nothing tells the cache) does not show until the cache is dropped.
    gongkai_store::on_db!(fx.db(), |p| sqlx::query(
        "UPDATE item_revisions SET title = '改过的标题' WHERE item_id = $1"
    )
    .bind(a.id)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    let again = fx.get(&page).await;
    assert!(again.body.contains("关于缓存页面的通知"), "a cached page");
    assert!(!fx.cache.is_empty());
    fx.cache.invalidate();
    assert!(fx.get(&page).await.body.contains("改过的标题"));

    // Publication of another item appears in the cached catalog.
    let catalog = fx.get("/catalog").await;
    assert!(catalog.body.contains("改过的标题"));
    let b = fx.published(fx.child, &spec("第二份缓存测试通知")).await;
    eventually(&fx, "/catalog", "new publication listed", |g| {
        g.body.contains("第二份缓存测试通知")
    })
    .await;

    // An amendment replaces the cached text once it is published.
    let mut tx = fx.db().begin().await.unwrap();
    publish::amend(
        &mut tx,
        &actor(),
        b.id,
        caps(Role::DisclosureOffice),
        &Content {
            title: "第二份缓存测试通知（修订）".into(),
            summary: "修订".into(),
            body_html: "<p>修订后的正文。</p>".into(),
            keywords: String::new(),
        },
        "修订标题",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let b_page = format!("/items/{}", b.id);
    assert!(fx.get(&b_page).await.body.contains("第二份缓存测试通知"));
    let a_ = actor();
    let mut tx = fx.db().begin().await.unwrap();
    review::review(&mut tx, &a_, b.id, caps(Role::DepartmentHead), &checks())
        .await
        .unwrap();
    review::confidentiality_review(
        &mut tx,
        &a_,
        b.id,
        caps(Role::ConfidentialityReviewer),
        &form(),
    )
    .await
    .unwrap();
    review::approve(&mut tx, &a_, b.id, caps(Role::ApprovingLeader), "同意")
        .await
        .unwrap();
    publish::publish(&mut tx, &a_, b.id, caps(Role::DisclosureOffice))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    eventually(&fx, &b_page, "amendment shown", |g| {
        g.body.contains("第二份缓存测试通知（修订）")
    })
    .await;

    // Withdrawal: the cached page becomes the 410 and the catalog forgets the item.
    fx.withdraw(a.id, "缓存测试撤回").await;
    eventually(&fx, &page, "withdrawn", |g| g.status == StatusCode::GONE).await;
    eventually(&fx, "/catalog", "withdrawn item unlisted", |g| {
        !g.body.contains("改过的标题")
    })
    .await;

    // A scheduled item: the cached catalog lacks it until the worker's job publishes it.
    let c = fx.draft(fx.root, &spec("定时发布的缓存测试通知")).await;
    fx.advance(c.id, Stage::Approved).await;
    let at = gongkai_store::now_ms() + 1_000;
    let mut tx = fx.db().begin().await.unwrap();
    publish::schedule(&mut tx, &actor(), c.id, caps(Role::DisclosureOffice), at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Let the watcher see the scheduling commit, then cache the catalog without the item.
    tokio::time::sleep(gongkai_web::page_cache::POLL * 3).await;
    assert!(
        !fx.get("/catalog")
            .await
            .body
            .contains("定时发布的缓存测试通知")
    );
    while gongkai_store::now_ms() <= at {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        !fx.get("/catalog")
            .await
            .body
            .contains("定时发布的缓存测试通知")
    );
    gongkai_store::testing::run_due_publication(fx.db()).await;
    eventually(
        &fx,
        "/catalog",
        "scheduled item listed once published",
        |g| g.body.contains("定时发布的缓存测试通知"),
    )
    .await;

    stop_tx.send(true).unwrap();
    watcher.await.unwrap();
}

#[tokio::test]
async fn render_cache_follows_the_workflow_sqlite() {
    render_cache_follows_the_workflow(Fixture::cached(TestDb::sqlite().await).await).await;
}

#[tokio::test]
async fn render_cache_follows_the_workflow_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    render_cache_follows_the_workflow(Fixture::cached(t).await).await;
}
