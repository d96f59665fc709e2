//! Demo mailbox (issue #7): the seed's 2019 figures — "处理网站理事长信箱在线咨询26件 … 在规定
//! 时限内进行回复" and "办理网上留言26条次，主要集中残疾人证办理、优惠政策等方面问题，全部及时
//! 予以解答" — replayed through the real store functions with back-dated step times, plus a few
//! open messages of the current days so the supervision dashboard has content.
//!
//! ILLUSTRATIVE: the split of the 26 cases between 理事长信箱 and 在线咨询, the questions, the
//! answers, the departments and the writers' names are invented; the totals, the topics' weight
//! and "all answered in time" are the seed's.

use chrono::{Duration, NaiveDate};
use gongkai_core::auth::Role;
use gongkai_core::mailbox::Rating;

use super::items::Account;
use crate::audit::Actor;
use crate::mailbox::boxes::{self, BoxInput};
use crate::mailbox::messages::{self, Submission};
use crate::mailbox::{public, supervision};
use crate::{Result, StoreError, Tx, now_ms};

/// Demo boxes: (code, name, intro, name required, reply working days, publish by default, count
/// of 2019 messages).
pub const DEMO_BOXES: &[(&str, &str, &str, bool, i64, bool, usize)] = &[
    (
        "director",
        "理事长信箱",
        "向市残联理事长反映问题、提出意见建议。",
        true,
        10,
        false,
        10,
    ),
    (
        "consult",
        "在线咨询",
        "咨询残疾人证办理、优惠政策等业务问题。",
        false,
        5,
        true,
        16,
    ),
    (
        "messages",
        "公众留言",
        "对残联工作的留言与建议，经来信人同意后公开答复。",
        false,
        10,
        true,
        26,
    ),
];

/// (topic, title, question, answer, department code).
const QUESTIONS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "certificate",
        "残疾人证到期如何换领",
        "我的残疾人证明年到期，换领需要准备哪些材料，到哪里办理？",
        "您好：残疾人证有效期满前，请携带本人身份证、户口簿、原残疾人证和近期免冠照片，到户籍所在地县（市）区残联申请换领，需要重新评定的，由残联安排到指定医院评定。",
        "ccdpf-kfb",
    ),
    (
        "certificate",
        "首次申领残疾人证的流程",
        "家里老人行动不便，想申请残疾人证，请问流程是什么？",
        "您好：首次申领可登录全国残疾人证在线申领平台或到户籍所在地乡镇（街道）提出申请，经残疾评定后由县级残联审核发证。行动不便的，可申请上门评定。",
        "ccdpf-kfb",
    ),
    (
        "certificate",
        "残疾人证丢失补办",
        "我的残疾人证丢失了，补办需要多长时间？",
        "您好：残疾人证遗失的，可持身份证到户籍所在地县（市）区残联申请补办，材料齐全的，一般在15个工作日内办结。",
        "ccdpf-kfb",
    ),
    (
        "certificate",
        "残疾人证跨省迁移",
        "户口从外省迁来长春，残疾人证需要重新办理吗？",
        "您好：户籍迁移的，请持迁入地户口簿、身份证和原残疾人证到迁入地县（市）区残联办理迁入手续，原证信息可在全国系统中转移，无需重新评定。",
        "ccdpf-kfb",
    ),
    (
        "certificate",
        "残疾等级调整",
        "孩子的残疾程度有变化，可以申请重新评定等级吗？",
        "您好：残疾状况发生变化的，可向户籍所在地县（市）区残联申请重新评定，评定结论变化的，换发新证。",
        "ccdpf-kfb",
    ),
    (
        "benefits",
        "重度残疾人护理补贴标准",
        "重度残疾人护理补贴每月多少钱，怎么申请？",
        "您好：重度残疾人护理补贴按本省现行标准发放，符合条件的残疾人可向户籍所在地乡镇（街道）提出申请，经审核后按月发放到个人账户。",
        "ccdpf-wqb",
    ),
    (
        "benefits",
        "残疾人乘坐公交优惠",
        "持残疾人证乘坐市内公交车可以免费吗？",
        "您好：持第二代残疾人证的本市户籍残疾人可办理公交卡优惠，具体办理地点和所需材料请咨询公交集团客服或所在区残联。",
        "ccdpf-wqb",
    ),
    (
        "benefits",
        "困难残疾人生活补贴",
        "家庭困难的残疾人有什么生活补贴？",
        "您好：纳入最低生活保障范围的残疾人可申请困难残疾人生活补贴，请向户籍所在地乡镇（街道）提出申请。",
        "ccdpf-wqb",
    ),
    (
        "benefits",
        "残疾人机动车燃油补贴",
        "下肢残疾人驾驶的机动轮椅车有燃油补贴吗？",
        "您好：符合条件的残疾人机动轮椅车燃油补贴按年度发放，请于每年规定时间内持证件到所在区残联登记。",
        "ccdpf-wqb",
    ),
    (
        "rehabilitation",
        "残疾儿童康复救助",
        "孩子3岁，有听力障碍，能申请康复救助吗？",
        "您好：0—6岁残疾儿童可申请康复救助，请向户籍所在地县（市）区残联提出申请，经评估后安排到定点康复机构接受康复训练。",
        "ccdpf-kfb",
    ),
    (
        "employment",
        "残疾人就业培训报名",
        "想参加残疾人职业技能培训，在哪里报名？",
        "您好：市残疾人就业服务中心定期举办职业技能培训，可电话或现场报名，培训免费。",
        "ccdpf-jyjyb",
    ),
    (
        "education",
        "残疾学生助学政策",
        "残疾大学生有助学金吗？",
        "您好：本市户籍考入高等院校的残疾学生和残疾人家庭子女可申请助学补助，请在每年规定时间内向户籍所在地残联申请。",
        "ccdpf-jyjyb",
    ),
    (
        "accessibility",
        "小区无障碍改造申请",
        "家里有肢体残疾人，可以申请家庭无障碍改造吗？",
        "您好：符合条件的困难残疾人家庭可申请家庭无障碍改造，请向户籍所在地乡镇（街道）或区残联提出申请。",
        "ccdpf-wqb",
    ),
];

/// The question (index into [`QUESTIONS`]) of the n-th message of 2019: mostly 残疾人证办理 and
/// 优惠政策, as in the seed, with the other topics rarer.
fn question_for(n: usize) -> usize {
    // Certificate questions 0..5 and benefit questions 5..9 dominate; the rest are rarer.
    const PATTERN: [usize; 13] = [0, 5, 1, 6, 2, 7, 3, 9, 8, 4, 10, 11, 12];
    let i = PATTERN[n % PATTERN.len()];
    // Every 13th message after the first round repeats a certificate or benefit question.
    if n >= 13 && n % 13 >= 10 {
        if n.is_multiple_of(2) {
            n % 5
        } else {
            5 + n % 4
        }
    } else {
        i
    }
}

const NAMES: &[&str] = &[
    "王建国",
    "李秀英",
    "张伟",
    "刘芳",
    "陈静",
    "杨洋",
    "赵磊",
    "黄丽",
    "周涛",
    "吴敏",
];

/// Noon (CST) of a date, in ms.
fn noon(d: NaiveDate) -> i64 {
    d.and_hms_opt(4, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

fn invalid(msg: String) -> StoreError {
    StoreError::Invalid(msg)
}

pub(super) async fn load(
    tx: &mut Tx,
    vault: &gongkai_core::vault::Vault,
    orgs: &[(&str, i64)],
    accounts: &[Account],
) -> Result<()> {
    let org = |code: &str| -> Result<i64> {
        orgs.iter()
            .find(|(c, _)| *c == code)
            .map(|(_, id)| *id)
            .ok_or_else(|| invalid(format!("演示数据缺少机构 {code}")))
    };
    let account = |role: Role| -> Actor {
        accounts
            .iter()
            .find(|a| a.role == role && a.username != "demo-county-office")
            .map(|a| Actor::user(a.user_id, a.username, ""))
            .unwrap_or_else(Actor::system)
    };
    let office = account(Role::DisclosureOffice);
    let drafter = account(Role::Drafter);
    let reviewer = account(Role::ConfidentialityReviewer);
    let public_actor = Actor {
        user_id: None,
        label: "public".into(),
        ip: String::new(),
    };
    let body = org("ccdpf")?;
    let mut box_ids = Vec::new();
    for (i, (code, name, intro, name_required, days, publish, _)) in DEMO_BOXES.iter().enumerate() {
        let b = boxes::create_box(
            tx,
            &Actor::system(),
            &BoxInput {
                org_id: body,
                code: code.to_string(),
                name: name.to_string(),
                intro: intro.to_string(),
                name_required: *name_required,
                reply_workdays: *days,
                publish_by_default: *publish,
                active: true,
                sort_order: i64::try_from(i).unwrap_or(0) * 10,
            },
        )
        .await?;
        box_ids.push(b.id);
    }

    // 2019: 52 messages spread over the year, every one answered within its period.
    let start = NaiveDate::from_ymd_opt(2019, 1, 7).ok_or_else(|| invalid("日期".into()))?;
    let mut n = 0usize;
    for (bi, (_, _, _, name_required, _, _, count)) in DEMO_BOXES.iter().enumerate() {
        for k in 0..*count {
            // About one message a week per box, staggered between boxes.
            let day = start + Duration::days(i64::try_from(k * 13 + bi * 5 + (k % 3)).unwrap_or(0));
            let q = &QUESTIONS[question_for(n)];
            let consent = bi > 0 && k % 3 != 2;
            let name = if *name_required || k.is_multiple_of(2) {
                NAMES[n % NAMES.len()].to_string()
            } else {
                String::new()
            };
            let content = if n % 9 == 4 {
                // Some writers leave their phone number in the text: masking removes it.
                format!("{}我的电话是1390431{:04}。", q.2, 1000 + n)
            } else {
                q.2.to_string()
            };
            let r = messages::submit_inner(
                tx,
                &public_actor,
                Some(vault),
                &Submission {
                    box_id: box_ids[bi],
                    topic_code: q.0.to_string(),
                    title: q.1.to_string(),
                    content,
                    name,
                    phone: String::new(),
                    email: String::new(),
                    consent_publish: consent,
                    channel: "online".into(),
                },
                noon(day),
            )
            .await?;
            let id = r.message.id;
            let dept = org(q.4)?;
            let dept_actor = if q.4 == "ccdpf-kfb" {
                drafter.clone()
            } else {
                Actor::system()
            };
            messages::register(tx, &office, id, "", noon(day)).await?;
            // 理事长信箱和在线咨询内容处理单 → 转相关业务部室 (the seed's wording).
            messages::forward(tx, &office, id, dept, "请按职责答复来信人。", noon(day)).await?;
            if n % 10 == 3 {
                supervision::supervise(
                    tx,
                    &office,
                    id,
                    "请在期限内答复。",
                    false,
                    noon(day) + 3_600_000,
                )
                .await?;
            }
            let d1 = day + Duration::days(1);
            messages::draft(tx, &dept_actor, id, q.3, noon(d1)).await?;
            messages::approve(tx, &office, id, "", "同意", noon(d1) + 3_600_000).await?;
            let d2 = day + Duration::days(2);
            messages::send_reply(tx, &office, vault, id, noon(d2)).await?;
            if consent {
                if !DEMO_BOXES[bi].5 {
                    public::prepare(tx, &office, vault, id, noon(d2)).await?;
                }
                public::review(
                    tx,
                    &reviewer,
                    id,
                    true,
                    "已遮蔽个人信息，同意公开",
                    noon(d2) + 3_600_000,
                )
                .await?;
            }
            if k.is_multiple_of(4) {
                let rating = if k.is_multiple_of(8) {
                    Rating::Satisfied
                } else {
                    Rating::Fair
                };
                messages::rate(
                    tx,
                    &public_actor,
                    &r.query_no,
                    &r.secret,
                    rating,
                    "",
                    noon(d2 + Duration::days(1)),
                )
                .await?;
            }
            if k.is_multiple_of(5) {
                messages::follow_up(
                    tx,
                    &office,
                    id,
                    "电话回访，来信人表示问题已解决。",
                    noon(d2 + Duration::days(3)),
                )
                .await?;
            }
            n += 1;
        }
    }

    // The current days: three open messages so the dashboard shows open, due-soon and overdue.
    let today = crate::deadlines::today();
    for (days_ago, qi) in [(30i64, 0usize), (8, 5), (0, 9)] {
        let day = today - Duration::days(days_ago);
        let q = &QUESTIONS[qi];
        let r = messages::submit_inner(
            tx,
            &public_actor,
            Some(vault),
            &Submission {
                box_id: box_ids[1],
                topic_code: q.0.to_string(),
                title: q.1.to_string(),
                content: q.2.to_string(),
                channel: "online".into(),
                consent_publish: true,
                ..Default::default()
            },
            noon(day).min(now_ms()),
        )
        .await?;
        if days_ago > 0 {
            messages::register(tx, &office, r.message.id, "", noon(day)).await?;
            messages::forward(
                tx,
                &office,
                r.message.id,
                org(q.4)?,
                "请按职责答复来信人。",
                noon(day),
            )
            .await?;
        }
    }
    Ok(())
}
