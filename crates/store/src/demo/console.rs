//! Demo data of the items console (issue #4): the 政府信息公开指南 with the Art. 12 fields, the
//! 政府信息公开制度 list, and the 保密承诺书 register — created through the real store functions.

use chrono::NaiveDate;

use crate::Result;
use crate::Tx;
use crate::audit::Actor;
use crate::guide::{self, Guide, RuleInput};
use crate::items::registers::{self, CommitmentInput};

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Loads the guide, the rule documents and the commitments of the body `root`.
pub(super) async fn load(
    tx: &mut Tx,
    actor: &Actor,
    root: i64,
    secrecy_user: Option<i64>,
) -> Result<()> {
    guide::put(
        tx,
        actor,
        &Guide {
            org_id: root,
            intro: "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。需要获得长春市残疾人联合会（以下简称市残联）政府信息公开服务的公民、法人或者其他组织，建议阅读本指南。本指南每年更新。".into(),
            classification: "市残联主动公开的政府信息按照《条例》第二十条、第二十一条分类，包括：规范性文件；机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名；残疾人事业发展规划及相关政策；办理对外管理服务事项的依据、条件、程序和结果；财政预算、决算信息；政府集中采购项目；康复、教育、就业、社会保障等方面的政策措施及其实施情况；以及其他依法应当主动公开的信息。".into(),
            arrangement: "每条信息标有索引号、名称、内容概述、生成日期、发布机构、文号、主题分类、体裁分类和有效性。索引号由机构代码、年份和五位序号组成，如 ccdpf/2026-00001。信息按“法定主动公开内容”的类别、发布机构、年份、主题分类和体裁编排，可以按这些项目筛选和排序。".into(),
            access_methods: "主动公开的信息自形成或者变更之日起20个工作日内在本网站“法定主动公开内容”栏目公开，可在线查阅、下载和订阅，也可以在市残联综合服务大厅查阅。\n需要获取其他政府信息的，可以通过本网站“依申请公开”栏目在线提交申请，也可以通过信函或者当面提交书面申请；采用书面形式确有困难的，可以口头提出，由工作人员代为填写。市残联在收到申请之日起20个工作日内答复；申请人存在阅读困难或者视听障碍的，市残联提供必要的帮助。".into(),
            office_name: "长春市残疾人联合会政务公开办公室".into(),
            address: "吉林省长春市朝阳区西安大路 1 号".into(),
            office_hours: "工作日 8:30—11:30，13:30—16:30（法定节假日除外）".into(),
            phone: "0431-80000000".into(),
            fax: "0431-80000001".into(),
            internet: "网站：本网站“依申请公开”栏目；电子邮箱：gongkai@example.gov.cn".into(),
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
        guide::add_rule(tx, actor, r).await?;
    }
    if let Some(signed_on) = date(2019, 3, 1) {
        registers::add_commitment(
            tx,
            actor,
            &CommitmentInput {
                org_id: root,
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
