//! A deterministic generator of realistic Chinese government documents, for the benchmark
//! (`bench/search`) and the recall/precision test. Titles follow 政务公开 patterns (关于…的通知,
//! …实施方案, …年度报告, …公示); bodies of 1–10 KB are built sentence by sentence from templates
//! whose slots draw from large word lists (organisations, places, policy terms, actions, goals,
//! generated personal names, numbers, dates and 文号), so no paragraph repeats and the vocabulary
//! grows with the corpus as real text does. Same seed, same corpus.

use crate::doc::Doc;

/// A small, fast, seedable generator (SplitMix64): no dependency, same output everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const PLACES: &[&str] = &[
    "南关区",
    "宽城区",
    "朝阳区",
    "二道区",
    "绿园区",
    "双阳区",
    "九台区",
    "榆树市",
    "德惠市",
    "农安县",
    "长春新区",
    "经开区",
    "高新区",
    "净月区",
    "汽开区",
    "莲花山",
    "吉林市",
    "四平市",
    "辽源市",
    "通化市",
    "白山市",
    "松原市",
    "白城市",
    "延边州",
    "梅河口市",
    "公主岭市",
    "珲春市",
    "敦化市",
    "舒兰市",
    "桦甸市",
];
const ORGS: &[&str] = &[
    "残疾人联合会",
    "民政局",
    "人力资源和社会保障局",
    "财政局",
    "卫生健康委员会",
    "教育局",
    "住房和城乡建设局",
    "交通运输局",
    "医疗保障局",
    "税务局",
    "市场监督管理局",
    "发展和改革委员会",
    "农业农村局",
    "文化广电和旅游局",
    "司法局",
    "审计局",
    "统计局",
    "政务服务和数字化建设管理局",
    "应急管理局",
    "自然资源局",
    "生态环境局",
    "残疾人康复中心",
    "残疾人就业服务中心",
    "残疾人综合服务中心",
    "盲人协会",
    "聋人协会",
    "肢体残疾人协会",
    "中国农业发展银行",
    "中国工商银行",
    "中国建设银行",
    "农村信用合作联社",
    "街道办事处",
    "社区居民委员会",
];
const TERMS: &[&str] = &[
    "残疾人两项补贴",
    "困难残疾人生活补贴",
    "重度残疾人护理补贴",
    "一网通办",
    "放管服",
    "最多跑一次",
    "政府信息公开",
    "依申请公开",
    "主动公开",
    "残疾人证",
    "无障碍环境建设",
    "康复救助",
    "辅助器具适配",
    "按比例就业",
    "残疾人就业保障金",
    "精准康复",
    "家庭医生签约",
    "盲人按摩",
    "手语翻译",
    "托养服务",
    "居家托养",
    "日间照料",
    "职业技能培训",
    "特殊教育",
    "融合教育",
    "助学金",
    "危房改造",
    "无障碍改造",
    "社会保险补贴",
    "城乡居民医疗保险",
    "最低生活保障",
    "临时救助",
    "特困人员供养",
    "乡村振兴",
    "营商环境",
    "行政审批",
    "权责清单",
    "双随机一公开",
    "信用体系建设",
    "财政预算",
    "决算公开",
    "三公经费",
    "政府采购",
    "在建工程",
    "固定资产",
    "专项资金",
    "绩效评价",
    "审计整改",
    "安全生产",
    "疫情防控",
    "扫黑除恶",
    "法治政府",
    "依法行政",
    "行政复议",
    "行政诉讼",
    "信访工作",
    "人大代表建议",
    "政协委员提案",
    "重大行政决策",
    "规范性文件",
    "公平竞争审查",
    "政务服务",
    "12345热线",
    "电子证照",
    "跨省通办",
];
const ACTIONS: &[&str] = &[
    "进一步加强",
    "认真落实",
    "全面推进",
    "切实做好",
    "统筹推进",
    "扎实开展",
    "不断完善",
    "深入实施",
    "规范管理",
    "加大力度推进",
    "组织开展",
    "积极稳妥推进",
    "持续优化",
    "严格执行",
    "及时兑现",
    "抓好落实",
    "建立健全",
    "研究制定",
];
const GOALS: &[&str] = &[
    "切实保障残疾人合法权益",
    "提高基本公共服务水平",
    "确保各项政策落地见效",
    "不断增强人民群众获得感",
    "推动工作高质量发展",
    "营造良好社会氛围",
    "提升政务服务效能",
    "防范化解重大风险",
    "加快补齐民生短板",
    "促进残疾人平等参与社会生活",
    "确保资金安全高效使用",
    "提高信息公开的及时性和准确性",
];
const KINDS: &[&str] = &[
    "通知",
    "公告",
    "通告",
    "意见",
    "办法",
    "实施方案",
    "工作要点",
    "年度报告",
    "公示",
    "批复",
    "决定",
    "通报",
    "实施细则",
    "工作总结",
    "情况说明",
    "答复",
    "函",
    "规划",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "玉", "兰", "志", "红", "春", "文",
    "海", "燕", "辉", "鹏", "宇", "晨", "欣", "博", "三", "四", "一", "二", "立", "新", "东", "亮",
    "峰", "琳",
];
const TEMPLATES: &[&str] = &[
    "为{action}{term}工作，{goal}，根据{law}有关规定，结合{place}实际，制定本{kind}。",
    "{place}{org}{action}{term}，截至{year}年{month}月底，累计惠及{n}人，发放资金{m}万元。",
    "经研究，同意{place}{org}关于{term}的请示，请按照{law}的要求{action}相关工作。",
    "{person}同志在会上强调，要{action}{term}，{goal}。",
    "各有关单位要{action}{term}的组织领导，明确责任分工，{goal}。",
    "本次共受理{term}申请{n}件，办结{n2}件，办结率{pct}%，群众满意度持续提升。",
    "根据《{law}》第{art}条，{org}应当在{days}个工作日内予以答复。",
    "{year}年，{place}{org}围绕{term}，{action}{term2}，{goal}。",
    "联系人：{person}，联系电话：0431-{tel}，地址：{place}{road}{num}号。",
    "现将{place}{org}{year}年度{term}情况公示如下，公示期为{days}天。",
    "对{person}等{n}人的{term}申请，经审核符合条件，予以批准。",
    "文号：{docno}。本{kind}自{year}年{month}月{day}日起施行。",
];
const LAWS: &[&str] = &[
    "中华人民共和国政府信息公开条例",
    "中华人民共和国残疾人保障法",
    "无障碍环境建设法",
    "残疾人就业条例",
    "残疾预防和残疾人康复条例",
    "吉林省实施〈中华人民共和国残疾人保障法〉办法",
    "社会救助暂行办法",
    "中华人民共和国预算法",
    "优化营商环境条例",
    "信访工作条例",
];
const ROADS: &[&str] = &[
    "人民大街",
    "解放大路",
    "自由大路",
    "亚泰大街",
    "卫星路",
    "西安大路",
    "东盛大街",
    "普阳街",
];

fn person(r: &mut Rng) -> String {
    let mut s = r.pick(SURNAMES).to_string();
    s.push_str(r.pick(GIVEN));
    if r.below(3) > 0 {
        s.push_str(r.pick(GIVEN));
    }
    s
}

fn sentence(r: &mut Rng) -> String {
    let t = r.pick(TEMPLATES);
    let mut out = String::with_capacity(t.len() * 2);
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else { break };
        let slot = &rest[i + 1..i + j];
        let v = match slot {
            "action" => r.pick(ACTIONS).to_string(),
            "term" | "term2" => r.pick(TERMS).to_string(),
            "goal" => r.pick(GOALS).to_string(),
            "law" => r.pick(LAWS).to_string(),
            "place" => r.pick(PLACES).to_string(),
            "org" => r.pick(ORGS).to_string(),
            "kind" => r.pick(KINDS).to_string(),
            "person" => person(r),
            "year" => (2008 + r.below(19)).to_string(),
            "month" => (1 + r.below(12)).to_string(),
            "day" => (1 + r.below(28)).to_string(),
            "n" | "n2" => (1 + r.below(5000)).to_string(),
            "m" => format!("{}.{}", r.below(900), r.below(100)),
            "pct" => (80 + r.below(21)).to_string(),
            "art" => ["十二", "二十", "三十三", "三十六", "二十四"][r.below(5)].to_string(),
            "days" => (5 + r.below(26)).to_string(),
            "tel" => (80_000_000 + r.below(10_000_000)).to_string(),
            "road" => r.pick(ROADS).to_string(),
            "num" => (1 + r.below(3000)).to_string(),
            "docno" => docno(r),
            _ => String::new(),
        };
        out.push_str(&v);
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

fn docno(r: &mut Rng) -> String {
    let prefix = [
        "长残联发",
        "长残联字",
        "长民发",
        "长人社函",
        "长财社",
        "吉残联发",
    ][r.below(6)];
    format!("{prefix}〔{}〕{}号", 2008 + r.below(19), 1 + r.below(200))
}

/// A title in one of the usual shapes.
pub fn title(r: &mut Rng) -> String {
    let year = 2008 + r.below(19);
    match r.below(6) {
        0 => format!(
            "关于{}{}的{}",
            r.pick(ACTIONS),
            r.pick(TERMS),
            r.pick(KINDS)
        ),
        1 => format!(
            "{}{}{}年{}工作{}",
            r.pick(PLACES),
            r.pick(ORGS),
            year,
            r.pick(TERMS),
            r.pick(KINDS)
        ),
        2 => format!("{}{}年度政府信息公开工作年度报告", r.pick(PLACES), year),
        3 => format!(
            "关于{}等{}人{}情况的公示",
            person(r),
            2 + r.below(30),
            r.pick(TERMS)
        ),
        4 => format!(
            "{}关于印发《{}{}》的通知",
            r.pick(ORGS),
            r.pick(TERMS),
            r.pick(KINDS)
        ),
        _ => format!("{}{}{}", r.pick(PLACES), r.pick(TERMS), r.pick(KINDS)),
    }
}

/// A body of about `bytes` bytes (UTF-8), in paragraphs.
pub fn body(r: &mut Rng, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 256);
    while out.len() < bytes {
        let sentences = 2 + r.below(5);
        for _ in 0..sentences {
            out.push_str(&sentence(r));
        }
        out.push('\n');
    }
    out
}

/// Document `i` of the corpus with `seed`: bodies of 1–10 KB, spread over organisations,
/// categories, years, topics, genres and validity; about one in twenty is not public.
pub fn document(seed: u64, i: u64) -> Doc {
    let mut r = Rng::new(seed ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let t = title(&mut r);
    let size = 1024 + r.below(9 * 1024);
    let text = body(&mut r, size);
    let year = 2008 + r.below(19) as i64;
    let published =
        1_199_145_600_000 + (year - 2008) * 31_536_000_000 + r.below(31_536_000) as i64 * 1000;
    let public = r.below(20) != 0;
    Doc {
        kind: "item".into(),
        subkind: String::new(),
        id: i as i64 + 1,
        org_id: 1 + r.below(40) as i64,
        public,
        visible_from: published,
        date: published,
        date_label: format!("{year}-{:02}-{:02}", 1 + r.below(12), 1 + r.below(28)),
        year,
        category: [
            "art20_1", "art20_5", "art20_8", "art21_2", "art20_14", "local",
        ][r.below(6)]
        .into(),
        topic: ["t01", "t02", "t03", "t04", "t05"][r.below(5)].into(),
        genre: ["notice", "report", "plan", "announce"][r.below(4)].into(),
        validity: ["valid", "valid", "valid", "expired", "repealed"][r.below(5)].into(),
        state: if public { "published" } else { "draft" }.into(),
        title: t,
        text,
        url: format!("/items/{}", i + 1),
        staff_url: format!("/admin/items/{}", i + 1),
        reference: docno(&mut r),
        publisher: format!("{}{}", r.pick(PLACES), r.pick(ORGS)),
    }
}

/// A query mix like a portal's: two-character words, longer terms, multi-word queries, a few
/// single characters and names; `filtered` tells the caller to add a filter.
pub fn query(r: &mut Rng) -> (String, bool) {
    let q = match r.below(10) {
        0..=2 => {
            let t = r.pick(TERMS);
            let chars: Vec<char> = t.chars().collect();
            let at = r.below(chars.len().saturating_sub(1).max(1));
            chars[at..(at + 2).min(chars.len())].iter().collect()
        }
        3..=4 => r.pick(TERMS).to_string(),
        5 => format!("{} {}", r.pick(TERMS), r.pick(PLACES)),
        6 => format!("{}{}", r.pick(ACTIONS), r.pick(TERMS)),
        7 => r.pick(GOALS).to_string(),
        8 => person(r),
        _ => r.pick(GIVEN).to_string(),
    };
    (q, r.below(4) == 0)
}
