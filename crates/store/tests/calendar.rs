//! The calendar in the database and the deadlines register (issue #3): every test runs on
//! SQLite and on PostgreSQL. Expected values come from core's pure calendar
//! (`Calendar::official()`, `with_year`, `with_overrides`), which is itself checked against
//! chinesecalendar and chinese-days by the oracle tests; here we check that the store feeds it
//! the right data and keeps deadlines in step.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use gongkai_core::calendar::{Calendar, Clock, DayKind, DayOverride, Period, YearData};
use gongkai_store::audit::{self, Actor};
use gongkai_store::calendar::{self, OverrideInput};
use gongkai_store::deadlines::{self, DeadlineInput, OpenFilter, Window};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::{Db, StoreError, both_backends, jobs, on_db};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn admin() -> Actor {
    Actor::user(1, "admin", "127.0.0.1")
}

fn org(code: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: if parent.is_none() { "body" } else { "county" }.into(),
        code: code.into(),
        full_name: format!("{code} 全称"),
        short_name: code.into(),
        ..Default::default()
    }
}

/// root ─┬─ region ── county
///       └─ sibling
struct Orgs {
    root: i64,
    region: i64,
    county: i64,
    sibling: i64,
}

async fn make_orgs(db: &Db) -> Orgs {
    let mut tx = db.begin().await.unwrap();
    let a = Actor::system();
    let root = orgs::create(&mut tx, &a, &org("root", None))
        .await
        .unwrap()
        .id;
    let region = orgs::create(&mut tx, &a, &org("region", Some(root)))
        .await
        .unwrap()
        .id;
    let county = orgs::create(&mut tx, &a, &org("county", Some(region)))
        .await
        .unwrap()
        .id;
    let sibling = orgs::create(&mut tx, &a, &org("sibling", Some(root)))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    Orgs {
        root,
        region,
        county,
        sibling,
    }
}

async fn audit_count(db: &Db, action: &str) -> usize {
    audit::list(
        db,
        &audit::Filter {
            action: Some(action.into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len()
}

async fn all_audit(db: &Db) -> usize {
    audit::list(
        db,
        &audit::Filter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len()
}

async fn queued_recompute_jobs(db: &Db) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'queued'"
    )
    .bind(deadlines::RECOMPUTE_JOB)
    .fetch_one(p)
    .await
    .unwrap())
}

async fn override_day(db: &Db, input: OverrideInput) -> Result<calendar::CalendarDay, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = calendar::override_day(&mut tx, &admin(), &input).await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

fn national(date: &str, is_workday: bool, name: &str) -> OverrideInput {
    OverrideInput {
        date: d(date),
        is_workday,
        name: name.into(),
        ..Default::default()
    }
}

/// The listed days of the official data, as core classifies them: date → (off?, name).
fn official_listings() -> BTreeMap<NaiveDate, (bool, String)> {
    Calendar::official()
        .days(d("2006-12-01"), d("2026-12-31"))
        .unwrap()
        .into_iter()
        .filter_map(|info| match &info.kind {
            DayKind::Holiday { name } => Some((info.date, (true, name.to_string()))),
            DayKind::AdjustedWorkday { name } => Some((info.date, (false, name.to_string()))),
            _ => None,
        })
        .collect()
}

/// The national official rows of the mirror, as date → (off?, name).
async fn mirror(db: &Db) -> BTreeMap<NaiveDate, (bool, String)> {
    calendar::entries(db, d("1950-01-01"), d("2199-12-31"))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.source == calendar::SOURCE_OFFICIAL)
        .map(|r| (r.date().unwrap(), (!r.is_workday(), r.name)))
        .collect()
}

const YEAR_2027: &str = r#"
# Test fixture (not the real 2027 notice).
year = 2027

[[notices]]
title = "国务院办公厅关于2027年部分节假日安排的通知（测试数据）"
document_number = "国办发明电〔2026〕99号"
urls = ["https://www.gov.cn/example/2027.htm"]

[[holidays]]
name = "元旦"
off = ["2027-01-01", "2027-01-02", "2027-01-03"]
work = []
"#;

both_backends!(seeding_is_idempotent_and_never_clobbers_overrides, |db| {
    let v0 = calendar::version(db).await.unwrap();
    let first = calendar::seed_official(db).await.unwrap();
    assert!(first.changed());
    assert_eq!(first.years_inserted, (2007..=2026).collect::<Vec<_>>());
    assert!(first.problems.is_empty(), "{:?}", first.problems);
    assert_eq!(calendar::version(db).await.unwrap(), v0 + 1);
    assert_eq!(audit_count(db, "calendar.seed").await, 1);
    assert_eq!(queued_recompute_jobs(db).await, 1);
    // The mirror is exactly core's listing of the compiled data.
    let expected = official_listings();
    assert_eq!(mirror(db).await, expected);
    assert_eq!(first.days.inserted, expected.len() as u64);
    let years = calendar::years(db).await.unwrap();
    assert_eq!(years.len(), 20);
    for y in &years {
        assert_eq!(y.source, calendar::SOURCE_OFFICIAL);
        let official = Calendar::official().year(y.year as i32).unwrap();
        assert_eq!(&y.data().unwrap(), official);
        assert_eq!(y.notice_title, official.notices[0].title);
    }

    // Second run: nothing to do, nothing written.
    let audits = all_audit(db).await;
    let again = calendar::seed_official(db).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    assert_eq!(calendar::version(db).await.unwrap(), v0 + 1);
    assert_eq!(all_audit(db).await, audits);

    // A national override of 国庆节 (an official row) survives seeding.
    let day = override_day(db, national("2026-10-01", true, "应急值守"))
        .await
        .unwrap();
    assert!(day.is_override() && day.is_workday());
    let again = calendar::seed_official(db).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    let rows = calendar::entries(db, d("2026-10-01"), d("2026-10-01"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].source, calendar::SOURCE_ADMIN);
    assert!(
        calendar::load(db, None)
            .await
            .unwrap()
            .is_workday(d("2026-10-01"))
    );

    // Removing it restores the official row and the holiday.
    let mut tx = db.begin().await.unwrap();
    calendar::remove_override(&mut tx, &admin(), d("2026-10-01"), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(mirror(db).await, expected);
    assert!(
        !calendar::load(db, None)
            .await
            .unwrap()
            .is_workday(d("2026-10-01"))
    );
    // Removing it twice is refused in Chinese.
    let mut tx = db.begin().await.unwrap();
    let err = calendar::remove_override(&mut tx, &admin(), d("2026-10-01"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(ref m) if m.contains("没有管理员调整")),
        "{err}"
    );
    drop(tx);

    // Stored official data that differ from the compiled files (an older release) are brought
    // up to date: a year and a day row.
    on_db!(db, |p| {
        sqlx::query("UPDATE calendar_years SET data_json = $1 WHERE year = 2025")
            .bind(serde_json::to_string(Calendar::official().year(2024).unwrap()).unwrap())
            .execute(p)
            .await
            .unwrap();
        sqlx::query("UPDATE calendar_days SET name = '旧名称' WHERE date = '2019-10-01'")
            .execute(p)
            .await
            .unwrap()
            .rows_affected()
    });
    let fixed = calendar::seed_official(db).await.unwrap();
    assert_eq!(fixed.years_updated, vec![2025]);
    assert!(fixed.days.updated >= 1);
    assert_eq!(mirror(db).await, expected);
    assert!(!calendar::seed_official(db).await.unwrap().changed());
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(national_override_changes_is_workday, |db| {
    calendar::seed_official(db).await.unwrap();
    let o = make_orgs(db).await;
    let saturday = d("2026-03-07");
    let monday = d("2026-03-09");
    assert_eq!(saturday.weekday(), Weekday::Sat);
    assert_eq!(monday.weekday(), Weekday::Mon);
    let before = calendar::load(db, None).await.unwrap();
    assert!(!before.is_workday(saturday) && before.is_workday(monday));

    let stamp0 = calendar::stamp(db).await.unwrap();
    override_day(db, national("2026-03-07", true, "补班"))
        .await
        .unwrap();
    let closed = OverrideInput {
        document_number: "某政办发〔2026〕1号".into(),
        notice_url: "https://example.gov.cn/closure".into(),
        ..national("2026-03-09", false, "临时停止办公")
    };
    override_day(db, closed.clone()).await.unwrap();
    let audits = all_audit(db).await;
    override_day(db, closed).await.unwrap(); // identical: no-op
    assert_eq!(all_audit(db).await, audits);
    assert_ne!(calendar::stamp(db).await.unwrap(), stamp0);

    // Independent expectation: core with the same overrides.
    let expected = Calendar::official().with_overrides([
        DayOverride {
            date: saturday,
            is_workday: true,
            name: "补班".into(),
            source: "管理员调整".into(),
        },
        DayOverride {
            date: monday,
            is_workday: false,
            name: "临时停止办公".into(),
            source: "某政办发〔2026〕1号".into(),
        },
    ]);
    for scope in [None, Some(o.root), Some(o.county)] {
        let cal = calendar::load(db, scope).await.unwrap();
        assert_eq!(
            cal.days(d("2025-12-01"), d("2026-12-31")).unwrap(),
            expected.days(d("2025-12-01"), d("2026-12-31")).unwrap()
        );
    }
    // The cache sees the change and serves the same calendar.
    let cache = calendar::CalendarCache::new();
    let cached = cache.calendar(db, Some(o.county)).await.unwrap();
    assert!(!cached.is_workday(monday));
    override_day(db, national("2026-03-09", true, "恢复办公"))
        .await
        .unwrap();
    assert!(cache.calendar(db, None).await.unwrap().is_workday(monday));

    assert_eq!(audit_count(db, "calendar.day.override").await, 3);
    let rec = &audit::list(
        db,
        &audit::Filter {
            action: Some("calendar.day.override".into()),
            object_id: Some("2026-03-09".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap()[0];
    assert_eq!(rec.actor, "admin");
    assert!(rec.before_json.as_deref().unwrap().contains("临时停止办公"));
    assert!(rec.after_json.as_deref().unwrap().contains("恢复办公"));

    // Bad input is refused in Chinese before anything is written.
    let bad = OverrideInput {
        notice_url: "ftp://x".into(),
        ..national("2026-03-10", false, "")
    };
    let err = override_day(db, bad).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("链接")),
        "{err}"
    );
    let err = override_day(db, national("2300-01-01", false, ""))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("超出支持范围")),
        "{err}"
    );
    let err = override_day(
        db,
        OverrideInput {
            scope_org_id: Some(9999),
            ..national("2026-03-10", false, "")
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("机构不存在")),
        "{err}"
    );
    assert_eq!(audit_count(db, "calendar.day.override").await, 3);
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(regional_override_applies_inside_the_subtree_only, |db| {
    calendar::seed_official(db).await.unwrap();
    let o = make_orgs(db).await;
    let eid = d("2026-05-27"); // 古尔邦节 (a Wednesday)
    assert_eq!(eid.weekday(), Weekday::Wed);
    override_day(
        db,
        OverrideInput {
            scope_org_id: Some(o.region),
            document_number: "自治区人民政府通知".into(),
            ..national("2026-05-27", false, "古尔邦节")
        },
    )
    .await
    .unwrap();
    let expect = [
        (None, true),
        (Some(o.root), true),
        (Some(o.sibling), true),
        (Some(o.region), false),
        (Some(o.county), false),
    ];
    for (scope, work) in expect {
        let cal = calendar::load(db, scope).await.unwrap();
        assert_eq!(cal.is_workday(eid), work, "scope {scope:?}");
        // Every other day is untouched.
        for info in cal.days(d("2026-01-01"), d("2026-12-31")).unwrap() {
            if info.date != eid {
                assert_eq!(info, Calendar::official().day(info.date), "{scope:?}");
            }
        }
    }
    let region_day = calendar::load(db, Some(o.county)).await.unwrap().day(eid);
    assert_eq!(
        region_day.reason_zh(),
        "古尔邦节（自治区人民政府通知调整为休息日）"
    );

    // An override nearer the organisation wins over the outer one, for that subtree only.
    override_day(
        db,
        OverrideInput {
            scope_org_id: Some(o.county),
            ..national("2026-05-27", true, "本县照常办公")
        },
    )
    .await
    .unwrap();
    assert!(
        calendar::load(db, Some(o.county))
            .await
            .unwrap()
            .is_workday(eid)
    );
    assert!(
        !calendar::load(db, Some(o.region))
            .await
            .unwrap()
            .is_workday(eid)
    );
    // A national override of the same date does not beat the regional ones.
    override_day(db, national("2026-05-27", false, "全国调整"))
        .await
        .unwrap();
    assert!(
        !calendar::load(db, Some(o.sibling))
            .await
            .unwrap()
            .is_workday(eid)
    );
    assert!(
        calendar::load(db, Some(o.county))
            .await
            .unwrap()
            .is_workday(eid)
    );
    assert!(
        !calendar::load(db, Some(o.region))
            .await
            .unwrap()
            .is_workday(eid)
    );
    assert_eq!(calendar::overrides(db).await.unwrap().len(), 3);

    // Deadlines follow the organisation's calendar: a reply clock over the holiday ends one
    // working day later in the region than in the sibling unit.
    let mut tx = db.begin().await.unwrap();
    calendar::remove_override(&mut tx, &admin(), eid, None)
        .await
        .unwrap();
    calendar::remove_override(&mut tx, &admin(), eid, Some(o.county))
        .await
        .unwrap();
    let clock = Clock::reply(d("2026-05-20"));
    let mut due = BTreeMap::new();
    for (i, unit) in [o.region, o.county, o.sibling].into_iter().enumerate() {
        let row = deadlines::upsert(
            &mut tx,
            &admin(),
            &DeadlineInput {
                object_type: "application".into(),
                object_id: i as i64 + 1,
                org_id: unit,
                kind: "reply".into(),
                label: "答复期限".into(),
                clock: clock.clone(),
            },
        )
        .await
        .unwrap();
        due.insert(unit, row.due().unwrap());
    }
    tx.commit().await.unwrap();
    let plain = clock.compute(Calendar::official()).unwrap().due;
    assert_eq!(due[&o.sibling], plain);
    assert_eq!(due[&o.region], plain.succ_opt().unwrap());
    assert_eq!(due[&o.county], due[&o.region]);
    let regional = Calendar::official().with_overrides([DayOverride {
        date: eid,
        is_workday: false,
        name: "古尔邦节".into(),
        source: "x".into(),
    }]);
    assert_eq!(due[&o.region], clock.compute(&regional).unwrap().due);

    // Removing the regional holiday and recomputing brings the region back in line, audited.
    let mut tx = db.begin().await.unwrap();
    calendar::remove_override(&mut tx, &admin(), eid, Some(o.region))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let report = deadlines::recompute_open(db).await.unwrap();
    assert_eq!(report.checked, 3);
    assert_eq!(report.due_changed, 2);
    assert!(report.errors.is_empty());
    for id in 1..=3 {
        let row = deadlines::get(db, "application", id, "reply")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.due().unwrap(), plain);
    }
    assert_eq!(audit_count(db, "deadline.recompute").await, 2);
    // Idempotent.
    let again = deadlines::recompute_open(db).await.unwrap();
    assert_eq!((again.updated, again.due_changed), (0, 0));
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(
    add_year_makes_a_provisional_deadline_final_through_the_job,
    |db| {
        calendar::seed_official(db).await.unwrap();
        let o = make_orgs(db).await;
        // Receipt 2026-12-10: the 20 working days run into January 2027, for which no notice is
        // loaded, so the deadline is provisional (REG §7.2, fail closed).
        let clock = Clock::reply(d("2026-12-10"));
        let mut tx = db.begin().await.unwrap();
        let row = deadlines::upsert(
            &mut tx,
            &admin(),
            &DeadlineInput {
                object_type: "application".into(),
                object_id: 7,
                org_id: o.county,
                kind: "reply".into(),
                label: "依申请公开 2026-0007 答复期限".into(),
                clock: clock.clone(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let provisional = clock.compute(Calendar::official()).unwrap();
        assert!(row.provisional && provisional.provisional);
        assert_eq!(row.due().unwrap(), provisional.due);
        assert_eq!(row.due_date, "2027-01-07"); // 2027-01-01 presumed a working day
        assert!(row.explanation.contains("临时结果"), "{}", row.explanation);
        assert_eq!(row.clock().unwrap(), clock);

        // Drain the seeding job so that the add_year job is observable on its own.
        let seed_job = jobs::claim(db, "w0", 60_000).await.unwrap().unwrap();
        deadlines::run_job(db, &seed_job).await.unwrap();
        assert!(jobs::complete(db, seed_job.id, "w0").await.unwrap());
        assert_eq!(queued_recompute_jobs(db).await, 0);

        let mut tx = db.begin().await.unwrap();
        let year = calendar::add_year(&mut tx, &admin(), YEAR_2027)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (year.year, year.source.as_str()),
            (2027, calendar::SOURCE_ADMIN)
        );
        assert_eq!(year.document_number, "国办发明电〔2026〕99号");
        assert_eq!(
            year.urls(),
            vec!["https://www.gov.cn/example/2027.htm".to_string()]
        );
        assert_eq!(audit_count(db, "calendar.year.add").await, 1);
        assert_eq!(queued_recompute_jobs(db).await, 1);
        // The stored deadline is unchanged until the job runs.
        let stale = deadlines::get(db, "application", 7, "reply")
            .await
            .unwrap()
            .unwrap();
        assert!(stale.provisional);
        // The mirror now lists 2027's days; seeding keeps the admin year.
        assert_eq!(
            calendar::entries(db, d("2027-01-01"), d("2027-12-31"))
                .await
                .unwrap()
                .len(),
            3
        );
        let seed = calendar::seed_official(db).await.unwrap();
        assert!(!seed.changed());

        let job = jobs::claim(db, "w1", 60_000).await.unwrap().unwrap();
        assert_eq!(job.kind, deadlines::RECOMPUTE_JOB);
        // A calendar change while the job runs queues a fresh job behind it (it may have read the
        // old data), and further changes collapse into that queued job.
        override_day(db, national("2026-08-03", true, ""))
            .await
            .unwrap();
        override_day(db, national("2026-08-04", true, ""))
            .await
            .unwrap();
        assert_eq!(queued_recompute_jobs(db).await, 1);
        let report = deadlines::run_job(db, &job).await.unwrap();
        assert!(jobs::complete(db, job.id, "w1").await.unwrap());
        assert_eq!(report.due_changed, 1);

        let fresh = deadlines::get(db, "application", 7, "reply")
            .await
            .unwrap()
            .unwrap();
        let expected = clock
            .compute(
                &Calendar::official()
                    .with_year(YearData::from_toml(YEAR_2027).unwrap())
                    .unwrap(),
            )
            .unwrap();
        assert!(!expected.provisional);
        assert!(!fresh.provisional);
        assert_eq!(fresh.due().unwrap(), expected.due);
        assert_eq!(fresh.due_date, "2027-01-08");
        assert_eq!(fresh.explanation, expected.explain());
        assert!(fresh.explanation.contains("元旦"));
        let rec = &audit::list(
            db,
            &audit::Filter {
                action: Some("deadline.recompute".into()),
                object_id: Some(fresh.id.to_string()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0];
        assert_eq!(rec.actor, "system");
        let before: serde_json::Value =
            serde_json::from_str(rec.before_json.as_deref().unwrap()).unwrap();
        let after: serde_json::Value =
            serde_json::from_str(rec.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(before["due_date"], "2027-01-07");
        assert_eq!(before["provisional"], true);
        assert_eq!(after["due_date"], "2027-01-08");
        assert_eq!(after["provisional"], false);

        // A job of another kind is refused.
        let mut other = job.clone();
        other.kind = "mail.send".into();
        assert!(matches!(
            deadlines::run_job(db, &other).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(audit::verify(db).await.unwrap().first_broken.is_none());
    }
);

both_backends!(
    bad_year_data_is_refused_in_chinese_and_changes_nothing,
    |db| {
        calendar::seed_official(db).await.unwrap();
        let version = calendar::version(db).await.unwrap();
        let audits = all_audit(db).await;
        let jobs_before = jobs::counts(db).await.unwrap();
        let years_before = calendar::years(db).await.unwrap();
        let cases = [
            ("year = 2027\n[[holidays]\nname = \"元旦\"", "TOML 解析失败"),
            ("year = 2027\n", "没有记录任何国务院通知"),
            (
                "year = 2027\n[[notices]]\ntitle = \"通知\"\n[[holidays]]\nname = \"元旦\"\noff = [\"2025-01-01\"]\n",
                "不属于2027年的通知",
            ),
            (
                "year = 2027\n[[notices]]\ntitle = \"通知\"\n[[holidays]]\nname = \"元旦\"\noff = [\"2027-01-01\", \"2027-01-01\"]\n",
                "重复出现",
            ),
            (
                "year = 2027\nunknown = 1\n[[notices]]\ntitle = \"通知\"\n",
                "TOML 解析失败",
            ),
        ];
        for (text, needle) in cases {
            let mut tx = db.begin().await.unwrap();
            let err = calendar::add_year(&mut tx, &admin(), text)
                .await
                .unwrap_err();
            drop(tx);
            match err {
                StoreError::Invalid(m) => {
                    assert!(m.contains(needle), "{m}");
                    assert!(m.contains("节假日数据"), "{m}");
                }
                other => panic!("unexpected error {other:?}"),
            }
        }
        assert_eq!(calendar::version(db).await.unwrap(), version);
        assert_eq!(all_audit(db).await, audits);
        assert_eq!(jobs::counts(db).await.unwrap(), jobs_before);
        assert_eq!(calendar::years(db).await.unwrap(), years_before);
    }
);

both_backends!(deadlines_register_lists_windows_scopes_and_closes, |db| {
    calendar::seed_official(db).await.unwrap();
    let o = make_orgs(db).await;
    // today = Friday 2026-09-18; next working days: 09-20 (Sunday, 调休上班), 09-21, 09-22 …
    let today = d("2026-09-18");
    let mk = |id: i64, org_id: i64, start: &str, days: u32, kind: &str| DeadlineInput {
        object_type: if id < 100 { "item" } else { "message" }.into(),
        object_id: id,
        org_id,
        kind: kind.into(),
        label: format!("#{id}"),
        clock: Clock::new(d(start), Period::Workdays(days)),
    };
    let inputs = [
        mk(1, o.county, "2026-09-10", 5, "publication"), // overdue
        mk(2, o.sibling, "2026-09-17", 1, "publication"), // due today
        mk(3, o.county, "2026-09-18", 1, "publication"), // 09-20 (adjusted Sunday)
        mk(4, o.region, "2026-09-18", 3, "publication"), // 09-22
        mk(5, o.county, "2026-09-18", 4, "publication"), // 09-23
        mk(101, o.root, "2026-09-01", 2, "reply"),       // overdue, root
    ];
    let mut tx = db.begin().await.unwrap();
    let mut rows = Vec::new();
    for input in &inputs {
        rows.push(deadlines::upsert(&mut tx, &admin(), input).await.unwrap());
    }
    tx.commit().await.unwrap();
    let cal = Calendar::official();
    for (row, input) in rows.iter().zip(&inputs) {
        assert_eq!(row.due().unwrap(), input.clock.compute(cal).unwrap().due);
        assert!(!row.provisional);
    }
    assert_eq!(rows[2].due_date, "2026-09-20");

    let ids =
        |v: Vec<deadlines::DeadlineRow>| v.into_iter().map(|r| r.object_id).collect::<Vec<_>>();
    let all = [o.root];
    let list = |window, scopes: Vec<i64>| {
        let f = OpenFilter::new(today, window);
        async move { ids(deadlines::list_open(db, &scopes, &f).await.unwrap()) }
    };
    assert_eq!(list(Window::Overdue, all.to_vec()).await, vec![101, 1]);
    assert_eq!(list(Window::DueToday, all.to_vec()).await, vec![2]);
    assert_eq!(list(Window::DueWithin(0), all.to_vec()).await, vec![2]);
    assert_eq!(
        list(Window::DueWithin(3), all.to_vec()).await,
        vec![2, 3, 4]
    );
    assert_eq!(
        list(Window::DueWithin(4), all.to_vec()).await,
        vec![2, 3, 4, 5]
    );
    assert_eq!(list(Window::All, all.to_vec()).await.len(), 6);
    // Scopes are subtrees; no scope, nothing.
    assert_eq!(list(Window::All, vec![o.region]).await, vec![1, 3, 4, 5]);
    assert_eq!(
        list(Window::All, vec![o.sibling, o.county]).await,
        vec![1, 2, 3, 5]
    );
    assert!(list(Window::All, vec![]).await.is_empty());
    let mut f = OpenFilter::new(today, Window::All);
    f.object_type = Some("message".into());
    assert_eq!(
        ids(deadlines::list_open(db, &all, &f).await.unwrap()),
        vec![101]
    );
    let mut f = OpenFilter::new(today, Window::All);
    f.org_id = Some(o.county);
    f.kind = Some("publication".into());
    f.limit = 2;
    assert_eq!(
        ids(deadlines::list_open(db, &all, &f).await.unwrap()),
        vec![1, 3]
    );

    // A regional rest day inside the window moves the cutoff for that subtree only.
    override_day(
        db,
        OverrideInput {
            scope_org_id: Some(o.county),
            ..national("2026-09-21", false, "地方节日")
        },
    )
    .await
    .unwrap();
    deadlines::recompute_open(db).await.unwrap();
    // county: #3 still 09-20, #5 moves to 09-24; window of 3 WD for county ends 09-23.
    assert_eq!(
        list(Window::DueWithin(3), all.to_vec()).await,
        vec![2, 3, 4]
    );
    assert_eq!(
        deadlines::get(db, "item", 5, "publication")
            .await
            .unwrap()
            .unwrap()
            .due_date,
        "2026-09-24"
    );

    // Upsert again with the same clock: no change, no audit; with an extension: audited.
    let audits = audit_count(db, "deadline.set").await;
    let mut tx = db.begin().await.unwrap();
    deadlines::upsert(&mut tx, &admin(), &inputs[3])
        .await
        .unwrap();
    assert_eq!(audit_count(db, "deadline.set").await, audits);
    let extended = DeadlineInput {
        clock: inputs[3].clock.clone().extend(20),
        ..inputs[3].clone()
    };
    let row = deadlines::upsert(&mut tx, &admin(), &extended)
        .await
        .unwrap();
    assert_eq!(row.original_due_date, "2026-09-22");
    assert!(row.explanation.contains("延长20个工作日"));
    // Invalid clocks are refused with core's Chinese message.
    let too_long = DeadlineInput {
        clock: inputs[3].clock.clone().extend(21),
        ..inputs[3].clone()
    };
    let err = deadlines::upsert(&mut tx, &admin(), &too_long)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("第三十三条")),
        "{err}"
    );
    let orphan = DeadlineInput {
        org_id: 9999,
        ..inputs[3].clone()
    };
    assert!(deadlines::upsert(&mut tx, &admin(), &orphan).await.is_err());

    // Close: gone from the open lists, closing again is a no-op, upsert reopens.
    assert!(
        deadlines::close(&mut tx, &admin(), "item", 1, "publication")
            .await
            .unwrap()
    );
    assert!(
        !deadlines::close(&mut tx, &admin(), "item", 1, "publication")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(list(Window::Overdue, all.to_vec()).await, vec![101]);
    assert_eq!(audit_count(db, "deadline.close").await, 1);
    let mut tx = db.begin().await.unwrap();
    let reopened = deadlines::upsert(&mut tx, &admin(), &inputs[0])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(reopened.is_open() && reopened.closed_at.is_none());
    assert_eq!(list(Window::Overdue, all.to_vec()).await, vec![101, 1]);
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(concurrent_seeding_is_serialised, |db| {
    // Several instances starting at once: one seeds, the others find nothing to do.
    let (a, b, c) = tokio::join!(
        calendar::seed_official(db),
        calendar::seed_official(db),
        calendar::seed_official(db)
    );
    let changed = [a.unwrap(), b.unwrap(), c.unwrap()]
        .iter()
        .filter(|r| r.changed())
        .count();
    assert_eq!(changed, 1);
    assert_eq!(audit_count(db, "calendar.seed").await, 1);
    assert_eq!(mirror(db).await, official_listings());
});
