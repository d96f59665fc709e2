//! The compiled-in official holiday data: one TOML file per State Council notice year
//! (REG §7.1), keyed by notice year. See `crates/core/data/calendar/CN/` and
//! `scripts/gen-calendar-data.py`. To add a year, add its file here.

/// `(notice year, file text)`, ascending.
pub(super) const OFFICIAL_FILES: &[(i32, &str)] = &[
    (2007, include_str!("../../data/calendar/CN/2007.toml")),
    (2008, include_str!("../../data/calendar/CN/2008.toml")),
    (2009, include_str!("../../data/calendar/CN/2009.toml")),
    (2010, include_str!("../../data/calendar/CN/2010.toml")),
    (2011, include_str!("../../data/calendar/CN/2011.toml")),
    (2012, include_str!("../../data/calendar/CN/2012.toml")),
    (2013, include_str!("../../data/calendar/CN/2013.toml")),
    (2014, include_str!("../../data/calendar/CN/2014.toml")),
    (2015, include_str!("../../data/calendar/CN/2015.toml")),
    (2016, include_str!("../../data/calendar/CN/2016.toml")),
    (2017, include_str!("../../data/calendar/CN/2017.toml")),
    (2018, include_str!("../../data/calendar/CN/2018.toml")),
    (2019, include_str!("../../data/calendar/CN/2019.toml")),
    (2020, include_str!("../../data/calendar/CN/2020.toml")),
    (2021, include_str!("../../data/calendar/CN/2021.toml")),
    (2022, include_str!("../../data/calendar/CN/2022.toml")),
    (2023, include_str!("../../data/calendar/CN/2023.toml")),
    (2024, include_str!("../../data/calendar/CN/2024.toml")),
    (2025, include_str!("../../data/calendar/CN/2025.toml")),
    (2026, include_str!("../../data/calendar/CN/2026.toml")),
];
