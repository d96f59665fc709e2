//! Deadline arithmetic over the working-day calendar (REG §7.2, §1.5.3–§1.5.5, §0.1).
//!
//! Rules implemented:
//! - **Working-day periods** (Arts. 26, 30, 32, 33, 34): the n-th working day after the start
//!   day. The start day is not counted by default (民法典 Art. 201, prevailing practice;
//!   configurable with [`Clock::count_start_day`]).
//! - **Calendar-day periods** (e.g. 行政复议 60日): the n-th day after the start day; when that
//!   day is not a working day (法定休假日 or weekly rest) the period ends on the next working day
//!   (民法典 Art. 203).
//! - **Suspension** (Art. 33 ¶3): days inside a suspension interval (inclusive) do not count —
//!   consultation of third parties or other agencies stops the clock. The caller decides the
//!   endpoints (REG §1.5.4: from the day the 征求意见书 is sent until the reply arrives).
//! - **Restart** (Art. 30): after 补正 the period starts over from the day the corrected
//!   application is received.
//! - **Extension** (Art. 33 ¶2): at most 20 working days, counted from the original due date.
//!
//! A [`Clock`] is a small value built from workflow events ([`ClockEvent`]); [`Clock::compute`]
//! can be re-run whenever calendar data change. Every [`Deadline`] says whether it is
//! provisional (some consulted day lies in a year without official data) and explains itself
//! in Chinese ([`Deadline::explain`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Calendar, CalendarError, DayInfo, DayKind, MAX_CALENDAR_DAYS, MAX_DATE, MAX_EXTENSION_WORKDAYS,
    MAX_WORKDAYS, check_range, date_zh, weekday_zh,
};

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// n working days (工作日).
    Workdays(u32),
    /// n calendar days (日), with the 民法典 Art. 203 end-day rule.
    CalendarDays(u32),
}

impl Period {
    fn zh(self) -> String {
        match self {
            Period::Workdays(n) => format!("{n}个工作日"),
            Period::CalendarDays(n) => format!("{n}日"),
        }
    }
}

/// An interval, both ends included, during which the clock does not run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Suspension {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// E.g. 征求第三方意见; shown in the explanation.
    pub reason: String,
}

/// Workflow events that shape a reply clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum ClockEvent {
    /// 收到申请 (Art. 31 receipt date): starts the clock.
    Received { on: NaiveDate },
    /// 收到补正后的申请 (Art. 30): the clock starts over from this day.
    CorrectionReceived { on: NaiveDate },
    /// A pause (Art. 33 ¶3 consultation): days `from..=to` do not count.
    Suspended {
        from: NaiveDate,
        to: NaiveDate,
        reason: String,
    },
    /// An approved extension (Art. 33 ¶2), counted from the original due date. Several events
    /// add up; the total may not exceed 20 working days.
    Extended { workdays: u32 },
}

/// A period with its start and the events that affect it. Cheap to clone; recompute with
/// [`Clock::compute`] whenever the calendar changes.
///
/// Serialisable (serde), so that a stored deadline can be recomputed when calendar data change
/// (the store's deadlines register keeps it as JSON). A deserialised clock is validated by
/// [`Clock::compute`] like any other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    start: NaiveDate,
    start_label: String,
    restarted: bool,
    period: Period,
    start_day_counted: bool,
    suspensions: Vec<Suspension>,
    extension_workdays: u32,
}

impl Clock {
    /// A period of `period` from `start` (label 起算日; start day not counted).
    pub fn new(start: NaiveDate, period: Period) -> Clock {
        Clock {
            start,
            start_label: "起算日".to_owned(),
            restarted: false,
            period,
            start_day_counted: false,
            suspensions: Vec::new(),
            extension_workdays: 0,
        }
    }

    /// The Art. 33 ¶2 reply period: 20 working days from the receipt date.
    pub fn reply(received_on: NaiveDate) -> Clock {
        Clock::new(received_on, Period::Workdays(20)).start_label("收到申请之日")
    }

    /// Builds a clock from workflow events, in order. `Received` (or a `CorrectionReceived`)
    /// must occur; the last of them sets the start.
    pub fn from_events(period: Period, events: &[ClockEvent]) -> Result<Clock, CalendarError> {
        let mut clock: Option<Clock> = None;
        let mut suspensions = Vec::new();
        let mut extension: u32 = 0;
        for event in events {
            match event {
                ClockEvent::Received { on } => {
                    clock = Some(Clock::new(*on, period).start_label("收到申请之日"));
                }
                ClockEvent::CorrectionReceived { on } => {
                    let base = clock.take().unwrap_or_else(|| Clock::new(*on, period));
                    clock = Some(base.restart(*on, "收到补正后申请之日"));
                }
                ClockEvent::Suspended { from, to, reason } => {
                    suspensions.push(Suspension {
                        from: *from,
                        to: *to,
                        reason: reason.clone(),
                    });
                }
                ClockEvent::Extended { workdays } => {
                    extension = extension.saturating_add(*workdays)
                }
            }
        }
        let mut clock = clock.ok_or(CalendarError::MissingStart)?;
        clock.suspensions = suspensions;
        clock.extension_workdays = extension;
        Ok(clock)
    }

    /// Names the start day in the explanation (e.g. 收到申请之日).
    pub fn start_label(mut self, label: impl Into<String>) -> Clock {
        self.start_label = label.into();
        self
    }

    /// Whether the start day itself counts (default false, 民法典 Art. 201).
    pub fn count_start_day(mut self, counted: bool) -> Clock {
        self.start_day_counted = counted;
        self
    }

    /// Adds a suspension interval (both ends included).
    pub fn suspend(mut self, from: NaiveDate, to: NaiveDate, reason: impl Into<String>) -> Clock {
        self.suspensions.push(Suspension {
            from,
            to,
            reason: reason.into(),
        });
        self
    }

    /// Starts the period over from `on` (Art. 30 补正).
    pub fn restart(mut self, on: NaiveDate, label: impl Into<String>) -> Clock {
        self.start = on;
        self.start_label = label.into();
        self.restarted = true;
        self
    }

    /// Adds an extension in working days (Art. 33 ¶2; total at most 20).
    pub fn extend(mut self, workdays: u32) -> Clock {
        self.extension_workdays = self.extension_workdays.saturating_add(workdays);
        self
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn period(&self) -> Period {
        self.period
    }

    pub fn suspensions(&self) -> &[Suspension] {
        &self.suspensions
    }

    pub fn extension_workdays(&self) -> u32 {
        self.extension_workdays
    }

    fn validate(&self) -> Result<(), CalendarError> {
        check_range(self.start)?;
        match self.period {
            Period::Workdays(0) | Period::CalendarDays(0) => return Err(CalendarError::ZeroPeriod),
            Period::Workdays(n) if n > MAX_WORKDAYS => {
                return Err(CalendarError::TooManyWorkdays(n));
            }
            Period::CalendarDays(n) if n > MAX_CALENDAR_DAYS => {
                return Err(CalendarError::TooManyDays(n));
            }
            _ => {}
        }
        if self.extension_workdays > MAX_EXTENSION_WORKDAYS {
            return Err(CalendarError::ExtensionTooLong(self.extension_workdays));
        }
        if self.extension_workdays > 0 && matches!(self.period, Period::CalendarDays(_)) {
            return Err(CalendarError::ExtensionNeedsWorkdays);
        }
        for s in &self.suspensions {
            check_range(s.from)?;
            check_range(s.to)?;
            if s.from > s.to {
                return Err(CalendarError::InvalidSuspension {
                    from: s.from,
                    to: s.to,
                });
            }
        }
        Ok(())
    }

    /// Computes the due date against `calendar`.
    pub fn compute(&self, calendar: &Calendar) -> Result<Deadline, CalendarError> {
        self.validate()?;
        let mut walker = Walker {
            calendar,
            suspensions: &self.suspensions,
            steps: Vec::new(),
            missing: BTreeSet::new(),
        };
        walker.steps.push(Step::Begin {
            start: self.start,
            label: self.start_label.clone(),
            counted: self.start_day_counted,
            period: self.period,
            restarted: self.restarted,
        });
        // Counting "from the start day" is counting after the day before it.
        let after = if self.start_day_counted {
            self.start
                .pred_opt()
                .ok_or(CalendarError::DateOutOfRange(self.start))?
        } else {
            self.start
        };
        let original_due = match self.period {
            Period::Workdays(n) => walker.workdays(after, n)?,
            Period::CalendarDays(n) => walker.calendar_days(after, n)?,
        };
        let mut due = original_due;
        if self.extension_workdays > 0 {
            walker.steps.push(Step::OriginalDue { date: original_due });
            walker.steps.push(Step::Extension {
                workdays: self.extension_workdays,
            });
            due = walker.workdays(original_due, self.extension_workdays)?;
        }
        walker.steps.push(Step::Due { date: due });
        let missing_notice_years: Vec<i32> = walker.missing.into_iter().collect();
        Ok(Deadline {
            start: self.start,
            period: self.period,
            original_due,
            due,
            provisional: !missing_notice_years.is_empty(),
            missing_notice_years,
            steps: walker.steps,
        })
    }
}

/// Why days were skipped (not counted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// Ordinary Saturday or Sunday.
    Weekend,
    /// Official off-day of the named holiday.
    Holiday { name: Arc<str> },
    /// A local override made the day a rest day; the text says which and who decided.
    Override { description: String },
    /// Inside a suspension interval.
    Suspended { reason: String },
}

impl SkipReason {
    fn zh(&self) -> String {
        match self {
            SkipReason::Weekend => "周末".to_owned(),
            SkipReason::Holiday { name } => name.to_string(),
            SkipReason::Override { description } => description.clone(),
            SkipReason::Suspended { reason } => format!("暂停计算（{reason}）"),
        }
    }
}

/// One step of the working, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Begin {
        start: NaiveDate,
        label: String,
        counted: bool,
        period: Period,
        restarted: bool,
    },
    /// A run of consecutive days not counted, all for the same reason.
    Skipped {
        from: NaiveDate,
        to: NaiveDate,
        reason: SkipReason,
    },
    /// A counted day worth pointing out: an adjusted working day (调休上班, usually a Saturday or
    /// Sunday) or a day an override made a working day; `ordinal` is its number in the count.
    AdjustedCounted {
        date: NaiveDate,
        description: String,
        ordinal: u32,
    },
    /// Calendar-day period: the last day was a rest day and moved (民法典 Art. 203).
    Moved {
        last_day: NaiveDate,
        reason: String,
        to: NaiveDate,
    },
    /// The due date before the extension.
    OriginalDue {
        date: NaiveDate,
    },
    Extension {
        workdays: u32,
    },
    Due {
        date: NaiveDate,
    },
}

/// The result of a computation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Deadline {
    pub start: NaiveDate,
    pub period: Period,
    /// The due date without the extension (equal to `due` when there is none).
    pub original_due: NaiveDate,
    pub due: NaiveDate,
    /// True when some consulted day lies where official data are missing; recompute later.
    pub provisional: bool,
    /// The notice years whose data were missing (empty unless provisional).
    pub missing_notice_years: Vec<i32>,
    pub steps: Vec<Step>,
}

fn day_zh(date: NaiveDate) -> String {
    format!("{date}（{}）", weekday_zh(date))
}

impl Deadline {
    /// The working in Chinese, one step per line: start, skipped days and why, weekend days that
    /// count, the Art. 203 move, the extension, the due date, and a warning when provisional.
    pub fn explain(&self) -> String {
        let mut lines = Vec::new();
        for step in &self.steps {
            match step {
                Step::Begin { start, label, counted, period, restarted } => {
                    if *restarted {
                        lines.push(format!(
                            "依《政府信息公开条例》第三十条，期限自{label}重新计算。"
                        ));
                    }
                    let (from, rule) = if *counted {
                        ("当日", "开始之日计入")
                    } else {
                        ("次日", "开始之日不计入，《民法典》第二百零一条")
                    };
                    lines.push(format!(
                        "自{}（{}，{label}）{from}起计算{}（{rule}）。",
                        date_zh(*start),
                        weekday_zh(*start),
                        period.zh()
                    ));
                }
                Step::Skipped { from, to, reason } => {
                    if from == to {
                        lines.push(format!("跳过 {}：{}。", day_zh(*from), reason.zh()));
                    } else {
                        lines.push(format!("跳过 {from} 至 {to}：{}。", reason.zh()));
                    }
                }
                Step::AdjustedCounted { date, description, ordinal } => lines.push(format!(
                    "{}为{description}，计入，为第{ordinal}个工作日。",
                    day_zh(*date)
                )),
                Step::Moved { last_day, reason, to } => lines.push(format!(
                    "期间最后一日 {}为{reason}，依《民法典》第二百零三条顺延至其后第一个工作日 {}。",
                    day_zh(*last_day),
                    day_zh(*to)
                )),
                Step::OriginalDue { date } => {
                    lines.push(format!("原截止日：{}（{}）。", date_zh(*date), weekday_zh(*date)));
                }
                Step::Extension { workdays } => lines.push(format!(
                    "经批准延长{workdays}个工作日（《政府信息公开条例》第三十三条第二款），自原截止日次日起计算。"
                )),
                Step::Due { date } => {
                    lines.push(format!("截止日：{}（{}）。", date_zh(*date), weekday_zh(*date)));
                }
            }
        }
        if self.provisional {
            let years: Vec<String> = self
                .missing_notice_years
                .iter()
                .map(|y| format!("{y}年"))
                .collect();
            lines.push(format!(
                "注意：尚无{}的国务院节假日安排数据，相关日期暂按星期一至星期五为工作日推定；本结果为临时结果，数据更新后须重新计算。",
                years.join("、")
            ));
        }
        lines.join("\n")
    }
}

struct Walker<'a> {
    calendar: &'a Calendar,
    suspensions: &'a [Suspension],
    steps: Vec<Step>,
    missing: BTreeSet<i32>,
}

impl Walker<'_> {
    fn next(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        match date.succ_opt() {
            Some(d) if d <= MAX_DATE => Ok(d),
            _ => Err(CalendarError::DateOutOfRange(date)),
        }
    }

    fn suspension(&self, date: NaiveDate) -> Option<&Suspension> {
        self.suspensions
            .iter()
            .find(|s| s.from <= date && date <= s.to)
    }

    /// Classifies a day whose status decides the result, noting missing data.
    fn consult(&mut self, date: NaiveDate) -> DayInfo {
        let info = self.calendar.day(date);
        if info.provisional {
            self.missing
                .extend(self.calendar.missing_notice_years(date));
        }
        info
    }

    fn skip(&mut self, date: NaiveDate, reason: SkipReason) {
        if let Some(Step::Skipped {
            to, reason: last, ..
        }) = self.steps.last_mut()
            && *last == reason
            && to.succ_opt() == Some(date)
        {
            *to = date;
            return;
        }
        self.steps.push(Step::Skipped {
            from: date,
            to: date,
            reason,
        });
    }

    fn skip_reason(info: &DayInfo) -> SkipReason {
        match &info.kind {
            DayKind::Holiday { name } => SkipReason::Holiday { name: name.clone() },
            DayKind::Override { .. } => SkipReason::Override {
                description: info.reason_zh(),
            },
            DayKind::Weekday | DayKind::Weekend | DayKind::AdjustedWorkday { .. } => {
                SkipReason::Weekend
            }
        }
    }

    /// The n-th working day after `after`, skipping suspended days.
    fn workdays(&mut self, after: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = after;
        let mut counted = 0;
        while counted < n {
            date = Self::next(date)?;
            if let Some(s) = self.suspension(date) {
                let reason = SkipReason::Suspended {
                    reason: s.reason.clone(),
                };
                self.skip(date, reason);
                continue;
            }
            let info = self.consult(date);
            if info.is_workday {
                counted += 1;
                if matches!(
                    info.kind,
                    DayKind::AdjustedWorkday { .. } | DayKind::Override { .. }
                ) {
                    self.steps.push(Step::AdjustedCounted {
                        date,
                        description: info.reason_zh(),
                        ordinal: counted,
                    });
                }
            } else {
                self.skip(date, Self::skip_reason(&info));
            }
        }
        Ok(date)
    }

    /// The n-th day after `after` (suspended days not counted), then 民法典 Art. 203.
    fn calendar_days(&mut self, after: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = after;
        let mut counted = 0;
        while counted < n {
            date = Self::next(date)?;
            if let Some(s) = self.suspension(date) {
                let reason = SkipReason::Suspended {
                    reason: s.reason.clone(),
                };
                self.skip(date, reason);
            } else {
                counted += 1;
            }
        }
        let last = self.consult(date);
        if last.is_workday {
            return Ok(date);
        }
        let mut to = date;
        loop {
            to = Self::next(to)?;
            if self.consult(to).is_workday {
                break;
            }
        }
        self.steps.push(Step::Moved {
            last_day: date,
            reason: last.reason_zh(),
            to,
        });
        Ok(to)
    }
}

#[cfg(test)]
mod serde_tests {
    //! A stored clock (the store's deadlines register keeps it as JSON) must come back equal and
    //! compute the same deadline.
    use super::*;
    use proptest::prelude::*;

    fn date(offset: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2015, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(offset))))
            .unwrap()
    }

    proptest! {
        #[test]
        fn clock_json_round_trip(
            start in 0u32..4_500,
            workdays in proptest::bool::ANY,
            n in 1u32..60,
            counted in proptest::bool::ANY,
            restart in proptest::option::of(0u32..30),
            suspensions in proptest::collection::vec((0u32..60, 0u32..10), 0..3),
            extension in 0u32..=20,
        ) {
            let period = if workdays { Period::Workdays(n) } else { Period::CalendarDays(n) };
            let mut clock = Clock::reply(date(start)).count_start_day(counted);
            clock.period = period;
            if let Some(r) = restart {
                clock = clock.restart(date(start + r), "收到补正后申请之日");
            }
            for (from, len) in suspensions {
                clock = clock.suspend(date(start + from), date(start + from + len), "征求第三方意见");
            }
            if workdays {
                clock = clock.extend(extension);
            }
            let json = serde_json::to_string(&clock).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Clock = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, &clock);
            prop_assert_eq!(back.compute(Calendar::official()), clock.compute(Calendar::official()));
        }
    }

    #[test]
    fn clock_json_is_readable_and_strict() {
        let clock = Clock::reply(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()).extend(5);
        let json = serde_json::to_value(&clock).unwrap();
        assert_eq!(json["start"], "2026-03-02");
        assert_eq!(json["period"]["workdays"], 20);
        assert_eq!(json["extension_workdays"], 5);
        let mut extra = json.clone();
        extra["unexpected"] = serde_json::Value::Bool(true);
        assert!(serde_json::from_value::<Clock>(extra).is_err());
    }
}
