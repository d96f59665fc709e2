//! Mailbox over HTTP (issue #7), on both backends: the whole loop (submit on the portal,
//! register, forward, supervise, the department's draft, approval, reply, publication with
//! masking after review, the writer's rating, reopening and closing), the rule that nothing
//! unconsented or unreviewed is reachable on the portal, in feeds or through the API, the
//! scoped console and API, and bad input answered in Chinese with a 4xx.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::TestApp;
use gongkai_store::audit::Actor;
use gongkai_store::mailbox::boxes;
use gongkai_store::mailbox::messages;

const PHONE: &str = "13912345678";

async fn box_id(app: &TestApp, code: &str) -> i64 {
    boxes::list_boxes(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.code == code)
        .unwrap()
        .id
}

/// Between two markers of a page.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let s = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {body}"))
        + start.len();
    let rest = &body[s..];
    &rest[..rest.find(end).unwrap()]
}

/// Answers the form's question in words (the no-JavaScript path of the human check), e.g.
/// 「三加四等于几？」.
fn human_check(body: &str) -> (String, String) {
    let token = between(body, "name=\"captcha_token\" value=\"", "\"").to_string();
    let question = between(body, "<label for=\"captcha_answer\">", "</label>");
    let chars: Vec<char> = question.chars().collect();
    let num = |c: char| gongkai_web::antiabuse::parse_answer(&c.to_string()).unwrap();
    let answer = match chars[1] {
        '加' => num(chars[0]) + num(chars[2]),
        '减' => num(chars[0]) - num(chars[2]),
        op => panic!("unexpected operator {op} in {question}"),
    };
    (token, answer.to_string())
}

/// Submits a message through the portal form as an anonymous writer; returns (id, query_no,
/// secret).
async fn submit(
    app: &mut TestApp,
    box_code: &str,
    consent: &str,
    title: &str,
) -> (i64, String, String) {
    app.clear_cookies();
    let form = app.get("/mailbox/write").await;
    assert_eq!(form.status, StatusCode::OK);
    let b = box_id(app, box_code).await.to_string();
    let (token, answer) = human_check(&form.body);
    let r = app
        .post(
            "/mailbox/write",
            &[
                ("captcha_token", token.as_str()),
                ("captcha_answer", answer.as_str()),
                ("box_id", b.as_str()),
                ("topic_code", "certificate"),
                ("title", title),
                (
                    "content",
                    &format!("我叫王小明，电话{PHONE}，请问残疾人证如何换领？"),
                ),
                ("name", "王小明"),
                ("phone", PHONE),
                ("email", ""),
                ("consent", consent),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let query_no = between(&r.body, "<dt>查询码</dt><dd><strong>", "</strong>").to_string();
    let secret = between(&r.body, "<dt>查询密码</dt><dd><strong>", "</strong>").to_string();
    let m = messages::lookup(&app.db, &query_no, &secret)
        .await
        .unwrap()
        .unwrap();
    (m.id, query_no, secret)
}

async fn step(app: &mut TestApp, id: i64, action: &str, fields: &[(&str, &str)]) {
    let page = app.get(&format!("/admin/mailbox/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let r = app
        .post(&format!("/admin/mailbox/{id}/{action}"), fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
    assert_eq!(r.location(), format!("/admin/mailbox/{id}?done={action}"));
}

both_backends_app!(whole_loop, |app| {
    let (id, query_no, secret) = submit(&mut app, "consult", "yes", "换证咨询测试").await;
    let kfb = app.org_id("ccdpf-kfb").await.to_string();

    // The office: register, classify, forward with an instruction, supervise with escalation.
    app.login_demo("demo-office").await;
    let list = app.get("/admin/mailbox?status=received").await;
    assert!(list.body.contains(&query_no));
    step(&mut app, id, "register", &[("note", "")]).await;
    step(
        &mut app,
        id,
        "classify",
        &[("topic_code", "certificate"), ("note", "")],
    )
    .await;
    // A missing instruction re-renders the form with the message by the field.
    let bad = app
        .post(
            &format!("/admin/mailbox/{id}/forward"),
            &[("dept_id", kfb.as_str()), ("instruction", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("请填写转办意见")
            && bad.body.contains("id=\"forward-instruction-error\"")
    );
    step(
        &mut app,
        id,
        "forward",
        &[
            ("dept_id", kfb.as_str()),
            ("instruction", "请三个工作日内答复"),
        ],
    )
    .await;
    step(
        &mut app,
        id,
        "supervise",
        &[("note", "请抓紧办理"), ("escalate", "1")],
    )
    .await;
    // The office cannot draft (the department does), and a county office cannot even look.
    let r = app
        .post(&format!("/admin/mailbox/{id}/draft"), &[("text", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.login_demo("demo-county-office").await;
    assert_eq!(
        app.get(&format!("/admin/mailbox/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!app.get("/admin/mailbox").await.body.contains(&query_no));

    // The department drafts, naming the writer (masking must catch it).
    app.login_demo("demo-drafter").await;
    let page = app.get(&format!("/admin/mailbox/{id}")).await;
    assert!(page.body.contains("请抓紧办理") && page.body.contains("科室负责人"));
    step(
        &mut app,
        id,
        "draft",
        &[("text", "王小明您好：请携带身份证到区残联换领。")],
    )
    .await;

    // The office approves and replies; the consult box publishes by default → review pending.
    app.login_demo("demo-office").await;
    step(
        &mut app,
        id,
        "approve",
        &[("final_text", ""), ("note", "同意")],
    )
    .await;
    step(&mut app, id, "reply", &[]).await;
    let m = messages::get(&app.db, id).await.unwrap().unwrap();
    assert_eq!(
        (m.status.as_str(), m.publication.as_str()),
        ("replied", "pending_review")
    );
    assert!(m.in_time);
    // Not public before review: portal, API.
    app.clear_cookies();
    assert_eq!(
        app.get(&format!("/mailbox/qa/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/mailbox/qa/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!app.get("/mailbox/qa").await.body.contains("换证咨询测试"));

    // The confidentiality reviewer approves: public, masked.
    app.login_demo("demo-secrecy").await;
    step(
        &mut app,
        id,
        "review",
        &[("decision", "approve"), ("note", "")],
    )
    .await;
    app.clear_cookies();
    let qa = app.get(&format!("/mailbox/qa/{id}")).await;
    assert_eq!(qa.status, StatusCode::OK);
    assert!(qa.body.contains("换证咨询测试"));
    assert!(
        !qa.body.contains(PHONE) && !qa.body.contains("王小明"),
        "{}",
        qa.body
    );
    assert!(qa.body.contains("139****5678"));
    assert!(
        app.get("/mailbox/qa?topic=certificate")
            .await
            .body
            .contains("换证咨询测试")
    );
    let api = app.get(&format!("/api/v1/mailbox/qa/{id}")).await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(!api.body.contains(PHONE));

    // The writer reads the reply and rates it: wrong secret refused; 不满意 needs a reason and
    // reopens the case.
    let _ = app.get("/mailbox/query").await;
    let wrong = app
        .post(
            "/mailbox/query",
            &[("query_no", &query_no), ("secret", "WRONG234")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("查询码或查询密码不正确"));
    let found = app
        .post(
            "/mailbox/query",
            &[("query_no", &query_no), ("secret", &secret)],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("请携带身份证到区残联换领") && found.body.contains("已答复"));
    let r = app
        .post(
            "/mailbox/rate",
            &[
                ("query_no", &query_no),
                ("secret", &secret),
                ("rating", "unsatisfied"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请写明不满意的原因"));
    let r = app
        .post(
            "/mailbox/rate",
            &[
                ("query_no", &query_no),
                ("secret", &secret),
                ("rating", "unsatisfied"),
                ("comment", "没有说明所需材料"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("正在重新处理"));
    assert_eq!(
        messages::get(&app.db, id).await.unwrap().unwrap().status,
        "reopened"
    );

    // The office decides: keep the reply, with reasons. The form lists every step.
    app.login_demo("demo-office").await;
    step(
        &mut app,
        id,
        "close",
        &[("reasons", "已电话补充说明所需材料")],
    )
    .await;
    let page = app.get(&format!("/admin/mailbox/{id}")).await;
    for label in [
        "提交",
        "登记",
        "分类",
        "转办",
        "督办",
        "拟写答复",
        "审核答复",
        "答复",
        "提请公开",
        "公开保密审查",
        "评价",
        "维持原答复",
    ] {
        assert!(
            page.body.contains(&format!("<td>{label}</td>")),
            "{label} missing"
        );
    }
    assert_eq!(
        messages::get(&app.db, id).await.unwrap().unwrap().status,
        "closed"
    );
});

both_backends_app!(unconsented_or_unreviewed_never_public, |app| {
    let (id, _, _) = submit(&mut app, "consult", "no", "不同意公开的留言").await;
    let (id2, _, _) = submit(&mut app, "director", "yes", "未经审查的留言").await;
    let kfb = app.org_id("ccdpf-kfb").await.to_string();
    for mid in [id, id2] {
        app.login_demo("demo-office").await;
        step(&mut app, mid, "register", &[("note", "")]).await;
        step(
            &mut app,
            mid,
            "forward",
            &[("dept_id", kfb.as_str()), ("instruction", "请答复")],
        )
        .await;
        app.login_demo("demo-drafter").await;
        step(&mut app, mid, "draft", &[("text", "答复内容")]).await;
        app.login_demo("demo-office").await;
        step(
            &mut app,
            mid,
            "approve",
            &[("final_text", ""), ("note", "")],
        )
        .await;
        step(&mut app, mid, "reply", &[]).await;
    }
    // Without consent publication is refused outright.
    let r = app.post(&format!("/admin/mailbox/{id}/publish"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("来信人未同意公开"));
    // The director box does not publish by default; proposing it still needs review.
    step(&mut app, id2, "publish", &[]).await;
    // An office member cannot review (the reviewer does).
    let r = app
        .post(
            &format!("/admin/mailbox/{id2}/review"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    app.clear_cookies();
    for mid in [id, id2] {
        assert_eq!(
            app.get(&format!("/mailbox/qa/{mid}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/api/v1/mailbox/qa/{mid}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    for path in [
        "/mailbox",
        "/mailbox/qa",
        "/mailbox/qa?topic=certificate",
        "/api/v1/mailbox/qa?per_page=100",
        "/feeds/all.atom",
        "/sitemap.xml",
        "/catalog",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for title in ["不同意公开的留言", "未经审查的留言"] {
            assert!(!r.body.contains(title), "{title} on {path}");
        }
        assert!(!r.body.contains(PHONE), "phone on {path}");
    }
    // Guessing ids on the public surfaces finds nothing but published answers.
    let max: i64 = messages::list(
        &app.db,
        &[app.org_id("ccdpf").await],
        &[],
        &Default::default(),
    )
    .await
    .unwrap()
    .iter()
    .map(|m| m.id)
    .max()
    .unwrap();
    for guess in 1..=max + 2 {
        let r = app.get(&format!("/mailbox/qa/{guess}")).await;
        if r.status == StatusCode::OK {
            let m = messages::get(&app.db, guess).await.unwrap().unwrap();
            assert!(m.consent_publish && m.publication == "published" && m.reviewed_at.is_some());
        } else {
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
    }
});

both_backends_app!(portal_form_keeps_input_and_explains, |app| {
    let page = app.get("/mailbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("理事长信箱") && page.body.contains("公众留言"));
    let _ = app.get("/mailbox/write").await;
    let director = box_id(&app, "director").await.to_string();
    let r = app
        .post(
            "/mailbox/write",
            &[
                ("box_id", director.as_str()),
                ("topic_code", ""),
                ("title", "我的标题"),
                ("content", ""),
                ("name", ""),
                ("phone", "abc"),
                ("email", "x"),
                ("consent", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for msg in [
        "请选择留言主题",
        "请填写留言内容",
        "需要填写姓名",
        "联系电话格式不正确",
        "电子邮箱格式不正确",
        "请选择是否同意公开",
    ] {
        assert!(r.body.contains(msg), "{msg}");
    }
    assert!(r.body.contains("value=\"我的标题\""));
    assert!(r.body.contains("class=\"error-summary\""));
    // Public statistics (REG §4.4) of the demo year.
    let s = app.get("/mailbox/stats?year=2019").await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(s.body.contains("52 件") && s.body.contains("按期答复率 100%"));
    assert_eq!(
        app.get("/mailbox/stats?year=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/mailbox/qa?topic=nope").await.status,
        StatusCode::NOT_FOUND
    );
});

both_backends_app!(console_dashboard_stats_boxes_and_api, |app| {
    app.login_demo("demo-office").await;
    let d = app.get("/admin/mailbox/dashboard").await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.body.contains("康复部"), "{}", d.body);
    let s = app.get("/admin/mailbox/stats?year=2019").await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(s.body.contains("按期答复率 100%"));
    let csv = app.get("/admin/mailbox/stats.csv?year=2019").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.body.contains("\"合计\",\"收到留言\",\"52\""),
        "{}",
        csv.body
    );
    // Box administration: a bad period is explained by the field; a good box is saved.
    let _ = app.get("/admin/mailbox/boxes/new").await;
    let body = app.org_id("ccdpf").await.to_string();
    let r = app
        .post(
            "/admin/mailbox/boxes",
            &[
                ("org_id", body.as_str()),
                ("code", "kids"),
                ("name", "少儿康复咨询"),
                ("intro", ""),
                ("reply_workdays", "0"),
                ("sort_order", ""),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("答复期限须为") && r.body.contains("value=\"少儿康复咨询\""));
    let r = app
        .post(
            "/admin/mailbox/boxes",
            &[
                ("org_id", body.as_str()),
                ("code", "kids"),
                ("name", "少儿康复咨询"),
                ("intro", ""),
                ("reply_workdays", "7"),
                ("sort_order", "40"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.clear_cookies();
    assert!(app.get("/mailbox").await.body.contains("少儿康复咨询"));
    // The drafter has no box administration.
    app.login_demo("demo-drafter").await;
    assert_eq!(
        app.get("/admin/mailbox/boxes").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/admin/mailbox/stats").await.status,
        StatusCode::FORBIDDEN
    );

    // The API: same scopes and checks.
    let mut tokens = Vec::new();
    for user in ["demo-office", "demo-county-office"] {
        let uid = app.user_id(user).await;
        let mut tx = app.db.begin().await.unwrap();
        let (t, _) = gongkai_store::api_tokens::create(&mut tx, &Actor::system(), uid, "测试")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        tokens.push(format!("Bearer {t}"));
    }
    let office = [("authorization", tokens[0].as_str())];
    let county = [("authorization", tokens[1].as_str())];
    let list = app
        .get_with("/api/v1/mailbox/messages?year=2019", &office)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 52);
    assert!(!list.body.contains("secret_hash"));
    let county_list = app.get_with("/api/v1/mailbox/messages", &county).await;
    assert_eq!(county_list.body.trim(), "[]");
    let id = v[0]["id"].as_i64().unwrap();
    assert_eq!(
        app.get_with(&format!("/api/v1/mailbox/messages/{id}"), &county)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let detail = app
        .get_with(&format!("/api/v1/mailbox/messages/{id}"), &office)
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("\"steps\""));
    let stats = app.get_with("/api/v1/mailbox/stats/2019", &office).await;
    let s: serde_json::Value = serde_json::from_str(&stats.body).unwrap();
    assert_eq!(
        (s["total"].as_i64(), s["in_time"].as_i64()),
        (Some(52), Some(52))
    );
    // A step through the API on an answered message: 409 in JSON.
    let req = axum::http::Request::post(format!("/api/v1/mailbox/messages/{id}/register"))
        .header("authorization", tokens[0].as_str())
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("\"error\""));
});
