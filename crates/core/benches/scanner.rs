//! Scanner throughput benchmark (issue #3): scans a generated Chinese text of at least 20 MB with
//! sprinkled numbers (valid and invalid resident IDs, mobiles, cards, dates, amounts), markings and
//! name cues, and prints MB/s (1 MB = 10^6 bytes). Run by `bench/scanner.sh` on one core:
//! `taskset -c 0 cargo bench -p gongkai-core --bench scanner`.

use std::time::Instant;

use gongkai_core::scan::{FindingKind, ScanConfig, Scanner, SensitiveWords};

/// splitmix64: a tiny deterministic generator, so every run scans the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PHRASES: &[&str] = &[
    "根据《中华人民共和国政府信息公开条例》第三十三条的规定，",
    "本机关于收到申请之日起二十个工作日内予以答复。",
    "经审查，您申请公开的信息属于主动公开范围，",
    "现将有关情况告知如下：",
    "残疾人联合会认真贯彻落实党中央、国务院决策部署，",
    "进一步加强残疾人康复、教育、就业和社会保障工作。",
    "请于收到本告知书之日起十五个工作日内提出意见；",
    "逾期未提出意见的，视为同意公开。",
    "各地要加强组织领导，完善工作机制，",
    "加强内部管理，落实保守国家秘密法的要求。",
    "特此告知。",
    "（此件公开发布）",
    "\n",
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

fn resident_id(rng: &mut Rng, valid: bool) -> String {
    let mut s = format!(
        "{}{:05}{}{:02}{:02}{:03}",
        1 + rng.below(8),
        rng.below(100_000),
        1940 + rng.below(80),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(1000)
    );
    let sum: u32 = s
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let mut check = (12 - sum % 11) % 11;
    if !valid {
        check = (check + 1 + rng.below(10) as u32) % 11;
    }
    s.push(if check == 10 {
        'X'
    } else {
        char::from(b'0' + check as u8)
    });
    s
}

fn generate(min_bytes: usize) -> (String, usize) {
    let mut rng = Rng(20_240_501);
    let mut text = String::with_capacity(min_bytes + 4096);
    let mut valid_ids = 0;
    while text.len() < min_bytes {
        text.push_str(PHRASES[rng.below(PHRASES.len() as u64) as usize]);
        match rng.below(40) {
            0 => {
                text.push_str("申请人身份证号码：");
                text.push_str(&resident_id(&mut rng, true));
                valid_ids += 1;
            }
            1 => {
                text.push_str("编号");
                text.push_str(&resident_id(&mut rng, false));
            }
            2 => text.push_str(&format!(
                "联系电话：1{}{:09}，",
                3 + rng.below(7),
                rng.below(1_000_000_000)
            )),
            3 => text.push_str(&format!(
                "{}年{}月{}日",
                2000 + rng.below(25),
                1 + rng.below(12),
                1 + rng.below(28)
            )),
            4 => text.push_str(&format!(
                "金额{}.{:02}元，",
                rng.below(1_000_000),
                rng.below(100)
            )),
            5 => text.push_str(&format!("卡号6222{:015}", rng.below(1_000_000_000_000_000))),
            6 => text.push_str("秘密★1年\n"),
            7 => text.push_str("联系人：王小明，"),
            8 => text.push_str("第１２３号文件，"),
            _ => {}
        }
    }
    (text, valid_ids)
}

fn main() {
    let (text, planted) = generate(24_000_000);
    let words =
        SensitiveWords::new(["敏感词", "内部事项", "某某工程"]).unwrap_or_else(|e| panic!("{e}"));
    let scanner = Scanner::new(ScanConfig {
        sensitive_words: Some(words),
        ..ScanConfig::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mb = text.len() as f64 / 1e6;
    println!(
        "text: {mb:.1} MB, {} chars, {planted} planted valid resident IDs",
        text.chars().count()
    );
    let mut best = f64::MAX;
    let mut findings = Vec::new();
    for round in 0..5 {
        let t = Instant::now();
        findings = scanner.scan(&text);
        let secs = t.elapsed().as_secs_f64();
        println!(
            "round {round}: {:.3} s, {:.1} MB/s, {} findings",
            secs,
            mb / secs,
            findings.len()
        );
        best = best.min(secs);
    }
    let ids = findings
        .iter()
        .filter(|f| f.kind == FindingKind::ResidentId)
        .count();
    assert_eq!(ids, planted, "every planted valid ID must be found");
    println!("best: {:.1} MB/s", mb / best);
}
