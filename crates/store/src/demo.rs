//! Demo data for `gongkai serve --demo`: the 长春市残疾人联合会 (2019) organisation tree, one demo
//! account per role, the 指南 and 制度 portal pages, and a set of proactive-disclosure items
//! across the 公开目录 categories, organisations and 2018–2019; and a second site on the same
//! platform (`site`, issue #14).
//!
//! Rule: demo data is loaded only into an empty deployment (no organisation yet), in ONE
//! transaction, so every row it creates is in the audit chain and a half-loaded demo can never be
//! committed. (Before it, the default vocabularies are seeded by their own idempotent
//! transaction, `items::registers::seed_defaults`, exactly as `serve` does at start-up; the items
//! need the 公开目录 categories to exist.) Organisations, accounts and pages are created as the
//! `system` actor; items go through the real workflow with the demo accounts as actors where the
//! role matters (see [`DEMO_ITEMS`]). The contact details of the body come from the seed
//! (长春市残联 2019 年度报告); the names of internal departments, affiliated units and the office
//! hours are illustrative, not taken from an official source.

use crate::audit::Actor;
use crate::orgs::{self, OrgInput};
use crate::users::{self, NewUser};
use crate::{Db, Result, Tx, pages};
use gongkai_core::auth::{Grant, Role};
use gongkai_core::org::OrgKind;
use gongkai_core::vault::Vault;

mod applications;
mod console;
mod items;
pub mod mailbox;
pub mod report;
pub mod site;
pub mod workplan;
mod year2019;

pub use year2019::{
    H1_COUNTY, H1_OWN, RADIO_EPISODES, RADIO_PROGRAMME, TARGETS as SYNDICATION_TARGETS,
    WECHAT_POSTS, YEAR_TOTAL,
};

pub use items::{DEMO_ITEMS, DemoFate, DemoItem, planted_resident_id};

/// The one documented password of every demo account (it satisfies the default password
/// policy: 10+ characters, upper and lower case, digits and a symbol).
pub const DEMO_PASSWORD: &str = "Gongkai-demo-2019";

/// What was loaded: the demo accounts as (username, password, role label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub users: Vec<(String, String, String)>,
}

/// The body itself (本级), with the contact details printed in the seed report.
const BODY_CODE: &str = "ccdpf";

/// 机关各部室. ILLUSTRATIVE: plausible department names, not the body's official list.
const DEPARTMENTS: &[(&str, &str)] = &[
    ("ccdpf-bgs", "办公室"),
    ("ccdpf-zzllb", "组织联络部"),
    ("ccdpf-kfb", "康复部"),
    ("ccdpf-jyjyb", "教育就业部"),
    ("ccdpf-xcwhb", "宣传文化部"),
    ("ccdpf-wqb", "维权部"),
];

/// 直属单位. ILLUSTRATIVE names.
const AFFILIATED: &[(&str, &str)] = &[
    ("ccdpf-zhfw", "长春市残疾人综合服务中心"),
    ("ccdpf-kfzx", "长春市残疾人康复中心"),
    ("ccdpf-jyfw", "长春市残疾人就业服务中心"),
];

/// 县（市）区、开发区 federations of 长春市 as of 2019 (公主岭市 joined 长春 only in 2020, so it
/// is left out of a 2019 demo).
const COUNTIES: &[(&str, &str, &str)] = &[
    ("nanguan", "长春市南关区残疾人联合会", "南关区残联"),
    ("kuancheng", "长春市宽城区残疾人联合会", "宽城区残联"),
    ("chaoyang", "长春市朝阳区残疾人联合会", "朝阳区残联"),
    ("erdao", "长春市二道区残疾人联合会", "二道区残联"),
    ("lvyuan", "长春市绿园区残疾人联合会", "绿园区残联"),
    ("shuangyang", "长春市双阳区残疾人联合会", "双阳区残联"),
    ("jiutai", "长春市九台区残疾人联合会", "九台区残联"),
    ("yushu", "榆树市残疾人联合会", "榆树市残联"),
    ("dehui", "德惠市残疾人联合会", "德惠市残联"),
    ("nongan", "农安县残疾人联合会", "农安县残联"),
    ("xinqu", "长春新区残疾人联合会", "长春新区残联"),
    ("jingkai", "长春经济技术开发区残疾人联合会", "经开区残联"),
    ("gaoxin", "长春高新技术产业开发区残疾人联合会", "高新区残联"),
    (
        "jingyue",
        "长春净月高新技术产业开发区残疾人联合会",
        "净月区残联",
    ),
    ("qiche", "长春汽车经济技术开发区残疾人联合会", "汽开区残联"),
    (
        "lianhuashan",
        "长春莲花山生态旅游度假区残疾人联合会",
        "莲花山区残联",
    ),
];

/// 专门协会.
const ASSOCIATIONS: &[(&str, &str, &str)] = &[
    ("mangxie", "长春市盲人协会", "盲人协会"),
    ("longxie", "长春市聋人协会", "聋人协会"),
    ("zhixie", "长春市肢体残疾人协会", "肢体残疾人协会"),
    (
        "zhilixie",
        "长春市智力残疾人及亲友协会",
        "智力残疾人及亲友协会",
    ),
    (
        "jingxie",
        "长春市精神残疾人及亲友协会",
        "精神残疾人及亲友协会",
    ),
];

/// Where a demo account sits and what it may do.
enum Scope {
    Body,
    Code(&'static str),
}

/// One demo account per role, plus a disclosure office limited to one county (to show scoping).
const DEMO_USERS: &[(&str, &str, Role, Scope)] = &[
    (
        "demo-drafter",
        "演示承办人（康复部）",
        Role::Drafter,
        Scope::Code("ccdpf-kfb"),
    ),
    (
        "demo-head",
        "演示科室负责人（康复部）",
        Role::DepartmentHead,
        Scope::Code("ccdpf-kfb"),
    ),
    (
        "demo-secrecy",
        "演示保密审查员",
        Role::ConfidentialityReviewer,
        Scope::Body,
    ),
    (
        "demo-leader",
        "演示审批领导",
        Role::ApprovingLeader,
        Scope::Body,
    ),
    (
        "demo-office",
        "演示政务公开办公室",
        Role::DisclosureOffice,
        Scope::Body,
    ),
    (
        "demo-admin",
        "演示系统管理员",
        Role::Administrator,
        Scope::Body,
    ),
    (
        "demo-security",
        "演示安全管理员",
        Role::SecurityAdministrator,
        Scope::Body,
    ),
    ("demo-auditor", "演示审计管理员", Role::Auditor, Scope::Body),
    (
        "demo-county-office",
        "演示南关区政务公开办公室",
        Role::DisclosureOffice,
        Scope::Code("nanguan"),
    ),
];

fn input(
    parent: Option<i64>,
    kind: OrgKind,
    code: &str,
    full: &str,
    short: &str,
    order: i64,
) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: kind.code().to_string(),
        code: code.to_string(),
        full_name: full.to_string(),
        short_name: short.to_string(),
        sort_order: order,
        ..Default::default()
    }
}

/// Loads the demo into an empty deployment. Returns `None` (and changes nothing) when any
/// organisation exists already.
pub async fn load_if_empty(db: &Db, vault: &Vault) -> Result<Option<DemoSummary>> {
    load_parts_if_empty(db, vault, true, false).await
}

/// The whole demo as `serve --demo` loads it: [`load_if_empty`] plus the full year 2019 of
/// issue #5 (county federations submitting to the city, 1482 items, channels, syndication,
/// interpretations; see `year2019`) and its published annual report (issue #9, `report`). Tests
/// that do not need the year use the lighter [`load_if_empty`].
pub async fn load_full_if_empty(db: &Db, vault: &Vault) -> Result<Option<DemoSummary>> {
    load_parts_if_empty(db, vault, true, true).await
}

/// The demo without its information items: organisations, accounts and portal pages only.
/// For tests that need the people but an empty catalog.
pub async fn load_people_if_empty(db: &Db, vault: &Vault) -> Result<Option<DemoSummary>> {
    load_parts_if_empty(db, vault, false, false).await
}

async fn load_parts_if_empty(
    db: &Db,
    vault: &Vault,
    with_items: bool,
    with_year: bool,
) -> Result<Option<DemoSummary>> {
    if !orgs::list(db).await?.is_empty() {
        return Ok(None);
    }
    crate::items::registers::seed_defaults(db).await?;
    crate::mailbox::boxes::seed_default_topics(db).await?;
    let mut tx = db.begin().await?;
    let summary = load(&mut tx, vault, with_items, with_year).await?;
    tx.commit().await?;
    if with_items
        && with_year
        && let Some(body) = orgs::by_code(db, BODY_CODE).await?
    {
        report::publish_2019(db, body.id).await?;
    }
    Ok(Some(summary))
}

async fn load(
    tx: &mut Tx,
    vault: &Vault,
    with_items: bool,
    with_year: bool,
) -> Result<DemoSummary> {
    let actor = Actor::system();
    let body = orgs::create(
        tx,
        &actor,
        &OrgInput {
            parent_id: None,
            kind: OrgKind::Body.code().to_string(),
            code: BODY_CODE.to_string(),
            full_name: "长春市残疾人联合会".to_string(),
            short_name: "长春市残联".to_string(),
            sort_order: 0,
            address: "长春市大经路1898号".to_string(),
            postcode: "130042".to_string(),
            phone: "0431-88651548".to_string(),
            fax: "0431-88651548".to_string(),
            email: String::new(),
            website: "http://www.ccdpf.org.cn".to_string(),
            // ILLUSTRATIVE office hours (the seed does not state them).
            office_hours: "工作日 上午8:30—11:30，下午13:30—16:30（法定节假日除外）".to_string(),
        },
    )
    .await?;

    let mut ids: Vec<(&str, i64)> = vec![(BODY_CODE, body.id)];
    let mut order = 10;
    for (code, name) in DEPARTMENTS {
        let o = orgs::create(
            tx,
            &actor,
            &input(Some(body.id), OrgKind::Department, code, name, name, order),
        )
        .await?;
        ids.push((code, o.id));
        order += 10;
    }
    for (code, name) in AFFILIATED {
        let short = name.trim_start_matches("长春市");
        let o = orgs::create(
            tx,
            &actor,
            &input(Some(body.id), OrgKind::Affiliated, code, name, short, order),
        )
        .await?;
        ids.push((code, o.id));
        order += 10;
    }
    for (code, full, short) in COUNTIES {
        let o = orgs::create(
            tx,
            &actor,
            &input(Some(body.id), OrgKind::County, code, full, short, order),
        )
        .await?;
        ids.push((code, o.id));
        order += 10;
    }
    for (code, full, short) in ASSOCIATIONS {
        let o = orgs::create(
            tx,
            &actor,
            &input(
                Some(body.id),
                OrgKind::Association,
                code,
                full,
                short,
                order,
            ),
        )
        .await?;
        ids.push((code, o.id));
        order += 10;
    }
    let id_of = |scope: &Scope| -> Result<i64> {
        match scope {
            Scope::Body => Ok(body.id),
            Scope::Code(code) => ids
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, id)| *id)
                .ok_or_else(|| crate::StoreError::Invalid(format!("演示数据缺少机构 {code}"))),
        }
    };

    let mut summary = DemoSummary { users: Vec::new() };
    let mut accounts = Vec::new();
    for (username, display_name, role, scope) in DEMO_USERS {
        let org_id = id_of(scope)?;
        let user = users::create(
            tx,
            &actor,
            &NewUser {
                username: username.to_string(),
                display_name: display_name.to_string(),
                org_id,
                password: DEMO_PASSWORD.to_string(),
                grants: vec![Grant {
                    role: *role,
                    scope: org_id,
                }],
                must_change_password: false,
            },
        )
        .await?;
        accounts.push(items::Account {
            username,
            user_id: user.id,
            role: *role,
            org_id,
        });
        summary.users.push((
            username.to_string(),
            DEMO_PASSWORD.to_string(),
            role.label().to_string(),
        ));
    }

    pages::put(tx, &actor, "guide", "政府信息公开指南", &guide_body()).await?;
    pages::put(tx, &actor, "rules", "政府信息公开制度", RULES_BODY).await?;
    let secrecy = accounts
        .iter()
        .find(|a| a.username == "demo-secrecy")
        .map(|a| a.user_id);
    console::load(tx, &actor, &body, secrecy).await?;
    if with_items && with_year {
        // County federations submit to the city (issue #5): registered before any item, so the
        // hand-written county items go through the city's queue too.
        let county_codes: Vec<&str> = COUNTIES.iter().map(|(c, _, _)| *c).collect();
        year2019::register_units(tx, &ids, &county_codes).await?;
    }
    if with_items {
        items::load(tx, &ids, &accounts).await?;
        let actor_of = |name: &str| {
            accounts
                .iter()
                .find(|a| a.username == name)
                .map(|a| Actor::user(a.user_id, a.username, "127.0.0.1"))
                .unwrap_or_else(Actor::system)
        };
        applications::load(
            tx,
            vault,
            body.id,
            &actor_of("demo-office"),
            &actor_of("demo-leader"),
        )
        .await?;
        mailbox::load(tx, vault, &ids, &accounts).await?;
        // The second site of the platform (issue #14), at /s/gongzhuling/.
        site::load(tx, vault, body.id, &mut summary.users).await?;
    }
    if with_items && with_year {
        year2019::load(tx, &ids, COUNTIES, &accounts).await?;
        workplan::load(tx, &ids, &accounts).await?;
        report::load(tx, body.id).await?;
    }
    Ok(summary)
}

/// The 指南 in the structure of Art. 12 (分类、编排体系、获取方式、工作机构), consistent with the
/// regulation as summarised in REG §1: Arts. 19–26 (主动公开, 20 working days), Arts. 29–33
/// (申请, 补正 within 7 working days, reply within 20 working days, at most 20 more), Art. 42
/// (no fee save the 信息处理费), Art. 51 and 行政复议法 Art. 23 (remedies, 复议前置).
fn guide_body() -> String {
    [
        "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》（以下简称《条例》），编制本指南。需要获得长春市残疾人联合会（以下简称市残联）政府信息公开服务的公民、法人或者其他组织，建议阅读本指南。本指南每年更新。",
        "一、公开的主体和范围",
        "市残联政务公开办公室负责本机关政府信息公开的日常工作，办理政府信息公开申请，维护和更新公开的政府信息，组织编制政府信息公开指南、目录和年度报告，组织对拟公开的政府信息进行保密审查。各县（市）区、开发区残联和各专门协会分别负责本单位的政府信息公开工作。",
        "市残联在履行职责过程中制作或者获取的、以一定形式记录和保存的信息，除依法不予公开的以外，均予公开。依法确定为国家秘密的信息、法律和行政法规禁止公开的信息，以及公开后可能危及国家安全、公共安全、经济安全、社会稳定的信息，不予公开；涉及商业秘密、个人隐私等公开会对第三方合法权益造成损害的信息，不得公开，但第三方同意公开或者不公开会对公共利益造成重大影响的除外。",
        "二、主动公开",
        "主动公开的内容包括：规范性文件，机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名，残疾人事业发展规划及相关政策，办理对外管理服务事项的依据、条件、程序和结果，财政预算、决算信息，政府集中采购项目的实施情况，康复、教育、就业、社会保障等方面的政策措施及其实施情况，以及其他依法应当主动公开的信息。信息按照“法定主动公开内容”的类别、发布机构和年份编排，每条信息标有索引号、名称、内容概述和生成日期。",
        "主动公开的政府信息自形成或者变更之日起20个工作日内，通过市残联门户网站政府信息公开专栏公开，并可通过市残联综合服务大厅、新闻媒体等途径查阅。",
        "三、依申请公开的程序",
        "申请人可以通过本网站“依申请公开”栏目在线提交申请，也可以通过信函或者当面向市残联政务公开办公室提交书面申请；采用书面形式确有困难的，可以口头提出，由工作人员代为填写申请。申请应当包括：申请人的姓名或者名称、身份证明、联系方式；申请公开的政府信息的名称、文号或者便于查询的其他特征性描述；获取信息的方式、途径等形式要求。",
        "当面提交的，以提交之日为收到申请之日；以邮寄方式提交的，以签收之日为收到申请之日；通过互联网渠道或者传真提交的，以双方确认之日为收到申请之日。申请内容不明确的，市残联自收到申请之日起7个工作日内一次性告知需要补正的事项和合理的补正期限，答复期限自收到补正的申请之日起计算。",
        "能够当场答复的，当场予以答复；不能当场答复的，自收到申请之日起20个工作日内予以答复。需要延长答复期限的，经政府信息公开工作机构负责人同意并告知申请人，延长的期限最长不超过20个工作日。征求第三方和其他机关意见所需时间不计算在答复期限内。申请人存在阅读困难或者视听障碍的，市残联为其提供必要的帮助。",
        "四、收费",
        "依申请提供政府信息，不收取费用。但是，申请人申请公开政府信息的数量、频次明显超过合理范围的，可以依照国家有关规定收取信息处理费。",
        "五、监督和救济",
        "公民、法人或者其他组织认为市残联未依法履行政府信息公开义务的，可以向上级行政机关或者政府信息公开工作主管部门投诉、举报。认为在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼；对不予公开决定不服的，应当先申请行政复议。",
    ]
    .join("\n")
}

/// A short 制度 page: the working rules of disclosure (Arts. 17, 26, 45, 49).
const RULES_BODY: &str = "\
一、保密审查制度：拟公开的政府信息由承办部门起草，经科室负责人审核、保密审查员审查、分管领导批准后方可公开，坚持“先审查、后公开”和“一事一审”。不能确定能否公开的，报有关主管部门或者保密行政管理部门确定。
二、主动公开制度：属于主动公开范围的政府信息，自形成或者变更之日起20个工作日内公开，并及时更新政府信息公开指南和目录。
三、依申请公开办理制度：政府信息公开申请按照登记、审核、办理、答复、归档的程序办理，在法定期限内答复。
四、年度报告制度：每年1月31日前向政府信息公开工作主管部门提交上一年度政府信息公开工作年度报告，并向社会公布。
五、监督考核制度：政府信息公开工作纳入年度考核，接受社会监督；对不依法履行公开义务的，依照有关规定追究责任。";
