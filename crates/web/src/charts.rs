//! Server-rendered SVG bar charts for the console's statistics (issue #9), made to be read by
//! everyone (WCAG 2.1 AA):
//! - no JavaScript and no inline style (strict CSP): colours come from `site.css` classes, so
//!   the high-contrast preference recolours them;
//! - the SVG is `role="img"`, named by the chart's `<title>` and described by the one-sentence
//!   summary printed under it (`aria-labelledby`/`aria-describedby`), and the data table with
//!   the same figures stands next to it (the page's job);
//! - every bar carries its value as text and its category as a label; a second series is told
//!   apart by a hatch pattern and by its legend, never by colour alone;
//! - text and bars meet 4.5:1 against the background (the theme's `--fg` and `--link`).
//!
//! All text is escaped here, in one place.

use gongkai_documents::html_escape;

/// How a series is filled (besides its colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Solid,
    Hatched,
}

/// One series of values, one value per category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
    pub fill: Fill,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarChart {
    /// Unique on the page (ids of the title, summary and patterns derive from it).
    pub id: String,
    pub title: String,
    /// The one-sentence text alternative, printed under the chart with id `{id}-summary`.
    pub summary: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// The unit after each value, e.g. 条, 件.
    pub unit: String,
}

const WIDTH: i64 = 640;
const LABEL_W: i64 = 190;
const VALUE_W: i64 = 80;
const BAR_H: i64 = 16;
const GAP: i64 = 10;
const TOP: i64 = 8;
const LEGEND_H: i64 = 28;

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl BarChart {
    /// The SVG element.
    pub fn svg(&self) -> String {
        let id = html_escape(&self.id);
        let n_series = i64::try_from(self.series.len().max(1)).unwrap_or(1);
        let group_h = n_series * BAR_H + GAP;
        let n_cat = i64::try_from(self.categories.len()).unwrap_or(0);
        let legend = if self.series.len() > 1 { LEGEND_H } else { 0 };
        let height = TOP + legend + n_cat.max(1) * group_h + GAP;
        let max = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1);
        let span = WIDTH - LABEL_W - VALUE_W;
        let mut out = format!(
            "<svg class=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
             width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" \
             aria-labelledby=\"{id}-title\" aria-describedby=\"{id}-summary\">\
             \n<title id=\"{id}-title\">{}</title>\n",
            html_escape(&self.title)
        );
        out.push_str(&format!(
            "<defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" \
             patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
             <rect class=\"chart-hatch-bg\" width=\"6\" height=\"6\"/>\
             <line class=\"chart-hatch\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke-width=\"3\"/>\
             </pattern></defs>\n"
        ));
        let fill_attr = |f: Fill| match f {
            Fill::Solid => "class=\"chart-bar\"".to_string(),
            Fill::Hatched => format!("class=\"chart-bar-hatched\" fill=\"url(#{id}-hatch)\""),
        };
        if self.series.len() > 1 {
            let mut x = LABEL_W;
            for s in &self.series {
                out.push_str(&format!(
                    "<rect {} x=\"{x}\" y=\"{TOP}\" width=\"14\" height=\"14\"/>\
                     <text class=\"chart-text\" x=\"{}\" y=\"{}\">{}</text>",
                    fill_attr(s.fill),
                    x + 20,
                    TOP + 12,
                    html_escape(&s.name)
                ));
                out.push('\n');
                x += 20 + 16 * i64::try_from(s.name.chars().count()).unwrap_or(4) + 24;
            }
        }
        out.push_str("<g class=\"chart-rows\">\n");
        for (i, cat) in self.categories.iter().enumerate() {
            let y0 = TOP + legend + i64::try_from(i).unwrap_or(0) * group_h;
            out.push_str(&format!(
                "<text class=\"chart-text\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                LABEL_W - 8,
                y0 + n_series * BAR_H / 2 + 5,
                html_escape(&truncate(cat, 12))
            ));
            for (j, s) in self.series.iter().enumerate() {
                let v = s.values.get(i).copied().unwrap_or(0);
                let y = y0 + i64::try_from(j).unwrap_or(0) * BAR_H;
                let w = if v > 0 { (v * span / max).max(2) } else { 0 };
                out.push_str(&format!(
                    "<rect {} x=\"{LABEL_W}\" y=\"{y}\" width=\"{w}\" height=\"{}\"/>\
                     <text class=\"chart-text\" x=\"{}\" y=\"{}\">{v}{}</text>",
                    fill_attr(s.fill),
                    BAR_H - 2,
                    LABEL_W + w + 6,
                    y + BAR_H - 4,
                    html_escape(&self.unit)
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "</g><line class=\"chart-axis\" x1=\"{LABEL_W}\" y1=\"{}\" x2=\"{LABEL_W}\" y2=\"{}\"/></svg>",
            TOP + legend,
            height - GAP
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_chart_is_named() {
        let c = BarChart {
            id: "c1".into(),
            title: "A<B".into(),
            summary: "s".into(),
            categories: vec!["x&y".into()],
            series: vec![Series {
                name: "n".into(),
                values: vec![3],
                fill: Fill::Solid,
            }],
            unit: "条".into(),
        };
        let svg = c.svg();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"c1-title\" aria-describedby=\"c1-summary\""));
        assert!(svg.contains("<title id=\"c1-title\">A&lt;B</title>"));
        assert!(svg.contains(">x&amp;y<"));
        assert!(svg.contains(">3条<"));
        assert!(!svg.contains("style="));
    }
}
