#!/usr/bin/env python3
"""Generates crates/core/data/calendar/CN/<year>.toml (issue #3) from the MIT-licensed npm package
`chinese-days` 1.5.7 (installed in tests/node_modules by scripts/test-deps.sh) and the table of
State Council notices below. Runs offline once the npm package is installed.

The generated TOML files are the source of truth: the application compiles them in; this script
only exists so that the day lists can be regenerated and reviewed. For a new year, either add the
notice to NOTICES and re-run (after updating chinese-days), or write the TOML by hand from the
notice text.

Keying (see crates/core/src/calendar/mod.rs): a file is keyed by the year of the notice
("关于YYYY年部分节假日安排的通知"), not by the date. The 元旦 arrangement of year Y can move days at
the end of December of Y-1 (for example 2018-12-29 is in the 2019 notice), so December days named
元旦 go to the next year's file.

Usage: python3 scripts/gen-calendar-data.py   (from the repository root)
"""

import datetime
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "tests" / "node_modules" / "chinese-days" / "dist" / "chinese-days.json"
OUT = REPO / "crates" / "core" / "data" / "calendar" / "CN"
FIRST, LAST = 2007, 2026

# Notice metadata per year: (title, document number or "" if not verified, [urls], note).
# URLs: holiday-cn `papers` (NateScarlet/holiday-cn, MIT) for 2007-2020; REG §7.1 for 2025/2026;
# gov.cn addresses cited by several independent open-source calendars for 2016 and 2021-2024.
# Document numbers: checked against reprints of the notice text (see the issue #3 report).
GOV = "http://www.gov.cn/zhengce/content/"
NOTICES = {
    2007: [("国务院办公厅关于2007年部分节假日安排的通知", "国办发明电〔2006〕49号",
            [GOV + "2008-03/28/content_1761.htm"], "")],
    2008: [("国务院办公厅关于2008年部分节假日安排的通知", "",
            [GOV + "2008-03/28/content_1645.htm"], "文号未核实")],
    2009: [("国务院办公厅关于2009年部分节假日安排的通知", "国办发明电〔2008〕42号",
            [GOV + "2008-12/10/content_1572.htm"], "")],
    2010: [("国务院办公厅关于2010年部分节假日安排的通知", "国办发明电〔2009〕27号",
            [GOV + "2009-12/08/content_1476.htm"], "")],
    2011: [("国务院办公厅关于2011年部分节假日安排的通知", "国办发明电〔2010〕40号",
            [GOV + "2010-12/10/content_1423.htm"], "")],
    2012: [("国务院办公厅关于2012年部分节假日安排的通知", "国办发明电〔2011〕45号",
            [GOV + "2011-12/06/content_1411.htm"], "")],
    2013: [("国务院办公厅关于2013年部分节假日安排的通知", "国办发明电〔2012〕33号",
            [GOV + "2012-12/10/content_1353.htm"], "")],
    2014: [("国务院办公厅关于2014年部分节假日安排的通知", "国办发明电〔2013〕28号",
            [GOV + "2014-01/02/content_1194.htm"], "")],
    2015: [("国务院办公厅关于2015年部分节假日安排的通知", "国办发明电〔2014〕28号",
            [GOV + "2014-12/16/content_9302.htm"], ""),
           ("国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知", "国发明电〔2015〕1号",
            [GOV + "2015-05/13/content_9742.htm"], "9月3日至5日调休放假，9月6日（星期日）上班")],
    2016: [("国务院办公厅关于2016年部分节假日安排的通知", "国办发明电〔2015〕18号",
            [GOV + "2015-12/10/content_10394.htm"], "")],
    2017: [("国务院办公厅关于2017年部分节假日安排的通知", "国办发明电〔2016〕17号",
            [GOV + "2016-12/01/content_5141603.htm"], "")],
    2018: [("国务院办公厅关于2018年部分节假日安排的通知", "国办发明电〔2017〕12号",
            [GOV + "2017-11/30/content_5243579.htm"], "")],
    2019: [("国务院办公厅关于2019年部分节假日安排的通知", "国办发明电〔2018〕15号",
            [GOV + "2018-12/06/content_5346276.htm"], ""),
           ("国务院办公厅关于调整2019年劳动节假期安排的通知", "国办发明电〔2019〕3号",
            [GOV + "2019-03/22/content_5375877.htm"],
            "劳动节改为5月1日至4日放假调休，4月28日（星期日）、5月5日（星期日）上班")],
    2020: [("国务院办公厅关于2020年部分节假日安排的通知", "国办发明电〔2019〕16号",
            [GOV + "2019-11/21/content_5454164.htm"], ""),
           ("国务院办公厅关于延长2020年春节假期的通知", "国办发明电〔2020〕1号",
            [GOV + "2020-01/27/content_5472352.htm"],
            "春节假期延长至2月2日；原定2月1日（星期六）上班取消")],
    2021: [("国务院办公厅关于2021年部分节假日安排的通知", "国办发明电〔2020〕27号",
            [GOV + "2020-11/25/content_5564127.htm"], "")],
    2022: [("国务院办公厅关于2022年部分节假日安排的通知", "国办发明电〔2021〕11号",
            [GOV + "2021-10/25/content_5644835.htm"], "")],
    2023: [("国务院办公厅关于2023年部分节假日安排的通知", "国办发明电〔2022〕16号",
            ["http://www.gov.cn/zhengce/zhengceku/2022-12/08/content_5730844.htm"], "")],
    2024: [("国务院办公厅关于2024年部分节假日安排的通知", "国办发明电〔2023〕7号",
            ["https://www.gov.cn/zhengce/content/202310/content_6911527.htm"], "")],
    2025: [("国务院办公厅关于2025年部分节假日安排的通知", "国办发明电〔2024〕12号",
            ["https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm"], "")],
    2026: [("国务院办公厅关于2026年部分节假日安排的通知", "国办发明电〔2025〕7号",
            ["https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"], "")],
}

# chinese-days uses short names for some festivals; the notices use the full ones.
NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
# Years whose notice arranges 中秋节 and 国庆节 as one block, with the notice's heading (chinese-days
# names those days one by one).
COMBINED = {
    2009: "国庆节、中秋节",
    2012: "中秋节、国庆节",
    2017: "中秋节、国庆节",
    2020: "国庆节、中秋节",
    2023: "中秋节、国庆节",
    2025: "国庆节、中秋节",
}
# Days whose name should say why they differ from the original notice.
RENAMED = {
    "2020-01-31": "春节（抗击新冠肺炎疫情延长假期）",
    "2020-02-01": "春节（抗击新冠肺炎疫情延长假期）",
    "2020-02-02": "春节（抗击新冠肺炎疫情延长假期）",
}


def notice_year(date: str, name: str) -> int:
    year = int(date[:4])
    if date[5:7] == "12" and name == "元旦":
        return year + 1
    return year


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def main() -> int:
    if not SOURCE.exists():
        print(f"{SOURCE} missing: run scripts/test-deps.sh first", file=sys.stderr)
        return 1
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    by_year: dict[int, list[tuple[str, bool, str]]] = {}
    for key, off in (("holidays", True), ("workdays", False)):
        for date, value in data[key].items():
            name = value.split(",")[1]
            name = NAMES.get(name, name)
            year = notice_year(date, name)
            if year in COMBINED and name in ("国庆节", "中秋节"):
                name = COMBINED[year]
            name = RENAMED.get(date, name)
            by_year.setdefault(year, []).append((date, off, name))

    OUT.mkdir(parents=True, exist_ok=True)
    for year in range(FIRST, LAST + 1):
        days = sorted(by_year.get(year, []))
        if not days:
            print(f"no data for {year}", file=sys.stderr)
            return 1
        # Group by holiday name, in order of first appearance.
        groups: dict[str, dict[str, list[str]]] = {}
        for date, off, name in days:
            datetime.date.fromisoformat(date)  # validates
            groups.setdefault(name, {"off": [], "work": []})["off" if off else "work"].append(date)
        lines = [
            f"# 国务院办公厅关于{year}年部分节假日安排的通知（及其调整通知）：放假日与调休上班日。",
            "# Source: generated by scripts/gen-calendar-data.py from the npm package chinese-days 1.5.7",
            "# (MIT, vsme/chinese-days, dist/chinese-days.json), cross-checked day by day against",
            "# chinesecalendar 1.11.0 (PyPI, MIT) in tests/oracles/test_calendar.py. Notice URLs from",
            "# NateScarlet/holiday-cn (MIT) `papers` and gov.cn; document numbers from reprints of the notices.",
            "# Keyed by notice year: December days of the 元旦 arrangement belong to the next year's file.",
            "# `off` lists the days off of each holiday, including weekends joined to it (与周末连休);",
            "# `work` lists the adjusted working days (调休上班).",
            "",
            f"year = {year}",
        ]
        for title, number, urls, note in NOTICES[year]:
            lines += ["", "[[notices]]", f"title = {toml_str(title)}"]
            if number:
                lines.append(f"document_number = {toml_str(number)}")
            lines.append("urls = [" + ", ".join(toml_str(u) for u in urls) + "]")
            if note:
                lines.append(f"note = {toml_str(note)}")
        for name, g in groups.items():
            lines += ["", "[[holidays]]", f"name = {toml_str(name)}"]
            lines.append("off = [" + ", ".join(toml_str(d) for d in g["off"]) + "]")
            lines.append("work = [" + ", ".join(toml_str(d) for d in g["work"]) + "]")
        (OUT / f"{year}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {LAST - FIRST + 1} files to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
