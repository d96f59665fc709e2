//! Reminders (issues #6 and #9), on SQLite and PostgreSQL: application deadlines due within 3
//! working days (on the working-day calendar), due today and overdue; the annual report's Art. 49
//! deadline (configurable; the Spring Festival holiday makes 1月31日 "due soon" four calendar
//! days ahead); each reminder made exactly once per (subject, deadline, threshold) whatever the
//! number of runs, also when sweeps run at the same time; visibility by grants in SQL; read
//! marks and the unread count.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::auth::{Grant, Role};
use gongkai_core::vault::Vault;
use gongkai_store::applications::workflow;
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::audit::Actor;
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::reminders::{self, ReportDeadlines};
use gongkai_store::reports::{self, Source};
use gongkai_store::users::{self, NewUser};
use gongkai_store::{Db, both_backends, calendar, deadlines, on_db};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn org(code: &str, parent: Option<i64>, kind: &str) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: kind.into(),
        code: code.into(),
        full_name: format!("{code} 残疾人联合会"),
        short_name: code.into(),
        email: format!("{code}@example.gov.cn"),
        ..Default::default()
    }
}

struct Setup {
    root: i64,
    dept: i64,
    county: i64,
}

async fn setup(db: &Db) -> Setup {
    calendar::seed_official(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = Actor::system();
    let root = orgs::create(&mut tx, &a, &org("root", None, "body"))
        .await
        .unwrap()
        .id;
    let dept = orgs::create(&mut tx, &a, &org("dept", Some(root), "department"))
        .await
        .unwrap()
        .id;
    let county = orgs::create(&mut tx, &a, &org("county", Some(root), "county"))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    Setup { root, dept, county }
}

async fn user(db: &Db, name: &str, org: i64, grants: Vec<Grant>) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let u = users::create(
        &mut tx,
        &Actor::system(),
        &NewUser {
            username: name.into(),
            display_name: name.into(),
            org_id: org,
            password: "secret-pass-1A".into(),
            grants,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    u.id
}

async fn application(db: &Db, org: i64, arrived: &str) -> i64 {
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
            description: "2024年残疾人就业补贴发放情况".into(),
            ..Default::default()
        }],
        arrived_on: Some(d(arrived)),
        ..Default::default()
    };
    let mut tx = db.begin().await.unwrap();
    let c = applications::create(
        &mut tx,
        &Actor::system(),
        &Vault::for_tests(),
        &n,
        d(arrived),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    c.application.id
}

async fn rows(db: &Db) -> Vec<(String, String)> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT reminder_key, threshold FROM reminders ORDER BY reminder_key"
    )
    .fetch_all(p)
    .await
    .unwrap())
}

fn office(scope: i64) -> Vec<Grant> {
    vec![Grant {
        role: Role::DisclosureOffice,
        scope,
    }]
}

both_backends!(
    application_deadlines_are_reminded_once_per_threshold,
    |db| {
        let s = setup(db).await;
        // Registered 2025-03-03 in person: the reply is due 20 working days later.
        let app = application(db, s.root, "2025-03-03").await;
        let reply = deadlines::get(db, applications::OBJECT_TYPE, app, workflow::REPLY)
            .await
            .unwrap()
            .unwrap();
        let due = reply.due().unwrap();
        assert_eq!(due, d("2025-03-31"));
        let cfg = ReportDeadlines::default();
        let reply_keys = |rows: &[(String, String)]| -> Vec<String> {
            rows.iter()
                .filter(|(k, _)| k.starts_with(&format!("application:{app}:reply:")))
                .map(|(_, t)| t.clone())
                .collect()
        };

        // Four working days ahead: nothing yet; three: due soon (once, however often it runs).
        reminders::sweep(db, d("2025-03-25"), &cfg).await.unwrap();
        assert!(reply_keys(&rows(db).await).is_empty());
        let first = reminders::sweep(db, d("2025-03-26"), &cfg).await.unwrap();
        assert!(
            first
                .created
                .iter()
                .any(|r| r.kind == "reply" && r.threshold == "due_soon")
        );
        let again = reminders::sweep(db, d("2025-03-26"), &cfg).await.unwrap();
        assert!(again.created.is_empty(), "{:?}", again.created);
        reminders::sweep(db, d("2025-03-28"), &cfg).await.unwrap();
        assert_eq!(reply_keys(&rows(db).await), ["due_soon"]);
        // Due today, then overdue: each once, also when two sweeps run at the same time
        // (several instances).
        let (a, b) = tokio::join!(
            reminders::sweep(db, d("2025-03-31"), &cfg),
            reminders::sweep(db, d("2025-03-31"), &cfg)
        );
        let made = a.unwrap().created.len() + b.unwrap().created.len();
        assert!(made >= 1);
        for day in ["2025-04-01", "2025-04-02", "2025-04-03"] {
            reminders::sweep(db, d(day), &cfg).await.unwrap();
        }
        let mut got = reply_keys(&rows(db).await);
        got.sort();
        assert_eq!(got, ["due_soon", "due_today", "overdue"]);
        let key = format!("application:{app}:reply:2025-03-31:overdue");
        assert!(rows(db).await.iter().any(|(k, _)| *k == key));
        // The 补正-notice deadline (7 working days, Art. 30) was reminded too.
        assert!(
            rows(db)
                .await
                .iter()
                .any(|(k, _)| k.starts_with(&format!("application:{app}:correction_notice:")))
        );
        // The reminder explains itself in Chinese and links to the case.
        let office_user = user(db, "office", s.root, office(s.root)).await;
        let list = reminders::list_for(db, office_user, &office(s.root), false, 100)
            .await
            .unwrap();
        let overdue = list
            .iter()
            .find(|e| e.reminder.reminder_key == key)
            .unwrap();
        assert!(overdue.reminder.title.contains("答复期限"));
        assert!(overdue.reminder.title.contains("已于2025-03-31到期"));
        assert_eq!(overdue.reminder.link, format!("/admin/applications/{app}"));
        // Every reminder made is audited.
        let audited: i64 = on_db!(db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reminder.create'"
        )
        .fetch_one(p)
        .await
        .unwrap());
        assert_eq!(audited, rows(db).await.len() as i64);
    }
);

both_backends!(
    reminders_are_seen_by_the_office_and_the_assigned_department,
    |db| {
        let s = setup(db).await;
        let app = application(db, s.root, "2025-03-03").await;
        let mut tx = db.begin().await.unwrap();
        workflow::assign(&mut tx, &Actor::system(), app, s.dept, "请康复部办理")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        reminders::sweep(db, d("2025-04-01"), &ReportDeadlines::default())
            .await
            .unwrap();
        let office_user = user(db, "office", s.root, office(s.root)).await;
        let dept_grants = vec![Grant {
            role: Role::Drafter,
            scope: s.dept,
        }];
        let dept_user = user(db, "drafter", s.dept, dept_grants.clone()).await;
        let county_grants = office(s.county);
        let county_user = user(db, "county", s.county, county_grants.clone()).await;

        let office_sees = reminders::list_for(db, office_user, &office(s.root), false, 100)
            .await
            .unwrap();
        let dept_sees = reminders::list_for(db, dept_user, &dept_grants, false, 100)
            .await
            .unwrap();
        let county_sees = reminders::list_for(db, county_user, &county_grants, false, 100)
            .await
            .unwrap();
        assert!(office_sees.iter().any(|e| e.reminder.subject_id == app));
        assert!(
            dept_sees
                .iter()
                .all(|e| e.reminder.subject_type == "application" && e.reminder.subject_id == app)
        );
        assert!(!dept_sees.is_empty(), "the assigned department is reminded");
        assert!(
            county_sees
                .iter()
                .all(|e| e.reminder.subject_type == "report"),
            "another office sees none of the root's applications: {county_sees:?}"
        );

        // Read marks: one, then all; the unread count follows.
        let before = reminders::unread_count(db, dept_user, &dept_grants)
            .await
            .unwrap();
        assert_eq!(before, dept_sees.len() as i64);
        let actor = Actor::user(dept_user, "drafter", "127.0.0.1");
        let mut tx = db.begin().await.unwrap();
        reminders::mark_read(
            db,
            &mut tx,
            &actor,
            dept_user,
            &dept_grants,
            Some(dept_sees[0].reminder.id),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            reminders::unread_count(db, dept_user, &dept_grants)
                .await
                .unwrap(),
            before - 1
        );
        // A reminder the user may not see cannot be marked (not found), and marks nothing.
        let hidden = office_sees
            .iter()
            .find(|e| e.reminder.subject_type == "report")
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        let err = reminders::mark_read(
            db,
            &mut tx,
            &actor,
            dept_user,
            &dept_grants,
            Some(hidden.reminder.id),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, gongkai_store::StoreError::NotFound(_)));
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        reminders::mark_read(db, &mut tx, &actor, dept_user, &dept_grants, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            reminders::unread_count(db, dept_user, &dept_grants)
                .await
                .unwrap(),
            0
        );
        // The office's own read state is separate.
        assert_eq!(
            reminders::unread_count(db, office_user, &office(s.root))
                .await
                .unwrap(),
            office_sees.len() as i64
        );
    }
);

both_backends!(annual_report_deadline_reminds_its_editors, |db| {
    let s = setup(db).await;
    let cfg = ReportDeadlines::default();
    let report_rows = |rows: Vec<(String, String)>| -> Vec<(String, String)> {
        rows.into_iter()
            .filter(|(k, _)| k.starts_with("report:"))
            .collect()
    };
    // 2025-01-20: 1月31日 is more than 3 working days away.
    reminders::sweep(db, d("2025-01-20"), &cfg).await.unwrap();
    assert!(report_rows(rows(db).await).is_empty());
    // 2025-01-27: the Spring Festival holiday (1月28日–2月4日) puts 1月31日 inside the next three
    // working days (2月5日–7日); on weekdays alone it would not be.
    reminders::sweep(db, d("2025-01-27"), &cfg).await.unwrap();
    let got = report_rows(rows(db).await);
    assert_eq!(
        got,
        [
            (
                format!("report:{}:annual:2024:2025-01-31:due_soon", s.root),
                "due_soon".to_string()
            ),
            (
                format!("report:{}:annual:2024:2025-01-31:due_soon", s.county),
                "due_soon".to_string()
            ),
        ],
        "the body and the county report on their own; a department does not"
    );
    // The county's 2024 report was published before this system (imported): no more reminders
    // for it. The body's draft is reminded as overdue, once.
    let mut tx = db.begin().await.unwrap();
    reports::import_past(
        &mut tx,
        &Actor::system(),
        s.county,
        Source::Json,
        r#"{"format": "2021", "year": 2024}"#,
        None,
    )
    .await
    .unwrap();
    let draft = reports::create(&mut tx, &Actor::system(), s.root, 2024, false)
        .await
        .unwrap();
    let rollup = reports::create(&mut tx, &Actor::system(), s.root, 2024, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for day in ["2025-02-05", "2025-02-06"] {
        reminders::sweep(db, d(day), &cfg).await.unwrap();
    }
    let got = report_rows(rows(db).await);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().any(|(k, t)| *k
        == format!("report:{}:annual:2024:2025-01-31:overdue", s.root)
        && t == "overdue"));
    let editor = user(db, "office", s.root, office(s.root)).await;
    let list = reminders::list_for(db, editor, &office(s.root), false, 100)
        .await
        .unwrap();
    let r = list
        .iter()
        .find(|e| e.reminder.threshold == "overdue")
        .unwrap();
    assert_eq!(r.reminder.link, format!("/admin/reports/{}", draft.id));
    assert!(
        r.reminder.body.contains("第四十九条第一款"),
        "{}",
        r.reminder.body
    );
    assert!(r.reminder.body.contains("草稿"), "{}", r.reminder.body);
    // The consolidated (rollup) report has its own deadline, 3月31日 by default, and it is
    // configurable.
    reminders::sweep(db, d("2025-03-31"), &cfg).await.unwrap();
    assert!(report_rows(rows(db).await).iter().any(|(k, t)| *k
        == format!("report:{}:annual_rollup:2024:2025-03-31:due_today", s.root)
        && t == "due_today"));
    let late = ReportDeadlines {
        department: (2, 28),
        consolidated: (4, 30),
    };
    reminders::sweep(db, d("2025-04-30"), &late).await.unwrap();
    assert!(
        report_rows(rows(db).await).iter().any(
            |(k, _)| *k == format!("report:{}:annual_rollup:2024:2025-04-30:due_today", s.root)
        )
    );
    assert!(rollup.rollup);
    assert_eq!(
        reminders::parse_month_day("2-30").unwrap_err(),
        "日期“2-30”无效：请写成 月-日 的形式，例如 01-31"
    );
    assert_eq!(reminders::parse_month_day(" 01-31 ").unwrap(), (1, 31));
});
