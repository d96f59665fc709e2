//! 提醒 in the console (issues #6 and #9), on both backends: the worker's sweep turns an
//! application's deadlines into reminders; the office sees them with the unread badge on 提醒 in
//! the navigation, marks one and then all read; the assigned department sees its case, another
//! office none; reminders are mailed once to the organisation's address through SMTP (a local
//! sink on 127.0.0.1), and a second mailing run sends nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::TestApp;
use gongkai_core::vault::Vault;
use gongkai_store::applications::{self, NewApplication, NewItem, workflow};
use gongkai_store::audit::Actor;
use gongkai_store::reminders::{self, ReportDeadlines};
use gongkai_web::mail::{Mailer, send_reminders};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// An SMTP sink on 127.0.0.1 that accepts any number of connections and hands over each
/// message's DATA.
async fn smtp_sink() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data = String::new();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            let _ = tx.send(std::mem::take(&mut data));
                            w.write_all(b"250 OK queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let cmd = line.to_ascii_uppercase();
                    if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        w.write_all(b"250-sink\r\n250 8BITMIME\r\n").await.unwrap();
                    } else if cmd.starts_with("DATA") {
                        in_data = true;
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        w.write_all(b"250 OK\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (port, rx)
}

both_backends_app!(reminders_in_the_console_and_by_mail, |app| {
    let body = app.org_id("ccdpf").await;
    let dept = app.org_id("ccdpf-kfb").await;
    // The body's published e-mail address receives the office's reminders.
    gongkai_store::on_db!(&app.db, |p| sqlx::query(
        "UPDATE orgs SET email = 'gongkai@ccdpf.example.cn' WHERE id = $1"
    )
    .bind(body)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    // An application registered in person on 2025-03-03 (reply due 2025-03-31), assigned to
    // 康复部.
    let n = NewApplication {
        org_id: body,
        channel: "in_person".into(),
        applicant_type: "natural_person".into(),
        applicant_name: "张三".into(),
        id_kind: "resident_id".into(),
        id_number: "11010519491231002X".into(),
        email: "zhang@example.com".into(),
        info_form: "electronic".into(),
        delivery: "email".into(),
        items: vec![NewItem {
            description: "2024年残疾人就业补贴发放情况".into(),
            ..Default::default()
        }],
        arrived_on: Some(d("2025-03-03")),
        ..Default::default()
    };
    let mut tx = app.db.begin().await.unwrap();
    let c = applications::create(
        &mut tx,
        &Actor::system(),
        &Vault::for_tests(),
        &n,
        d("2025-03-03"),
    )
    .await
    .unwrap();
    workflow::assign(&mut tx, &Actor::system(), c.application.id, dept, "")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tracking = c.application.tracking_no.clone();

    app.login_demo("demo-office").await;
    let before = app.get("/admin").await;
    assert!(
        before
            .body
            .contains("<a href=\"/admin/reminders\" aria-current=\"false\">提醒</a>")
    );
    assert!(!before.body.contains("class=\"badge\""));

    let made = reminders::sweep(&app.db, d("2025-03-31"), &ReportDeadlines::default())
        .await
        .unwrap()
        .created;
    let ours = made
        .iter()
        .filter(|r| r.subject_id == c.application.id)
        .count();
    assert!(ours >= 1);
    let unread = gongkai_store::reminders::unread_count(
        &app.db,
        app.user_id("demo-office").await,
        &gongkai_store::users::grants(&app.db, app.user_id("demo-office").await)
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(unread >= ours as i64);

    let page = app.get("/admin").await;
    assert!(
        page.body.contains(&format!(
            "提醒<span class=\"badge\">{unread}<span class=\"visually-hidden\">条未读</span></span>"
        )),
        "{}",
        page.body
    );
    let list = app.get("/admin/reminders").await;
    assert_eq!(list.status, StatusCode::OK);
    let title = format!("依申请公开 {tracking} 答复期限今日（2025-03-31）到期");
    assert!(list.body.contains(&title), "{}", list.body);
    assert!(list.body.contains(&format!(
        "href=\"/admin/applications/{}\"",
        c.application.id
    )));

    // Mark one read, then all.
    let id = made
        .iter()
        .find(|r| r.subject_id == c.application.id && r.kind == "reply")
        .unwrap()
        .id;
    let r = app.post(&format!("/admin/reminders/{id}/read"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/admin").await;
    if unread > 1 {
        assert!(
            page.body
                .contains(&format!("提醒<span class=\"badge\">{}", unread - 1))
        );
    }
    assert_eq!(
        app.post("/admin/reminders/999999/read", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post("/admin/reminders/read", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(!app.get("/admin").await.body.contains("class=\"badge\""));
    let unread_only = app.get("/admin/reminders?show=unread").await;
    assert!(unread_only.body.contains("没有未读提醒。"));
    app.clear_cookies();

    // The assigned department's drafter sees the case; another office does not.
    app.login_demo("demo-drafter").await;
    let drafter = app.get("/admin/reminders").await;
    assert!(drafter.body.contains(&title), "{}", drafter.body);
    app.clear_cookies();
    app.login_demo("demo-county-office").await;
    let county = app.get("/admin/reminders").await;
    assert_eq!(county.status, StatusCode::OK);
    assert!(!county.body.contains(&tracking));
    app.clear_cookies();

    // Mailed once through SMTP, to the body's address.
    let (port, mut rx) = smtp_sink().await;
    let mailer = Mailer {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        from: "政务公开办公室 <gongkai@localhost>".into(),
    };
    let sent = send_reminders(&app.db, &mailer).await.unwrap();
    assert!(sent.sent >= ours as u64, "{sent:?}");
    let mut mails = Vec::new();
    while let Ok(m) = rx.try_recv() {
        mails.push(m);
    }
    assert!(
        mails.len() as u64 >= sent.sent,
        "at least one message per reminder mailed"
    );
    assert!(mails.iter().any(|m| m.contains("gongkai@ccdpf.example.cn")));
    let again = send_reminders(&app.db, &mailer).await.unwrap();
    assert_eq!(again.sent, 0, "nothing is mailed twice");
});
