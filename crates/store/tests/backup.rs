//! Backups, restores and db-copy (issue #2): every test runs on SQLite and on PostgreSQL where
//! that means something; the oracle for "identical rows" is an independent parse of the dumps.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::auth::{Grant, Role};
use gongkai_store::audit::{self, Actor};
use gongkai_store::backup::{self, BackupKind};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::testing::TestDb;
use gongkai_store::users::{self, NewUser};
use gongkai_store::{Db, DbOptions, StoreError, api_tokens, both_backends, jobs, on_tx, pages};
use gongkai_store::{logins, sessions};
use std::collections::BTreeMap;

fn org(code: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: if parent.is_none() { "body" } else { "county" }.into(),
        code: code.into(),
        full_name: format!("{code} 人民政府"),
        short_name: code.into(),
        ..Default::default()
    }
}

/// Fills every registered table, with NULLs, booleans, Chinese text and an org whose parent was
/// created after it (so a naive id-ordered copy would break the foreign key).
async fn seed(db: &Db) {
    let a = Actor::system();
    let mut tx = db.begin().await.unwrap();
    let root = orgs::create(&mut tx, &a, &org("root", None)).await.unwrap();
    let late_child = orgs::create(&mut tx, &a, &org("child", Some(root.id)))
        .await
        .unwrap();
    let mid = orgs::create(&mut tx, &a, &org("mid", Some(root.id)))
        .await
        .unwrap();
    // Re-parent the earlier org under the later one: child (id 2) → mid (id 3).
    orgs::update(&mut tx, &a, late_child.id, &org("child", Some(mid.id)))
        .await
        .unwrap();
    let u = users::create(
        &mut tx,
        &a,
        &NewUser {
            username: "zhang.san".into(),
            display_name: "张三".into(),
            org_id: late_child.id,
            password: "secret-pass-1".into(),
            grants: vec![
                Grant {
                    role: Role::Drafter,
                    scope: late_child.id,
                },
                Grant {
                    role: Role::Auditor,
                    scope: root.id,
                },
            ],
            must_change_password: true,
        },
    )
    .await
    .unwrap();
    api_tokens::create(&mut tx, &a, u.id, "报表接口")
        .await
        .unwrap();
    sessions::create(&mut tx, u.id, sessions::Lifetimes::default())
        .await
        .unwrap();
    logins::record(&mut tx, "zhang.san", "10.0.0.1", false)
        .await
        .unwrap();
    logins::record(&mut tx, "zhang.san", "10.0.0.1", true)
        .await
        .unwrap();
    jobs::enqueue(
        &mut tx,
        "reindex",
        &serde_json::json!({"all": true}),
        Some("reindex-all"),
        0,
    )
    .await
    .unwrap();
    jobs::enqueue(&mut tx, "mail", &serde_json::json!({}), None, 0)
        .await
        .unwrap();
    pages::put(&mut tx, &a, "guide", "政府信息公开指南", "第一条……\n“引号”")
        .await
        .unwrap();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ('site.name', '某某县人民政府', 1)"
    )
    .execute(c)
    .await
    .unwrap()
    .rows_affected());
    // Public-form abuse protection (migration 0006): a counted submission and a spent challenge.
    gongkai_store::ratelimit::take_in(
        &mut tx,
        "apply:ip",
        "10.0.0.9",
        gongkai_store::ratelimit::Limit::per_hour(10),
        1_000,
    )
    .await
    .unwrap();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO spent_challenges (id, expires_at) VALUES ('q:seed', 4102444800000)"
    )
    .execute(c)
    .await
    .unwrap()
    .rows_affected());
    // An attachment row (migration 0004); the file itself lives outside the database.
    let data = tempfile::tempdir().unwrap();
    let stored = gongkai_store::attachments::store_file(
        data.path(),
        "附件正文".as_bytes(),
        "附件.txt",
        &gongkai_store::attachments::Limits::default(),
    )
    .unwrap();
    gongkai_store::attachments::attach(
        &mut tx,
        &a,
        gongkai_store::attachments::Owner {
            owner_type: "page",
            owner_id: 1,
        },
        &stored,
        "",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // The calendar tables and the deadlines register (migration 0002).
    gongkai_store::calendar::seed_official(db).await.unwrap();
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut tx = db.begin().await.unwrap();
    gongkai_store::calendar::override_day(
        &mut tx,
        &a,
        &gongkai_store::calendar::OverrideInput {
            date: date("2019-07-29"),
            is_workday: false,
            name: "地方节日".into(),
            scope_org_id: Some(mid.id),
            document_number: String::new(),
            notice_url: String::new(),
        },
    )
    .await
    .unwrap();
    gongkai_store::deadlines::upsert(
        &mut tx,
        &a,
        &gongkai_store::deadlines::DeadlineInput {
            object_type: "application".into(),
            object_id: 1,
            org_id: mid.id,
            kind: "reply".into(),
            label: "测试申请答复期限".into(),
            clock: gongkai_core::calendar::Clock::reply(date("2019-07-22")),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    seed_items(db, mid.id, u.id).await;
    // Migration 0010: a registered vault key, and a retention checkpoint (the first record
    // pruned), so backups carry both and the chain still verifies after a restore.
    let vault = gongkai_core::vault::Vault::for_tests();
    gongkai_store::personal::register_keys(db, &vault, &a)
        .await
        .unwrap();
    audit::prune_through(db, 1, &a).await.unwrap().unwrap();
    seed_applications(db, mid.id).await;
    seed_mailbox(db, root.id, late_child.id).await;
    seed_reports(db, root.id).await;
    seed_reminders(db, root.id, u.id).await;
    seed_workplan(db, mid.id, late_child.id, u.id).await;
    seed_import(db).await;
    seed_sites(db, root.id).await;
    // Migration 0016: a pruning mark (everything so far pruned as if a month had passed), an
    // instance's applied position, and a fresh outbox row.
    let month = 30 * 86_400_000;
    gongkai_store::search::prune(db, gongkai_store::now_ms() + month, 7 * 86_400_000)
        .await
        .unwrap();
    gongkai_store::search::report_applied(db, "backup-test", 1)
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    gongkai_store::search::enqueue(&mut tx, gongkai_store::search::KIND_ITEM, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The sites of migration 0022: the root body's site with a host name (the logo column left
/// NULL, the template set).
async fn seed_sites(db: &Db, root: i64) {
    let a = Actor::system();
    let mut tx = db.begin().await.unwrap();
    gongkai_store::sites::create(
        &mut tx,
        &a,
        &gongkai_store::sites::SiteInput {
            code: "district".into(),
            root_org_id: root,
            name: "区残联“政府信息公开”".into(),
            footer: "主办：区残联".into(),
            icp_number: "吉ICP备05001234号-1".into(),
            psb_number: "吉公网安备 22010202000123号".into(),
            index_template: "QCL-{YYYY}-{serial:04}".into(),
            hosts: vec!["District.Example:8080".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// The reminder tables (migration 0019): a reminder, read by the user.
async fn seed_reminders(db: &Db, org_id: i64, user_id: i64) {
    use gongkai_store::reminders::{self, NewReminder, Threshold};
    let a = Actor::system();
    let mut tx = db.begin().await.unwrap();
    let r = reminders::insert(
        &mut tx,
        &a,
        &NewReminder {
            subject_type: "report",
            subject_id: org_id,
            kind: "annual:2018".into(),
            threshold: Threshold::Overdue,
            due_date: chrono::NaiveDate::from_ymd_opt(2019, 1, 31).unwrap(),
            org_id,
            dept_id: None,
            audience: "report",
            title: "2018年政府信息公开工作年度报告已逾期".into(),
            body: "请尽快发布。".into(),
            link: "/admin/reports".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO reminder_reads (reminder_id, user_id, read_at) VALUES ($1, $2, 1)"
    )
    .bind(r.id)
    .bind(user_id)
    .execute(c)
    .await
    .unwrap()
    .rows_affected());
    tx.commit().await.unwrap();
}

/// The work plan and registers (migration 0020): a plan with a task cascaded to a subordinate
/// unit and a progress report, and one record of every register (training with a participant).
async fn seed_workplan(db: &Db, org_id: i64, child_id: i64, user_id: i64) {
    use gongkai_store::records::{self, Input};
    use gongkai_store::workplan::{self, Due, PlanInput, ReportInput, TaskInput};
    let a = Actor::system();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut tx = db.begin().await.unwrap();
    let plan = workplan::create_plan(
        &mut tx,
        &a,
        &PlanInput {
            year: 2019,
            org_id,
            title: "2019年政务公开工作要点".into(),
            goals: "目标".into(),
        },
    )
    .await
    .unwrap();
    let task = workplan::add_task(
        &mut tx,
        &a,
        plan.id,
        &TaskInput {
            org_id,
            title: "更新指南".into(),
            person: "主任".into(),
            basis: "条例".into(),
            due: Due::Workdays {
                start: d("2019-02-18"),
                workdays: 20,
            },
        },
    )
    .await
    .unwrap();
    let kids = workplan::cascade(&mut tx, &a, task.id, &[child_id])
        .await
        .unwrap();
    workplan::report(
        &mut tx,
        &a,
        kids[0].id,
        &ReportInput {
            reported_on: d("2019-03-01"),
            note: "已完成".into(),
            item_id: None,
            done: true,
        },
    )
    .await
    .unwrap();
    let v = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    };
    for (kind, values, participants) in [
        (
            &records::TRAINING,
            v(&[
                ("held_on", "2019-05-10"),
                ("title", "培训"),
                ("category", "business"),
            ]),
            vec![user_id],
        ),
        (
            &records::ASSESSMENTS,
            v(&[
                ("kind", "assessment"),
                ("held_on", "2019-12-20"),
                ("title", "考核"),
            ]),
            vec![],
        ),
        (
            &records::PROPOSALS,
            v(&[
                ("kind", "npc"),
                ("number", "1"),
                ("title", "建议"),
                ("role", "lead"),
                ("received_on", "2019-03-01"),
            ]),
            vec![],
        ),
        (
            &records::PUBLICITY,
            v(&[
                ("kind", "press"),
                ("held_on", "2019-05-16"),
                ("title", "发布会"),
                ("pieces", "1"),
            ]),
            vec![],
        ),
    ] {
        records::create(
            &mut tx,
            &a,
            kind,
            &Input {
                org_id,
                values,
                participants,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The annual-report tables (migration 0017): a report with an acknowledged warning and its
/// frozen figures, and an imported past report.
/// Migration 0023: an import run and the migrated item it logged.
async fn seed_import(db: &Db) {
    use gongkai_store::import::{self, Source};
    let csv = "索引号,标题,发布机构,发布日期,公开目录,正文\r\nOLD-1,迁移的信息,某局,2018-05-06,art20-07,正文\r\n";
    let plan = import::plan(
        db,
        "root",
        Source {
            name: "old.csv".into(),
            bytes: csv.as_bytes().to_vec(),
            files_dir: None,
        },
    )
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let s = import::apply(db, data.path(), &Actor::system(), &plan, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(s.imported, 1);
}

async fn seed_reports(db: &Db, org_id: i64) {
    use gongkai_store::reports::{self, Source};
    let a = Actor::system();
    let mut tx = db.begin().await.unwrap();
    let r = reports::create(&mut tx, &a, org_id, 2019, false)
        .await
        .unwrap();
    reports::acknowledge(
        &mut tx,
        &a,
        r.id,
        "fees.section6",
        "第六部分未说明信息处理费",
    )
    .await
    .unwrap();
    reports::import_past(
        &mut tx,
        &a,
        org_id,
        Source::Json,
        r#"{"format": "2021", "year": 2018, "table3": {"carried_over_out": {"total": 1}}}"#,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let assembled = reports::assemble(db, &r).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2020, 1, 20).unwrap();
    reports::lock(&mut tx, &a, r.id, &assembled, today)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The mailbox tables (migration 0008): a box, the topics, a message forwarded and supervised.
async fn seed_mailbox(db: &Db, org_id: i64, dept_id: i64) {
    use gongkai_store::mailbox::{boxes, messages, supervision};
    boxes::seed_default_topics(db).await.unwrap();
    let a = Actor::system();
    let now = gongkai_store::now_ms();
    let mut tx = db.begin().await.unwrap();
    let b = boxes::create_box(
        &mut tx,
        &a,
        &boxes::BoxInput {
            org_id,
            code: "director".into(),
            name: "理事长信箱".into(),
            reply_workdays: 10,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = messages::submit(
        &mut tx,
        &a,
        &gongkai_core::vault::Vault::for_tests(),
        &messages::Submission {
            box_id: b.id,
            topic_code: "certificate".into(),
            title: "咨询".into(),
            content: "如何办理残疾人证？".into(),
            channel: "online".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    messages::register(&mut tx, &a, r.message.id, "", now)
        .await
        .unwrap();
    messages::forward(&mut tx, &a, r.message.id, dept_id, "请答复", now)
        .await
        .unwrap();
    supervision::supervise(&mut tx, &a, r.message.id, "请抓紧", false, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The item tables (migration 0003): an item through masking, the review chain and publication,
/// a custom 索引号 template and a 保密承诺书.
async fn seed_items(db: &Db, org_id: i64, user_id: i64) {
    use gongkai_core::items::{Capabilities, Check, Disclosure, ReviewChecks};
    use gongkai_store::items::{self, findings, publish, registers, review};
    let a = Actor::user(user_id, "zhang.san", "10.0.0.1");
    let all = Capabilities::ALL;
    let today = gongkai_store::deadlines::today();
    registers::seed_defaults(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    registers::set_template(&mut tx, &a, org_id, "{org_code}-{YYYY}-{serial:04}")
        .await
        .unwrap();
    registers::add_commitment(
        &mut tx,
        &a,
        &registers::CommitmentInput {
            org_id,
            user_id: Some(user_id),
            person_name: "张三".into(),
            role: "保密审查员".into(),
            signed_on: today,
            document_ref: "档案 2026-001".into(),
        },
    )
    .await
    .unwrap();
    let meta = items::Metadata {
        formed_on: today,
        signed_on: None,
        publisher_name: String::new(),
        doc_number: "某政发〔2026〕1号".into(),
        topic_code: String::new(),
        genre_code: "notice".into(),
        catalog_code: "art20-01".into(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    };
    let content = items::Content {
        title: "关于“某事项”的通知".into(),
        summary: String::new(),
        body_html: "<p>身份证号 11010519491231002X</p>".into(),
        keywords: String::new(),
    };
    let item = items::create(&mut tx, &a, org_id, all, &meta, &content)
        .await
        .unwrap();
    let rev = item.current_revision_id.unwrap();
    tx.commit().await.unwrap();
    let finding = findings::list(db, rev).await.unwrap()[0].id;
    let mut tx = db.begin().await.unwrap();
    findings::fix_text(
        &mut tx,
        &a,
        item.id,
        all,
        &[finding],
        findings::TextFix::Mask,
    )
    .await
    .unwrap();
    items::submit(&mut tx, &a, item.id, all).await.unwrap();
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
    review::review(&mut tx, &a, item.id, all, &checks)
        .await
        .unwrap();
    let form = review::ConfidentialityForm {
        form_date: today,
        originating_unit: "办公室".into(),
        info_title: String::new(),
        is_document: true,
        reference_no: String::new(),
        channels: vec!["政府网站".into()],
        planned_on: None,
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: true,
        secrets_note: "身份证号已遮蔽".into(),
        drafter_opinion: "建议公开".into(),
        drafter_name: "张三".into(),
        drafter_on: Some(today),
        head_opinion: String::new(),
        head_name: String::new(),
        head_on: None,
        conclusion: review::Conclusion::Publish,
        basis: "不涉密".into(),
        reviewer_name: String::new(),
        reviewed_on: today,
        remarks: String::new(),
        rereview_due: None,
    };
    review::confidentiality_review(&mut tx, &a, item.id, all, &form)
        .await
        .unwrap();
    review::approve(&mut tx, &a, item.id, all, "同意")
        .await
        .unwrap();
    publish::publish(&mut tx, &a, item.id, all).await.unwrap();
    tx.commit().await.unwrap();
    seed_console(db, org_id, &a).await;
    seed_channels(db, org_id, item.id, &meta, &checks, &form).await;
}

/// Issue #5 tables: the organisation becomes a grassroots unit with a pending submission, the
/// published item goes to a channel and to a syndication target and interprets the new item.
async fn seed_channels(
    db: &Db,
    org_id: i64,
    published: i64,
    meta: &gongkai_store::items::Metadata,
    checks: &gongkai_core::items::ReviewChecks,
    form: &gongkai_store::items::review::ConfidentialityForm,
) {
    use gongkai_core::items::Capabilities;
    use gongkai_store::items::{self, review};
    use gongkai_store::{channels, grassroots, interpretations, syndication};
    let a = Actor::system();
    let all = Capabilities::ALL;
    let mut tx = db.begin().await.unwrap();
    grassroots::set_unit(&mut tx, &a, org_id, true)
        .await
        .unwrap();
    let content = items::Content {
        title: "基层报送的信息".into(),
        summary: String::new(),
        body_html: "<p>正文</p>".into(),
        keywords: String::new(),
    };
    let second = items::create(&mut tx, &a, org_id, all, meta, &content)
        .await
        .unwrap();
    items::submit(&mut tx, &a, second.id, all).await.unwrap();
    review::review(&mut tx, &a, second.id, all, checks)
        .await
        .unwrap();
    review::confidentiality_review(&mut tx, &a, second.id, all, form)
        .await
        .unwrap();
    review::approve(&mut tx, &a, second.id, all, "同意")
        .await
        .unwrap();
    let channel = channels::put(
        &mut tx,
        &a,
        None,
        &channels::ChannelInput {
            kind: channels::Kind::Wechat,
            code: "chunfeng".into(),
            name: "春风惠残".into(),
            description: String::new(),
            sort_order: 0,
            active: true,
        },
    )
    .await
    .unwrap();
    let today = gongkai_store::deadlines::today();
    channels::place(&mut tx, &a, published, channel.id, today)
        .await
        .unwrap();
    let target = syndication::put_target(
        &mut tx,
        &a,
        None,
        &syndication::TargetInput {
            code: "gov".into(),
            name: "市政府网站".into(),
            url: String::new(),
            points_per_adopted: 5,
            rule_note: String::new(),
            sort_order: 0,
            active: true,
        },
    )
    .await
    .unwrap();
    syndication::submit(&mut tx, &a, target.id, today, &[published], "")
        .await
        .unwrap();
    interpretations::put(
        &mut tx,
        &a,
        published,
        &interpretations::Input {
            kind: interpretations::Kind::Text,
            programme: String::new(),
            episode_no: None,
            air_date: None,
            documents: vec![second.id],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// The tables of migration 0012: attachment findings, the guide and the rule documents.
async fn seed_console(db: &Db, org_id: i64, a: &Actor) {
    use gongkai_core::items::{Capabilities, Disclosure};
    use gongkai_store::guide;
    use gongkai_store::items::{self, files};
    let today = gongkai_store::deadlines::today();
    let data = tempfile::tempdir().unwrap();
    let text = "名单：身份证号 11010519491231002X";
    let stored = gongkai_store::attachments::store_file(
        data.path(),
        text.as_bytes(),
        "名单.txt",
        &gongkai_store::attachments::Limits::default(),
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let item = items::create(
        &mut tx,
        a,
        org_id,
        Capabilities::ALL,
        &items::Metadata {
            formed_on: today,
            signed_on: None,
            publisher_name: String::new(),
            doc_number: String::new(),
            topic_code: String::new(),
            genre_code: String::new(),
            catalog_code: "art20-01".into(),
            disclosure: Disclosure::Proactive,
            withhold_ground: String::new(),
            classified: false,
        },
        &items::Content {
            title: "名单公示".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let extracted = gongkai_core::extract::Extracted {
        text: text.into(),
        complete: true,
        notes: Vec::new(),
    };
    let (_, n) = files::attach(
        &mut tx,
        a,
        item.id,
        Capabilities::ALL,
        &stored,
        "",
        Some(&extracted),
    )
    .await
    .unwrap();
    assert!(n > 0);
    guide::put(
        &mut tx,
        a,
        &guide::Guide {
            org_id,
            classification: "分类".into(),
            arrangement: "编排".into(),
            access_methods: "方式".into(),
            office_name: "办公室".into(),
            address: "地址".into(),
            office_hours: "时间".into(),
            phone: "电话".into(),
            fax: "传真".into(),
            internet: "网址".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    guide::add_rule(
        &mut tx,
        a,
        org_id,
        &guide::RuleInput {
            title: "保密审查制度".into(),
            doc_number: String::new(),
            issuer: "本机关".into(),
            issued_on: Some(today),
            summary: String::new(),
            url: String::new(),
            sort_order: 0,
            active: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Every row of every table, parsed from a dump and sorted, so that two databases (even on
/// different backends, whose text ordering may differ) can be compared.
async fn all_rows(db: &Db) -> BTreeMap<String, Vec<String>> {
    let mut buf = Vec::new();
    backup::dump(db, &mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in backup::TABLES {
        out.insert(t.name.to_string(), Vec::new());
    }
    for line in text.lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(table) = v.get("table").and_then(|t| t.as_str()) {
            for row in v["rows"].as_array().unwrap() {
                out.get_mut(table).unwrap().push(row.to_string());
            }
        }
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    out
}

async fn assert_chain_ok(db: &Db, expected_records: u64) {
    let v = audit::verify(db).await.unwrap();
    assert_eq!(v.first_broken, None);
    assert_eq!(v.checked, expected_records);
}

/// After a load, new rows must get fresh ids (PostgreSQL sequences reset) and the audit chain
/// must continue from the copied records.
async fn write_after_load(db: &Db, records_before: u64) {
    let mut tx = db.begin().await.unwrap();
    let root = orgs::by_code(db, "root").await.unwrap().unwrap();
    let new = orgs::create(&mut tx, &Actor::system(), &org("after", Some(root.id)))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(new.id > 3, "identity sequence not reset: got id {}", new.id);
    assert_chain_ok(db, records_before + 1).await;
}

both_backends!(registry_matches_schema, |db| {
    assert_eq!(
        backup::schema_mismatches(db).await.unwrap(),
        Vec::<String>::new()
    );
});

both_backends!(registry_check_catches_unregistered_table_and_column, |db| {
    on_db_exec(db, "CREATE TABLE later_feature (id BIGINT NOT NULL)").await;
    on_db_exec(db, "ALTER TABLE settings ADD COLUMN note TEXT").await;
    let problems = backup::schema_mismatches(db).await.unwrap();
    assert!(
        problems.iter().any(|p| p.contains("later_feature")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("settings.note")),
        "{problems:?}"
    );
    // Dumps refuse rather than leave the table out.
    let err = backup::dump(db, &mut Vec::new()).await.unwrap_err();
    assert!(err.to_string().contains("later_feature"), "{err}");
});

async fn on_db_exec(db: &Db, sql: &'static str) {
    gongkai_store::on_db!(db, |p| sqlx::query(sql)
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
}

both_backends!(dump_restore_round_trip_on_both_targets, |db| {
    seed(db).await;
    let source_rows = all_rows(db).await;
    let records = audit::verify(db).await.unwrap().checked;
    assert!(records >= 6);
    let mut dump = Vec::new();
    let summary = backup::dump(db, &mut dump).await.unwrap();
    assert_eq!(summary.row_counts.len(), backup::TABLES.len());
    assert!(
        summary.row_counts.iter().all(|(_, n)| *n > 0),
        "{summary:?}"
    );

    let sqlite = TestDb::sqlite().await;
    let pg = TestDb::postgres().await;
    let mut targets = vec![sqlite];
    targets.extend(pg);
    for target in &targets {
        let report = backup::restore_dump(&target.db, &mut dump.as_slice())
            .await
            .unwrap();
        for c in &report {
            assert_eq!(c.source, c.target, "{c:?}");
        }
        assert_eq!(all_rows(&target.db).await, source_rows);
        assert_chain_ok(&target.db, records).await;
        write_after_load(&target.db, records).await;
    }
});

both_backends!(restore_refuses_bad_dumps_and_changes_nothing, |db| {
    seed(db).await;
    let mut dump = Vec::new();
    backup::dump(db, &mut dump).await.unwrap();
    let text = String::from_utf8(dump.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    let target = TestDb::sqlite().await;
    // Truncated: no trailer.
    let truncated = lines[..lines.len() - 1].join("\n");
    let err = backup::restore_dump(&target.db, &mut truncated.as_bytes())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不完整"), "{err}");
    // A cell of the wrong type.
    let bad = text.replacen("\"zhang.san\"", "12345", 1);
    let err = backup::restore_dump(&target.db, &mut bad.as_bytes())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("类型不符"), "{err}");
    // A trailer that does not match the rows.
    let last = lines[lines.len() - 1].replace("\"orgs\":3", "\"orgs\":4");
    let wrong = format!("{}\n{last}\n", lines[..lines.len() - 1].join("\n"));
    let err = backup::restore_dump(&target.db, &mut wrong.as_bytes())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("行数核对失败"), "{err}");
    // Not a dump at all.
    let err = backup::restore_dump(&target.db, &mut "hello\n".as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    // A newer schema.
    let current = format!("\"schema_version\":{}", target.db.binary_schema_version());
    let newer = text.replacen(&current, "\"schema_version\":99", 1);
    let err = backup::restore_dump(&target.db, &mut newer.as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    // Every failure rolled back: the target is still empty and accepts the good dump.
    // (Rows a migration inserts, such as the calendar_state counter, are part of "empty".)
    assert!(
        backup::row_counts(&target.db)
            .await
            .unwrap()
            .iter()
            .zip(backup::TABLES)
            .all(|((_, n), t)| *n == 0 || t.migration_seeded)
    );
    backup::restore_dump(&target.db, &mut dump.as_slice())
        .await
        .unwrap();
    // A non-empty target is refused.
    let err = backup::restore_dump(&target.db, &mut dump.as_slice())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("不是空的")),
        "{err}"
    );
});

#[tokio::test]
async fn db_copy_sqlite_to_postgres() {
    let source = TestDb::sqlite().await;
    let Some(target) = TestDb::postgres().await else {
        return;
    };
    seed(&source.db).await;
    let records = audit::verify(&source.db).await.unwrap().checked;
    let report = backup::copy(&source.db, &target.db).await.unwrap();
    assert_eq!(report.len(), backup::TABLES.len());
    let counts = backup::row_counts(&source.db).await.unwrap();
    for (c, (name, n)) in report.iter().zip(&counts) {
        assert_eq!(c.table, *name);
        assert_eq!((c.source, c.target), (*n, *n), "{c:?}");
        assert!(*n > 0, "seed left {name} empty");
    }
    assert_eq!(all_rows(&target.db).await, all_rows(&source.db).await);
    assert_chain_ok(&target.db, records).await;
    write_after_load(&target.db, records).await;

    // A second copy into the now non-empty target is refused, and changes nothing.
    let err = backup::copy(&source.db, &target.db).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("不是空的")),
        "{err}"
    );
    assert_chain_ok(&target.db, records + 1).await;
}

#[tokio::test]
async fn db_copy_refuses_unmigrated_target() {
    let source = TestDb::sqlite().await;
    let Some(target) = TestDb::postgres_empty().await else {
        return;
    };
    seed(&source.db).await;
    let err = backup::copy(&source.db, &target.db).await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooOld { .. }), "{err}");
}

#[tokio::test]
async fn sqlite_backup_and_file_restore() {
    let source = TestDb::sqlite().await;
    seed(&source.db).await;
    let records = audit::verify(&source.db).await.unwrap().checked;
    let rows_at_backup = all_rows(&source.db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");

    let (kind, summary) = backup::backup(&source.db, &file).await.unwrap();
    assert_eq!(kind, BackupKind::SqliteFile);
    assert_eq!(summary.schema_version, source.db.binary_schema_version());
    assert_eq!(
        summary.row_counts,
        backup::row_counts(&source.db).await.unwrap()
    );
    assert_eq!(backup::detect_kind(&file).unwrap(), BackupKind::SqliteFile);
    // Never overwrite.
    let err = backup::backup(&source.db, &file).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    // Changes after the backup are undone by the restore.
    let mut tx = source.db.begin().await.unwrap();
    orgs::create(&mut tx, &Actor::system(), &org("later", None))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Refused while the database is open (as it is while `serve` runs).
    let live = std::path::PathBuf::from(&source.url);
    let err = backup::restore_sqlite_file(&live, &file).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("正被其他进程使用")),
        "{err}"
    );
    source.db.close().await;
    let restored = backup::restore_sqlite_file(&live, &file).await.unwrap();
    assert_eq!(restored.schema_version, source.db.binary_schema_version());
    let previous = restored.previous.unwrap();
    assert!(previous.exists());
    assert!(!live.with_extension("db-wal").exists());

    let db = Db::connect(&source.url, &DbOptions::default())
        .await
        .unwrap();
    db.require_current().await.unwrap();
    assert_eq!(all_rows(&db).await, rows_at_backup);
    assert_chain_ok(&db, records).await;
    db.close().await;

    // The kept database still has the later change.
    let old = Db::connect(previous.to_str().unwrap(), &DbOptions::default())
        .await
        .unwrap();
    assert!(orgs::by_code(&old, "later").await.unwrap().is_some());
    old.close().await;
}

#[tokio::test]
async fn sqlite_restore_refuses_foreign_and_newer_files() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");

    // Not a database at all.
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"\x00\x01 not a database at all").unwrap();
    assert!(backup::detect_kind(&junk).is_err());

    // Some other application's SQLite database.
    let foreign = dir.path().join("foreign.db");
    let other = Db::connect(
        foreign.to_str().unwrap(),
        &DbOptions {
            create: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    gongkai_store::on_db!(&other, |p| sqlx::query("CREATE TABLE t (x TEXT)")
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
    other.close().await;
    let err = backup::restore_sqlite_file(&live, &foreign)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不是 gongkai 的数据库"), "{err}");

    // A gongkai database from a newer binary.
    let source = TestDb::sqlite().await;
    gongkai_store::on_db!(&source.db, |p| sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, X'00', 0)"
    )
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    let newer = dir.path().join("newer.db");
    // The schema guard refuses to back up a newer database too; copy the file by VACUUM INTO.
    backup::sqlite_backup(&source.db, &newer).await.unwrap();
    let err = backup::restore_sqlite_file(&live, &newer)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    assert!(
        !live.exists(),
        "a refused restore must not create the database"
    );
}

/// The application tables (migration 0007): an application with a consultation, an extension, a
/// fee notice, a letter and a template, and a review case.
async fn seed_applications(db: &Db, org_id: i64) {
    use gongkai_store::applications::{self, letters, register, workflow};
    let a = Actor::user(1, "zhang.san", "10.0.0.1");
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let today = d("2025-12-31");
    let mut tx = db.begin().await.unwrap();
    let created = applications::create(
        &mut tx,
        &a,
        &gongkai_core::vault::Vault::for_tests(),
        &applications::NewApplication {
            org_id,
            channel: "in_person".into(),
            applicant_type: "natural_person".into(),
            applicant_name: "李四".into(),
            id_kind: "resident_id".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800000000".into(),
            info_form: "paper".into(),
            delivery: "in_person".into(),
            help_needs: vec!["reading".into()],
            items: vec![applications::NewItem {
                description: "某项补贴文件".into(),
                ..Default::default()
            }],
            arrived_on: Some(d("2025-03-03")),
            ..Default::default()
        },
        today,
    )
    .await
    .unwrap();
    let id = created.application.id;
    workflow::start_consultation(
        &mut tx,
        &a,
        id,
        "agency",
        "某局",
        d("2025-03-04"),
        None,
        today,
    )
    .await
    .unwrap();
    workflow::extend(
        &mut tx,
        &a,
        id,
        10,
        "需协调",
        d("2025-03-20"),
        d("2025-03-21"),
        today,
    )
    .await
    .unwrap();
    workflow::fee_notice(
        &mut tx,
        &a,
        id,
        "page",
        40,
        d("2025-03-21"),
        d("2025-03-22"),
        today,
    )
    .await
    .unwrap();
    let l = letters::save(&mut tx, &a, id, "fee", "收费通知书", "正文", false)
        .await
        .unwrap();
    letters::review(
        &mut tx,
        &a,
        l.id,
        &letters::ReviewForm {
            conclusion: letters::ReviewConclusion::Cleared,
            state_secret: false,
            work_secret: false,
            commercial_secret: false,
            personal_privacy: false,
            note: String::new(),
            reviewed_on: d("2025-03-21"),
        },
        today,
    )
    .await
    .unwrap();
    letters::mark_sent(&mut tx, &a, l.id, "post", d("2025-03-21"), "长春市")
        .await
        .unwrap();
    letters::set_template(
        &mut tx,
        &a,
        "reply.provided",
        "答复",
        "您申请的“{事项}”予以公开。",
    )
    .await
    .unwrap();
    register::create(
        &mut tx,
        &a,
        &register::CaseInput {
            org_id,
            application_id: Some(id),
            kind: gongkai_core::applications::table3::CaseKind::Review,
            case_no: "复〔2025〕1号".into(),
            body_name: "市人民政府".into(),
            filed_on: d("2025-06-01"),
            result: gongkai_core::applications::table3::CaseResult::Pending,
            concluded_on: None,
            note: String::new(),
        },
        today,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
