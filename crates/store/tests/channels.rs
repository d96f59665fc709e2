//! Issue #5 on SQLite and PostgreSQL: the grassroots review loop across organisation scopes
//! (a unit cannot publish around its parent; a sibling cannot see or decide the queue), the
//! parent's edit recorded as a diff, counts per unit; channels with their own dates and the
//! WeChat export; the syndication register with scores, totals, the ZIP package (validated
//! against its documented JSON Schema by the independent python-jsonschema) and the per-target
//! feed; interpretations linked both ways, public-only; and the demo's full 2019 equal to the
//! seed's figures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::io::Read;

use chrono::NaiveDate;
use gongkai_core::auth::{Action, Grant, Role, scopes_for};
use gongkai_core::items::{Capabilities, Check, Disclosure, ReviewChecks};
use gongkai_store::audit::Actor;
use gongkai_store::channels::{self, ChannelInput, Kind as ChannelKind, Transport};
use gongkai_store::grassroots::{self, PublishAs};
use gongkai_store::interpretations::{self, Kind as InterpKind};
use gongkai_store::items::review::{self, Conclusion, ConfidentialityForm};
use gongkai_store::items::{self, Content, Item, Metadata, publish};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::syndication::{self, Status, TargetInput};
use gongkai_store::{Db, StoreError, both_backends, calendar, deadlines, demo};

fn actor() -> Actor {
    Actor::user(1, "tester", "127.0.0.1")
}

fn caps(role: Role) -> Capabilities {
    Capabilities::from_roles(&[role])
}

struct Setup {
    city: i64,
    county: i64,
    sibling: i64,
}

fn org(code: &str, parent: Option<i64>, name: &str) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: if parent.is_none() { "body" } else { "county" }.into(),
        code: code.into(),
        full_name: name.into(),
        short_name: name.into(),
        ..Default::default()
    }
}

async fn setup(db: &Db) -> Setup {
    calendar::seed_official(db).await.unwrap();
    items::registers::seed_defaults(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = Actor::system();
    let city = orgs::create(&mut tx, &a, &org("city", None, "市残联"))
        .await
        .unwrap()
        .id;
    let county = orgs::create(&mut tx, &a, &org("county-a", Some(city), "甲县残联"))
        .await
        .unwrap()
        .id;
    let sibling = orgs::create(&mut tx, &a, &org("county-b", Some(city), "乙县残联"))
        .await
        .unwrap()
        .id;
    grassroots::set_unit(&mut tx, &a, county, true)
        .await
        .unwrap();
    grassroots::set_unit(&mut tx, &a, sibling, true)
        .await
        .unwrap();
    assert!(
        grassroots::set_unit(&mut tx, &a, city, true).await.is_err(),
        "a root has no parent to submit to"
    );
    tx.commit().await.unwrap();
    Setup {
        city,
        county,
        sibling,
    }
}

fn content(title: &str) -> Content {
    Content {
        title: title.into(),
        summary: "基层工作动态".into(),
        body_html: "<p>第一段。</p><p>第二段。</p>".into(),
        keywords: "动态".into(),
    }
}

fn form() -> ConfidentialityForm {
    let today = deadlines::today();
    ConfidentialityForm {
        form_date: today,
        originating_unit: "办公室".into(),
        info_title: String::new(),
        is_document: false,
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
        drafter_name: "承办人".into(),
        drafter_on: Some(today),
        head_opinion: "同意".into(),
        head_name: "负责人".into(),
        head_on: Some(today),
        conclusion: Conclusion::Publish,
        basis: "经审查不涉及国家秘密".into(),
        reviewer_name: String::new(),
        reviewed_on: today,
        remarks: String::new(),
        rereview_due: None,
    }
}

/// Creates an item in `org_id` and drives it to 审批 (approved).
async fn approved(db: &Db, org_id: i64, title: &str) -> Item {
    let mut tx = db.begin().await.unwrap();
    let a = actor();
    let meta = Metadata {
        formed_on: deadlines::today(),
        signed_on: None,
        publisher_name: String::new(),
        doc_number: String::new(),
        topic_code: String::new(),
        genre_code: String::new(),
        catalog_code: "art20-15".into(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    };
    let item = items::create(
        &mut tx,
        &a,
        org_id,
        caps(Role::Drafter),
        &meta,
        &content(title),
    )
    .await
    .unwrap();
    items::submit(&mut tx, &a, item.id, caps(Role::Drafter))
        .await
        .unwrap();
    let ok = Check {
        passed: true,
        comment: "同意".into(),
    };
    let checks = ReviewChecks {
        legal: ok.clone(),
        policy: ok.clone(),
        wording: ok.clone(),
        secrecy: ok,
    };
    review::review(&mut tx, &a, item.id, caps(Role::DepartmentHead), &checks)
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
    let item = review::approve(&mut tx, &a, item.id, caps(Role::ApprovingLeader), "同意")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    item
}

/// Publishes an own-level item directly.
async fn published(db: &Db, org_id: i64, title: &str) -> Item {
    let item = approved(db, org_id, title).await;
    let mut tx = db.begin().await.unwrap();
    let item = publish::publish(&mut tx, &actor(), item.id, caps(Role::DisclosureOffice))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    item
}

both_backends!(grassroots_review_loop_across_scopes, |db| {
    let s = setup(db).await;
    let tree = orgs::tree(db).await.unwrap();
    let county_office = [Grant {
        role: Role::DisclosureOffice,
        scope: s.county,
    }];
    let sibling_office = [Grant {
        role: Role::DisclosureOffice,
        scope: s.sibling,
    }];
    let city_office = [Grant {
        role: Role::DisclosureOffice,
        scope: s.city,
    }];

    let item = approved(db, s.county, "甲县残联开展助残日活动").await;
    assert_eq!(item.state, "approved");

    // The unit cannot publish around its parent: neither publish nor schedule.
    let unit_caps = Capabilities::for_target(&county_office, s.county, &tree);
    assert!(
        unit_caps.publish,
        "the county office may publish county items in general"
    );
    let mut tx = db.begin().await.unwrap();
    let err = publish::publish(&mut tx, &actor(), item.id, unit_caps)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("上级单位")),
        "{err}"
    );
    let err = publish::schedule(
        &mut tx,
        &actor(),
        item.id,
        unit_caps,
        gongkai_store::now_ms() + 86_400_000,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    drop(tx);

    // The queue: the city sees it; the unit itself and its sibling see nothing.
    let city_q = grassroots::queue(db, &scopes_for(&city_office, Action::PublishItem), 100)
        .await
        .unwrap();
    assert_eq!(city_q.len(), 1);
    assert_eq!(city_q[0].item_id, item.id);
    assert_eq!(city_q[0].unit_name, "甲县残联");
    for grants in [&county_office, &sibling_office] {
        assert!(
            grassroots::queue(db, &scopes_for(grants, Action::PublishItem), 100)
                .await
                .unwrap()
                .is_empty()
        );
    }
    let sub = city_q[0].id;

    // Deciding needs the publish capability on the PARENT: the unit's and the sibling's
    // offices hold none there.
    for grants in [&county_office, &sibling_office] {
        let parent_caps = Capabilities::for_target(grants, s.city, &tree);
        let mut tx = db.begin().await.unwrap();
        for r in [
            grassroots::publish(&mut tx, &actor(), sub, parent_caps, PublishAs::Unit)
                .await
                .map(|_| ()),
            grassroots::return_to_unit(&mut tx, &actor(), sub, parent_caps, "理由")
                .await
                .map(|_| ()),
            grassroots::edit(&mut tx, &actor(), sub, parent_caps, &content("改"))
                .await
                .map(|_| ()),
        ] {
            assert!(matches!(r, Err(StoreError::Conflict(_))));
        }
    }

    // The parent edits (a diff is recorded) and publishes under its own name.
    let city_caps = Capabilities::for_target(&city_office, s.city, &tree);
    let mut tx = db.begin().await.unwrap();
    let mut edited = content("甲县残联开展“全国助残日”主题活动");
    edited.body_html = "<p>第一段。</p><p>第二段（已核实）。</p>".into();
    let recorded = grassroots::edit(&mut tx, &actor(), sub, city_caps, &edited)
        .await
        .unwrap();
    assert!(recorded.edit_diff.contains("@@ 标题"));
    assert!(recorded.edit_diff.contains("- 甲县残联开展助残日活动"));
    assert!(
        recorded
            .edit_diff
            .contains("+ 甲县残联开展“全国助残日”主题活动")
    );
    assert!(recorded.edit_diff.contains("- <p>第二段。</p>"));
    assert!(recorded.edit_diff.contains("+ <p>第二段（已核实）。</p>"));
    assert!(
        !recorded.edit_diff.contains("第一段"),
        "unchanged lines are not in the diff"
    );
    let done = grassroots::publish(&mut tx, &actor(), sub, city_caps, PublishAs::Parent)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The unit's approved text is published; the parent's edit is an amendment that goes
    // through the review chain before it replaces it (先审查、后公开).
    assert_eq!(done.state, "submitted");
    assert_eq!(done.publisher_name, "市残联");
    let public = items::catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(public.revision.title, "甲县残联开展助残日活动");
    let revs = items::catalog::public_revisions(db, &gongkai_store::sites::Scope::All, item.id)
        .await
        .unwrap();
    assert_eq!(revs.len(), 1, "the edit is not public before its review");
    let current = items::get(db, item.id).await.unwrap().unwrap();
    assert_ne!(
        current.current_revision_id, current.published_revision_id,
        "the parent's edit is on record as the next revision"
    );
    let sub_row = grassroots::get(db, sub).await.unwrap().unwrap();
    assert_eq!(sub_row.status, "published");
    assert_eq!(sub_row.published_as, "parent");

    // Deciding twice is refused.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        grassroots::publish(&mut tx, &actor(), sub, city_caps, PublishAs::Unit).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);

    // Return with a reason: back to draft; the unit resubmits and the parent publishes under
    // the unit's name.
    let second = approved(db, s.county, "甲县残联召开工作推进会").await;
    let sub2 = grassroots::queue(db, &[s.city], 10).await.unwrap()[0].id;
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        grassroots::return_to_unit(&mut tx, &actor(), sub2, city_caps, " ").await,
        Err(StoreError::Invalid(_))
    ));
    let r = grassroots::return_to_unit(&mut tx, &actor(), sub2, city_caps, "请补充参会人数")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r.status, "returned");
    assert_eq!(
        items::get(db, second.id).await.unwrap().unwrap().state,
        "draft"
    );
    assert!(
        grassroots::queue(db, &[s.city], 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A third item from the sibling, left pending.
    approved(db, s.sibling, "乙县残联走访困难残疾人家庭").await;
    assert_eq!(grassroots::queue(db, &[s.city], 10).await.unwrap().len(), 1);
    assert!(
        grassroots::queue(db, &[s.county], 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Counts per unit for today: 甲 submitted 2, published 1, returned 1 (50%); 乙 1/0/0.
    let today = deadlines::today();
    let stats = grassroots::stats(db, &[s.city], today, today)
        .await
        .unwrap();
    assert_eq!(stats.len(), 2);
    let a = stats.iter().find(|u| u.org_id == s.county).unwrap();
    assert_eq!((a.submitted, a.published, a.returned), (2, 1, 1));
    assert_eq!(a.adoption_label(), "50.0%");
    assert!(a.avg_hours_to_publish.is_some());
    let b = stats.iter().find(|u| u.org_id == s.sibling).unwrap();
    assert_eq!((b.submitted, b.published, b.returned), (1, 0, 0));
    assert_eq!(stats[0].org_id, s.county, "ranked by published");
    // Scoped in the query: the sibling's office sees only its own unit.
    let only_b = grassroots::stats(db, &[s.sibling], today, today)
        .await
        .unwrap();
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].org_id, s.sibling);

    let levels = grassroots::published_by_level(db, today, today)
        .await
        .unwrap();
    assert_eq!((levels.own_level, levels.grassroots), (0, 1));
    let y = grassroots::year_totals(db, chrono::Datelike::year(&today))
        .await
        .unwrap();
    assert_eq!((y.submitted, y.adopted, y.returned), (3, 1, 1));
});

both_backends!(own_level_items_publish_as_before, |db| {
    let s = setup(db).await;
    let item = published(db, s.city, "市残联发布年度工作要点").await;
    assert_eq!(item.state, "published");
    assert!(
        grassroots::queue(db, &[s.city], 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A deregistered unit publishes by itself again.
    let mut tx = db.begin().await.unwrap();
    grassroots::set_unit(&mut tx, &Actor::system(), s.county, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let own = published(db, s.county, "甲县残联自行发布").await;
    assert_eq!(own.state, "published");
    // The register keeps the inactive registration, with the parent whose queue it feeds; the
    // audit record of the change carries the state before it.
    let regs = grassroots::registrations(db).await.unwrap();
    let county = regs.iter().find(|r| r.org_id == s.county).unwrap();
    assert_eq!((county.parent_id, county.active), (Some(s.city), false));
    let sibling = regs.iter().find(|r| r.org_id == s.sibling).unwrap();
    assert_eq!((sibling.parent_id, sibling.active), (Some(s.city), true));
    assert_eq!(
        grassroots::units(db).await.unwrap(),
        vec![s.sibling],
        "only active registrations are units"
    );
    let log = gongkai_store::audit::list(
        db,
        &gongkai_store::audit::Filter {
            action: Some("grassroots.unit".into()),
            object_id: Some(s.county.to_string()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let change = &log[0];
    assert!(change.before_json.as_deref().unwrap_or("").contains("true"));
    assert!(change.after_json.as_deref().unwrap_or("").contains("false"));
});

both_backends!(channels_with_dates_counts_and_wechat_export, |db| {
    let s = setup(db).await;
    let mut tx = db.begin().await.unwrap();
    let input = |kind, code: &str, name: &str| ChannelInput {
        kind,
        code: code.into(),
        name: name.into(),
        description: String::new(),
        sort_order: 0,
        active: true,
    };
    let web = channels::put(
        &mut tx,
        &actor(),
        None,
        &input(ChannelKind::Website, "news", "工作动态"),
    )
    .await
    .unwrap();
    let wx = channels::put(
        &mut tx,
        &actor(),
        None,
        &input(ChannelKind::Wechat, "chunfeng", "春风惠残"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // A taken code (own transaction: PostgreSQL aborts a transaction on a constraint error).
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        channels::put(
            &mut tx,
            &actor(),
            None,
            &input(ChannelKind::Wechat, "chunfeng", "重复")
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        channels::put(
            &mut tx,
            &actor(),
            None,
            &input(ChannelKind::Wechat, "Bad Code", "名称")
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    tx.commit().await.unwrap();

    let draft = approved(db, s.city, "尚未发布").await;
    let item = published(db, s.city, "市残联开展助残日活动").await;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        channels::place(&mut tx, &actor(), draft.id, web.id, d("2019-05-19")).await,
        Err(StoreError::Conflict(_))
    ));
    channels::place(&mut tx, &actor(), item.id, web.id, d("2019-05-19"))
        .await
        .unwrap();
    channels::place(&mut tx, &actor(), item.id, wx.id, d("2019-05-20"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let placements = channels::of_item(db, item.id).await.unwrap();
    assert_eq!(placements.len(), 2);
    assert_eq!(
        placements
            .iter()
            .find(|p| p.channel_id == wx.id)
            .unwrap()
            .published_on,
        "2019-05-20",
        "each channel keeps its own date"
    );
    let counts = channels::counts(db, d("2019-05-20"), d("2019-05-31"))
        .await
        .unwrap();
    assert_eq!(
        counts
            .iter()
            .map(|c| (c.name.as_str(), c.count))
            .collect::<Vec<_>>(),
        vec![("工作动态", 0), ("春风惠残", 1)]
    );
    let y = channels::year_totals(db, 2019).await.unwrap();
    assert_eq!((y.website, y.wechat), (1, 1));

    // WeChat export of the published item; a draft cannot be exported.
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        channels::wechat_article(db, dir.path(), draft.id).await,
        Err(StoreError::NotFound(_))
    ));
    let article = channels::wechat_article(db, dir.path(), item.id)
        .await
        .unwrap();
    assert_eq!(article.title, "市残联开展助残日活动");
    assert!(article.digest.chars().count() <= 120);
    assert!(article.content_html.contains("<p style=\""));
    let delivery = channels::ExportTransport.deliver(&article).unwrap();
    let channels::Delivery::Download { filename, bytes } = delivery else {
        panic!("the export transport gives a download");
    };
    assert_eq!(filename, format!("wechat-item-{}.zip", item.id));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut meta = String::new();
    zip.by_name("article.json")
        .unwrap()
        .read_to_string(&mut meta)
        .unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["title"], "市残联开展助残日活动");
    let mut html = String::new();
    zip.by_name("content.html")
        .unwrap()
        .read_to_string(&mut html)
        .unwrap();
    assert_eq!(html, article.content_html);
});

/// Validates `instance` against the documented schema with python-jsonschema (independent of
/// our code). Under CI a missing validator fails the test.
/// The oracle venv's interpreter (scripts/test-deps.sh installs jsonschema there).
fn venv_python() -> std::path::PathBuf {
    let venv = std::env::var("GONGKAI_VENV").unwrap_or_else(|_| "/var/tmp/gongkai-venv".into());
    std::path::PathBuf::from(venv).join("bin/python")
}

fn validate_with_python(instance: &serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    let inst = dir.path().join("instance.json");
    std::fs::write(&schema, syndication::PACKAGE_SCHEMA).unwrap();
    std::fs::write(&inst, serde_json::to_vec(instance).unwrap()).unwrap();
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1])); i=json.load(open(sys.argv[2]))\n\
        jsonschema.Draft202012Validator.check_schema(s)\n\
        jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker()).validate(i)\n\
        print('valid')";
    let out = std::process::Command::new(venv_python())
        .args(["-c", script])
        .arg(&schema)
        .arg(&inst)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "valid")
        }
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if err.contains("No module named 'jsonschema'")
                && std::env::var("CI").map(|v| v != "true").unwrap_or(true)
            {
                eprintln!("!!! python3 jsonschema missing: schema validation skipped");
                return;
            }
            panic!("package metadata does not validate: {err}");
        }
        Err(e) => panic!("python3 not runnable: {e}"),
    }
}

both_backends!(syndication_register_scores_totals_package_and_feed, |db| {
    let s = setup(db).await;
    let mut tx = db.begin().await.unwrap();
    let target = |code: &str, name: &str, points| TargetInput {
        code: code.into(),
        name: name.into(),
        url: "http://www.example.gov.cn".into(),
        points_per_adopted: points,
        rule_note: String::new(),
        sort_order: 0,
        active: true,
    };
    let gov = syndication::put_target(&mut tx, &actor(), None, &target("gov", "市政府网站", 5))
        .await
        .unwrap();
    let ms = syndication::put_target(&mut tx, &actor(), None, &target("ms", "民生网站", 0))
        .await
        .unwrap();
    let mut bad = target("x", "网址错", 1);
    bad.url = "ftp://x".into();
    assert!(matches!(
        syndication::put_target(&mut tx, &actor(), None, &bad).await,
        Err(StoreError::Invalid(_))
    ));
    let renamed = syndication::put_target(
        &mut tx,
        &actor(),
        Some(ms.id),
        &target("ms", "长春市民生网站", 0),
    )
    .await
    .unwrap();
    assert_eq!(renamed.id, ms.id);
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        syndication::put_target(&mut tx, &actor(), None, &target("gov", "重复", 1)).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);

    let a = published(db, s.city, "市残联开展助残日活动").await;
    let b = published(db, s.city, "市残联召开全市残疾人工作会议").await;
    let draft = approved(db, s.city, "未发布的信息").await;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();

    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        syndication::submit(&mut tx, &actor(), gov.id, d("2019-05-20"), &[draft.id], "").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        syndication::submit(&mut tx, &actor(), gov.id, d("2019-05-20"), &[], "").await,
        Err(StoreError::Invalid(_))
    ));
    let s1 = syndication::submit(
        &mut tx,
        &actor(),
        gov.id,
        d("2019-05-20"),
        &[a.id, b.id, a.id],
        "两条",
    )
    .await
    .unwrap();
    let s2 = syndication::submit(&mut tx, &actor(), ms.id, d("2019-05-21"), &[a.id], "")
        .await
        .unwrap();
    let s3 = syndication::submit(&mut tx, &actor(), ms.id, d("2019-05-22"), &[b.id], "")
        .await
        .unwrap();
    let adopted =
        syndication::set_status(&mut tx, &actor(), s1.id, Status::Adopted, d("2019-05-25"))
            .await
            .unwrap();
    assert_eq!(adopted.score, 10, "5 points × 2 items");
    assert!(matches!(
        syndication::set_status(&mut tx, &actor(), s2.id, Status::Adopted, d("2019-05-01")).await,
        Err(StoreError::Invalid(_))
    ));
    syndication::set_status(
        &mut tx,
        &actor(),
        s2.id,
        Status::NotAdopted,
        d("2019-05-25"),
    )
    .await
    .unwrap();
    syndication::set_status(&mut tx, &actor(), s3.id, Status::Withdrawn, d("2019-05-25"))
        .await
        .unwrap();
    assert!(matches!(
        syndication::set_status(&mut tx, &actor(), s3.id, Status::Adopted, d("2019-05-26")).await,
        Err(StoreError::Conflict(_))
    ));
    tx.commit().await.unwrap();
    // Status machine, exhaustively.
    for from in Status::ALL {
        for to in Status::ALL {
            let expected = matches!(
                (from, to),
                (
                    Status::Submitted,
                    Status::Adopted | Status::NotAdopted | Status::Withdrawn
                ) | (Status::Adopted, Status::NotAdopted)
                    | (Status::NotAdopted, Status::Adopted)
            );
            assert_eq!(from.may_become(to), expected, "{from:?} → {to:?}");
        }
    }

    let totals = syndication::totals(db, d("2019-01-01"), d("2019-12-31"))
        .await
        .unwrap();
    let row = |id| totals.iter().find(|t| t.target_id == id).unwrap();
    assert_eq!(
        (
            row(gov.id).submitted,
            row(gov.id).adopted,
            row(gov.id).score
        ),
        (2, 2, 10)
    );
    assert_eq!(row(gov.id).adoption_label(), "100.0%");
    assert_eq!(
        (row(ms.id).submitted, row(ms.id).adopted, row(ms.id).score),
        (1, 0, 0),
        "the withdrawn submission counts nowhere"
    );
    assert_eq!(syndication::year_totals(db, 2019).await.unwrap(), totals);
    assert!(
        syndication::year_totals(db, 2018)
            .await
            .unwrap()
            .iter()
            .all(|t| t.submitted == 0)
    );

    // The package: metadata valid against the documented schema; HTML; the review form.
    let dir = tempfile::tempdir().unwrap();
    let render =
        |title: &str, _form: &serde_json::Value| Some(format!("%PDF-fake {title}").into_bytes());
    let bytes = syndication::package(db, dir.path(), s1.id, Some(&render))
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut meta = String::new();
    zip.by_name("metadata.json")
        .unwrap()
        .read_to_string(&mut meta)
        .unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    validate_with_python(&meta);
    assert_eq!(meta["submission"]["target"]["name"], "市政府网站");
    assert_eq!(meta["items"].as_array().unwrap().len(), 2);
    let first = &meta["items"][0];
    let html_path = first["html"].as_str().unwrap().to_string();
    let mut html = String::new();
    zip.by_name(&html_path)
        .unwrap()
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains(first["title"].as_str().unwrap()));
    let pdf_path = first["review_form"]["pdf"].as_str().unwrap().to_string();
    let mut pdf = Vec::new();
    zip.by_name(&pdf_path)
        .unwrap()
        .read_to_end(&mut pdf)
        .unwrap();
    assert!(String::from_utf8_lossy(&pdf).contains(first["title"].as_str().unwrap()));
    let form_path = first["review_form"]["json"].as_str().unwrap().to_string();
    assert!(zip.by_name(&form_path).is_ok());
    // A broken instance is rejected by the same validator (the check has teeth).
    let mut broken = meta.clone();
    broken["submission"]["status"] = serde_json::json!("lost");
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("s.json"), syndication::PACKAGE_SCHEMA).unwrap();
    std::fs::write(
        dir2.path().join("i.json"),
        serde_json::to_vec(&broken).unwrap(),
    )
    .unwrap();
    if let Ok(o) = std::process::Command::new(venv_python())
        .args([
            "-c",
            "import json,sys,jsonschema\njsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
        ])
        .arg(dir2.path().join("s.json"))
        .arg(dir2.path().join("i.json"))
        .output()
        && (!String::from_utf8_lossy(&o.stderr).contains("No module named")
            || std::env::var("CI").is_ok_and(|v| v == "true"))
    {
        assert!(!o.status.success(), "an invalid status must not validate");
    }

    // The feed of a target lists its public items only.
    let feed = syndication::feed_items(db, &gongkai_store::sites::Scope::All, gov.id, 50)
        .await
        .unwrap();
    let ids: Vec<i64> = feed.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&a.id) && ids.contains(&b.id));
    let mut tx = db.begin().await.unwrap();
    publish::withdraw(
        &mut tx,
        &actor(),
        a.id,
        caps(Role::DisclosureOffice),
        "撤回测试",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let feed = syndication::feed_items(db, &gongkai_store::sites::Scope::All, gov.id, 50)
        .await
        .unwrap();
    assert_eq!(feed.iter().map(|e| e.id).collect::<Vec<_>>(), vec![b.id]);
});

both_backends!(interpretations_link_both_ways_public_only, |db| {
    let s = setup(db).await;
    let doc = published(db, s.city, "关于调整残疾人两项补贴标准的通知").await;
    let hidden = approved(db, s.city, "尚未公开的文件").await;
    let episode = published(db, s.city, "《与爱同行》第1期：两项补贴政策问答").await;
    let today = deadlines::today();
    let mut tx = db.begin().await.unwrap();
    let mut input = interpretations::Input {
        kind: InterpKind::Programme,
        programme: String::new(),
        episode_no: None,
        air_date: None,
        documents: vec![],
    };
    let errors = interpretations::validate(&input);
    let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        fields,
        vec!["programme", "episode_no", "air_date", "documents"]
    );
    input.programme = "与爱同行".into();
    input.episode_no = Some(1);
    input.air_date = Some(today);
    input.documents = vec![episode.id];
    assert!(
        matches!(
            interpretations::put(&mut tx, &actor(), episode.id, &input).await,
            Err(StoreError::Invalid(_))
        ),
        "an interpretation cannot explain itself"
    );
    input.documents = vec![doc.id, hidden.id];
    interpretations::put(&mut tx, &actor(), episode.id, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let docs = interpretations::documents_of(db, episode.id).await.unwrap();
    assert_eq!(
        docs.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![doc.id],
        "only public documents"
    );
    let back = interpretations::interpretations_of(db, doc.id)
        .await
        .unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].id, episode.id);
    assert_eq!(back[0].kind_label(), "音视频节目");
    let counts = interpretations::counts(db, today, today).await.unwrap();
    assert_eq!(
        counts.iter().map(|c| (c.kind, c.count)).collect::<Vec<_>>(),
        vec![
            (InterpKind::Text, 0),
            (InterpKind::Illustrated, 0),
            (InterpKind::Programme, 1),
            (InterpKind::HotTopic, 0)
        ]
    );
    assert_eq!(
        interpretations::episodes(db, "与爱同行", today, today)
            .await
            .unwrap(),
        1
    );
    // A hot-topic response needs no document.
    let hot = published(db, s.city, "关于残疾人证办理时限的回应").await;
    let mut tx = db.begin().await.unwrap();
    interpretations::put(
        &mut tx,
        &actor(),
        hot.id,
        &interpretations::Input {
            kind: InterpKind::HotTopic,
            programme: "忽略".into(),
            episode_no: Some(3),
            air_date: None,
            documents: vec![],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let row = interpretations::get(db, hot.id).await.unwrap().unwrap();
    assert_eq!((row.programme.as_str(), row.episode_no), ("", None));
});

both_backends!(demo_2019_equals_the_seed, |db| {
    demo::load_full_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let h1 = grassroots::published_by_level(db, d("2019-01-01"), d("2019-06-30"))
        .await
        .unwrap();
    assert_eq!((h1.own_level, h1.grassroots), (143, 1128));
    let year = grassroots::published_by_level(db, d("2019-01-01"), d("2019-12-31"))
        .await
        .unwrap();
    assert_eq!(year.total(), 1482);
    let totals = syndication::year_totals(db, 2019).await.unwrap();
    let t = |name: &str| {
        let r = totals.iter().find(|t| t.name == name).unwrap();
        (r.submitted, r.adopted, r.score)
    };
    assert_eq!(t("中国残联网站").1, 1164);
    assert_eq!(t("省残联网站").1, 1198);
    assert_eq!(t("长春市政府网站"), (591, 171, 855));
    assert_eq!((t("长春市民生网站").0, t("长春市民生网站").1), (1069, 163));
    let ch = channels::year_totals(db, 2019).await.unwrap();
    assert_eq!(ch.wechat, 204);
    let names: Vec<&str> = ch
        .channels
        .iter()
        .filter(|c| c.kind == "wechat")
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, vec!["春风惠残", "春阳暖政", "春草关注"]);
    assert_eq!(
        interpretations::episodes(db, "与爱同行", d("2019-01-01"), d("2019-12-31"))
            .await
            .unwrap(),
        26
    );
    // The ranking has every county federation, and the audit chain is intact.
    let body = orgs::list(db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.parent_id.is_none())
        .unwrap();
    let ranking = grassroots::stats(db, &[body.id], d("2019-01-01"), d("2019-06-30"))
        .await
        .unwrap();
    assert_eq!(ranking.len(), 16);
    assert_eq!(ranking.iter().map(|u| u.published).sum::<i64>(), 1128);
    assert!(ranking.iter().any(|u| u.returned > 0));
    assert!(
        gongkai_store::audit::verify(db)
            .await
            .unwrap()
            .first_broken
            .is_none()
    );
});
