//! Sites of a consolidated platform (issue #14) through the real router on SQLite and
//! PostgreSQL: two sites, A (the demo's city body, host `a.example`) and B (the demo's second
//! site 公主岭市残联, host `b.example` and the prefix `/s/gongzhuling/`). On every public surface
//! — portal pages, item pages and the reading view, attachment files, search, Atom feeds,
//! sitemaps, the public API, mailbox Q&A, annual reports, the application form and its status
//! look-up — data of one site never appears on the other, and ids of the other site answer 404
//! exactly like unknown ones. In the console and the staff API a site's administrator and office
//! see and change only their site; the platform administrator creates a site and produces the
//! consolidated report.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::{Resp, TestApp};
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::attachments::{self, Limits, Owner};
use gongkai_store::audit::Actor;
use gongkai_store::items::catalog::{self, CatalogFilter};
use gongkai_store::reports::{self, Status};
use gongkai_store::sites::{self, Scope, SiteInput};
use gongkai_web::{AppState, WebConfig};

const A: &str = "a.example";
const B: &str = "b.example";

/// One site's data as the test knows it.
struct Side {
    host: &'static str,
    items: Vec<i64>,
    titles: Vec<String>,
    file: String,
    qa: i64,
    report_year: i32,
    org_code: &'static str,
    tracking: (String, String),
}

struct Platform {
    app: TestApp,
    a: Side,
    b: Side,
    _data: tempfile::TempDir,
}

async fn get(app: &mut TestApp, host: &str, path: &str) -> Resp {
    app.get_with(path, &[("host", host)]).await
}

async fn published(app: &TestApp, scope: &Scope) -> (Vec<i64>, Vec<String>) {
    let page = catalog::catalog(
        &app.db,
        scope,
        &CatalogFilter {
            per_page: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (
        page.entries.iter().map(|e| e.id).collect(),
        page.entries.iter().map(|e| e.title.clone()).collect(),
    )
}

async fn attach(app: &TestApp, dir: &std::path::Path, item: i64, name: &str) -> String {
    let stored =
        attachments::store_file(dir, "附件正文".as_bytes(), name, &Limits::default()).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let a = attachments::attach(
        &mut tx,
        &Actor::system(),
        Owner {
            owner_type: gongkai_store::items::OBJECT_TYPE,
            owner_id: item,
        },
        &stored,
        "",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    format!("/files/{}/{name}", a.id)
}

async fn publish_report(app: &TestApp, org: i64, year: i32) {
    let today = gongkai_store::deadlines::today();
    let mut tx = app.db.begin().await.unwrap();
    let r = reports::create(&mut tx, &Actor::system(), org, year, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for to in [Status::Review, Status::Approval, Status::Published] {
        let mut tx = app.db.begin().await.unwrap();
        reports::advance(&app.db, &mut tx, &Actor::system(), r.id, to, today)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn application(app: &TestApp, org: i64) -> (String, String) {
    let today = gongkai_store::deadlines::today();
    let n = NewApplication {
        org_id: org,
        channel: "in_person".into(),
        applicant_type: "natural_person".into(),
        applicant_name: "张三".into(),
        id_kind: "resident_id".into(),
        id_number: "11010519491231002X".into(),
        email: "zhang@example.com".into(),
        info_form: "electronic".into(),
        delivery: "email".into(),
        items: vec![NewItem {
            description: "残疾人就业补贴发放情况".into(),
            ..Default::default()
        }],
        arrived_on: Some(today),
        ..Default::default()
    };
    let mut tx = app.db.begin().await.unwrap();
    let c = applications::create(&mut tx, &Actor::system(), &app.vault.get(), &n, today)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (c.application.tracking_no, c.secret)
}

/// The first published Q&A of a site.
async fn first_qa(app: &TestApp, scope: &Scope) -> i64 {
    gongkai_store::mailbox::public::published(&app.db, scope, None, 1, 1)
        .await
        .unwrap()
        .entries[0]
        .id
}

/// The demo with its two sites given host names, a file, an annual report and an application
/// on each side, and full-text search over it all.
async fn platform(t: gongkai_store::testing::TestDb, cached: bool) -> Platform {
    let data = tempfile::tempdir().unwrap();
    let config = WebConfig {
        data_dir: data.path().to_path_buf(),
        ..Default::default()
    };
    let mut app = TestApp::with_config(t, config).await;
    let city = app.org_id("ccdpf").await;
    let gzl = app.org_id("gzl").await;
    let mut tx = app.db.begin().await.unwrap();
    sites::create(
        &mut tx,
        &Actor::system(),
        &SiteInput {
            code: "city".into(),
            root_org_id: city,
            name: "长春市残联政府信息公开".into(),
            icp_number: "吉ICP备05001234号-1".into(),
            hosts: vec![A.into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b = sites::by_code(&app.db, "gongzhuling")
        .await
        .unwrap()
        .unwrap();
    let b = sites::get(&app.db, b.id).await.unwrap().unwrap();
    sites::update(
        &mut tx,
        &Actor::system(),
        b.site.id,
        &SiteInput {
            code: b.site.code.clone(),
            root_org_id: b.site.root_org_id,
            name: b.site.name.clone(),
            footer: b.site.footer.clone(),
            icp_number: b.site.icp_number.clone(),
            psb_number: b.site.psb_number.clone(),
            index_template: b.site.index_template.clone().unwrap_or_default(),
            vocab: b.site.vocab(),
            hosts: vec![B.into(), "B.Example:8443".into()],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let scope_a = sites::scope_of_root(&app.db, city).await.unwrap();
    let scope_b = sites::scope_of_root(&app.db, gzl).await.unwrap();
    let (a_items, a_titles) = published(&app, &scope_a).await;
    let (b_items, b_titles) = published(&app, &scope_b).await;
    assert!(!a_items.is_empty() && !b_items.is_empty());
    assert!(a_items.iter().all(|i| !b_items.contains(i)));
    let a_file = attach(&app, data.path(), a_items[0], "a-notice.txt").await;
    let b_file = attach(&app, data.path(), b_items[0], "b-notice.txt").await;
    publish_report(&app, city, 2019).await;
    publish_report(&app, gzl, 2020).await;
    let a_qa = first_qa(&app, &scope_a).await;
    let b_qa = first_qa(&app, &scope_b).await;
    let a_app = application(&app, city).await;
    let b_app = application(&app, gzl).await;

    let search = gongkai_search::Search::new(app.db.clone(), None, None);
    search.open_or_rebuild(|_| {}).await.unwrap();
    app.state = AppState::new(
        app.db.clone(),
        WebConfig {
            data_dir: data.path().to_path_buf(),
            vault: app.vault.clone(),
            ..Default::default()
        },
    )
    .with_search(search);
    if cached {
        // As `gongkai serve` runs it: the render cache and the site memo are keyed by site, so
        // `/s/<code>/x` and `/x` on one host never share a page.
        app.state = app.state.with_page_cache(std::sync::Arc::new(
            gongkai_web::page_cache::PageCache::new(64 << 20),
        ));
    }
    app.router = gongkai_web::router(app.state.clone());
    Platform {
        app,
        a: Side {
            host: A,
            items: a_items,
            titles: a_titles,
            file: a_file,
            qa: a_qa,
            report_year: 2019,
            org_code: "ccdpf",
            tracking: a_app,
        },
        b: Side {
            host: B,
            items: b_items,
            titles: b_titles,
            file: b_file,
            qa: b_qa,
            report_year: 2020,
            org_code: "gzl",
            tracking: b_app,
        },
        _data: data,
    }
}

/// Item ids linked (portal `/items/N`) or listed (feeds, sitemap: `…/items/N<`).
fn item_ids(body: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for (i, _) in body.match_indices("/items/") {
        let digits: String = body[i + 7..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            out.push(n);
        }
    }
    out
}

fn json_ids(body: &str, key: &str) -> Vec<i64> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// Everything public on `own`'s host shows `own`'s data and nothing of `other`'s.
async fn public_surfaces(app: &mut TestApp, own: &Side, other: &Side) {
    let h = own.host;
    let no_foreign = |what: &str, body: &str| {
        let ids = item_ids(body);
        assert!(
            ids.iter().all(|i| !other.items.contains(i)),
            "{what} on {h} shows an item of the other site: {ids:?}"
        );
    };
    // Portal pages.
    let home = get(app, h, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let catalog = get(app, h, "/catalog").await;
    assert_eq!(catalog.status, StatusCode::OK);
    no_foreign("/catalog", &catalog.body);
    assert!(item_ids(&catalog.body).contains(&own.items[0]));
    for t in &other.titles {
        assert!(!catalog.body.contains(t.as_str()), "{t} on {h}");
    }
    // Item pages, reading view and files: the other site's ids are 404 like unknown ones.
    let unknown = get(app, h, "/items/99999999").await;
    for id in &other.items {
        for path in [format!("/items/{id}"), format!("/items/{id}/read")] {
            let r = get(app, h, &path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path} on {h}");
            assert_eq!(
                r.body.replace(&path, "#"),
                get(app, h, &path.replace(&id.to_string(), "99999999"))
                    .await
                    .body
                    .replace(&path.replace(&id.to_string(), "99999999"), "#"),
                "{path} on {h} answers like an unknown id"
            );
        }
    }
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let own_item = get(app, h, &format!("/items/{}", own.items[0])).await;
    assert_eq!(own_item.status, StatusCode::OK);
    assert_eq!(get(app, h, &own.file).await.status, StatusCode::OK);
    assert_eq!(
        get(app, h, &other.file).await.status,
        StatusCode::NOT_FOUND,
        "{} on {h}",
        other.file
    );
    // Feeds and sitemap.
    for path in [
        "/feeds/all.atom",
        "/sitemap.xml",
        "/feeds/category/art20-02.atom",
    ] {
        let r = get(app, h, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path} on {h}");
        no_foreign(path, &r.body);
        assert!(
            r.body.contains(&format!("http://{h}/")),
            "{path}: absolute URLs of {h}"
        );
    }
    let sitemap = get(app, h, "/sitemap.xml").await;
    for id in &own.items {
        assert!(
            item_ids(&sitemap.body).contains(id),
            "sitemap of {h} lists {id}"
        );
    }
    let org_feed = get(app, h, &format!("/feeds/org/{}.atom", other.org_code)).await;
    assert_eq!(
        org_feed.status,
        StatusCode::NOT_FOUND,
        "org feed of the other site"
    );
    // Search (portal and API): a word both sites use finds only this site's documents.
    for q in ["残疾人", "公主岭", "长春"] {
        let r = get(app, h, &format!("/search?q={}", urlencode(q))).await;
        assert_eq!(r.status, StatusCode::OK);
        no_foreign("/search", &r.body);
        assert!(
            !r.body.contains(&format!("/mailbox/qa/{}\"", other.qa)),
            "search on {h} finds the other site's answer"
        );
        let api = get(app, h, &format!("/api/v1/search?q={}", urlencode(q))).await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        for url in serde_json::from_str::<serde_json::Value>(&api.body).unwrap()["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["url"].as_str().unwrap().to_string())
        {
            no_foreign("/api/v1/search", &url);
        }
    }
    let hits = get(app, h, &format!("/search?q={}", urlencode(&own.titles[0]))).await;
    assert!(
        item_ids(&hits.body).contains(&own.items[0]),
        "search on {h} finds its own item: {}",
        hits.body
    );
    // Public API: catalog list and items.
    let api = get(app, h, "/api/v1/catalog?per_page=100").await;
    let ids = json_ids(&api.body, "entries");
    assert!(ids.iter().all(|i| own.items.contains(i)), "{ids:?}");
    assert!(ids.contains(&own.items[0]));
    for id in &other.items {
        let r = get(app, h, &format!("/api/v1/catalog/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "API item {id} on {h}");
    }
    // Mailbox Q&A: portal, feed, API.
    let qa = get(app, h, "/mailbox/qa").await;
    assert!(
        qa.body.contains(&format!("/mailbox/qa/{}\"", own.qa)),
        "{h}"
    );
    assert!(!qa.body.contains(&format!("/mailbox/qa/{}\"", other.qa)));
    let feed = get(app, h, "/mailbox/qa.atom").await;
    assert!(!feed.body.contains(&format!("/mailbox/qa/{}<", other.qa)));
    assert_eq!(
        get(app, h, &format!("/mailbox/qa/{}", other.qa))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(app, h, &format!("/mailbox/qa/{}", own.qa)).await.status,
        StatusCode::OK
    );
    let api_qa = get(app, h, "/api/v1/mailbox/qa?per_page=100").await;
    let ids = json_ids(&api_qa.body, "entries");
    assert!(ids.contains(&own.qa) && !ids.contains(&other.qa), "{ids:?}");
    assert_eq!(
        get(app, h, &format!("/api/v1/mailbox/qa/{}", other.qa))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Annual reports.
    let list = get(app, h, "/reports").await;
    assert!(list.body.contains(&format!("/reports/{}", own.report_year)));
    assert!(
        !list
            .body
            .contains(&format!("/reports/{}", other.report_year))
    );
    assert_eq!(
        get(app, h, &format!("/reports/{}", own.report_year))
            .await
            .status,
        StatusCode::OK
    );
    for path in [
        format!("/reports/{}?org={}", other.report_year, other.org_code),
        format!(
            "/reports/{}/report.json?org={}",
            other.report_year, other.org_code
        ),
    ] {
        assert_eq!(
            get(app, h, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The application form offers this site's organisations; the status look-up does not
    // find another site's application (answered exactly like a wrong pair).
    let form = get(app, h, "/apply").await;
    assert!(form.status == StatusCode::OK);
    let status = get(app, h, "/apply/status").await;
    assert_eq!(status.status, StatusCode::OK);
    let (no, secret) = &other.tracking;
    let found = app
        .post_raw(
            "/apply/status",
            &[
                ("csrf", app.csrf().to_string().as_str()),
                ("tracking_no", no),
                ("secret", secret),
            ],
            &[("host", h)],
        )
        .await;
    assert_eq!(found.status, StatusCode::NOT_FOUND, "{}", found.body);
    let (no, secret) = &own.tracking;
    let mine = app
        .post_raw(
            "/apply/status",
            &[
                ("csrf", app.csrf().to_string().as_str()),
                ("tracking_no", no),
                ("secret", secret),
            ],
            &[("host", h)],
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn run_two_sites(t: gongkai_store::testing::TestDb, cached: bool) {
    let Platform {
        mut app,
        a,
        b,
        _data,
    } = platform(t, cached).await;
    // With the cache, the second round is answered from memory.
    for _ in 0..if cached { 2 } else { 1 } {
        public_surfaces(&mut app, &a, &b).await;
        public_surfaces(&mut app, &b, &a).await;
    }

    // Each site presents itself: name, 备案 numbers, its own guide and boxes.
    let home_b = get(&mut app, B, "/").await;
    assert!(home_b.body.contains("公主岭市残疾人联合会 · 政府信息公开"));
    assert!(home_b.body.contains("吉ICP备00000000号-1（演示）"));
    assert!(home_b.body.contains("https://beian.miit.gov.cn/"));
    let home_a = get(&mut app, A, "/").await;
    assert!(
        home_a
            .body
            .contains("长春市残联政府信息公开 · 政府信息公开")
    );
    assert!(!home_a.body.contains("公主岭"));
    let guide_b = get(&mut app, B, "/guide").await;
    assert!(guide_b.body.contains("公主岭市残疾人联合会办公室"));
    assert!(!guide_b.body.contains("长春市大经路"));
    let mailbox_a = get(&mut app, A, "/mailbox").await;
    assert!(!mailbox_a.body.contains("公主岭市残联在线咨询"));
    assert!(
        get(&mut app, B, "/mailbox")
            .await
            .body
            .contains("公主岭市残联在线咨询")
    );
    let apply_b = get(&mut app, B, "/apply").await;
    assert!(apply_b.body.contains("公主岭市残疾人联合会办公室"));
    assert!(!apply_b.body.contains("康复部") && !apply_b.body.contains("长春市残疾人联合会"));
    // The host name matches whatever its case and port.
    let upper = get(&mut app, "B.EXAMPLE:8443", "/").await;
    assert!(upper.body.contains("公主岭市残疾人联合会 · 政府信息公开"));
    // An unknown host is the default site (the city), as before sites existed.
    let other_host = get(&mut app, "localhost", "/catalog").await;
    assert!(
        item_ids(&other_host.body)
            .iter()
            .all(|i| !b.items.contains(i))
    );

    // The path prefix: B's pages link inside /s/gongzhuling/, A's ids are 404 there.
    let prefixed = app
        .get(&format!("/s/gongzhuling/items/{}", b.items[0]))
        .await;
    assert_eq!(prefixed.status, StatusCode::OK);
    assert!(prefixed.body.contains("href=\"/s/gongzhuling/catalog\""));
    assert!(!prefixed.body.contains("href=\"/catalog\""));
    assert_eq!(
        app.get(&format!("/s/gongzhuling/items/{}", a.items[0]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let feed = app.get("/s/gongzhuling/feeds/all.atom").await;
    assert!(feed.body.contains("http://localhost/s/gongzhuling/items/"));
    assert_eq!(app.get("/s/nowhere/").await.status, StatusCode::NOT_FOUND);
    let bare = app.get("/s/gongzhuling").await;
    assert_eq!(bare.location(), "/s/gongzhuling/");
    // Errors keep the site's links.
    let missing = app.get("/s/gongzhuling/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("href=\"/s/gongzhuling/\""));

    if cached {
        // The same page of the default site and of B by prefix: rendered once each, then both
        // answered from memory, and they stay apart.
        app.state.page_cache.invalidate();
        for _ in 0..2 {
            app.get("/catalog").await;
            app.get("/s/gongzhuling/catalog").await;
        }
        assert_eq!(app.state.page_cache.len(), 2);
        let own = app.get("/catalog").await;
        let prefixed = app.get("/s/gongzhuling/catalog").await;
        assert!(item_ids(&own.body).iter().all(|i| !b.items.contains(i)));
        assert!(
            item_ids(&prefixed.body)
                .iter()
                .all(|i| !a.items.contains(i))
        );
        return;
    }
    console_and_api(&mut app, &a, &b).await;
}

#[tokio::test]
async fn two_sites_sqlite() {
    run_two_sites(gongkai_store::testing::TestDb::sqlite().await, false).await;
}

#[tokio::test]
async fn two_sites_postgres() {
    let Some(t) = gongkai_store::testing::TestDb::postgres().await else {
        return;
    };
    run_two_sites(t, false).await;
}

#[tokio::test]
async fn two_sites_behind_the_render_cache_sqlite() {
    run_two_sites(gongkai_store::testing::TestDb::sqlite().await, true).await;
}

#[tokio::test]
async fn two_sites_behind_the_render_cache_postgres() {
    let Some(t) = gongkai_store::testing::TestDb::postgres().await else {
        return;
    };
    run_two_sites(t, true).await;
}

/// The console and the staff API keep a site's staff inside their site; the platform
/// administrator creates a site and produces the consolidated report.
async fn console_and_api(app: &mut TestApp, a: &Side, b: &Side) {
    let city_dept = app.org_id("ccdpf-kfb").await;
    let city_office = app.user_id("demo-office").await;
    // B's system administrator.
    app.login_demo("demo-gzl-admin").await;
    let home = app.get("/admin").await;
    assert!(
        home.body
            .contains("公主岭市残疾人联合会 · 政府信息公开 · 工作台")
    );
    let orgs = app.get("/admin/orgs").await;
    assert_eq!(orgs.status, StatusCode::OK);
    assert!(orgs.body.contains("公主岭市残疾人联合会办公室"));
    assert!(!orgs.body.contains("长春市残疾人联合会"), "no city orgs");
    let users = app.get("/admin/users").await;
    assert!(!users.body.contains("demo-office"));
    for path in [
        format!("/admin/users/{city_office}"),
        format!("/admin/orgs/{city_dept}/edit"),
        "/admin/calendar".to_string(),
        "/admin/audit".to_string(),
        "/admin/index-templates".to_string(),
        "/admin/consolidated-report".to_string(),
    ] {
        let r = app.get(&path).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {}",
            r.status
        );
    }
    let edit = app
        .post(
            &format!("/admin/orgs/{city_dept}"),
            &[
                ("kind", "department"),
                ("code", "x"),
                ("full_name", "x"),
                ("short_name", "x"),
            ],
        )
        .await;
    assert!(matches!(
        edit.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    // A new top-level organisation would leave the site: refused.
    let root = app
        .post(
            "/admin/orgs",
            &[
                ("kind", "body"),
                ("code", "escape"),
                ("full_name", "外逃机关"),
                ("short_name", "外逃"),
            ],
        )
        .await;
    assert_eq!(root.status, StatusCode::BAD_REQUEST, "{}", root.body);
    assert!(
        gongkai_store::orgs::by_code(&app.db, "escape")
            .await
            .unwrap()
            .is_none()
    );
    // Its own site: the presentation, not the host names.
    let list = app.get("/admin/sites").await;
    assert!(list.body.contains("公主岭市残疾人联合会"));
    assert!(!list.body.contains("长春市残联政府信息公开"));
    let site_a = sites::by_code(&app.db, "city").await.unwrap().unwrap();
    let site_b = sites::by_code(&app.db, "gongzhuling")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.get(&format!("/admin/sites/{}/edit", site_a.id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.get(&format!("/admin/sites/{}/edit", site_b.id)).await;
    let saved = app
        .post(
            &format!("/admin/sites/{}", site_b.id),
            &[
                ("name", "公主岭市残联门户"),
                ("hosts", "stolen.example"),
                ("code", "hijack"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = sites::get(&app.db, site_b.id).await.unwrap().unwrap();
    assert_eq!(after.site.name, "公主岭市残联门户");
    assert_eq!(after.site.code, "gongzhuling");
    assert!(after.hosts.contains(&"b.example".to_string()));
    assert!(!after.hosts.contains(&"stolen.example".to_string()));
    assert_eq!(
        app.post(&format!("/admin/sites/{}", site_a.id), &[("name", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // B's office: its lists hold B's records only; A's objects are out of reach.
    app.login_demo("demo-gzl-office").await;
    let reports_page = app.get("/admin/reports").await;
    assert!(reports_page.body.contains("公主岭"));
    assert!(!reports_page.body.contains("长春市残疾人联合会2019"));
    let item = app.get(&format!("/admin/items/{}", a.items[0])).await;
    assert!(matches!(
        item.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let uid = app.user_id("demo-gzl-office").await;
    let mut tx = app.db.begin().await.unwrap();
    let (token, _) = gongkai_store::api_tokens::create(&mut tx, &Actor::system(), uid, "测试")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let listed = app.get_with("/api/v1/items?queue=published", &auth).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let ids = json_ids(&listed.body, "entries");
    assert!(ids.contains(&b.items[0]), "{ids:?}");
    assert!(ids.iter().all(|i| !a.items.contains(i)), "{ids:?}");
    let foreign = app
        .get_with(&format!("/api/v1/items/{}", a.items[0]), &auth)
        .await;
    assert!(matches!(
        foreign.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let own = app
        .get_with(&format!("/api/v1/items/{}", b.items[0]), &auth)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let orgs = app.get_with("/api/v1/orgs", &auth).await;
    assert!(orgs.body.contains("gzl-bgs") && !orgs.body.contains("ccdpf-kfb"));

    // The platform administrator creates a site over a new body, reachable at its host.
    app.login_demo("demo-platform").await;
    let list = app.get("/admin/sites").await;
    assert!(list.body.contains("长春市残联政府信息公开") && list.body.contains("公主岭"));
    app.get("/admin/sites/new").await;
    let created = app
        .post(
            "/admin/sites",
            &[
                ("code", "shuangliao"),
                ("root", "new"),
                ("new_org_code", "sl"),
                ("new_org_name", "双辽市残疾人联合会"),
                ("name", "双辽市残联"),
                ("icp_number", "吉ICP备00000002号"),
                ("hosts", "c.example"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let c = get(app, "c.example", "/").await;
    assert!(c.body.contains("双辽市残联 · 政府信息公开"), "{}", c.body);
    assert!(item_ids(&get(app, "c.example", "/catalog").await.body).is_empty());
    // A host name belongs to one site only.
    let taken = app
        .post(
            "/admin/sites",
            &[
                ("code", "another"),
                ("root", "new"),
                ("new_org_code", "another"),
                ("new_org_name", "另一机关"),
                ("name", "另一站点"),
                ("hosts", "a.example"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(
        taken.body.contains("域名 a.example 已属于另一个站点"),
        "{}",
        taken.body
    );
    assert!(
        gongkai_store::orgs::by_code(&app.db, "another")
            .await
            .unwrap()
            .is_none()
    );

    // The consolidated report over both bodies, as JSON.
    let city = app.org_id("ccdpf").await;
    let gzl = app.org_id("gzl").await;
    let (status, _, bytes) = app
        .get_bytes(&format!(
            "/admin/consolidated-report/download?year=2020&name=%E9%95%BF%E6%98%A5%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&body={city}&body={gzl}&format=json"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert!(v.to_string().contains("长春市人民政府"));
    let page = app
        .get(&format!(
            "/admin/consolidated-report?year=2020&name=X&body={city}&body={gzl}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("X2020年政府信息公开工作年度报告"),
        "{}",
        page.body
    );
}
