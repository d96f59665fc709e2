//! The statutory clocks of an application, built on [`Clock`] (REG §0.1, §1.5.3–§1.5.5, §3.4).
//! Each function returns a clock; `compute(&calendar)` gives the due date, the provisional flag
//! and the Chinese working. Start days are not counted (民法典 Art. 201), as everywhere.
//!
//! | clock | rule | start |
//! |---|---|---|
//! | [`reply`] | 20 WD (Art. 33 ¶2), restarted on 补正 (Art. 30), consultation days not counted (Art. 33 ¶3), plus an approved extension ≤ 20 WD (Art. 33 ¶2) | receipt date (Art. 31) |
//! | [`correction_notice`] | the 补正 notice within 7 WD (Art. 30) | receipt date |
//! | [`correction_period`] | the applicant's 合理的补正期限; no number in the law, so configurable ([`DEFAULT_CORRECTION_WORKDAYS`]) | the day the notice is sent |
//! | [`consultation`] | the consulted party's 15 WD (Arts. 32, 34) | the day the party receives the 征求意见书 (the sending day when unknown) |
//! | [`fee_payment`] | 20 WD from the day after the fee notice is received (REG §3.4, **UNVERIFIED**: configurable, [`DEFAULT_FEE_WORKDAYS`]) | the day the notice is received |

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Clock, ClockEvent, Period};

/// Art. 33 ¶2.
pub const REPLY_WORKDAYS: u32 = 20;
/// Art. 30.
pub const CORRECTION_NOTICE_WORKDAYS: u32 = 7;
/// Arts. 32, 34.
pub const CONSULTATION_WORKDAYS: u32 = 15;
/// Art. 33 ¶2: the extension is at most 20 WD in total.
pub const MAX_EXTENSION_WORKDAYS: u32 = 20;
/// REG §3.4 (Sichuan implementing notice, [S]; the 109号 article is UNVERIFIED): the default of the
/// configurable fee-payment period.
pub const DEFAULT_FEE_WORKDAYS: u32 = 20;
/// Art. 30 says only "合理的补正期限"; this default of the configurable period is ours.
pub const DEFAULT_CORRECTION_WORKDAYS: u32 = 15;

/// A consultation interval (Art. 33 ¶3): from the day the 征求意见书 is sent to the day the reply
/// arrives, or, while no reply has come, to the end of the consulted party's 15 WD (REG §1.5.4;
/// both dates are logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationSpan {
    pub sent_on: NaiveDate,
    /// The day the reply arrived, or the end of the 15 WD while waiting.
    pub until: NaiveDate,
    /// 征求第三方意见 / 征求其他机关意见.
    pub reason: String,
}

/// Everything that shapes the reply clock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReplyFacts {
    pub received_on: Option<NaiveDate>,
    /// 收到补正后的申请之日 (Art. 30): the clock starts over from it.
    pub correction_received_on: Option<NaiveDate>,
    pub consultations: Vec<ConsultationSpan>,
    /// Approved extensions, in working days (total ≤ 20).
    pub extensions: Vec<u32>,
}

/// The reply clock (Art. 33, with Art. 30 restart and Art. 33 ¶3 suspension); `None` before the
/// receipt date is known (unconfirmed online/fax/letter applications).
pub fn reply(f: &ReplyFacts) -> Option<Clock> {
    let received = f.received_on?;
    let mut events = vec![ClockEvent::Received { on: received }];
    if let Some(on) = f.correction_received_on {
        events.push(ClockEvent::CorrectionReceived { on });
    }
    for c in &f.consultations {
        events.push(ClockEvent::Suspended {
            from: c.sent_on,
            to: c.until.max(c.sent_on),
            reason: c.reason.clone(),
        });
    }
    for w in &f.extensions {
        events.push(ClockEvent::Extended { workdays: *w });
    }
    Clock::from_events(Period::Workdays(REPLY_WORKDAYS), &events).ok()
}

/// The 补正 notice must go out within 7 WD of receipt (Art. 30).
pub fn correction_notice(received_on: NaiveDate) -> Clock {
    Clock::new(received_on, Period::Workdays(CORRECTION_NOTICE_WORKDAYS))
        .start_label("收到申请之日")
}

/// The applicant's correction period, `workdays` from the day the notice is sent (Art. 30
/// "合理的补正期限"; the number is local, [`DEFAULT_CORRECTION_WORKDAYS`] by default).
pub fn correction_period(notice_on: NaiveDate, workdays: u32) -> Clock {
    Clock::new(notice_on, Period::Workdays(workdays.max(1))).start_label("发出补正告知之日")
}

/// The consulted party's 15 WD (Arts. 32, 34), from the day it received the 征求意见书, or from
/// the day it was sent when the receipt day is not known.
pub fn consultation(sent_on: NaiveDate, party_received_on: Option<NaiveDate>) -> Clock {
    match party_received_on {
        Some(r) => Clock::new(r.max(sent_on), Period::Workdays(CONSULTATION_WORKDAYS))
            .start_label("收到征求意见书之日"),
        None => Clock::new(sent_on, Period::Workdays(CONSULTATION_WORKDAYS))
            .start_label("发出征求意见书之日"),
    }
}

/// The fee-payment period: `workdays` (default 20, configurable because REG §3.4 marks the rule
/// UNVERIFIED) counted from the day after the applicant receives the fee notice.
pub fn fee_payment(notice_received_on: NaiveDate, workdays: u32) -> Clock {
    Clock::new(notice_received_on, Period::Workdays(workdays.max(1)))
        .start_label("收到收费通知之日")
}

/// An extension request (Art. 33 ¶2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionRequest {
    pub workdays: u32,
    /// Working days already granted by earlier extensions.
    pub already: u32,
    /// The day the 工作机构负责人 approved it.
    pub approved_on: NaiveDate,
    /// The day the notice went to the applicant.
    pub notice_on: NaiveDate,
    /// The reply due date before this extension (with restart and suspensions, without any
    /// extension).
    pub original_due: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    #[error("延长的工作日数须为1至20")]
    Zero,
    #[error(
        "延长期限合计最长不得超过20个工作日（条例第三十三条第二款），已延长{already}个工作日，本次最多{left}个"
    )]
    TooLong { already: u32, left: u32 },
    #[error("延期须在原答复期限（{0}）届满前经批准，已超过原期限")]
    ApprovedLate(NaiveDate),
    #[error("延期告知须在原答复期限（{0}）届满前送达申请人")]
    NoticeLate(NaiveDate),
    #[error("须先经政府信息公开工作机构负责人同意，再告知申请人：告知日期不能早于批准日期")]
    NoticeBeforeApproval,
}

/// Checks an extension (Art. 33 ¶2): 1–20 WD in total; approved by the office head and told to
/// the applicant within the original period (by the original due date, which is itself inside the
/// period); told only after approval.
pub fn check_extension(r: &ExtensionRequest) -> Result<(), ExtensionError> {
    if r.workdays == 0 {
        return Err(ExtensionError::Zero);
    }
    let left = MAX_EXTENSION_WORKDAYS.saturating_sub(r.already);
    if r.workdays > left {
        return Err(ExtensionError::TooLong {
            already: r.already,
            left,
        });
    }
    if r.approved_on > r.original_due {
        return Err(ExtensionError::ApprovedLate(r.original_due));
    }
    if r.notice_on < r.approved_on {
        return Err(ExtensionError::NoticeBeforeApproval);
    }
    if r.notice_on > r.original_due {
        return Err(ExtensionError::NoticeLate(r.original_due));
    }
    Ok(())
}

/// A period the applicant had to act in has lapsed without the act: closes the application as
/// （六）1 (no correction, Art. 30) or （六）2 (fee unpaid). The due day itself still belongs to
/// the applicant, so only a later `today` lapses.
pub fn lapsed(today: NaiveDate, due: NaiveDate, done_on: Option<NaiveDate>) -> bool {
    match done_on {
        Some(d) => d > due && today > due,
        None => today > due,
    }
}
