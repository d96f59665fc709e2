//! The 保密审查表 (REG §5.3) typeset as PDF for the upward syndication package (issue #5):
//! `gongkai_store::syndication::package` takes a renderer callback so that typst stays out of
//! the store; this module is that renderer, built on `gongkai-documents` (the same typesetting
//! path as the annual report).
//!
//! The form is one table with every field the stored review has (`ConfidentialityRecord`, see
//! migration 0003): the proposed disclosure, the four 是否涉及 questions, the drafter's and the
//! head's signed opinions, the reviewer's conclusion with its basis, signature and date, and the
//! remarks (Art. 37 区分处理). The leader's approval is a separate record (`item_approvals`) and
//! is not part of this form.
//!
//! Fonts: the Noto CJK files found on the system or in `GONGKAI_FONT_DIRS`, loaded once per
//! process and shared with the console's letters ([`crate::documents::fonts`]). Without them no
//! PDF is made (logged), and the package still carries the form as JSON with `"pdf": null` in
//! its metadata.

use gongkai_core::items::Disclosure;
use gongkai_documents::{Block, Cell, Document, Row, Table, to_pdf};
use gongkai_store::items::review::Conclusion;
use serde_json::Value;

fn text<'a>(form: &'a Value, key: &str) -> &'a str {
    form.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The value of a text field, or "—" when it was left empty.
fn shown(form: &Value, key: &str) -> String {
    match text(form, key).trim() {
        "" => "—".to_string(),
        s => s.to_string(),
    }
}

fn yes_no(form: &Value, key: &str) -> &'static str {
    if form.get(key).and_then(Value::as_bool).unwrap_or(false) {
        "是"
    } else {
        "否"
    }
}

/// The Chinese label of a stored conclusion code (公开 / 免于公开 / 需报审).
pub fn conclusion_label(code: &str) -> &str {
    [Conclusion::Publish, Conclusion::Withhold, Conclusion::Refer]
        .into_iter()
        .find(|c| c.code() == code)
        .map(Conclusion::label)
        .unwrap_or(code)
}

/// The form as a document: `title` is the item's published title, `form` a stored
/// `ConfidentialityRecord` as JSON (what the package writes to `review-forms/<id>.json`).
pub fn document(title: &str, form: &Value) -> Document {
    let label = |s: &str| Cell::th(s);
    let value = |s: String| Cell::td(s);
    let wide = |s: String| Cell::td(s).span(3, 1);
    let carrier = if text(form, "carrier") == "document" {
        "公文类"
    } else {
        "非公文类"
    };
    let disclosure = Disclosure::from_code(text(form, "disclosure"))
        .map(Disclosure::label)
        .unwrap_or_else(|| text(form, "disclosure"));
    let rows = vec![
        Row::body(vec![label("信息名称"), wide(shown(form, "info_title"))]),
        Row::body(vec![
            label("填表日期"),
            value(shown(form, "form_date")),
            label("拟公开信息单位（承办科室）"),
            value(shown(form, "originating_unit")),
        ]),
        Row::body(vec![
            label("信息载体形式"),
            value(carrier.to_string()),
            label("文号 / 索引号"),
            value(shown(form, "reference_no")),
        ]),
        Row::body(vec![
            label("拟公开方式"),
            value(shown(form, "channels")),
            label("拟公开时间"),
            value(shown(form, "planned_on")),
        ]),
        Row::body(vec![
            label("公开属性"),
            value(disclosure.to_string()),
            label("不予公开的法律依据"),
            value(shown(form, "withhold_ground")),
        ]),
        Row::body(vec![
            label("是否涉及国家秘密"),
            value(yes_no(form, "state_secret").to_string()),
            label("是否涉及工作秘密"),
            value(yes_no(form, "work_secret").to_string()),
        ]),
        Row::body(vec![
            label("是否涉及商业秘密"),
            value(yes_no(form, "commercial_secret").to_string()),
            label("是否涉及个人隐私"),
            value(yes_no(form, "personal_privacy").to_string()),
        ]),
        Row::body(vec![
            label("涉及情况说明"),
            wide(shown(form, "secrets_note")),
        ]),
        Row::body(vec![
            label("承办人初审意见"),
            wide(shown(form, "drafter_opinion")),
        ]),
        Row::body(vec![
            label("承办人签名"),
            value(shown(form, "drafter_name")),
            label("签署日期"),
            value(shown(form, "drafter_on")),
        ]),
        Row::body(vec![
            label("科室负责人审核意见"),
            wide(shown(form, "head_opinion")),
        ]),
        Row::body(vec![
            label("科室负责人签名"),
            value(shown(form, "head_name")),
            label("签署日期"),
            value(shown(form, "head_on")),
        ]),
        Row::body(vec![
            label("保密审查结论"),
            wide(conclusion_label(text(form, "conclusion")).to_string()),
        ]),
        Row::body(vec![label("审查依据和理由"), wide(shown(form, "basis"))]),
        Row::body(vec![
            label("审查人签名"),
            value(shown(form, "reviewer_name")),
            label("审查日期"),
            value(shown(form, "reviewed_on")),
        ]),
        Row::body(vec![
            label("备注（区分处理、删减内容说明）"),
            wide(shown(form, "remarks")),
        ]),
    ];
    let number = |key: &str| {
        form.get(key)
            .and_then(Value::as_i64)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "—".into())
    };
    Document {
        title: "保密审查表".into(),
        subtitle: Some(format!("信息：{title}")),
        blocks: vec![
            Block::Table(Table {
                id: "review".into(),
                caption: format!("政府信息公开保密审查表（{title}）"),
                columns: 4,
                widths: vec![5, 6, 5, 6],
                rows,
            }),
            Block::Paragraph(format!(
                "登记存档：信息编号 {}，审查针对的正文版本编号 {}，审查表编号 {}。本表签署后不得修改，\
                 正文此后的修改须重新审查。",
                number("item_id"),
                number("revision_id"),
                number("id"),
            )),
        ],
    }
}

/// The renderer passed to `syndication::package`: the form as PDF, or `None` (with a warning in
/// the log) when no CJK font is installed or typesetting fails. typst is CPU-bound, so on the
/// multi-threaded server runtime the work is moved off the async worker with `block_in_place`.
pub fn render_pdf(title: &str, form: &Value) -> Option<Vec<u8>> {
    // `documents::fonts` has logged the cause (an internal AppError) when it fails.
    let Ok(fonts) = crate::documents::fonts() else {
        tracing::warn!("保密审查表未生成 PDF：找不到中文字体");
        return None;
    };
    let doc = document(title, form);
    let run = || to_pdf(&doc, fonts);
    let multi_thread = tokio::runtime::Handle::try_current()
        .map(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
        .unwrap_or(false);
    let result = if multi_thread {
        tokio::task::block_in_place(run)
    } else {
        run()
    };
    match result {
        Ok(pdf) => Some(pdf),
        Err(e) => {
            tracing::warn!(error = %e, "保密审查表排版失败");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn form() -> Value {
        json!({
            "id": 7, "item_id": 3, "revision_id": 4, "form_date": "2019-05-06",
            "originating_unit": "康复部", "info_title": "关于调整残疾人两项补贴标准的通知",
            "carrier": "document", "reference_no": "长残联发〔2019〕5号",
            "channels": "政府网站、政务新媒体", "planned_on": "2019-05-10",
            "disclosure": "proactive", "withhold_ground": "", "state_secret": false,
            "work_secret": true, "commercial_secret": false, "personal_privacy": false,
            "secrets_note": "内部联系电话已删除", "drafter_opinion": "建议公开",
            "drafter_name": "张三", "drafter_on": "2019-05-06", "head_opinion": "同意",
            "head_name": "李四", "head_on": null, "conclusion": "publish",
            "basis": "不涉及国家秘密", "reviewer_name": "王五", "reviewer_id": 2,
            "reviewed_on": "2019-05-07", "remarks": "", "created_at": 0
        })
    }

    #[test]
    fn every_field_is_on_the_form() {
        let doc = document("关于调整残疾人两项补贴标准的通知", &form());
        let Block::Table(t) = &doc.blocks[0] else {
            panic!("the form is a table")
        };
        let cells: Vec<String> = t.text_grid().unwrap().into_iter().flatten().collect();
        for want in [
            "2019-05-06",
            "康复部",
            "公文类",
            "长残联发〔2019〕5号",
            "政府网站、政务新媒体",
            "2019-05-10",
            "主动公开",
            "内部联系电话已删除",
            "建议公开",
            "张三",
            "同意",
            "李四",
            "公开",
            "不涉及国家秘密",
            "王五",
            "2019-05-07",
        ] {
            assert!(cells.iter().any(|c| c == want), "{want} missing");
        }
        // 工作秘密 is 是, the other three 否; an unsigned date shows a dash.
        let grid = t.text_grid().unwrap();
        assert_eq!(
            grid[5],
            ["是否涉及国家秘密", "否", "是否涉及工作秘密", "是"]
        );
        assert_eq!(grid[11][3], "—");
        assert!(doc.subtitle.unwrap().contains("两项补贴"));
        assert!(gongkai_documents::to_typst_source(&document("t", &form())).is_ok());
    }

    #[test]
    fn conclusion_labels() {
        assert_eq!(conclusion_label("publish"), "公开");
        assert_eq!(conclusion_label("withhold"), "免于公开");
        assert_eq!(conclusion_label("refer"), "需报审");
        assert_eq!(conclusion_label("odd"), "odd");
    }
}
