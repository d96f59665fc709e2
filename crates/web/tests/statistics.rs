//! 统计分析 in the console (issue #9), on both backends: the office sees the year's charts —
//! server-rendered SVG named by its title and described by its one-sentence summary, each with
//! its data table — with the figures of `statistics::dashboard` for its scope; an organisation
//! is chosen with a plain GET form (outside the scope: 403); bad input is a Chinese 400; the
//! same tables export as CSV and XLSX; staff without the statistics power get 403. One SVG is
//! pinned by a snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::TestApp;
use gongkai_store::statistics;

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"));
    let rest = &s[a..];
    let b = rest.find(end).unwrap() + end.len();
    &rest[..b]
}

both_backends_app!(statistics_dashboard_in_the_console, |app| {
    app.login_demo("demo-drafter").await;
    assert_eq!(
        app.get("/admin/statistics").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!app.get("/admin").await.body.contains("/admin/statistics"));
    app.clear_cookies();

    app.login_demo("demo-office").await;
    assert!(app.get("/admin").await.body.contains("统计分析"));
    let page = app.get("/admin/statistics?year=2019").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = app.org_id("ccdpf").await;
    let d = statistics::dashboard(&app.db, &[body], 2019, gongkai_store::deadlines::today())
        .await
        .unwrap();
    let total = format!(
        "<p id=\"chart-month-summary\" class=\"chart-summary\">2019年共发布信息{}条",
        d.published()
    );
    assert!(page.body.contains(&total), "{total}");
    for needle in [
        "<h2 id=\"chart-month-heading\">2019年按月份发布信息</h2>",
        "role=\"img\" aria-labelledby=\"chart-month-title\" aria-describedby=\"chart-month-summary\"",
        "<caption>2019年按月份发布信息（数据表）</caption>",
        "<th scope=\"col\">月份</th>",
        "<caption>2019年向上级网站报送信息的采用情况（数据表）</caption>",
        "<caption>2019年政府信息公开申请答复时效（数据表）</caption>",
        "2019年收到的3件申请中，按期答复3件，逾期答复0件，逾期未答复0件",
        "<caption>2019年信箱留言答复用时（数据表）</caption>",
        "/admin/statistics.csv?year=2019",
        "/admin/statistics.xlsx?year=2019",
    ] {
        assert!(page.body.contains(needle), "{needle}");
    }
    // The month table holds the figures counted in SQL, month by month.
    for (i, n) in d.by_month.iter().enumerate() {
        let row = format!("<tr><th scope=\"row\">{}月</th><td>{n}</td></tr>", i + 1);
        assert!(page.body.contains(&row), "{row}");
    }
    // Hatched second series (not colour alone), no inline style, no script.
    let svg = between(&page.body, "<svg class=\"chart-svg\"", "</svg>");
    assert!(!svg.contains("style="));
    let syn = between(
        &page.body,
        "<section class=\"chart\" id=\"chart-syndication\"",
        "</section>",
    );
    assert!(syn.contains("fill=\"url(#chart-syndication-hatch)\""));
    insta::assert_snapshot!("month_chart_2019", svg);

    // One organisation of the scope, through the GET form.
    let dept = app.org_id("ccdpf-kfb").await;
    let one = app
        .get(&format!("/admin/statistics?year=2019&org={dept}"))
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("（含下级机构）"));
    let part = statistics::dashboard(&app.db, &[dept], 2019, gongkai_store::deadlines::today())
        .await
        .unwrap();
    assert!(one.body.contains(&format!(
        "<p id=\"chart-month-summary\" class=\"chart-summary\">{}",
        if part.published() > 0 {
            format!("2019年共发布信息{}条", part.published())
        } else {
            "2019年没有发布信息。".to_string()
        }
    )));
    assert!(
        one.body
            .contains(&format!("<option value=\"{dept}\" selected>"))
    );

    // Bad input: Chinese 400 with the form kept; another office's organisation: 403.
    let bad = app.get("/admin/statistics?year=19x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("年份请填写四位数字，例如 2019"));
    assert!(bad.body.contains("value=\"19x\""));
    let unknown = app.get("/admin/statistics?year=2019&org=abc").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("请从列表中选择机构"));
    assert_eq!(
        app.get("/admin/statistics.csv?year=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    app.clear_cookies();
    app.login_demo("demo-county-office").await;
    assert_eq!(
        app.get(&format!("/admin/statistics?year=2019&org={body}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let county = app.get("/admin/statistics?year=2019").await;
    assert_eq!(county.status, StatusCode::OK);
    let nanguan = app.org_id("nanguan").await;
    let own = statistics::dashboard(&app.db, &[nanguan], 2019, gongkai_store::deadlines::today())
        .await
        .unwrap();
    assert!(own.published() < d.published());
    assert!(county.body.contains(&format!(
        "<p id=\"chart-month-summary\" class=\"chart-summary\">{}",
        if own.published() > 0 {
            format!("2019年共发布信息{}条", own.published())
        } else {
            "2019年没有发布信息。".to_string()
        }
    )));
    app.clear_cookies();

    // Exports.
    app.login_demo("demo-office").await;
    let (status, headers, csv) = app.get_bytes("/admin/statistics.csv?year=2019").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("2019年按月份发布信息\r\n月份,发布（条）\r\n1月,"));
    assert!(
        csv.contains("2019年政府信息公开申请答复时效\r\n答复时效,申请（件）\r\n按期答复,3\r\n")
    );
    let (status, headers, xlsx) = app.get_bytes("/admin/statistics.xlsx?year=2019").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(xlsx.starts_with(b"PK"));
    let zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheets = zip
        .file_names()
        .filter(|n| {
            n.as_ref()
                .is_ok_and(|n| n.starts_with("xl/worksheets/sheet"))
        })
        .count();
    assert_eq!(sheets, 7, "one sheet per chart");
});
