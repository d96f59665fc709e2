use super::*;
use crate::scan::ScanConfig;
use proptest::prelude::*;

fn vocab() -> Vocab {
    Vocab {
        topic: vec![("health".into(), "卫生、体育\\卫生".into())],
        genre: vec![("notice".into(), "通知".into())],
        catalog: vec![("art20-07".into(), "（七）财政预算、决算信息".into())],
    }
}

fn with_ctx<T>(existing: &HashMap<String, Existing>, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let vocab = vocab();
    let scanner = Scanner::new(ScanConfig::default()).expect("scanner");
    let orgs: HashSet<String> = ["body".to_string()].into();
    let files = |p: &str| p == "a.pdf" || p == "sub/图.png";
    let ctx = Context {
        vocab: &vocab,
        existing,
        file_exists: &files,
        org_codes: &orgs,
        scanner: &scanner,
        today: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
    };
    f(&ctx)
}

const HEADER: &str =
    "索引号,标题,发布机构,发布日期,公开目录,主题分类,体裁,有效性,失效或废止日期,正文,附件,点击量";

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push_str("\r\n");
        s.push_str(r);
    }
    s.into_bytes()
}

#[test]
fn dates_in_the_usual_spellings() {
    let d = NaiveDate::from_ymd_opt(2019, 3, 5);
    for s in [
        "2019-03-05",
        "2019/3/5",
        "2019.03.05",
        "2019年3月5日",
        "20190305",
        "2019-03-05 10:00:00",
        "43529",
    ] {
        assert_eq!(parse_date(s), d, "{s}");
    }
    for s in ["2019-02-30", "19-3-5", "abc", "", "2019-13-01", "12"] {
        assert_eq!(parse_date(s), None, "{s}");
    }
    // Before 1949 in any spelling (fuzzing found "201", Excel's day 201 of 1900, accepted
    // while its own 1900-07-19 was not).
    for s in ["201", "19000719", "1900-07-19", "17898"] {
        assert_eq!(parse_date(s), None, "{s}");
    }
    assert_eq!(parse_date("17899"), NaiveDate::from_ymd_opt(1949, 1, 1));
}

#[test]
fn a_clean_file_gives_records_and_ignores_unknown_columns() {
    let bytes = csv(&[
        "GK-1,关于预算的通知,某局,2019-03-05,（七）财政预算、决算信息,health,通知,,,\"正文第一段\n第二段\",a.pdf,12",
        "GK-2,图片信息,某局,2019年4月1日,art20-07,,,废止,2020-01-01,,sub/图.png=示意图,3",
    ]);
    let parsed = read("x.csv", &bytes);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.ignored_columns, vec!["点击量".to_string()]);
    let checked = with_ctx(&HashMap::new(), |ctx| check(&parsed, ctx));
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert_eq!(checked.records.len(), 2);
    let r = &checked.records[0];
    assert_eq!(r.row, 2);
    assert_eq!(r.catalog_code, "art20-07");
    assert_eq!(r.topic_code, "health");
    assert_eq!(r.genre_code, "notice");
    assert_eq!(r.body_html, "<p>正文第一段</p><p>第二段</p>");
    assert_eq!(r.formed_on, r.published_on);
    let r = &checked.records[1];
    assert_eq!(r.validity, Validity::Repealed);
    assert_eq!(r.attachments[0].filename, "图.png");
    assert_eq!(r.attachments[0].alt_text, "示意图");
}

#[test]
fn every_problem_names_row_and_column() {
    let bytes = csv(&[
        ",缺索引号,某局,2019-03-05,art20-07,,,,,正文,,",
        "GK-1,日期错,某局,2019-02-30,art20-07,,,,,正文,,",
        "GK-2,好的,某局,2019-03-05,art20-07,,,,,正文,,",
        "GK-2,重复,某局,2019-03-05,art20-07,,,,,正文,,",
        "GK-3,缺文件,某局,2019-03-05,art20-07,,,,,,missing.pdf,",
        "GK-4,身份证,某局,2019-03-05,art20-07,,,,,申请人身份证号 110101199003074514,,",
        "GK-5,词表,某局,2019-03-05,不存在的目录,,,,,正文,,",
        "GK-6,已有,某局,2019-03-05,art20-07,,,,,正文,,",
        "GK-7,废止无日期,某局,2019-03-05,art20-07,,,废止,,正文,,",
    ]);
    let parsed = read("x.csv", &bytes);
    let existing: HashMap<String, Existing> = [("GK-6".to_string(), Existing::Other)].into();
    let checked = with_ctx(&existing, |ctx| check(&parsed, ctx));
    let lines: Vec<String> = checked.problems.iter().map(ToString::to_string).collect();
    let has = |prefix: &str, needle: &str| {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(prefix) && l.contains(needle)),
            "{prefix} {needle}: {lines:#?}"
        );
    };
    has("第2行「索引号」", "必填项为空");
    has("第3行「发布日期」", "不是有效日期");
    has("第5行「索引号」", "与第4行重复");
    has("第6行「附件」", "找不到文件“missing.pdf”");
    has("第7行「正文」", "公民身份号码");
    has("第8行「公开目录」", "不是本系统的公开目录");
    has("第9行「索引号」", "已有信息的索引号重复");
    has("第10行「失效或废止日期」", "须填写日期");
    assert!(!lines.iter().any(|l| l.contains("110101199003074514")));
    assert_eq!(checked.records.len(), 1);
    assert_eq!(checked.records[0].index_no, "GK-2");
    assert_eq!(checked.rejected_rows, 8);
}

#[test]
fn reimport_is_unchanged_and_a_changed_row_is_refused() {
    let bytes = csv(&["GK-1,标题,某局,2019-03-05,art20-07,,,,,正文,,"]);
    let parsed = read("x.csv", &bytes);
    let first = with_ctx(&HashMap::new(), |ctx| check(&parsed, ctx));
    let digest = first.records[0].digest.clone();
    let existing: HashMap<String, Existing> =
        [("GK-1".to_string(), Existing::Imported { digest })].into();
    let again = with_ctx(&existing, |ctx| check(&parsed, ctx));
    assert!(again.records.is_empty() && again.problems.is_empty());
    assert_eq!(again.unchanged, vec![(2, "GK-1".to_string())]);
    let changed = read(
        "x.csv",
        &csv(&["GK-1,新标题,某局,2019-03-05,art20-07,,,,,正文,,"]),
    );
    let refused = with_ctx(&existing, |ctx| check(&changed, ctx));
    assert!(refused.problems[0].to_string().contains("内容与上次不同"));
}

#[test]
fn missing_mandatory_header_is_a_file_problem() {
    let parsed = read("x.csv", "索引号,标题\r\nA,B\r\n".as_bytes());
    let lines: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert!(
        lines.contains(&"第1行「发布机构」：表头缺少必填列".to_string()),
        "{lines:?}"
    );
    assert!(parsed.rows.is_empty());
}

#[test]
fn json_items_are_numbered_and_checked_like_rows() {
    let json = r#"{"format":"gongkai-site","version":1,"items":[
        {"index_no":"J-1","title":"一","publisher_name":"某局","published_on":"2019-03-05",
         "catalog":"art20-07","body_html":"<p>正文</p><script>x</script>",
         "attachments":[{"file":"a.pdf","filename":"预算.pdf"}],"org_code":"body"},
        {"index_no":5},
        {"index_no":"J-3","title":"三","publisher_name":"某局","published_on":"2019-03-05",
         "catalog":"art20-07","body_html":"正文","org_code":"elsewhere"}
    ]}"#;
    let parsed = read("p.json", json.as_bytes());
    assert_eq!(parsed.format, Some(Format::Json));
    let checked = with_ctx(&HashMap::new(), |ctx| check(&parsed, ctx));
    let lines: Vec<String> = checked.problems.iter().map(ToString::to_string).collect();
    assert!(
        lines.iter().any(|l| l.starts_with("第2条：字段格式错误")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("第3条「org_code」")),
        "{lines:?}"
    );
    assert_eq!(checked.records.len(), 1);
    assert_eq!(checked.records[0].body_html, "<p>正文</p>");
    assert_eq!(checked.records[0].attachments[0].filename, "预算.pdf");
    let bad = read("p.json", b"{\"items\": [1,");
    assert!(bad.problems[0].message.contains("JSON 格式错误"));
}

#[test]
fn a_justified_finding_of_a_package_is_accepted() {
    let item = |justified: &str| {
        format!(
            r#"{{"items":[{{"index_no":"J-9","title":"联系方式","publisher_name":"某局",
            "published_on":"2019-03-05","catalog":"art20-07",
            "body_html":"<p>咨询电话 13800138000</p>","justified":[{justified}]}}]}}"#
        )
    };
    let kept = item(
        r#"{"field":"body_html","kind":"mobile","text":"13800138000","justification":"办公电话"}"#,
    );
    let checked = with_ctx(&HashMap::new(), |ctx| {
        check(&read("p.json", kept.as_bytes()), ctx)
    });
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert_eq!(checked.records[0].justified.len(), 1);
    let other = item(r#"{"field":"title","kind":"mobile","text":"13800138000"}"#);
    let checked = with_ctx(&HashMap::new(), |ctx| {
        check(&read("p.json", other.as_bytes()), ctx)
    });
    assert!(
        checked.problems[0].to_string().contains("手机号码"),
        "{:?}",
        checked.problems
    );
}

#[test]
fn unsafe_attachment_paths_are_refused() {
    for p in ["../etc/passwd", "/abs", "a//b", "c:/x", "./a"] {
        assert!(!is_safe_path(p), "{p}");
    }
    assert!(is_safe_path("sub/图.png"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400),
                                 name in "(x\\.csv|x\\.xlsx|x\\.json)") {
        let parsed = read(&name, &bytes);
        let _ = with_ctx(&HashMap::new(), |ctx| check(&parsed, ctx));
    }

    #[test]
    fn never_panics_on_csv_like_text(text in "[索引号标题发布机构日期,\"\\r\\n0-9a-z年月日/<>;=]{0,300}") {
        let input = format!("{HEADER}\r\n{text}");
        let parsed = read("x.csv", input.as_bytes());
        let _ = with_ctx(&HashMap::new(), |ctx| check(&parsed, ctx));
    }

    #[test]
    fn never_panics_on_zip_prefixed_bytes(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        let _ = read("x.xlsx", &bytes);
    }
}
