//! The national annual-report format, 国办公开办函〔2021〕30号 (REG §2.2–2.6), as data: section
//! headings, every table label with its exact full-width punctuation, and the machine keys of
//! REG §2.4–2.6. The 2019 trial format (国办公开办函〔2019〕60号, REG §2.8) differs only where
//! noted; the importer reads both.

/// The six canonical section headings (REG §2.2), in order.
pub const SECTIONS: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// Sub-parts of section 一 (REG §2.2; the verified wording of the 2021 format's item （一）).
pub const OVERVIEW_PARTS: [&str; 5] = [
    "（一）主动公开",
    "（二）依申请公开",
    "（三）政府信息管理",
    "（四）政府信息公开平台建设",
    "（五）监督保障",
];

/// Heading variants seen in real reports (REG §2.2), accepted by the importer.
pub const SECTION_VARIANTS: [(&str, usize); 4] = [
    ("五、政府信息公开工作存在的主要问题及改进情况", 4),
    ("五、存在的主要问题和改进情况", 4),
    ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", 3),
    ("四、政府信息公开行政复议、行政诉讼情况", 3),
];

// ---- Table 二 (REG §2.4) ----

pub const T2_CAPTION: &str = "主动公开政府信息情况";
pub const T2_ART1: &str = "第二十条第（一）项";
pub const T2_ART5: &str = "第二十条第（五）项";
pub const T2_ART6: &str = "第二十条第（六）项";
pub const T2_ART8: &str = "第二十条第（八）项";
pub const T2_CONTENT: &str = "信息内容";
pub const T2_MADE: &str = "本年制发件数";
pub const T2_REPEALED: &str = "本年废止件数";
pub const T2_VALID: &str = "现行有效件数";
pub const T2_DECISIONS: &str = "本年处理决定数量";
pub const T2_FEES: &str = "本年收费金额（单位：万元）";
pub const T2_REGULATIONS: &str = "规章";
pub const T2_NORMATIVE: &str = "行政规范性文件";
pub const T2_LICENSING: &str = "行政许可";
pub const T2_PENALTY: &str = "行政处罚";
pub const T2_COERCION: &str = "行政强制";
pub const T2_ADMIN_FEES: &str = "行政事业性收费";
/// 2019 trial format markers (REG §2.8).
pub const T2_2019_MADE: &str = "本年新制作数量";
pub const T2_2019_NORMATIVE: &str = "规范性文件";

// ---- Table 三 (REG §2.5) ----

pub const T3_CAPTION: &str = "收到和处理政府信息公开申请情况";
pub const T3_CORNER: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";
pub const T3_APPLICANTS: &str = "申请人情况";
pub const T3_LEGAL_PERSONS: &str = "法人或其他组织";

/// The seven columns, in order, with their JSON keys. Columns 2–6 sit under 法人或其他组织.
pub const T3_COLUMNS: [(&str, &str); 7] = [
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("social_welfare_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
];
/// Index of the 总计 column.
pub const TOTAL: usize = 6;

/// Result groups of 三、本年度办理结果 with their sub-rows (key, label). Groups with one row
/// have the label on the group itself (colspan 2).
pub const T3_RESULT_HEADING: &str = "三、本年度办理结果";

/// The 25 data rows of table 三 in order: (JSON path, label, group label or "" for none).
/// Row indices are used by [`crate::figures::Table3`].
pub const T3_ROWS: [(&str, &str, &str); 25] = [
    ("new_received", "一、本年新收政府信息公开申请数量", ""),
    ("carried_over_in", "二、上年结转政府信息公开申请数量", ""),
    ("granted", "（一）予以公开", T3_RESULT_HEADING),
    (
        "partially_granted",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        T3_RESULT_HEADING,
    ),
    ("denied.state_secret", "1.属于国家秘密", "（三）不予公开"),
    (
        "denied.prohibited_by_law",
        "2.其他法律行政法规禁止公开",
        "（三）不予公开",
    ),
    (
        "denied.security_stability",
        "3.危及“三安全一稳定”",
        "（三）不予公开",
    ),
    (
        "denied.third_party",
        "4.保护第三方合法权益",
        "（三）不予公开",
    ),
    (
        "denied.internal_affairs",
        "5.属于三类内部事务信息",
        "（三）不予公开",
    ),
    (
        "denied.process_info",
        "6.属于四类过程性信息",
        "（三）不予公开",
    ),
    (
        "denied.enforcement_file",
        "7.属于行政执法案卷",
        "（三）不予公开",
    ),
    ("denied.admin_query", "8.属于行政查询事项", "（三）不予公开"),
    (
        "unable.not_held",
        "1.本机关不掌握相关政府信息",
        "（四）无法提供",
    ),
    (
        "unable.needs_creation",
        "2.没有现成信息需要另行制作",
        "（四）无法提供",
    ),
    (
        "unable.still_unclear",
        "3.补正后申请内容仍不明确",
        "（四）无法提供",
    ),
    (
        "not_processed.petition_complaint",
        "1.信访举报投诉类申请",
        "（五）不予处理",
    ),
    ("not_processed.repeat", "2.重复申请", "（五）不予处理"),
    (
        "not_processed.publication",
        "3.要求提供公开出版物",
        "（五）不予处理",
    ),
    (
        "not_processed.mass_repeat",
        "4.无正当理由大量反复申请",
        "（五）不予处理",
    ),
    (
        "not_processed.confirm_reissue",
        "5.要求行政机关确认或重新出具已获取信息",
        "（五）不予处理",
    ),
    (
        "other.no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "（六）其他处理",
    ),
    (
        "other.fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "（六）其他处理",
    ),
    ("other.other", "3.其他", "（六）其他处理"),
    ("processed_total", "（七）总计", T3_RESULT_HEADING),
    ("carried_over_out", "四、结转下年度继续办理", ""),
];
pub const NEW_RECEIVED: usize = 0;
pub const CARRIED_IN: usize = 1;
/// First and last (inclusive) outcome rows, （一） to （六）3.
pub const FIRST_OUTCOME: usize = 2;
pub const LAST_OUTCOME: usize = 22;
pub const PROCESSED_TOTAL: usize = 23;
pub const CARRIED_OUT: usize = 24;
/// The 2019 trial format's single （六） row (REG §2.8), mapped to `other.other` on import.
pub const T3_2019_OTHER: &str = "（六）其他处理";

// ---- Table 四 (REG §2.6) ----

pub const T4_CAPTION: &str = "政府信息公开行政复议、行政诉讼情况";
pub const T4_REVIEW: &str = "行政复议";
pub const T4_LITIGATION: &str = "行政诉讼";
pub const T4_DIRECT: &str = "未经复议直接起诉";
pub const T4_AFTER_REVIEW: &str = "复议后起诉";
/// (JSON key, label) of the five result columns of each group.
pub const T4_RESULTS: [(&str, &str); 5] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
];
/// JSON keys of the three groups.
pub const T4_GROUPS: [&str; 3] = ["review", "litigation_direct", "litigation_after_review"];
