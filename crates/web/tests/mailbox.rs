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
    // Guessing the secret: after five failures for this query number (one above), even the
    // right secret is no longer compared (429), so a guesser learns nothing more.
    let _ = app.get("/mailbox/query").await;
    for _ in 0..4 {
        app.post(
            "/mailbox/query",
            &[("query_no", &query_no), ("secret", "WRONG234")],
        )
        .await;
    }
    let blocked = app
        .post(
            "/mailbox/query",
            &[("query_no", &query_no), ("secret", &secret)],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!blocked.body.contains("请携带身份证到区残联换领"));
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
        "/mailbox/qa.atom",
        "/mailbox/qa.atom?topic=certificate",
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

const ID_NUMBER: &str = "11010519491231002X";

fn convert_fields<'a>(id_number: &'a str, reason: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("applicant_type", "natural_person"),
        ("applicant_name", ""),
        ("id_kind", "resident_id"),
        ("id_number", id_number),
        ("address", ""),
        ("postcode", ""),
        ("info_form", "electronic"),
        ("delivery", "online"),
        ("description", ""),
        ("reason", reason),
    ]
}

both_backends_app!(convert_a_message_to_an_application, |app| {
    let (id, query_no, secret) = submit(&mut app, "consult", "no", "申请公开办证统计").await;
    let convert = format!("/admin/mailbox/{id}/convert");
    let reason = "来信要求获取本机关的统计信息，属依申请公开";
    // Not before registration: no form, and a 409 in Chinese.
    app.login_demo("demo-office").await;
    let page = app.get(&format!("/admin/mailbox/{id}")).await;
    assert!(!page.body.contains(&format!("action=\"{convert}\"")));
    let r = app.post(&convert, &convert_fields(ID_NUMBER, reason)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("须先登记"), "{}", r.body);
    step(&mut app, id, "register", &[("note", "")]).await;
    let page = app.get(&format!("/admin/mailbox/{id}")).await;
    assert!(page.body.contains(&format!("action=\"{convert}\"")));
    assert!(page.body.contains("<label for=\"convert-id_number\">"));

    // Without scope: the county office (another organisation) and the department's drafter.
    for user in ["demo-county-office", "demo-drafter"] {
        app.login_demo(user).await;
        let r = app.post(&convert, &convert_fields(ID_NUMBER, reason)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    assert!(
        messages::get(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .application_id
            .is_none()
    );

    // What the message lacks is asked for, by the field.
    app.login_demo("demo-office").await;
    let _ = app.get(&format!("/admin/mailbox/{id}")).await;
    let r = app.post(&convert, &convert_fields("", "")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("请填写身份证件号码") && r.body.contains("id=\"convert-id_number-error\"")
    );
    assert!(r.body.contains("id=\"convert-reason-error\""));
    let r = app.post(&convert, &convert_fields(ID_NUMBER, reason)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.location().to_string();
    assert!(
        location.starts_with("/admin/applications/") && location.contains("?created="),
        "{location}"
    );
    let app_id: i64 = location["/admin/applications/".len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = gongkai_store::applications::get(&app.db, app_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            a.channel.as_str(),
            a.stage.as_str(),
            a.applicant_name.as_str()
        ),
        ("online", "unconfirmed", "王小明")
    );

    // The application appears in the list and its page carries the message's text, links back
    // and shows the secret once.
    let list = app.get("/admin/applications").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&a.tracking_no));
    let detail = app.get(&location).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.body.contains("请问残疾人证如何换领"),
        "{}",
        detail.body
    );
    assert!(
        detail
            .body
            .contains(&format!("href=\"/admin/mailbox/{id}\">{query_no}</a>"))
    );
    assert!(detail.body.contains("由留言转来") && detail.body.contains("查询密码"));

    // The message page names the application; the step is on the processing form.
    let page = app.get(&format!("/admin/mailbox/{id}")).await;
    assert!(page.body.contains(&format!(
        "<a href=\"/admin/applications/{app_id}\">{}</a>",
        a.tracking_no
    )));
    assert!(page.body.contains("<td>转为政府信息公开申请</td>"));
    assert!(!page.body.contains(&format!("action=\"{convert}\"")));

    // Converting twice is refused with a Chinese 409.
    let r = app.post(&convert, &convert_fields(ID_NUMBER, reason)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不能重复转换") && r.body.contains(&a.tracking_no));

    // The writer sees where it went and cannot rate it as a message.
    app.clear_cookies();
    let _ = app.get("/mailbox/query").await;
    let found = app
        .post(
            "/mailbox/query",
            &[("query_no", &query_no), ("secret", &secret)],
        )
        .await;
    assert!(
        found.body.contains("已转为政府信息公开申请"),
        "{}",
        found.body
    );
    let r = app
        .post(
            "/mailbox/rate",
            &[
                ("query_no", &query_no),
                ("secret", &secret),
                ("rating", "satisfied"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
});

both_backends_app!(
    contact_details_sealed_masked_and_revealed_with_audit,
    |app| {
        let (id, _, _) = submit(&mut app, "director", "no", "联系方式测试").await;
        // Raw database: the stored row holds ciphertexts, never the name or the phone number.
        let (name, phone): (String, String) = gongkai_store::on_db!(&app.db, |p| sqlx::query_as(
            "SELECT pii_name, pii_phone FROM mailbox_messages WHERE id = $1"
        )
        .bind(id)
        .fetch_one(p)
        .await
        .unwrap());
        for v in [&name, &phone] {
            assert!(v.starts_with("gkv1:"), "{v}");
            assert!(!v.contains(PHONE) && !v.contains("王小明"));
        }

        // Staff see them masked; the department (no RevealPersonalData) has no reveal.
        app.login_demo("demo-office").await;
        let page = app.get(&format!("/admin/mailbox/{id}")).await;
        assert!(page.body.contains("<td>王*明</td>") && page.body.contains("<td>139****5678</td>"));
        assert!(
            !page.body.contains("<td>王小明</td>")
                && !page.body.contains(&format!("<td>{PHONE}</td>"))
        );
        assert!(
            page.body
                .contains(&format!("action=\"/admin/mailbox/{id}/reveal\""))
        );
        // The API masks them too.
        let uid = app.user_id("demo-office").await;
        let mut tx = app.db.begin().await.unwrap();
        let (t, _) = gongkai_store::api_tokens::create(&mut tx, &Actor::system(), uid, "测试")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let bearer = format!("Bearer {t}");
        let api = app
            .get_with(
                &format!("/api/v1/mailbox/messages/{id}"),
                &[("authorization", bearer.as_str())],
            )
            .await;
        assert_eq!(api.status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(v["message"]["pii_phone"], "139****5678");
        assert_eq!(v["message"]["pii_name"], "王*明");

        // A reveal needs a reason; then the full details show once and the reveal is audited.
        let r = app
            .post(&format!("/admin/mailbox/{id}/reveal"), &[("reason", "")])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("事由") && r.body.contains("id=\"reveal-reason-error\""));
        let r = app
            .post(
                &format!("/admin/mailbox/{id}/reveal"),
                &[("reason", "电话联系来信人")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("<td>王小明</td>") && r.body.contains(&format!("<td>{PHONE}</td>"))
        );
        let audited: Vec<String> = gongkai_store::on_db!(&app.db, |p| {
            sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE action = 'personal.reveal' AND object_id = $1"
    )
    .bind(id.to_string())
    .fetch_all(p)
    .await
    .unwrap()
        });
        assert_eq!(audited.len(), 1);
        assert!(audited[0].contains("电话联系来信人") && !audited[0].contains(PHONE));
        // Back on the page: masked again.
        let page = app.get(&format!("/admin/mailbox/{id}")).await;
        assert!(!page.body.contains(&format!("<td>{PHONE}</td>")));

        // Without RevealPersonalData: 403 (the department, once the message is forwarded to it).
        let kfb = app.org_id("ccdpf-kfb").await.to_string();
        step(&mut app, id, "register", &[("note", "")]).await;
        step(
            &mut app,
            id,
            "forward",
            &[("dept_id", kfb.as_str()), ("instruction", "请答复")],
        )
        .await;
        app.login_demo("demo-drafter").await;
        let page = app.get(&format!("/admin/mailbox/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<td>139****5678</td>"));
        assert!(
            !page
                .body
                .contains(&format!("action=\"/admin/mailbox/{id}/reveal\""))
        );
        let r = app
            .post(
                &format!("/admin/mailbox/{id}/reveal"),
                &[("reason", "联系来信人")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

/// The titles of the entries of an Atom feed (checked to be well-formed).
fn feed_titles(body: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).expect("feed is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("entry"))
        .filter_map(|e| {
            e.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .map(str::to_string)
        })
        .collect()
}

both_backends_app!(qa_feed_lists_only_public_answers, |app| {
    // The Q&A page links its feed; the demo's published answers are in it.
    let page = app.get("/mailbox/qa").await;
    assert!(page.body.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"公开答复订阅\" href=\"/mailbox/qa.atom\">"
    ));
    let topic_page = app.get("/mailbox/qa?topic=certificate").await;
    assert!(
        topic_page
            .body
            .contains("href=\"/mailbox/qa.atom?topic=certificate\"")
    );
    let feed = app.get("/mailbox/qa.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.header("content-type")
            .starts_with("application/atom+xml")
    );
    let before = feed_titles(&feed.body);
    assert!(!before.is_empty());
    assert_eq!(
        app.get("/mailbox/qa.atom?topic=nope").await.status,
        StatusCode::NOT_FOUND
    );

    // Unconsented, and consented but waiting for review: never in the feed.
    let (no, _, _) = submit(&mut app, "consult", "no", "订阅源不同意公开").await;
    let (yes, _, _) = submit(&mut app, "consult", "yes", "订阅源待审查").await;
    let kfb = app.org_id("ccdpf-kfb").await.to_string();
    for mid in [no, yes] {
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
        step(
            &mut app,
            mid,
            "draft",
            &[("text", "王小明您好：请到区残联办理。")],
        )
        .await;
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
    assert_eq!(
        messages::get(&app.db, yes)
            .await
            .unwrap()
            .unwrap()
            .publication,
        "pending_review"
    );
    app.clear_cookies();
    for path in ["/mailbox/qa.atom", "/mailbox/qa.atom?topic=certificate"] {
        let r = app.get(path).await;
        let titles = feed_titles(&r.body);
        assert!(
            titles.iter().all(|t| !t.contains("订阅源")),
            "{path}: {titles:?}"
        );
        assert!(!r.body.contains(PHONE) && !r.body.contains("王小明"));
    }

    // Reviewed: it appears, masked; the unconsented one still does not.
    app.login_demo("demo-secrecy").await;
    step(
        &mut app,
        yes,
        "review",
        &[("decision", "approve"), ("note", "")],
    )
    .await;
    app.clear_cookies();
    let r = app.get("/mailbox/qa.atom?topic=certificate").await;
    let titles = feed_titles(&r.body);
    assert!(titles.iter().any(|t| t == "订阅源待审查"), "{titles:?}");
    assert!(titles.iter().all(|t| t != "订阅源不同意公开"));
    assert!(!r.body.contains(PHONE) && !r.body.contains("王小明"));
    assert!(r.body.contains(&format!("/mailbox/qa/{yes}")));
    assert!(!r.body.contains(&format!("/mailbox/qa/{no}<")));
    // Withdrawn: gone again.
    app.login_demo("demo-office").await;
    step(&mut app, yes, "withdraw", &[("reasons", "来信人要求撤回")]).await;
    app.clear_cookies();
    let titles = feed_titles(&app.get("/mailbox/qa.atom").await.body);
    assert!(titles.iter().all(|t| !t.contains("订阅源")));
});
