//! Table-driven and property tests of the application rules. The oracles are independent:
//! deadlines by a naive day-by-day walk over `Calendar::is_workday`, table 3 by classifying each
//! record on its own and summing per cell.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;

use super::clocks::{self, ConsultationSpan, ExtensionError, ExtensionRequest, ReplyFacts};
use super::table3::{self, CaseKind, CaseResult, Record, Table3, Table4};
use super::*;
use crate::calendar::Calendar;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

type ReceiptCase = (
    Channel,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Result<&'static str, ReceiptError>,
);

#[test]
fn receipt_date_per_channel() {
    // (channel, arrived, signed, confirmed, expected receipt or error)
    let cases: Vec<ReceiptCase> = vec![
        (
            Channel::InPerson,
            "2025-03-03",
            None,
            None,
            Ok("2025-03-03"),
        ),
        (Channel::Oral, "2025-03-03", None, None, Ok("2025-03-03")),
        (
            Channel::RegisteredPost,
            "2025-03-03",
            Some("2025-03-04"),
            None,
            Ok("2025-03-04"),
        ),
        (
            Channel::RegisteredPost,
            "2025-03-03",
            None,
            None,
            Err(ReceiptError::Unsigned),
        ),
        (
            Channel::RegisteredPost,
            "2025-03-03",
            Some("2025-03-02"),
            None,
            Err(ReceiptError::BeforeArrival),
        ),
        (
            Channel::OrdinaryLetter,
            "2025-03-03",
            None,
            Some("2025-03-03"),
            Ok("2025-03-03"),
        ),
        (
            Channel::OrdinaryLetter,
            "2025-03-03",
            None,
            Some("2025-03-05"),
            Ok("2025-03-05"),
        ),
        (
            Channel::OrdinaryLetter,
            "2025-03-03",
            None,
            None,
            Err(ReceiptError::Unconfirmed("平常信函")),
        ),
        (
            Channel::Online,
            "2025-03-01",
            None,
            Some("2025-03-03"),
            Ok("2025-03-03"),
        ),
        (
            Channel::Online,
            "2025-03-01",
            None,
            None,
            Err(ReceiptError::Unconfirmed("网上申请")),
        ),
        (
            Channel::Fax,
            "2025-03-03",
            None,
            Some("2025-03-04"),
            Ok("2025-03-04"),
        ),
        (
            Channel::Fax,
            "2025-03-03",
            None,
            Some("2025-03-02"),
            Err(ReceiptError::BeforeArrival),
        ),
        // In person: signature and confirmation are irrelevant.
        (
            Channel::InPerson,
            "2025-03-03",
            Some("2025-03-09"),
            Some("2025-03-09"),
            Ok("2025-03-03"),
        ),
    ];
    for (channel, arrived, signed, confirmed, expected) in cases {
        let got = receipt_date(&Arrival {
            channel,
            arrived_on: d(arrived),
            signed_on: signed.map(d),
            confirmed_on: confirmed.map(d),
        });
        match expected {
            Ok(e) => {
                let r = got.unwrap_or_else(|err| panic!("{channel:?} {arrived}: {err}"));
                assert_eq!(r.received_on, d(e), "{channel:?}");
                assert!(r.explanation.contains("第三十一条"), "{}", r.explanation);
                // Only a late-confirmed ordinary letter warns.
                let late_letter = channel == Channel::OrdinaryLetter && e != arrived;
                assert_eq!(!r.warnings.is_empty(), late_letter, "{channel:?}");
            }
            Err(e) => assert_eq!(got, Err(e), "{channel:?}"),
        }
    }
    for c in Channel::ALL {
        assert_eq!(Channel::from_code(c.code()), Some(c));
        assert_eq!(
            c.needs_confirmation(),
            matches!(c, Channel::Online | Channel::Fax | Channel::OrdinaryLetter)
        );
    }
}

#[test]
fn outcomes_are_the_21_result_rows_one_to_one() {
    assert_eq!(Outcome::ALL.len(), 21);
    let codes: HashSet<_> = Outcome::ALL.iter().map(|o| o.code()).collect();
    let labels: HashSet<_> = Outcome::ALL.iter().map(|o| o.label()).collect();
    assert_eq!(codes.len(), 21);
    assert_eq!(labels.len(), 21);
    // Group sizes of REG §2.5: 1 + 1 + 8 + 3 + 5 + 3.
    let size = |g: Group| Outcome::ALL.iter().filter(|o| o.group() == g).count();
    assert_eq!(
        [
            size(Group::Granted),
            size(Group::PartiallyGranted),
            size(Group::Denied),
            size(Group::Unable),
            size(Group::NotProcessed),
            size(Group::Other)
        ],
        [1, 1, 8, 3, 5, 3]
    );
    for (i, o) in Outcome::ALL.iter().enumerate() {
        assert_eq!(o.index(), i);
        assert_eq!(Outcome::from_code(o.code()), Some(*o));
        assert!(!o.bases().is_empty());
        for b in o.bases() {
            assert_eq!(Basis::from_code(b.code()), Some(*b));
            assert!(b.articles().contains("条"), "{b:?}");
        }
    }
    // Stable codes the annual report relies on.
    assert_eq!(Outcome::DeniedThirdParty.code(), "denied.third_party");
    assert_eq!(Outcome::OtherFeeUnpaid.code(), "other.fee_unpaid");
    assert_eq!(
        Outcome::DeniedSecurityStability.row_label(),
        "3.危及“三安全一稳定”"
    );
    // The two bases sharing a row.
    assert_eq!(
        Outcome::Granted.bases(),
        &[Basis::Provided, Basis::AlreadyDisclosed]
    );
    assert_eq!(
        Outcome::UnableNotHeld.bases(),
        &[Basis::DoesNotExist, Basis::NotThisAgency]
    );
}

#[test]
fn remedy_review_first_for_withholding_since_2024() {
    for o in Outcome::ALL {
        let before = remedy(o, d("2023-12-31"));
        let after = remedy(o, d("2024-01-01"));
        assert_eq!(before, Remedy::ReviewOrLitigation, "{o:?}");
        let withholds = matches!(o.group(), Group::Denied | Group::PartiallyGranted);
        assert_eq!(after == Remedy::ReviewFirst, withholds, "{o:?}");
    }
    assert!(Remedy::ReviewFirst.text("").contains("应当先申请行政复议"));
    assert!(
        Remedy::ReviewOrLitigation
            .text("某市人民政府")
            .contains("6个月内")
    );
}

/// Independent oracle: the n-th working day after `start`, day by day, skipping `skip` days.
fn naive_due(start: NaiveDate, n: u32, skip: &dyn Fn(NaiveDate) -> bool) -> NaiveDate {
    let cal = Calendar::official();
    let mut day = start;
    let mut counted = 0;
    while counted < n {
        day = day + Days::new(1);
        if !skip(day) && cal.is_workday(day) {
            counted += 1;
        }
    }
    day
}

#[test]
fn reply_and_correction_clocks_worked_examples() {
    let cal = Calendar::official();
    // Received Monday 2025-03-03; no holidays in March 2025.
    let facts = ReplyFacts {
        received_on: Some(d("2025-03-03")),
        ..Default::default()
    };
    let due = clocks::reply(&facts).unwrap().compute(cal).unwrap();
    assert_eq!(due.due, d("2025-03-31"));
    assert!(due.explain().contains("收到申请之日"));
    let notice = clocks::correction_notice(d("2025-03-03"))
        .compute(cal)
        .unwrap();
    assert_eq!(notice.due, d("2025-03-12"));
    // 补正 received 2025-03-10: the clock starts over (Art. 30).
    let restarted = ReplyFacts {
        correction_received_on: Some(d("2025-03-10")),
        ..facts.clone()
    };
    let r = clocks::reply(&restarted).unwrap().compute(cal).unwrap();
    assert_eq!(r.due, naive_due(d("2025-03-10"), 20, &|_| false));
    assert!(r.explain().contains("第三十条"));
    // Consultation 2025-03-05..=2025-03-11 (5 working days) suspends the clock.
    let consulted = ReplyFacts {
        consultations: vec![ConsultationSpan {
            sent_on: d("2025-03-05"),
            until: d("2025-03-11"),
            reason: "征求第三方意见".into(),
        }],
        ..facts.clone()
    };
    let c = clocks::reply(&consulted).unwrap().compute(cal).unwrap();
    assert_eq!(c.due, d("2025-04-08"), "{}", c.explain());
    assert!(c.explain().contains("征求第三方意见"));
    // Extension of 20 WD from the original due date.
    let extended = ReplyFacts {
        extensions: vec![20],
        ..facts.clone()
    };
    let e = clocks::reply(&extended).unwrap().compute(cal).unwrap();
    assert_eq!(e.original_due, d("2025-03-31"));
    assert_eq!(e.due, naive_due(d("2025-03-31"), 20, &|_| false));
    assert!(e.explain().contains("第三十三条第二款"));
    // No receipt date: no clock.
    assert!(clocks::reply(&ReplyFacts::default()).is_none());
    // Fee payment: 20 WD from the day after the notice arrives; configurable.
    let fee = clocks::fee_payment(d("2025-03-03"), 20)
        .compute(cal)
        .unwrap();
    assert_eq!(fee.due, d("2025-03-31"));
    let fee10 = clocks::fee_payment(d("2025-03-03"), 10)
        .compute(cal)
        .unwrap();
    assert_eq!(fee10.due, d("2025-03-17"));
    // Consultation: 15 WD from the party's receipt of the letter.
    let cons = clocks::consultation(d("2025-03-03"), Some(d("2025-03-05")))
        .compute(cal)
        .unwrap();
    assert_eq!(cons.due, naive_due(d("2025-03-05"), 15, &|_| false));
}

#[test]
fn extension_limits() {
    let base = ExtensionRequest {
        workdays: 20,
        already: 0,
        approved_on: d("2025-03-28"),
        notice_on: d("2025-03-31"),
        original_due: d("2025-03-31"),
    };
    let cases: Vec<(ExtensionRequest, Result<(), ExtensionError>)> = vec![
        (base, Ok(())),
        (
            ExtensionRequest {
                workdays: 0,
                ..base
            },
            Err(ExtensionError::Zero),
        ),
        (
            ExtensionRequest {
                workdays: 21,
                ..base
            },
            Err(ExtensionError::TooLong {
                already: 0,
                left: 20,
            }),
        ),
        (
            ExtensionRequest {
                workdays: 11,
                already: 10,
                ..base
            },
            Err(ExtensionError::TooLong {
                already: 10,
                left: 10,
            }),
        ),
        (
            ExtensionRequest {
                workdays: 10,
                already: 10,
                ..base
            },
            Ok(()),
        ),
        (
            ExtensionRequest {
                approved_on: d("2025-04-01"),
                notice_on: d("2025-04-01"),
                ..base
            },
            Err(ExtensionError::ApprovedLate(d("2025-03-31"))),
        ),
        (
            ExtensionRequest {
                notice_on: d("2025-04-01"),
                ..base
            },
            Err(ExtensionError::NoticeLate(d("2025-03-31"))),
        ),
        (
            ExtensionRequest {
                notice_on: d("2025-03-27"),
                ..base
            },
            Err(ExtensionError::NoticeBeforeApproval),
        ),
    ];
    for (req, expected) in cases {
        assert_eq!(clocks::check_extension(&req), expected, "{req:?}");
    }
}

#[test]
fn closures_lapse_only_after_the_due_day() {
    let due = d("2025-03-31");
    assert!(!clocks::lapsed(d("2025-03-31"), due, None));
    assert!(clocks::lapsed(d("2025-04-01"), due, None));
    assert!(!clocks::lapsed(d("2025-04-01"), due, Some(d("2025-03-31"))));
    assert!(clocks::lapsed(d("2025-04-02"), due, Some(d("2025-04-01"))));
}

fn date(offset: u32) -> NaiveDate {
    d("2018-06-01") + Days::new(u64::from(offset))
}

proptest! {
    /// The reply clock against the naive oracle: restart, any consultations, extension.
    #[test]
    fn reply_clock_matches_naive_walk(
        received in 0u32..2500,
        correction in proptest::option::of(1u32..40),
        spans in proptest::collection::vec((0u32..40, 0u32..25), 0..3),
        ext in 0u32..=20,
    ) {
        let received_on = date(received);
        let facts = ReplyFacts {
            received_on: Some(received_on),
            correction_received_on: correction.map(|c| date(received + c)),
            consultations: spans.iter().map(|(s, len)| ConsultationSpan {
                sent_on: date(received + s),
                until: date(received + s + len),
                reason: "征求意见".into(),
            }).collect(),
            extensions: if ext > 0 { vec![ext] } else { vec![] },
        };
        let got = clocks::reply(&facts).unwrap().compute(Calendar::official()).unwrap();
        let start = facts.correction_received_on.unwrap_or(received_on);
        let suspended = |day: NaiveDate| facts.consultations.iter().any(|c| c.sent_on <= day && day <= c.until);
        let original = naive_due(start, 20, &suspended);
        prop_assert_eq!(got.original_due, original);
        let due = if ext > 0 { naive_due(original, ext, &suspended) } else { original };
        prop_assert_eq!(got.due, due);
    }

    /// A generated year of records: the counted table satisfies every REG §3.1 identity, and each
    /// cell equals an independent per-record classification.
    #[test]
    fn generated_year_satisfies_identities(
        recs in proptest::collection::vec(
            (0usize..6, 0u32..1100, proptest::option::of((0u32..500, 0usize..21))),
            0..200,
        ),
        year in 2019i32..2021,
    ) {
        let records: Vec<Record> = recs.iter().enumerate().map(|(i, (t, r, dec))| Record {
            application_id: i as i64 / 2,
            item_id: i as i64,
            applicant_type: ApplicantType::ALL[*t],
            received_on: date(*r),
            decision: dec.map(|(after, o)| (date(*r + after), Outcome::ALL[o])),
        }).collect();
        let t = table3::count(&records, year).unwrap();
        prop_assert!(t.check().is_empty(), "{:?}", t.check());
        // Oracle: classify each record into exactly one "in" and one "out" bucket by year numbers.
        for (c, ty) in ApplicantType::ALL.iter().enumerate() {
            let mine: Vec<&Record> = records.iter().filter(|r| r.applicant_type == *ty).collect();
            let new = mine.iter().filter(|r| r.received_on.year() == year).count() as i64;
            let carried_in = mine.iter().filter(|r| r.received_on.year() < year
                && r.decision.is_none_or(|(d, _)| d.year() >= year)).count() as i64;
            let processed = mine.iter().filter(|r| r.decision.is_some_and(|(d, _)| d.year() == year)).count() as i64;
            let carried_out = mine.iter().filter(|r| r.received_on.year() <= year
                && r.decision.is_none_or(|(d, _)| d.year() > year)).count() as i64;
            prop_assert_eq!(t.new_received[c], new);
            prop_assert_eq!(t.carried_over_in[c], carried_in);
            prop_assert_eq!(t.processed_total[c], processed);
            prop_assert_eq!(t.carried_over_out[c], carried_out);
            for (i, o) in Outcome::ALL.iter().enumerate() {
                let n = mine.iter().filter(|r| r.decision.is_some_and(|(d, x)| d.year() == year && x == *o)).count() as i64;
                prop_assert_eq!(t.results[i][c], n);
            }
        }
    }

    #[test]
    fn table4_counts_check(cases in proptest::collection::vec((0usize..3, 0usize..4), 0..50)) {
        let cases: Vec<(CaseKind, CaseResult)> = cases.iter().map(|(k, r)| (CaseKind::ALL[*k], CaseResult::ALL[*r])).collect();
        let t = Table4::count(&cases);
        prop_assert!(t.check().is_empty());
        prop_assert_eq!(t.cells.iter().map(|g| g[4]).sum::<i64>(), cases.len() as i64);
    }
}

#[test]
fn checker_names_each_broken_identity() {
    let mut results = [[0; 7]; 21];
    results[0] = [1, 0, 0, 0, 0, 0, 1];
    let t = Table3 {
        new_received: [1, 0, 0, 0, 0, 0, 1],
        results,
        processed_total: [1, 0, 0, 0, 0, 0, 1],
        ..Default::default()
    };
    assert!(t.check().is_empty());
    let mut flow = t.clone();
    flow.carried_over_in = [1, 0, 0, 0, 0, 0, 1];
    assert_eq!(
        flow.check().iter().map(|v| v.check).collect::<Vec<_>>(),
        ["flow", "flow"]
    );
    let mut results = t.clone();
    results.results[2] = [0, 1, 0, 0, 0, 0, 1];
    let checks: Vec<_> = results.check().iter().map(|v| v.check).collect();
    assert!(checks.contains(&"results_total"));
    let mut column = t.clone();
    column.new_received[6] = 2;
    assert!(column.check().iter().any(|v| v.check == "column_total"));
    let mut neg = t;
    neg.carried_over_out[3] = -1;
    assert!(neg.check().iter().any(|v| v.check == "negative"));
    let mut cells = [[0; 5]; 3];
    cells[1] = [1, 0, 0, 0, 2];
    let t4 = Table4 { cells };
    assert_eq!(t4.check().len(), 1);
    let err = table3::count(
        &[Record {
            application_id: 1,
            item_id: 1,
            applicant_type: ApplicantType::NaturalPerson,
            received_on: d("2020-01-02"),
            decision: Some((d("2020-01-01"), Outcome::Granted)),
        }],
        2020,
    );
    assert!(err.is_err());
}
