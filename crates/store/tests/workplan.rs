//! Issue #12 in the store, on SQLite and PostgreSQL: due dates in working days from the core
//! calendar, board states by date, cascading rules, progress evidence, the registers' validation
//! and totals, and — on the full 2019 demo — the annual report's narrative quoting the plan
//! and its completion rate computed from the records.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::collections::BTreeMap;

use chrono::NaiveDate;
use gongkai_core::calendar::Calendar;
use gongkai_store::audit::Actor;
use gongkai_store::records::{self, Input};
use gongkai_store::workplan::{self, Due, PlanInput, ReportInput, Status, TaskFilter, TaskInput};
use gongkai_store::{Db, StoreError, both_backends, demo, orgs, reports};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn org(db: &Db, code: &str) -> i64 {
    orgs::by_code(db, code).await.unwrap().unwrap().id
}

async fn people(db: &Db) {
    demo::load_people_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
}

fn task(org_id: i64, title: &str, due: Due) -> TaskInput {
    TaskInput {
        org_id,
        title: title.into(),
        person: "负责人".into(),
        basis: "条例".into(),
        due,
    }
}

both_backends!(due_dates_status_and_cascading, |db| {
    people(db).await;
    let body = org(db, "ccdpf").await;
    let bgs = org(db, "ccdpf-bgs").await;
    let nanguan = org(db, "nanguan").await;
    let kuancheng = org(db, "kuancheng").await;
    let a = Actor::system();
    let mut tx = db.begin().await.unwrap();
    let plan = workplan::create_plan(
        &mut tx,
        &a,
        &PlanInput {
            year: 2019,
            org_id: body,
            title: "2019年工作要点".into(),
            goals: String::new(),
        },
    )
    .await
    .unwrap();
    // One plan per year and organisation.
    let again = workplan::create_plan(
        &mut tx,
        &a,
        &PlanInput {
            year: 2019,
            org_id: body,
            title: "重复".into(),
            goals: String::new(),
        },
    )
    .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    // 20 working days after Monday 2019-02-18 (after the Spring Festival): 2019-03-18.
    let wd = workplan::add_task(
        &mut tx,
        &a,
        plan.id,
        &task(
            body,
            "部署",
            Due::Workdays {
                start: d("2019-02-18"),
                workdays: 20,
            },
        ),
    )
    .await
    .unwrap();
    assert_eq!(wd.due_on, "2019-03-18");
    assert!(!wd.due_provisional);
    let dated = workplan::add_task(
        &mut tx,
        &a,
        plan.id,
        &task(
            bgs,
            "更新指南",
            Due::Date {
                date: d("2019-03-31"),
            },
        ),
    )
    .await
    .unwrap();
    // A task's unit lies within the plan's organisation.
    let plan_county = workplan::create_plan(
        &mut tx,
        &a,
        &PlanInput {
            year: 2019,
            org_id: nanguan,
            title: "南关区要点".into(),
            goals: String::new(),
        },
    )
    .await
    .unwrap();
    let outside = workplan::add_task(
        &mut tx,
        &a,
        plan_county.id,
        &task(
            kuancheng,
            "越权",
            Due::Date {
                date: d("2019-05-01"),
            },
        ),
    )
    .await;
    assert!(matches!(outside, Err(StoreError::Invalid(_))));
    // Cascading: only strictly below the task's unit, once per unit.
    let kids = workplan::cascade(&mut tx, &a, wd.id, &[nanguan, kuancheng])
        .await
        .unwrap();
    assert_eq!(kids.len(), 2);
    assert!(
        kids.iter()
            .all(|k| k.parent_id == Some(wd.id) && k.due_on == "2019-03-18")
    );
    assert!(matches!(
        workplan::cascade(&mut tx, &a, wd.id, &[nanguan]).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        workplan::cascade(&mut tx, &a, dated.id, &[nanguan]).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        workplan::cascade(&mut tx, &a, wd.id, &[body]).await,
        Err(StoreError::Invalid(_))
    ));
    // Progress: an evidence item must be published; done sets the completion date.
    let bad = workplan::report(
        &mut tx,
        &a,
        kids[0].id,
        &ReportInput {
            reported_on: d("2019-03-10"),
            note: "完成".into(),
            item_id: Some(999_999),
            done: true,
        },
    )
    .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
    workplan::report(
        &mut tx,
        &a,
        kids[0].id,
        &ReportInput {
            reported_on: d("2019-03-10"),
            note: "完成".into(),
            item_id: None,
            done: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Scope: the county sees its own task only; the city sees them all.
    let county = workplan::tasks(db, &[nanguan], &TaskFilter::default())
        .await
        .unwrap();
    assert_eq!(county.len(), 1);
    assert_eq!(county[0].org_id, nanguan);
    let county_plans = workplan::list_plans(db, &[nanguan], Some(2019))
        .await
        .unwrap();
    let titles: Vec<&str> = county_plans.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["2019年工作要点", "南关区要点"]);
    let city_ids: Vec<i64> = orgs::list(db).await.unwrap().iter().map(|o| o.id).collect();
    let all = workplan::tasks(
        db,
        &city_ids,
        &TaskFilter {
            plan_id: Some(plan.id),
            ..TaskFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 4);

    // Board states by date (the official calendar).
    let cal = Calendar::official();
    let get = |id: i64| all.iter().find(|t| t.id == id).unwrap().clone();
    let st = |id: i64, on: &str| workplan::status(&get(id), d(on), cal);
    assert_eq!(st(wd.id, "2019-03-01"), Status::OnTrack);
    assert_eq!(st(wd.id, "2019-03-12"), Status::DueSoon);
    assert_eq!(st(wd.id, "2019-03-18"), Status::DueSoon);
    assert_eq!(st(wd.id, "2019-03-19"), Status::Overdue);
    assert_eq!(st(kids[0].id, "2019-03-09"), Status::OnTrack);
    assert_eq!(st(kids[0].id, "2019-03-10"), Status::Done);
    assert_eq!(st(kids[0].id, "2019-04-01"), Status::Done);
    assert_eq!(st(kids[1].id, "2019-04-01"), Status::Overdue);
    assert_eq!(st(dated.id, "2019-03-25"), Status::DueSoon);

    // The year's totals count the plan's own tasks (not the cascaded copies).
    let totals = workplan::year_totals(db, &[body, bgs], 2019).await.unwrap();
    assert_eq!((totals.tasks, totals.done), (2, 0));
});

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

both_backends!(registers_validate_and_count, |db| {
    people(db).await;
    let body = org(db, "ccdpf").await;
    let a = Actor::system();
    let bad = records::parse(
        &records::TRAINING,
        &Input {
            org_id: body,
            values: values(&[("held_on", "2019-13-01"), ("outsiders", "-3")]),
            participants: vec![],
        },
    )
    .unwrap_err();
    let fields: Vec<&str> = bad.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, ["held_on", "title", "category", "outsiders"]);
    let late = records::parse(
        &records::PROPOSALS,
        &Input {
            org_id: body,
            values: values(&[
                ("kind", "npc"),
                ("number", "1"),
                ("title", "建议"),
                ("role", "lead"),
                ("received_on", "2019-03-01"),
                ("replied_on", "2019-02-01"),
                ("reply", "答复"),
            ]),
            participants: vec![],
        },
    )
    .unwrap_err();
    assert_eq!(late[0].0, "replied_on");

    let users: Vec<i64> = gongkai_store::users::list(db)
        .await
        .unwrap()
        .iter()
        .take(3)
        .map(|u| u.id)
        .collect();
    let mut tx = db.begin().await.unwrap();
    let t = records::create(
        &mut tx,
        &a,
        &records::TRAINING,
        &Input {
            org_id: body,
            values: values(&[
                ("held_on", "2019-05-10"),
                ("title", "条例培训"),
                ("category", "business"),
                ("outsiders", "20"),
            ]),
            participants: users.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(t.year, 2019);
    assert_eq!(t.participants, users);
    assert_eq!(t.count("outsiders"), 20);
    let t2 = records::update(
        &mut tx,
        &a,
        &records::TRAINING,
        t.id,
        &Input {
            org_id: body,
            values: values(&[
                ("held_on", "2020-01-10"),
                ("title", "条例培训（改期）"),
                ("category", "business"),
            ]),
            participants: users[..1].to_vec(),
        },
    )
    .await
    .unwrap();
    assert_eq!((t2.year, t2.participants.len()), (2020, 1));
    tx.commit().await.unwrap();
    let y2020 = records::year_totals(db, &[body], 2020).await.unwrap();
    assert_eq!(
        (y2020.training_sessions, y2020.training_participants),
        (1, 1)
    );
    let y2019 = records::year_totals(db, &[body], 2019).await.unwrap();
    assert_eq!(y2019.training_sessions, 0);
    // Out of scope: nothing.
    let other = org(db, "nanguan").await;
    assert!(
        records::list(
            db,
            &records::TRAINING,
            &[other],
            &records::Filter::default()
        )
        .await
        .unwrap()
        .is_empty()
    );
    // Both changes are in the audit log.
    for action in ["training_session.create", "training_session.update"] {
        let log = gongkai_store::audit::list(
            db,
            &gongkai_store::audit::Filter {
                action: Some(action.into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(log.len(), 1, "{action}");
        assert_eq!(log[0].object_id, t.id.to_string());
    }
});

both_backends!(demo_2019_narrative_quotes_the_plan, |db| {
    demo::load_full_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let body = org(db, "ccdpf").await;
    // The completion rate computed here from the records, independently of the report code.
    let ids = reports::scope(db, body, false).await.unwrap();
    let plans = workplan::list_plans(db, &ids, Some(2019)).await.unwrap();
    assert_eq!(plans.len(), 1);
    let tasks = workplan::tasks(
        db,
        &orgs::list(db)
            .await
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect::<Vec<_>>(),
        &TaskFilter {
            plan_id: Some(plans[0].id),
            ..TaskFilter::default()
        },
    )
    .await
    .unwrap();
    let own: Vec<_> = tasks.iter().filter(|t| t.parent_id.is_none()).collect();
    let done = own
        .iter()
        .filter(|t| t.done_on.as_deref().is_some_and(|d| d <= "2019-12-31"))
        .count();
    assert_eq!((own.len(), done), (8, 7));
    assert!(
        tasks
            .iter()
            .any(|t| t.title.contains("3月31日前完成政府信息公开目录和指南"))
    );
    let rate = gongkai_report::narrative::percent(done as i64, own.len() as i64);
    assert_eq!(rate, "87.5");

    let report = reports::generate(db, body, 2019, false).await.unwrap();
    assert!(report.frozen, "the demo's 2019 report is published");
    let all: Vec<String> = report.suggestions().into_iter().map(|s| s.text).collect();
    let plan = all
        .iter()
        .find(|s| s.contains("《长春市残联关于做好2019年政务公开工作的方案》"))
        .unwrap_or_else(|| panic!("a sentence on the plan: {all:?}"));
    assert!(
        plan.contains(&format!(
            "明确工作任务{}项，年内完成{done}项，完成率{rate}%",
            own.len()
        )),
        "{plan}"
    );
    let text = all.join("");
    for needle in [
        "举办政务公开培训2期，参训56人次",
        "承办人大代表建议2件、政协提案1件，已答复3件，代表委员满意或基本满意3件",
        "新闻发布会1次",
        "媒体宣传稿件1次（共48篇/场）",
        "开展考核1次",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
});
