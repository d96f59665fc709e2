//! The demo's information items (issue #4), on SQLite and PostgreSQL: the counts per state,
//! 公开目录 category and year as designed (written out here by hand, independently of the
//! loader's table), the planted resident ID stopping publication at the scanner gate, withdrawn
//! and scheduled items kept out of the catalog, overdue drafts on the Art. 26 clock, back-dated
//! 索引号 in the year of publication, and an intact audit chain after loading.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::collections::BTreeMap;

use gongkai_core::items::{Capabilities, Check, ReviewChecks, State, Validity};
use gongkai_store::audit::{self, Actor};
use gongkai_store::items::catalog::{self, CatalogFilter, PublicView, WorkQueue};
use gongkai_store::items::review::{self, ConfidentialityForm};
use gongkai_store::items::{self, findings, publish};
use gongkai_store::{Db, StoreError, both_backends, deadlines, demo, orgs};

async fn load(db: &Db) -> i64 {
    demo::load_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .expect("demo loads into an empty database");
    orgs::list(db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.parent_id.is_none())
        .unwrap()
        .id
}

/// The city's site: the demo's own body (its second site, 公主岭市残联, has items of its own,
/// issue #14).
async fn city(db: &Db) -> gongkai_store::sites::Scope {
    let body = orgs::by_code(db, "ccdpf").await.unwrap().unwrap().id;
    gongkai_store::sites::scope_of_root(db, body).await.unwrap()
}

async fn all_public(db: &Db) -> Vec<catalog::CatalogEntry> {
    let page = catalog::catalog(
        db,
        &city(db).await,
        &CatalogFilter {
            per_page: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(page.total <= 100);
    page.entries
}

async fn queue(db: &Db, body: i64, q: WorkQueue) -> Vec<catalog::WorkEntry> {
    catalog::work_list(db, &[body], q, 1000).await.unwrap()
}

both_backends!(counts_per_state_category_and_year, |db| {
    let body = load(db).await;
    let expected_states = [
        (WorkQueue::Published, 30), // 27 current + 3 失效
        (WorkQueue::Withdrawn, 2),
        (WorkQueue::Scheduled, 1),
        (WorkQueue::ToPublish, 1),
        (WorkQueue::ToApprove, 1),
        (WorkQueue::ToConfidentialityReview, 1),
        (WorkQueue::ToReview, 1),
        (WorkQueue::ToDraft, 4), // 3 overdue + the planted-ID draft
        (WorkQueue::Withheld, 0),
    ];
    for (q, n) in expected_states {
        assert_eq!(queue(db, body, q).await.len(), n, "{q:?}");
    }

    let public = all_public(db).await;
    assert_eq!(public.len(), 30);
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &public {
        *per_category.entry(e.catalog_code.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("art20-01", 2), // 规范性文件
        ("art20-02", 2), // 机构职能
        ("art20-03", 2), // 规划
        ("art20-04", 3), // 统计信息
        ("art20-05", 2), // 办事依据、条件、程序
        ("art20-07", 4), // 预算、决算
        ("art20-08", 2), // 行政事业性收费
        ("art20-09", 2), // 政府集中采购
        ("art20-11", 7), // 社会保障、促进就业
        ("art20-15", 1),
        ("art21-01", 2), // 市政建设（无障碍）
        ("art21-02", 1), // 公共服务
    ]
    .into_iter()
    .collect();
    assert_eq!(per_category, expected);

    for (year, n) in [(2018, 13), (2019, 17), (2020, 0)] {
        let page = catalog::catalog(
            db,
            &city(db).await,
            &CatalogFilter {
                year: Some(year),
                per_page: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(page.total, n, "{year}");
    }
    let expired: Vec<_> = public
        .iter()
        .filter(|e| e.validity == Validity::Expired.code())
        .collect();
    assert_eq!(expired.len(), 3);

    // Organisations: 本级, 部室, 直属单位 and counties all publish.
    let all_orgs = orgs::list(db).await.unwrap();
    let mut kinds: Vec<&str> = public
        .iter()
        .map(|e| {
            all_orgs
                .iter()
                .find(|o| o.id == e.org_id)
                .unwrap()
                .kind
                .as_str()
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, ["affiliated", "body", "county", "department"]);
});

both_backends!(
    published_items_are_backdated_with_matching_index_numbers,
    |db| {
        let body = load(db).await;
        let published = queue(db, body, WorkQueue::Published).await;
        let mut seen = std::collections::BTreeSet::new();
        for w in &published {
            let item = items::get(db, w.id).await.unwrap().unwrap();
            let on = item.published_on.clone().unwrap();
            assert!(on.starts_with("2018-") || on.starts_with("2019-"), "{on}");
            let index_no = item.index_no.clone().unwrap();
            // Default template {org_code}/{YYYY}-{serial:05}: the year is the publication year.
            assert!(
                index_no.contains(&format!("/{}-", &on[..4])),
                "{index_no} {on}"
            );
            assert!(seen.insert(index_no));
            assert!(!item.published_late, "{}", w.title);
            assert!(item.formed_on < on);
            // The full chain is on record for the published revision.
            let rev = item.published_revision_id.unwrap();
            assert!(
                review::reviews(db, w.id)
                    .await
                    .unwrap()
                    .iter()
                    .any(|r| r.revision_id == rev && r.passed)
            );
            assert!(
                review::confidentiality_reviews(db, w.id)
                    .await
                    .unwrap()
                    .iter()
                    .any(|r| r.revision_id == rev && r.conclusion == "publish")
            );
            assert_eq!(review::approvals(db, w.id).await.unwrap().len(), 1);
            let body_html = items::revision(db, rev).await.unwrap().unwrap().body_html;
            assert!(body_html.contains("<h2>") && body_html.contains("<li>"));
            assert!(body_html.contains("演示数据"));
            assert_eq!(
                gongkai_core::richtext::sanitize(&body_html).html,
                body_html,
                "stored bodies are sanitised"
            );
        }
        // 失效 items name their replacement, which is itself a current public item.
        let public = all_public(db).await;
        for e in public
            .iter()
            .filter(|e| e.validity == Validity::Expired.code())
        {
            let item = items::get(db, e.id).await.unwrap().unwrap();
            assert!(item.validity_on.is_some());
            assert!(
                public.iter().any(|p| p.title == item.validity_replaced_by
                    && p.validity == Validity::Valid.code()),
                "{}",
                item.validity_replaced_by
            );
        }
        // The 康复部 items were drafted and reviewed by the 康复部 demo accounts, published by the
        // office; 南关区 items by the county office.
        let kfb = orgs::list(db)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.code == "ccdpf-kfb")
            .unwrap();
        let kfb_item = public.iter().find(|e| e.org_id == kfb.id).unwrap();
        let actors: Vec<(String, String)> = items::timeline(db, kfb_item.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.actor))
            .collect();
        for (action, who) in [
            ("create", "demo-drafter"),
            ("submit", "demo-drafter"),
            ("review", "demo-head"),
            ("confidentiality_clear", "demo-secrecy"),
            ("approve", "demo-leader"),
            ("publish", "demo-office"),
        ] {
            assert!(
                actors.contains(&(action.to_string(), who.to_string())),
                "{action} by {who}: {actors:?}"
            );
        }
    }
);

both_backends!(withdrawn_and_scheduled_items_are_not_public, |db| {
    let body = load(db).await;
    let public = all_public(db).await;
    let withdrawn = queue(db, body, WorkQueue::Withdrawn).await;
    for w in &withdrawn {
        assert!(public.iter().all(|e| e.id != w.id));
        match catalog::public_view(db, &gongkai_store::sites::Scope::All, w.id)
            .await
            .unwrap()
        {
            PublicView::Withdrawn { reason, .. } => assert!(!reason.is_empty()),
            other => panic!("withdrawn item shows {other:?}"),
        }
    }
    let scheduled = queue(db, body, WorkQueue::Scheduled).await;
    for s in &scheduled {
        assert!(public.iter().all(|e| e.id != s.id));
        assert!(
            catalog::get_published(db, &gongkai_store::sites::Scope::All, s.id)
                .await
                .unwrap()
                .is_none()
        );
        let item = items::get(db, s.id).await.unwrap().unwrap();
        assert!(item.scheduled_at.unwrap() > gongkai_store::now_ms());
        assert!(item.index_no.is_none());
    }
    // Nothing in progress is public either.
    for q in [
        WorkQueue::ToDraft,
        WorkQueue::ToReview,
        WorkQueue::ToConfidentialityReview,
        WorkQueue::ToApprove,
        WorkQueue::ToPublish,
    ] {
        for w in queue(db, body, q).await {
            assert_eq!(
                catalog::public_view(db, &gongkai_store::sites::Scope::All, w.id)
                    .await
                    .unwrap(),
                PublicView::NotFound
            );
        }
    }
});

both_backends!(overdue_drafts_feed_the_art26_dashboard, |db| {
    let body = load(db).await;
    let today = deadlines::today().to_string();
    let mut overdue = 0;
    for w in queue(db, body, WorkQueue::ToDraft).await {
        let d = deadlines::get(db, "item", w.id, "publication")
            .await
            .unwrap()
            .unwrap();
        assert!(d.is_open());
        if d.due_date < today {
            overdue += 1;
        }
    }
    // Every draft was formed 45–80 days ago: more than 20 working days.
    assert_eq!(overdue, 4);
    // Items in review are on a running clock, not overdue.
    for q in [
        WorkQueue::ToReview,
        WorkQueue::ToConfidentialityReview,
        WorkQueue::ToApprove,
        WorkQueue::ToPublish,
    ] {
        for w in queue(db, body, q).await {
            let d = deadlines::get(db, "item", w.id, "publication")
                .await
                .unwrap()
                .unwrap();
            assert!(d.is_open() && d.due_date >= today, "{}", w.title);
        }
    }
    // Published items have their clock closed.
    for w in queue(db, body, WorkQueue::Published).await {
        let d = deadlines::get(db, "item", w.id, "publication")
            .await
            .unwrap()
            .unwrap();
        assert!(!d.is_open());
    }
});

both_backends!(the_planted_resident_id_stops_publication, |db| {
    let body = load(db).await;
    let id_number = demo::planted_resident_id();
    // An independent MOD 11-2 check (GB 11643, REG §6.1).
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = id_number
        .chars()
        .take(17)
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    assert_eq!(
        id_number.chars().nth(17),
        "10X98765432".chars().nth((sum % 11) as usize)
    );

    let drafts = queue(db, body, WorkQueue::ToDraft).await;
    let planted: Vec<_> = drafts
        .iter()
        .filter(|w| w.title.contains("补贴对象名单"))
        .collect();
    assert_eq!(planted.len(), 1);
    let id = planted[0].id;
    let item = items::get(db, id).await.unwrap().unwrap();
    let rev = items::current_revision(db, &item).await.unwrap();
    assert!(rev.body_html.contains(&id_number));
    let found = findings::list(db, rev.id).await.unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.kind == "resident_id" && f.found_text == id_number && f.is_open_blocking())
    );

    // Even with every review passed and approved, the gate refuses publication.
    let a = Actor::system();
    let all = Capabilities::ALL;
    let mut tx = db.begin().await.unwrap();
    items::submit(&mut tx, &a, id, all).await.unwrap();
    let ok = |c: &str| Check {
        passed: true,
        comment: c.into(),
    };
    review::review(
        &mut tx,
        &a,
        id,
        all,
        &ReviewChecks {
            legal: ok(""),
            policy: ok(""),
            wording: ok(""),
            secrecy: ok(""),
        },
    )
    .await
    .unwrap();
    let form: ConfidentialityForm = serde_json::from_value(serde_json::json!({
        "form_date": "2019-11-01", "originating_unit": "康复部", "info_title": "",
        "is_document": true, "reference_no": "", "channels": ["政府网站"], "planned_on": null,
        "disclosure": "proactive", "withhold_ground": "", "state_secret": false,
        "work_secret": false, "commercial_secret": false, "personal_privacy": false,
        "secrets_note": "", "drafter_opinion": "", "drafter_name": "", "drafter_on": null,
        "head_opinion": "", "head_name": "", "head_on": null, "conclusion": "publish",
        "basis": "测试", "reviewer_name": "", "reviewed_on": "2019-11-01", "remarks": "",
        "rereview_due": null
    }))
    .unwrap();
    review::confidentiality_review(&mut tx, &a, id, all, &form)
        .await
        .unwrap();
    review::approve(&mut tx, &a, id, all, "同意").await.unwrap();
    let err = publish::publish(&mut tx, &a, id, all).await.unwrap_err();
    match err {
        StoreError::Conflict(msg) => assert!(msg.contains("扫描发现"), "{msg}"),
        other => panic!("unexpected {other:?}"),
    }
    drop(tx); // rolls back
    let item = items::get(db, id).await.unwrap().unwrap();
    assert_eq!(item.state, State::Draft.code());
    assert!(item.published_at.is_none());
});

both_backends!(
    the_audit_chain_verifies_and_a_second_load_changes_nothing,
    |db| {
        load(db).await;
        let v = audit::verify(db).await.unwrap();
        assert!(v.first_broken.is_none(), "{:?}", v.first_broken);
        // Each published item alone leaves at least create, submit, review, 保密审查, approve and
        // publish records.
        assert!(v.checked >= 30 * 6);
        assert!(
            demo::load_if_empty(db, &gongkai_core::vault::Vault::for_tests())
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(audit::verify(db).await.unwrap().checked, v.checked);
        assert_eq!(all_public(db).await.len(), 30);
    }
);
