//! The working-day calendar (工作日) and deadline arithmetic (issue #3).
//!
//! **Rule** (REG §7.2): a date listed in the official list is a working day exactly when the list
//! says so (放假日 → off, 调休上班日 → work); any other date is a working day iff it falls on
//! Monday–Friday (five-day week). The official list is the State Council's annual
//! 国务院办公厅《关于YYYY年部分节假日安排的通知》 with its amendments (REG §7.1), shipped as one TOML
//! file per notice year in `crates/core/data/calendar/CN/` and compiled in with `include_str!`.
//!
//! **Keying and coverage.** A data file is keyed by the year of its notice, so the 2019 file
//! holds 2018-12-29 (the 元旦 arrangement reaches back into December). A date `d` is
//! *covered* (non-provisional) exactly when every notice that can govern it is loaded:
//! the notice of `d`'s own year, and — for dates from [`NEXT_NOTICE_REACH`] (20 December) on —
//! the notice of the following year as well (the earliest reach observed 2007–2026 is
//! 29 December; 20 December leaves a margin). A date with an explicit [`DayOverride`] is
//! covered too: somebody decided that day. Uncovered dates fall back to the weekday rule and
//! are marked provisional: never silently (tech-choices §4.2, "fail closed").
//!
//! Local changes — next year's notice before a software release, regional holidays of
//! 民族自治地方, emergency closures — enter through [`Calendar::with_year`] and
//! [`Calendar::with_overrides`]; the database layer feeds them in.
//!
//! Deadline arithmetic (working-day and calendar-day periods, suspension, restart, extension)
//! is in [`deadline`].

mod data;
pub mod deadline;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub use deadline::{Clock, ClockEvent, Deadline, Period, SkipReason, Step, Suspension};

/// From this day of December on, a date also depends on the next year's notice (its 元旦
/// arrangement can move late-December days: 2007-12-29, 2011-12-31, 2018-12-29..31,
/// 2022-12-31 in the data). `(month, day)`.
pub const NEXT_NOTICE_REACH: (u32, u32) = (12, 20);

/// Earliest date the arithmetic accepts.
pub const MIN_DATE: NaiveDate = ymd(1950, 1, 1);
/// Latest date the arithmetic accepts or produces.
pub const MAX_DATE: NaiveDate = ymd(2199, 12, 31);
/// Largest working-day period accepted (statutory periods are at most 40 WD).
pub const MAX_WORKDAYS: u32 = 2_000;
/// Largest calendar-day period accepted.
pub const MAX_CALENDAR_DAYS: u32 = 3_660;
/// Longest range [`Calendar::days`] lists (100 years).
pub const MAX_LIST_DAYS: i64 = 36_525;
/// Art. 33 ¶2: the extension may not exceed 20 working days.
pub const MAX_EXTENSION_WORKDAYS: u32 = 20;

const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => d,
        None => panic!("invalid constant date"),
    }
}

/// Errors of the calendar and the deadline arithmetic. Messages are user-facing (Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("日期 {0} 超出支持范围（{MIN_DATE} 至 {MAX_DATE}）")]
    DateOutOfRange(NaiveDate),
    #[error("期限不能为 0，至少为 1 日")]
    ZeroPeriod,
    #[error("工作日数 {0} 过大，最多 {MAX_WORKDAYS} 个工作日")]
    TooManyWorkdays(u32),
    #[error("天数 {0} 过大，最多 {MAX_CALENDAR_DAYS} 日")]
    TooManyDays(u32),
    #[error(
        "延长期限最长不得超过 {MAX_EXTENSION_WORKDAYS} 个工作日（《政府信息公开条例》第三十三条第二款），请求延长 {0} 个工作日"
    )]
    ExtensionTooLong(u32),
    #[error("延长期限只适用于按工作日计算的期限")]
    ExtensionNeedsWorkdays,
    #[error("暂停区间无效：开始日 {from} 晚于结束日 {to}")]
    InvalidSuspension { from: NaiveDate, to: NaiveDate },
    #[error("日期范围无效：开始日 {from} 晚于结束日 {to}")]
    InvalidRange { from: NaiveDate, to: NaiveDate },
    #[error("日期范围过大：{from} 至 {to} 超过 {MAX_LIST_DAYS} 天")]
    RangeTooLong { from: NaiveDate, to: NaiveDate },
    #[error("缺少起算事件：没有“收到申请”记录，无法计算期限")]
    MissingStart,
    #[error("节假日数据（{year}年）有误：{message}")]
    BadData { year: i32, message: String },
}

/// Why a day is or is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Monday–Friday with no entry: an ordinary working day.
    Weekday,
    /// Saturday or Sunday with no entry: the weekly rest (周末).
    Weekend,
    /// An off-day of a public holiday in the official list (放假), with the holiday's name.
    Holiday { name: Arc<str> },
    /// An adjusted working day in the official list (调休上班日), with its holiday's name.
    AdjustedWorkday { name: Arc<str> },
    /// A local override (administrator, 民族自治地方 regional holiday, emergency closure).
    Override { name: Arc<str>, source: Arc<str> },
}

/// Everything known about one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub is_workday: bool,
    pub kind: DayKind,
    /// True when the date is not covered by loaded official data (see the module docs).
    pub provisional: bool,
}

impl DayInfo {
    /// The day's name: the holiday or override name, empty for an ordinary weekday or weekend.
    pub fn name(&self) -> &str {
        match &self.kind {
            DayKind::Weekday | DayKind::Weekend => "",
            DayKind::Holiday { name }
            | DayKind::AdjustedWorkday { name }
            | DayKind::Override { name, .. } => name,
        }
    }

    /// A short Chinese description of why the day is what it is (周末, 国庆节, 调休上班日（国庆节）…).
    pub fn reason_zh(&self) -> String {
        match &self.kind {
            DayKind::Weekday => "工作日".to_owned(),
            DayKind::Weekend => "周末".to_owned(),
            DayKind::Holiday { name } => name.to_string(),
            DayKind::AdjustedWorkday { name } => format!("调休上班日（{name}）"),
            DayKind::Override { name, source } => {
                let what = if self.is_workday {
                    "调整为工作日"
                } else {
                    "调整为休息日"
                };
                if name.is_empty() {
                    format!("{source}{what}")
                } else {
                    format!("{name}（{source}{what}）")
                }
            }
        }
    }
}

/// Chinese weekday name, 星期一 … 星期日.
pub fn weekday_zh(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// A date written the Chinese way: 2019年10月23日.
pub fn date_zh(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// One State Council notice behind a year's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub title: String,
    /// 文号, e.g. 国办发明电〔2018〕15号; absent when not verified.
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One holiday of a year: its off-days and its adjusted working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayEntry {
    pub name: String,
    #[serde(default)]
    pub off: Vec<NaiveDate>,
    #[serde(default)]
    pub work: Vec<NaiveDate>,
}

/// The official arrangement of one notice year (one TOML file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearData {
    pub year: i32,
    #[serde(default)]
    pub notices: Vec<Notice>,
    #[serde(default)]
    pub holidays: Vec<HolidayEntry>,
}

impl YearData {
    /// Parses and validates one year file (the format of `crates/core/data/calendar/CN/*.toml`).
    pub fn from_toml(text: &str) -> Result<YearData, CalendarError> {
        let data: YearData = toml::from_str(text).map_err(|e| CalendarError::BadData {
            year: 0,
            message: format!("TOML 解析失败：{e}"),
        })?;
        data.validate()?;
        Ok(data)
    }

    /// Checks the invariants: at least one notice; every date lies in the notice year or in
    /// December of the previous year; no date listed twice; names not empty.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let bad = |message: String| CalendarError::BadData {
            year: self.year,
            message,
        };
        if !(MIN_DATE.year()..=MAX_DATE.year()).contains(&self.year) {
            return Err(bad(format!("年份 {} 超出支持范围", self.year)));
        }
        if self.notices.is_empty() {
            return Err(bad("没有记录任何国务院通知".to_owned()));
        }
        if self.notices.iter().any(|n| n.title.trim().is_empty()) {
            return Err(bad("通知标题为空".to_owned()));
        }
        let mut seen = BTreeSet::new();
        for h in &self.holidays {
            if h.name.trim().is_empty() {
                return Err(bad("节日名称为空".to_owned()));
            }
            for &d in h.off.iter().chain(&h.work) {
                let in_window =
                    d.year() == self.year || (d.year() == self.year - 1 && d.month() == 12);
                if !in_window {
                    return Err(bad(format!("日期 {d} 不属于{}年的通知", self.year)));
                }
                if !seen.insert(d) {
                    return Err(bad(format!("日期 {d} 重复出现")));
                }
            }
        }
        Ok(())
    }
}

/// A local change to one day, applied over the official list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOverride {
    pub date: NaiveDate,
    pub is_workday: bool,
    /// E.g. 古尔邦节, 临时停止办公; may be empty.
    pub name: String,
    /// Who decided, e.g. 自治区人民政府通知 or 管理员调整.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    off: bool,
    name: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OverrideDay {
    is_workday: bool,
    name: Arc<str>,
    source: Arc<str>,
}

/// The working-day calendar: official data per notice year, plus local overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearData>,
    listed: BTreeMap<NaiveDate, Listed>,
    overrides: BTreeMap<NaiveDate, OverrideDay>,
    load_errors: Vec<String>,
}

static OFFICIAL: LazyLock<Calendar> = LazyLock::new(|| {
    let mut cal = Calendar::empty();
    for (year, text) in data::OFFICIAL_FILES {
        match YearData::from_toml(text) {
            Ok(d) if d.year == *year => {
                cal.years.insert(d.year, d);
            }
            Ok(d) => cal
                .load_errors
                .push(format!("文件 {year}.toml 声明的年份为 {}", d.year)),
            Err(e) => cal.load_errors.push(format!("文件 {year}.toml：{e}")),
        }
    }
    cal.rebuild();
    cal
});

impl Calendar {
    /// The compiled-in official calendar (2007–2026), parsed once. A file that fails to parse
    /// is left out and reported by [`Calendar::load_errors`]; its dates then count as
    /// provisional (fail closed).
    pub fn official() -> &'static Calendar {
        &OFFICIAL
    }

    /// A calendar without any official data: every date is provisional.
    pub fn empty() -> Calendar {
        Calendar::default()
    }

    /// Problems met while loading the compiled-in data (empty when all is well).
    pub fn load_errors(&self) -> &[String] {
        &self.load_errors
    }

    /// Adds or replaces the data of one notice year (e.g. next year's notice, fed from the
    /// database before a software release). Later notice years win where two lists overlap.
    pub fn with_year(&self, data: YearData) -> Result<Calendar, CalendarError> {
        data.validate()?;
        let mut cal = self.clone();
        cal.years.insert(data.year, data);
        cal.rebuild();
        Ok(cal)
    }

    /// Removes a notice year (its dates become provisional). Mainly for tests and previews.
    pub fn without_year(&self, year: i32) -> Calendar {
        let mut cal = self.clone();
        cal.years.remove(&year);
        cal.rebuild();
        cal
    }

    /// Applies day overrides (administrator changes, regional holidays of 民族自治地方,
    /// emergency closures). An override beats the official list; a later override for the same
    /// date replaces an earlier one. Overridden dates are not provisional.
    pub fn with_overrides(&self, overrides: impl IntoIterator<Item = DayOverride>) -> Calendar {
        let mut cal = self.clone();
        for o in overrides {
            cal.overrides.insert(
                o.date,
                OverrideDay {
                    is_workday: o.is_workday,
                    name: Arc::from(o.name),
                    source: Arc::from(o.source),
                },
            );
        }
        cal
    }

    fn rebuild(&mut self) {
        self.listed.clear();
        for data in self.years.values() {
            for h in &data.holidays {
                let name: Arc<str> = Arc::from(h.name.as_str());
                for &d in &h.off {
                    self.listed.insert(
                        d,
                        Listed {
                            off: true,
                            name: name.clone(),
                        },
                    );
                }
                for &d in &h.work {
                    self.listed.insert(
                        d,
                        Listed {
                            off: false,
                            name: name.clone(),
                        },
                    );
                }
            }
        }
    }

    /// The loaded notice years, ascending.
    pub fn years(&self) -> impl Iterator<Item = &YearData> {
        self.years.values()
    }

    /// The data of one notice year, if loaded.
    pub fn year(&self, year: i32) -> Option<&YearData> {
        self.years.get(&year)
    }

    /// The notice years whose data would be needed to make `date` non-provisional but are
    /// missing (empty when the date is covered).
    pub fn missing_notice_years(&self, date: NaiveDate) -> Vec<i32> {
        if self.overrides.contains_key(&date) {
            return Vec::new();
        }
        let y = date.year();
        let mut missing = Vec::new();
        if !self.years.contains_key(&y) {
            missing.push(y);
        }
        let (m, d) = NEXT_NOTICE_REACH;
        let reaches = (date.month(), date.day()) >= (m, d);
        if reaches && !self.years.contains_key(&(y + 1)) {
            missing.push(y + 1);
        }
        missing
    }

    /// Whether the official data covering `date` is loaded (see the module docs).
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.missing_notice_years(date).is_empty()
    }

    /// Classifies one date (REG §7.2).
    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let provisional = !self.covers(date);
        if let Some(o) = self.overrides.get(&date) {
            return DayInfo {
                date,
                is_workday: o.is_workday,
                kind: DayKind::Override {
                    name: o.name.clone(),
                    source: o.source.clone(),
                },
                provisional,
            };
        }
        if let Some(l) = self.listed.get(&date) {
            let kind = if l.off {
                DayKind::Holiday {
                    name: l.name.clone(),
                }
            } else {
                DayKind::AdjustedWorkday {
                    name: l.name.clone(),
                }
            };
            return DayInfo {
                date,
                is_workday: !l.off,
                kind,
                provisional,
            };
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        DayInfo {
            date,
            is_workday: !weekend,
            kind: if weekend {
                DayKind::Weekend
            } else {
                DayKind::Weekday
            },
            provisional,
        }
    }

    /// REG §7.2 `is_workday`.
    pub fn is_workday(&self, date: NaiveDate) -> bool {
        self.day(date).is_workday
    }

    /// Every day from `from` to `to` inclusive.
    pub fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayInfo>, CalendarError> {
        check_range(from)?;
        check_range(to)?;
        if from > to {
            return Err(CalendarError::InvalidRange { from, to });
        }
        if (to - from).num_days() >= MAX_LIST_DAYS {
            return Err(CalendarError::RangeTooLong { from, to });
        }
        Ok(from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|d| self.day(d))
            .collect())
    }

    /// Adds `n` working days to `start` (REG §7.2; start day not counted unless
    /// `start_day_counted`). Shorthand for a [`Clock`] without events.
    pub fn add_workdays(
        &self,
        start: NaiveDate,
        n: u32,
        start_day_counted: bool,
    ) -> Result<Deadline, CalendarError> {
        Clock::new(start, Period::Workdays(n))
            .count_start_day(start_day_counted)
            .compute(self)
    }

    /// Adds `n` calendar days to `start`; a last day that is not a working day moves to the
    /// next working day (民法典 Art. 203). Shorthand for a [`Clock`] without events.
    pub fn add_calendar_days(
        &self,
        start: NaiveDate,
        n: u32,
        start_day_counted: bool,
    ) -> Result<Deadline, CalendarError> {
        Clock::new(start, Period::CalendarDays(n))
            .count_start_day(start_day_counted)
            .compute(self)
    }
}

/// Rejects dates outside [`MIN_DATE`]..=[`MAX_DATE`].
pub fn check_range(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    if (MIN_DATE..=MAX_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(CalendarError::DateOutOfRange(date))
    }
}
