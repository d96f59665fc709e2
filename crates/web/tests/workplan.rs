//! Issue #12 through the real router on SQLite and PostgreSQL: the work plan's lifecycle across
//! organisation scopes (the city office plans, cascades a task to two counties; a county office
//! sees and reports on its own task only; the parent shows the counties' progress; the board's
//! states by date), form errors by the field, CSV/XLSX export, the registers with the proposal
//! reply turned into a draft item, and the staff API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use gongkai_store::audit::Actor;
use serde_json::{Value, json};

/// The id at the end of a redirect location's path (`/admin/plans/7?saved=…` → 7).
fn id_of(location: &str) -> i64 {
    let path = location.split('?').next().unwrap();
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// The city office creates the 2019 plan with two tasks and cascades the second to 南关区 and
/// 宽城区. Returns (plan, dated task, workday task, [nanguan child, kuancheng child]).
async fn city_plan(app: &mut TestApp) -> (i64, i64, i64, Vec<i64>) {
    let body = app.org_id("ccdpf").await.to_string();
    let bgs = app.org_id("ccdpf-bgs").await.to_string();
    app.login_demo("demo-office").await;
    app.get("/admin/plans/new").await;
    let r = app
        .post(
            "/admin/plans",
            &[
                ("year", "2019"),
                ("org_id", &body),
                ("title", "关于做好2019年政务公开工作的方案"),
                ("goals", "全面推进政务公开"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = id_of(r.location());
    let r = app
        .post(
            &format!("/admin/plans/{plan}/tasks"),
            &[
                ("title", "3月31日前完成政府信息公开目录和指南的网上更新"),
                ("org_id", &bgs),
                ("person", "办公室主任"),
                ("basis", "条例第十二条"),
                ("due_kind", "date"),
                ("due_on", "2019-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let dated = id_of(r.location());
    let r = app
        .post(
            &format!("/admin/plans/{plan}/tasks"),
            &[
                ("title", "推进基层政务公开标准化规范化"),
                ("org_id", &body),
                ("due_kind", "workdays"),
                ("start_on", "2019-02-18"),
                ("workdays", "20"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let wd = id_of(r.location());
    let page = app.get(&format!("/admin/tasks/{wd}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // 20 working days after 2019-02-18 on the official calendar.
    assert!(page.body.contains("2019-03-18"), "{}", page.body);
    assert!(page.body.contains("分解到下级单位"));
    let nanguan = app.org_id("nanguan").await.to_string();
    let kuancheng = app.org_id("kuancheng").await.to_string();
    let r = app
        .post(
            &format!("/admin/tasks/{wd}/cascade"),
            &[("org_id", &nanguan), ("org_id", &kuancheng)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let children: Vec<i64> = gongkai_store::workplan::children(&app.db, wd)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(children.len(), 2);
    (plan, dated, wd, children)
}

both_backends_app!(plan_lifecycle_across_scopes, |app| {
    // Progress files go to a temporary data folder, not the source tree.
    let files = tempfile::tempdir().unwrap();
    app.router = gongkai_web::router(gongkai_web::AppState::new(
        app.db.clone(),
        gongkai_web::WebConfig {
            data_dir: files.path().to_path_buf(),
            vault: app.vault.clone(),
            ..Default::default()
        },
    ));
    let (plan, dated, wd, children) = city_plan(&mut app).await;
    let (nanguan_task, kuancheng_task) = (children[0], children[1]);

    // The county office sees the plan with its own task only.
    app.login_demo("demo-county-office").await;
    let board = app.get("/admin/tasks?year=2019").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board
            .body
            .contains(&format!("/admin/tasks/{nanguan_task}\""))
    );
    for hidden in [dated, wd, kuancheng_task] {
        assert!(
            !board.body.contains(&format!("/admin/tasks/{hidden}\"")),
            "task {hidden} is outside the county's scope"
        );
        assert_eq!(
            app.get(&format!("/admin/tasks/{hidden}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert!(board.body.contains("共 1 项"), "{}", board.body);
    let plans = app.get("/admin/plans").await;
    assert!(plans.body.contains(&format!("/admin/plans/{plan}\"")));
    let plan_page = app.get(&format!("/admin/plans/{plan}")).await;
    assert_eq!(plan_page.status, StatusCode::OK);
    assert!(!plan_page.body.contains("目录和指南"));
    assert!(
        !plan_page.body.contains("增加工作任务"),
        "the county cannot add tasks to the city's plan"
    );
    // It cannot cascade or edit the city's task, nor create tasks in the city's plan.
    assert_eq!(
        app.post(&format!("/admin/plans/{plan}/tasks"), &[("title", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // It reports progress with a file, completing the task.
    let page = app.get(&format!("/admin/tasks/{nanguan_task}")).await;
    assert!(page.body.contains("报告进展"));
    let r = app
        .post_multipart(
            &format!("/admin/tasks/{nanguan_task}/progress"),
            &[
                ("reported_on", "2019-03-10"),
                ("note", "已完成基层政务公开目录梳理"),
                ("done", "1"),
            ],
            &[(
                "file",
                "说明.txt",
                "text/plain",
                "目录梳理情况说明".as_bytes(),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/admin/tasks/{nanguan_task}")).await;
    assert!(page.body.contains("已完成基层政务公开目录梳理"));
    assert!(page.body.contains("说明.txt"));
    let file = page
        .body
        .split("/admin/tasks/files/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let (status, _, bytes) = app.get_bytes(&format!("/admin/tasks/files/{file}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, "目录梳理情况说明".as_bytes());

    // The city sees every task, and the parent shows the counties' progress.
    app.login_demo("demo-office").await;
    let parent = app.get(&format!("/admin/tasks/{wd}")).await;
    assert!(parent.body.contains("长春市南关区残疾人联合会"));
    assert!(parent.body.contains("已完成基层政务公开目录梳理"));
    assert!(parent.body.contains("尚未报告"));
    // The county's file is visible to the city too.
    let (status, _, _) = app.get_bytes(&format!("/admin/tasks/files/{file}")).await;
    assert_eq!(status, StatusCode::OK);

    // The board by date: on track, due soon, overdue, done.
    let counts = |body: &str, label: &str| -> String {
        let at = body.find(&format!("{label}：")).unwrap();
        body[at..].split(" 项").next().unwrap().to_string()
    };
    let b = app.get("/admin/tasks?year=2019&on=2019-03-01").await;
    assert_eq!(counts(&b.body, "正常推进"), "正常推进：4");
    let b = app.get("/admin/tasks?year=2019&on=2019-03-12").await;
    assert_eq!(counts(&b.body, "即将到期"), "即将到期：2", "{}", b.body);
    assert_eq!(counts(&b.body, "已完成"), "已完成：1");
    let b = app.get("/admin/tasks?year=2019&on=2019-04-01").await;
    assert_eq!(counts(&b.body, "已逾期"), "已逾期：3");
    assert_eq!(counts(&b.body, "已完成"), "已完成：1");
    let b = app
        .get("/admin/tasks?year=2019&on=2019-04-01&status=overdue")
        .await;
    assert!(b.body.contains("共 3 项"));
    assert!(!b.body.contains(&format!("/admin/tasks/{nanguan_task}\"")));

    // Export of the board (the filter applies).
    let (status, headers, bytes) = app
        .get_bytes("/admin/tasks/export.csv?year=2019&on=2019-04-01&status=overdue")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = String::from_utf8(bytes).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("任务编号,工作方案"));
    let cells: Vec<&str> = csv.lines().flat_map(|l| l.split(',')).collect();
    assert_eq!(cells.iter().filter(|c| **c == "已逾期").count(), 3);
    let (status, _, bytes) = app.get_bytes("/admin/tasks/export.xlsx?year=2019").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&bytes[..2], b"PK");

    // Every change is in the audit log.
    let log = gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            object_type: Some("work_task".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    for a in ["work_task.create", "work_task.cascade", "work_task.report"] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
});

both_backends_app!(forms_show_errors_by_the_field, |app| {
    let (plan, dated, _, _) = city_plan(&mut app).await;
    let body = app.org_id("ccdpf").await.to_string();
    // Plan: bad year, empty title.
    let r = app
        .post(
            "/admin/plans",
            &[("year", "19"), ("org_id", &body), ("title", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("年度须为 2000 至 2100 之间的四位数字"));
    assert!(r.body.contains("请填写方案名称"));
    assert!(r.body.contains("id=\"title-error\""));
    // The same year twice.
    let r = app
        .post(
            "/admin/plans",
            &[("year", "2019"), ("org_id", &body), ("title", "第二个方案")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("2019年的工作方案已经存在"));
    // Task: a date that is not one, a unit outside the plan's organisation.
    let r = app
        .post(
            &format!("/admin/plans/{plan}/tasks"),
            &[
                ("title", "任务"),
                ("org_id", "999999"),
                ("due_kind", "date"),
                ("due_on", "2019-02-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("完成日期须为“年-月-日”格式"));
    assert!(r.body.contains("请从列表中选择责任单位"));
    let r = app
        .post(
            &format!("/admin/plans/{plan}/tasks"),
            &[
                ("title", "任务"),
                ("org_id", &body),
                ("due_kind", "workdays"),
                ("start_on", "2019-02-18"),
                ("workdays", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("工作日数须为 1 至 250 之间的整数"));
    // Progress: no text, a future date, an item that is not published.
    let r = app
        .post_multipart(
            &format!("/admin/tasks/{dated}/progress"),
            &[("reported_on", "2999-01-01"), ("note", "")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("报告日期不能晚于今天"));
    assert!(r.body.contains("请填写进展情况"));
    let r = app
        .post_multipart(
            &format!("/admin/tasks/{dated}/progress"),
            &[
                ("reported_on", "2019-03-20"),
                ("note", "已更新"),
                ("item_id", "987654"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("只能关联已发布的信息"));
    // Evidence whose name or declared type lies about its bytes (issue #11): refused by the field.
    for d in common::disguised_uploads()
        .into_iter()
        .filter(|d| d.really.is_none())
    {
        let r = app
            .post_multipart(
                &format!("/admin/tasks/{dated}/progress"),
                &[("reported_on", "2019-03-20"), ("note", "已更新")],
                &[("file", d.filename, d.declared, &d.bytes)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {}", d.what, r.body);
        assert!(
            ["不支持的文件类型", "与内容不符", "不接受压缩包"]
                .iter()
                .any(|m| r.body.contains(m)),
            "{}: {}",
            d.what,
            r.body
        );
    }
    // Cascading a department's task to a county: not below it.
    let nanguan = app.org_id("nanguan").await.to_string();
    let r = app
        .post(
            &format!("/admin/tasks/{dated}/cascade"),
            &[("org_id", &nanguan)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("只能分解到本任务责任单位的下级单位"));
    let r = app
        .post(&format!("/admin/tasks/{dated}/cascade"), &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请至少选择一个下级单位"));
    // Registers: required fields, formats and cross-field rules.
    let r = app
        .post(
            "/admin/records/training",
            &[
                ("org_id", &body),
                ("held_on", "5月10日"),
                ("outsiders", "很多"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for m in [
        "培训日期须为“年-月-日”格式的日期",
        "请填写培训主题",
        "请选择培训类别",
        "其他参训人数须为不小于 0 的整数",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    let r = app
        .post(
            "/admin/records/proposals",
            &[
                ("org_id", &body),
                ("kind", "npc"),
                ("number", "第1号"),
                ("title", "建议"),
                ("role", "lead"),
                ("received_on", "2019-03-20"),
                ("replied_on", "2019-03-01"),
                ("reply", "答复"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("答复日期不能早于交办日期"));
    // Bad filters are 400s with a message, not 500s.
    let r = app.get("/admin/tasks?on=明天").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("统计日期须为“年-月-日”格式"));
    let r = app.get("/admin/records/training?year=两千").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/admin/records/nope").await.status,
        StatusCode::NOT_FOUND
    );
});

both_backends_app!(registers_export_and_proposal_draft, |app| {
    let body = app.org_id("ccdpf").await.to_string();
    let kfb = app.org_id("ccdpf-kfb").await.to_string();
    let drafter = app.user_id("demo-drafter").await.to_string();
    let head = app.user_id("demo-head").await.to_string();
    app.login_demo("demo-office").await;
    let form = app.get("/admin/records/training/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("演示承办人（康复部）"));
    let r = app
        .post(
            "/admin/records/training",
            &[
                ("org_id", &body),
                ("held_on", "2019-05-10"),
                ("title", "新修订条例解读培训"),
                ("category", "business"),
                ("outsiders", "30"),
                ("participant", &drafter),
                ("participant", &head),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let training = id_of(r.location());
    let page = app
        .get(&format!("/admin/records/training/{training}"))
        .await;
    assert!(page.body.contains("本系统参训人员（2 人）"));
    for (kind, held, title, pieces) in [
        ("press", "2019-05-16", "全国助残日新闻发布会", "1"),
        ("media", "2019-06-01", "媒体宣传稿件", "12"),
    ] {
        let r = app
            .post(
                "/admin/records/publicity",
                &[
                    ("org_id", &body),
                    ("kind", kind),
                    ("held_on", held),
                    ("title", title),
                    ("pieces", pieces),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let list = app
        .get("/admin/records/publicity?year=2019&choice=press")
        .await;
    assert!(list.body.contains("全国助残日新闻发布会"));
    assert!(!list.body.contains("媒体宣传稿件</a>"));
    let (status, _, bytes) = app
        .get_bytes("/admin/records/training/export.csv?year=2019")
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(bytes).unwrap();
    let cells: Vec<&str> = csv.lines().flat_map(|l| l.split(',')).collect();
    for want in ["培训主题", "新修订条例解读培训", "业务知识培训"] {
        assert!(cells.contains(&want), "{want} in {csv}");
    }
    assert!(cells.contains(&"32"), "2 staff + 30 outsiders: {csv}");
    let (status, _, bytes) = app.get_bytes("/admin/records/publicity/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&bytes[..2], b"PK");

    // A proposal led by 康复部 with a disclosable reply.
    let r = app
        .post(
            "/admin/records/proposals",
            &[
                ("org_id", &kfb),
                ("kind", "npc"),
                ("number", "第0156号"),
                ("title", "关于加快康复机构建设的建议"),
                ("role", "lead"),
                ("received_on", "2019-03-20"),
                ("due_on", "2019-06-30"),
                ("replied_on", "2019-06-14"),
                ("reply", "经认真研究，答复如下。\n一、加快建设。"),
                ("satisfaction", "satisfied"),
                ("disclosable", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let proposal = id_of(r.location());
    // The office keeps the register but does not draft items.
    let page = app
        .get(&format!("/admin/records/proposals/{proposal}"))
        .await;
    assert!(!page.body.contains("将答复转为信息草稿"));
    assert_eq!(
        app.post(
            &format!("/admin/records/proposals/{proposal}/draft-item"),
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // 康复部's drafter turns the reply into a draft item; it waits for the normal review.
    app.login_demo("demo-drafter").await;
    let page = app
        .get(&format!("/admin/records/proposals/{proposal}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("将答复转为信息草稿"));
    assert_eq!(
        app.get("/admin/records/training").await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(
            &format!("/admin/records/proposals/{proposal}/draft-item"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let item = id_of(r.location());
    let it = gongkai_store::items::get(&app.db, item)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(it.state, "draft");
    assert!(it.published_revision_id.is_none());
    let rev = gongkai_store::items::current_revision(&app.db, &it)
        .await
        .unwrap();
    assert_eq!(
        rev.title,
        "对人大代表建议第0156号《关于加快康复机构建设的建议》的答复"
    );
    let page = app
        .get(&format!("/admin/records/proposals/{proposal}"))
        .await;
    assert!(page.body.contains(&format!("/admin/items/{item}\"")));
    assert_eq!(
        app.post(
            &format!("/admin/records/proposals/{proposal}/draft-item"),
            &[]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
});

/// Calls the API with a bearer token; the answer must be JSON.
async fn api(
    app: &mut TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let r = app.send(req).await;
    assert!(
        r.header("content-type").starts_with("application/json"),
        "{method} {path}: {} {}",
        r.status,
        r.body
    );
    (r.status, serde_json::from_str(&r.body).unwrap())
}

async fn token(app: &TestApp, user: &str) -> String {
    let id = app.user_id(user).await;
    let mut tx = app.db.begin().await.unwrap();
    let (t, _) = gongkai_store::api_tokens::create(&mut tx, &Actor::system(), id, "测试")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    t
}

both_backends_app!(api_plan_tasks_and_registers, |app| {
    let office = token(&app, "demo-office").await;
    let county = token(&app, "demo-county-office").await;
    let auditor = token(&app, "demo-auditor").await;
    let body = app.org_id("ccdpf").await;
    let nanguan = app.org_id("nanguan").await;
    let kuancheng = app.org_id("kuancheng").await;

    let (s, v) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/plans",
        Some(json!({"year": 2019, "title": ""})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid");
    assert!(
        v["fields"]["title"]
            .as_str()
            .unwrap()
            .contains("请填写方案名称")
    );
    let (s, plan) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/plans",
        Some(json!({"year": 2019, "org_id": body, "title": "2019年政务公开工作要点"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_i64().unwrap();
    let (s, v) = api(
        &mut app,
        &office,
        "POST",
        &format!("/api/v1/plans/{plan_id}/tasks"),
        Some(json!({"title": "任务", "org_id": body})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["fields"]["due_on"].is_string(), "{v}");
    let (s, task) = api(
        &mut app,
        &office,
        "POST",
        &format!("/api/v1/plans/{plan_id}/tasks"),
        Some(json!({"title": "推进基层政务公开", "org_id": body, "start_on": "2019-02-18", "workdays": 20})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{task}");
    assert_eq!(task["due_on"], "2019-03-18");
    let task_id = task["id"].as_i64().unwrap();
    let (s, v) = api(
        &mut app,
        &office,
        "POST",
        &format!("/api/v1/tasks/{task_id}/cascade"),
        Some(json!({"org_ids": [nanguan, kuancheng]})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let child = v["tasks"][0]["id"].as_i64().unwrap();

    // The county sees its own task only, and may report on it.
    let (s, v) = api(&mut app, &county, "GET", "/api/v1/tasks?year=2019", None).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<i64> = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [child]);
    let (s, _) = api(
        &mut app,
        &county,
        "GET",
        &format!("/api/v1/tasks/{task_id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(
        &mut app,
        &county,
        "POST",
        &format!("/api/v1/tasks/{task_id}/cascade"),
        Some(json!({"org_ids": [nanguan]})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = api(
        &mut app,
        &county,
        "POST",
        &format!("/api/v1/tasks/{child}/progress"),
        Some(json!({"reported_on": "2019-03-10", "note": "", "done": true})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["fields"]["note"].is_string());
    let (s, _) = api(
        &mut app,
        &county,
        "POST",
        &format!("/api/v1/tasks/{child}/progress"),
        Some(json!({"reported_on": "2019-03-10", "note": "已完成", "done": true})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // The city's view of the parent shows the children's states; the board by date.
    let (s, v) = api(
        &mut app,
        &office,
        "GET",
        &format!("/api/v1/tasks/{task_id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let states: Vec<&str> = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 2);
    assert!(states.contains(&"done"));
    let (_, v) = api(
        &mut app,
        &office,
        "GET",
        "/api/v1/tasks?year=2019&on=2019-04-01&status=overdue",
        None,
    )
    .await;
    assert_eq!(v["tasks"].as_array().unwrap().len(), 2);
    let (s, v) = api(&mut app, &office, "GET", "/api/v1/tasks?status=late", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["fields"]["status"].is_string());
    // 三员分立: the audit administrator has no business powers here.
    let (s, _) = api(&mut app, &auditor, "GET", "/api/v1/tasks", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = api(&mut app, &auditor, "GET", "/api/v1/training", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Registers.
    let (s, v) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/training",
        Some(json!({"held_on": "2019/05/01"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["fields"]["held_on"].is_string() && v["fields"]["title"].is_string(),
        "{v}"
    );
    let drafter = app.user_id("demo-drafter").await;
    let (s, rec) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/training",
        Some(json!({"org_id": body, "held_on": "2019-05-10", "title": "条例培训", "category": "business",
                    "outsiders": 12, "participants": [drafter]})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{rec}");
    assert_eq!(rec["year"], 2019);
    assert_eq!(rec["values"]["outsiders"], 12);
    let id = rec["id"].as_i64().unwrap();
    let (s, rec) = api(
        &mut app,
        &office,
        "PUT",
        &format!("/api/v1/training/{id}"),
        Some(json!({"org_id": body, "held_on": "2019-05-11", "title": "条例培训", "category": "team"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec["values"]["category"], "team");
    let (_, v) = api(&mut app, &office, "GET", "/api/v1/training?year=2019", None).await;
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    let (s, _) = api(
        &mut app,
        &county,
        "GET",
        &format!("/api/v1/training/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, p) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/proposals",
        Some(
            json!({"org_id": body, "kind": "cppcc", "number": "第0089号", "title": "无障碍环境建设",
                    "role": "lead", "received_on": "2019-03-25"}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, _) = api(
        &mut app,
        &office,
        "POST",
        &format!("/api/v1/proposals/{}/draft-item", p["id"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the office does not draft items");
    let (s, _) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/publicity",
        Some(json!({"org_id": body, "kind": "event", "held_on": "2019-05-19", "title": "助残日宣传", "pieces": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = api(
        &mut app,
        &office,
        "POST",
        "/api/v1/assessments",
        Some(json!({"org_id": body, "kind": "evaluation", "held_on": "2019-12-01", "title": "社会评议"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
});
