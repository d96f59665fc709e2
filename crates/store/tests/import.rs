//! Bulk import (issue #14): 10,000 generated rows with planted errors of every kind — the dry run
//! names each error by row and column, the real run imports exactly the valid rows, a re-run
//! imports nothing; XLSX and JSON inputs; the migrated items' history and audit. Every test runs
//! on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_store::audit::{self, Actor};
use gongkai_store::import::{self, Plan, Source};
use gongkai_store::items::{self, catalog};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::sites::Scope;
use gongkai_store::{Db, both_backends};
use std::path::Path;

const ID: &str = "11010519491231002X"; // GB 11643 example, valid check digit

fn actor() -> Actor {
    Actor::cli()
}

async fn body(db: &Db, code: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let org = orgs::create(
        &mut tx,
        &actor(),
        &OrgInput {
            kind: "body".into(),
            code: code.into(),
            full_name: format!("{code} 某市某局"),
            short_name: "某局".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    org.id
}

async fn plan(db: &Db, name: &str, bytes: Vec<u8>, files: Option<&Path>) -> Plan {
    plan_into(db, "oldsite", name, bytes, files).await
}

async fn plan_into(db: &Db, org: &str, name: &str, bytes: Vec<u8>, files: Option<&Path>) -> Plan {
    import::plan(
        db,
        org,
        Source {
            name: name.into(),
            bytes,
            files_dir: files.map(Path::to_path_buf),
        },
    )
    .await
    .unwrap()
}

const HEADER: &str =
    "索引号,标题,发布机构,发布日期,生成日期,公开目录,主题分类,文号,有效性,正文,附件\r\n";

/// One valid row.
fn row(index_no: &str, title: &str, date: &str, catalog: &str, body: &str, files: &str) -> String {
    format!(
        "{index_no},{title},某市某局,{date},,{catalog},,某发〔2019〕1号,有效,{body},{files}\r\n"
    )
}

/// The planted errors of a 500-row block: (offset in block, expected column, expected words).
const PLANTED: &[(usize, &str, &str)] = &[
    (1, "标题", "必填项为空"),
    (2, "发布日期", "不是有效日期"),
    (3, "索引号", "重复"),
    (4, "附件", "找不到文件"),
    (5, "正文", "公民身份号码"),
    (6, "公开目录", "不是本系统的公开目录"),
    (7, "索引号", "已有信息的索引号重复"),
];

fn generated(n: usize) -> (Vec<u8>, usize) {
    let mut s = String::from(HEADER);
    let mut valid = 0;
    for i in 0..n {
        let no = format!("OLD-{i:05}");
        let title = format!("关于第{i}号事项的通知");
        let line = match i % 500 {
            1 => row(&no, "", "2019-03-05", "art20-07", "正文", ""),
            2 => row(&no, &title, "2019-02-30", "art20-07", "正文", ""),
            3 => row(
                &format!("OLD-{:05}", i - 3),
                &title,
                "2019-03-05",
                "art20-07",
                "正文",
                "",
            ),
            4 => row(&no, &title, "2019-03-05", "art20-07", "正文", "missing.pdf"),
            5 => row(
                &no,
                &title,
                "2019-03-05",
                "art20-07",
                &format!("申请人身份证号{ID}"),
                "",
            ),
            6 => row(&no, &title, "2019-03-05", "没有的目录", "正文", ""),
            7 => row(
                &format!("PRE-{}", i / 500),
                &title,
                "2019-03-05",
                "art20-07",
                "正文",
                "",
            ),
            8 => {
                valid += 1;
                row(
                    &no,
                    &title,
                    "2019年3月5日",
                    "（七）财政预算、决算信息",
                    "正文",
                    "说明.txt",
                )
            }
            _ => {
                valid += 1;
                row(&no, &title, "2019-03-05", "art20-07", "正文", "")
            }
        };
        s.push_str(&line);
    }
    (s.into_bytes(), valid)
}

both_backends!(ten_thousand_rows_with_planted_errors, |db| {
    body(db, "oldsite").await;
    body(db, "othersite").await;
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("说明.txt"), "附件说明文字").unwrap();
    let data = tempfile::tempdir().unwrap();
    // 20 items of another site already in the deployment, whose 索引号 the file repeats.
    let mut pre = String::from(HEADER);
    for k in 0..20 {
        pre.push_str(&row(
            &format!("PRE-{k}"),
            "已有信息",
            "2018-01-02",
            "art20-07",
            "正文",
            "",
        ));
    }
    let p = plan_into(db, "othersite", "pre.csv", pre.into_bytes(), None).await;
    assert!(p.checked.problems.is_empty(), "{:?}", p.problem_lines());
    import::apply(db, data.path(), &actor(), &p, &mut |_, _| {})
        .await
        .unwrap();

    let (bytes, valid) = generated(10_000);
    assert_eq!(valid, 10_000 - 20 * PLANTED.len());
    // The dry run names every planted error by row and column.
    let dry = plan(db, "old-cms.csv", bytes.clone(), Some(files.path())).await;
    let lines = dry.problem_lines();
    assert_eq!(
        lines.len(),
        20 * PLANTED.len(),
        "{:#?}",
        &lines[..10.min(lines.len())]
    );
    for block in 0..20 {
        for (offset, column, words) in PLANTED {
            let row_no = block * 500 + offset + 2; // header is row 1
            let prefix = format!("第{row_no}行「{column}」：");
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&prefix) && l.contains(words)),
                "{prefix}{words} missing"
            );
        }
    }
    assert!(lines.iter().all(|l| !l.contains(ID)), "findings are masked");
    assert_eq!(dry.checked.records.len(), valid);

    // The real run imports exactly the valid rows, with their 索引号 and dates.
    let mut calls = Vec::new();
    let summary = import::apply(db, data.path(), &actor(), &dry, &mut |done, total| {
        calls.push((done, total));
    })
    .await
    .unwrap();
    assert_eq!(summary.imported, valid);
    assert_eq!(summary.rejected, 20 * PLANTED.len());
    assert_eq!(summary.attachments, 20);
    assert_eq!(calls.last(), Some(&(valid, valid)));
    let page = catalog::catalog(db, &Scope::All, &catalog::CatalogFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, (valid + 20) as i64);
    let rows = import::run_rows(db, summary.run_id).await.unwrap();
    assert_eq!(rows.len(), valid);
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("OLD-00000", 2));
    let item = items::get(db, rows[0].2).await.unwrap().unwrap();
    assert_eq!(item.index_no.as_deref(), Some("OLD-00000"));
    assert_eq!(item.published_on.as_deref(), Some("2019-03-05"));
    assert_eq!(item.state, "published");
    let timeline = items::timeline(db, item.id).await.unwrap();
    let last = timeline.last().unwrap();
    assert_eq!(last.action, "migrate");
    assert!(last.note.starts_with("由原系统迁移导入"), "{}", last.note);
    assert_eq!(
        import::migrated_run(db, item.id).await.unwrap(),
        Some(summary.run_id)
    );
    let runs = import::runs(db).await.unwrap();
    assert_eq!(runs[0].imported, valid as i64);
    assert!(runs[0].problems_json.contains("第4行「发布日期」"));
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
    let records = audit::list(
        db,
        &audit::Filter {
            action: Some("import.run".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(records.len(), 2);

    // Idempotent: a re-run imports nothing and reports the same problems.
    let again = plan(db, "old-cms.csv", bytes, Some(files.path())).await;
    assert!(again.checked.records.is_empty());
    assert_eq!(again.checked.unchanged.len(), valid);
    assert_eq!(again.problem_lines(), lines);
    let summary = import::apply(db, data.path(), &actor(), &again, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!((summary.imported, summary.unchanged), (0, valid));
});

/// A small XLSX as Excel writes it (shared strings, a date as a serial number).
fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "索引号",
        "标题",
        "发布机构",
        "发布日期",
        "公开目录",
        "有效性",
        "失效或废止日期",
        "正文",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        [
            "X-1",
            "表格第一条",
            "某市某局",
            "2020-05-06",
            "art20-07",
            "有效",
            "",
            "内容一",
        ],
        [
            "X-2",
            "表格第二条",
            "某市某局",
            "",
            "art20-07",
            "废止",
            "2021-01-01",
            "内容二",
        ],
        [
            "X-3",
            "",
            "某市某局",
            "2020-05-06",
            "art20-07",
            "",
            "",
            "内容三",
        ],
    ];
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    // 2020-05-07 as Excel stores a date cell: a serial day number.
    sheet.write_number(2, 3, 43958.0).unwrap();
    book.save_to_buffer().unwrap()
}

both_backends!(xlsx_and_json_inputs, |db| {
    body(db, "oldsite").await;
    let data = tempfile::tempdir().unwrap();
    let p = plan(db, "old.xlsx", xlsx(), None).await;
    assert_eq!(
        p.problem_lines(),
        vec!["第4行「标题」：必填项为空".to_string()]
    );
    assert_eq!(p.checked.records.len(), 2);
    assert_eq!(p.checked.records[1].published_on.to_string(), "2020-05-07");
    let s = import::apply(db, data.path(), &actor(), &p, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(s.imported, 2);

    // A JSON package with an attachment, a withdrawn item and an interpretation of X-1.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("files")).unwrap();
    std::fs::write(dir.path().join("files/a.txt"), "附件正文").unwrap();
    let json = serde_json::json!({
        "format": "gongkai-site", "version": 1,
        "items": [
            {"index_no": "J-1", "title": "解读", "publisher_name": "某市某局",
             "published_on": "2020-06-01", "catalog": "art20-07", "body_html": "<p>解读正文</p>",
             "attachments": [{"file": "files/a.txt", "filename": "解读附件.txt"}],
             "interpretation": {"kind": "text", "explains": ["X-1"]},
             "history": [{"action": "publish", "from_state": "approved", "to_state": "published",
                          "note": "原系统发布", "actor": "老系统", "at": 1590969600000_i64}]},
            {"index_no": "J-2", "title": "撤回的", "publisher_name": "某市某局",
             "published_on": "2020-06-02", "catalog": "art20-07", "body_html": "正文",
             "withdrawn_at": 1600000000000_i64, "withdrawn_reason": "已过时"},
            {"index_no": "J-3", "title": "缺日期", "publisher_name": "某市某局",
             "catalog": "art20-07", "body_html": "正文"}
        ]
    });
    let p = plan(
        db,
        "site.json",
        serde_json::to_vec(&json).unwrap(),
        Some(dir.path()),
    )
    .await;
    assert_eq!(
        p.problem_lines(),
        vec!["第3条「发布日期」：必填项为空".to_string()]
    );
    let s = import::apply(db, data.path(), &actor(), &p, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!((s.imported, s.attachments), (2, 1));
    let all = catalog::CatalogFilter {
        per_page: 100,
        ..Default::default()
    };
    let j1 = catalog::catalog(db, &Scope::All, &all)
        .await
        .unwrap()
        .entries
        .into_iter()
        .find(|i| i.index_no == "J-1")
        .unwrap();
    let docs = gongkai_store::interpretations::documents_of(db, j1.id)
        .await
        .unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].title, "表格第一条");
    let events = items::timeline(db, j1.id).await.unwrap();
    assert_eq!(events[0].note, "原系统发布");
    assert_eq!(events[1].action, "migrate");
    // The withdrawn item is not public; its index number is kept.
    assert_eq!(
        catalog::catalog(db, &Scope::All, &all).await.unwrap().total,
        3
    );
});
