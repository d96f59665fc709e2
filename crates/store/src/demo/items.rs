//! Demo information items (issue #4): about thirty published items of 长春市残联 across the
//! 公开目录 categories (条例 Arts. 20 and 21), organisations (本级, 部室, 直属单位, counties) and
//! 2018–2019, plus the states the console must show: 失效 items with their replacing document,
//! withdrawn items with a reason, one scheduled publication, items waiting at each review step,
//! overdue drafts for the Art. 26 dashboard, and one draft with a planted resident ID number
//! that the scanner gate stops (先审查、后公开, REG §5.4–§5.5).
//!
//! ILLUSTRATIVE: titles, 文号, summaries and bodies are plausible examples written for the demo,
//! NOT real documents of 长春市残联; every body says so.
//!
//! Rule: every item goes through the real store API — create → submit → 审核 → 保密审查表 →
//! 审批 → publish — so the review records, scanner findings, deadlines, timeline and audit chain
//! are those of a real deployment. Published items are back-dated to their 2018–2019 发布日期 with
//! the demo-only `publish_as_of` (the same gate and 索引号 counter as `publish`); withdrawal, 失效
//! and scheduling use today's clock. Drafts and items in review are dated relative to today, so
//! the Art. 26 dashboard always shows some overdue (生成日期 more than 20 working days ago) and
//! some running clocks.

use chrono::{Duration, NaiveDate};
use gongkai_core::auth::Role;
use gongkai_core::items::{Capabilities, Check, Disclosure, ReviewChecks, State, Validity};

use crate::audit::Actor;
use crate::items::publish::{self, ValidityChange};
use crate::items::review::{self, Conclusion, ConfidentialityForm};
use crate::items::{self as store_items, Content, Metadata};
use crate::{Result, StoreError, Tx, now_ms, on_tx};

/// What happens to a demo item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoFate {
    /// Published on this date (YYYY-MM-DD, China Standard Time).
    Published(&'static str),
    /// Published, later marked 失效 on `expired_on`, replaced by the item titled `replaced_by`.
    Expired {
        published: &'static str,
        expired_on: &'static str,
        replaced_by: &'static str,
    },
    /// Published, then withdrawn with this reason.
    Withdrawn {
        published: &'static str,
        reason: &'static str,
    },
    /// Approved and scheduled for publication this many days from now.
    Scheduled { days_ahead: i64 },
    /// Formed this many days ago and left at `stage` (draft or a review step).
    InProgress { stage: State, formed_days_ago: i64 },
    /// A draft formed this many days ago whose body holds [`planted_resident_id`].
    PlantedId { formed_days_ago: i64 },
}

/// One demo item (ILLUSTRATIVE content).
#[derive(Debug, Clone, Copy)]
pub struct DemoItem {
    /// Organisation code (see the organisation tables of the demo).
    pub org: &'static str,
    /// 公开目录 code.
    pub catalog: &'static str,
    pub topic: &'static str,
    pub genre: &'static str,
    /// 文号 (empty for non-公文).
    pub doc_number: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub keywords: &'static str,
    /// Main points (a list in the body).
    pub points: &'static [&'static str],
    /// Key facts (a two-column table in the body; may be empty).
    pub table: &'static [(&'static str, &'static str)],
    pub fate: DemoFate,
}

/// A demo account, as created by the loader.
pub(super) struct Account {
    pub username: &'static str,
    pub user_id: i64,
    pub role: Role,
    pub org_id: i64,
}

/// The planted resident ID number: 220102 (长春市南关区) + 1980-01-01 + sequence 123 + the
/// MOD 11-2 check character computed by core (REG §6.1), so it is VALID and the scanner must
/// report it as blocking. A made-up number for the demo.
pub fn planted_resident_id() -> String {
    let first17 = "22010219800101123";
    let check = gongkai_core::ids::resident::check_char(first17.as_bytes())
        .map(char::from)
        .unwrap_or('0');
    format!("{first17}{check}")
}

const KFB: &str = "ccdpf-kfb";

/// The demo items, ILLUSTRATIVE (not real documents).
pub const DEMO_ITEMS: &[DemoItem] = &[
    // ---- 2018 -------------------------------------------------------------------------------
    DemoItem {
        org: "ccdpf",
        catalog: "art20-02",
        topic: "general-disclosure",
        genre: "",
        doc_number: "",
        title: "长春市残疾人联合会机构职能",
        summary: "市残联的主要职责、内设机构、办公地址、办公时间和联系方式。",
        keywords: "机构职能 联系方式",
        points: &[
            "代表残疾人共同利益，维护残疾人合法权益",
            "团结教育残疾人，为残疾人服务",
            "承担市政府残疾人工作委员会的日常工作",
        ],
        table: &[
            ("办公地址", "长春市大经路1898号"),
            ("邮政编码", "130042"),
            ("联系电话", "0431-88651548"),
        ],
        fate: DemoFate::Expired {
            published: "2018-01-15",
            expired_on: "2019-01-10",
            replaced_by: "长春市残疾人联合会机构职能（2019年更新）",
        },
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-07",
        topic: "finance-budget",
        genre: "report",
        doc_number: "",
        title: "长春市残疾人联合会2018年部门预算",
        summary: "2018年部门收支预算总表、一般公共预算支出表及“三公”经费预算情况说明。",
        keywords: "部门预算 三公经费",
        points: &[
            "收支总预算按照统筹兼顾、保障重点的原则编制",
            "一般公共预算支出主要用于残疾人康复、教育、就业和社会保障",
            "“三公”经费预算比上年有所下降",
        ],
        table: &[
            ("收入预算", "按财政批复数编列"),
            ("支出预算", "基本支出与项目支出分列"),
        ],
        fate: DemoFate::Published("2018-02-09"),
    },
    DemoItem {
        org: KFB,
        catalog: "art20-11",
        topic: "health",
        genre: "notice",
        doc_number: "长残联发〔2018〕5号",
        title: "关于做好2018年残疾儿童康复救助工作的通知",
        summary: "明确2018年0—6岁残疾儿童康复救助的对象、标准、定点机构和申请程序。",
        keywords: "康复救助 残疾儿童",
        points: &[
            "救助对象为本市户籍0—6岁视力、听力、言语、肢体、智力残疾儿童和孤独症儿童",
            "经县（市）区残联审核后在定点康复机构接受训练",
            "救助资金按月结算，不得向家长另行收费",
        ],
        table: &[
            ("申请地点", "户籍所在地县（市）区残联"),
            ("办理时限", "受理后15个工作日内审核"),
        ],
        fate: DemoFate::Expired {
            published: "2018-03-20",
            expired_on: "2019-03-01",
            replaced_by: "关于做好2019年残疾儿童康复救助工作的通知",
        },
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-01",
        topic: "civil-affairs",
        genre: "notice",
        doc_number: "长残联发〔2018〕9号",
        title: "长春市困难残疾人生活补贴和重度残疾人护理补贴实施办法",
        summary: "规定残疾人两项补贴的对象、标准、申请审核程序和资金发放方式。",
        keywords: "两项补贴 生活补贴 护理补贴",
        points: &[
            "生活补贴对象为低保家庭中的残疾人",
            "护理补贴对象为残疾等级被评定为一级、二级且需要长期照护的重度残疾人",
            "补贴资金按月以社会化方式发放",
        ],
        table: &[
            ("申请方式", "本人或委托人向户籍所在地乡镇（街道）提出"),
            ("审核", "县级残联会同民政部门审核"),
        ],
        fate: DemoFate::Expired {
            published: "2018-04-16",
            expired_on: "2019-03-25",
            replaced_by: "关于调整困难残疾人生活补贴和重度残疾人护理补贴标准的通知",
        },
    },
    DemoItem {
        org: "ccdpf-jyjyb",
        catalog: "art20-11",
        topic: "labour-social",
        genre: "notice",
        doc_number: "长残联发〔2018〕12号",
        title: "关于开展2018年度残疾人职业技能培训的通知",
        summary: "组织开展电子商务、手工编织、盲人按摩等职业技能培训，培训费用由残疾人就业保障金列支。",
        keywords: "就业培训 职业技能",
        points: &[
            "培训对象为有劳动能力和就业意愿的持证残疾人",
            "培训结束后组织职业技能鉴定",
            "各县（市）区残联负责组织报名",
        ],
        table: &[("培训费用", "免费"), ("报名时间", "全年常态化受理")],
        fate: DemoFate::Published("2018-05-08"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-09",
        topic: "finance-budget",
        genre: "announcement",
        doc_number: "",
        title: "长春市残疾人辅助器具采购项目公开招标公告",
        summary: "采购轮椅、助行器、助听器等残疾人辅助器具，采用公开招标方式。",
        keywords: "政府采购 辅助器具",
        points: &[
            "采购方式：公开招标",
            "投标人须具备相应的生产或经营资质",
            "招标文件在政府采购网站免费下载",
        ],
        table: &[("采购单位", "长春市残疾人联合会"), ("采购方式", "公开招标")],
        fate: DemoFate::Published("2018-06-12"),
    },
    DemoItem {
        org: "ccdpf-wqb",
        catalog: "art21-01",
        topic: "urban-rural",
        genre: "notice",
        doc_number: "长残联发〔2018〕20号",
        title: "关于推进2018年家庭无障碍改造工作的通知",
        summary: "为贫困重度残疾人家庭实施坡道、扶手、卫生间等无障碍改造。",
        keywords: "无障碍改造",
        points: &[
            "改造对象由县（市）区残联入户评估确定",
            "改造内容按照“一户一方案”实施",
            "改造完成后组织验收并建立档案",
        ],
        table: &[],
        fate: DemoFate::Published("2018-07-03"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-04",
        topic: "civil-affairs",
        genre: "statistics",
        doc_number: "",
        title: "2018年上半年长春市残疾人事业统计数据",
        summary: "上半年全市残疾人康复、教育、就业、社会保障等主要指标完成情况。",
        keywords: "统计数据",
        points: &[
            "康复服务、辅助器具适配按计划推进",
            "新增残疾人就业人数稳步增长",
            "两项补贴应发尽发",
        ],
        table: &[
            ("统计范围", "全市各县（市）区、开发区"),
            ("统计时点", "2018年6月30日"),
        ],
        fate: DemoFate::Published("2018-08-01"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-07",
        topic: "finance-budget",
        genre: "report",
        doc_number: "",
        title: "长春市残疾人联合会2017年部门决算",
        summary: "2017年度部门收入支出决算、财政拨款支出决算及“三公”经费支出情况。",
        keywords: "部门决算",
        points: &[
            "决算收支与预算执行情况基本一致",
            "项目支出重点保障康复和就业项目",
            "“三公”经费支出控制在预算以内",
        ],
        table: &[("决算年度", "2017年"), ("公开内容", "决算报表及情况说明")],
        fate: DemoFate::Published("2018-08-20"),
    },
    DemoItem {
        org: "nanguan",
        catalog: "art20-05",
        topic: "civil-affairs",
        genre: "service-guide",
        doc_number: "",
        title: "南关区残疾人证办理指南",
        summary: "残疾人证申领的条件、所需材料、办理流程和办理时限。",
        keywords: "残疾人证 办事指南",
        points: &[
            "携带居民身份证、户口簿和近期免冠照片到区残联提出申请",
            "到指定医院进行残疾评定",
            "评定合格的，区残联审核后发证",
        ],
        table: &[("办理时限", "评定结果送达后10个工作日"), ("收费", "不收费")],
        fate: DemoFate::Published("2018-09-05"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-08",
        topic: "finance-budget",
        genre: "",
        doc_number: "",
        title: "长春市残联行政事业性收费项目清单（2018年）",
        summary: "本机关无行政事业性收费项目，残疾人证工本费等一律免收。",
        keywords: "行政事业性收费 收费清单",
        points: &[
            "本机关未设立行政事业性收费项目",
            "残疾人证办理、残疾评定不向申请人收费",
            "如发现乱收费，可向市残联维权部举报",
        ],
        table: &[("收费项目数", "0")],
        fate: DemoFate::Published("2018-10-15"),
    },
    DemoItem {
        org: "ccdpf-kfzx",
        catalog: "art20-11",
        topic: "health",
        genre: "service-guide",
        doc_number: "",
        title: "长春市残疾人康复中心辅助器具适配服务指南",
        summary: "辅助器具评估、适配、回访的服务对象、流程和注意事项。",
        keywords: "辅助器具适配",
        points: &[
            "持证残疾人可预约辅助器具评估",
            "评估后按照需要适配轮椅、助行器、助听器等",
            "适配后30日内回访",
        ],
        table: &[("服务时间", "工作日"), ("服务费用", "基本型辅助器具免费")],
        fate: DemoFate::Published("2018-11-06"),
    },
    DemoItem {
        org: "chaoyang",
        catalog: "art21-07",
        topic: "civil-affairs",
        genre: "notice",
        doc_number: "",
        title: "朝阳区2018年困难残疾人冬季送温暖活动安排",
        summary: "走访慰问困难残疾人家庭的时间、范围和分工。",
        keywords: "社会救助 走访慰问",
        points: &[
            "走访对象为辖区低保家庭中的重度残疾人",
            "各街道残联负责入户走访",
            "慰问物资按户发放并登记",
        ],
        table: &[],
        fate: DemoFate::Withdrawn {
            published: "2018-12-10",
            reason: "活动安排已调整，原安排不再适用，以朝阳区残联后续发布的信息为准",
        },
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-03",
        topic: "general-other",
        genre: "report",
        doc_number: "",
        title: "长春市残疾人事业发展“十三五”规划中期评估报告",
        summary: "评估“十三五”规划主要指标的进展情况，提出后半期工作重点。",
        keywords: "规划 中期评估",
        points: &[
            "康复、教育、就业等主要指标进展符合预期",
            "无障碍环境建设仍需加快",
            "后半期重点推进精准康复和就业帮扶",
        ],
        table: &[("规划期", "2016—2020年"), ("评估时点", "2018年")],
        fate: DemoFate::Published("2018-12-20"),
    },
    // ---- 2019 -------------------------------------------------------------------------------
    DemoItem {
        org: "ccdpf",
        catalog: "art20-02",
        topic: "general-disclosure",
        genre: "",
        doc_number: "",
        title: "长春市残疾人联合会机构职能（2019年更新）",
        summary: "更新后的市残联主要职责、内设机构、直属单位和联系方式。",
        keywords: "机构职能 联系方式",
        points: &[
            "内设办公室、组织联络部、康复部、教育就业部、宣传文化部、维权部",
            "直属单位包括综合服务中心、康复中心、就业服务中心",
            "办公时间为工作日上午8:30—11:30，下午13:30—16:30",
        ],
        table: &[
            ("办公地址", "长春市大经路1898号"),
            ("邮政编码", "130042"),
            ("联系电话", "0431-88651548"),
        ],
        fate: DemoFate::Published("2019-01-10"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-07",
        topic: "finance-budget",
        genre: "report",
        doc_number: "",
        title: "长春市残疾人联合会2019年部门预算",
        summary: "2019年部门收支预算、政府采购预算及“三公”经费预算情况说明。",
        keywords: "部门预算",
        points: &[
            "预算安排突出康复救助和就业帮扶",
            "政府采购预算主要用于辅助器具采购",
            "“三公”经费预算继续压减",
        ],
        table: &[("预算年度", "2019年")],
        fate: DemoFate::Published("2019-02-15"),
    },
    DemoItem {
        org: KFB,
        catalog: "art20-11",
        topic: "health",
        genre: "notice",
        doc_number: "长残联发〔2019〕3号",
        title: "关于做好2019年残疾儿童康复救助工作的通知",
        summary: "调整残疾儿童康复救助年龄范围和救助标准，扩大定点康复机构范围。",
        keywords: "康复救助 残疾儿童",
        points: &[
            "救助年龄范围扩大到0—7岁",
            "符合条件的儿童可在户籍地或居住地申请",
            "定点康复机构名单另行公布",
        ],
        table: &[
            ("申请地点", "户籍所在地或居住地县（市）区残联"),
            ("办理时限", "受理后15个工作日内审核"),
        ],
        fate: DemoFate::Published("2019-03-01"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-01",
        topic: "civil-affairs",
        genre: "notice",
        doc_number: "长残联发〔2019〕6号",
        title: "关于调整困难残疾人生活补贴和重度残疾人护理补贴标准的通知",
        summary: "提高残疾人两项补贴标准，明确动态调整机制和发放时间。",
        keywords: "两项补贴 补贴标准",
        points: &[
            "两项补贴标准随经济社会发展动态调整",
            "补贴资金每月10日前发放到户",
            "原实施办法同时废止",
        ],
        table: &[
            ("生活补贴", "按月发放"),
            ("护理补贴", "按月发放"),
            ("执行日期", "2019年4月1日"),
        ],
        fate: DemoFate::Published("2019-03-25"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-05",
        topic: "civil-affairs",
        genre: "service-guide",
        doc_number: "",
        title: "第二代残疾人证办理指南",
        summary: "第二代残疾人证的申领、换领、补领和迁移办理条件及流程。",
        keywords: "残疾人证 办事指南",
        points: &[
            "首次申领须经残疾评定",
            "证件有效期届满前90日内申请换领",
            "遗失的可申请补领",
        ],
        table: &[("办理地点", "户籍所在地县（市）区残联"), ("收费", "不收费")],
        fate: DemoFate::Published("2019-04-09"),
    },
    DemoItem {
        org: "ccdpf-jyjyb",
        catalog: "art20-11",
        topic: "labour-social",
        genre: "notice",
        doc_number: "长残联发〔2019〕10号",
        title: "关于开展2019年残疾人就业培训和就业援助月活动的通知",
        summary: "开展残疾人职业技能培训和就业援助月专项活动，举办残疾人专场招聘会。",
        keywords: "就业培训 就业援助",
        points: &[
            "举办残疾人专场招聘会",
            "对就业困难残疾人实施一对一帮扶",
            "落实按比例安排残疾人就业政策",
        ],
        table: &[
            ("活动时间", "2019年5月"),
            ("参加对象", "有就业意愿的残疾人"),
        ],
        fate: DemoFate::Published("2019-04-22"),
    },
    DemoItem {
        org: "ccdpf-zzllb",
        catalog: "art20-15",
        topic: "general-disclosure",
        genre: "notice",
        doc_number: "长残联发〔2019〕12号",
        title: "关于开展2019年全国助残日活动的通知",
        summary: "围绕全国助残日主题开展宣传、志愿服务和走访慰问活动。",
        keywords: "全国助残日",
        points: &[
            "各县（市）区残联组织志愿助残服务",
            "开展残疾人权益保障法律宣传",
            "走访慰问困难残疾人家庭",
        ],
        table: &[],
        fate: DemoFate::Published("2019-05-10"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-09",
        topic: "finance-budget",
        genre: "announcement",
        doc_number: "",
        title: "2019年残疾人辅助器具政府采购项目中标结果公告",
        summary: "公布2019年残疾人辅助器具采购项目的中标供应商、中标金额和评审情况。",
        keywords: "政府采购 中标公告",
        points: &[
            "项目采用公开招标方式",
            "评标委员会依法评审",
            "对结果有异议的可在公告期内提出质疑",
        ],
        table: &[("采购方式", "公开招标"), ("公告期限", "1个工作日")],
        fate: DemoFate::Published("2019-05-20"),
    },
    DemoItem {
        org: "ccdpf-wqb",
        catalog: "art21-01",
        topic: "urban-rural",
        genre: "notice",
        doc_number: "长残联发〔2019〕14号",
        title: "关于实施2019年贫困残疾人家庭无障碍改造项目的通知",
        summary: "确定2019年贫困残疾人家庭无障碍改造的任务、标准和验收要求。",
        keywords: "无障碍改造",
        points: &[
            "优先改造重度残疾人家庭",
            "改造标准参照无障碍设计规范",
            "年底前完成全部改造任务",
        ],
        table: &[
            ("改造内容", "坡道、扶手、卫生间、厨房"),
            ("验收", "县级残联组织"),
        ],
        fate: DemoFate::Published("2019-05-28"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-04",
        topic: "civil-affairs",
        genre: "communique",
        doc_number: "",
        title: "2018年长春市残疾人事业发展统计公报",
        summary: "2018年全市残疾人康复、教育、就业、社会保障、维权和无障碍建设统计情况。",
        keywords: "统计公报",
        points: &[
            "康复服务覆盖面进一步扩大",
            "残疾人就业和培训人数增加",
            "两项补贴和社会保险参保率提高",
        ],
        table: &[("统计年度", "2018年"), ("数据来源", "残疾人事业统计年报")],
        fate: DemoFate::Published("2019-06-18"),
    },
    DemoItem {
        org: "yushu",
        catalog: "art21-02",
        topic: "health",
        genre: "notice",
        doc_number: "",
        title: "榆树市2019年残疾人康复服务进社区工作方案",
        summary: "依托社区卫生服务机构为残疾人提供就近就便的康复服务。",
        keywords: "社区康复 公共服务",
        points: &[
            "在乡镇（街道）设立康复服务站",
            "家庭医生签约服务覆盖持证残疾人",
            "康复指导员定期入户",
        ],
        table: &[],
        fate: DemoFate::Published("2019-07-09"),
    },
    DemoItem {
        org: "nongan",
        catalog: "art20-11",
        topic: "labour-social",
        genre: "notice",
        doc_number: "",
        title: "农安县2019年农村残疾人实用技术培训安排",
        summary: "组织农村残疾人参加种植、养殖等实用技术培训。",
        keywords: "实用技术培训 农村残疾人",
        points: &[
            "培训内容为种植、养殖和农产品加工",
            "培训地点设在各乡镇",
            "培训期间提供交通和午餐补助",
        ],
        table: &[("培训费用", "免费")],
        fate: DemoFate::Published("2019-07-25"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-07",
        topic: "finance-budget",
        genre: "report",
        doc_number: "",
        title: "长春市残疾人联合会2018年部门决算",
        summary: "2018年度部门收入支出决算、财政拨款支出决算及“三公”经费支出情况。",
        keywords: "部门决算",
        points: &[
            "决算收支与预算执行情况基本一致",
            "项目支出绩效目标基本完成",
            "“三公”经费支出比上年下降",
        ],
        table: &[("决算年度", "2018年")],
        fate: DemoFate::Published("2019-08-16"),
    },
    DemoItem {
        org: "nanguan",
        catalog: "art21-07",
        topic: "civil-affairs",
        genre: "announcement",
        doc_number: "",
        title: "南关区2019年第三季度困难残疾人生活补贴发放情况公示",
        summary: "公示第三季度生活补贴发放的户数和金额汇总。",
        keywords: "生活补贴 公示",
        points: &[
            "按街道汇总公示发放户数和金额",
            "公示期为7日",
            "对公示内容有异议的可向区残联反映",
        ],
        table: &[("公示期", "7日")],
        fate: DemoFate::Withdrawn {
            published: "2019-09-10",
            reason: "公示期已满，按照公示管理规定撤回",
        },
    },
    DemoItem {
        org: "ccdpf-kfzx",
        catalog: "art20-11",
        topic: "health",
        genre: "notice",
        doc_number: "",
        title: "2019年残疾人辅助器具免费适配项目实施方案",
        summary: "为符合条件的持证残疾人免费适配基本型辅助器具。",
        keywords: "辅助器具适配",
        points: &[
            "适配对象为有需求的持证残疾人",
            "先评估、后适配、再回访",
            "适配情况录入辅助器具服务信息系统",
        ],
        table: &[("适配费用", "免费"), ("申请地点", "县（市）区残联")],
        fate: DemoFate::Published("2019-10-14"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-08",
        topic: "finance-budget",
        genre: "",
        doc_number: "",
        title: "长春市残联行政事业性收费项目清单（2019年）",
        summary: "本机关无行政事业性收费项目，残疾人证办理和残疾评定不收费。",
        keywords: "行政事业性收费 收费清单",
        points: &[
            "本机关未设立行政事业性收费项目",
            "依申请公开政府信息不收取费用",
            "如发现乱收费，可向市残联维权部举报",
        ],
        table: &[("收费项目数", "0")],
        fate: DemoFate::Published("2019-10-28"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-04",
        topic: "labour-social",
        genre: "statistics",
        doc_number: "",
        title: "2019年前三季度长春市残疾人就业情况统计",
        summary: "前三季度新增残疾人就业、职业培训和按比例就业情况。",
        keywords: "就业统计",
        points: &[
            "新增就业以按比例就业和个体就业为主",
            "职业技能培训完成年度计划",
            "辅助性就业机构稳步发展",
        ],
        table: &[("统计时点", "2019年9月30日")],
        fate: DemoFate::Published("2019-11-05"),
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-03",
        topic: "general-other",
        genre: "opinion",
        doc_number: "长残联发〔2019〕25号",
        title: "长春市残疾人康复服务体系建设三年行动计划（2019—2021年）",
        summary: "提出2019—2021年残疾人康复服务体系建设的目标、任务和保障措施。",
        keywords: "规划 康复服务",
        points: &[
            "到2021年基本实现残疾人基本康复服务全覆盖",
            "建设市、县、乡三级康复服务网络",
            "加强康复专业人才培养",
        ],
        table: &[("规划期", "2019—2021年")],
        fate: DemoFate::Published("2019-11-20"),
    },
    // ---- In progress today ------------------------------------------------------------------
    DemoItem {
        org: "ccdpf",
        catalog: "art20-07",
        topic: "finance-budget",
        genre: "report",
        doc_number: "",
        title: "长春市残疾人联合会下一年度部门预算",
        summary: "下一年度部门收支预算及“三公”经费预算情况说明，经批准后定时发布。",
        keywords: "部门预算",
        points: &["收支总预算", "一般公共预算支出", "“三公”经费预算"],
        table: &[],
        fate: DemoFate::Scheduled { days_ahead: 14 },
    },
    DemoItem {
        org: KFB,
        catalog: "art20-11",
        topic: "health",
        genre: "notice",
        doc_number: "",
        title: "关于开展残疾人精准康复服务工作的通知",
        summary: "对持证残疾人开展康复需求调查并提供基本康复服务。",
        keywords: "精准康复",
        points: &["开展康复需求调查", "制定个性化康复方案", "建立服务档案"],
        table: &[],
        fate: DemoFate::InProgress {
            stage: State::Submitted,
            formed_days_ago: 3,
        },
    },
    DemoItem {
        org: "ccdpf-jyjyb",
        catalog: "art20-11",
        topic: "labour-social",
        genre: "notice",
        doc_number: "",
        title: "长春市残疾人职业技能竞赛方案",
        summary: "竞赛项目、参赛条件、报名方式和奖励办法。",
        keywords: "职业技能竞赛",
        points: &[
            "设电脑操作、手工制作等项目",
            "持证残疾人均可报名",
            "获奖选手给予奖励",
        ],
        table: &[],
        fate: DemoFate::InProgress {
            stage: State::Reviewed,
            formed_days_ago: 5,
        },
    },
    DemoItem {
        org: "ccdpf",
        catalog: "art20-15",
        topic: "general-disclosure",
        genre: "notice",
        doc_number: "",
        title: "长春市残联政府信息公开工作要点",
        summary: "本年度政府信息公开工作的重点任务和责任分工。",
        keywords: "政务公开 工作要点",
        points: &["完善主动公开目录", "规范依申请公开办理", "加强保密审查"],
        table: &[],
        fate: DemoFate::InProgress {
            stage: State::ConfidentialityReviewed,
            formed_days_ago: 6,
        },
    },
    DemoItem {
        org: "kuancheng",
        catalog: "art20-05",
        topic: "civil-affairs",
        genre: "service-guide",
        doc_number: "",
        title: "宽城区残疾人两项补贴申领指南",
        summary: "两项补贴的申领条件、材料、流程和发放时间。",
        keywords: "两项补贴 办事指南",
        points: &["向户籍所在地街道提出申请", "区残联审核", "按月发放"],
        table: &[("收费", "不收费")],
        fate: DemoFate::InProgress {
            stage: State::Approved,
            formed_days_ago: 4,
        },
    },
    DemoItem {
        org: KFB,
        catalog: "art20-11",
        topic: "health",
        genre: "",
        doc_number: "",
        title: "残疾儿童康复救助定点机构名单",
        summary: "经评估认定的残疾儿童康复救助定点机构名称、地址和服务类别。",
        keywords: "定点康复机构",
        points: &["按服务类别列出机构", "注明机构地址", "名单实行动态调整"],
        table: &[],
        fate: DemoFate::InProgress {
            stage: State::Draft,
            formed_days_ago: 45,
        },
    },
    DemoItem {
        org: "nanguan",
        catalog: "art21-01",
        topic: "urban-rural",
        genre: "report",
        doc_number: "",
        title: "南关区残疾人家庭无障碍改造需求调查情况",
        summary: "辖区残疾人家庭无障碍改造需求调查的汇总情况。",
        keywords: "无障碍改造 需求调查",
        points: &[
            "按街道汇总需求户数",
            "按改造内容分类",
            "提出年度改造计划建议",
        ],
        table: &[],
        fate: DemoFate::InProgress {
            stage: State::Draft,
            formed_days_ago: 60,
        },
    },
    DemoItem {
        org: "ccdpf-jyjyb",
        catalog: "art20-11",
        topic: "labour-social",
        genre: "notice",
        doc_number: "",
        title: "关于做好按比例安排残疾人就业年审工作的通知",
        summary: "用人单位按比例安排残疾人就业情况年审的时间、材料和程序。",
        keywords: "按比例就业 年审",
        points: &[
            "用人单位在线申报",
            "残疾人就业服务机构审核",
            "审核结果书面告知",
        ],
        table: &[],
        fate: DemoFate::InProgress {
            stage: State::Draft,
            formed_days_ago: 80,
        },
    },
    DemoItem {
        org: KFB,
        catalog: "art20-11",
        topic: "health",
        genre: "notice",
        doc_number: "",
        title: "关于核发残疾人辅助器具补贴的通知（含补贴对象名单）",
        summary: "核发辅助器具补贴，附补贴对象名单。",
        keywords: "辅助器具补贴",
        points: &[
            "补贴按适配器具类别核定",
            "补贴资金直接拨付",
            "附补贴对象名单",
        ],
        table: &[],
        fate: DemoFate::PlantedId {
            formed_days_ago: 50,
        },
    },
];

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("演示数据日期格式错误：{s}")))
}

/// 09:30 China Standard Time on `d`, as UTC milliseconds.
fn morning_ms(d: NaiveDate) -> Result<i64> {
    d.and_hms_opt(1, 30, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| StoreError::Invalid("演示数据时间无效".into()))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The body: the summary, a list of main points, a table of key facts, the demo note; passed
/// through the rich-text sanitiser like any edited body.
fn body_html(item: &DemoItem) -> Result<String> {
    let mut h = format!("<p>{}</p><h2>一、主要内容</h2><ul>", esc(item.summary));
    for p in item.points {
        h.push_str(&format!("<li>{}</li>", esc(p)));
    }
    h.push_str("</ul>");
    let planted = matches!(item.fate, DemoFate::PlantedId { .. });
    if !item.table.is_empty() || planted {
        h.push_str(
            "<h2>二、有关事项</h2><table><thead><tr><th>项目</th><th>内容</th></tr></thead><tbody>",
        );
        for (k, v) in item.table {
            h.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(v)));
        }
        if planted {
            // The drafter pasted a beneficiary list with a full ID number: the scanner must stop
            // publication until it is masked, removed or justified (REG §5.5).
            h.push_str(&format!(
                "<tr><td>补贴对象</td><td>王某某，公民身份号码 {}，轮椅一台</td></tr>",
                planted_resident_id()
            ));
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("<p>注：本条为系统演示数据，内容为示意，并非正式文件。</p>");
    let clean = gongkai_core::richtext::sanitize(&h);
    if !clean.is_ok() {
        return Err(StoreError::Invalid(format!(
            "演示信息《{}》正文不合格：{}",
            item.title,
            clean.problems.join("；")
        )));
    }
    Ok(clean.html)
}

/// Who does each step of one item.
struct Crew {
    drafter: (Actor, Capabilities),
    head: (Actor, Capabilities),
    secrecy: (Actor, Capabilities),
    leader: (Actor, Capabilities),
    office: (Actor, Capabilities),
}

fn account<'a>(accounts: &'a [Account], username: &str) -> Result<&'a Account> {
    accounts
        .iter()
        .find(|a| a.username == username)
        .ok_or_else(|| StoreError::Invalid(format!("演示数据缺少账号 {username}")))
}

fn as_user(a: &Account) -> (Actor, Capabilities) {
    (
        Actor::user(a.user_id, a.username, ""),
        Capabilities::from_roles(&[a.role]),
    )
}

/// The demo accounts where their grant covers the organisation (the 康复部 drafter and head for
/// 康复部 items, the county office for 南关区, the body-wide reviewers, leader and office for
/// everything); elsewhere the demo has no account for the role, and the `system` actor does the
/// step with that one role's capability.
fn crew(accounts: &[Account], org_code: &str, org_id: i64) -> Result<Crew> {
    let system = |role: Role| (Actor::system(), Capabilities::from_roles(&[role]));
    let drafter = account(accounts, "demo-drafter")?;
    let head = account(accounts, "demo-head")?;
    let county = account(accounts, "demo-county-office")?;
    let in_kfb = org_code == KFB && drafter.org_id == org_id && head.org_id == org_id;
    Ok(Crew {
        drafter: if in_kfb {
            as_user(drafter)
        } else {
            system(Role::Drafter)
        },
        head: if in_kfb {
            as_user(head)
        } else {
            system(Role::DepartmentHead)
        },
        secrecy: as_user(account(accounts, "demo-secrecy")?),
        leader: as_user(account(accounts, "demo-leader")?),
        office: if county.org_id == org_id {
            as_user(county)
        } else {
            as_user(account(accounts, "demo-office")?)
        },
    })
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

fn clearance(
    item: &DemoItem,
    unit: &str,
    formed: NaiveDate,
    head: &Actor,
    drafter: &Actor,
) -> ConfidentialityForm {
    let next = formed + Duration::days(1);
    ConfidentialityForm {
        form_date: formed,
        originating_unit: unit.to_string(),
        info_title: String::new(),
        is_document: !item.doc_number.is_empty(),
        reference_no: String::new(),
        channels: vec!["政府网站".into()],
        planned_on: Some(next + Duration::days(1)),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: false,
        secrets_note: String::new(),
        drafter_opinion: "拟主动公开".into(),
        drafter_name: drafter.label.clone(),
        drafter_on: Some(formed),
        head_opinion: "同意公开".into(),
        head_name: head.label.clone(),
        head_on: Some(formed),
        conclusion: Conclusion::Publish,
        basis:
            "经审查不涉及国家秘密、商业秘密和个人隐私，属于条例第十九条、第二十条规定的主动公开内容"
                .into(),
        reviewer_name: String::new(),
        reviewed_on: next,
        remarks: String::new(),
        rereview_due: None,
    }
}

/// Drives one item from creation up to (not including) publication, stopping at `until`.
async fn advance(
    tx: &mut Tx,
    item: &DemoItem,
    crew: &Crew,
    org_id: i64,
    formed: NaiveDate,
    until: State,
) -> Result<i64> {
    let meta = Metadata {
        formed_on: formed,
        signed_on: (!item.doc_number.is_empty()).then_some(formed),
        publisher_name: String::new(),
        doc_number: item.doc_number.to_string(),
        topic_code: item.topic.to_string(),
        genre_code: item.genre.to_string(),
        catalog_code: item.catalog.to_string(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    };
    let content = Content {
        title: item.title.to_string(),
        summary: item.summary.to_string(),
        body_html: body_html(item)?,
        keywords: item.keywords.to_string(),
    };
    let (drafter, dcaps) = &crew.drafter;
    let created = store_items::create(tx, drafter, org_id, *dcaps, &meta, &content).await?;
    let id = created.id;
    if until == State::Draft {
        return Ok(id);
    }
    store_items::submit(tx, drafter, id, *dcaps).await?;
    if until == State::Submitted {
        return Ok(id);
    }
    let (head, hcaps) = &crew.head;
    review::review(tx, head, id, *hcaps, &all_pass()).await?;
    if until == State::Reviewed {
        return Ok(id);
    }
    let (secrecy, scaps) = &crew.secrecy;
    let unit: String = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT full_name FROM orgs WHERE id = $1"
    )
    .bind(org_id)
    .fetch_one(c)
    .await?);
    let form = clearance(item, &unit, formed, head, drafter);
    review::confidentiality_review(tx, secrecy, id, *scaps, &form).await?;
    if until == State::ConfidentialityReviewed {
        return Ok(id);
    }
    let (leader, lcaps) = &crew.leader;
    review::approve(tx, leader, id, *lcaps, "同意公开").await?;
    Ok(id)
}

/// Publishes `item` of organisation `org_id` on `on` (YYYY-MM-DD) through the whole chain, the
/// `system` actor doing each step with that step's one role (the demo's second site, which has
/// no drafting accounts of its own: `demo::site`). Returns the item's id.
pub(super) async fn publish_as_system(
    tx: &mut Tx,
    item: &DemoItem,
    org_id: i64,
    on: &str,
) -> Result<i64> {
    let system = |role: Role| (Actor::system(), Capabilities::from_roles(&[role]));
    let crew = Crew {
        drafter: system(Role::Drafter),
        head: system(Role::DepartmentHead),
        secrecy: system(Role::ConfidentialityReviewer),
        leader: system(Role::ApprovingLeader),
        office: system(Role::DisclosureOffice),
    };
    let on = date(on)?;
    let id = advance(
        tx,
        item,
        &crew,
        org_id,
        on - Duration::days(7),
        State::Approved,
    )
    .await?;
    let (office, ocaps) = &crew.office;
    publish::publish_as_of(tx, office, id, *ocaps, morning_ms(on)?).await?;
    Ok(id)
}

/// Loads [`DEMO_ITEMS`] in the open demo transaction: published items oldest first (so the
/// 索引号 serials follow the dates), then validity changes and withdrawals, then the items that
/// are still in progress.
pub(super) async fn load(tx: &mut Tx, orgs: &[(&str, i64)], accounts: &[Account]) -> Result<()> {
    let org_id = |code: &str| -> Result<i64> {
        orgs.iter()
            .find(|(c, _)| *c == code)
            .map(|(_, id)| *id)
            .ok_or_else(|| StoreError::Invalid(format!("演示数据缺少机构 {code}")))
    };
    let published_on = |f: &DemoFate| match *f {
        DemoFate::Published(on) => Some(on),
        DemoFate::Expired { published, .. } | DemoFate::Withdrawn { published, .. } => {
            Some(published)
        }
        _ => None,
    };
    let mut published: Vec<(&DemoItem, &str)> = DEMO_ITEMS
        .iter()
        .filter_map(|i| published_on(&i.fate).map(|on| (i, on)))
        .collect();
    published.sort_by_key(|(_, on)| *on);
    let mut ids: Vec<(&str, i64)> = Vec::new();
    for (item, on) in &published {
        let org = org_id(item.org)?;
        let crew = crew(accounts, item.org, org)?;
        let on = date(on)?;
        // Formed a week before publication: well inside the Art. 26 period.
        let formed = on - Duration::days(7);
        let id = advance(tx, item, &crew, org, formed, State::Approved).await?;
        match crate::grassroots::pending_of(tx, id).await? {
            // A county federation's item waits in the city's queue: the city's disclosure
            // office publishes it under the county's name (issue #5, C4).
            Some(sub) => {
                let (office, ocaps) = as_user(account(accounts, "demo-office")?);
                crate::grassroots::publish_as_of(
                    tx,
                    &office,
                    sub,
                    ocaps,
                    crate::grassroots::PublishAs::Unit,
                    morning_ms(on - Duration::days(1))?,
                    morning_ms(on)?,
                )
                .await?;
            }
            None => {
                let (office, ocaps) = &crew.office;
                publish::publish_as_of(tx, office, id, *ocaps, morning_ms(on)?).await?;
            }
        }
        ids.push((item.title, id));
    }
    for (item, _) in &published {
        let Some(&(_, id)) = ids.iter().find(|(t, _)| *t == item.title) else {
            continue;
        };
        let org = org_id(item.org)?;
        let crew = crew(accounts, item.org, org)?;
        let (office, ocaps) = &crew.office;
        match item.fate {
            DemoFate::Expired {
                expired_on,
                replaced_by,
                ..
            } => {
                let change = ValidityChange {
                    validity: Validity::Expired,
                    effective_on: Some(date(expired_on)?),
                    replaced_by: replaced_by.to_string(),
                    note: "已被新文件替代".into(),
                };
                publish::change_validity(tx, office, id, *ocaps, &change).await?;
            }
            DemoFate::Withdrawn { reason, .. } => {
                publish::withdraw(tx, office, id, *ocaps, reason).await?;
            }
            _ => {}
        }
    }
    let today = crate::deadlines::today();
    for item in DEMO_ITEMS {
        let org = org_id(item.org)?;
        let crew = crew(accounts, item.org, org)?;
        match item.fate {
            DemoFate::Scheduled { days_ahead } => {
                let formed = today - Duration::days(2);
                let id = advance(tx, item, &crew, org, formed, State::Approved).await?;
                let at = morning_ms(today + Duration::days(days_ahead))?.max(now_ms() + 60_000);
                let (office, ocaps) = &crew.office;
                publish::schedule(tx, office, id, *ocaps, at).await?;
            }
            DemoFate::InProgress {
                stage,
                formed_days_ago,
            } => {
                let formed = today - Duration::days(formed_days_ago);
                advance(tx, item, &crew, org, formed, stage).await?;
            }
            DemoFate::PlantedId { formed_days_ago } => {
                let formed = today - Duration::days(formed_days_ago);
                advance(tx, item, &crew, org, formed, State::Draft).await?;
            }
            _ => {}
        }
    }
    Ok(())
}
