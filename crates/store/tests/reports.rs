//! The annual report's storage (issue #9): figures counted from the records in the report's
//! scope (own level vs rollup), the workflow with its checks (a failed REG §3.1 identity blocks
//! publication with a Chinese message naming the cell; a §3.2 warning needs an acknowledgement),
//! the lock date freezing the figures, imports of past reports feeding the continuity check, and
//! the audit trail. Every test runs on SQLite and PostgreSQL; the property test (random years of
//! applications, SQLite) compares every table-三 cell with an independent count.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::applications::Outcome;
use gongkai_report::count::{CountingUnit, ManualCounts};
use gongkai_report::format::{
    CARRIED_IN, CARRIED_OUT, FIRST_OUTCOME, NEW_RECEIVED, PROCESSED_TOTAL, T3_COLUMNS, T3_ROWS,
    TOTAL,
};
use gongkai_report::narrative::Narrative;
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::audit::{self, Actor};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::reports::{self, Source, Status};
use gongkai_store::{Db, StoreError, both_backends, calendar, on_db};

const ID: &str = "11010519491231002X";
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

fn org(code: &str, kind: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: kind.into(),
        code: code.into(),
        full_name: format!("{code}残疾人联合会"),
        short_name: code.into(),
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
    let root = orgs::create(&mut tx, &a, &org("root", "body", None))
        .await
        .unwrap()
        .id;
    let dept = orgs::create(&mut tx, &a, &org("dept", "department", Some(root)))
        .await
        .unwrap()
        .id;
    let county = orgs::create(&mut tx, &a, &org("county", "county", Some(root)))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    Setup { root, dept, county }
}

fn new_app(org: i64, organisation: bool, arrived: NaiveDate, items: usize) -> NewApplication {
    NewApplication {
        org_id: org,
        channel: "in_person".into(),
        applicant_type: if organisation {
            "commercial"
        } else {
            "natural_person"
        }
        .into(),
        applicant_name: "张三".into(),
        id_kind: if organisation { "" } else { "resident_id" }.into(),
        id_number: if organisation { USCC } else { ID }.into(),
        phone: "0431-88888888".into(),
        info_form: "electronic".into(),
        delivery: "post".into(),
        address: "长春市".into(),
        items: (0..items)
            .map(|k| NewItem {
                description: format!("第{k}项：残疾人就业补贴发放情况"),
                ..Default::default()
            })
            .collect(),
        arrived_on: Some(arrived),
        ..Default::default()
    }
}

/// Creates an application and sets each item's decision (date, outcome) directly, as the
/// register would have recorded it (the workflow's own rules are tested in applications.rs).
async fn app(
    db: &Db,
    org: i64,
    organisation: bool,
    arrived: &str,
    decisions: &[Option<(&str, Outcome)>],
) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let c = applications::create(
        &mut tx,
        &actor(),
        &gongkai_core::vault::Vault::for_tests(),
        &new_app(org, organisation, d(arrived), decisions.len()),
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let id = c.application.id;
    for (k, dec) in decisions.iter().enumerate() {
        if let Some((on, outcome)) = dec {
            decide(db, id, k as i64 + 1, on, *outcome).await;
        }
    }
    id
}

async fn decide(db: &Db, app: i64, seq: i64, on: &str, outcome: Outcome) {
    let n = on_db!(db, |p| sqlx::query(
        "UPDATE application_items SET decided_on = $1, outcome = $2 \
         WHERE application_id = $3 AND seq = $4"
    )
    .bind(on)
    .bind(outcome.code())
    .bind(app)
    .bind(seq)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    assert_eq!(n, 1);
}

both_backends!(scope_and_figures_from_records, |db| {
    let s = setup(db).await;
    // Own level: the body and its department; the county only in the rollup.
    app(
        db,
        s.root,
        false,
        "2018-12-20",
        &[Some(("2019-01-08", Outcome::Granted))],
    )
    .await;
    app(
        db,
        s.dept,
        true,
        "2019-03-01",
        &[Some(("2019-03-20", Outcome::DeniedThirdParty))],
    )
    .await;
    app(db, s.dept, false, "2019-12-30", &[None]).await;
    app(
        db,
        s.county,
        false,
        "2019-05-05",
        &[
            Some(("2019-05-06", Outcome::Granted)),
            Some(("2019-05-07", Outcome::UnableNotHeld)),
        ],
    )
    .await;

    let own = reports::scope(db, s.root, false).await.unwrap();
    assert_eq!(own, vec![s.root, s.dept]);
    let all = reports::scope(db, s.root, true).await.unwrap();
    assert_eq!(all, vec![s.root, s.dept, s.county]);

    let f = reports::figures(db, &own, 2019, CountingUnit::Item, &ManualCounts::default())
        .await
        .unwrap();
    let t = &f.table3.cells;
    assert_eq!(t[NEW_RECEIVED], [1, 1, 0, 0, 0, 0, 2]);
    assert_eq!(t[CARRIED_IN], [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(t[FIRST_OUTCOME], [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(t[PROCESSED_TOTAL], [1, 1, 0, 0, 0, 0, 2]);
    assert_eq!(t[CARRIED_OUT], [1, 0, 0, 0, 0, 0, 1]);
    assert!(gongkai_report::checks::hard(&f).is_empty());

    // Rollup: the county's application has two items (一事一申请).
    let f = reports::figures(db, &all, 2019, CountingUnit::Item, &ManualCounts::default())
        .await
        .unwrap();
    assert_eq!(f.table3.cells[NEW_RECEIVED][TOTAL], 4);
    assert_eq!(f.table3.cells[PROCESSED_TOTAL][TOTAL], 4);
    // …or one application when the unit is the application (its first item's outcome).
    let f = reports::figures(
        db,
        &all,
        2019,
        CountingUnit::Application,
        &ManualCounts::default(),
    )
    .await
    .unwrap();
    assert_eq!(f.table3.cells[NEW_RECEIVED][TOTAL], 3);
    assert_eq!(f.table3.cells[FIRST_OUTCOME][TOTAL], 2);
    assert!(gongkai_report::checks::hard(&f).is_empty());

    // Manual counts pass through into table 二, the fee exactly.
    let manual = ManualCounts {
        licensing: 4,
        penalty: 1,
        coercion: 0,
        admin_fees_fen: 1_234_500,
    };
    let f = reports::figures(db, &own, 2019, CountingUnit::Item, &manual)
        .await
        .unwrap();
    assert_eq!(f.table2.licensing, 4);
    assert_eq!(
        f.to_json()["table2"]["admin_fees"]["amount_wan_yuan"],
        "1.2345"
    );

    // A year outside the range is refused in Chinese.
    let e = reports::figures(db, &own, 1999, CountingUnit::Item, &manual)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("年度 1999 无效"), "{e}");
});

both_backends!(workflow_checks_lock_and_audit, |db| {
    let s = setup(db).await;
    app(
        db,
        s.root,
        false,
        "2019-04-01",
        &[Some(("2019-04-10", Outcome::Granted))],
    )
    .await;

    let mut tx = db.begin().await.unwrap();
    let r = reports::create(&mut tx, &actor(), s.root, 2019, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r.status(), Status::Draft);
    let mut tx = db.begin().await.unwrap();
    let e = reports::create(&mut tx, &actor(), s.root, 2019, false)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    drop(tx);

    // Edit the narrative and the entered counts.
    let narrative = Narrative {
        section5: "存在的问题：公开不够及时。".into(),
        ..Narrative::default()
    };
    let mut tx = db.begin().await.unwrap();
    reports::save_narrative(&mut tx, &actor(), r.id, &narrative)
        .await
        .unwrap();
    let manual = ManualCounts {
        licensing: 2,
        penalty: 0,
        coercion: 0,
        admin_fees_fen: 350_000,
    };
    reports::save_counts(&mut tx, &actor(), r.id, &manual, CountingUnit::Item)
        .await
        .unwrap();
    let bad = ManualCounts {
        licensing: -1,
        ..manual
    };
    let e = reports::save_counts(&mut tx, &actor(), r.id, &bad, CountingUnit::Item)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("行政许可"), "{e}");
    tx.commit().await.unwrap();

    let r = reports::get(db, r.id).await.unwrap().unwrap();
    let a = reports::assemble(db, &r).await.unwrap();
    assert_eq!(a.report.figures.table3.cells[NEW_RECEIVED][TOTAL], 1);
    assert_eq!(a.report.figures.table2.admin_fees_fen, 350_000);
    assert_eq!(a.report.narrative.section5, "存在的问题：公开不够及时。");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert!(!a.frozen);
    assert!(
        a.suggestions()
            .iter()
            .any(|s| s.text.contains("收到政府信息公开申请1件"))
    );

    // Skipping a step is refused; a report still being written cannot be published.
    let mut tx = db.begin().await.unwrap();
    let e = reports::advance(db, &mut tx, &actor(), r.id, Status::Published, today())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不能转到“已发布”"), "{e}");
    reports::advance(db, &mut tx, &actor(), r.id, Status::Review, today())
        .await
        .unwrap();
    // Only a draft is edited.
    let e = reports::save_narrative(&mut tx, &actor(), r.id, &narrative)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("只有草稿可以修改"), "{e}");
    reports::advance(db, &mut tx, &actor(), r.id, Status::Approval, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Lock: the figures are frozen; a later record does not move them.
    let r = reports::get(db, r.id).await.unwrap().unwrap();
    let a = reports::assemble(db, &r).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let locked = reports::lock(&mut tx, &actor(), r.id, &a, d("2020-01-10"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(locked.locked_on.as_deref(), Some("2020-01-10"));
    app(
        db,
        s.root,
        false,
        "2019-06-01",
        &[Some(("2019-06-05", Outcome::Granted))],
    )
    .await;
    let a = reports::assemble(db, &locked).await.unwrap();
    assert!(a.frozen);
    assert_eq!(a.report.figures.table3.cells[NEW_RECEIVED][TOTAL], 1);
    // Unlocked figures would have counted it.
    let live = reports::generate(db, s.root, 2019, true).await.unwrap();
    assert_eq!(live.report.figures.table3.cells[NEW_RECEIVED][TOTAL], 2);

    // A broken identity in the frozen figures blocks publication, naming cell and numbers.
    let frozen = locked.frozen_json.clone().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&frozen).unwrap();
    v["figures"]["table3"]["new_received"]["natural_person"] = serde_json::json!(5);
    v["figures"]["table3"]["new_received"]["total"] = serde_json::json!(5);
    set_frozen(db, r.id, &v.to_string()).await;
    let mut tx = db.begin().await.unwrap();
    let e = reports::advance(db, &mut tx, &actor(), r.id, Status::Published, today())
        .await
        .unwrap_err();
    drop(tx);
    let msg = e.to_string();
    assert!(matches!(e, StoreError::Conflict(_)));
    assert!(
        msg.contains("不能发布") && msg.contains("“自然人”列") && msg.contains("5 + 0 = 5"),
        "{msg}"
    );
    set_frozen(db, r.id, &frozen).await;

    // Not in search before publication.
    assert!(
        gongkai_store::search::report_doc(db, r.id)
            .await
            .unwrap()
            .is_none()
    );
    let head = gongkai_store::search::outbox_head(db).await.unwrap();

    // Publication with consistent figures.
    let mut tx = db.begin().await.unwrap();
    let p = reports::advance(db, &mut tx, &actor(), r.id, Status::Published, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(p.status(), Status::Published);
    assert!(p.published_at.is_some());
    let listed = reports::published(db, &gongkai_store::sites::Scope::All)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    // Published: search is told (an outbox row in the same transaction) and finds it public.
    let queued = gongkai_store::search::outbox_after(db, head, 100)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .any(|q| q.kind == gongkai_store::search::KIND_REPORT && q.doc_id == r.id),
        "{queued:?}"
    );
    let doc = gongkai_store::search::report_doc(db, r.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.year, 2019);
    assert!(!doc.rollup);

    // Every change is in the audit trail, and the chain verifies.
    let rows = audit::list(
        db,
        &audit::Filter {
            object_type: Some(reports::OBJECT_TYPE.into()),
            object_id: Some(r.id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in [
        "report.create",
        "report.narrative",
        "report.counts",
        "report.lock",
        "report.status",
    ] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "report.status").count(), 3);
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

async fn set_frozen(db: &Db, id: i64, text: &str) {
    on_db!(db, |p| sqlx::query(
        "UPDATE reports SET frozen_json = $1 WHERE id = $2"
    )
    .bind(text)
    .bind(id)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
}

both_backends!(imports_feed_continuity_warnings, |db| {
    let s = setup(db).await;
    // 2019: one application still open at the end of the year, carried into 2020.
    app(
        db,
        s.root,
        false,
        "2019-12-30",
        &[Some(("2020-01-06", Outcome::Granted))],
    )
    .await;

    // A past 2019 report imported from JSON that said nothing was carried over.
    let json = r#"{"format": "2021", "year": 2019, "table3": {"carried_over_out": {"total": 0}}}"#;
    let mut tx = db.begin().await.unwrap();
    let past = reports::import_past(&mut tx, &actor(), s.root, Source::Json, json, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (past.year, past.format.as_str(), past.source.as_str()),
        (2019, "2021", "json")
    );

    let mut tx = db.begin().await.unwrap();
    let r = reports::create(&mut tx, &actor(), s.root, 2020, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let a = reports::assemble(db, &r).await.unwrap();
    assert!(a.previous.is_some());
    let warn = a
        .soft()
        .find(|f| f.code == "continuity.table3.total")
        .expect("continuity warning");
    assert!(
        warn.message.contains("为 1") && warn.message.contains("为 0"),
        "{}",
        warn.message
    );
    assert!(a.hard().next().is_none());

    // Unacknowledged, the warning blocks publication; acknowledged, it does not.
    let mut tx = db.begin().await.unwrap();
    reports::advance(db, &mut tx, &actor(), r.id, Status::Review, today())
        .await
        .unwrap();
    reports::advance(db, &mut tx, &actor(), r.id, Status::Approval, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let e = reports::advance(db, &mut tx, &actor(), r.id, Status::Published, today())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("尚未确认"), "{e}");
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    for f in a.soft() {
        reports::acknowledge(&mut tx, &actor(), r.id, &f.code, &f.message)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert!(
        !reports::acknowledgements(db, r.id)
            .await
            .unwrap()
            .is_empty()
    );
    let mut tx = db.begin().await.unwrap();
    reports::advance(db, &mut tx, &actor(), r.id, Status::Published, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // An HTML page in the 2019 trial format, re-imported over the JSON one.
    let html = r#"<p>2019年政府信息公开工作年度报告</p>
<table><tr><td colspan="4">第二十条第(一)项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规范性文件</td><td>3</td><td>3</td><td>17</td></tr></table>"#;
    let mut tx = db.begin().await.unwrap();
    let past = reports::import_past(&mut tx, &actor(), s.root, Source::Html, html, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(past.format, "2019");
    assert_eq!(past.figures().unwrap().table2.normative_docs.valid, 17);
    let mut tx = db.begin().await.unwrap();
    let e = reports::import_past(&mut tx, &actor(), s.root, Source::Html, "<p>无</p>", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有找到"), "{e}");
    let e = reports::import_past(&mut tx, &actor(), s.root, Source::Json, "{}", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("年度"), "{e}");
});

mod property {
    //! Random years of applications (SQLite): every table-三 cell of the figures assembled from
    //! the database equals an independent count over the generated cases, and the REG §3.1
    //! identities hold.
    use super::*;
    use proptest::prelude::*;

    /// One generated application: (days after 2018-01-01 it arrived, organisation applicant?,
    /// per item: days from receipt to decision and the outcome index, or open).
    type Case = (i64, bool, Vec<Option<(i64, usize)>>);

    fn case() -> impl Strategy<Value = Case> {
        (
            0i64..(3 * 365),
            any::<bool>(),
            proptest::collection::vec(
                proptest::option::weighted(0.8, (0i64..400, 0usize..21)),
                1..3,
            ),
        )
    }

    /// The independent count of one cell, from the generated cases (dates as strings).
    fn oracle(cases: &[Case], year: i32, row: &str, col: usize) -> i64 {
        let base = d("2018-01-01");
        let (start, end) = (format!("{year}-01-01"), format!("{year}-12-31"));
        let mut n = 0;
        for (arrived, organisation, items) in cases {
            let column = if *organisation { 1 } else { 0 };
            if col != TOTAL && col != column {
                continue;
            }
            let recv = (base + chrono::Duration::days(*arrived)).to_string();
            for it in items {
                let dec = it.map(|(k, o)| {
                    (
                        (base + chrono::Duration::days(arrived + k)).to_string(),
                        Outcome::ALL[o].code(),
                    )
                });
                let hit = match row {
                    "new_received" => recv >= start && recv <= end,
                    "carried_over_in" => {
                        recv < start && dec.as_ref().is_none_or(|(d, _)| *d >= start)
                    }
                    "carried_over_out" => recv <= end && dec.as_ref().is_none_or(|(d, _)| *d > end),
                    "processed_total" => {
                        dec.as_ref().is_some_and(|(d, _)| *d >= start && *d <= end)
                    }
                    key => dec
                        .as_ref()
                        .is_some_and(|(d, k)| *d >= start && *d <= end && *k == key),
                };
                n += i64::from(hit);
            }
        }
        n
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn cells_equal_an_independent_count(cases in proptest::collection::vec(case(), 0..14), year in 2018i32..2021) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let t = gongkai_store::testing::TestDb::sqlite().await;
                let db = &t.db;
                let s = setup(db).await;
                let base = d("2018-01-01");
                for (arrived, organisation, items) in &cases {
                    let on = base + chrono::Duration::days(*arrived);
                    let decisions: Vec<Option<(String, Outcome)>> = items
                        .iter()
                        .map(|it| it.map(|(k, o)| ((on + chrono::Duration::days(k)).to_string(), Outcome::ALL[o])))
                        .collect();
                    let refs: Vec<Option<(&str, Outcome)>> = decisions
                        .iter()
                        .map(|x| x.as_ref().map(|(s, o)| (s.as_str(), *o)))
                        .collect();
                    app(db, s.root, *organisation, &on.to_string(), &refs).await;
                }
                let ids = reports::scope(db, s.root, false).await.unwrap();
                let f = reports::figures(db, &ids, year, CountingUnit::Item, &ManualCounts::default()).await.unwrap();
                for (r, (key, _, _)) in T3_ROWS.iter().enumerate() {
                    for (c, column) in T3_COLUMNS.iter().enumerate().take(7) {
                        assert_eq!(f.table3.cells[r][c], oracle(&cases, year, key, c), "cell {key} × {}", column.1);
                    }
                }
                let hard = gongkai_report::checks::hard(&f);
                assert!(hard.is_empty(), "{hard:?}");
            });
        }
    }
}

// Section 五 offers last year's problems as an insertable sentence (product.md C12): from an
// imported report in the first year of use, then from the body's own published report; a body
// without a previous report gets no such sentence.
both_backends!(last_years_problems_are_offered_for_section_five, |db| {
    let s = setup(db).await;
    let mut tx = db.begin().await.unwrap();
    reports::import_past(
        &mut tx,
        &actor(),
        s.root,
        Source::Json,
        r#"{"format": "2021", "year": 2018,
            "narrative": {"section5": "一是主动公开的及时性有待提高。\n二是政策解读形式单一。"}}"#,
        None,
    )
    .await
    .unwrap();
    let r2019 = reports::create(&mut tx, &actor(), s.root, 2019, false)
        .await
        .unwrap();
    let county = reports::create(&mut tx, &actor(), s.county, 2019, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        reports::previous_problems(db, s.root, 2018, false)
            .await
            .unwrap()
            .as_deref(),
        Some("一是主动公开的及时性有待提高。\n二是政策解读形式单一。")
    );
    let a = reports::assemble(db, &r2019).await.unwrap();
    let five: Vec<String> = a
        .suggestions()
        .into_iter()
        .filter(|x| x.section == 9)
        .map(|x| x.text)
        .collect();
    assert_eq!(
        five,
        [
            "2018年度报告所列存在的主要问题及改进情况：一是主动公开的及时性有待提高。二是政策解读形式单一。"
        ]
    );
    let none = reports::assemble(db, &county).await.unwrap();
    assert!(none.suggestions().iter().all(|x| x.section != 9));

    // The body's own 2019 report, published, is the source for 2020.
    let mut tx = db.begin().await.unwrap();
    reports::save_narrative(
        &mut tx,
        &actor(),
        r2019.id,
        &Narrative {
            section5: "信息公开平台建设仍需加强。".into(),
            ..Narrative::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let day = d("2020-01-20");
    for to in [Status::Review, Status::Approval] {
        let mut tx = db.begin().await.unwrap();
        reports::advance(db, &mut tx, &actor(), r2019.id, to, day)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let r = reports::get(db, r2019.id).await.unwrap().unwrap();
    let a = reports::assemble(db, &r).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for f in a.soft() {
        reports::acknowledge(&mut tx, &actor(), r.id, &f.code, &f.message)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    reports::advance(db, &mut tx, &actor(), r.id, Status::Published, day)
        .await
        .unwrap();
    let r2020 = reports::create(&mut tx, &actor(), s.root, 2020, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let a = reports::assemble(db, &r2020).await.unwrap();
    assert!(
        a.suggestions().iter().any(|x| x.section == 9
            && x.text == "2019年度报告所列存在的主要问题及改进情况：信息公开平台建设仍需加强。"),
        "{:?}",
        a.suggestions()
    );
});
