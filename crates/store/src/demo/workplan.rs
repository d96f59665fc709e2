//! The demo's 2019 work plan and registers (issue #12). The seed report states the plan's title
//! (《长春市残联关于做好2019年政务公开工作的方案》, with goals, tasks and responsible units),
//! the 年报 and 目录指南 updates before 3月31日, training in 业务知识 and 干部队伍建设, and
//! publicity through the media and the service hall. Everything else here — the other tasks,
//! dates, people, sessions, proposals and counts — is ILLUSTRATIVE.
//!
//! The plan has eight tasks of the body (one cascaded to three county federations); seven are
//! done within 2019, so the report's completion rate is 87.5%.

use chrono::NaiveDate;
use std::collections::BTreeMap;

use super::items::Account;
use crate::audit::Actor;
use crate::records::{self, Input};
use crate::workplan::{self, Due, PlanInput, ReportInput, TaskInput};
use crate::{Result, StoreError, Tx};

pub const PLAN_TITLE: &str = "长春市残联关于做好2019年政务公开工作的方案";
/// Top-level tasks of the plan, and those done within 2019.
pub const PLAN_TASKS: i64 = 8;
pub const PLAN_TASKS_DONE: i64 = 7;

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("演示数据日期错误：{s}")))
}

/// (unit code, task, person, basis, due: date or (start, working days), done on).
type DemoTask = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (&'static str, u32),
    Option<&'static str>,
);

const TASKS: &[DemoTask] = &[
    (
        "ccdpf-bgs",
        "3月31日前完成2018年政府信息公开工作年度报告的编制和发布",
        "办公室主任",
        "《中华人民共和国政府信息公开条例》第四十九条",
        ("2019-03-31", 0),
        Some("2019-03-27"),
    ),
    (
        "ccdpf-bgs",
        "3月31日前完成政府信息公开目录和指南的网上更新",
        "办公室主任",
        "《中华人民共和国政府信息公开条例》第十二条",
        ("2019-03-31", 0),
        Some("2019-03-28"),
    ),
    (
        "ccdpf-bgs",
        "印发年度政务公开工作方案，明确工作目标、任务和责任单位",
        "分管副理事长",
        "吉林省2019年政务公开工作要点",
        ("2019-02-18", 20),
        Some("2019-03-08"),
    ),
    (
        "ccdpf-kfb",
        "主动公开康复服务政策和项目信息，自形成之日起20个工作日内发布",
        "康复部部长",
        "《中华人民共和国政府信息公开条例》第二十六条",
        ("2019-12-31", 0),
        Some("2019-12-20"),
    ),
    (
        "ccdpf-xcwhb",
        "加强微信公众号管理，做好重点工作和重要节点的宣传",
        "宣传文化部部长",
        "《政府网站与政务新媒体检查指标》",
        ("2019-12-31", 0),
        Some("2019-12-25"),
    ),
    (
        "ccdpf-xcwhb",
        "向上级网站报送信息，全年报送不少于1000条",
        "宣传文化部部长",
        "长春市政府网站信息报送考核办法",
        ("2019-12-31", 0),
        Some("2019-12-30"),
    ),
    (
        "ccdpf-zzllb",
        "开展政务公开业务知识培训，提高干部队伍业务水平",
        "组织联络部部长",
        "《中华人民共和国政府信息公开条例》第七条",
        ("2019-11-29", 0),
        Some("2019-11-15"),
    ),
    (
        "ccdpf",
        "推进县（市）区残联基层政务公开标准化规范化",
        "分管副理事长",
        "《国务院办公厅关于全面推进基层政务公开标准化规范化工作的指导意见》",
        ("2019-12-31", 0),
        None,
    ),
];

/// County federations the last task is cascaded to, and which of them finished.
const CASCADE: &[(&str, Option<&str>)] = &[
    ("nanguan", Some("2019-11-28")),
    ("kuancheng", None),
    ("chaoyang", Some("2019-12-10")),
];

fn org(orgs: &[(&str, i64)], code: &str) -> Result<i64> {
    orgs.iter()
        .find(|(c, _)| *c == code)
        .map(|(_, id)| *id)
        .ok_or_else(|| StoreError::Invalid(format!("演示数据缺少机构 {code}")))
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

pub(super) async fn load(tx: &mut Tx, orgs: &[(&str, i64)], accounts: &[Account]) -> Result<()> {
    let actor = Actor::system();
    let body = org(orgs, "ccdpf")?;
    let plan = workplan::create_plan(
        tx,
        &actor,
        &PlanInput {
            year: 2019,
            org_id: body,
            title: PLAN_TITLE.into(),
            goals: "以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开；\
                    依法做好政府信息公开申请办理；加强政府网站和政务新媒体建设；\
                    健全监督考核，主动接受社会监督。"
                .into(),
        },
    )
    .await?;
    let mut last = None;
    for (code, title, person, basis, (due, days), done) in TASKS {
        let due = if *days == 0 {
            Due::Date { date: date(due)? }
        } else {
            Due::Workdays {
                start: date(due)?,
                workdays: *days,
            }
        };
        let task = workplan::add_task(
            tx,
            &actor,
            plan.id,
            &TaskInput {
                org_id: org(orgs, code)?,
                title: (*title).into(),
                person: (*person).into(),
                basis: (*basis).into(),
                due,
            },
        )
        .await?;
        if let Some(on) = done {
            workplan::report(
                tx,
                &actor,
                task.id,
                &ReportInput {
                    reported_on: date(on)?,
                    note: "已按方案要求完成。".into(),
                    item_id: None,
                    done: true,
                },
            )
            .await?;
        }
        last = Some(task);
    }
    if let Some(task) = last {
        let counties: Vec<i64> = CASCADE
            .iter()
            .map(|(c, _)| org(orgs, c))
            .collect::<Result<_>>()?;
        let children = workplan::cascade(tx, &actor, task.id, &counties).await?;
        for (child, (_, done)) in children.iter().zip(CASCADE) {
            if let Some(on) = done {
                workplan::report(
                    tx,
                    &actor,
                    child.id,
                    &ReportInput {
                        reported_on: date(on)?,
                        note: "已完成基层政务公开目录梳理并在门户网站公开。".into(),
                        item_id: None,
                        done: true,
                    },
                )
                .await?;
            }
        }
    }

    let user = |name: &str| {
        accounts
            .iter()
            .find(|a| a.username == name)
            .map(|a| a.user_id)
    };
    let staff: Vec<i64> = ["demo-drafter", "demo-head", "demo-secrecy", "demo-office"]
        .into_iter()
        .filter_map(user)
        .collect();
    for (on, title, category, outsiders, materials) in [
        (
            "2019-05-10",
            "新修订《中华人民共和国政府信息公开条例》解读培训",
            "business",
            "32",
            "新修订《政府信息公开条例》逐条解读（讲义）",
        ),
        (
            "2019-11-15",
            "政务公开保密审查和干部队伍业务能力培训",
            "team",
            "16",
            "政府信息公开保密审查要点（课件）",
        ),
    ] {
        records::create(
            tx,
            &actor,
            &records::TRAINING,
            &Input {
                org_id: body,
                values: values(&[
                    ("held_on", on),
                    ("title", title),
                    ("category", category),
                    ("outsiders", outsiders),
                    ("materials", materials),
                ]),
                participants: staff.clone(),
            },
        )
        .await?;
    }
    for (kind, number, title, role, received, replied, satisfaction, disclosable) in [
        (
            "npc",
            "第0156号",
            "关于加快推进残疾人康复服务机构建设的建议",
            "lead",
            "2019-03-20",
            "2019-06-14",
            "satisfied",
            "yes",
        ),
        (
            "npc",
            "第0231号",
            "关于提高残疾人就业保障水平的建议",
            "co",
            "2019-03-20",
            "2019-06-20",
            "basically",
            "no",
        ),
        (
            "cppcc",
            "第0089号",
            "关于完善城市无障碍环境建设的提案",
            "lead",
            "2019-03-25",
            "2019-06-18",
            "satisfied",
            "yes",
        ),
    ] {
        records::create(
            tx,
            &actor,
            &records::PROPOSALS,
            &Input {
                org_id: org(orgs, "ccdpf-kfb")?,
                values: values(&[
                    ("kind", kind),
                    ("number", number),
                    ("title", title),
                    ("role", role),
                    ("received_on", received),
                    ("due_on", "2019-06-30"),
                    ("replied_on", replied),
                    (
                        "reply",
                        "经认真研究，我会已会同有关部门制定工作措施，逐项推进落实。",
                    ),
                    ("satisfaction", satisfaction),
                    ("disclosable", disclosable),
                ]),
                participants: Vec::new(),
            },
        )
        .await?;
    }
    for (kind, on, title, pieces, audience) in [
        (
            "press",
            "2019-05-16",
            "第二十九次全国助残日新闻发布会",
            "1",
            "60",
        ),
        (
            "event",
            "2019-05-19",
            "全国助残日政务公开宣传活动",
            "1",
            "500",
        ),
        (
            "media",
            "2019-12-31",
            "各大新闻媒体刊发残联工作宣传稿件",
            "48",
            "0",
        ),
    ] {
        records::create(
            tx,
            &actor,
            &records::PUBLICITY,
            &Input {
                org_id: body,
                values: values(&[
                    ("kind", kind),
                    ("held_on", on),
                    ("title", title),
                    ("pieces", pieces),
                    ("audience", audience),
                ]),
                participants: Vec::new(),
            },
        )
        .await?;
    }
    records::create(
        tx,
        &actor,
        &records::ASSESSMENTS,
        &Input {
            org_id: body,
            values: values(&[
                ("kind", "assessment"),
                ("held_on", "2019-12-20"),
                ("title", "2019年度机关各部室政务公开工作考核"),
                ("result", "各部室均完成年度政务公开工作任务。"),
            ]),
            participants: Vec::new(),
        },
    )
    .await?;
    Ok(())
}
