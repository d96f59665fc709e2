//! GB/T 2260 administrative-division codes (行政区划代码), used for the address code of a resident ID
//! (REG §6.1, positions 1–6) and the registration-authority region of a USCC (REG §6.3, positions 3–8).
//!
//! The table (`data/regions.tsv`, compiled in) lists every code that appeared in any GB/T 2260
//! revision from 1980-12 to 2023-06, one row per period, with the year it was first listed and the
//! year it was first absent; see the file header for sources and licences.
//!
//! Rule for historic codes (our decision, documented in `ids::check`): a resident ID keeps the
//! address code it was given at first registration for life (居民身份证法 Art. 3, "终身不变"),
//! and that registration can be long after birth (people born before the 1984 first cards were
//! numbered as adults). So a code that was only created after the birth year is still acceptable.
//! What cannot happen is a number whose code had already been abolished before its holder was born:
//! a code is acceptable for birth year Y when some period of it has not ended before Y
//! (`until` ≥ Y, or still current). python-stdnum's `ric` is stricter: it also rejects codes created
//! after the birth year.

use std::sync::LazyLock;

/// One listing period of a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPeriod {
    /// The six-digit code.
    pub code: &'static str,
    /// The division's name in the last revision of this period.
    pub name: &'static str,
    /// The year of the first revision that lists the code (1980 means 1980 or earlier).
    pub from: u16,
    /// The year of the first revision where it is no longer listed; `None` while current.
    pub until: Option<u16>,
}

impl RegionPeriod {
    /// True while the code is in the latest revision of the table.
    pub fn is_current(&self) -> bool {
        self.until.is_none()
    }

    /// True when a number assigned to someone born in `year` can carry this code.
    pub fn usable_for_birth_year(&self, year: u16) -> bool {
        self.until.is_none_or(|until| year <= until)
    }

    fn overlaps(&self, other: &RegionPeriod) -> bool {
        let end_a = self.until.unwrap_or(u16::MAX);
        let end_b = other.until.unwrap_or(u16::MAX);
        self.from <= end_b && other.from <= end_a
    }
}

const DATA: &str = include_str!("../../data/regions.tsv");

/// Rows sorted by code, then by start year (the file is written in that order; we sort anyway).
static TABLE: LazyLock<Vec<RegionPeriod>> = LazyLock::new(|| {
    let mut rows: Vec<RegionPeriod> = DATA.lines().filter_map(parse_line).collect();
    rows.sort_by(|a, b| a.code.cmp(b.code).then(a.from.cmp(&b.from)));
    rows
});

fn parse_line(line: &'static str) -> Option<RegionPeriod> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let mut cols = line.split('\t');
    let code = cols.next()?;
    let name = cols.next()?;
    let from = cols.next()?.parse().ok()?;
    let until = match cols.next()? {
        "" => None,
        y => Some(y.parse().ok()?),
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(RegionPeriod {
        code,
        name,
        from,
        until,
    })
}

/// All rows of the table, sorted by code then start year.
pub fn table() -> &'static [RegionPeriod] {
    &TABLE
}

/// Every listing period of `code`, oldest first; empty when the code was never listed.
pub fn periods(code: &str) -> &'static [RegionPeriod] {
    let rows = table();
    let start = rows.partition_point(|r| r.code < code);
    let end = rows.partition_point(|r| r.code <= code);
    &rows[start..end]
}

/// The resolved name of a code: province, prefecture (when there is a named one) and county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionName {
    pub province: Option<&'static str>,
    pub city: Option<&'static str>,
    pub county: Option<&'static str>,
    /// The parts joined, e.g. `北京市东城区`, `河北省石家庄市长安区`.
    pub full: String,
    /// False when the code is historic (abolished or renumbered).
    pub current: bool,
}

/// Placeholder names of the prefecture level that are not part of a place name.
fn is_placeholder(name: &str) -> bool {
    matches!(name, "市辖区" | "县" | "郊区" | "矿区")
        || name.ends_with("直辖县级行政区划")
        || name.ends_with("直辖县级行政单位")
}

/// The period of `code` that best matches `period`: an overlapping one, latest first, else the latest.
fn parent_period(code: &str, period: &RegionPeriod) -> Option<&'static RegionPeriod> {
    let all = periods(code);
    all.iter()
        .rev()
        .find(|p| p.overlaps(period))
        .or_else(|| all.last())
}

/// Names `period` with its province and prefecture of the same era.
pub fn name_of(period: &RegionPeriod) -> RegionName {
    let code = period.code;
    let province_code = format!("{}0000", &code[..2]);
    let city_code = format!("{}00", &code[..4]);
    let province = parent_period(&province_code, period).map(|p| p.name);
    let city = if code.ends_with("0000") {
        None
    } else {
        parent_period(&city_code, period)
            .map(|p| p.name)
            .filter(|n| !is_placeholder(n))
    };
    let county = if code.ends_with("00") {
        None
    } else {
        Some(period.name).filter(|n| *n != "市辖区")
    };
    // A prefecture-level code names itself as the city.
    let city = if code.ends_with("00") && !code.ends_with("0000") {
        Some(period.name).filter(|n| !is_placeholder(n))
    } else {
        city
    };
    // A prefecture without districts lists itself at county level (620201 嘉峪关市).
    let county = county.filter(|c| Some(*c) != city);
    let full: String = [province, city, county].iter().flatten().copied().collect();
    RegionName {
        province,
        city,
        county,
        full,
        current: period.is_current(),
    }
}

/// The period to report for `code` and an optional birth year: the latest usable one, else the latest.
pub fn lookup(code: &str, birth_year: Option<u16>) -> Option<&'static RegionPeriod> {
    let all = periods(code);
    match birth_year {
        Some(y) => all
            .iter()
            .rev()
            .find(|p| p.usable_for_birth_year(y))
            .or_else(|| all.last()),
        None => all.last(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_line_parses() {
        let data_lines = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(table().len(), data_lines);
        assert!(table().len() > 7000);
    }

    #[test]
    fn codes_are_six_digits_and_periods_ordered() {
        for r in table() {
            assert_eq!(r.code.len(), 6);
            assert!(!r.name.is_empty());
            assert!((1980..=2023).contains(&r.from), "{r:?}");
            if let Some(u) = r.until {
                assert!(u >= r.from, "{r:?}");
            }
        }
    }

    #[test]
    fn current_and_historic_codes() {
        let dongcheng = lookup("110101", None).map(name_of);
        assert_eq!(
            dongcheng.as_ref().map(|n| n.full.as_str()),
            Some("北京市东城区")
        );
        assert_eq!(dongcheng.map(|n| n.current), Some(true));

        let chongwen = periods("110103");
        assert_eq!(chongwen.len(), 1);
        assert_eq!(chongwen[0].name, "崇文区");
        assert_eq!(chongwen[0].until, Some(2010));
        assert!(chongwen[0].usable_for_birth_year(1949));
        assert!(chongwen[0].usable_for_birth_year(2010));
        assert!(!chongwen[0].usable_for_birth_year(2011));

        assert!(periods("110199").is_empty());
        assert!(periods("999999").is_empty());
    }

    #[test]
    fn prefecture_names() {
        let n = lookup("360426", None).map(name_of);
        assert_eq!(n.as_ref().and_then(|n| n.province), Some("江西省"));
        assert_eq!(n.as_ref().and_then(|n| n.city), Some("九江市"));
        assert_eq!(n.as_ref().and_then(|n| n.county), Some("德安县"));
        let n = lookup("620201", Some(1990)).map(name_of);
        assert_eq!(n.map(|n| n.full), Some("甘肃省嘉峪关市".to_string()));
        let p = lookup("110000", None).map(name_of);
        assert_eq!(p.map(|n| n.full), Some("北京市".to_string()));
    }

    #[test]
    fn reused_code_picks_the_period_for_the_birth_year() {
        // 132201 was 邢台市 (to 1983), then 南宫市 (1986-1993).
        assert_eq!(lookup("132201", Some(1950)).map(|p| p.name), Some("南宫市"));
        assert!(periods("132201").iter().any(|p| p.name == "邢台市"));
        assert_eq!(lookup("132201", Some(2000)).map(|p| p.name), Some("南宫市"));
    }
}
