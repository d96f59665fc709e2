//! The four registers of issue #12 as data: their tables (migration 0020) and fields.

use super::{Cell, Cells, Errors, Field, FieldType, Kind};

const fn field(
    name: &'static str,
    label: &'static str,
    ty: FieldType,
    required: bool,
    hint: &'static str,
    listed: bool,
) -> Field {
    Field {
        name,
        label,
        ty,
        required,
        hint,
        listed,
    }
}

fn no_check(_: &Cells) -> Errors {
    Vec::new()
}

fn text<'a>(cells: &'a Cells, name: &str) -> &'a str {
    match cells.get(name) {
        Some(Cell::S(Some(s))) => s.as_str(),
        _ => "",
    }
}

pub const TRAINING_CATEGORIES: &[(&str, &str)] = &[
    ("business", "业务知识培训"),
    ("team", "干部队伍建设"),
    ("secrecy", "保密培训"),
];

/// 业务培训: session, date, participants (users and a number of outsiders), topic, materials.
pub static TRAINING: Kind = Kind {
    code: "training",
    table: "training_sessions",
    object_type: "training_session",
    label: "业务培训",
    noun: "培训",
    fields: &[
        field(
            "held_on",
            "培训日期",
            FieldType::Date,
            true,
            "例如 2019-05-16",
            true,
        ),
        field(
            "title",
            "培训主题",
            FieldType::Line,
            true,
            "例如 新修订《政府信息公开条例》解读",
            true,
        ),
        field(
            "category",
            "培训类别",
            FieldType::Choice(TRAINING_CATEGORIES),
            true,
            "",
            true,
        ),
        field(
            "outsiders",
            "其他参训人数",
            FieldType::Count,
            false,
            "不在本系统用户名单中的参训人员人数，例如县（市）区残联工作人员",
            true,
        ),
        field(
            "materials",
            "培训材料",
            FieldType::Text,
            false,
            "讲义、课件名称或链接，每行一项",
            false,
        ),
        field("notes", "备注", FieldType::Text, false, "", false),
    ],
    year_field: "held_on",
    title_field: "title",
    filter_field: Some("category"),
    participants: true,
    item_link: false,
    check: no_check,
};

pub const ASSESSMENT_KINDS: &[(&str, &str)] = &[
    ("assessment", "考核"),
    ("evaluation", "社会评议"),
    ("accountability", "责任追究"),
];

/// 考核、社会评议、责任追究 (REG §1.6 Art. 50(四)).
pub static ASSESSMENTS: Kind = Kind {
    code: "assessments",
    table: "assessment_records",
    object_type: "assessment_record",
    label: "考核评议与责任追究",
    noun: "考核评议",
    fields: &[
        field(
            "kind",
            "类别",
            FieldType::Choice(ASSESSMENT_KINDS),
            true,
            "",
            true,
        ),
        field(
            "held_on",
            "日期",
            FieldType::Date,
            true,
            "例如 2019-12-20",
            true,
        ),
        field(
            "title",
            "事项",
            FieldType::Line,
            true,
            "例如 2019年度政务公开工作考核",
            true,
        ),
        field(
            "result",
            "结果",
            FieldType::Text,
            false,
            "考核等次、评议结论或追究决定",
            false,
        ),
        field(
            "cases",
            "追究人数",
            FieldType::Count,
            false,
            "责任追究涉及的人数；其他类别填 0",
            true,
        ),
        field("notes", "备注", FieldType::Text, false, "", false),
    ],
    year_field: "held_on",
    title_field: "title",
    filter_field: Some("kind"),
    participants: false,
    item_link: false,
    check: no_check,
};

pub const PROPOSAL_KINDS: &[(&str, &str)] = &[("npc", "人大代表建议"), ("cppcc", "政协提案")];
pub const PROPOSAL_ROLES: &[(&str, &str)] = &[("lead", "主办"), ("co", "协办")];
pub const SATISFACTION: &[(&str, &str)] = &[
    ("satisfied", "满意"),
    ("basically", "基本满意"),
    ("unsatisfied", "不满意"),
];
pub const DISCLOSABLE: &[(&str, &str)] = &[("yes", "可以公开"), ("no", "不予公开")];

fn proposal_check(cells: &Cells) -> Errors {
    let mut e = Vec::new();
    let received = text(cells, "received_on");
    let replied = text(cells, "replied_on");
    let due = text(cells, "due_on");
    if !due.is_empty() && due < received {
        e.push(("due_on", "办理期限不能早于交办日期".to_string()));
    }
    if !replied.is_empty() && replied < received {
        e.push(("replied_on", "答复日期不能早于交办日期".to_string()));
    }
    if !replied.is_empty() && text(cells, "reply").is_empty() {
        e.push(("reply", "已填写答复日期，请填写答复内容".to_string()));
    }
    if replied.is_empty() && !text(cells, "satisfaction").is_empty() {
        e.push(("satisfaction", "尚未答复，不能填写满意度".to_string()));
    }
    e
}

/// 人大代表建议、政协提案办理.
pub static PROPOSALS: Kind = Kind {
    code: "proposals",
    table: "proposals",
    object_type: "proposal",
    label: "建议提案办理",
    noun: "建议提案",
    fields: &[
        field(
            "kind",
            "类别",
            FieldType::Choice(PROPOSAL_KINDS),
            true,
            "",
            true,
        ),
        field(
            "number",
            "编号",
            FieldType::Line,
            true,
            "交办文件上的编号，例如 第0123号",
            true,
        ),
        field("title", "标题", FieldType::Line, true, "", true),
        field(
            "role",
            "办理方式",
            FieldType::Choice(PROPOSAL_ROLES),
            true,
            "",
            true,
        ),
        field(
            "co_units",
            "主办或协办单位",
            FieldType::Line,
            false,
            "本单位主办时填写协办单位，协办时填写主办单位",
            false,
        ),
        field(
            "received_on",
            "交办日期",
            FieldType::Date,
            true,
            "例如 2019-03-15",
            false,
        ),
        field("due_on", "办理期限", FieldType::Date, false, "", true),
        field("replied_on", "答复日期", FieldType::Date, false, "", true),
        field("reply", "答复内容", FieldType::Text, false, "", false),
        field(
            "satisfaction",
            "代表委员满意度",
            FieldType::Choice(SATISFACTION),
            false,
            "答复后填写",
            true,
        ),
        field(
            "disclosable",
            "答复能否公开",
            FieldType::Choice(DISCLOSABLE),
            false,
            "可以公开的答复可转为待审核的信息草稿",
            false,
        ),
    ],
    year_field: "received_on",
    title_field: "title",
    filter_field: Some("kind"),
    participants: false,
    item_link: true,
    check: proposal_check,
};

pub const PUBLICITY_KINDS: &[(&str, &str)] = &[
    ("media", "媒体宣传稿件"),
    ("press", "新闻发布会"),
    ("event", "宣传活动"),
];

/// 政务公开宣传: media releases, press conferences, events, with counts.
pub static PUBLICITY: Kind = Kind {
    code: "publicity",
    table: "publicity_activities",
    object_type: "publicity_activity",
    label: "宣传活动",
    noun: "宣传活动",
    fields: &[
        field(
            "kind",
            "类别",
            FieldType::Choice(PUBLICITY_KINDS),
            true,
            "",
            true,
        ),
        field(
            "held_on",
            "日期",
            FieldType::Date,
            true,
            "例如 2019-05-19",
            true,
        ),
        field(
            "title",
            "名称",
            FieldType::Line,
            true,
            "例如 全国助残日政务公开宣传",
            true,
        ),
        field(
            "pieces",
            "数量",
            FieldType::Count,
            true,
            "稿件篇数、发布会场次或活动场次",
            true,
        ),
        field(
            "audience",
            "参与人数",
            FieldType::Count,
            false,
            "现场参与或受众人数，不详填 0",
            true,
        ),
        field("notes", "备注", FieldType::Text, false, "", false),
    ],
    year_field: "held_on",
    title_field: "title",
    filter_field: Some("kind"),
    participants: false,
    item_link: false,
    check: no_check,
};

/// Every register, in menu order.
pub static KINDS: [&Kind; 4] = [&TRAINING, &ASSESSMENTS, &PROPOSALS, &PUBLICITY];
