//! 年度报告 in the console (issue #9), on both backends: the office creates the 2019 report,
//! enters counts (bad input is a Chinese 400), inserts a generated sentence, edits the text and
//! takes it through internal review to approval; only the approving leader may publish; a failed
//! REG §3.1 identity blocks publication with a Chinese message naming the cell (409); then the
//! report is published and the portal shows it. Staff without the powers get 403/404.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::TestApp;
use gongkai_store::on_db;
use gongkai_store::reports;

both_backends_app!(report_workflow_in_the_console, |app| {
    let body = app.org_id("ccdpf").await;
    // A drafter has no report pages.
    app.login_demo("demo-drafter").await;
    assert_eq!(
        app.get("/admin/reports").await.status,
        StatusCode::FORBIDDEN
    );
    app.clear_cookies();

    app.login_demo("demo-office").await;
    let list = app.get("/admin/reports").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("新建年度报告"));
    let bad = app
        .post(
            "/admin/reports",
            &[("year", "abc"), ("org", &body.to_string())],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("请填写四位数字年份"));
    let made = app
        .post(
            "/admin/reports",
            &[("year", "2019"), ("org", &body.to_string())],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let url = made.location().to_string();
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let again = app
        .post(
            "/admin/reports",
            &[("year", "2019"), ("org", &body.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("已存在"));

    let page = app.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<caption id=\"t3-cap\">收到和处理政府信息公开申请情况</caption>")
    );
    assert!(
        page.body
            .contains("2019年共收到政府信息公开申请3件，全部按期办结。")
    );
    assert!(page.body.contains("勾稽关系校验全部通过"));

    // Counts: a bad amount is refused in Chinese; a good one is kept exactly.
    let counts = format!("{url}/counts");
    let r = app
        .post(
            &counts,
            &[
                ("licensing", "2"),
                ("penalty", "0"),
                ("coercion", "0"),
                ("fees", "1.2.3"),
                ("unit", "item"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("不是有效的金额"), "{}", r.body);
    let r = app
        .post(
            &counts,
            &[
                ("licensing", "-1"),
                ("penalty", "0"),
                ("coercion", "0"),
                ("fees", "0"),
                ("unit", "item"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("“行政许可”须为非负整数"));
    let r = app
        .post(
            &counts,
            &[
                ("licensing", "2"),
                ("penalty", "1"),
                ("coercion", "0"),
                ("fees", "0.35"),
                ("unit", "item"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rep = reports::get(&app.db, id).await.unwrap().unwrap();
    assert_eq!((rep.licensing, rep.admin_fees_fen), (2, 350_000));

    // Insert the first generated sentence; save the text of section 五.
    let r = app.post(&format!("{url}/insert"), &[("index", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.post(&format!("{url}/insert"), &[("index", "999")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let inserted = reports::get(&app.db, id)
        .await
        .unwrap()
        .unwrap()
        .narrative();
    let all = format!("{:?}", inserted);
    assert!(all.contains("2019年"), "{all}");
    let mut fields: Vec<(String, String)> = vec![
        ("intro".into(), inserted.intro.clone()),
        (
            "section5".into(),
            "存在的问题：公开时间节点把握不准。".into(),
        ),
    ];
    for (i, t) in inserted.overview.iter().enumerate() {
        fields.push((format!("overview{i}"), t.clone()));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        app.post(&format!("{url}/narrative"), &refs).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get(&url).await;
    assert!(page.body.contains("存在的问题：公开时间节点把握不准。"));

    // Workflow: the office submits and sends to approval, but may not publish.
    let status = format!("{url}/status");
    assert_eq!(
        app.post(&status, &[("to", "published")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&status, &[("to", "review")]).await.status,
        StatusCode::SEE_OTHER
    );
    // Only drafts are edited.
    let r = app
        .post(&format!("{url}/narrative"), &[("section5", "x")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("只有草稿可以修改"));
    assert_eq!(
        app.post(&status, &[("to", "approval")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post(&format!("{url}/lock"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let locked = reports::get(&app.db, id).await.unwrap().unwrap();
    assert!(locked.is_locked());

    // A broken identity (here: frozen figures altered behind the system's back) blocks
    // publication with the cell and the numbers.
    let frozen = locked.frozen_json.clone().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&frozen).unwrap();
    v["figures"]["table3"]["carried_over_out"]["natural_person"] = serde_json::json!(4);
    v["figures"]["table3"]["carried_over_out"]["total"] = serde_json::json!(4);
    set_frozen(&app.db, id, &v.to_string()).await;
    app.clear_cookies();
    app.login_demo("demo-leader").await;
    let page = app.get(&url).await;
    assert!(page.body.contains("校验错误（阻止发布）"), "{}", page.body);
    let r = app.post(&status, &[("to", "published")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("勾稽关系校验未通过，不能发布"),
        "{}",
        r.body
    );
    assert!(r.body.contains("表三“自然人”列"), "{}", r.body);
    assert_eq!(app.get("/reports/2019").await.status, StatusCode::NOT_FOUND);

    // Consistent again: the leader publishes, the portal shows it.
    set_frozen(&app.db, id, &frozen).await;
    let r = app.post(&status, &[("to", "published")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let public = app.get("/reports/2019").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("存在的问题：公开时间节点把握不准。"));
    assert!(public.body.contains("0.35"));
    // A published report is no longer edited or moved.
    assert_eq!(
        app.post(&status, &[("to", "draft")]).await.status,
        StatusCode::FORBIDDEN
    );
});

async fn set_frozen(db: &gongkai_store::Db, id: i64, text: &str) {
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
