//! Demo disclosure applications (issue #6), created through the real store functions in the demo
//! transaction: the seed's three online applications of 2019, all answered on time (答复率100%),
//! and a 2025 spread with every table-3 outcome row, every channel, a 补正 (corrected, and one
//! lapsed to （六）1), a consultation with a suspension, an extension, a paid fee and an unpaid
//! one (（六）2), and a 行政复议 case. Every case is finished, so the demo has no open
//! application deadline.

use chrono::{Days, NaiveDate};
use gongkai_core::applications::Outcome;
use gongkai_core::applications::table3::{CaseKind, CaseResult};

use crate::applications::register::{self, CaseInput};
use crate::applications::workflow::{self, Decision};
use crate::applications::{self, NewApplication, NewItem};
use crate::audit::Actor;
use crate::{Result, StoreError, Tx};
use gongkai_core::vault::Vault;

const IDS: [&str; 2] = ["11010519491231002X", "110105194912310038"];
const USCCS: [&str; 2] = ["91110000600037341L", "91110108551385082Q"];

fn d(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("演示日期无效：{s}")))
}

fn plus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

struct Spec {
    channel: &'static str,
    applicant_type: &'static str,
    name: &'static str,
    person: usize,
    arrived: &'static str,
    description: &'static str,
    outcome: Outcome,
}

fn new_app(org_id: i64, s: &Spec) -> Result<NewApplication> {
    let arrived = d(s.arrived)?;
    let org = s.applicant_type != "natural_person";
    Ok(NewApplication {
        org_id,
        channel: s.channel.into(),
        applicant_type: s.applicant_type.into(),
        applicant_name: s.name.into(),
        id_kind: if org { "" } else { "resident_id" }.into(),
        id_number: if org { USCCS[s.person] } else { IDS[s.person] }.into(),
        phone: "0431-00000000".into(),
        address: "长春市（演示地址）".into(),
        info_form: "electronic".into(),
        delivery: if s.channel == "online" {
            "online"
        } else {
            "post"
        }
        .into(),
        help_needs: if s.person == 1 && !org {
            vec!["reading".into()]
        } else {
            Vec::new()
        },
        items: vec![NewItem {
            description: s.description.into(),
            ..Default::default()
        }],
        arrived_on: Some(arrived),
        signed_on: (s.channel == "registered_post").then(|| plus(arrived, 1)),
        confirmed_on: matches!(s.channel, "online" | "fax" | "ordinary_letter").then_some(arrived),
        ..Default::default()
    })
}

fn decision(outcome: Outcome, on: NaiveDate) -> Decision {
    Decision {
        outcome,
        basis: None,
        withheld_what: if outcome == Outcome::PartiallyGranted {
            "名单中的个人身份证号码、联系电话".into()
        } else {
            String::new()
        },
        withheld_why: if outcome.withholds() {
            "依据所引条款，相关内容依法不予公开（演示）".into()
        } else {
            String::new()
        },
        published_item_id: None,
        note: String::new(),
        decided_on: on,
    }
}

/// Decides every item, records the reply and archives (all on the given days).
async fn finish(
    tx: &mut Tx,
    a: &Actor,
    id: i64,
    outcome: Outcome,
    decided: NaiveDate,
    today: NaiveDate,
) -> Result<()> {
    for item in crate::applications::items_tx(tx, id).await? {
        workflow::decide_item(tx, a, item.id, &decision(outcome, decided), today).await?;
    }
    workflow::record_reply(tx, a, id, "post", plus(decided, 1), today).await?;
    workflow::archive(tx, a, id, plus(decided, 3), today).await?;
    Ok(())
}

pub(super) async fn load(
    tx: &mut Tx,
    vault: &Vault,
    body: i64,
    office: &Actor,
    leader: &Actor,
) -> Result<()> {
    let today = crate::deadlines::today();
    // The seed (长春市残联 2019): 处理网上信息公开申请3件，答复率100%.
    for (i, (arrived, desc)) in [
        ("2019-04-08", "2019年度残疾人康复救助项目名单的公开情况"),
        ("2019-07-15", "残疾人机动轮椅车燃油补贴发放标准"),
        ("2019-10-21", "2019年残疾人就业保障金使用情况"),
    ]
    .iter()
    .enumerate()
    {
        let spec = Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: ["赵某", "钱某", "孙某"][i],
            person: i % 2,
            arrived,
            description: desc,
            outcome: Outcome::Granted,
        };
        let created =
            applications::create(tx, office, vault, &new_app(body, &spec)?, today).await?;
        let received = d(arrived)?;
        finish(
            tx,
            office,
            created.application.id,
            Outcome::Granted,
            plus(received, 12),
            today,
        )
        .await?;
    }

    // 2025: every outcome row, every channel.
    let specs = [
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "周某",
            person: 0,
            arrived: "2025-02-10",
            description: "2024年残疾人两项补贴发放总体情况",
            outcome: Outcome::Granted,
        },
        Spec {
            channel: "in_person",
            applicant_type: "natural_person",
            name: "吴某",
            person: 1,
            arrived: "2025-03-03",
            description: "2024年辅助器具适配补贴名单",
            outcome: Outcome::PartiallyGranted,
        },
        Spec {
            channel: "registered_post",
            applicant_type: "research",
            name: "某大学社会学研究所",
            person: 0,
            arrived: "2025-03-10",
            description: "涉密统计资料",
            outcome: Outcome::DeniedStateSecret,
        },
        Spec {
            channel: "ordinary_letter",
            applicant_type: "legal_service",
            name: "某律师事务所",
            person: 1,
            arrived: "2025-03-17",
            description: "某案件的内部处理材料",
            outcome: Outcome::DeniedProhibitedByLaw,
        },
        Spec {
            channel: "fax",
            applicant_type: "other_organisation",
            name: "某协会",
            person: 0,
            arrived: "2025-04-07",
            description: "重点人员稳控名单",
            outcome: Outcome::DeniedSecurityStability,
        },
        Spec {
            channel: "oral",
            applicant_type: "natural_person",
            name: "郑某",
            person: 0,
            arrived: "2025-04-14",
            description: "某托养机构的经营数据",
            outcome: Outcome::DeniedThirdParty,
        },
        Spec {
            channel: "online",
            applicant_type: "commercial",
            name: "某科技有限公司",
            person: 0,
            arrived: "2025-04-21",
            description: "机关内部人事管理规定",
            outcome: Outcome::DeniedInternalAffairs,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "王某",
            person: 1,
            arrived: "2025-05-12",
            description: "某项目评审的讨论记录",
            outcome: Outcome::DeniedProcessInfo,
        },
        Spec {
            channel: "in_person",
            applicant_type: "natural_person",
            name: "冯某",
            person: 0,
            arrived: "2025-05-19",
            description: "对某机构的行政检查案卷",
            outcome: Outcome::DeniedEnforcementFile,
        },
        Spec {
            channel: "in_person",
            applicant_type: "commercial",
            name: "某康复器材有限公司",
            person: 1,
            arrived: "2025-06-09",
            description: "某企业的登记资料",
            outcome: Outcome::DeniedAdminQuery,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "陈某",
            person: 1,
            arrived: "2025-06-16",
            description: "2010年某会议的会议纪要",
            outcome: Outcome::UnableNotHeld,
        },
        Spec {
            channel: "online",
            applicant_type: "public_interest",
            name: "某公益基金会",
            person: 0,
            arrived: "2025-07-07",
            description: "近十年各区县残疾人就业数据的对比分析",
            outcome: Outcome::UnableNeedsCreation,
        },
        Spec {
            channel: "in_person",
            applicant_type: "natural_person",
            name: "褚某",
            person: 0,
            arrived: "2025-07-14",
            description: "有关文件",
            outcome: Outcome::UnableStillUnclear,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "卫某",
            person: 1,
            arrived: "2025-08-04",
            description: "投诉某工作人员服务态度问题",
            outcome: Outcome::NotProcessedPetition,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "周某",
            person: 0,
            arrived: "2025-08-11",
            description: "2024年残疾人两项补贴发放总体情况",
            outcome: Outcome::NotProcessedRepeat,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "蒋某",
            person: 1,
            arrived: "2025-08-18",
            description: "残疾人事业统计年鉴（出版物）",
            outcome: Outcome::NotProcessedPublication,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "沈某",
            person: 0,
            arrived: "2025-09-01",
            description: "全部历史文件（本月第六十件申请）",
            outcome: Outcome::NotProcessedMassRepeat,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "韩某",
            person: 1,
            arrived: "2025-09-08",
            description: "请确认此前答复材料的真实性",
            outcome: Outcome::NotProcessedConfirmReissue,
        },
        Spec {
            channel: "in_person",
            applicant_type: "natural_person",
            name: "杨某",
            person: 0,
            arrived: "2025-09-15",
            description: "那个文件",
            outcome: Outcome::OtherNoCorrection,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "朱某",
            person: 1,
            arrived: "2025-10-13",
            description: "2015年以来全部会议记录复印件",
            outcome: Outcome::OtherFeeUnpaid,
        },
        Spec {
            channel: "online",
            applicant_type: "natural_person",
            name: "秦某",
            person: 0,
            arrived: "2025-10-20",
            description: "某项政策文件（申请人已撤回）",
            outcome: Outcome::OtherOther,
        },
    ];
    let mut enforcement_case = None;
    for s in &specs {
        let created = applications::create(tx, office, vault, &new_app(body, s)?, today).await?;
        let id = created.application.id;
        let received = d(s.arrived)?;
        match s.outcome {
            Outcome::PartiallyGranted => {
                // Third-party consultation (suspends the clock) and an approved extension.
                workflow::start_consultation(
                    tx,
                    office,
                    id,
                    "third_party",
                    "名单所涉个人",
                    plus(received, 2),
                    None,
                    today,
                )
                .await?;
                let c = workflow::consultations_tx(tx, id).await?;
                if let Some(c) = c.first() {
                    workflow::finish_consultation(
                        tx,
                        office,
                        c.id,
                        plus(received, 9),
                        "disagree",
                        "不同意公开个人身份信息",
                        today,
                    )
                    .await?;
                }
                workflow::extend(
                    tx,
                    leader,
                    id,
                    10,
                    "需逐页区分处理",
                    plus(received, 28),
                    plus(received, 28),
                    today,
                )
                .await?;
                finish(tx, office, id, s.outcome, plus(received, 35), today).await?;
            }
            Outcome::DeniedThirdParty => {
                workflow::start_consultation(
                    tx,
                    office,
                    id,
                    "third_party",
                    "某托养机构",
                    plus(received, 1),
                    Some(plus(received, 2)),
                    today,
                )
                .await?;
                let c = workflow::consultations_tx(tx, id).await?;
                if let Some(c) = c.first() {
                    workflow::finish_consultation(
                        tx,
                        office,
                        c.id,
                        plus(received, 8),
                        "disagree",
                        "涉及商业秘密",
                        today,
                    )
                    .await?;
                }
                finish(tx, office, id, s.outcome, plus(received, 15), today).await?;
            }
            Outcome::UnableStillUnclear => {
                workflow::request_correction(
                    tx,
                    office,
                    id,
                    plus(received, 2),
                    "请写明文件名称、文号或形成时间",
                    Some(10),
                    today,
                )
                .await?;
                workflow::receive_correction(tx, office, id, plus(received, 7), today).await?;
                finish(tx, office, id, s.outcome, plus(received, 14), today).await?;
            }
            Outcome::OtherNoCorrection => {
                workflow::request_correction(
                    tx,
                    office,
                    id,
                    plus(received, 1),
                    "请写明所需文件的名称或文号",
                    Some(10),
                    today,
                )
                .await?;
                workflow::close_lapsed(tx, &Actor::system(), id, plus(received, 30)).await?;
                workflow::archive(tx, office, id, plus(received, 32), today).await?;
            }
            Outcome::OtherFeeUnpaid => {
                workflow::fee_notice(
                    tx,
                    office,
                    id,
                    "page",
                    260,
                    plus(received, 3),
                    plus(received, 4),
                    today,
                )
                .await?;
                workflow::close_lapsed(tx, &Actor::system(), id, plus(received, 40)).await?;
                workflow::archive(tx, office, id, plus(received, 41), today).await?;
            }
            Outcome::Granted => {
                // Assigned to a department, with a paid fee notice (按量).
                workflow::assign(tx, office, id, body, "请办公室检索").await?;
                workflow::fee_notice(
                    tx,
                    office,
                    id,
                    "page",
                    45,
                    plus(received, 2),
                    plus(received, 3),
                    today,
                )
                .await?;
                workflow::record_payment(tx, office, id, plus(received, 6), today).await?;
                finish(tx, office, id, s.outcome, plus(received, 10), today).await?;
            }
            Outcome::DeniedEnforcementFile => {
                finish(tx, office, id, s.outcome, plus(received, 12), today).await?;
                enforcement_case = Some((id, plus(received, 40)));
            }
            other => finish(tx, office, id, other, plus(received, 9), today).await?,
        }
    }
    if let Some((id, filed)) = enforcement_case {
        register::create(
            tx,
            office,
            &CaseInput {
                org_id: body,
                application_id: Some(id),
                kind: CaseKind::Review,
                case_no: "长府复〔2025〕演示1号".into(),
                body_name: "长春市人民政府".into(),
                filed_on: filed,
                result: CaseResult::Upheld,
                concluded_on: Some(plus(filed, 50)),
                note: "演示案件".into(),
            },
            today,
        )
        .await?;
    }
    Ok(())
}
