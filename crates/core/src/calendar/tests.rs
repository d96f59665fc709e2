//! Tests of the calendar and the deadline arithmetic: the REG §7.2 vectors, each counting rule,
//! the data files, and property tests against a naive day-by-day reference.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn cal() -> &'static Calendar {
    Calendar::official()
}

/// The naive reference of REG §7.2: walk day by day and count `is_workday` days.
fn naive_add(cal: &Calendar, start: NaiveDate, n: u32) -> NaiveDate {
    let mut date = start;
    let mut k = 0;
    while k < n {
        date = date.succ_opt().unwrap();
        if cal.is_workday(date) {
            k += 1;
        }
    }
    date
}

fn due(start: &str, n: u32) -> NaiveDate {
    cal().add_workdays(d(start), n, false).unwrap().due
}

// ---------------------------------------------------------------------------------------------
// Data files

#[test]
fn official_data_loads_without_errors() {
    assert_eq!(cal().load_errors(), &[] as &[String]);
    let years: Vec<i32> = cal().years().map(|y| y.year).collect();
    assert_eq!(years, (2007..=2026).collect::<Vec<_>>());
}

#[test]
fn every_year_names_its_notice_with_a_gov_cn_url() {
    for y in cal().years() {
        let main = &y.notices[0];
        assert!(
            main.title
                .contains(&format!("关于{}年部分节假日安排的通知", y.year)),
            "{}",
            main.title
        );
        for n in &y.notices {
            assert!(!n.urls.is_empty(), "{}: {}", y.year, n.title);
            assert!(
                n.urls.iter().all(|u| u.contains("www.gov.cn/")),
                "{}: {:?}",
                y.year,
                n.urls
            );
            if let Some(number) = &n.document_number {
                assert!(number.contains('〔') && number.ends_with('号'), "{number}");
            }
        }
        // every year has the seven festivals' days off (the 2007 notice predates 清明/端午/中秋)
        let names: Vec<&str> = y.holidays.iter().map(|h| h.name.as_str()).collect();
        for festival in ["元旦", "春节", "劳动节", "国庆节"] {
            assert!(
                names.iter().any(|n| n.contains(festival)),
                "{}: {festival}",
                y.year
            );
        }
        if y.year >= 2008 {
            for festival in ["清明节", "端午节", "中秋节"] {
                assert!(
                    names.iter().any(|n| n.contains(festival)),
                    "{}: {festival}",
                    y.year
                );
            }
        }
    }
}

#[test]
fn amendment_notices_are_recorded() {
    let y2019 = cal().year(2019).unwrap();
    assert!(
        y2019
            .notices
            .iter()
            .any(|n| n.urls.iter().any(|u| u.contains("2019-03/22")))
    );
    assert_eq!(
        y2019.notices[1].document_number.as_deref(),
        Some("国办发明电〔2019〕3号")
    );
    let y2020 = cal().year(2020).unwrap();
    assert!(
        y2020
            .notices
            .iter()
            .any(|n| n.title.contains("延长2020年春节假期"))
    );
    // 2020-02-01 (Saturday) was a working day in the first notice; the extension made it off.
    let feb1 = cal().day(d("2020-02-01"));
    assert!(!feb1.is_workday);
    assert!(feb1.name().contains("抗击新冠肺炎疫情"));
    // the 2015 抗战胜利70周年 special arrangement
    assert!(!cal().is_workday(d("2015-09-03")));
    assert!(!cal().is_workday(d("2015-09-04")));
    assert!(cal().is_workday(d("2015-09-06")));
}

#[test]
fn files_are_keyed_by_notice_year() {
    // holiday-cn's caveat: 2018-12-29 is in the 2019 notice.
    let y2019 = cal().year(2019).unwrap();
    let yuandan = y2019.holidays.iter().find(|h| h.name == "元旦").unwrap();
    assert!(yuandan.work.contains(&d("2018-12-29")));
    assert!(yuandan.off.contains(&d("2018-12-30")));
    assert!(
        cal()
            .year(2018)
            .unwrap()
            .holidays
            .iter()
            .all(|h| !h.work.contains(&d("2018-12-29")))
    );
    let info = cal().day(d("2018-12-29"));
    assert!(info.is_workday);
    assert_eq!(
        info.kind,
        DayKind::AdjustedWorkday {
            name: "元旦".into()
        }
    );
}

#[test]
fn year_files_are_validated() {
    let ok = "year = 2030\n[[notices]]\ntitle = \"t\"\n[[holidays]]\nname = \"元旦\"\noff = [\"2030-01-01\"]\n";
    assert!(YearData::from_toml(ok).is_ok());
    let no_notice = "year = 2030\n";
    assert!(matches!(
        YearData::from_toml(no_notice),
        Err(CalendarError::BadData { .. })
    ));
    let wrong_year = ok.replace("2030-01-01", "2031-01-01");
    assert!(matches!(
        YearData::from_toml(&wrong_year),
        Err(CalendarError::BadData { .. })
    ));
    let twice = ok.replace(
        "off = [\"2030-01-01\"]",
        "off = [\"2030-01-01\"]\nwork = [\"2030-01-01\"]",
    );
    assert!(matches!(
        YearData::from_toml(&twice),
        Err(CalendarError::BadData { .. })
    ));
    let december_before = ok.replace("2030-01-01", "2029-12-31");
    assert!(YearData::from_toml(&december_before).is_ok());
    let november_before = ok.replace("2030-01-01", "2029-11-30");
    assert!(YearData::from_toml(&november_before).is_err());
    let unknown_field = format!("{ok}extra = 1\n");
    assert!(YearData::from_toml(&unknown_field).is_err());
    let err = YearData::from_toml(no_notice).unwrap_err().to_string();
    assert!(err.contains("2030年") && err.contains("通知"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// is_workday

#[test]
fn day_classification() {
    let c = cal();
    assert_eq!(
        c.day(d("2019-10-01")).kind,
        DayKind::Holiday {
            name: "国庆节".into()
        }
    );
    assert_eq!(
        c.day(d("2019-09-29")).kind,
        DayKind::AdjustedWorkday {
            name: "国庆节".into()
        }
    );
    assert_eq!(c.day(d("2019-09-21")).kind, DayKind::Weekend);
    assert_eq!(c.day(d("2019-09-23")).kind, DayKind::Weekday);
    assert_eq!(c.day(d("2019-09-23")).name(), "");
    assert_eq!(c.day(d("2019-09-29")).reason_zh(), "调休上班日（国庆节）");
    assert!(!c.day(d("2019-09-23")).provisional);
}

#[test]
fn coverage_and_provisional_days() {
    let c = cal();
    assert!(c.covers(d("2007-01-01")));
    assert!(c.covers(d("2026-12-19")));
    // late December also depends on the (missing) 2027 notice
    assert!(!c.covers(d("2026-12-20")));
    assert_eq!(c.missing_notice_years(d("2026-12-31")), vec![2027]);
    assert!(c.covers(d("2025-12-31")));
    assert_eq!(c.missing_notice_years(d("2030-03-01")), vec![2030]);
    assert_eq!(c.missing_notice_years(d("2030-12-25")), vec![2030, 2031]);
    assert_eq!(c.missing_notice_years(d("2006-06-01")), vec![2006]);
    // an uncovered year falls back to the weekday rule
    for date in d("2030-01-01").iter_days().take(366) {
        let info = c.day(date);
        assert!(info.provisional);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        assert_eq!(info.is_workday, !weekend, "{date}");
    }
    // removing a year makes it provisional, and the year before it for late December
    let without = c.without_year(2019);
    assert!(!without.covers(d("2019-06-01")));
    assert!(!without.covers(d("2018-12-28")));
    assert!(without.covers(d("2018-12-19")));
    assert!(
        without.is_workday(d("2019-10-01")),
        "without data 10-01 is a plain Tuesday"
    );
}

#[test]
fn overrides_and_added_years() {
    let c = cal().with_overrides([
        DayOverride {
            date: d("2025-06-06"),
            is_workday: false,
            name: "古尔邦节".into(),
            source: "自治区人民政府通知".into(),
        },
        DayOverride {
            date: d("2030-01-05"),
            is_workday: true,
            name: String::new(),
            source: "管理员调整".into(),
        },
    ]);
    let eid = c.day(d("2025-06-06"));
    assert!(!eid.is_workday && !eid.provisional);
    assert_eq!(
        eid.reason_zh(),
        "古尔邦节（自治区人民政府通知调整为休息日）"
    );
    let sat = c.day(d("2030-01-05"));
    assert!(sat.is_workday && !sat.provisional);
    // the override changes deadlines: 2025-06-03 (Tue) + 3 WD skips Friday 06-06
    let dl = c.add_workdays(d("2025-06-03"), 3, false).unwrap();
    assert_eq!(dl.due, d("2025-06-09"));
    assert!(
        dl.explain()
            .contains("跳过 2025-06-06（星期五）：古尔邦节（自治区人民政府通知调整为休息日）。")
    );
    // the official calendar is unchanged
    assert!(cal().is_workday(d("2025-06-06")));

    // next year's notice fed in before a release
    let y2030 = YearData::from_toml(
        "year = 2030\n[[notices]]\ntitle = \"国务院办公厅关于2030年部分节假日安排的通知\"\n\
         [[holidays]]\nname = \"元旦\"\noff = [\"2030-01-01\"]\n",
    )
    .unwrap();
    let c2 = cal().with_year(y2030).unwrap();
    assert!(c2.covers(d("2030-06-01")));
    assert!(!c2.is_workday(d("2030-01-01")));
    let dl = c2.add_workdays(d("2030-03-01"), 20, false).unwrap();
    assert!(!dl.provisional);
    assert!(
        cal()
            .add_workdays(d("2030-03-01"), 20, false)
            .unwrap()
            .provisional
    );
}

// ---------------------------------------------------------------------------------------------
// REG §7.2 test vectors (all nine rows)

#[test]
fn reg_7_2_vectors() {
    assert_eq!(due("2019-09-20", 20), d("2019-10-23"));
    let extended = Clock::reply(d("2019-09-20"))
        .extend(20)
        .compute(cal())
        .unwrap();
    assert_eq!(extended.original_due, d("2019-10-23"));
    assert_eq!(extended.due, d("2019-11-20"));
    assert_eq!(due("2019-09-25", 7), d("2019-10-10"));
    assert_eq!(due("2019-12-20", 20), d("2020-01-19"));
    assert_eq!(d("2020-01-19").weekday(), Weekday::Sun);
    assert_eq!(due("2025-01-20", 20), d("2025-02-21"));
    assert_eq!(due("2025-09-26", 20), d("2025-10-30"));
    assert_eq!(due("2026-02-10", 20), d("2026-03-16"));
    assert_eq!(due("2026-02-10", 7), d("2026-02-26"));
    assert_eq!(due("2026-09-18", 15), d("2026-10-15"));
    for (start, n) in [
        ("2019-09-20", 20),
        ("2019-09-25", 7),
        ("2019-12-20", 20),
        ("2025-01-20", 20),
        ("2025-09-26", 20),
        ("2026-02-10", 20),
        ("2026-02-10", 7),
        ("2026-09-18", 15),
    ] {
        let dl = cal().add_workdays(d(start), n, false).unwrap();
        assert!(!dl.provisional, "{start} + {n}");
        assert_eq!(dl.due, naive_add(cal(), d(start), n));
    }
}

#[test]
fn explanation_of_the_national_day_vector() {
    let dl = Clock::reply(d("2019-09-20")).compute(cal()).unwrap();
    let text = dl.explain();
    let expected = [
        "自2019年9月20日（星期五，收到申请之日）次日起计算20个工作日（开始之日不计入，《民法典》第二百零一条）。",
        "跳过 2019-09-21 至 2019-09-22：周末。",
        "2019-09-29（星期日）为调休上班日（国庆节），计入，为第6个工作日。",
        "跳过 2019-10-01 至 2019-10-07：国庆节。",
        "2019-10-12（星期六）为调休上班日（国庆节），计入，为第12个工作日。",
        "截止日：2019年10月23日（星期三）。",
    ];
    for line in expected {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(!text.contains("注意"), "{text}");
    // 2019-09-28 (Saturday) is an ordinary weekend day: skipped alone
    assert!(text.contains("跳过 2019-09-28（星期六）：周末。"), "{text}");
    // lines come in date order and end with the due date
    assert_eq!(
        text.lines().last(),
        Some("截止日：2019年10月23日（星期三）。")
    );
}

// ---------------------------------------------------------------------------------------------
// Counting rules

#[test]
fn start_day_counted() {
    let counted = cal().add_workdays(d("2019-09-20"), 20, true).unwrap();
    assert_eq!(counted.due, d("2019-10-22"));
    assert!(
        counted
            .explain()
            .contains("当日起计算20个工作日（开始之日计入）")
    );
    // a counted start day that is not a working day is simply skipped
    let sat = cal().add_workdays(d("2019-09-21"), 1, true).unwrap();
    assert_eq!(sat.due, d("2019-09-23"));
    assert!(
        sat.explain()
            .contains("跳过 2019-09-21 至 2019-09-22：周末。"),
        "{}",
        sat.explain()
    );
}

#[test]
fn suspension_pauses_the_clock() {
    // 6 working days (10-08..10-12 incl. the adjusted Saturday, and 10-14) are suspended
    let dl = Clock::reply(d("2019-09-20"))
        .suspend(d("2019-10-08"), d("2019-10-14"), "征求第三方意见")
        .compute(cal())
        .unwrap();
    assert_eq!(dl.due, d("2019-10-31"));
    assert_eq!(dl.due, naive_add(cal(), d("2019-09-20"), 26));
    let text = dl.explain();
    assert!(
        text.contains("跳过 2019-10-08 至 2019-10-14：暂停计算（征求第三方意见）。"),
        "{text}"
    );
    // a suspension entirely on days off changes nothing
    let same = Clock::reply(d("2019-09-20"))
        .suspend(d("2019-10-01"), d("2019-10-07"), "征求其他机关意见")
        .compute(cal())
        .unwrap();
    assert_eq!(same.due, d("2019-10-23"));
}

#[test]
fn restart_after_correction() {
    let events = [
        ClockEvent::Received {
            on: d("2019-09-20"),
        },
        ClockEvent::CorrectionReceived {
            on: d("2019-09-25"),
        },
    ];
    let dl = Clock::from_events(Period::Workdays(20), &events)
        .unwrap()
        .compute(cal())
        .unwrap();
    assert_eq!(dl.start, d("2019-09-25"));
    assert_eq!(dl.due, d("2019-10-28"));
    assert_eq!(dl.due, naive_add(cal(), d("2019-09-25"), 20));
    let text = dl.explain();
    assert!(
        text.starts_with("依《政府信息公开条例》第三十条，期限自收到补正后申请之日重新计算。"),
        "{text}"
    );
    assert!(
        text.contains("2019年9月25日（星期三，收到补正后申请之日）次日起"),
        "{text}"
    );
}

#[test]
fn events_combine() {
    let events = [
        ClockEvent::Received {
            on: d("2019-09-20"),
        },
        ClockEvent::Suspended {
            from: d("2019-10-08"),
            to: d("2019-10-14"),
            reason: "征求第三方意见".into(),
        },
        ClockEvent::Extended { workdays: 10 },
    ];
    let dl = Clock::from_events(Period::Workdays(20), &events)
        .unwrap()
        .compute(cal())
        .unwrap();
    assert_eq!(dl.original_due, d("2019-10-31"));
    assert_eq!(dl.due, naive_add(cal(), d("2019-10-31"), 10));
    assert_eq!(dl.due, d("2019-11-14"));
    let text = dl.explain();
    assert!(
        text.contains("原截止日：2019年10月31日（星期四）。"),
        "{text}"
    );
    assert!(text.contains("经批准延长10个工作日"), "{text}");
    assert_eq!(
        Clock::from_events(
            Period::Workdays(20),
            &[ClockEvent::Extended { workdays: 5 }]
        ),
        Err(CalendarError::MissingStart)
    );
    let too_long = [
        ClockEvent::Received {
            on: d("2019-09-20"),
        },
        ClockEvent::Extended { workdays: 15 },
        ClockEvent::Extended { workdays: 6 },
    ];
    let err = Clock::from_events(Period::Workdays(20), &too_long)
        .unwrap()
        .compute(cal())
        .unwrap_err();
    assert_eq!(err, CalendarError::ExtensionTooLong(21));
    assert!(err.to_string().contains("第三十三条"));
}

#[test]
fn calendar_days_with_article_203() {
    // 60 days from 2019-08-02 end on 2019-10-01 (国庆节) → next working day 2019-10-08
    let dl = cal().add_calendar_days(d("2019-08-02"), 60, false).unwrap();
    assert_eq!(dl.original_due, d("2019-10-08"));
    assert_eq!(dl.due, d("2019-10-08"));
    let text = dl.explain();
    assert!(text.contains("期间最后一日 2019-10-01（星期二）为国庆节，依《民法典》第二百零三条顺延至其后第一个工作日 2019-10-08（星期二）。"), "{text}");
    // ending on an adjusted working Saturday: no move
    let sat = cal().add_calendar_days(d("2019-08-13"), 60, false).unwrap();
    assert_eq!(sat.due, d("2019-10-12"));
    assert!(!sat.explain().contains("第二百零三条"));
    // ending on an ordinary Sunday
    let sun = cal().add_calendar_days(d("2019-11-02"), 15, false).unwrap();
    assert_eq!(sun.due, d("2019-11-18"));
    assert!(sun.explain().contains("2019-11-17（星期日）为周末"));
    // an extension is only for working-day periods
    let err = Clock::new(d("2019-08-02"), Period::CalendarDays(60))
        .extend(5)
        .compute(cal());
    assert_eq!(err, Err(CalendarError::ExtensionNeedsWorkdays));
}

#[test]
fn provisional_results() {
    let dl = cal().add_workdays(d("2030-03-01"), 20, false).unwrap();
    assert!(dl.provisional);
    assert_eq!(dl.missing_notice_years, vec![2030]);
    // weekdays only: 2030-03-01 is a Friday; 20 WD later is Friday 2030-03-29
    assert_eq!(dl.due, d("2030-03-29"));
    let text = dl.explain();
    assert!(
        text.contains("注意：尚无2030年的国务院节假日安排数据"),
        "{text}"
    );
    assert!(text.contains("临时结果"), "{text}");
    // a period that ends in late December 2026 depends on the 2027 notice
    let dec = cal().add_workdays(d("2026-12-01"), 20, false).unwrap();
    assert!(dec.provisional);
    assert_eq!(dec.missing_notice_years, vec![2027]);
    let nov = cal().add_workdays(d("2026-11-02"), 20, false).unwrap();
    assert!(!nov.provisional);
    // calendar-day periods only consult the last day(s)
    let cd = cal().add_calendar_days(d("2026-10-01"), 60, false).unwrap();
    assert_eq!(cd.due, d("2026-11-30"));
    assert!(!cd.provisional);
}

#[test]
fn errors_are_chinese_and_checked() {
    let c = cal();
    assert_eq!(
        c.add_workdays(d("2019-09-20"), 0, false),
        Err(CalendarError::ZeroPeriod)
    );
    assert_eq!(
        c.add_workdays(d("2019-09-20"), MAX_WORKDAYS + 1, false),
        Err(CalendarError::TooManyWorkdays(MAX_WORKDAYS + 1))
    );
    assert_eq!(
        c.add_calendar_days(d("2019-09-20"), MAX_CALENDAR_DAYS + 1, false),
        Err(CalendarError::TooManyDays(MAX_CALENDAR_DAYS + 1))
    );
    assert_eq!(
        c.add_workdays(d("1900-01-01"), 5, false),
        Err(CalendarError::DateOutOfRange(d("1900-01-01")))
    );
    // running past the last supported date is an error, not a panic
    assert!(matches!(
        c.add_workdays(d("2199-12-20"), 100, false),
        Err(CalendarError::DateOutOfRange(_))
    ));
    let bad = Clock::reply(d("2019-09-20"))
        .suspend(d("2019-10-10"), d("2019-10-01"), "x")
        .compute(c);
    assert!(matches!(bad, Err(CalendarError::InvalidSuspension { .. })));
    assert!(matches!(
        c.days(d("2019-10-10"), d("2019-10-01")),
        Err(CalendarError::InvalidRange { .. })
    ));
    assert!(matches!(
        c.days(d("1950-01-01"), d("2199-01-01")),
        Err(CalendarError::RangeTooLong { .. })
    ));
    for e in [
        CalendarError::ZeroPeriod,
        CalendarError::TooManyWorkdays(9999),
        CalendarError::DateOutOfRange(d("1900-01-01")),
        CalendarError::InvalidRange {
            from: d("2019-10-10"),
            to: d("2019-10-01"),
        },
    ] {
        let msg = e.to_string();
        assert!(
            msg.chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
            "{msg}"
        );
    }
}

#[test]
fn days_lists_every_day() {
    let days = cal().days(d("2019-09-28"), d("2019-10-13")).unwrap();
    assert_eq!(days.len(), 16);
    let work: Vec<bool> = days.iter().map(|i| i.is_workday).collect();
    #[rustfmt::skip]
    let expected = [false, true, true, false, false, false, false, false, false, false, true, true, true, true, true, false];
    assert_eq!(work, expected);
}

// ---------------------------------------------------------------------------------------------
// Properties

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 2006-01-01 .. 2031-12-31: data years plus provisional ones on both sides
    (0i64..9496).prop_map(|k| d("2006-01-01") + Duration::days(k))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn add_workdays_matches_the_naive_reference(start in any_date(), n in 1u32..=60) {
        let dl = cal().add_workdays(start, n, false).unwrap();
        prop_assert_eq!(dl.due, naive_add(cal(), start, n));
        prop_assert!(cal().is_workday(dl.due));
        // provisional exactly when some day in (start, due] is not covered
        let any_uncovered = start.iter_days().skip(1).take_while(|x| *x <= dl.due).any(|x| !cal().covers(x));
        prop_assert_eq!(dl.provisional, any_uncovered);
    }

    #[test]
    fn add_workdays_is_strictly_monotonic(start in any_date(), n in 1u32..=60) {
        let a = cal().add_workdays(start, n, false).unwrap().due;
        let b = cal().add_workdays(start, n + 1, false).unwrap().due;
        prop_assert!(a < b);
        // and the working days strictly between them are none
        prop_assert!(a.iter_days().skip(1).take_while(|x| *x < b).all(|x| !cal().is_workday(x)));
    }

    #[test]
    fn start_day_counted_is_counting_from_the_day_before(start in any_date(), n in 1u32..=40) {
        let counted = cal().add_workdays(start, n, true).unwrap().due;
        prop_assert_eq!(counted, naive_add(cal(), start.pred_opt().unwrap(), n));
    }

    #[test]
    fn suspension_adds_the_suspended_workdays(start in any_date(), n in 5u32..=40, off in 1u32..5, len in 0i64..20) {
        // a suspension starting inside the unsuspended period
        let plain = cal().add_workdays(start, n, false).unwrap().due;
        let from = naive_add(cal(), start, off);
        let to = from + Duration::days(len);
        let suspended = Clock::new(start, Period::Workdays(n)).suspend(from, to, "征求意见").compute(cal()).unwrap();
        let lost = from.iter_days().take_while(|x| *x <= to).filter(|x| cal().is_workday(*x)).count() as u32;
        prop_assert_eq!(suspended.due, naive_add(cal(), start, n + lost));
        prop_assert!(suspended.due >= plain);
        prop_assert!(suspended.due > to);
    }

    #[test]
    fn extension_counts_from_the_original_due_date(start in any_date(), n in 1u32..=40, ext in 1u32..=20) {
        let dl = Clock::new(start, Period::Workdays(n)).extend(ext).compute(cal()).unwrap();
        prop_assert_eq!(dl.original_due, naive_add(cal(), start, n));
        prop_assert_eq!(dl.due, naive_add(cal(), start, n + ext));
    }

    #[test]
    fn calendar_days_end_on_the_first_workday_from_the_nominal_end(start in any_date(), n in 1u32..=400) {
        let dl = cal().add_calendar_days(start, n, false).unwrap();
        let nominal = start + Duration::days(i64::from(n));
        prop_assert!(dl.due >= nominal);
        prop_assert!(cal().is_workday(dl.due));
        prop_assert!(nominal.iter_days().take_while(|x| *x < dl.due).all(|x| !cal().is_workday(x)));
    }

    #[test]
    fn explanation_ends_with_the_due_date(start in any_date(), n in 1u32..=40) {
        let dl = cal().add_workdays(start, n, false).unwrap();
        let text = dl.explain();
        let due_line = format!("截止日：{}（{}）。", date_zh(dl.due), weekday_zh(dl.due));
        prop_assert!(text.contains(&due_line));
        prop_assert_eq!(text.contains("临时结果"), dl.provisional);
        // every counted weekend day is announced
        let weekend_work = start.iter_days().skip(1).take_while(|x| *x <= dl.due)
            .filter(|x| matches!(x.weekday(), Weekday::Sat | Weekday::Sun) && cal().is_workday(*x))
            .count();
        prop_assert_eq!(text.matches("计入，为第").count(), weekend_work);
    }
}
