//! The primary outcome of one requested item (REG §1.5.7), one-to-one with the 21 result rows of
//! table 3 (REG §2.5, rows 3–23). Codes are the report keys suggested in REG §2.5 and are
//! **stable**: they are stored, exported and counted by the annual report (#9).
//!
//! Where one row covers two legal bases (予以公开: Art. 36(二) provided, or Art. 36(一) already
//! disclosed; 本机关不掌握: Art. 36(四) does not exist, or Art. 36(五) not this agency's), the
//! [`Basis`] records which, because the reply letter differs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The six result groups of table 3 (（一）…（六）; （一）and（二）are single rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Granted,
    PartiallyGranted,
    Denied,
    Unable,
    NotProcessed,
    Other,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Granted => "（一）予以公开",
            Group::PartiallyGranted => "（二）部分公开",
            Group::Denied => "（三）不予公开",
            Group::Unable => "（四）无法提供",
            Group::NotProcessed => "（五）不予处理",
            Group::Other => "（六）其他处理",
        }
    }
}

/// One primary outcome per requested item; exactly the result rows of table 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    /// （一）予以公开 — Art. 36(一)(二).
    Granted,
    /// （二）部分公开 — Art. 37 (区分处理的，只计这一情形).
    PartiallyGranted,
    /// （三）1.属于国家秘密 — Art. 14.
    DeniedStateSecret,
    /// （三）2.其他法律行政法规禁止公开 — Art. 14.
    DeniedProhibitedByLaw,
    /// （三）3.危及“三安全一稳定” — Art. 14.
    DeniedSecurityStability,
    /// （三）4.保护第三方合法权益 — Art. 15, Art. 32.
    DeniedThirdParty,
    /// （三）5.属于三类内部事务信息 — Art. 16 ¶1.
    DeniedInternalAffairs,
    /// （三）6.属于四类过程性信息 — Art. 16 ¶2.
    DeniedProcessInfo,
    /// （三）7.属于行政执法案卷 — Art. 16 ¶2.
    DeniedEnforcementFile,
    /// （三）8.属于行政查询事项 — Art. 36(七) (interpretation, REG §1.5.7).
    DeniedAdminQuery,
    /// （四）1.本机关不掌握相关政府信息 — Art. 36(四)(五).
    UnableNotHeld,
    /// （四）2.没有现成信息需要另行制作 — Art. 38.
    UnableNeedsCreation,
    /// （四）3.补正后申请内容仍不明确 — Art. 30.
    UnableStillUnclear,
    /// （五）1.信访举报投诉类申请 — Art. 39 ¶1.
    NotProcessedPetition,
    /// （五）2.重复申请 — Art. 36(六).
    NotProcessedRepeat,
    /// （五）3.要求提供公开出版物 — Art. 39 ¶2.
    NotProcessedPublication,
    /// （五）4.无正当理由大量反复申请 — Art. 35.
    NotProcessedMassRepeat,
    /// （五）5.要求行政机关确认或重新出具已获取信息.
    NotProcessedConfirmReissue,
    /// （六）1.申请人无正当理由逾期不补正 — Art. 30.
    OtherNoCorrection,
    /// （六）2.申请人逾期未按收费通知要求缴纳费用 — 109号 (REG §3.4).
    OtherFeeUnpaid,
    /// （六）3.其他 (e.g. withdrawn).
    OtherOther,
}

impl Outcome {
    /// In table-3 row order.
    pub const ALL: [Outcome; 21] = [
        Outcome::Granted,
        Outcome::PartiallyGranted,
        Outcome::DeniedStateSecret,
        Outcome::DeniedProhibitedByLaw,
        Outcome::DeniedSecurityStability,
        Outcome::DeniedThirdParty,
        Outcome::DeniedInternalAffairs,
        Outcome::DeniedProcessInfo,
        Outcome::DeniedEnforcementFile,
        Outcome::DeniedAdminQuery,
        Outcome::UnableNotHeld,
        Outcome::UnableNeedsCreation,
        Outcome::UnableStillUnclear,
        Outcome::NotProcessedPetition,
        Outcome::NotProcessedRepeat,
        Outcome::NotProcessedPublication,
        Outcome::NotProcessedMassRepeat,
        Outcome::NotProcessedConfirmReissue,
        Outcome::OtherNoCorrection,
        Outcome::OtherFeeUnpaid,
        Outcome::OtherOther,
    ];

    /// The stable code (REG §2.5 suggested key).
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::PartiallyGranted => "partially_granted",
            Outcome::DeniedStateSecret => "denied.state_secret",
            Outcome::DeniedProhibitedByLaw => "denied.prohibited_by_law",
            Outcome::DeniedSecurityStability => "denied.security_stability",
            Outcome::DeniedThirdParty => "denied.third_party",
            Outcome::DeniedInternalAffairs => "denied.internal_affairs",
            Outcome::DeniedProcessInfo => "denied.process_info",
            Outcome::DeniedEnforcementFile => "denied.enforcement_file",
            Outcome::DeniedAdminQuery => "denied.admin_query",
            Outcome::UnableNotHeld => "unable.not_held",
            Outcome::UnableNeedsCreation => "unable.needs_creation",
            Outcome::UnableStillUnclear => "unable.still_unclear",
            Outcome::NotProcessedPetition => "not_processed.petition_complaint",
            Outcome::NotProcessedRepeat => "not_processed.repeat",
            Outcome::NotProcessedPublication => "not_processed.publication",
            Outcome::NotProcessedMassRepeat => "not_processed.mass_repeat",
            Outcome::NotProcessedConfirmReissue => "not_processed.confirm_reissue",
            Outcome::OtherNoCorrection => "other.no_correction",
            Outcome::OtherFeeUnpaid => "other.fee_unpaid",
            Outcome::OtherOther => "other.other",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Index 0..21 among the result rows (table-3 body rows 3–23).
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }

    pub fn group(self) -> Group {
        use Outcome::*;
        match self {
            Granted => Group::Granted,
            PartiallyGranted => Group::PartiallyGranted,
            DeniedStateSecret
            | DeniedProhibitedByLaw
            | DeniedSecurityStability
            | DeniedThirdParty
            | DeniedInternalAffairs
            | DeniedProcessInfo
            | DeniedEnforcementFile
            | DeniedAdminQuery => Group::Denied,
            UnableNotHeld | UnableNeedsCreation | UnableStillUnclear => Group::Unable,
            NotProcessedPetition
            | NotProcessedRepeat
            | NotProcessedPublication
            | NotProcessedMassRepeat
            | NotProcessedConfirmReissue => Group::NotProcessed,
            OtherNoCorrection | OtherFeeUnpaid | OtherOther => Group::Other,
        }
    }

    /// The exact table-3 row label (REG §2.5; sub-rows without their group label).
    pub fn row_label(self) -> &'static str {
        use Outcome::*;
        match self {
            Granted => "（一）予以公开",
            PartiallyGranted => "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            DeniedStateSecret => "1.属于国家秘密",
            DeniedProhibitedByLaw => "2.其他法律行政法规禁止公开",
            DeniedSecurityStability => "3.危及“三安全一稳定”",
            DeniedThirdParty => "4.保护第三方合法权益",
            DeniedInternalAffairs => "5.属于三类内部事务信息",
            DeniedProcessInfo => "6.属于四类过程性信息",
            DeniedEnforcementFile => "7.属于行政执法案卷",
            DeniedAdminQuery => "8.属于行政查询事项",
            UnableNotHeld => "1.本机关不掌握相关政府信息",
            UnableNeedsCreation => "2.没有现成信息需要另行制作",
            UnableStillUnclear => "3.补正后申请内容仍不明确",
            NotProcessedPetition => "1.信访举报投诉类申请",
            NotProcessedRepeat => "2.重复申请",
            NotProcessedPublication => "3.要求提供公开出版物",
            NotProcessedMassRepeat => "4.无正当理由大量反复申请",
            NotProcessedConfirmReissue => "5.要求行政机关确认或重新出具已获取信息",
            OtherNoCorrection => "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            OtherFeeUnpaid => {
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
            }
            OtherOther => "3.其他",
        }
    }

    /// Group and row, for people: e.g. "（三）不予公开 1.属于国家秘密".
    pub fn label(self) -> String {
        match self.group() {
            Group::Granted | Group::PartiallyGranted => self.row_label().to_owned(),
            g => format!("{} {}", g.label(), self.row_label()),
        }
    }

    /// The legal bases a decision with this outcome may rest on; the first is the default.
    pub fn bases(self) -> &'static [Basis] {
        use Outcome::*;
        match self {
            Granted => &[Basis::Provided, Basis::AlreadyDisclosed],
            PartiallyGranted => &[Basis::Partial],
            DeniedStateSecret | DeniedProhibitedByLaw | DeniedSecurityStability => &[Basis::Art14],
            DeniedThirdParty => &[Basis::Art15],
            DeniedInternalAffairs | DeniedProcessInfo | DeniedEnforcementFile => &[Basis::Art16],
            DeniedAdminQuery => &[Basis::SpecialRoute],
            UnableNotHeld => &[Basis::DoesNotExist, Basis::NotThisAgency],
            UnableNeedsCreation => &[Basis::Art38],
            UnableStillUnclear => &[Basis::Art30Unclear],
            NotProcessedPetition => &[Basis::Art39Petition],
            NotProcessedRepeat => &[Basis::Art36Repeat],
            NotProcessedPublication => &[Basis::Art39Publication],
            NotProcessedMassRepeat => &[Basis::Art35],
            NotProcessedConfirmReissue => &[Basis::ConfirmReissue],
            OtherNoCorrection => &[Basis::Art30NoCorrection],
            OtherFeeUnpaid => &[Basis::FeeUnpaid],
            OtherOther => &[Basis::Other],
        }
    }

    /// A decision to withhold information, wholly or in part (不予公开): 部分公开 also withholds,
    /// and must state the reasons for what it withholds (Art. 37).
    pub fn withholds(self) -> bool {
        matches!(self.group(), Group::Denied | Group::PartiallyGranted)
    }

    /// Whether the outcome is reached by the workflow itself (a closure) rather than chosen by
    /// staff in a decision.
    pub fn is_closure(self) -> bool {
        matches!(self, Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid)
    }
}

/// The article a reply rests on; chooses the letter template and the articles it cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Art. 36(二): provided, or told how and when to obtain it.
    Provided,
    /// Art. 36(一): already proactively disclosed; told where to find it.
    AlreadyDisclosed,
    /// Art. 37: partly disclosed.
    Partial,
    /// Art. 14.
    Art14,
    /// Art. 15 (and Art. 32 third-party objection).
    Art15,
    /// Art. 16.
    Art16,
    /// Art. 36(七): special statutory access route.
    SpecialRoute,
    /// Art. 36(四): does not exist.
    DoesNotExist,
    /// Art. 36(五): not this agency's to disclose.
    NotThisAgency,
    /// Art. 38: would need processing or analysis.
    Art38,
    /// Art. 30: still unclear after 补正.
    Art30Unclear,
    /// Art. 39 ¶1: petition, complaint or report.
    Art39Petition,
    /// Art. 36(六): repeat application.
    Art36Repeat,
    /// Art. 39 ¶2: public publications.
    Art39Publication,
    /// Art. 35: unreasonable volume or frequency.
    Art35,
    /// Confirm or re-issue information already obtained.
    ConfirmReissue,
    /// Art. 30: no correction in time.
    Art30NoCorrection,
    /// 109号 and the implementing notice: fee not paid in time.
    FeeUnpaid,
    /// Anything else (e.g. withdrawn).
    Other,
}

impl Basis {
    pub const ALL: [Basis; 19] = [
        Basis::Provided,
        Basis::AlreadyDisclosed,
        Basis::Partial,
        Basis::Art14,
        Basis::Art15,
        Basis::Art16,
        Basis::SpecialRoute,
        Basis::DoesNotExist,
        Basis::NotThisAgency,
        Basis::Art38,
        Basis::Art30Unclear,
        Basis::Art39Petition,
        Basis::Art36Repeat,
        Basis::Art39Publication,
        Basis::Art35,
        Basis::ConfirmReissue,
        Basis::Art30NoCorrection,
        Basis::FeeUnpaid,
        Basis::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Basis::Provided => "provided",
            Basis::AlreadyDisclosed => "already_disclosed",
            Basis::Partial => "partial",
            Basis::Art14 => "art14",
            Basis::Art15 => "art15",
            Basis::Art16 => "art16",
            Basis::SpecialRoute => "special_route",
            Basis::DoesNotExist => "does_not_exist",
            Basis::NotThisAgency => "not_this_agency",
            Basis::Art38 => "art38",
            Basis::Art30Unclear => "art30_unclear",
            Basis::Art39Petition => "art39_petition",
            Basis::Art36Repeat => "art36_repeat",
            Basis::Art39Publication => "art39_publication",
            Basis::Art35 => "art35",
            Basis::ConfirmReissue => "confirm_reissue",
            Basis::Art30NoCorrection => "art30_no_correction",
            Basis::FeeUnpaid => "fee_unpaid",
            Basis::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Basis> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    /// The article(s) the reply cites, in Chinese.
    pub fn articles(self) -> &'static str {
        match self {
            Basis::Provided => "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
            Basis::AlreadyDisclosed => "《中华人民共和国政府信息公开条例》第三十六条第（一）项",
            Basis::Partial => "《中华人民共和国政府信息公开条例》第三十七条",
            Basis::Art14 => "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项",
            Basis::Art15 => {
                "《中华人民共和国政府信息公开条例》第十五条、第三十二条、第三十六条第（三）项"
            }
            Basis::Art16 => "《中华人民共和国政府信息公开条例》第十六条、第三十六条第（三）项",
            Basis::SpecialRoute => "《中华人民共和国政府信息公开条例》第三十六条第（七）项",
            Basis::DoesNotExist => "《中华人民共和国政府信息公开条例》第三十六条第（四）项",
            Basis::NotThisAgency => "《中华人民共和国政府信息公开条例》第三十六条第（五）项",
            Basis::Art38 => "《中华人民共和国政府信息公开条例》第三十八条",
            Basis::Art30Unclear | Basis::Art30NoCorrection => {
                "《中华人民共和国政府信息公开条例》第三十条"
            }
            Basis::Art39Petition => "《中华人民共和国政府信息公开条例》第三十九条第一款",
            Basis::Art36Repeat => "《中华人民共和国政府信息公开条例》第三十六条第（六）项",
            Basis::Art39Publication => "《中华人民共和国政府信息公开条例》第三十九条第二款",
            Basis::Art35 => "《中华人民共和国政府信息公开条例》第三十五条",
            Basis::ConfirmReissue => "《中华人民共和国政府信息公开条例》第三十九条、第四十一条",
            Basis::FeeUnpaid => {
                "《中华人民共和国政府信息公开条例》第四十二条、《政府信息公开信息处理费管理办法》"
            }
            Basis::Other => "《中华人民共和国政府信息公开条例》",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Basis::Provided => "提供信息或告知获取方式（第三十六条第二项）",
            Basis::AlreadyDisclosed => "已主动公开，告知获取途径（第三十六条第一项）",
            Basis::Partial => "区分处理（第三十七条）",
            Basis::Art14 => "第十四条",
            Basis::Art15 => "第十五条",
            Basis::Art16 => "第十六条",
            Basis::SpecialRoute => "有关法律、行政法规另有规定（第三十六条第七项）",
            Basis::DoesNotExist => "经检索不存在（第三十六条第四项）",
            Basis::NotThisAgency => "不属于本机关负责公开（第三十六条第五项）",
            Basis::Art38 => "需另行加工、分析（第三十八条）",
            Basis::Art30Unclear => "补正后仍不明确（第三十条）",
            Basis::Art39Petition => "信访、投诉、举报（第三十九条第一款）",
            Basis::Art36Repeat => "重复申请（第三十六条第六项）",
            Basis::Art39Publication => "公开出版物（第三十九条第二款）",
            Basis::Art35 => "明显超过合理范围（第三十五条）",
            Basis::ConfirmReissue => "要求确认或重新出具已获取信息",
            Basis::Art30NoCorrection => "逾期不补正（第三十条）",
            Basis::FeeUnpaid => "逾期未缴纳信息处理费",
            Basis::Other => "其他",
        }
    }
}

/// The remedy a reply letter offers (REG §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// 复议前置 (行政复议法 2023 Art. 23(四), from 2024-01-01): a 不予公开 decision must go to
    /// administrative review first (60 days, Art. 20); litigation only after review.
    ReviewFirst,
    /// Review within 60 days (行政复议法 Art. 20) or litigation within 6 months (行政诉讼法
    /// Art. 46).
    ReviewOrLitigation,
}

/// The day 复议前置 for 不予公开 took effect (行政复议法 2023, 施行 2024-01-01).
pub const REVIEW_FIRST_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2024, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Which remedy to offer for a decision of `outcome` made on `decided_on` (REG §1.7). 部分公开
/// withholds a part (不予公开 of that part), so it offers review first as well: telling an
/// applicant to seek review first never loses them a right, while pointing them straight to
/// court could (行政复议法 Art. 23(四)).
pub fn remedy(outcome: Outcome, decided_on: NaiveDate) -> Remedy {
    if outcome.withholds() && decided_on >= REVIEW_FIRST_FROM {
        Remedy::ReviewFirst
    } else {
        Remedy::ReviewOrLitigation
    }
}

impl Remedy {
    /// The remedy paragraph of the letter.
    pub fn text(self, agency_superior: &str) -> String {
        let who = if agency_superior.trim().is_empty() {
            "本机关的上一级主管部门或者本级人民政府".to_owned()
        } else {
            agency_superior.trim().to_owned()
        };
        match self {
            Remedy::ReviewFirst => format!(
                "如对本答复不服，可以自收到本答复之日起60日内向{who}申请行政复议（《中华人民共和国行政复议法》第二十条）。依照《中华人民共和国行政复议法》第二十三条第一款第（四）项，对行政机关不予公开政府信息不服的，应当先申请行政复议；对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向人民法院提起行政诉讼。"
            ),
            Remedy::ReviewOrLitigation => format!(
                "如对本答复不服，可以自收到本答复之日起60日内向{who}申请行政复议（《中华人民共和国行政复议法》第二十条），或者在6个月内依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条）。"
            ),
        }
    }
}
