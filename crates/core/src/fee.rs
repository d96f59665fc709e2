//! Information-processing fee (信息处理费) calculator, 《政府信息公开信息处理费管理办法》
//! (国办函〔2020〕109号), REG §3.4.
//!
//! The rule: the fee is charged **either** per item (按件, Art. 4) **or** per page (按量, Art. 5), never
//! both for one application (Art. 3), and both scales are "超额累进": every unit is priced by the tier
//! it falls in, like income tax brackets.
//!
//! - 按件: the applicant's cumulative count of items (件, split by 一事一申请) in the natural month,
//!   *including* the current application. ≤10 free; 11–30 at 100元/件; from 31 on, each band of 10
//!   adds 100元/件 (31–40: 200元, 41–50: 300元, …).
//! - 按量: pages of one application. ≤30 free; 31–100 at 10元/页; 101–200 at 20元/页; ≥201 at
//!   40元/页. These page tiers are [S]-verified only (REG §3.4), which is one reason the tiers are a
//!   configurable table ([`FeeScale`]) rather than constants.
//!
//! Money is integer fen (`i64`, 1元 = 100分), never floating point. Every result carries its working
//! as Chinese lines ("第11—30件：20件 × 100元 = 2000元") so that the fee notice can state 依据、标准、
//! 数额 (REG §3.4, notice and payment).

use serde::{Deserialize, Serialize};

/// Fen per yuan.
pub const YUAN: i64 = 100;

/// The largest unit number (cumulative 件 or pages) the calculator accepts. Far above any real
/// application; it bounds the arithmetic and the length of the working.
pub const MAX_UNITS: u64 = 1_000_000;

/// What one unit of a scale is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeUnit {
    /// 按件: items (件), counted cumulatively per applicant per natural month (109号 Art. 4).
    Item,
    /// 按量: pages (页) of one application (109号 Art. 5).
    Page,
}

impl FeeUnit {
    /// The Chinese measure word used in the working.
    pub fn label(self) -> &'static str {
        match self {
            FeeUnit::Item => "件",
            FeeUnit::Page => "页",
        }
    }
}

/// One bounded tier: units up to and including `up_to` (and above the previous tier) cost `fen` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Inclusive upper bound of the tier, in units.
    pub up_to: u64,
    /// Price per unit in fen.
    pub fen: i64,
}

/// The open-ended tier after the last bounded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beyond {
    /// Price per unit in fen of the first band after the last bounded tier.
    pub fen: i64,
    /// Band width in units; 0 means one flat price for every further unit.
    #[serde(default)]
    pub band: u64,
    /// Added to the per-unit price for each further band (109号 Art. 4(三): "以10件为一档，每增加
    /// 一档，收费标准提高100元/件").
    #[serde(default)]
    pub step_fen: i64,
}

/// A progressive ("超额累进") fee scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeScale {
    pub unit: FeeUnit,
    /// Bounded tiers in increasing order of `up_to`.
    pub tiers: Vec<Tier>,
    pub beyond: Beyond,
}

/// Errors of the calculator; the messages are shown to staff as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("数量超出可计算范围（最多 {max} 件/页）")]
    TooMany { max: u64 },
    #[error("收费档次表无效：{0}")]
    InvalidScale(&'static str),
    #[error("金额计算溢出，请检查收费档次表")]
    Overflow,
}

/// A run of consecutive units at one price, part of a fee's working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// First unit number (1-based, cumulative for 按件).
    pub first: u64,
    /// Last unit number, inclusive.
    pub last: u64,
    /// Price per unit in fen.
    pub unit_fen: i64,
    /// `(last - first + 1) * unit_fen`.
    pub subtotal_fen: i64,
}

impl Segment {
    /// Number of units in the segment.
    pub fn units(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// A computed fee with its working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fee {
    pub unit: FeeUnit,
    /// Units charged before this computation in the same month (按件 `already`); 0 otherwise.
    pub already: u64,
    /// Units of this computation.
    pub count: u64,
    /// Total in fen.
    pub fen: i64,
    /// The priced runs, in unit order (free runs included with `unit_fen == 0`).
    pub segments: Vec<Segment>,
}

impl FeeScale {
    /// The 按件 scale of 109号 Art. 4: ≤10 free, 11–30 at 100元, 31–40 at 200元, +100元 per band of 10.
    pub fn items() -> FeeScale {
        FeeScale {
            unit: FeeUnit::Item,
            tiers: vec![
                Tier { up_to: 10, fen: 0 },
                Tier {
                    up_to: 30,
                    fen: 100 * YUAN,
                },
            ],
            beyond: Beyond {
                fen: 200 * YUAN,
                band: 10,
                step_fen: 100 * YUAN,
            },
        }
    }

    /// The 按量 scale of 109号 Art. 5 ([S], xinhui.gov.cn table): ≤30 free, 31–100 at 10元, 101–200 at
    /// 20元, ≥201 at 40元 per page.
    pub fn pages() -> FeeScale {
        FeeScale {
            unit: FeeUnit::Page,
            tiers: vec![
                Tier { up_to: 30, fen: 0 },
                Tier {
                    up_to: 100,
                    fen: 10 * YUAN,
                },
                Tier {
                    up_to: 200,
                    fen: 20 * YUAN,
                },
            ],
            beyond: Beyond {
                fen: 40 * YUAN,
                band: 0,
                step_fen: 0,
            },
        }
    }

    /// Checks that the table is usable: bounds strictly increasing, prices non-negative.
    pub fn validate(&self) -> Result<(), FeeError> {
        let mut prev = 0u64;
        for t in &self.tiers {
            if t.up_to <= prev {
                return Err(FeeError::InvalidScale("各档上限必须为正且严格递增"));
            }
            if t.fen < 0 {
                return Err(FeeError::InvalidScale("单价不得为负数"));
            }
            prev = t.up_to;
        }
        if self.beyond.fen < 0 || self.beyond.step_fen < 0 {
            return Err(FeeError::InvalidScale("单价不得为负数"));
        }
        if self.beyond.band == 0 && self.beyond.step_fen != 0 {
            return Err(FeeError::InvalidScale("设置了每档加价时，档宽必须大于0"));
        }
        Ok(())
    }

    /// The price in fen of unit number `k` (1-based). This is the rule itself; [`FeeScale::range`]
    /// computes the same sum by segments.
    pub fn unit_price(&self, k: u64) -> Result<i64, FeeError> {
        if let Some(t) = self.tiers.iter().find(|t| k <= t.up_to) {
            return Ok(t.fen);
        }
        let last = self.tiers.last().map_or(0, |t| t.up_to);
        if self.beyond.band == 0 {
            return Ok(self.beyond.fen);
        }
        // 109号 Art. 4(三): the n-th band of `band` units after the last tier costs fen + (n-1)*step.
        let band_index = (k - last - 1) / self.beyond.band;
        let extra = i64::try_from(band_index)
            .ok()
            .and_then(|n| n.checked_mul(self.beyond.step_fen))
            .ok_or(FeeError::Overflow)?;
        self.beyond.fen.checked_add(extra).ok_or(FeeError::Overflow)
    }

    /// Fee for `count` units when the applicant has `count` units in total (all of 按量, or 按件 with
    /// nothing earlier in the month).
    pub fn total(&self, count: u64) -> Result<Fee, FeeError> {
        self.range(0, count)
    }

    /// Fee for this application's `count` units numbered `already+1 ..= already+count`, i.e. 按件 with
    /// `already` earlier items in the same natural month (109号 Art. 4: "累计"). Equal to
    /// `total(already+count) - total(already)`.
    pub fn range(&self, already: u64, count: u64) -> Result<Fee, FeeError> {
        self.validate()?;
        let end = already
            .checked_add(count)
            .filter(|&e| e <= MAX_UNITS)
            .ok_or(FeeError::TooMany { max: MAX_UNITS })?;
        let mut segments = Vec::new();
        let mut next = already + 1; // first unit not yet priced
        let mut lower = 0u64; // units up to `lower` belong to earlier tiers
        for t in &self.tiers {
            push_segment(&mut segments, next, end.min(t.up_to), t.fen)?;
            next = next.max(t.up_to + 1);
            lower = t.up_to;
        }
        if self.beyond.band == 0 {
            push_segment(&mut segments, next, end, self.beyond.fen)?;
        } else {
            let mut band_lo = lower + 1;
            let mut price = self.beyond.fen;
            while band_lo <= end {
                let band_hi = band_lo + self.beyond.band - 1;
                push_segment(&mut segments, next, end.min(band_hi), price)?;
                next = next.max(band_hi + 1);
                band_lo = band_hi + 1;
                price = price
                    .checked_add(self.beyond.step_fen)
                    .ok_or(FeeError::Overflow)?;
            }
        }
        let mut fen = 0i64;
        for s in &segments {
            fen = fen.checked_add(s.subtotal_fen).ok_or(FeeError::Overflow)?;
        }
        Ok(Fee {
            unit: self.unit,
            already,
            count,
            fen,
            segments,
        })
    }
}

/// Appends the segment `first..=last` at `unit_fen` if it is not empty.
fn push_segment(
    segments: &mut Vec<Segment>,
    first: u64,
    last: u64,
    unit_fen: i64,
) -> Result<(), FeeError> {
    if first > last {
        return Ok(());
    }
    let units = i64::try_from(last - first + 1).map_err(|_| FeeError::Overflow)?;
    let subtotal_fen = units.checked_mul(unit_fen).ok_or(FeeError::Overflow)?;
    segments.push(Segment {
        first,
        last,
        unit_fen,
        subtotal_fen,
    });
    Ok(())
}

/// Formats fen as yuan with two decimals: `300000` → `"3000.00"`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Formats fen as a short yuan amount for the working: whole yuan without decimals (`100元`),
/// otherwise two decimals (`0.50元`).
pub fn format_yuan_short(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{}元", fen / 100)
    } else {
        format!("{}元", format_yuan(fen))
    }
}

impl Fee {
    /// The working as Chinese lines, ending with the total, e.g. for 35 件:
    /// `第1—10件：10件，不收费`, `第11—30件：20件 × 100元 = 2000元`, `第31—35件：5件 × 200元 = 1000元`,
    /// `合计：3000元`.
    pub fn working(&self) -> Vec<String> {
        let u = self.unit.label();
        let mut lines = Vec::with_capacity(self.segments.len() + 2);
        if self.already > 0 {
            let range = if self.count == 0 {
                "本次无新增".to_string()
            } else {
                format!(
                    "本次为本月第{}",
                    span_label(self.already + 1, self.already + self.count, u)
                )
            };
            lines.push(format!(
                "本自然月此前已累计{}{u}，{range}（累计计算，109号文第四条）",
                self.already
            ));
        }
        for s in &self.segments {
            let span = span_label(s.first, s.last, u);
            if s.unit_fen == 0 {
                lines.push(format!("第{span}：{}{u}，不收费", s.units()));
            } else {
                lines.push(format!(
                    "第{span}：{}{u} × {} = {}",
                    s.units(),
                    format_yuan_short(s.unit_fen),
                    format_yuan_short(s.subtotal_fen)
                ));
            }
        }
        lines.push(format!("合计：{}", format_yuan_short(self.fen)));
        lines
    }
}

/// `11—30件` or, for one unit, `11件`.
fn span_label(first: u64, last: u64, unit: &str) -> String {
    if first == last {
        format!("{first}{unit}")
    } else {
        format!("{first}—{last}{unit}")
    }
}

/// 按件 fee for an applicant whose cumulative monthly count (this application included) is `count`.
pub fn items_fee(count: u64) -> Result<Fee, FeeError> {
    FeeScale::items().total(count)
}

/// 按件 fee for this application's `count` items after `already` earlier items this natural month.
pub fn items_fee_after(already: u64, count: u64) -> Result<Fee, FeeError> {
    FeeScale::items().range(already, count)
}

/// 按量 fee for one application of `pages` pages.
pub fn pages_fee(pages: u64) -> Result<Fee, FeeError> {
    FeeScale::pages().total(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Independent oracle, written straight from the pseudo-code of REG §3.4 (per unit, no tiers
    /// table): the k-th 件 of the month costs 0 / 100 / 100 + 100·⌈(k−30)/10⌉ 元.
    fn oracle_item_yuan(k: u64) -> i64 {
        if k <= 10 {
            0
        } else if k <= 30 {
            100
        } else {
            100 + 100 * (k - 30).div_ceil(10) as i64
        }
    }

    /// REG §3.4: page i of an application costs 0 (≤30), 10 (31..100), 20 (101..200), 40 (≥201) 元.
    fn oracle_page_yuan(i: u64) -> i64 {
        match i {
            0..=30 => 0,
            31..=100 => 10,
            101..=200 => 20,
            _ => 40,
        }
    }

    fn brute_items(from: u64, to: u64) -> i64 {
        (from..=to).map(oracle_item_yuan).sum::<i64>() * 100
    }

    fn brute_pages(n: u64) -> i64 {
        (1..=n).map(oracle_page_yuan).sum::<i64>() * 100
    }

    #[test]
    fn worked_example_35_items_is_3000_yuan() {
        let fee = items_fee(35).unwrap();
        assert_eq!(fee.fen, 3000 * YUAN);
        assert_eq!(format_yuan(fee.fen), "3000.00");
        assert_eq!(
            fee.working(),
            vec![
                "第1—10件：10件，不收费",
                "第11—30件：20件 × 100元 = 2000元",
                "第31—35件：5件 × 200元 = 1000元",
                "合计：3000元",
            ]
        );
    }

    #[test]
    fn worked_example_250_pages_is_4700_yuan() {
        let fee = pages_fee(250).unwrap();
        assert_eq!(fee.fen, 4700 * YUAN);
        assert_eq!(
            fee.working(),
            vec![
                "第1—30页：30页，不收费",
                "第31—100页：70页 × 10元 = 700元",
                "第101—200页：100页 × 20元 = 2000元",
                "第201—250页：50页 × 40元 = 2000元",
                "合计：4700元",
            ]
        );
    }

    #[test]
    fn tier_edges() {
        // Art. 4(一): "10件以下(含10件)" free; (二) "11—30件(含30件)"; (三) bands of 10 from 31.
        assert_eq!(items_fee(10).unwrap().fen, 0);
        assert_eq!(items_fee(11).unwrap().fen, 100 * YUAN);
        assert_eq!(items_fee(30).unwrap().fen, 2000 * YUAN);
        assert_eq!(items_fee(31).unwrap().fen, 2200 * YUAN);
        assert_eq!(items_fee(40).unwrap().fen, 4000 * YUAN);
        assert_eq!(items_fee(41).unwrap().fen, 4300 * YUAN);
        assert_eq!(pages_fee(30).unwrap().fen, 0);
        assert_eq!(pages_fee(31).unwrap().fen, 10 * YUAN);
        assert_eq!(pages_fee(100).unwrap().fen, 700 * YUAN);
        assert_eq!(pages_fee(200).unwrap().fen, 2700 * YUAN);
        assert_eq!(pages_fee(201).unwrap().fen, 2740 * YUAN);
        assert_eq!(items_fee(0).unwrap().fen, 0);
        assert_eq!(items_fee(0).unwrap().working(), vec!["合计：0元"]);
    }

    #[test]
    fn already_this_month_working() {
        let fee = items_fee_after(8, 5).unwrap();
        assert_eq!(fee.fen, 300 * YUAN);
        assert_eq!(
            fee.working(),
            vec![
                "本自然月此前已累计8件，本次为本月第9—13件（累计计算，109号文第四条）",
                "第9—10件：2件，不收费",
                "第11—13件：3件 × 100元 = 300元",
                "合计：300元",
            ]
        );
        let one = items_fee_after(30, 1).unwrap();
        assert_eq!(one.working()[1], "第31件：1件 × 200元 = 200元");
    }

    #[test]
    fn exhaustive_against_oracle_up_to_500() {
        for n in 0..=500u64 {
            assert_eq!(items_fee(n).unwrap().fen, brute_items(1, n), "items {n}");
            assert_eq!(pages_fee(n).unwrap().fen, brute_pages(n), "pages {n}");
        }
    }

    #[test]
    fn unit_price_matches_oracle() {
        let items = FeeScale::items();
        let pages = FeeScale::pages();
        for k in 1..=2000u64 {
            assert_eq!(items.unit_price(k).unwrap(), oracle_item_yuan(k) * 100);
            assert_eq!(pages.unit_price(k).unwrap(), oracle_page_yuan(k) * 100);
        }
    }

    #[test]
    fn limits_and_bad_scales() {
        assert_eq!(
            items_fee(MAX_UNITS + 1),
            Err(FeeError::TooMany { max: MAX_UNITS })
        );
        assert_eq!(
            items_fee_after(u64::MAX, 2),
            Err(FeeError::TooMany { max: MAX_UNITS })
        );
        assert!(items_fee(MAX_UNITS).is_ok());
        let mut bad = FeeScale::items();
        bad.tiers[1].up_to = 5;
        assert!(matches!(bad.total(3), Err(FeeError::InvalidScale(_))));
        let mut neg = FeeScale::pages();
        neg.beyond.fen = -1;
        assert!(matches!(neg.total(3), Err(FeeError::InvalidScale(_))));
        let mut huge = FeeScale::pages();
        huge.beyond.fen = i64::MAX / 2;
        assert_eq!(huge.total(300), Err(FeeError::Overflow));
    }

    #[test]
    fn scale_round_trips_through_toml() {
        let text = toml::to_string(&FeeScale::items()).unwrap();
        let back: FeeScale = toml::from_str(&text).unwrap();
        assert_eq!(back, FeeScale::items());
    }

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_yuan(0), "0.00");
        assert_eq!(format_yuan(5), "0.05");
        assert_eq!(format_yuan(-150), "-1.50");
        assert_eq!(format_yuan_short(50), "0.50元");
        assert_eq!(format_yuan_short(4700 * YUAN), "4700元");
    }

    proptest! {
        #[test]
        fn items_match_brute_force(m in 0u64..400, k in 0u64..400) {
            let fee = items_fee_after(m, k).unwrap();
            prop_assert_eq!(fee.fen, brute_items(m + 1, m + k));
        }

        #[test]
        fn additive_over_the_month(m in 0u64..5000, k in 0u64..5000) {
            // fee(k items after m) = total(m+k) − total(m)
            let part = items_fee_after(m, k).unwrap().fen;
            let whole = items_fee(m + k).unwrap().fen - items_fee(m).unwrap().fen;
            prop_assert_eq!(part, whole);
        }

        #[test]
        fn monotonic(n in 0u64..20_000) {
            prop_assert!(items_fee(n + 1).unwrap().fen >= items_fee(n).unwrap().fen);
            prop_assert!(pages_fee(n + 1).unwrap().fen >= pages_fee(n).unwrap().fen);
            // The marginal price never falls either (超额累进).
            prop_assert!(
                items_fee_after(n + 1, 1).unwrap().fen >= items_fee_after(n, 1).unwrap().fen
            );
        }

        #[test]
        fn segments_tile_the_range(m in 0u64..300, k in 0u64..300) {
            let fee = items_fee_after(m, k).unwrap();
            let mut next = m + 1;
            for s in &fee.segments {
                prop_assert_eq!(s.first, next);
                prop_assert!(s.last >= s.first);
                next = s.last + 1;
            }
            prop_assert_eq!(next, m + k + 1);
            prop_assert_eq!(fee.working().len(), fee.segments.len() + 1 + usize::from(m > 0));
        }

        #[test]
        fn large_pages_match_closed_form(n in 201u64..1_000_000) {
            // 30×0 + 70×10 + 100×20 + (n−200)×40 元
            prop_assert_eq!(pages_fee(n).unwrap().fen, (2700 + (n as i64 - 200) * 40) * 100);
        }
    }
}
