//! The demo's second site (政府网站集约化, issue #14): 公主岭市残疾人联合会 as a body of its own on
//! the same platform — a top-level organisation with one department, a site row (no host name:
//! its portal is at the path prefix `/s/gongzhuling/`, whatever host the demo runs on), its
//! guide, one rule document, a mailbox and a handful of published items; plus the platform
//! administrator and the site's own administrator and office.
//!
//! 公主岭市 joined 长春 only in 2020, which is why the 2019 city demo leaves it out and why it is
//! a separate body here. ILLUSTRATIVE: names of the department, contact details, 备案 numbers
//! and every item are made up for the demo; the bodies of the items say so.

use crate::audit::Actor;
use crate::guide::{self, Guide, RuleInput};
use crate::mailbox::boxes::{self, BoxInput};
use crate::mailbox::messages::{self, Submission};
use crate::mailbox::public;
use crate::orgs::{self, OrgInput};
use crate::sites::{self, SiteInput};
use crate::users::{self, NewUser};
use crate::{Result, Tx};
use gongkai_core::auth::{Grant, Role};
use gongkai_core::org::OrgKind;

use super::DEMO_PASSWORD;
use super::items::{DemoFate, DemoItem, publish_as_system};

/// The site's code: its portal is `/s/gongzhuling/`.
pub const SITE_CODE: &str = "gongzhuling";
/// The body's organisation code.
pub const BODY_CODE: &str = "gzl";

/// The second site's published items (ILLUSTRATIVE).
pub const SITE_ITEMS: &[DemoItem] = &[
    DemoItem {
        org: BODY_CODE,
        catalog: "art20-02",
        topic: "general-disclosure",
        genre: "",
        doc_number: "",
        title: "公主岭市残疾人联合会机构职能",
        summary: "公主岭市残联的主要职责、内设机构、办公地址和联系方式。",
        keywords: "机构职能 联系方式",
        points: &[
            "代表残疾人共同利益，维护残疾人合法权益",
            "承担市政府残疾人工作委员会的日常工作",
        ],
        table: &[("办公地址", "公主岭市（演示地址）")],
        fate: DemoFate::Published("2020-07-01"),
    },
    DemoItem {
        org: BODY_CODE,
        catalog: "art20-07",
        topic: "civil-affairs",
        genre: "",
        doc_number: "",
        title: "公主岭市2020年残疾人辅助器具适配服务公告",
        summary: "为持证残疾人免费适配轮椅、助听器等基本辅助器具的申请条件和办理方式。",
        keywords: "辅助器具 适配",
        points: &[
            "申请对象为持第二代残疾人证的本市户籍残疾人",
            "向户籍所在乡镇（街道）残联提出申请",
        ],
        table: &[],
        fate: DemoFate::Published("2020-09-15"),
    },
    DemoItem {
        org: "gzl-bgs",
        catalog: "art20-02",
        topic: "general-disclosure",
        genre: "",
        doc_number: "",
        title: "公主岭市残联办公室2021年政府信息公开工作要点",
        summary: "年度政府信息公开工作的重点任务和责任分工。",
        keywords: "工作要点",
        points: &["做好主动公开", "依法办理依申请公开", "按时发布年度报告"],
        table: &[],
        fate: DemoFate::Published("2021-03-10"),
    },
];

/// Loads the second site in the open demo transaction. `platform_body` is the city body (the
/// platform's own, default site), where the platform administrator's grant is held.
pub(super) async fn load(
    tx: &mut Tx,
    vault: &gongkai_core::vault::Vault,
    platform_body: i64,
    users_out: &mut Vec<(String, String, String)>,
) -> Result<()> {
    let actor = Actor::system();
    let body = orgs::create(
        tx,
        &actor,
        &OrgInput {
            parent_id: None,
            kind: OrgKind::Body.code().to_string(),
            code: BODY_CODE.to_string(),
            full_name: "公主岭市残疾人联合会".to_string(),
            short_name: "公主岭市残联".to_string(),
            // After the city body: the platform's own body stays the first top-level one.
            sort_order: 1000,
            address: "公主岭市（演示地址）".to_string(),
            phone: "0434-0000000（演示）".to_string(),
            office_hours: "工作日 上午8:30—11:30，下午13:30—16:30".to_string(),
            ..Default::default()
        },
    )
    .await?;
    let office = orgs::create(
        tx,
        &actor,
        &OrgInput {
            parent_id: Some(body.id),
            kind: OrgKind::Department.code().to_string(),
            code: "gzl-bgs".to_string(),
            full_name: "公主岭市残疾人联合会办公室".to_string(),
            short_name: "办公室".to_string(),
            sort_order: 1010,
            ..Default::default()
        },
    )
    .await?;
    sites::create(
        tx,
        &actor,
        &SiteInput {
            code: SITE_CODE.to_string(),
            root_org_id: body.id,
            name: "公主岭市残疾人联合会".to_string(),
            footer: "主办：公主岭市残疾人联合会（演示站点）\n本站为系统演示数据，内容为示意。"
                .to_string(),
            icp_number: "吉ICP备00000000号-1（演示）".to_string(),
            psb_number: "吉公网安备 22038100000000号（演示）".to_string(),
            index_template: "GZL/{YYYY}-{serial:04}".to_string(),
            ..Default::default()
        },
    )
    .await?;
    guide::put(
        tx,
        &actor,
        &Guide {
            org_id: body.id,
            intro: "为方便公民、法人和其他组织获取公主岭市残联的政府信息，根据《中华人民共和国政府信息公开条例》编制本指南。".into(),
            classification: "机构职能、政策文件、残疾人服务事项、年度报告等。".into(),
            arrangement: "按公开目录类别和发布日期编排。".into(),
            access_methods: "主动公开信息在本网站发布；其他信息可以在“依申请公开”栏目提出申请。".into(),
            office_name: "公主岭市残疾人联合会办公室".into(),
            address: "公主岭市（演示地址）".into(),
            office_hours: "工作日 上午8:30—11:30，下午13:30—16:30".into(),
            phone: "0434-0000000（演示）".into(),
            fax: "0434-0000000（演示）".into(),
            internet: "本网站“信箱与咨询”栏目".into(),
            ..Default::default()
        },
    )
    .await?;
    guide::add_rule(
        tx,
        &actor,
        body.id,
        &RuleInput {
            title: "中华人民共和国政府信息公开条例".into(),
            doc_number: "国务院令第711号".into(),
            issuer: "国务院".into(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2019, 4, 3),
            summary: "2019年4月3日修订公布，自2019年5月15日起施行。".into(),
            url: "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm".into(),
            sort_order: 10,
            active: true,
        },
    )
    .await?;
    let mailbox = boxes::create_box(
        tx,
        &actor,
        &BoxInput {
            org_id: body.id,
            code: "gzl-consult".into(),
            name: "公主岭市残联在线咨询".into(),
            intro: "咨询残疾人证办理、康复和就业服务等事项。".into(),
            name_required: false,
            reply_workdays: 5,
            publish_by_default: true,
            active: true,
            sort_order: 10,
        },
    )
    .await?;
    let accounts = [
        (
            "demo-platform",
            "演示平台管理员",
            Role::PlatformAdministrator,
            platform_body,
        ),
        (
            "demo-gzl-admin",
            "演示公主岭市残联系统管理员",
            Role::Administrator,
            body.id,
        ),
        (
            "demo-gzl-office",
            "演示公主岭市残联政务公开办公室",
            Role::DisclosureOffice,
            body.id,
        ),
    ];
    for (username, display_name, role, scope) in accounts {
        users::create(
            tx,
            &actor,
            &NewUser {
                username: username.to_string(),
                display_name: display_name.to_string(),
                org_id: scope,
                password: DEMO_PASSWORD.to_string(),
                grants: vec![Grant { role, scope }],
                must_change_password: false,
            },
        )
        .await?;
        users_out.push((
            username.to_string(),
            DEMO_PASSWORD.to_string(),
            role.label().to_string(),
        ));
    }
    answered_question(tx, vault, mailbox.id, office.id).await?;
    for item in SITE_ITEMS {
        let org_id = if item.org == BODY_CODE {
            body.id
        } else {
            office.id
        };
        if let DemoFate::Published(on) = item.fate {
            publish_as_system(tx, item, org_id, on).await?;
        }
    }
    Ok(())
}

/// One question to the site's box, answered by its office and published with consent (the box
/// publishes by default, so the reply is masked for publication when it is sent).
async fn answered_question(
    tx: &mut Tx,
    vault: &gongkai_core::vault::Vault,
    box_id: i64,
    dept: i64,
) -> Result<()> {
    let system = Actor::system();
    let public_actor = Actor {
        user_id: None,
        label: "public".into(),
        ip: String::new(),
    };
    let at = |day: u32| {
        chrono::NaiveDate::from_ymd_opt(2020, 10, day)
            .and_then(|d| d.and_hms_opt(4, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0)
    };
    let r = messages::submit_inner(
        tx,
        &public_actor,
        Some(vault),
        &Submission {
            box_id,
            topic_code: "certificate".into(),
            title: "公主岭市残疾人证在哪里办理".into(),
            content: "请问在公主岭市申请办理残疾人证，需要到哪里、带哪些材料？".into(),
            consent_publish: true,
            channel: "online".into(),
            ..Default::default()
        },
        at(12),
    )
    .await?;
    let id = r.message.id;
    messages::register(tx, &system, id, "", at(12)).await?;
    messages::forward(tx, &system, id, dept, "请按职责答复来信人。", at(12)).await?;
    messages::draft(
        tx,
        &system,
        id,
        "您好：请携带本人身份证、户口簿和近期免冠照片，到户籍所在乡镇（街道）残联申请，由市残联安排评定。",
        at(13),
    )
    .await?;
    messages::approve(tx, &system, id, "", "同意", at(13)).await?;
    messages::send_reply(tx, &system, vault, id, at(14)).await?;
    public::review(tx, &system, id, true, "已遮蔽个人信息，同意公开", at(14)).await?;
    Ok(())
}
