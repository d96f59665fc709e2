//! Sites of a consolidated platform (issue #14), on SQLite and PostgreSQL: resolution by host,
//! path code and default; the scope of each site; the store's refusals (a host or code taken, a
//! body that is not top-level, a site's body moved under another organisation, an unknown
//! vocabulary code, a global role held away from the platform root); the site's 索引号 template;
//! and the consolidated annual report, which sums the chosen bodies' rollups.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::applications::Outcome;
use gongkai_core::auth::{Grant, Role};
use gongkai_core::items::DEFAULT_TEMPLATE;
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::audit::Actor;
use gongkai_store::items::registers;
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::reports;
use gongkai_store::sites::{self, Lookup, Scope, SiteInput, VocabOverrides};
use gongkai_store::users::{self, NewUser};
use gongkai_store::{Db, StoreError, both_backends, calendar, on_db};

fn org(code: &str, kind: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: kind.into(),
        code: code.into(),
        full_name: format!("{code}残疾人联合会"),
        short_name: code.into(),
        sort_order: if parent.is_none() && code != "city" {
            100
        } else {
            0
        },
        ..Default::default()
    }
}

struct Tree {
    city: i64,
    city_dept: i64,
    district: i64,
    district_office: i64,
}

async fn tree(db: &Db) -> Tree {
    registers::seed_defaults(db).await.unwrap();
    let a = Actor::system();
    let mut tx = db.begin().await.unwrap();
    let city = orgs::create(&mut tx, &a, &org("city", "body", None))
        .await
        .unwrap()
        .id;
    let city_dept = orgs::create(&mut tx, &a, &org("city-dept", "department", Some(city)))
        .await
        .unwrap()
        .id;
    let district = orgs::create(&mut tx, &a, &org("district", "body", None))
        .await
        .unwrap()
        .id;
    let district_office = orgs::create(
        &mut tx,
        &a,
        &org("district-office", "department", Some(district)),
    )
    .await
    .unwrap()
    .id;
    tx.commit().await.unwrap();
    Tree {
        city,
        city_dept,
        district,
        district_office,
    }
}

fn site(code: &str, root: i64, hosts: &[&str]) -> SiteInput {
    SiteInput {
        code: code.into(),
        root_org_id: root,
        name: format!("{code} 站点"),
        hosts: hosts.iter().map(|h| (*h).to_string()).collect(),
        ..Default::default()
    }
}

async fn create(db: &Db, input: &SiteInput) -> Result<sites::SiteWithHosts, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = sites::create(&mut tx, &Actor::system(), input).await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

both_backends!(resolution_and_scopes, |db| {
    let t = tree(db).await;
    // No site yet: one site, everything in scope, every root deployment-wide.
    let v = sites::resolve(db, Lookup::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.scope, Scope::All);
    assert!(v.is_default && v.site.is_none());
    assert_eq!(v.root_id(), Some(t.city));
    assert_eq!(orgs::tree(db).await.unwrap().deployment_roots().len(), 2);

    let d = create(
        db,
        &SiteInput {
            icp_number: "吉ICP备05001234号-1".into(),
            psb_number: "吉公网安备 22010202000123号".into(),
            ..site("district", t.district, &["D.Example.", "www.d.example"])
        },
    )
    .await
    .unwrap();
    assert_eq!(d.hosts, vec!["d.example", "www.d.example"]);
    assert_eq!(d.site.psb_record_code(), "22010202000123");
    // By host (case, port and a trailing dot do not matter).
    let by_host = sites::resolve(
        db,
        Lookup {
            host: Some("d.EXAMPLE:8080"),
            code: None,
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(by_host.root_id(), Some(t.district));
    assert!(by_host.by_host && !by_host.is_default);
    assert_eq!(
        by_host.scope,
        Scope::Orgs(vec![t.district, t.district_office])
    );
    // By path code.
    let by_code = sites::resolve(
        db,
        Lookup {
            host: Some("localhost"),
            code: Some("district"),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(by_code.site.as_ref().map(|s| s.id), Some(d.site.id));
    assert!(!by_code.by_host);
    let none = sites::resolve(
        db,
        Lookup {
            host: None,
            code: Some("nowhere"),
        },
    )
    .await
    .unwrap();
    assert!(none.is_none(), "an unknown code names no site");
    // Any other host: the default site, now scoped to the city's subtree.
    let default = sites::resolve(
        db,
        Lookup {
            host: Some("portal.example"),
            code: None,
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(default.is_default && default.site.is_none());
    assert_eq!(default.scope, Scope::Orgs(vec![t.city, t.city_dept]));
    assert_eq!(default.name(), "city残疾人联合会");
    // The platform root is the city: only grants there are deployment-wide.
    let tree = orgs::tree(db).await.unwrap();
    assert_eq!(tree.deployment_roots(), vec![t.city]);

    // Refusals.
    let taken = create(db, &site("other", t.city, &["www.d.example"])).await;
    assert!(
        matches!(taken, Err(StoreError::Conflict(ref m)) if m.contains("www.d.example")),
        "{taken:?}"
    );
    let code = create(db, &site("district", t.city, &[])).await;
    assert!(matches!(code, Err(StoreError::Conflict(_))), "{code:?}");
    let twice = create(db, &site("again", t.district, &[])).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let not_top = create(db, &site("dept", t.city_dept, &[])).await;
    assert!(
        matches!(not_top, Err(StoreError::Invalid(ref m)) if m.contains("顶级机构")),
        "{not_top:?}"
    );
    let vocab = create(
        db,
        &SiteInput {
            vocab: VocabOverrides {
                catalog: VocabOverrides::parse_lines("art20-01\nno-such-code"),
                ..Default::default()
            },
            ..site("vocab", t.city, &[])
        },
    )
    .await;
    assert!(
        matches!(vocab, Err(StoreError::Invalid(ref m)) if m.contains("no-such-code")),
        "{vocab:?}"
    );
    let bad_template = create(
        db,
        &SiteInput {
            index_template: "{org_code}-no-serial".into(),
            ..site("tpl", t.city, &[])
        },
    )
    .await;
    assert!(matches!(bad_template, Err(StoreError::Invalid(_))));
    // A site's body stays at the top of the tree.
    let mut tx = db.begin().await.unwrap();
    let moved = orgs::update(
        &mut tx,
        &Actor::system(),
        t.district,
        &org("district", "body", Some(t.city)),
    )
    .await;
    assert!(
        matches!(moved, Err(StoreError::Invalid(ref m)) if m.contains("不能设置上级机构")),
        "{moved:?}"
    );
    drop(tx);

    // The site's 索引号 template applies to its organisations without their own.
    let mut input = site("district", t.district, &["d.example"]);
    input.index_template = "QD-{YYYY}-{serial:04}".into();
    let mut tx = db.begin().await.unwrap();
    sites::update(&mut tx, &Actor::system(), d.site.id, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        registers::template(db, t.district_office).await.unwrap(),
        "QD-{YYYY}-{serial:04}"
    );
    assert_eq!(
        registers::template(db, t.city_dept).await.unwrap(),
        DEFAULT_TEMPLATE
    );
    let hosts = sites::get(db, d.site.id).await.unwrap().unwrap().hosts;
    assert_eq!(hosts, vec!["d.example"], "hosts replaced");
    // Every change is audited.
    let actions: Vec<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = 'site' ORDER BY id"
    )
    .fetch_all(p)
    .await
    .unwrap());
    assert_eq!(actions, vec!["site.create", "site.update"]);
});

both_backends!(a_global_role_is_held_at_the_platform_root, |db| {
    let t = tree(db).await;
    create(db, &site("district", t.district, &[]))
        .await
        .unwrap();
    let user = |name: &str, grants: Vec<Grant>| NewUser {
        username: name.into(),
        display_name: name.into(),
        org_id: t.city,
        password: "Platform-pass-2026!".into(),
        grants,
        must_change_password: false,
    };
    let grant = |role, scope| Grant { role, scope };
    let mut tx = db.begin().await.unwrap();
    let misplaced = users::create(
        &mut tx,
        &Actor::system(),
        &user(
            "site.platform",
            vec![grant(Role::PlatformAdministrator, t.district)],
        ),
    )
    .await;
    assert!(
        matches!(misplaced, Err(StoreError::Invalid(ref m)) if m.contains("平台本级机构")),
        "{misplaced:?}"
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let both = users::create(
        &mut tx,
        &Actor::system(),
        &user(
            "two.hats",
            vec![
                grant(Role::PlatformAdministrator, t.city),
                grant(Role::SecurityAdministrator, t.district),
            ],
        ),
    )
    .await;
    assert!(
        matches!(both, Err(StoreError::Invalid(ref m)) if m.starts_with("三员分立")),
        "{both:?}"
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    users::create(
        &mut tx,
        &Actor::system(),
        &user("platform", vec![grant(Role::PlatformAdministrator, t.city)]),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
});

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// An application to `org` received on `arrived`, its one item decided on `decided`.
async fn decided_application(db: &Db, org: i64, arrived: &str, decided: &str, outcome: Outcome) {
    let mut tx = db.begin().await.unwrap();
    let c = applications::create(
        &mut tx,
        &Actor::system(),
        &gongkai_core::vault::Vault::for_tests(),
        &NewApplication {
            org_id: org,
            channel: "in_person".into(),
            applicant_type: "natural_person".into(),
            applicant_name: "张三".into(),
            id_kind: "resident_id".into(),
            id_number: "11010519491231002X".into(),
            phone: "0431-88888888".into(),
            info_form: "electronic".into(),
            delivery: "post".into(),
            address: "长春市".into(),
            items: vec![NewItem {
                description: "残疾人就业补贴发放情况".into(),
                ..Default::default()
            }],
            arrived_on: Some(d(arrived)),
            ..Default::default()
        },
        d("2025-12-31"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let n = on_db!(db, |p| sqlx::query(
        "UPDATE application_items SET decided_on = $1, outcome = $2 WHERE application_id = $3"
    )
    .bind(decided)
    .bind(outcome.code())
    .bind(c.application.id)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    assert_eq!(n, 1);
}

both_backends!(the_consolidated_report_sums_the_chosen_bodies, |db| {
    calendar::seed_official(db).await.unwrap();
    let t = tree(db).await;
    create(db, &site("district", t.district, &[]))
        .await
        .unwrap();
    decided_application(
        db,
        t.city_dept,
        "2024-03-04",
        "2024-03-20",
        Outcome::Granted,
    )
    .await;
    decided_application(db, t.city, "2024-11-04", "2025-01-10", Outcome::Granted).await;
    decided_application(
        db,
        t.district_office,
        "2024-05-06",
        "2024-05-20",
        Outcome::Granted,
    )
    .await;
    decided_application(
        db,
        t.district,
        "2024-06-03",
        "2024-06-10",
        Outcome::UnableNotHeld,
    )
    .await;
    let city = reports::generate(db, t.city, 2024, true).await.unwrap();
    let district = reports::generate(db, t.district, 2024, true).await.unwrap();
    let both = reports::consolidated(db, "某市人民政府", &[t.city, t.district], 2024)
        .await
        .unwrap();
    assert!(both.report.rollup);
    assert_eq!(
        both.report.title(),
        "某市人民政府2024年政府信息公开工作年度报告"
    );
    let (c, dd, b) = (
        &city.report.figures.table3.cells,
        &district.report.figures.table3.cells,
        &both.report.figures.table3.cells,
    );
    for r in 0..c.len() {
        for k in 0..c[r].len() {
            assert_eq!(b[r][k], c[r][k] + dd[r][k], "table 三 row {r} column {k}");
        }
    }
    assert!(b.iter().flatten().any(|v| *v > 0), "something was counted");
    // One body alone is its own rollup.
    let alone = reports::consolidated(db, "某市人民政府", &[t.district], 2024)
        .await
        .unwrap();
    assert_eq!(alone.report.figures.table3, district.report.figures.table3);
    // Only top-level bodies, at least one, and a government's name.
    for (name, bodies) in [
        ("某市人民政府", vec![t.city_dept]),
        ("某市人民政府", vec![]),
        ("", vec![t.city]),
    ] {
        let e = reports::consolidated(db, name, &bodies, 2024).await;
        assert!(
            matches!(e, Err(StoreError::Invalid(_))),
            "{name} {bodies:?}"
        );
    }
});
