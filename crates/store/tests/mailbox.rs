//! Mailbox (issue #7): the processing form from submission to follow-up, deadlines on the
//! working-day calendar and the 信访 calendar-day switch, automatic supervision exactly once,
//! publication only with consent and review and with masking, rating and reopening, scoped
//! lists, statistics. Every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::mailbox::{Rating, Status};
use gongkai_core::vault::Vault;
use gongkai_store::audit::Actor;
use gongkai_store::mailbox::boxes::{self, BoxInput};
use gongkai_store::mailbox::messages::{self, ListFilter, Submission};
use gongkai_store::mailbox::{convert, public, stats, supervision};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::{
    Db, StoreError, applications, both_backends, calendar, deadlines, on_db, personal,
};

/// The vault of these tests (fixed keys).
fn vault() -> Vault {
    Vault::for_tests()
}

fn actor() -> Actor {
    Actor::user(1, "office", "127.0.0.1")
}

/// Noon CST of a date, in ms.
fn at(y: i32, m: u32, d: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(4, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

struct Setup {
    root: i64,
    dept: i64,
    other: i64,
    box_id: i64,
}

async fn setup(db: &Db) -> Setup {
    calendar::seed_official(db).await.unwrap();
    boxes::seed_default_topics(db).await.unwrap();
    boxes::seed_default_topics(db).await.unwrap();
    assert_eq!(boxes::list_topics(db).await.unwrap().len(), 7);
    let mut tx = db.begin().await.unwrap();
    let mk = |code: &str, parent: Option<i64>| OrgInput {
        parent_id: parent,
        kind: if parent.is_none() {
            "body"
        } else {
            "department"
        }
        .into(),
        code: code.into(),
        full_name: format!("{code} 全称"),
        short_name: code.into(),
        ..Default::default()
    };
    let root = orgs::create(&mut tx, &actor(), &mk("root", None))
        .await
        .unwrap();
    let dept = orgs::create(&mut tx, &actor(), &mk("dept", Some(root.id)))
        .await
        .unwrap();
    let other = orgs::create(&mut tx, &actor(), &mk("other", None))
        .await
        .unwrap();
    let b = boxes::create_box(
        &mut tx,
        &actor(),
        &BoxInput {
            org_id: root.id,
            code: "director".into(),
            name: "理事长信箱".into(),
            intro: String::new(),
            name_required: true,
            reply_workdays: 5,
            publish_by_default: true,
            active: true,
            sort_order: 0,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Setup {
        root: root.id,
        dept: dept.id,
        other: other.id,
        box_id: b.id,
    }
}

fn submission(box_id: i64, consent: bool) -> Submission {
    Submission {
        box_id,
        topic_code: "certificate".into(),
        title: "残疾人证换证咨询".into(),
        content:
            "我叫王小明，身份证号11010519491231002X，手机13812345678，请问残疾人证到期如何换领？"
                .into(),
        name: "王小明".into(),
        phone: "13812345678".into(),
        email: String::new(),
        consent_publish: consent,
        channel: "online".into(),
    }
}

both_backends!(whole_loop_with_deadlines_and_masking, |db| {
    let s = setup(db).await;
    let a = actor();
    // Submitted on Friday 2019-09-27; 5 working days skip the National Day holiday
    // (2019-10-01..07) and count the adjusted working day 2019-09-29 (Sunday).
    let mut tx = db.begin().await.unwrap();
    let r = messages::submit(
        &mut tx,
        &a,
        &vault(),
        &submission(s.box_id, true),
        at(2019, 9, 27),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r.query_no, "2019-00001");
    assert_eq!(r.secret.len(), 8);
    let id = r.message.id;
    let dl = deadlines::get(db, "mailbox_message", id, "reply")
        .await
        .unwrap()
        .unwrap();
    // 9-29 (调休 workday), 9-30, 10-08, 10-09, 10-10.
    assert_eq!(dl.due_date, "2019-10-10");

    // Lookup needs both parts.
    assert!(
        messages::lookup(db, &r.query_no, &r.secret)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        messages::lookup(db, &r.query_no, &r.secret.to_lowercase())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        messages::lookup(db, &r.query_no, "WRONG123")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        messages::lookup(db, "2019-00002", &r.secret)
            .await
            .unwrap()
            .is_none()
    );

    // Steps out of order are refused with a Chinese message.
    let mut tx = db.begin().await.unwrap();
    let e = messages::forward(&mut tx, &a, id, s.dept, "请答复", at(2019, 9, 27))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(ref m) if m.contains("待登记")),
        "{e:?}"
    );
    drop(tx);

    let mut tx = db.begin().await.unwrap();
    messages::register(&mut tx, &a, id, "", at(2019, 9, 27))
        .await
        .unwrap();
    messages::classify(&mut tx, &a, id, "benefits", "属优惠政策", at(2019, 9, 27))
        .await
        .unwrap();
    // Forwarding outside the box organisation's subtree is refused.
    assert!(matches!(
        messages::forward(&mut tx, &a, id, s.other, "x", at(2019, 9, 27)).await,
        Err(StoreError::Invalid(_))
    ));
    messages::forward(&mut tx, &a, id, s.dept, "请于期限内答复", at(2019, 9, 27))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Automatic supervision: on 10-09 the deadline (10-10) is within 2 working days → one
    // due-soon notice, issued once however often the sweep runs; on 10-11 it is overdue → one
    // escalated notice.
    let today = NaiveDate::from_ymd_opt(2019, 10, 9).unwrap();
    assert_eq!(
        supervision::auto_supervise(db, today, at(2019, 10, 9))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        supervision::auto_supervise(db, today, at(2019, 10, 9))
            .await
            .unwrap(),
        0
    );
    let late = NaiveDate::from_ymd_opt(2019, 10, 11).unwrap();
    assert_eq!(
        supervision::auto_supervise(db, late, at(2019, 10, 11))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        supervision::auto_supervise(db, late, at(2019, 10, 11))
            .await
            .unwrap(),
        0
    );
    let n = supervision::notices(db, id).await.unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!((n[0].cause.as_str(), n[0].escalated), ("due_soon", false));
    assert_eq!((n[1].cause.as_str(), n[1].escalated), ("overdue", true));
    assert_eq!(n[1].dept_id, Some(s.dept));
    // Manual notice, escalated; the department's queue shows all three.
    let mut tx = db.begin().await.unwrap();
    supervision::supervise(&mut tx, &a, id, "请科室负责人关注", true, at(2019, 10, 11))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        supervision::for_departments(db, &[s.dept])
            .await
            .unwrap()
            .len(),
        3
    );
    let dash = supervision::dashboard(db, &[s.root], late).await.unwrap();
    assert_eq!(dash.len(), 1);
    assert_eq!((dash[0].open, dash[0].overdue, dash[0].due_soon), (1, 1, 0));

    // Department drafts; office returns, department redrafts, office approves and replies.
    let mut tx = db.begin().await.unwrap();
    messages::draft(&mut tx, &a, id, "初稿", at(2019, 10, 11))
        .await
        .unwrap();
    messages::return_draft(&mut tx, &a, id, "请补充办理地点", at(2019, 10, 11))
        .await
        .unwrap();
    messages::draft(
        &mut tx,
        &a,
        id,
        "王小明您好：请携带身份证11010519491231002X到区残联换领。",
        at(2019, 10, 12),
    )
    .await
    .unwrap();
    messages::approve(&mut tx, &a, id, "", "同意", at(2019, 10, 14))
        .await
        .unwrap();
    let m = messages::send_reply(&mut tx, &a, &vault(), id, at(2019, 10, 14))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(m.status, "replied");
    assert_eq!(m.due_on.as_deref(), Some("2019-10-10"));
    assert!(!m.in_time, "replied after the due date");
    // 9-29, 9-30, 10-08, 10-09, 10-10, 10-11, 10-12 (调休 Saturday), 10-14.
    assert_eq!(m.reply_days, Some(8));
    assert!(
        !deadlines::get(db, "mailbox_message", id, "reply")
            .await
            .unwrap()
            .unwrap()
            .is_open()
    );
    // Consent + box default: masked texts wait for review; nothing is public yet.
    assert_eq!(m.publication, "pending_review");
    assert!(!m.public_question.contains("11010519491231002X"));
    assert!(!m.public_question.contains("13812345678"));
    assert!(!m.public_question.contains("王小明"));
    assert!(m.public_question.contains("110105********002X"));
    assert!(!m.public_reply.contains("王小明"));
    assert!(
        public::published_one(db, &gongkai_store::sites::Scope::All, id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        public::published(db, &gongkai_store::sites::Scope::All, None, 1, 20)
            .await
            .unwrap()
            .total,
        0
    );
    // Review puts it online.
    let mut tx = db.begin().await.unwrap();
    public::review(&mut tx, &a, id, true, "", at(2019, 10, 15))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let qa = public::published_one(db, &gongkai_store::sites::Scope::All, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(qa.topic_label, "优惠政策");
    assert_eq!(
        public::published(
            db,
            &gongkai_store::sites::Scope::All,
            Some("benefits"),
            1,
            20
        )
        .await
        .unwrap()
        .total,
        1
    );
    assert_eq!(
        public::published(db, &gongkai_store::sites::Scope::All, Some("other"), 1, 20)
            .await
            .unwrap()
            .total,
        0
    );

    // The writer is not satisfied: reopened, with a new clock; the office keeps the reply.
    let mut tx = db.begin().await.unwrap();
    let e = messages::rate(
        &mut tx,
        &Actor::system(),
        &r.query_no,
        "BADBAD22",
        Rating::Fair,
        "",
        at(2019, 10, 16),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, StoreError::NotFound(_)));
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        messages::rate(
            &mut tx,
            &Actor::system(),
            &r.query_no,
            &r.secret,
            Rating::Unsatisfied,
            "",
            at(2019, 10, 16)
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    let m = messages::rate(
        &mut tx,
        &Actor::system(),
        &r.query_no,
        &r.secret,
        Rating::Unsatisfied,
        "没有说明材料",
        at(2019, 10, 16),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(m.status, Status::Reopened.code());
    assert!(
        deadlines::get(db, "mailbox_message", id, "reply")
            .await
            .unwrap()
            .unwrap()
            .is_open()
    );
    let mut tx = db.begin().await.unwrap();
    messages::close(&mut tx, &a, id, "已电话说明所需材料", at(2019, 10, 17))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        !deadlines::get(db, "mailbox_message", id, "reply")
            .await
            .unwrap()
            .unwrap()
            .is_open()
    );

    // The processing form has every step, and each has an audit record.
    let steps: Vec<String> = messages::steps(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.step)
        .collect();
    assert_eq!(
        steps,
        [
            "submit",
            "register",
            "classify",
            "forward",
            "supervise",
            "supervise",
            "supervise",
            "draft",
            "return_draft",
            "draft",
            "approve",
            "reply",
            "publish_prepare",
            "publish_review",
            "rate",
            "close"
        ]
    );
    let log = gongkai_store::audit::list(
        db,
        &gongkai_store::audit::Filter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mailbox_actions = log
        .iter()
        .filter(|r| r.action.starts_with("mailbox."))
        .count();
    assert!(
        mailbox_actions >= steps.len(),
        "{mailbox_actions} audit records"
    );
    // The writer's phone number never enters the audit log (personal data stays in its columns).
    assert!(log.iter().all(|r| {
        !r.after_json
            .as_deref()
            .unwrap_or("")
            .contains("13812345678")
    }));

    // Statistics of 2019.
    let st = stats::year_statistics(db, None, 2019).await.unwrap();
    assert_eq!((st.total, st.replied, st.in_time), (1, 1, 0));
    assert_eq!(st.by_month[8], 1);
    assert_eq!(st.box_count("director"), 1);
    assert_eq!(st.unsatisfied, 1);
    assert_eq!(st.median_reply_tenths, Some(80));
    assert_eq!(st.max_reply_days, Some(8));
    assert_eq!(st.published, 1);
    // Scoped: the other root sees nothing.
    assert_eq!(
        stats::year_statistics(db, Some(&[s.other]), 2019)
            .await
            .unwrap()
            .total,
        0
    );
});

both_backends!(unconsented_never_public_and_review_gates, |db| {
    let s = setup(db).await;
    let a = actor();
    let mut tx = db.begin().await.unwrap();
    let r = messages::submit(
        &mut tx,
        &a,
        &vault(),
        &submission(s.box_id, false),
        at(2019, 3, 4),
    )
    .await
    .unwrap();
    let id = r.message.id;
    messages::register(&mut tx, &a, id, "", at(2019, 3, 4))
        .await
        .unwrap();
    messages::forward(&mut tx, &a, id, s.dept, "请答复", at(2019, 3, 4))
        .await
        .unwrap();
    messages::draft(&mut tx, &a, id, "答复", at(2019, 3, 5))
        .await
        .unwrap();
    messages::approve(&mut tx, &a, id, "", "", at(2019, 3, 5))
        .await
        .unwrap();
    let m = messages::send_reply(&mut tx, &a, &vault(), id, at(2019, 3, 5))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(m.in_time);
    assert_eq!(m.publication, "none");
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        public::prepare(&mut tx, &a, &vault(), id, at(2019, 3, 6)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        public::review(&mut tx, &a, id, true, "", at(2019, 3, 6)).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    assert!(
        public::published_one(db, &gongkai_store::sites::Scope::All, id)
            .await
            .unwrap()
            .is_none()
    );

    // A consented one whose public text still holds personal data cannot pass review; a
    // refused review keeps it off the portal.
    let mut tx = db.begin().await.unwrap();
    let r2 = messages::submit(
        &mut tx,
        &a,
        &vault(),
        &submission(s.box_id, true),
        at(2019, 3, 4),
    )
    .await
    .unwrap();
    let id2 = r2.message.id;
    messages::register(&mut tx, &a, id2, "", at(2019, 3, 4))
        .await
        .unwrap();
    messages::forward(&mut tx, &a, id2, s.dept, "请答复", at(2019, 3, 4))
        .await
        .unwrap();
    messages::draft(&mut tx, &a, id2, "答复", at(2019, 3, 5))
        .await
        .unwrap();
    messages::approve(&mut tx, &a, id2, "", "", at(2019, 3, 5))
        .await
        .unwrap();
    messages::send_reply(&mut tx, &a, &vault(), id2, at(2019, 3, 5))
        .await
        .unwrap();
    public::edit_public(
        &mut tx,
        &a,
        id2,
        "标题",
        "电话13912345678",
        "答复",
        at(2019, 3, 6),
    )
    .await
    .unwrap();
    let e = public::review(&mut tx, &a, id2, true, "", at(2019, 3, 6))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(ref m) if m.contains("手机号码")),
        "{e:?}"
    );
    assert!(matches!(
        public::review(&mut tx, &a, id2, false, "", at(2019, 3, 6)).await,
        Err(StoreError::Invalid(_))
    ));
    public::review(&mut tx, &a, id2, false, "涉及个人隐私", at(2019, 3, 6))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        public::published_one(db, &gongkai_store::sites::Scope::All, id2)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        public::published(db, &gongkai_store::sites::Scope::All, None, 1, 20)
            .await
            .unwrap()
            .total,
        0
    );
});

both_backends!(
    petition_switches_to_calendar_days_and_lists_are_scoped,
    |db| {
        let s = setup(db).await;
        let a = actor();
        let mut tx = db.begin().await.unwrap();
        let r = messages::submit(
            &mut tx,
            &a,
            &vault(),
            &submission(s.box_id, false),
            at(2019, 4, 1),
        )
        .await
        .unwrap();
        let id = r.message.id;
        // Not before registration.
        assert!(matches!(
            messages::convert_to_petition(&mut tx, &a, id, "反映问题属信访事项", at(2019, 4, 2))
                .await,
            Err(StoreError::Conflict(_))
        ));
        messages::register(&mut tx, &a, id, "", at(2019, 4, 2))
            .await
            .unwrap();
        let m =
            messages::convert_to_petition(&mut tx, &a, id, "反映问题属信访事项", at(2019, 4, 3))
                .await
                .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(m.kind, "petition");
        // 信访工作条例 Art. 34: 60 calendar days from 受理 (2019-04-03) → 2019-06-02, a Sunday, so
        // the end-day rule moves it to Monday 2019-06-03.
        let dl = deadlines::get(db, "mailbox_message", id, "reply")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dl.due_date, "2019-06-03");
        let step = messages::steps(db, id).await.unwrap().pop().unwrap();
        assert_eq!(step.step, "petition");
        assert!(step.detail_json.contains("\"within_decision_period\":true"));

        // Lists: the office of the root sees it, the other root's office does not; the department
        // sees it only once forwarded to it.
        let f = ListFilter::default();
        assert_eq!(
            messages::list(db, &[s.root], &[], &f).await.unwrap().len(),
            1
        );
        assert!(
            messages::list(db, &[s.other], &[], &f)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            messages::list(db, &[], &[s.dept], &f)
                .await
                .unwrap()
                .is_empty()
        );
        let mut tx = db.begin().await.unwrap();
        messages::forward(&mut tx, &a, id, s.dept, "请按信访程序办理", at(2019, 4, 3))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            messages::list(db, &[], &[s.dept], &f).await.unwrap().len(),
            1
        );
        let pf = ListFilter {
            kind: Some("petition".into()),
            ..Default::default()
        };
        assert_eq!(
            messages::list(db, &[s.root], &[], &pf).await.unwrap().len(),
            1
        );
        assert_eq!(
            stats::year_statistics(db, None, 2019)
                .await
                .unwrap()
                .petitions,
            1
        );
    }
);

both_backends!(validation_messages, |db| {
    let s = setup(db).await;
    let mut tx = db.begin().await.unwrap();
    let mut bad = submission(s.box_id, true);
    bad.name = String::new();
    let e = messages::submit(&mut tx, &actor(), &vault(), &bad, at(2019, 1, 2))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(ref m) if m.contains("姓名")),
        "{e:?}"
    );
    let mut bad = submission(s.box_id, true);
    bad.topic_code = "nope".into();
    assert!(matches!(
        messages::submit(&mut tx, &actor(), &vault(), &bad, at(2019, 1, 2)).await,
        Err(StoreError::Invalid(_))
    ));
    let mut bad = submission(s.box_id, true);
    bad.email = "not-an-email".into();
    assert!(matches!(
        messages::submit(&mut tx, &actor(), &vault(), &bad, at(2019, 1, 2)).await,
        Err(StoreError::Invalid(_))
    ));
    // Box rules.
    let e = boxes::create_box(
        &mut tx,
        &actor(),
        &BoxInput {
            org_id: s.root,
            code: "director".into(),
            name: "重复".into(),
            reply_workdays: 5,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let e = boxes::create_box(
        &mut tx,
        &actor(),
        &BoxInput {
            org_id: s.root,
            code: "x".into(),
            name: "x".into(),
            reply_workdays: 0,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(ref m) if m.contains("工作日")),
        "{e:?}"
    );
});

// The demo replays the seed's 2019 figures (长春市残联 2019 年度报告): 处理网站理事长信箱在线咨询
// 26件 and 办理网上留言26条次，主要集中残疾人证办理、优惠政策等方面问题，全部及时予以解答.
both_backends!(demo_2019_statistics_equal_the_seed, |db| {
    gongkai_store::demo::load_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let s = stats::year_statistics(db, None, 2019).await.unwrap();
    assert_eq!(s.box_count("director") + s.box_count("consult"), 26);
    assert_eq!(s.box_count("messages"), 26);
    assert_eq!(s.total, 52);
    // 全部及时予以解答 / 在规定时限内进行回复.
    assert_eq!((s.replied, s.in_time), (52, 52));
    assert_eq!(s.in_time_per_mille, Some(1000));
    // 主要集中残疾人证办理、优惠政策: these two topics are the largest, together a majority.
    let count = |code: &str| s.by_topic.iter().find(|c| c.key == code).unwrap().count;
    let top = count("certificate") + count("benefits");
    assert!(top * 2 > s.total, "{:?}", s.by_topic);
    for c in &s.by_topic {
        if c.key != "certificate" && c.key != "benefits" {
            assert!(
                c.count < count("certificate") && c.count < count("benefits"),
                "{c:?}"
            );
        }
    }
    assert_eq!(s.by_month.iter().sum::<i64>(), 52);
    // Every published demo answer is masked: no writer's phone number is public.
    let page = public::published(db, &gongkai_store::sites::Scope::All, None, 1, 100)
        .await
        .unwrap();
    assert!(page.total > 0);
    assert!(page.entries.iter().all(|q| !q.question.contains("1390431")));
    // The processing form of each case has every step, and no 2019 deadline is left open.
    let open = deadlines::list_open(
        db,
        &[orgs::by_code(db, "ccdpf").await.unwrap().unwrap().id],
        &deadlines::OpenFilter::new(
            NaiveDate::from_ymd_opt(2019, 12, 31).unwrap(),
            deadlines::Window::Overdue,
        ),
    )
    .await
    .unwrap();
    assert!(
        open.iter().all(|d| d.object_type != "mailbox_message"),
        "{open:?}"
    );
});

/// Every column of the message as stored (the struct holds every column of the table), as one
/// JSON string.
async fn raw_row(db: &Db, id: i64) -> String {
    let m = messages::get(db, id).await.unwrap().unwrap();
    serde_json::to_string(&m).unwrap()
}

both_backends!(contact_details_are_sealed_at_rest_and_masked, |db| {
    let s = setup(db).await;
    let a = actor();
    let v = vault();
    personal::register_keys(db, &v, &a).await.unwrap();
    let sub = Submission {
        content: "请问残疾人证到期如何换领？".into(),
        email: "wangxm@example.cn".into(),
        phone: "0431-88651548".into(),
        ..submission(s.box_id, true)
    };
    let mut tx = db.begin().await.unwrap();
    let r = messages::submit(&mut tx, &a, &v, &sub, at(2019, 9, 27))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let id = r.message.id;
    // Read raw: only ciphertexts under the vault's key, no plaintext anywhere in the row or in
    // the audit log.
    let (name, phone, email): (String, String, String) = on_db!(db, |p| sqlx::query_as(
        "SELECT pii_name, pii_phone, pii_email FROM mailbox_messages WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await
    .unwrap());
    for v in [&name, &phone, &email] {
        assert!(v.starts_with("gkv1:sm4-gcm:t1:"), "{v}");
    }
    let row = raw_row(db, id).await;
    let audit: Vec<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(before_json, '') || COALESCE(after_json, '') FROM audit_log"
    )
    .fetch_all(p)
    .await
    .unwrap());
    for plain in [
        "王小明",
        "0431-88651548",
        "88651548",
        "wangxm@example.cn",
        "wangxm",
    ] {
        assert!(!row.contains(plain), "{plain} in the row");
        assert!(audit.iter().all(|x| !x.contains(plain)), "{plain} audited");
    }
    // Opened with the vault; masked for display; another vault cannot open them.
    let m = messages::get(db, id).await.unwrap().unwrap();
    let c = m.contact(&v).unwrap();
    assert_eq!(
        (c.name.as_str(), c.phone.as_str(), c.email.as_str()),
        ("王小明", "0431-88651548", "wangxm@example.cn")
    );
    let masked = c.masked();
    assert_eq!(masked.name, "王*明");
    assert_eq!(masked.phone, "0431-****1548");
    assert_eq!(masked.email, "w*****@example.cn");
    assert_eq!(
        messages::Contact {
            phone: "13812345678".into(),
            ..Default::default()
        }
        .masked()
        .phone,
        "138****5678"
    );
    let other = gongkai_core::vault::Vault::generate(gongkai_core::vault::Algorithm::Sm4Gcm, "x");
    assert!(m.contact(&other).is_err());
    // Nothing is pending for the current key; a value written before the columns were sealed
    // (plaintext) is sealed by the re-seal job and still opens.
    let mailbox_pending = |st: Vec<personal::ColumnStatus>| -> i64 {
        st.iter()
            .filter(|c| c.context.starts_with("mailbox_messages."))
            .map(|c| c.pending)
            .sum()
    };
    assert_eq!(mailbox_pending(personal::status(db, &v).await.unwrap()), 0);
    on_db!(db, |p| sqlx::query(
        "UPDATE mailbox_messages SET pii_phone = '13900001111' WHERE id = $1"
    )
    .bind(id)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    assert_eq!(mailbox_pending(personal::status(db, &v).await.unwrap()), 1);
    personal::reseal_all(db, &v, std::path::Path::new("/nonexistent"), 10, &a)
        .await
        .unwrap();
    assert_eq!(mailbox_pending(personal::status(db, &v).await.unwrap()), 0);
    assert!(!raw_row(db, id).await.contains("13900001111"));
    let m = messages::get(db, id).await.unwrap().unwrap();
    assert_eq!(m.contact(&v).unwrap().phone, "13900001111");
    // The masking of published texts still removes the writer's name (opened from the vault).
    let mut tx = db.begin().await.unwrap();
    let m = messages::submit(
        &mut tx,
        &a,
        &v,
        &Submission {
            title: "王小明的问题".into(),
            ..submission(s.box_id, true)
        },
        at(2019, 9, 27),
    )
    .await
    .unwrap()
    .message;
    messages::register(&mut tx, &a, m.id, "", at(2019, 9, 27))
        .await
        .unwrap();
    messages::forward(&mut tx, &a, m.id, s.dept, "请答复", at(2019, 9, 27))
        .await
        .unwrap();
    messages::draft(
        &mut tx,
        &a,
        m.id,
        "王小明您好：请到区残联办理。",
        at(2019, 9, 29),
    )
    .await
    .unwrap();
    messages::approve(&mut tx, &a, m.id, "", "", at(2019, 9, 29))
        .await
        .unwrap();
    let m = messages::send_reply(&mut tx, &a, &v, m.id, at(2019, 9, 30))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(m.publication, "pending_review");
    for t in [&m.public_title, &m.public_question, &m.public_reply] {
        assert!(!t.contains("王小明"), "{t}");
    }
    assert!(m.public_title.contains("王某某"));
});

fn convert_input() -> convert::ConvertInput {
    convert::ConvertInput {
        id_kind: "resident_id".into(),
        id_number: "11010519491231002X".into(),
        info_form: "electronic".into(),
        delivery: "online".into(),
        reason: "来信要求公开本机关2019年残疾人证办理数量，属依申请公开事项".into(),
        ..Default::default()
    }
}

both_backends!(conversion_to_an_application, |db| {
    let s = setup(db).await;
    let a = actor();
    let v = vault();
    let now = gongkai_store::now_ms();
    let today = deadlines::today();
    let year = chrono::Datelike::year(&today);
    let content = "请公开贵会2019年残疾人证办理数量的统计。";
    let mut tx = db.begin().await.unwrap();
    let r = messages::submit(
        &mut tx,
        &a,
        &v,
        &Submission {
            content: content.into(),
            email: "wangxm@example.cn".into(),
            ..submission(s.box_id, false)
        },
        now,
    )
    .await
    .unwrap();
    let id = r.message.id;
    // Not before registration.
    assert!(matches!(
        convert::to_application(&mut tx, &a, &v, id, &convert_input(), today, now).await,
        Err(StoreError::Conflict(_))
    ));
    messages::register(&mut tx, &a, id, "", now).await.unwrap();
    // What a message lacks is asked for: the identity document (Art. 29), and a reason.
    let e = convert::to_application(
        &mut tx,
        &a,
        &v,
        id,
        &convert::ConvertInput {
            id_number: String::new(),
            reason: String::new(),
            ..convert_input()
        },
        today,
        now,
    )
    .await
    .unwrap_err();
    let StoreError::Invalid(msg) = e else {
        panic!("{e:?}")
    };
    assert!(
        msg.contains("请填写身份证件号码") && msg.contains("理由"),
        "{msg}"
    );
    let c = convert::to_application(&mut tx, &a, &v, id, &convert_input(), today, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The application: the message's text, the writer's name and contact details, online,
    // 待确认 (Art. 31: the receipt date is the confirmation date), arrived the day of the message.
    let app = &c.application;
    assert_eq!(app.channel, "online");
    assert_eq!(app.stage, "unconfirmed");
    assert_eq!(app.applicant_type, "natural_person");
    assert_eq!(app.applicant_name, "王小明");
    // The contact details are sealed in the application as in the message (issue #13).
    let contact = app.contact(&v).unwrap();
    assert_eq!(contact.phone, "13812345678");
    assert_eq!(contact.email, "wangxm@example.cn");
    assert!(gongkai_core::vault::Vault::is_sealed(&app.pii_phone));
    assert_eq!(app.arrived_on, r.message.received_on);
    assert!(app.received_on.is_none());
    assert!(!c.secret.is_empty());
    let items = applications::items(db, app.id).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].description, content);
    assert!(items[0].features.contains(&r.query_no));
    assert!(
        deadlines::get(db, applications::OBJECT_TYPE, app.id, "reply")
            .await
            .unwrap()
            .is_none()
    );
    let events = applications::events(db, app.id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "from_mailbox" && e.note.contains(&r.query_no))
    );

    // The message: closed for the mailbox, linked both ways, the step recorded, no clock.
    let m = messages::get(db, id).await.unwrap().unwrap();
    assert_eq!(m.status, "closed");
    assert_eq!(m.application_id, Some(app.id));
    assert_eq!(
        convert::source_message(db, app.id).await.unwrap(),
        Some((id, r.query_no.clone()))
    );
    assert_eq!(
        convert::tracking_no(db, app.id).await.unwrap(),
        Some(app.tracking_no.clone())
    );
    let step = messages::steps(db, id).await.unwrap().pop().unwrap();
    assert_eq!(
        (step.step.as_str(), step.label(), step.actor.as_str()),
        (convert::STEP, "转为政府信息公开申请", "office")
    );
    assert!(step.detail_json.contains(&app.tracking_no));
    assert!(
        !deadlines::get(db, "mailbox_message", id, "reply")
            .await
            .unwrap()
            .unwrap()
            .is_open()
    );

    // Twice is refused, naming the application; the writer cannot rate it.
    let mut tx = db.begin().await.unwrap();
    match convert::to_application(&mut tx, &a, &v, id, &convert_input(), today, now).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains(&app.tracking_no), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        messages::rate(
            &mut tx,
            &a,
            &r.query_no,
            &r.secret,
            Rating::Satisfied,
            "",
            now
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);

    // The normal confirm step sets the receipt date and starts the Art. 33 clock.
    let mut tx = db.begin().await.unwrap();
    let confirmed = applications::workflow::confirm(&mut tx, &a, app.id, today, today)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(confirmed.received_on, Some(today.to_string()));
    assert!(
        deadlines::get(db, applications::OBJECT_TYPE, app.id, "reply")
            .await
            .unwrap()
            .unwrap()
            .is_open()
    );

    // Statistics: received and converted, never answered; the reply rate leaves it out.
    let st = stats::year_statistics(db, None, year).await.unwrap();
    assert_eq!((st.total, st.converted, st.replied), (1, 1, 0));
    assert_eq!(st.reply_rate_per_mille, None);
    assert_eq!(st.in_time_per_mille, None);
});
