//! Demo data of the items console (issue #4): the 政府信息公开指南 with the Art. 12 fields, the
//! 政府信息公开制度 list, and the 保密承诺书 register — created through the real store functions.

use chrono::NaiveDate;

use crate::Result;
use crate::Tx;
use crate::audit::Actor;
use crate::guide::{self, Guide, RuleInput};
use crate::items::registers::{self, CommitmentInput};
use crate::orgs::Org;

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Loads the guide, the rule documents and the commitments of the body `root` (its contact
/// details come from the organisation record, as the office would copy them).
pub(super) async fn load(
    tx: &mut Tx,
    actor: &Actor,
    root: &Org,
    secrecy_user: Option<i64>,
) -> Result<()> {
    let mut internet = Vec::new();
    if !root.website.is_empty() {
        internet.push(format!(
            "网站：{}（“依申请公开”栏目可在线提交申请）",
            root.website
        ));
    }
    if !root.email.is_empty() {
        internet.push(format!("电子邮箱：{}", root.email));
    }
    if internet.is_empty() {
        internet.push("本网站“依申请公开”栏目".to_string());
    }
    guide::put(
        tx,
        actor,
        &Guide {
            org_id: root.id,
            intro: "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》（以下简称《条例》），编制本指南。需要获得长春市残疾人联合会（以下简称市残联）政府信息公开服务的公民、法人或者其他组织，建议阅读本指南。本指南每年更新。".into(),
            classification: "市残联主动公开的政府信息按照《条例》第二十条、第二十一条分类，包括：规范性文件；机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名；残疾人事业发展规划及相关政策；办理对外管理服务事项的依据、条件、程序和结果；财政预算、决算信息；政府集中采购项目；康复、教育、就业、社会保障等方面的政策措施及其实施情况；以及其他依法应当主动公开的信息。依法确定为国家秘密的信息、法律和行政法规禁止公开的信息等不予公开。".into(),
            arrangement: "每条信息标有索引号、名称、内容概述、生成日期、发布机构、文号、主题分类、体裁分类和有效性。索引号由机构代码、年份和五位序号组成，如 ccdpf/2026-00001。信息按“法定主动公开内容”的类别、发布机构、年份、主题分类和体裁编排，可以按这些项目筛选和排序。".into(),
            access_methods: [
                "主动公开：主动公开的政府信息自形成或者变更之日起20个工作日内，在本网站“法定主动公开内容”栏目公开，可在线查阅、下载和订阅，也可以在市残联综合服务大厅查阅。",
                "依申请公开：申请人可以通过本网站“依申请公开”栏目在线提交申请，也可以通过信函或者当面提交书面申请；采用书面形式确有困难的，可以口头提出，由工作人员代为填写。申请内容不明确的，市残联自收到申请之日起7个工作日内一次性告知需要补正的事项。能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复，需要延长的最长不超过20个工作日。申请人存在阅读困难或者视听障碍的，市残联提供必要的帮助。依申请提供政府信息不收取费用，但申请数量、频次明显超过合理范围的，可以依照国家有关规定收取信息处理费。",
                "监督和救济：认为市残联未依法履行政府信息公开义务的，可以向上级行政机关或者政府信息公开工作主管部门投诉、举报；认为在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。",
            ]
            .join("\n"),
            office_name: format!("{}政务公开办公室", root.full_name),
            address: if root.postcode.is_empty() {
                root.address.clone()
            } else {
                format!("{}（邮政编码 {}）", root.address, root.postcode)
            },
            office_hours: root.office_hours.clone(),
            phone: root.phone.clone(),
            fax: root.fax.clone(),
            internet: internet.join("；"),
            ..Default::default()
        },
    )
    .await?;
    let rules = [
        RuleInput {
            title: "中华人民共和国政府信息公开条例".into(),
            doc_number: "国务院令第711号".into(),
            issuer: "国务院".into(),
            issued_on: date(2019, 4, 3),
            summary: "2019年4月3日修订公布，自2019年5月15日起施行。规定主动公开、依申请公开的范围、程序和监督保障。".into(),
            url: "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm".into(),
            sort_order: 10,
            active: true,
        },
        RuleInput {
            title: "政府信息公开信息处理费管理办法".into(),
            doc_number: "国办函〔2020〕109号".into(),
            issuer: "国务院办公厅".into(),
            issued_on: date(2020, 11, 6),
            summary: "申请公开政府信息的数量、频次明显超过合理范围时收取信息处理费的标准和程序。".into(),
            url: String::new(),
            sort_order: 20,
            active: true,
        },
        RuleInput {
            title: "长春市残疾人联合会政府信息公开保密审查制度".into(),
            doc_number: String::new(),
            issuer: "长春市残疾人联合会".into(),
            issued_on: date(2019, 6, 1),
            summary: "拟公开的政府信息经承办人初审、科室负责人审核、保密审查员审查和分管领导审批后方可公开，坚持“先审查、后公开”和“一事一审”；审查记录存档备查。".into(),
            url: String::new(),
            sort_order: 30,
            active: true,
        },
        RuleInput {
            title: "长春市残疾人联合会政府信息主动公开工作制度".into(),
            doc_number: String::new(),
            issuer: "长春市残疾人联合会".into(),
            issued_on: date(2019, 6, 1),
            summary: "属于主动公开范围的政府信息自形成或者变更之日起20个工作日内公开，并及时更新政府信息公开指南和目录；对不予公开的信息定期复审。".into(),
            url: String::new(),
            sort_order: 40,
            active: true,
        },
    ];
    for r in &rules {
        guide::add_rule(tx, actor, root.id, r).await?;
    }
    if let Some(signed_on) = date(2019, 3, 1) {
        registers::add_commitment(
            tx,
            actor,
            &CommitmentInput {
                org_id: root.id,
                user_id: secrecy_user,
                person_name: "演示保密审查员".into(),
                role: "保密审查员".into(),
                signed_on,
                document_ref: "BM-2019-001".into(),
            },
        )
        .await?;
    }
    Ok(())
}
