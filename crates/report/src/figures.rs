//! The figures of one report: tables 二, 三 and 四, and their JSON form with the keys of REG
//! §2.4–2.6. Money is exact: the 万元 amount is kept in fen (1 万元 = 1,000,000 分).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::format::{T3_COLUMNS, T3_ROWS, T4_GROUPS, T4_RESULTS};

/// 本年制发件数 / 本年废止件数 / 现行有效件数.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MadeRepealedValid {
    pub made: i64,
    pub repealed: i64,
    pub valid: i64,
}

/// Table 二 (REG §2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table2 {
    pub regulations: MadeRepealedValid,
    pub normative_docs: MadeRepealedValid,
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    /// 行政事业性收费 本年收费金额, in fen (shown in 万元, exact).
    pub admin_fees_fen: i64,
}

/// Table 三 (REG §2.5): 25 rows × 7 columns, indexed as [`T3_ROWS`] × [`T3_COLUMNS`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table3 {
    pub cells: [[i64; 7]; 25],
}

/// Table 四 (REG §2.6): three groups × (upheld, corrected, other, pending, total).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table4 {
    pub cells: [[i64; 5]; 3],
}

/// Which national format a set of figures follows (imports keep their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FormatVersion {
    /// 国办公开办函〔2019〕60号 trial format.
    #[serde(rename = "2019")]
    Trial2019,
    /// 国办公开办函〔2021〕30号.
    #[default]
    #[serde(rename = "2021")]
    Format2021,
}

/// All figures of one report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub format: FormatVersion,
    pub table2: Table2,
    pub table3: Table3,
    pub table4: Table4,
}

/// Formats fen as 万元 with only the digits needed ("0", "1.2345", "0.000001").
pub fn wan_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let int = f / 1_000_000;
    let frac = f % 1_000_000;
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let digits = format!("{frac:06}");
    format!("{sign}{int}.{}", digits.trim_end_matches('0'))
}

/// Parses a non-negative 万元 amount ("12", "0.35", "1.234567") to fen. At most six decimals
/// (one fen); anything else is rejected with a Chinese message.
pub fn parse_wan_yuan(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad =
        || format!("“{t}”不是有效的金额，请填写以万元为单位的非负数，最多六位小数（精确到分）");
    if t.is_empty() {
        return Ok(0);
    }
    let (int, frac) = match t.split_once('.') {
        Some((a, b)) => (a, b),
        None => (t, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 6
    {
        return Err(bad());
    }
    let int: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let frac_val: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().map_err(|_| bad())?
    };
    int.checked_mul(1_000_000)
        .and_then(|v| v.checked_add(frac_val))
        .ok_or_else(bad)
}

fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), value);
            return;
        }
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        cur = next;
    }
}

fn get_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, p| v.get(p))
}

impl Figures {
    /// The JSON form with the REG §2.4–2.6 keys.
    pub fn to_json(&self) -> Value {
        let t2 = &self.table2;
        let mrv = |m: &MadeRepealedValid| json!({"made": m.made, "repealed": m.repealed, "valid": m.valid});
        let table2 = json!({
            "regulations": mrv(&t2.regulations),
            "normative_docs": mrv(&t2.normative_docs),
            "licensing": {"decisions": t2.licensing},
            "penalty": {"decisions": t2.penalty},
            "coercion": {"decisions": t2.coercion},
            "admin_fees": {"amount_wan_yuan": wan_yuan(t2.admin_fees_fen)},
        });
        let mut table3 = Map::new();
        for (i, (key, _, _)) in T3_ROWS.iter().enumerate() {
            let mut cols = Map::new();
            for (c, (ck, _)) in T3_COLUMNS.iter().enumerate() {
                cols.insert((*ck).to_string(), json!(self.table3.cells[i][c]));
            }
            set_path(&mut table3, key, Value::Object(cols));
        }
        let mut table4 = Map::new();
        for (g, gk) in T4_GROUPS.iter().enumerate() {
            let mut cols = Map::new();
            for (c, (ck, _)) in T4_RESULTS.iter().enumerate() {
                cols.insert((*ck).to_string(), json!(self.table4.cells[g][c]));
            }
            table4.insert((*gk).to_string(), Value::Object(cols));
        }
        json!({
            "format": self.format,
            "table2": table2,
            "table3": Value::Object(table3),
            "table4": Value::Object(table4),
        })
    }

    /// Reads figures from the JSON form. Missing cells are 0 (REG §2.7: blank means 0); a value
    /// that is not a non-negative integer is an error naming the key.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let int = |path: &str| -> Result<i64, String> {
            match get_path(v, path) {
                None | Some(Value::Null) => Ok(0),
                Some(x) => x
                    .as_i64()
                    .or_else(|| {
                        x.as_str().and_then(|s| {
                            if s.trim().is_empty() {
                                Some(0)
                            } else {
                                s.trim().parse().ok()
                            }
                        })
                    })
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| format!("“{path}”的值 {x} 不是非负整数")),
            }
        };
        let format = match get_path(v, "format").and_then(Value::as_str) {
            Some("2019") => FormatVersion::Trial2019,
            _ => FormatVersion::Format2021,
        };
        let mrv = |k: &str| -> Result<MadeRepealedValid, String> {
            Ok(MadeRepealedValid {
                made: int(&format!("table2.{k}.made"))?,
                repealed: int(&format!("table2.{k}.repealed"))?,
                valid: int(&format!("table2.{k}.valid"))?,
            })
        };
        let fee = match get_path(v, "table2.admin_fees.amount_wan_yuan") {
            None | Some(Value::Null) => 0,
            Some(Value::String(s)) => parse_wan_yuan(s)?,
            Some(Value::Number(n)) => parse_wan_yuan(&n.to_string())?,
            Some(x) => {
                return Err(format!(
                    "“table2.admin_fees.amount_wan_yuan”的值 {x} 不是金额"
                ));
            }
        };
        let table2 = Table2 {
            regulations: mrv("regulations")?,
            normative_docs: mrv("normative_docs")?,
            licensing: int("table2.licensing.decisions")?,
            penalty: int("table2.penalty.decisions")?,
            coercion: int("table2.coercion.decisions")?,
            admin_fees_fen: fee,
        };
        let mut table3 = Table3::default();
        for (i, (key, _, _)) in T3_ROWS.iter().enumerate() {
            for (c, (ck, _)) in T3_COLUMNS.iter().enumerate() {
                table3.cells[i][c] = int(&format!("table3.{key}.{ck}"))?;
            }
        }
        let mut table4 = Table4::default();
        for (g, gk) in T4_GROUPS.iter().enumerate() {
            for (c, (ck, _)) in T4_RESULTS.iter().enumerate() {
                table4.cells[g][c] = int(&format!("table4.{gk}.{ck}"))?;
            }
        }
        Ok(Self {
            format,
            table2,
            table3,
            table4,
        })
    }

    /// Every cell as (path, value) — for diffs between years and the dashboard export.
    pub fn flat(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        flatten("", &self.to_json(), &mut out);
        out
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wan_yuan_formats_exactly() {
        assert_eq!(wan_yuan(0), "0");
        assert_eq!(wan_yuan(1_000_000), "1");
        assert_eq!(wan_yuan(1_234_500), "1.2345");
        assert_eq!(wan_yuan(1), "0.000001");
        assert_eq!(parse_wan_yuan("0.35").unwrap(), 350_000);
        assert_eq!(parse_wan_yuan(".5").unwrap(), 500_000);
        assert_eq!(parse_wan_yuan("").unwrap(), 0);
        for bad in ["-1", "1.2345678", "abc", "1,5", ".", "1e3"] {
            assert!(parse_wan_yuan(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn wan_yuan_round_trips(fen in 0i64..10_000_000_000_000) {
            prop_assert_eq!(parse_wan_yuan(&wan_yuan(fen)).unwrap(), fen);
        }

        #[test]
        fn json_round_trips(cells in proptest::collection::vec(0i64..1000, 175), t4 in proptest::collection::vec(0i64..50, 15), fee in 0i64..1_000_000_000) {
            let mut f = Figures::default();
            for (i, v) in cells.iter().enumerate() { f.table3.cells[i / 7][i % 7] = *v; }
            for (i, v) in t4.iter().enumerate() { f.table4.cells[i / 5][i % 5] = *v; }
            f.table2.admin_fees_fen = fee;
            f.table2.regulations.made = cells[0];
            f.table2.normative_docs.valid = cells[1];
            prop_assert_eq!(Figures::from_json(&f.to_json()).unwrap(), f);
        }
    }

    #[test]
    fn json_has_reg_keys() {
        let j = Figures::default().to_json();
        for path in [
            "table2.regulations.made",
            "table2.normative_docs.valid",
            "table2.licensing.decisions",
            "table2.penalty.decisions",
            "table2.coercion.decisions",
            "table2.admin_fees.amount_wan_yuan",
            "table3.new_received.total",
            "table3.denied.state_secret.natural_person",
            "table3.other.fee_unpaid.commercial_enterprise",
            "table3.processed_total.total",
            "table3.carried_over_out.other",
            "table4.review.upheld",
            "table4.litigation_direct.total",
            "table4.litigation_after_review.pending",
        ] {
            assert!(get_path(&j, path).is_some(), "{path}");
        }
    }

    #[test]
    fn bad_json_cell_names_the_key() {
        let v = json!({"table3": {"granted": {"total": -1}}});
        let e = Figures::from_json(&v).unwrap_err();
        assert!(e.contains("table3.granted.total"), "{e}");
    }
}
