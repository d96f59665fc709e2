//! The statistics dashboard's figures (issue #9), on SQLite and PostgreSQL: on the demo data plus
//! one open, overdue application, every figure of `statistics::dashboard` — publication by month,
//! organisation and channel, syndication adoption, outcomes, timeliness, mailbox reply-time
//! bands — equals an independent count made here in Rust over the raw rows, for the whole tree
//! and for one organisation's subtree (scope in SQL: nothing outside the subtree is counted).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::collections::BTreeMap;

use chrono::NaiveDate;
use gongkai_core::org::OrgTree;
use gongkai_core::vault::Vault;
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::audit::Actor;
use gongkai_store::statistics::{self, Dashboard, REPLY_BANDS};
use gongkai_store::{Db, both_backends, demo, on_db, orgs};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Demo data, plus an in-person application of 2025 at `org` whose reply deadline has passed
/// unanswered by "today" (2025-12-31).
async fn load(db: &Db) -> (i64, OrgTree) {
    demo::load_if_empty(db, &Vault::for_tests())
        .await
        .unwrap()
        .expect("demo loads into an empty database");
    let root = orgs::root(db).await.unwrap().unwrap().id;
    let n = NewApplication {
        org_id: root,
        channel: "in_person".into(),
        applicant_type: "natural_person".into(),
        applicant_name: "张三".into(),
        id_kind: "resident_id".into(),
        id_number: "11010519491231002X".into(),
        email: "zhang@example.com".into(),
        info_form: "electronic".into(),
        delivery: "email".into(),
        items: vec![NewItem {
            description: "2025年残疾人康复补贴发放情况".into(),
            ..Default::default()
        }],
        arrived_on: Some(d("2025-06-03")),
        ..Default::default()
    };
    let mut tx = db.begin().await.unwrap();
    applications::create(
        &mut tx,
        &Actor::system(),
        &Vault::for_tests(),
        &n,
        d("2025-06-03"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (root, orgs::tree(db).await.unwrap())
}

type ItemRow = (i64, i64, Option<String>);

/// The independent count: raw rows, filtered and grouped in Rust.
async fn expected(db: &Db, tree: &OrgTree, scope: i64, year: i32, today: &str) -> Dashboard {
    let y = format!("{year:04}");
    let in_year = |d: &Option<String>| d.as_deref().is_some_and(|d| d.starts_with(&y));
    let within = |org: i64| tree.is_within(org, scope);
    let items: Vec<ItemRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, org_id, published_on FROM items"
    )
    .fetch_all(p)
    .await
    .unwrap());
    let item_org: BTreeMap<i64, i64> = items.iter().map(|(id, o, _)| (*id, *o)).collect();
    let mut by_month = vec![0i64; 12];
    let mut per_org: BTreeMap<i64, i64> = BTreeMap::new();
    for (_, org, on) in &items {
        if within(*org) && in_year(on) {
            let m: usize = on.as_deref().unwrap()[5..7].parse().unwrap();
            by_month[m - 1] += 1;
            *per_org.entry(*org).or_default() += 1;
        }
    }
    // Channels.
    let placements: Vec<(i64, i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT item_id, channel_id, published_on FROM item_channels"
    )
    .fetch_all(p)
    .await
    .unwrap());
    let mut per_channel: BTreeMap<i64, i64> = BTreeMap::new();
    for (item, ch, on) in &placements {
        if on.starts_with(&y) && within(item_org[item]) {
            *per_channel.entry(*ch).or_default() += 1;
        }
    }
    // Syndication: items of the scope in submissions of the year, adopted ones separately.
    let syn: Vec<(i64, i64, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.target_id, si.item_id, s.status, s.submitted_on FROM syndication_items si \
         JOIN syndication_submissions s ON s.id = si.submission_id"
    )
    .fetch_all(p)
    .await
    .unwrap());
    let mut per_target: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (t, item, status, on) in &syn {
        if on.starts_with(&y) && within(item_org[item]) && status != "withdrawn" {
            let e = per_target.entry(*t).or_default();
            e.0 += 1;
            if status == "adopted" {
                e.1 += 1;
            }
        }
    }
    // Applications.
    let apps: Vec<(i64, i64, Option<String>, Option<String>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, org_id, received_on, replied_on FROM applications"
    )
    .fetch_all(p)
    .await
    .unwrap());
    let app_org: BTreeMap<i64, i64> = apps.iter().map(|a| (a.0, a.1)).collect();
    let reply: BTreeMap<i64, (String, String)> =
        on_db!(db, |p| sqlx::query_as::<_, (i64, String, String)>(
            "SELECT object_id, due_date, status FROM deadlines \
         WHERE object_type = 'application' AND kind = 'reply'"
        )
        .fetch_all(p)
        .await
        .unwrap())
        .into_iter()
        .map(|(id, due, st)| (id, (due, st)))
        .collect();
    let mut t = statistics::Timeliness::default();
    for (id, org, received, replied) in &apps {
        if !within(*org) || !in_year(received) {
            continue;
        }
        t.received += 1;
        let dl = reply.get(id);
        match (replied, dl) {
            (Some(r), Some((due, _))) if r > due => t.late += 1,
            (Some(_), _) => t.on_time += 1,
            (None, Some((due, st))) if st == "open" && due.as_str() < today => t.open_overdue += 1,
            (None, _) => t.other += 1,
        }
    }
    let items_decided: Vec<(i64, Option<String>, Option<String>)> = on_db!(db, |p| {
        sqlx::query_as("SELECT application_id, outcome, decided_on FROM application_items")
            .fetch_all(p)
            .await
            .unwrap()
    });
    let mut per_outcome: BTreeMap<String, i64> = BTreeMap::new();
    for (app, outcome, on) in &items_decided {
        if let Some(o) = outcome
            && in_year(on)
            && within(app_org[app])
        {
            *per_outcome.entry(o.clone()).or_default() += 1;
        }
    }
    // Mailbox reply-time bands.
    let msgs: Vec<(i64, String, Option<i64>, Option<i64>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT org_id, received_on, replied_at, reply_days FROM mailbox_messages"
    )
    .fetch_all(p)
    .await
    .unwrap());
    let mut bands = [0i64; 5];
    for (org, received, replied, days) in &msgs {
        if within(*org)
            && received.starts_with(&y)
            && replied.is_some()
            && let Some(days) = days
        {
            let i = REPLY_BANDS
                .iter()
                .position(|(_, _, max)| max.is_none_or(|m| *days <= m))
                .unwrap();
            bands[i] += 1;
        }
    }
    let got = statistics::dashboard(db, &[scope], year, d(today))
        .await
        .unwrap();
    Dashboard {
        year,
        by_month,
        by_org: {
            let mut v: Vec<_> = got
                .by_org
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c.count = per_org
                        .get(&c.key.parse::<i64>().unwrap())
                        .copied()
                        .unwrap_or(-1);
                    c
                })
                .collect();
            assert_eq!(
                v.len(),
                per_org.len(),
                "organisations that published in {year}"
            );
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
            v
        },
        by_channel: got
            .by_channel
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.count = per_channel.get(&c.channel_id).copied().unwrap_or(0);
                c
            })
            .collect(),
        syndication: got
            .syndication
            .iter()
            .map(|s| {
                let mut s = s.clone();
                let (a, b) = per_target.get(&s.target_id).copied().unwrap_or_default();
                s.submitted = a;
                s.adopted = b;
                s
            })
            .collect(),
        outcomes: {
            assert_eq!(got.outcomes.len(), per_outcome.len(), "outcomes of {year}");
            got.outcomes
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c.count = per_outcome[&c.key];
                    c
                })
                .collect()
        },
        timeliness: t,
        mailbox: got.mailbox.clone(),
        reply_times: got
            .reply_times
            .iter()
            .zip(bands)
            .map(|(c, n)| {
                let mut c = c.clone();
                c.count = n;
                c
            })
            .collect(),
    }
}

both_backends!(dashboard_figures_equal_independent_counts, |db| {
    let (root, tree) = load(db).await;
    let today = "2025-12-31";
    for year in [2019, 2025] {
        let got = statistics::dashboard(db, &[root], year, d(today))
            .await
            .unwrap();
        let want = expected(db, &tree, root, year, today).await;
        // The syndication score is not counted independently: compare the rest.
        let strip = |mut x: Dashboard| {
            for s in &mut x.syndication {
                s.score = 0;
            }
            x
        };
        assert_eq!(strip(got.clone()), strip(want), "whole tree, {year}");
        if year == 2019 {
            assert!(got.published() > 0, "the demo published in 2019");
        }
        if year == 2019 {
            assert_eq!(got.timeliness.received, 3);
            assert_eq!(got.timeliness.on_time, 3, "答复率100%, all on time");
        } else {
            assert_eq!(got.timeliness.open_overdue, 1, "the unanswered application");
            assert!(got.outcomes.len() >= 15, "{:?}", got.outcomes);
        }
    }
    // One organisation's subtree: the non-root organisation that published most in 2019.
    let whole = statistics::dashboard(db, &[root], 2019, d(today))
        .await
        .unwrap();
    let sub: i64 = whole
        .by_org
        .iter()
        .map(|c| c.key.parse::<i64>().unwrap())
        .find(|id| *id != root)
        .expect("a department or unit published in 2019");
    for year in [2019, 2025] {
        let got = statistics::dashboard(db, &[sub], year, d(today))
            .await
            .unwrap();
        let want = expected(db, &tree, sub, year, today).await;
        let strip = |mut x: Dashboard| {
            for s in &mut x.syndication {
                s.score = 0;
            }
            x
        };
        assert_eq!(strip(got.clone()), strip(want), "subtree {sub}, {year}");
        assert!(got.by_org.iter().all(|c| c.key != root.to_string()));
    }
    let part = statistics::dashboard(db, &[sub], 2019, d(today))
        .await
        .unwrap();
    assert!(part.published() < whole.published());
    // No scope, nothing counted.
    let none = statistics::dashboard(db, &[], 2019, d(today))
        .await
        .unwrap();
    assert_eq!(none.published(), 0);
    assert_eq!(none.timeliness.received, 0);
    assert!(none.by_channel.iter().all(|c| c.count == 0));
});
