//! Default vocabularies of the disclosure catalog (REG §4.2, §1.4) and the fixed value sets that
//! carry rules (公开属性, 有效性, 涉密状态).
//!
//! **Rule.** 主题分类, 体裁分类 and the 公开目录 categories are administrator-editable; these are the
//! defaults a deployment is seeded with. The 公开目录 defaults are the 法定主动公开内容 of 条例
//! Art. 20 (一)–(十五), in the exact wording of REG §1.4, and the Art. 21 matters for 设区的市 and
//! county governments. 公开属性 and 有效性 drive rules (only 主动公开 items are published; 失效/废止
//! need a date and are marked on the public page), so they are enums, not editable lists.

use serde::{Deserialize, Serialize};

/// An editable vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VocabKind {
    /// 主题分类
    Topic,
    /// 体裁分类
    Genre,
    /// 公开目录 / 信息类别
    Catalog,
}

impl VocabKind {
    pub const ALL: [VocabKind; 3] = [VocabKind::Topic, VocabKind::Genre, VocabKind::Catalog];

    pub fn code(self) -> &'static str {
        match self {
            VocabKind::Topic => "topic",
            VocabKind::Genre => "genre",
            VocabKind::Catalog => "catalog",
        }
    }

    pub fn from_code(code: &str) -> Option<VocabKind> {
        VocabKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            VocabKind::Topic => "主题分类",
            VocabKind::Genre => "体裁分类",
            VocabKind::Catalog => "公开目录",
        }
    }
}

/// One default entry: stable code, Chinese label, and the group it is shown under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: VocabKind,
    pub code: &'static str,
    pub label: &'static str,
    pub group: &'static str,
}

const ART20: &str = "法定主动公开内容（条例第二十条）";
const ART21: &str = "法定主动公开内容（条例第二十一条）";

/// 条例 Art. 20 (一)–(十五), wording of REG §1.4.
pub const ART20_ITEMS: [&str; 15] = [
    "（一）行政法规、规章和规范性文件",
    "（二）机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名",
    "（三）国民经济和社会发展规划、专项规划、区域规划及相关政策",
    "（四）国民经济和社会发展统计信息",
    "（五）办理行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果",
    "（六）实施行政处罚、行政强制的依据、条件、程序以及本行政机关认为具有一定社会影响的行政处罚决定",
    "（七）财政预算、决算信息",
    "（八）行政事业性收费项目及其依据、标准",
    "（九）政府集中采购项目的目录、标准及实施情况",
    "（十）重大建设项目的批准和实施情况",
    "（十一）扶贫、教育、医疗、社会保障、促进就业等方面的政策、措施及其实施情况",
    "（十二）突发公共事件的应急预案、预警信息及应对情况",
    "（十三）环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况",
    "（十四）公务员招考的职位、名额、报考条件等事项以及录用结果",
    "（十五）法律、法规、规章和国家有关规定规定应当主动公开的其他政府信息",
];

/// 条例 Art. 21 matters (REG §1.4).
pub const ART21_ITEMS: [&str; 7] = [
    "市政建设",
    "公共服务",
    "公益事业",
    "土地征收",
    "房屋征收",
    "治安管理",
    "社会救助",
];

const ART20_CODES: [&str; 15] = [
    "art20-01", "art20-02", "art20-03", "art20-04", "art20-05", "art20-06", "art20-07", "art20-08",
    "art20-09", "art20-10", "art20-11", "art20-12", "art20-13", "art20-14", "art20-15",
];
const ART21_CODES: [&str; 7] = [
    "art21-01", "art21-02", "art21-03", "art21-04", "art21-05", "art21-06", "art21-07",
];

/// 《党政机关公文处理工作条例》 Art. 8 (REG §4.2): the 15 公文 types, then local non-公文 genres.
const GENRES: [(&str, &str, &str); 18] = [
    ("resolution", "决议", "公文"),
    ("decision", "决定", "公文"),
    ("order", "命令（令）", "公文"),
    ("communique", "公报", "公文"),
    ("announcement", "公告", "公文"),
    ("public-notice", "通告", "公文"),
    ("opinion", "意见", "公文"),
    ("notice", "通知", "公文"),
    ("circular", "通报", "公文"),
    ("report", "报告", "公文"),
    ("request", "请示", "公文"),
    ("reply", "批复", "公文"),
    ("motion", "议案", "公文"),
    ("letter", "函", "公文"),
    ("minutes", "纪要", "公文"),
    ("annual-report", "年报", "非公文"),
    ("service-guide", "办事指南", "非公文"),
    ("statistics", "统计数据", "非公文"),
];

/// A starting 主题分类 set in the gov.cn two-level style (REG §4.2: the national taxonomy is
/// UNVERIFIED, so this is only a seed for administrators to edit).
const TOPICS: [(&str, &str, &str); 8] = [
    ("general-disclosure", "综合政务\\政务公开", "综合政务"),
    ("general-other", "综合政务\\其他", "综合政务"),
    (
        "finance-budget",
        "财政、金融、审计\\财政",
        "财政、金融、审计",
    ),
    (
        "labour-social",
        "劳动、人事、监察\\社会保障",
        "劳动、人事、监察",
    ),
    (
        "civil-affairs",
        "民政、扶贫、救灾\\残疾人",
        "民政、扶贫、救灾",
    ),
    ("health", "卫生、体育\\卫生", "卫生、体育"),
    ("education", "科技、教育\\教育", "科技、教育"),
    (
        "urban-rural",
        "城乡建设、环境保护\\城乡建设",
        "城乡建设、环境保护",
    ),
];

/// Every default entry, in display order.
pub fn defaults() -> Vec<Entry> {
    let mut out = Vec::new();
    for (code, label) in ART20_CODES.iter().zip(ART20_ITEMS) {
        out.push(Entry {
            kind: VocabKind::Catalog,
            code,
            label,
            group: ART20,
        });
    }
    for (code, label) in ART21_CODES.iter().zip(ART21_ITEMS) {
        out.push(Entry {
            kind: VocabKind::Catalog,
            code,
            label,
            group: ART21,
        });
    }
    for (code, label, group) in GENRES {
        out.push(Entry {
            kind: VocabKind::Genre,
            code,
            label,
            group,
        });
    }
    for (code, label, group) in TOPICS {
        out.push(Entry {
            kind: VocabKind::Topic,
            code,
            label,
            group,
        });
    }
    out
}

/// 公开属性 (REG §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// 主动公开: the only attribute that is published on the portal.
    Proactive,
    /// 依申请公开
    OnApplication,
    /// 不予公开
    Withheld,
}

impl Disclosure {
    pub const ALL: [Disclosure; 3] = [
        Disclosure::Proactive,
        Disclosure::OnApplication,
        Disclosure::Withheld,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Disclosure::Proactive => "proactive",
            Disclosure::OnApplication => "on_application",
            Disclosure::Withheld => "withheld",
        }
    }
    pub fn from_code(code: &str) -> Option<Disclosure> {
        Disclosure::ALL.into_iter().find(|k| k.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Disclosure::Proactive => "主动公开",
            Disclosure::OnApplication => "依申请公开",
            Disclosure::Withheld => "不予公开",
        }
    }
}

/// 有效性 (REG §4.2; 《政府网站发展指引》: changes are marked on the published original).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    Valid,
    /// 失效
    Expired,
    /// 废止
    Repealed,
}

impl Validity {
    pub const ALL: [Validity; 3] = [Validity::Valid, Validity::Expired, Validity::Repealed];
    pub fn code(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Expired => "expired",
            Validity::Repealed => "repealed",
        }
    }
    pub fn from_code(code: &str) -> Option<Validity> {
        Validity::ALL.into_iter().find(|k| k.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Validity::Valid => "有效",
            Validity::Expired => "失效",
            Validity::Repealed => "废止",
        }
    }
    /// 失效 and 废止 need the date they took effect.
    pub fn needs_date(self) -> bool {
        self != Validity::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn art20_has_fifteen_items_in_order_with_reg_wording() {
        let cats: Vec<Entry> = defaults()
            .into_iter()
            .filter(|e| e.kind == VocabKind::Catalog && e.group == ART20)
            .collect();
        assert_eq!(cats.len(), 15);
        let numerals = [
            "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三",
            "十四", "十五",
        ];
        for (e, n) in cats.iter().zip(numerals) {
            assert!(e.label.starts_with(&format!("（{n}）")), "{}", e.label);
        }
        // Spot-check against REG §1.4 text.
        assert!(cats[6].label.ends_with("财政预算、决算信息"));
        assert_eq!(ART21_ITEMS.len(), 7);
    }

    #[test]
    fn codes_unique_per_kind_and_genres_include_all_official_types() {
        let mut seen = HashSet::new();
        for e in defaults() {
            assert!(seen.insert((e.kind, e.code)), "{}", e.code);
            assert!(!e.label.is_empty());
        }
        let official: Vec<&str> = defaults()
            .into_iter()
            .filter(|e| e.kind == VocabKind::Genre && e.group == "公文")
            .map(|e| e.label)
            .collect();
        assert_eq!(official.len(), 15);
        for k in VocabKind::ALL {
            assert_eq!(VocabKind::from_code(k.code()), Some(k));
        }
        for d in Disclosure::ALL {
            assert_eq!(Disclosure::from_code(d.code()), Some(d));
        }
        for v in Validity::ALL {
            assert_eq!(Validity::from_code(v.code()), Some(v));
        }
    }
}
