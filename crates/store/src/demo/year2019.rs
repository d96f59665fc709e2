//! The demo's full 2019 (issue #5): grassroots submission, channels, upward syndication and
//! interpretations, grown on top of the hand-written demo items ([`super::items`]) to the figures
//! of the seed (长春市残联 2019 年度报告, product.md §2):
//!
//! - 1482 items published in 2019, 1271 of them in the first half: 143 own-level (本级采编) and
//!   1128 from county-level units (审核修改发布县市区级信息), the latter through the parent's
//!   queue ([`crate::grassroots`]);
//! - syndication ([`TARGETS`]): 中国残联网站 1271 submitted / 1164 adopted, 省残联网站 1271 /
//!   1198, 长春市政府网站 591 / 171 / 855 points (5 per adopted item), 长春市民生网站 1069 / 163;
//! - 204 WeChat posts in 春风惠残, 春阳暖政 and 春草关注;
//! - 26 episodes of the radio column 与爱同行 (新闻广播88.0), linked to the documents they explain.
//!
//! **Rule: no counter is written.** Every figure is produced by the real store functions (create
//! → submit → 审核 → 保密审查表 → 审批 → publish or the parent's decision; syndication submit and
//! status; channel placement; interpretation marking), so the console's statistics for 2019 are
//! computed from records exactly as in real use. The generator counts what the hand-written demo
//! items already contribute and makes up the rest. Dates are back-dated with the demo-only
//! `publish_as_of`/`return_as_of`; the audit records are written at load time.
//!
//! ILLUSTRATIVE: titles and texts are composed from plausible phrases; they are not real
//! documents of 长春市残联 (every body says so).

use chrono::{Datelike, Duration, NaiveDate};
use gongkai_core::auth::Role;
use gongkai_core::items::{Capabilities, Check, Disclosure, ReviewChecks};

use super::items::Account;
use crate::audit::Actor;
use crate::channels::{self, ChannelInput, Kind as ChannelKind};
use crate::grassroots::{self, PublishAs};
use crate::interpretations::{self, Kind as InterpKind};
use crate::items::review::{self, Conclusion, ConfidentialityForm};
use crate::items::{self as store_items, Content, Metadata, publish};
use crate::syndication::{self, Status, TargetInput};
use crate::{Result, StoreError, Tx, on_tx};

/// Items published in the first half of 2019 at own level.
pub const H1_OWN: i64 = 143;
/// Items published in the first half of 2019 from county-level units.
pub const H1_COUNTY: i64 = 1128;
/// Items published in 2019.
pub const YEAR_TOTAL: i64 = 1482;
/// WeChat posts in 2019 across the three sections.
pub const WECHAT_POSTS: i64 = 204;
/// Episodes of 与爱同行 aired in 2019.
pub const RADIO_EPISODES: i64 = 26;
/// The radio column.
pub const RADIO_PROGRAMME: &str = "与爱同行";

/// Syndication targets: (code, name, url, points per adopted item, rule note, submitted,
/// adopted). The submitted items are first-half items, in publication order.
pub const TARGETS: &[(&str, &str, &str, i64, &str, i64, i64)] = &[
    (
        "cdpf",
        "中国残联网站",
        "https://www.cdpf.org.cn",
        0,
        "按采用条数统计，不计分",
        1271,
        1164,
    ),
    (
        "jldpf",
        "省残联网站",
        "http://www.jldpf.org.cn",
        0,
        "按采用条数统计，不计分",
        1271,
        1198,
    ),
    (
        "changchun-gov",
        "长春市政府网站",
        "http://www.changchun.gov.cn",
        5,
        "每采用一条计5分",
        591,
        171,
    ),
    (
        "changchun-minsheng",
        "长春市民生网站",
        "",
        0,
        "按采用条数统计，不计分",
        1069,
        163,
    ),
];

/// Website columns and WeChat sections: (kind, code, name, description).
const CHANNELS: &[(ChannelKind, &str, &str, &str)] = &[
    (
        ChannelKind::Website,
        "work-news",
        "工作动态",
        "市残联和各县（市）区残联的工作动态",
    ),
    (
        ChannelKind::Website,
        "notices",
        "通知公告",
        "通知、公告和办事提示",
    ),
    (
        ChannelKind::Website,
        "policy-reading",
        "政策解读",
        "政策文件的解读和回应关切",
    ),
    (
        ChannelKind::Wechat,
        "chunfeng",
        "春风惠残",
        "惠残政策和服务",
    ),
    (
        ChannelKind::Wechat,
        "chunyang",
        "春阳暖政",
        "政务信息和工作动态",
    ),
    (
        ChannelKind::Wechat,
        "chuncao",
        "春草关注",
        "社会关注和残疾人风采",
    ),
];

/// A tiny deterministic generator (the demo must be the same on every load).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        let i = (self.next() as usize) % xs.len();
        &xs[i]
    }
}

/// Activities of county-level federations (with their 公开目录 category and topic).
const COUNTY_ACTIVITIES: &[(&str, &str, &str, &str)] = &[
    (
        "开展“全国助残日”主题宣传活动",
        "art20-15",
        "general-disclosure",
        "组织志愿者走进社区，宣传残疾人保障法和各项惠残政策，现场解答群众咨询。",
    ),
    (
        "召开残疾人工作推进会",
        "art20-15",
        "general-disclosure",
        "总结上一阶段残疾人工作，部署康复、就业、教育和维权等重点任务。",
    ),
    (
        "启动残疾人基本康复服务需求调查",
        "art20-11",
        "health",
        "逐户了解持证残疾人的康复需求，建立需求和服务台账，做到应纳尽纳。",
    ),
    (
        "为重度残疾人发放辅助器具",
        "art20-11",
        "health",
        "向符合条件的重度残疾人免费发放轮椅、助行器、坐便椅等辅助器具。",
    ),
    (
        "举办残疾人职业技能培训班",
        "art20-11",
        "labour-social",
        "围绕电子商务、手工编织和家政服务开展培训，帮助学员提升就业能力。",
    ),
    (
        "召开残疾人专场招聘会",
        "art20-11",
        "labour-social",
        "组织用人单位提供适合残疾人的岗位，现场达成就业意向。",
    ),
    (
        "落实困难残疾人生活补贴和重度残疾人护理补贴",
        "art20-11",
        "civil-affairs",
        "按月发放两项补贴，开展补贴对象动态复核，确保应补尽补。",
    ),
    (
        "开展残疾人证办理入户服务",
        "art20-05",
        "civil-affairs",
        "为行动不便的重度残疾人提供上门评残和办证服务，减少群众跑腿。",
    ),
    (
        "开展无障碍设施专项检查",
        "art21-01",
        "urban-rural",
        "对公共建筑、道路和社区出入口的无障碍设施进行检查，督促整改。",
    ),
    (
        "实施贫困重度残疾人家庭无障碍改造",
        "art21-04",
        "urban-rural",
        "为贫困重度残疾人家庭改造卫生间、坡道和扶手，方便日常生活。",
    ),
    (
        "走访慰问困难残疾人家庭",
        "art21-07",
        "civil-affairs",
        "送去慰问金和生活用品，了解家庭生活和康复需求。",
    ),
    (
        "开展残疾儿童康复救助审核工作",
        "art20-11",
        "health",
        "对申请康复救助的残疾儿童进行资格审核，安排定点机构接受训练。",
    ),
    (
        "组织残疾人参加文化体育活动",
        "art21-02",
        "general-other",
        "举办趣味运动会、书画展和文艺汇演，丰富残疾人精神文化生活。",
    ),
    (
        "开展助残志愿服务活动",
        "art21-03",
        "general-other",
        "志愿者为残疾人提供理发、义诊、家电维修等便民服务。",
    ),
    (
        "推进残疾人托养服务工作",
        "art21-02",
        "civil-affairs",
        "组织日间照料和居家托养服务，减轻重度残疾人家庭照护负担。",
    ),
    (
        "开展残疾人法律援助和维权宣传",
        "art20-15",
        "general-disclosure",
        "设立法律咨询台，提供法律援助申请指导，依法维护残疾人合法权益。",
    ),
    (
        "做好残疾人就业保障金相关政策宣传",
        "art20-08",
        "finance-budget",
        "向用人单位宣传按比例安排残疾人就业和保障金减免政策。",
    ),
    (
        "开展残疾预防知识宣传",
        "art20-13",
        "health",
        "围绕出生缺陷、慢性病和意外伤害致残开展预防知识宣传。",
    ),
    (
        "完成残疾人基本服务状况和需求信息数据动态更新",
        "art20-04",
        "general-disclosure",
        "入户核对持证残疾人基本服务状况和需求信息，按时完成数据更新。",
    ),
    (
        "组织盲人按摩从业人员业务培训",
        "art20-11",
        "labour-social",
        "邀请专业教师讲授推拿手法和经营管理，提升盲人按摩服务水平。",
    ),
];

/// Own-level (本级) topics.
const OWN_ACTIVITIES: &[(&str, &str, &str, &str)] = &[
    (
        "市残联召开全市残疾人工作会议",
        "art20-15",
        "general-disclosure",
        "总结全市残疾人事业发展情况，部署年度重点工作任务。",
    ),
    (
        "市残联开展政务公开工作培训",
        "art20-15",
        "general-disclosure",
        "对各县（市）区残联和机关各部室信息员进行政务公开业务培训。",
    ),
    (
        "市残联部署残疾人精准康复服务工作",
        "art20-11",
        "health",
        "明确年度基本康复服务目标任务和服务标准，推进精准康复。",
    ),
    (
        "市残联组织残疾人就业帮扶活动",
        "art20-11",
        "labour-social",
        "联合人社部门开展就业援助，落实残疾人就业扶持政策。",
    ),
    (
        "市残联推进残疾人家庭无障碍改造项目",
        "art21-04",
        "urban-rural",
        "下达年度改造任务，规范项目申报、施工和验收程序。",
    ),
    (
        "市残联开展残疾人教育助学工作",
        "art20-11",
        "education",
        "为残疾学生和残疾人家庭子女发放助学金，支持完成学业。",
    ),
    (
        "市残联举办残疾人文化艺术展演",
        "art21-02",
        "general-other",
        "展示残疾人文化艺术成果，营造扶残助残社会氛围。",
    ),
    (
        "市残联公开采购辅助器具项目实施情况",
        "art20-09",
        "finance-budget",
        "公布辅助器具集中采购的目录、标准和实施情况。",
    ),
    (
        "市残联开展残疾人权益保障执法检查配合工作",
        "art20-06",
        "general-disclosure",
        "配合人大开展残疾人保障法执法检查，梳理问题清单。",
    ),
    (
        "市残联发布残疾人服务事项办事指南",
        "art20-05",
        "civil-affairs",
        "公布残疾人证办理、补贴申请等服务事项的依据、条件和程序。",
    ),
];

/// Months as words, for variety in titles.
const SEASONS: &[&str] = &["春季", "", "", "上半年", "", "近期", ""];

/// Who does each step.
struct Crew {
    drafter: (Actor, Capabilities),
    head: (Actor, Capabilities),
    secrecy: (Actor, Capabilities),
    leader: (Actor, Capabilities),
    office: (Actor, Capabilities),
}

fn crew(accounts: &[Account]) -> Result<Crew> {
    let find = |u: &str| -> Result<(Actor, Capabilities)> {
        let a = accounts
            .iter()
            .find(|a| a.username == u)
            .ok_or_else(|| StoreError::Invalid(format!("演示数据缺少账号 {u}")))?;
        Ok((
            Actor::user(a.user_id, a.username, ""),
            Capabilities::from_roles(&[a.role]),
        ))
    };
    let system = |role: Role| (Actor::system(), Capabilities::from_roles(&[role]));
    Ok(Crew {
        drafter: system(Role::Drafter),
        head: system(Role::DepartmentHead),
        secrecy: find("demo-secrecy")?,
        leader: find("demo-leader")?,
        office: find("demo-office")?,
    })
}

fn ms_at(d: NaiveDate, hour: u32) -> Result<i64> {
    // `hour` is China Standard Time.
    d.and_hms_opt(hour.saturating_sub(8), 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| StoreError::Invalid("演示数据时间无效".into()))
}

fn all_pass() -> ReviewChecks {
    let ok = |c: &str| Check {
        passed: true,
        comment: c.to_string(),
    };
    ReviewChecks {
        legal: ok("符合法律法规"),
        policy: ok("符合现行政策"),
        wording: ok("文字规范"),
        secrecy: ok("未发现涉密内容"),
    }
}

fn form(unit: &str, title: &str, formed: NaiveDate, is_doc: bool) -> ConfidentialityForm {
    ConfidentialityForm {
        form_date: formed,
        originating_unit: unit.to_string(),
        info_title: title.to_string(),
        is_document: is_doc,
        reference_no: String::new(),
        channels: vec!["政府网站".into(), "微信公众号".into()],
        planned_on: Some(formed + Duration::days(1)),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: false,
        secrets_note: String::new(),
        drafter_opinion: "拟主动公开".into(),
        drafter_name: "承办人".into(),
        drafter_on: Some(formed),
        head_opinion: "同意公开".into(),
        head_name: "科室负责人".into(),
        head_on: Some(formed),
        conclusion: Conclusion::Publish,
        basis: "经审查不涉及国家秘密、商业秘密和个人隐私，属于主动公开内容".into(),
        reviewer_name: String::new(),
        reviewed_on: formed,
        remarks: String::new(),
        rereview_due: None,
    }
}

/// One item to make.
struct Planned {
    org_id: i64,
    unit_name: String,
    from_county: bool,
    on: NaiveDate,
    content: Content,
    catalog: &'static str,
    topic: &'static str,
    /// Returned once by the parent before it was published.
    returned_first: bool,
}

/// Drives a planned item to publication (through the parent's queue for county items).
async fn make(tx: &mut Tx, crew: &Crew, p: &Planned) -> Result<i64> {
    let formed = p.on - Duration::days(3);
    let meta = Metadata {
        formed_on: formed,
        signed_on: None,
        publisher_name: String::new(),
        doc_number: String::new(),
        topic_code: p.topic.to_string(),
        genre_code: String::new(),
        catalog_code: p.catalog.to_string(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    };
    let (drafter, dcaps) = &crew.drafter;
    let item = store_items::create(tx, drafter, p.org_id, *dcaps, &meta, &p.content).await?;
    let id = item.id;
    chain(tx, crew, id, &p.unit_name, &p.content.title, formed).await?;
    let (office, ocaps) = &crew.office;
    if p.from_county {
        if p.returned_first {
            let sub = grassroots::pending_of(tx, id)
                .await?
                .ok_or_else(|| StoreError::Invalid("演示数据：报送记录缺失".into()))?;
            grassroots::return_as_of(
                tx,
                office,
                sub,
                *ocaps,
                "请补充活动的时间、地点和参与人数，并规范标题表述",
                ms_at(p.on - Duration::days(2), 9)?,
                ms_at(p.on - Duration::days(2), 15)?,
            )
            .await?;
            let mut revised = p.content.clone();
            revised.body_html = format!(
                "{}<p>本次活动覆盖辖区各街道（乡镇），服务残疾人及其家属百余人次。</p>",
                revised.body_html
            );
            store_items::edit(tx, drafter, id, *dcaps, &meta, &revised).await?;
            chain(tx, crew, id, &p.unit_name, &p.content.title, formed).await?;
        }
        let sub = grassroots::pending_of(tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid("演示数据：报送记录缺失".into()))?;
        grassroots::publish_as_of(
            tx,
            office,
            sub,
            *ocaps,
            PublishAs::Unit,
            ms_at(p.on - Duration::days(1), 16)?,
            ms_at(p.on, 10)?,
        )
        .await?;
    } else {
        publish::publish_as_of(tx, office, id, *ocaps, ms_at(p.on, 10)?).await?;
    }
    Ok(id)
}

/// submit → 审核 → 保密审查表 → 审批.
async fn chain(
    tx: &mut Tx,
    crew: &Crew,
    id: i64,
    unit: &str,
    title: &str,
    formed: NaiveDate,
) -> Result<()> {
    let (drafter, dcaps) = &crew.drafter;
    store_items::submit(tx, drafter, id, *dcaps).await?;
    let (head, hcaps) = &crew.head;
    review::review(tx, head, id, *hcaps, &all_pass()).await?;
    let (secrecy, scaps) = &crew.secrecy;
    review::confidentiality_review(tx, secrecy, id, *scaps, &form(unit, title, formed, false))
        .await?;
    let (leader, lcaps) = &crew.leader;
    review::approve(tx, leader, id, *lcaps, "同意").await?;
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn body(lead: &str, detail: &str, rng: &mut Lcg) -> String {
    const CLOSINGS: &[&str] = &[
        "下一步，将继续加大工作力度，让更多残疾人享受到政策实惠。",
        "活动得到了残疾人及其家属的好评。",
        "相关负责同志表示，将把这项工作作为为残疾人办实事的重要内容抓实抓好。",
        "有关政策可向户籍所在地残联咨询。",
        "此项工作将持续开展，做到服务对象全覆盖。",
    ];
    format!(
        "<p>{}</p><p>{}</p><p>{}</p><p>注：本条为系统演示数据，内容为示意，并非正式文件。</p>",
        esc(lead),
        esc(detail),
        esc(*rng.pick(CLOSINGS))
    )
}

/// The working days (Mon–Fri) of `from..=to`, for spreading publications.
fn weekdays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        if d.weekday().number_from_monday() <= 5 {
            out.push(d);
        }
        d += Duration::days(1);
    }
    out
}

/// Index `i` of `n` spread evenly over `days`.
fn spread(days: &[NaiveDate], i: i64, n: i64) -> NaiveDate {
    let k = (i * days.len() as i64 / n.max(1)) as usize;
    days[k.min(days.len() - 1)]
}

/// Does `k` (0-based, of `n`) fall among `a` evenly chosen ones? Exactly `a` of `n` do.
fn chosen(k: i64, a: i64, n: i64) -> bool {
    ((k + 1) * a) / n > (k * a) / n
}

async fn count_published(tx: &mut Tx, from: &str, to: &str, county: bool) -> Result<i64> {
    let sql = if county {
        "SELECT COUNT(*) FROM items i WHERE i.published_on BETWEEN $1 AND $2 AND EXISTS \
         (SELECT 1 FROM grassroots_submissions g WHERE g.item_id = i.id AND g.status = 'published')"
    } else {
        "SELECT COUNT(*) FROM items i WHERE i.published_on BETWEEN $1 AND $2 AND NOT EXISTS \
         (SELECT 1 FROM grassroots_submissions g WHERE g.item_id = i.id AND g.status = 'published')"
    };
    Ok(on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(from)
        .bind(to)
        .fetch_one(c)
        .await?))
}

/// Registers the county-level federations as grassroots units (before any item is loaded, so
/// the hand-written county items go through the parent's queue too).
pub(super) async fn register_units(
    tx: &mut Tx,
    orgs: &[(&str, i64)],
    counties: &[&str],
) -> Result<()> {
    let actor = Actor::system();
    for code in counties {
        if let Some((_, id)) = orgs.iter().find(|(c, _)| c == code) {
            grassroots::set_unit(tx, &actor, *id, true).await?;
        }
    }
    Ok(())
}

/// Generates the year (after the hand-written items are in).
pub(super) async fn load(
    tx: &mut Tx,
    orgs: &[(&str, i64)],
    counties: &[(&str, &str, &str)],
    accounts: &[Account],
) -> Result<()> {
    let crew = crew(accounts)?;
    let mut rng = Lcg(2019);
    let system = Actor::system();
    let body_id = orgs
        .iter()
        .find(|(c, _)| *c == "ccdpf")
        .map(|(_, id)| *id)
        .ok_or_else(|| StoreError::Invalid("演示数据缺少本级机关".into()))?;
    let d = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| StoreError::Invalid(format!("演示日期错误 {s}")))
    };
    let (jan1, jun30, jul1, dec31) = (
        d("2019-01-01")?,
        d("2019-06-30")?,
        d("2019-07-01")?,
        d("2019-12-31")?,
    );

    // --- channels and targets --------------------------------------------------------------
    let mut channel_ids = Vec::new();
    for (i, (kind, code, name, desc)) in CHANNELS.iter().enumerate() {
        let c = channels::put(
            tx,
            &system,
            None,
            &ChannelInput {
                kind: *kind,
                code: code.to_string(),
                name: name.to_string(),
                description: desc.to_string(),
                sort_order: (i as i64) * 10,
                active: true,
            },
        )
        .await?;
        channel_ids.push((*code, c.id));
    }
    let ch = |code: &str| -> Result<i64> {
        channel_ids
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, id)| *id)
            .ok_or_else(|| StoreError::Invalid(format!("演示数据缺少渠道 {code}")))
    };
    let mut target_ids = Vec::new();
    for (i, (code, name, url, points, note, _, _)) in TARGETS.iter().enumerate() {
        let t = syndication::put_target(
            tx,
            &system,
            None,
            &TargetInput {
                code: code.to_string(),
                name: name.to_string(),
                url: url.to_string(),
                points_per_adopted: *points,
                rule_note: note.to_string(),
                sort_order: (i as i64) * 10,
                active: true,
            },
        )
        .await?;
        target_ids.push(t.id);
    }

    // --- what the hand-written items already contribute ------------------------------------
    let (h1s, h1e, h2s, h2e) = (
        jan1.to_string(),
        jun30.to_string(),
        jul1.to_string(),
        dec31.to_string(),
    );
    let have_own_h1 = count_published(tx, &h1s, &h1e, false).await?;
    let have_county_h1 = count_published(tx, &h1s, &h1e, true).await?;
    let have_h2 = count_published(tx, &h2s, &h2e, false).await?
        + count_published(tx, &h2s, &h2e, true).await?;
    let need_own_h1 = H1_OWN - have_own_h1;
    let need_county_h1 = H1_COUNTY - have_county_h1;
    // The radio episodes and text interpretations are own-level items of their own dates.
    let radio_dates: Vec<NaiveDate> = (0..RADIO_EPISODES)
        .map(|k| jan1 + Duration::days(9 + 14 * k))
        .collect();
    let radio_h1 = radio_dates.iter().filter(|d| **d <= jun30).count() as i64;
    let radio_h2 = RADIO_EPISODES - radio_h1;
    let need_h2 = YEAR_TOTAL - H1_OWN - H1_COUNTY - have_h2;
    if need_own_h1 < radio_h1 || need_county_h1 < 0 || need_h2 < radio_h2 {
        return Err(StoreError::Invalid(
            "演示数据：手写信息已超过2019年的目标数".into(),
        ));
    }

    // --- plan ------------------------------------------------------------------------------
    let h1_days = weekdays(jan1 + Duration::days(3), jun30 - Duration::days(1));
    let h2_days = weekdays(jul1 + Duration::days(1), dec31 - Duration::days(3));
    let county_orgs: Vec<(i64, &str, &str)> = counties
        .iter()
        .filter_map(|(code, full, short)| {
            orgs.iter()
                .find(|(c, _)| c == code)
                .map(|(_, id)| (*id, *full, *short))
        })
        .collect();
    let mut plans: Vec<Planned> = Vec::new();
    let own_plain_h1 = need_own_h1 - radio_h1;
    for i in 0..own_plain_h1 {
        let (title, cat, topic, detail) = *rng.pick(OWN_ACTIVITIES);
        let on = spread(&h1_days, i, own_plain_h1);
        let season = rng.pick(SEASONS);
        let title = format!("{title}（{}月）{season}", on.month())
            .trim_end()
            .to_string();
        plans.push(Planned {
            org_id: body_id,
            unit_name: "长春市残疾人联合会".into(),
            from_county: false,
            on,
            content: Content {
                title: title.clone(),
                summary: detail.to_string(),
                body_html: body(
                    &format!("{}，{title}。", on.format("%Y年%-m月%-d日")),
                    detail,
                    &mut rng,
                ),
                keywords: "残疾人 工作动态".into(),
            },
            catalog: cat,
            topic,
            returned_first: false,
        });
    }
    for i in 0..need_county_h1 {
        let (org_id, full, short) = county_orgs[(i as usize) % county_orgs.len()];
        let (act, cat, topic, detail) = *rng.pick(COUNTY_ACTIVITIES);
        let on = spread(&h1_days, i, need_county_h1);
        let title = format!("{short}{act}");
        plans.push(Planned {
            org_id,
            unit_name: full.to_string(),
            from_county: true,
            on,
            content: Content {
                title: title.clone(),
                summary: format!("{short}{detail}"),
                body_html: body(
                    &format!("{}，{full}{act}。", on.format("%Y年%-m月%-d日")),
                    detail,
                    &mut rng,
                ),
                keywords: "基层动态 残疾人".into(),
            },
            catalog: cat,
            topic,
            returned_first: i % 17 == 5,
        });
    }
    let plain_h2 = need_h2 - radio_h2;
    for i in 0..plain_h2 {
        let on = spread(&h2_days, i, plain_h2);
        if i % 3 == 0 {
            let (org_id, full, short) = county_orgs[(i as usize / 3) % county_orgs.len()];
            let (act, cat, topic, detail) = *rng.pick(COUNTY_ACTIVITIES);
            let title = format!("{short}{act}");
            plans.push(Planned {
                org_id,
                unit_name: full.to_string(),
                from_county: true,
                on,
                content: Content {
                    title: title.clone(),
                    summary: format!("{short}{detail}"),
                    body_html: body(
                        &format!("{}，{full}{act}。", on.format("%Y年%-m月%-d日")),
                        detail,
                        &mut rng,
                    ),
                    keywords: "基层动态 残疾人".into(),
                },
                catalog: cat,
                topic,
                returned_first: false,
            });
        } else {
            let (title, cat, topic, detail) = *rng.pick(OWN_ACTIVITIES);
            let title = format!("{title}（{}月）", on.month());
            plans.push(Planned {
                org_id: body_id,
                unit_name: "长春市残疾人联合会".into(),
                from_county: false,
                on,
                content: Content {
                    title: title.clone(),
                    summary: detail.to_string(),
                    body_html: body(
                        &format!("{}，{title}。", on.format("%Y年%-m月%-d日")),
                        detail,
                        &mut rng,
                    ),
                    keywords: "残疾人 工作动态".into(),
                },
                catalog: cat,
                topic,
                returned_first: false,
            });
        }
    }
    plans.sort_by_key(|p| p.on);

    // --- make the items --------------------------------------------------------------------
    let mut made: Vec<(i64, NaiveDate, bool)> = Vec::with_capacity(plans.len());
    for p in &plans {
        let id = make(tx, &crew, p).await?;
        made.push((id, p.on, p.from_county));
    }

    // --- 与爱同行: radio episodes explaining policy documents --------------------------------
    let documents: Vec<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT i.id, i.published_on FROM items i WHERE i.published_on IS NOT NULL \
         AND i.doc_number <> '' AND i.state = 'published' ORDER BY i.published_on, i.id"
    )
    .fetch_all(c)
    .await?);
    const RADIO_TOPICS: &[&str] = &[
        "残疾人两项补贴政策问答",
        "残疾儿童康复救助怎么申请",
        "残疾人就业创业扶持政策",
        "残疾人证办理和等级评定",
        "无障碍环境建设与出行",
        "残疾人职业技能培训报名须知",
        "重度残疾人托养服务政策",
        "残疾学生助学政策解读",
        "辅助器具适配服务指南",
        "按比例安排残疾人就业政策",
        "残疾人法律援助与维权",
        "残疾预防日专题",
        "盲人按摩从业资格与扶持",
    ];
    for (k, on) in radio_dates.iter().enumerate() {
        let episode = (k + 1) as i64;
        let topic = RADIO_TOPICS[k % RADIO_TOPICS.len()];
        let title = format!("新闻广播88.0《{RADIO_PROGRAMME}》第{episode}期：{topic}");
        let p = Planned {
            org_id: body_id,
            unit_name: "长春市残疾人联合会".into(),
            from_county: false,
            on: *on,
            content: Content {
                title: title.clone(),
                summary: format!(
                    "本期节目邀请市残联相关部室负责同志，围绕“{topic}”解答听众关心的问题。"
                ),
                body_html: body(
                    &format!(
                        "{}播出的《{RADIO_PROGRAMME}》第{episode}期，主题为“{topic}”。",
                        on.format("%Y年%-m月%-d日")
                    ),
                    "节目中，嘉宾结合政策文件逐条说明适用对象、办理条件、办理程序和咨询渠道，并回答了听众热线提出的问题。",
                    &mut rng,
                ),
                keywords: "政策解读 与爱同行".into(),
            },
            catalog: "art20-01",
            topic: "civil-affairs",
            returned_first: false,
        };
        let id = make(tx, &crew, &p).await?;
        let on_s = on.to_string();
        let explained: Vec<i64> = documents
            .iter()
            .filter(|(_, d)| *d <= on_s)
            .rev()
            .skip(k % 3)
            .take(1 + k % 2)
            .map(|(i, _)| *i)
            .collect();
        let kind = if explained.is_empty() {
            InterpKind::HotTopic
        } else {
            InterpKind::Programme
        };
        interpretations::put(
            tx,
            &system,
            id,
            &interpretations::Input {
                kind,
                programme: RADIO_PROGRAMME.into(),
                episode_no: Some(episode),
                air_date: Some(*on),
                documents: explained,
            },
        )
        .await?;
        channels::place(tx, &system, id, ch("policy-reading")?, *on).await?;
        made.push((id, *on, false));
    }

    // --- WeChat: 204 posts across the three sections ----------------------------------------
    made.sort_by_key(|(id, on, _)| (*on, *id));
    let year_items: Vec<&(i64, NaiveDate, bool)> =
        made.iter().filter(|(_, on, _)| *on <= dec31).collect();
    let sections = [ch("chunfeng")?, ch("chunyang")?, ch("chuncao")?];
    let n = year_items.len() as i64;
    let mut posted = 0i64;
    for (k, (id, on, _)) in year_items.iter().enumerate() {
        if posted >= WECHAT_POSTS || !chosen(k as i64, WECHAT_POSTS, n) {
            continue;
        }
        let section = sections[(posted as usize) % sections.len()];
        channels::place(tx, &system, *id, section, *on + Duration::days(1)).await?;
        posted += 1;
    }
    // Website columns: county items in 工作动态, a share of own items in 通知公告.
    let work_news = ch("work-news")?;
    let notices = ch("notices")?;
    for (k, (id, on, county)) in year_items.iter().enumerate() {
        if *county && k % 4 == 0 {
            channels::place(tx, &system, *id, work_news, *on).await?;
        } else if !*county && k % 5 == 0 {
            channels::place(tx, &system, *id, notices, *on).await?;
        }
    }

    // --- upward syndication: first-half items, batched by day --------------------------------
    let h1_items: Vec<(i64, NaiveDate)> = on_tx!(tx, |c| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, published_on FROM items WHERE published_on BETWEEN $1 AND $2 \
         ORDER BY published_on, id"
    )
    .bind(&h1s)
    .bind(&h1e)
    .fetch_all(c)
    .await?)
    .into_iter()
    .filter_map(|(id, on)| {
        NaiveDate::parse_from_str(&on, "%Y-%m-%d")
            .ok()
            .map(|d| (id, d))
    })
    .collect();
    let (office, _) = &crew.office;
    for ((_, _, _, _, _, submitted, adopted), target_id) in TARGETS.iter().zip(&target_ids) {
        let n = h1_items.len() as i64;
        // Which items go to this target (exactly `submitted` of them, evenly).
        let sent: Vec<(i64, NaiveDate)> = h1_items
            .iter()
            .enumerate()
            .filter(|(k, _)| chosen(*k as i64, (*submitted).min(n), n))
            .map(|(_, x)| *x)
            .collect();
        let total = sent.len() as i64;
        // Group by day and outcome.
        let mut k = 0i64;
        let mut i = 0usize;
        while i < sent.len() {
            let day = sent[i].1;
            let mut yes = Vec::new();
            let mut no = Vec::new();
            while i < sent.len() && sent[i].1 == day {
                if chosen(k, *adopted, total) {
                    yes.push(sent[i].0);
                } else {
                    no.push(sent[i].0);
                }
                k += 1;
                i += 1;
            }
            for (ids, status) in [(yes, Status::Adopted), (no, Status::NotAdopted)] {
                if ids.is_empty() {
                    continue;
                }
                let s = syndication::submit(tx, office, *target_id, day, &ids, "").await?;
                syndication::set_status(tx, office, s.id, status, day + Duration::days(2)).await?;
            }
        }
    }
    Ok(())
}
