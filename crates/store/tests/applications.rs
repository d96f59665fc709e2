//! Disclosure applications (issue #6): every channel's receipt date and clocks, 补正 restart and
//! the （六）1 closure, consultation suspension, extension limits, the fee notice and the （六）2
//! closure, every outcome counted into table 3 with the REG §3.1 identities, scope and
//! applicant visibility, the repeat flag, the review register. Every test runs on SQLite and on
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::applications::clocks::{self, ConsultationSpan, ReplyFacts};
use gongkai_core::applications::table3::{self, CaseKind, CaseResult, Table4};
use gongkai_core::applications::{Basis, Outcome, Stage};
use gongkai_core::calendar::Calendar;
use gongkai_core::vault::Vault;
use gongkai_store::applications::register::{self, CaseInput};
use gongkai_store::applications::workflow::{self, Decision};
use gongkai_store::applications::{self, ListFilter, NewApplication, NewItem};
use gongkai_store::audit::{self, Actor};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::{Db, StoreError, both_backends, calendar, deadlines};

const ID: &str = "11010519491231002X";
const ID2: &str = "110105194912310038";
const USCC: &str = "91110000600037341L";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    d("2025-12-31")
}

fn actor() -> Actor {
    Actor::user(1, "tester", "127.0.0.1")
}

fn org(code: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: if parent.is_none() { "body" } else { "county" }.into(),
        code: code.into(),
        full_name: format!("{code} 残疾人联合会"),
        short_name: code.into(),
        ..Default::default()
    }
}

struct Setup {
    root: i64,
    child: i64,
    other: i64,
}

async fn setup(db: &Db) -> Setup {
    calendar::seed_official(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = Actor::system();
    let root = orgs::create(&mut tx, &a, &org("root", None))
        .await
        .unwrap()
        .id;
    let child = orgs::create(&mut tx, &a, &org("child", Some(root)))
        .await
        .unwrap()
        .id;
    let other = orgs::create(&mut tx, &a, &org("other", Some(root)))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    Setup { root, child, other }
}

fn new_app(org: i64, channel: &str, arrived: &str) -> NewApplication {
    NewApplication {
        org_id: org,
        channel: channel.into(),
        applicant_type: "natural_person".into(),
        applicant_name: "张三".into(),
        id_kind: "resident_id".into(),
        id_number: ID.into(),
        phone: "0431-88888888".into(),
        email: "zhang@example.com".into(),
        info_form: "electronic".into(),
        delivery: "email".into(),
        items: vec![NewItem {
            description: "2024年残疾人就业补贴发放情况".into(),
            ..Default::default()
        }],
        arrived_on: Some(d(arrived)),
        ..Default::default()
    }
}

async fn create(db: &Db, n: &NewApplication) -> applications::Created {
    let mut tx = db.begin().await.unwrap();
    let c = applications::create(&mut tx, &actor(), &Vault::for_tests(), n, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    c
}

async fn reply_due(db: &Db, id: i64) -> Option<deadlines::DeadlineRow> {
    deadlines::get(db, applications::OBJECT_TYPE, id, workflow::REPLY)
        .await
        .unwrap()
}

fn core_due(f: &ReplyFacts) -> NaiveDate {
    clocks::reply(f)
        .unwrap()
        .compute(Calendar::official())
        .unwrap()
        .due
}

both_backends!(receipt_date_and_clocks_per_channel, |db| {
    let s = setup(db).await;
    // (channel, arrived, signed, confirmed, expected stage, expected receipt)
    let cases = [
        (
            "in_person",
            "2025-03-03",
            None,
            None,
            Stage::Registered,
            Some("2025-03-03"),
        ),
        (
            "oral",
            "2025-03-03",
            None,
            None,
            Stage::Registered,
            Some("2025-03-03"),
        ),
        (
            "registered_post",
            "2025-03-03",
            Some("2025-03-04"),
            None,
            Stage::Registered,
            Some("2025-03-04"),
        ),
        (
            "ordinary_letter",
            "2025-03-03",
            None,
            Some("2025-03-03"),
            Stage::Registered,
            Some("2025-03-03"),
        ),
        (
            "ordinary_letter",
            "2025-03-03",
            None,
            None,
            Stage::Unconfirmed,
            None,
        ),
        ("fax", "2025-03-03", None, None, Stage::Unconfirmed, None),
        ("online", "2025-03-01", None, None, Stage::Unconfirmed, None),
        (
            "online",
            "2025-03-01",
            None,
            Some("2025-03-03"),
            Stage::Registered,
            Some("2025-03-03"),
        ),
    ];
    for (channel, arrived, signed, confirmed, stage, receipt) in cases {
        let mut n = new_app(s.root, channel, arrived);
        n.signed_on = signed.map(d);
        n.confirmed_on = confirmed.map(d);
        let c = create(db, &n).await;
        let a = &c.application;
        assert_eq!(a.stage().unwrap(), stage, "{channel}");
        assert_eq!(a.received_on.as_deref(), receipt, "{channel}");
        assert_eq!(c.secret.len(), 12);
        assert!(a.tracking_no.starts_with("2025"));
        match receipt {
            Some(r) => {
                let due = reply_due(db, a.id).await.unwrap();
                let expected = core_due(&ReplyFacts {
                    received_on: Some(d(r)),
                    ..Default::default()
                });
                assert_eq!(due.due_date, expected.to_string(), "{channel}");
                assert!(due.explanation.contains("收到申请之日"));
                assert!(a.receipt_explanation.contains("第三十一条"));
                let notice = deadlines::get(db, "application", a.id, workflow::CORRECTION_NOTICE)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    notice.due_date,
                    if r == "2025-03-04" {
                        "2025-03-13"
                    } else {
                        "2025-03-12"
                    }
                );
            }
            None => {
                assert!(
                    reply_due(db, a.id).await.is_none(),
                    "no clock before confirmation"
                );
                let mut tx = db.begin().await.unwrap();
                let after = workflow::confirm(&mut tx, &actor(), a.id, d("2025-03-05"), today())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                assert_eq!(after.received_on.as_deref(), Some("2025-03-05"));
                let due = reply_due(db, a.id).await.unwrap();
                assert_eq!(
                    due.due_date,
                    core_due(&ReplyFacts {
                        received_on: Some(d("2025-03-05")),
                        ..Default::default()
                    })
                    .to_string()
                );
                // Confirming twice is refused.
                let mut tx = db.begin().await.unwrap();
                let again =
                    workflow::confirm(&mut tx, &actor(), a.id, d("2025-03-05"), today()).await;
                assert!(matches!(again, Err(StoreError::Conflict(_))));
            }
        }
    }
    // Registered post without the signing date is refused with the Art. 31 message.
    let n = new_app(s.root, "registered_post", "2025-03-03");
    let mut tx = db.begin().await.unwrap();
    let err = applications::create(&mut tx, &actor(), &Vault::for_tests(), &n, today())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("签收"), "{err}");
});

both_backends!(correction_restarts_the_clock_and_lapses_to_six_one, |db| {
    let s = setup(db).await;
    let a = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    let mut tx = db.begin().await.unwrap();
    let after = workflow::request_correction(
        &mut tx,
        &actor(),
        a.id,
        d("2025-03-05"),
        "1. 请写明补贴年份；2. 请写明地区",
        Some(10),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(after.stage().unwrap(), Stage::AwaitingCorrection);
    assert_eq!(after.correction_due_on.as_deref(), Some("2025-03-19"));
    assert!(
        !reply_due(db, a.id).await.unwrap().is_open(),
        "reply clock stops"
    );
    // 一次性告知: a second notice is refused.
    let mut tx = db.begin().await.unwrap();
    let again = workflow::request_correction(
        &mut tx,
        &actor(),
        a.id,
        d("2025-03-06"),
        "再补",
        None,
        today(),
    )
    .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    drop(tx);
    // The correction arrives: the clock restarts from that day.
    let mut tx = db.begin().await.unwrap();
    workflow::receive_correction(&mut tx, &actor(), a.id, d("2025-03-10"), today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let due = reply_due(db, a.id).await.unwrap();
    assert!(due.is_open());
    assert_eq!(
        due.due_date,
        core_due(&ReplyFacts {
            received_on: Some(d("2025-03-03")),
            correction_received_on: Some(d("2025-03-10")),
            ..Default::default()
        })
        .to_string()
    );
    assert!(due.explanation.contains("第三十条"));

    // Another application: no correction in time → （六）1 on the day after the period.
    let b = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    let mut tx = db.begin().await.unwrap();
    workflow::request_correction(
        &mut tx,
        &actor(),
        b.id,
        d("2025-03-05"),
        "请写明年份",
        Some(10),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(
        workflow::close_lapsed(&mut tx, &actor(), b.id, d("2025-03-19"))
            .await
            .unwrap()
            .is_none(),
        "the due day belongs to the applicant"
    );
    drop(tx);
    assert_eq!(workflow::sweep(db, d("2025-03-20")).await.unwrap(), 1);
    assert_eq!(
        workflow::sweep(db, d("2025-03-21")).await.unwrap(),
        0,
        "idempotent"
    );
    let b = applications::get(db, b.id).await.unwrap().unwrap();
    assert_eq!(b.stage().unwrap(), Stage::Decided);
    let items = applications::items(db, b.id).await.unwrap();
    assert_eq!(items[0].outcome(), Some(Outcome::OtherNoCorrection));
    assert_eq!(items[0].decided_on.as_deref(), Some("2025-03-20"));
    // A closure needs no reply before archiving.
    let mut tx = db.begin().await.unwrap();
    let archived = workflow::archive(&mut tx, &actor(), b.id, d("2025-03-21"), today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(archived.stage().unwrap(), Stage::Archived);
});

both_backends!(consultation_suspends_and_extension_limits, |db| {
    let s = setup(db).await;
    let a = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    let mut tx = db.begin().await.unwrap();
    workflow::assign(&mut tx, &actor(), a.id, s.child, "请就业处检索")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Assigning outside the receiving organisation's subtree is refused.
    let mut tx = db.begin().await.unwrap();
    let other_root = orgs::create(&mut tx, &Actor::system(), &org("elsewhere", None))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(
        workflow::assign(&mut tx, &actor(), a.id, other_root, "")
            .await
            .is_err()
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let c = workflow::start_consultation(
        &mut tx,
        &actor(),
        a.id,
        "third_party",
        "某公司",
        d("2025-03-05"),
        None,
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let pending = ReplyFacts {
        received_on: Some(d("2025-03-03")),
        consultations: vec![ConsultationSpan {
            sent_on: d("2025-03-05"),
            until: d(&c.due_on),
            reason: "x".into(),
        }],
        ..Default::default()
    };
    let due = reply_due(db, a.id).await.unwrap();
    assert_eq!(due.due_date, core_due(&pending).to_string());
    assert!(due.explanation.contains("某公司"));
    // The answer came on 2025-03-11: the suspension ends that day.
    let mut tx = db.begin().await.unwrap();
    workflow::finish_consultation(
        &mut tx,
        &actor(),
        c.id,
        d("2025-03-11"),
        "disagree",
        "涉及商业秘密",
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let due = reply_due(db, a.id).await.unwrap();
    assert_eq!(due.due_date, "2025-04-08");
    let cons = deadlines::get(db, "application", a.id, &workflow::consultation_kind(c.id))
        .await
        .unwrap()
        .unwrap();
    assert!(!cons.is_open());

    // Extension: approved and told by the original due date, ≤ 20 WD in total.
    let ext = |w: u32, approved: &'static str, notice: &'static str| {
        let id = a.id;
        async move {
            let mut tx = db.begin().await.unwrap();
            let r = workflow::extend(
                &mut tx,
                &actor(),
                id,
                w,
                "需调取档案",
                d(approved),
                d(notice),
                today(),
            )
            .await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    assert!(
        ext(5, "2025-04-09", "2025-04-09")
            .await
            .unwrap_err()
            .to_string()
            .contains("届满前")
    );
    assert!(ext(21, "2025-04-01", "2025-04-02").await.is_err());
    assert!(
        ext(5, "2025-04-02", "2025-04-01").await.is_err(),
        "notice before approval"
    );
    ext(15, "2025-04-01", "2025-04-08").await.unwrap();
    assert!(
        ext(6, "2025-04-02", "2025-04-03")
            .await
            .unwrap_err()
            .to_string()
            .contains("20个工作日")
    );
    ext(5, "2025-04-02", "2025-04-03").await.unwrap();
    let due = reply_due(db, a.id).await.unwrap();
    assert_eq!(due.original_due_date, "2025-04-08");
    let mut f = pending.clone();
    f.consultations[0].until = d("2025-03-11");
    f.extensions = vec![15, 5];
    assert_eq!(due.due_date, core_due(&f).to_string());
    assert!(due.explanation.contains("延长20个工作日"));
    assert_eq!(workflow::extensions(db, a.id).await.unwrap().len(), 2);
});

both_backends!(fee_notice_payment_and_six_two, |db| {
    let s = setup(db).await;
    let a = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    // One item this month: 按件 is free, so no notice.
    let mut tx = db.begin().await.unwrap();
    let free = workflow::fee_notice(
        &mut tx,
        &actor(),
        a.id,
        "item",
        0,
        d("2025-03-04"),
        d("2025-03-05"),
        today(),
    )
    .await;
    assert!(free.unwrap_err().to_string().contains("不收取"));
    drop(tx);
    // 250 pages 按量: 4700元 (REG §3.4 worked example).
    let mut tx = db.begin().await.unwrap();
    let fee = workflow::fee_notice(
        &mut tx,
        &actor(),
        a.id,
        "page",
        250,
        d("2025-03-04"),
        d("2025-03-05"),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(fee.amount_fen, 470_000);
    assert_eq!(fee.due_on, "2025-04-02");
    let paid = {
        let mut tx = db.begin().await.unwrap();
        let r = workflow::record_payment(&mut tx, &actor(), a.id, d("2025-03-20"), today())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        r
    };
    assert_eq!(paid.stage().unwrap(), Stage::Processing);
    // Unpaid: （六）2 after the period.
    let b = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    let mut tx = db.begin().await.unwrap();
    workflow::fee_notice(
        &mut tx,
        &actor(),
        b.id,
        "page",
        31,
        d("2025-03-04"),
        d("2025-03-05"),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(workflow::sweep(db, d("2025-04-02")).await.unwrap(), 0);
    assert_eq!(workflow::sweep(db, d("2025-04-03")).await.unwrap(), 1);
    let items = applications::items(db, b.id).await.unwrap();
    assert_eq!(items[0].outcome(), Some(Outcome::OtherFeeUnpaid));
    // The fee-payment period is configurable (REG §3.4 UNVERIFIED).
    let mut tx = db.begin().await.unwrap();
    applications::set_period_setting(
        &mut tx,
        &Actor::system(),
        applications::FEE_WORKDAYS_SETTING,
        10,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let c = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    let mut tx = db.begin().await.unwrap();
    let fee = workflow::fee_notice(
        &mut tx,
        &actor(),
        c.id,
        "page",
        31,
        d("2025-03-04"),
        d("2025-03-05"),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(fee.due_on, "2025-03-19");
});

both_backends!(every_outcome_counts_into_table3, |db| {
    let s = setup(db).await;
    let choosable: Vec<Outcome> = Outcome::ALL
        .into_iter()
        .filter(|o| !o.is_closure())
        .collect();
    let mut n = new_app(s.root, "in_person", "2025-03-03");
    n.items = choosable
        .iter()
        .map(|o| NewItem {
            description: format!("事项 {}", o.code()),
            ..Default::default()
        })
        .collect();
    let created = create(db, &n).await;
    let a = created.application;
    // Refusals first.
    let bad = |o: Outcome, why: &str, what: &str| Decision {
        outcome: o,
        basis: None,
        withheld_what: what.into(),
        withheld_why: why.into(),
        published_item_id: None,
        note: String::new(),
        decided_on: d("2025-03-20"),
    };
    for (decision, expect) in [
        (bad(Outcome::DeniedStateSecret, "", ""), "说明理由"),
        (bad(Outcome::PartiallyGranted, "理由", ""), "不予公开的内容"),
        (bad(Outcome::OtherNoCorrection, "", ""), "自动处理"),
        (
            Decision {
                basis: Some(Basis::AlreadyDisclosed),
                ..bad(Outcome::Granted, "", "")
            },
            "已公开信息",
        ),
        (
            Decision {
                basis: Some(Basis::Art14),
                ..bad(Outcome::Granted, "", "")
            },
            "依据",
        ),
        (
            Decision {
                decided_on: d("2025-03-01"),
                ..bad(Outcome::Granted, "", "")
            },
            "决定日期",
        ),
    ] {
        let mut tx = db.begin().await.unwrap();
        let err = workflow::decide_item(&mut tx, &actor(), created.items[0].id, &decision, today())
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expect), "{err} / {expect}");
    }
    // Decide every item; the application becomes 已决定 with the last one.
    for (item, o) in created.items.iter().zip(&choosable) {
        let mut tx = db.begin().await.unwrap();
        let after = workflow::decide_item(
            &mut tx,
            &actor(),
            item.id,
            &bad(*o, "依法不予公开的理由", "第3页个人信息"),
            today(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let last = item.id == created.items.last().unwrap().id;
        assert_eq!(after.stage().unwrap() == Stage::Decided, last);
    }
    // Re-deciding replaces the one primary outcome.
    let mut tx = db.begin().await.unwrap();
    workflow::decide_item(
        &mut tx,
        &actor(),
        created.items[0].id,
        &bad(Outcome::Granted, "", ""),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Reply, then archive.
    let mut tx = db.begin().await.unwrap();
    let replied =
        workflow::record_reply(&mut tx, &actor(), a.id, "email", d("2025-03-21"), today())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(replied.stage().unwrap(), Stage::Replied);
    assert!(!reply_due(db, a.id).await.unwrap().is_open());
    // Closures for （六）1/（六）2 and a carried-over application (received 2025, undecided).
    let b = create(db, &new_app(s.root, "in_person", "2025-12-01"))
        .await
        .application;
    let rec = applications::table3_records(db, s.root, 2025)
        .await
        .unwrap();
    assert_eq!(rec.len(), choosable.len() + 1);
    let t = table3::count(&rec, 2025).unwrap();
    assert!(t.check().is_empty(), "{:?}", t.check());
    assert_eq!(
        t.new_received[6],
        i64::try_from(choosable.len()).unwrap() + 1
    );
    assert_eq!(t.carried_over_out[6], 1);
    for o in &choosable {
        assert_eq!(t.results[o.index()][0], 1, "{o:?}");
    }
    // The child's subtree has none of them.
    assert!(
        applications::table3_records(db, s.child, 2025)
            .await
            .unwrap()
            .is_empty()
    );
    // Next year: b is carried over in.
    let t26 = table3::count(
        &applications::table3_records(db, s.root, 2026)
            .await
            .unwrap(),
        2026,
    )
    .unwrap();
    assert_eq!(t26.carried_over_in[6], 1);
    assert!(t26.check().is_empty());
    let _ = b;
});

both_backends!(scope_applicant_visibility_repeat_and_audit, |db| {
    let s = setup(db).await;
    let at_child = create(db, &new_app(s.child, "in_person", "2025-03-03")).await;
    let at_other = create(db, &new_app(s.other, "in_person", "2025-03-03")).await;
    let child_list = applications::list(db, &[s.child], &ListFilter::default())
        .await
        .unwrap();
    assert_eq!(
        child_list.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![at_child.application.id]
    );
    let all = applications::list(db, &[s.root], &ListFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        applications::list(db, &[], &ListFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let filtered = applications::list(
        db,
        &[s.root],
        &ListFilter {
            q: Some(at_other.application.tracking_no.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(filtered.len(), 1);
    // The applicant: number + secret only; a wrong secret and an unknown number look the same.
    let no = &at_child.application.tracking_no;
    assert!(
        applications::find_for_applicant(db, no, &at_child.secret)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        applications::find_for_applicant(db, no, &at_child.secret.to_lowercase())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        applications::find_for_applicant(db, no, &at_other.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        applications::find_for_applicant(db, "2099000001", &at_child.secret)
            .await
            .unwrap()
            .is_none()
    );
    // Repeat flag (Art. 36(六)): same applicant, same information.
    assert_eq!(
        at_other.application.repeat_of,
        Some(at_child.application.id)
    );
    let mut n = new_app(s.child, "in_person", "2025-03-04");
    n.id_number = ID2.into();
    let stranger = create(db, &n).await;
    assert_eq!(stranger.application.repeat_of, None);
    // Art. 44: two distinct applicants asked for it.
    let popular = applications::popular_requests(db, &[s.root]).await.unwrap();
    assert_eq!(
        popular,
        vec![("2024年残疾人就业补贴发放情况".to_owned(), 2)]
    );
    // Personal data never enter the audit log.
    let records = audit::list(
        db,
        &audit::Filter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(records.iter().any(|r| r.action == "application.register"));
    for r in &records {
        let text = format!("{:?}{:?}", r.before_json, r.after_json);
        assert!(
            !text.contains(ID) && !text.contains("0431-88888888"),
            "{text}"
        );
    }
    // An organisation applicant needs a valid USCC.
    let mut org_app = new_app(s.root, "in_person", "2025-03-03");
    org_app.applicant_type = "commercial".into();
    org_app.id_number = "91110000600037341A".into();
    let errors = applications::validate(&org_app, today());
    assert!(
        errors
            .iter()
            .any(|e| e.field == "id_number" && e.message.contains("统一社会信用代码"))
    );
    org_app.id_number = USCC.into();
    assert!(applications::validate(&org_app, today()).is_empty());
});

both_backends!(review_register_feeds_table4, |db| {
    let s = setup(db).await;
    let a = create(db, &new_app(s.root, "in_person", "2025-03-03"))
        .await
        .application;
    let input = CaseInput {
        org_id: s.root,
        application_id: Some(a.id),
        kind: CaseKind::Review,
        case_no: "长府复〔2025〕1号".into(),
        body_name: "长春市人民政府".into(),
        filed_on: d("2025-05-06"),
        result: CaseResult::Pending,
        concluded_on: None,
        note: String::new(),
    };
    let mut tx = db.begin().await.unwrap();
    let bad = register::create(
        &mut tx,
        &actor(),
        &CaseInput {
            concluded_on: Some(d("2025-06-01")),
            ..input.clone()
        },
        today(),
    )
    .await;
    assert!(bad.is_err(), "pending with a conclusion date");
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let c = register::create(&mut tx, &actor(), &input, today())
        .await
        .unwrap();
    register::create(
        &mut tx,
        &actor(),
        &CaseInput {
            kind: CaseKind::LitigationDirect,
            application_id: None,
            result: CaseResult::Corrected,
            concluded_on: Some(d("2025-09-01")),
            ..input.clone()
        },
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    register::update(
        &mut tx,
        &actor(),
        c.id,
        &CaseInput {
            result: CaseResult::Upheld,
            concluded_on: Some(d("2025-07-01")),
            ..input.clone()
        },
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let t4 = Table4::count(&register::table4_cases(db, s.root, 2025).await.unwrap());
    assert_eq!(t4.cells[0], [1, 0, 0, 0, 1]);
    assert_eq!(t4.cells[1], [0, 1, 0, 0, 1]);
    assert!(t4.check().is_empty());
    assert!(
        register::list(db, &[s.child], None)
            .await
            .unwrap()
            .is_empty()
    );
});
