//! Disclosure on application (依申请公开, issue #6, product.md C7/C9): the pure rules.
//!
//! - [`ApplicantType`]: who applies, matching the seven columns of table 3 (REG §2.5).
//! - [`Channel`] and [`receipt_date`]: how the application arrived and its legal receipt date
//!   (条例 Art. 31, REG §1.5.2).
//! - [`Outcome`]: the primary outcome of one requested item, one-to-one with the 21 result rows of
//!   table 3 (REG §1.5.7, §2.5), with the [`Basis`] (the article the reply relies on) that
//!   letters need where one row covers two articles.
//! - [`clocks`]: the statutory clocks built on [`crate::calendar::Clock`]: reply (Art. 33),
//!   补正 notice and restart (Art. 30), consultation (Arts. 32, 34), extension (Art. 33 ¶2), fee
//!   payment (REG §3.4, configurable because UNVERIFIED).
//! - [`remedy`]: which remedy a reply letter offers (REG §1.7: review first for 不予公开 from
//!   2024-01-01).
//! - [`table3`]: counting per-item records into table 3 and checking the REG §3.1 identities.
//! - [`Stage`]: the workflow stages of Art. 45 (登记、审核、办理、答复、归档).

pub mod clocks;
pub mod outcome;
pub mod table3;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use outcome::{Basis, Group, Outcome, Remedy, remedy};

/// Who applies (table 3 columns, REG §2.5): a natural person, or a legal person / other
/// organisation of one of five subtypes. Codes are stable (stored, exported, used by the
/// annual report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantType {
    /// 自然人
    NaturalPerson,
    /// 商业企业
    Commercial,
    /// 科研机构
    Research,
    /// 社会公益组织
    PublicInterest,
    /// 法律服务机构
    LegalService,
    /// 其他 (法人或其他组织)
    OtherOrganisation,
}

impl ApplicantType {
    /// In table-3 column order.
    pub const ALL: [ApplicantType; 6] = [
        ApplicantType::NaturalPerson,
        ApplicantType::Commercial,
        ApplicantType::Research,
        ApplicantType::PublicInterest,
        ApplicantType::LegalService,
        ApplicantType::OtherOrganisation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApplicantType::NaturalPerson => "natural_person",
            ApplicantType::Commercial => "commercial",
            ApplicantType::Research => "research",
            ApplicantType::PublicInterest => "public_interest",
            ApplicantType::LegalService => "legal_service",
            ApplicantType::OtherOrganisation => "other_organisation",
        }
    }

    pub fn from_code(code: &str) -> Option<ApplicantType> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The table-3 column label.
    pub fn label(self) -> &'static str {
        match self {
            ApplicantType::NaturalPerson => "自然人",
            ApplicantType::Commercial => "商业企业",
            ApplicantType::Research => "科研机构",
            ApplicantType::PublicInterest => "社会公益组织",
            ApplicantType::LegalService => "法律服务机构",
            ApplicantType::OtherOrganisation => "其他组织",
        }
    }

    /// Column index 0..6 of table 3 (column 6 is 总计).
    pub fn column(self) -> usize {
        match self {
            ApplicantType::NaturalPerson => 0,
            ApplicantType::Commercial => 1,
            ApplicantType::Research => 2,
            ApplicantType::PublicInterest => 3,
            ApplicantType::LegalService => 4,
            ApplicantType::OtherOrganisation => 5,
        }
    }

    /// A legal person or other organisation: identified by a 统一社会信用代码 (REG §6.3).
    pub fn is_organisation(self) -> bool {
        self != ApplicantType::NaturalPerson
    }
}

/// How the application arrived (Art. 29, REG §1.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 互联网渠道 (the portal form).
    Online,
    /// 当面提交.
    InPerson,
    /// 邮寄（需签收）.
    RegisteredPost,
    /// 平常信函等无需签收.
    OrdinaryLetter,
    /// 政府信息公开工作机构的传真.
    Fax,
    /// 口头提出，由工作机构代为填写 (Art. 29 ¶1).
    Oral,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Online,
        Channel::InPerson,
        Channel::RegisteredPost,
        Channel::OrdinaryLetter,
        Channel::Fax,
        Channel::Oral,
    ];

    /// Channels staff register on the applicant's behalf (everything except the portal).
    pub const STAFF: [Channel; 5] = [
        Channel::InPerson,
        Channel::RegisteredPost,
        Channel::OrdinaryLetter,
        Channel::Fax,
        Channel::Oral,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::InPerson => "in_person",
            Channel::RegisteredPost => "registered_post",
            Channel::OrdinaryLetter => "ordinary_letter",
            Channel::Fax => "fax",
            Channel::Oral => "oral",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Online => "网上申请",
            Channel::InPerson => "当面提交",
            Channel::RegisteredPost => "邮寄（需签收）",
            Channel::OrdinaryLetter => "平常信函",
            Channel::Fax => "传真",
            Channel::Oral => "口头提出（代为填写）",
        }
    }

    /// Whether the receipt date is a confirmation date (Art. 31(二)(三)): online, fax and
    /// ordinary letters stay unconfirmed (no receipt date, no reply clock) until confirmed.
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            Channel::Online | Channel::Fax | Channel::OrdinaryLetter
        )
    }

    /// Whether the receipt date is the day the agency signed for the post (Art. 31(一)).
    pub fn needs_signature(self) -> bool {
        self == Channel::RegisteredPost
    }
}

/// The facts of arrival from which the receipt date follows (REG §1.5.2: store `channel`,
/// `arrived_on` and the confirmation, derive `received_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub channel: Channel,
    /// The day it arrived (submitted in person, delivered, transmitted).
    pub arrived_on: NaiveDate,
    /// 签收之日 (registered post).
    pub signed_on: Option<NaiveDate>,
    /// 双方确认之日 (online, fax) or the day the office confirmed an ordinary letter with the
    /// applicant.
    pub confirmed_on: Option<NaiveDate>,
}

/// The legal receipt date with its explanation and any warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub received_on: NaiveDate,
    /// Chinese, citing Art. 31.
    pub explanation: String,
    /// Chinese remarks that do not change the date (e.g. an ordinary letter confirmed late).
    pub warnings: Vec<String>,
}

/// Why no receipt date follows yet, or the facts are inconsistent. Messages are Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("尚未确认：{0}的收到申请之日为双方确认之日（条例第三十一条），请先登记确认日期")]
    Unconfirmed(&'static str),
    #[error("请填写签收日期：邮寄申请以行政机关签收之日为收到申请之日（条例第三十一条）")]
    Unsigned,
    #[error("签收或确认日期不能早于到达日期")]
    BeforeArrival,
}

/// The receipt date (收到申请之日) by channel, 条例 Art. 31 (REG §1.5.2):
/// - in person (and oral, which is made in person and written down by the office): the day of
///   submission;
/// - registered post: the day the agency signs for it;
/// - ordinary letter: the day the office confirms with the applicant (which Art. 31 requires on
///   the day the letter arrives; a later confirmation is warned about but, being the legal
///   receipt date, still used);
/// - online and fax: the day both sides confirm.
pub fn receipt_date(a: &Arrival) -> Result<Receipt, ReceiptError> {
    let mut warnings = Vec::new();
    let (date, explanation) = match a.channel {
        Channel::InPerson | Channel::Oral => (
            a.arrived_on,
            format!(
                "{}：以提交之日 {} 为收到申请之日（条例第三十一条第一项）。",
                a.channel.label(),
                a.arrived_on
            ),
        ),
        Channel::RegisteredPost => {
            let signed = a.signed_on.ok_or(ReceiptError::Unsigned)?;
            if signed < a.arrived_on {
                return Err(ReceiptError::BeforeArrival);
            }
            (
                signed,
                format!(
                    "邮寄申请：以行政机关签收之日 {signed} 为收到申请之日（条例第三十一条第一项）。"
                ),
            )
        }
        Channel::OrdinaryLetter => {
            let confirmed = a
                .confirmed_on
                .ok_or(ReceiptError::Unconfirmed(Channel::OrdinaryLetter.label()))?;
            if confirmed < a.arrived_on {
                return Err(ReceiptError::BeforeArrival);
            }
            if confirmed > a.arrived_on {
                warnings.push(format!(
                    "平常信函应于收到当日与申请人确认（条例第三十一条第二项），本件收到于 {}，确认于 {confirmed}。",
                    a.arrived_on
                ));
            }
            (
                confirmed,
                format!(
                    "平常信函：以政府信息公开工作机构与申请人确认之日 {confirmed} 为收到申请之日（条例第三十一条第二项）。"
                ),
            )
        }
        Channel::Online | Channel::Fax => {
            let confirmed = a
                .confirmed_on
                .ok_or(ReceiptError::Unconfirmed(a.channel.label()))?;
            if confirmed < a.arrived_on {
                return Err(ReceiptError::BeforeArrival);
            }
            (
                confirmed,
                format!(
                    "{}：以双方确认之日 {confirmed} 为收到申请之日（条例第三十一条第三项）。",
                    a.channel.label()
                ),
            )
        }
    };
    Ok(Receipt {
        received_on: date,
        explanation,
        warnings,
    })
}

/// Workflow stage of an application (Art. 45: 登记、审核、办理、答复、归档), plus the
/// waiting states that stop or pause the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 待确认: online/fax/ordinary letter not yet confirmed (no receipt date).
    Unconfirmed,
    /// 已登记, awaiting the completeness check (审核).
    Registered,
    /// 待补正: a 补正 notice went out; waiting for the correction.
    AwaitingCorrection,
    /// 办理中: assigned, searching, consulting, deciding.
    Processing,
    /// 待缴费: a fee notice went out.
    AwaitingFee,
    /// 已决定: every item has its outcome; the letter is being sent.
    Decided,
    /// 已答复: the reply was sent.
    Replied,
    /// 已归档.
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Unconfirmed,
        Stage::Registered,
        Stage::AwaitingCorrection,
        Stage::Processing,
        Stage::AwaitingFee,
        Stage::Decided,
        Stage::Replied,
        Stage::Archived,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Unconfirmed => "unconfirmed",
            Stage::Registered => "registered",
            Stage::AwaitingCorrection => "awaiting_correction",
            Stage::Processing => "processing",
            Stage::AwaitingFee => "awaiting_fee",
            Stage::Decided => "decided",
            Stage::Replied => "replied",
            Stage::Archived => "archived",
        }
    }

    pub fn from_code(code: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Unconfirmed => "待确认",
            Stage::Registered => "已登记",
            Stage::AwaitingCorrection => "待补正",
            Stage::Processing => "办理中",
            Stage::AwaitingFee => "待缴费",
            Stage::Decided => "已决定",
            Stage::Replied => "已答复",
            Stage::Archived => "已归档",
        }
    }

    /// Still running for the agency (counts as 结转 at the year end when not decided).
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Decided | Stage::Replied | Stage::Archived)
    }
}

/// Accessibility help asked for under Art. 43 (阅读困难或者视听障碍).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpNeed {
    /// 阅读困难 (e.g. blind or low vision, limited literacy).
    Reading,
    /// 听力障碍.
    Hearing,
    /// 其他帮助.
    Other,
}

impl HelpNeed {
    pub const ALL: [HelpNeed; 3] = [HelpNeed::Reading, HelpNeed::Hearing, HelpNeed::Other];

    pub fn code(self) -> &'static str {
        match self {
            HelpNeed::Reading => "reading",
            HelpNeed::Hearing => "hearing",
            HelpNeed::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<HelpNeed> {
        Self::ALL.into_iter().find(|h| h.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            HelpNeed::Reading => "阅读困难",
            HelpNeed::Hearing => "视听障碍（听力）",
            HelpNeed::Other => "其他帮助",
        }
    }
}

/// The form of the information asked for (Art. 29 ¶2(三), Art. 40).
pub const FORMS: [(&str, &str); 4] = [
    ("paper", "纸质文本"),
    ("electronic", "电子数据"),
    ("inspection", "查阅、抄录"),
    ("accessible", "无障碍格式（盲文、大字、音频等）"),
];

/// How the information or reply is delivered (Art. 29 ¶2(三)).
pub const DELIVERY: [(&str, &str); 4] = [
    ("online", "网上查看（申请状态页）"),
    ("email", "电子邮件"),
    ("post", "邮寄"),
    ("in_person", "当面领取"),
];

/// The Chinese label of a code in [`FORMS`] or [`DELIVERY`].
pub fn code_label(table: &[(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}
