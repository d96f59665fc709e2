//! The application form (依申请公开申请表, 条例 Art. 29) shared by the portal (`/apply`) and the
//! console's staff registration (`/admin/applications/new`): the fields as submitted (strings, so
//! bad input is shown back unchanged), their parsing into the store's `NewApplication`, and the
//! per-field Chinese messages (the store's `validate`, with `gongkai_core::ids` for ID numbers and
//! USCCs). Both templates include `application_fields.html`.

use chrono::NaiveDate;
use gongkai_core::applications::{ApplicantType, DELIVERY, FORMS, HelpNeed};
use gongkai_store::applications::{ID_KINDS, NewApplication, NewItem, validate};
use serde::Deserialize;

/// Requested-item rows on the form (一事一申请; more items go in another application).
pub const ITEM_ROWS: usize = 3;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicationForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub applicant_type: String,
    #[serde(default)]
    pub applicant_name: String,
    #[serde(default)]
    pub id_kind: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub agent_kind: String,
    #[serde(default)]
    pub agent_name: String,
    #[serde(default)]
    pub agent_id_number: String,
    #[serde(default)]
    pub agent_authorisation: String,
    #[serde(default)]
    pub item1_desc: String,
    #[serde(default)]
    pub item1_doc: String,
    #[serde(default)]
    pub item1_features: String,
    #[serde(default)]
    pub item2_desc: String,
    #[serde(default)]
    pub item2_doc: String,
    #[serde(default)]
    pub item2_features: String,
    #[serde(default)]
    pub item3_desc: String,
    #[serde(default)]
    pub item3_doc: String,
    #[serde(default)]
    pub item3_features: String,
    #[serde(default)]
    pub info_form: String,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub help_reading: String,
    #[serde(default)]
    pub help_hearing: String,
    #[serde(default)]
    pub help_other: String,
    #[serde(default)]
    pub help_note: String,
    #[serde(default)]
    pub arrived_on: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub confirmed_on: String,
}

/// A field and its message, in the order the fields appear.
pub type Errors = Vec<(String, String)>;

/// Choice lists for the template.
pub struct Choices {
    pub applicant_types: Vec<(&'static str, &'static str)>,
    pub id_kinds: Vec<(&'static str, &'static str)>,
    pub forms: Vec<(&'static str, &'static str)>,
    pub delivery: Vec<(&'static str, &'static str)>,
}

impl Choices {
    pub fn new() -> Choices {
        Choices {
            applicant_types: ApplicantType::ALL
                .iter()
                .map(|t| (t.code(), t.label()))
                .collect(),
            id_kinds: ID_KINDS.to_vec(),
            forms: FORMS.to_vec(),
            delivery: DELIVERY.to_vec(),
        }
    }
}

impl Default for Choices {
    fn default() -> Self {
        Choices::new()
    }
}

/// Parses an optional `YYYY-MM-DD` field; a malformed one gets its message by the field.
pub fn date_field(errors: &mut Errors, field: &str, value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push((
                field.to_owned(),
                "日期格式应为 年-月-日，例如 2025-03-03".to_owned(),
            ));
            None
        }
    }
}

/// The form field of a store field name (`items.0.description` → `item1_desc`).
fn form_field(store_field: &str) -> String {
    if let Some(rest) = store_field.strip_prefix("items.") {
        let mut parts = rest.splitn(2, '.');
        let n = parts
            .next()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        let f = match parts.next() {
            Some("doc_number") => "doc",
            Some("features") => "features",
            _ => "desc",
        };
        return format!("item{}_{f}", n + 1);
    }
    if store_field == "items" {
        return "item1_desc".to_owned();
    }
    store_field.to_owned()
}

impl ApplicationForm {
    pub fn items(&self) -> [(&str, &str, &str); ITEM_ROWS] {
        [
            (&self.item1_desc, &self.item1_doc, &self.item1_features),
            (&self.item2_desc, &self.item2_doc, &self.item2_features),
            (&self.item3_desc, &self.item3_doc, &self.item3_features),
        ]
    }

    /// The store input and every problem by field. `channel` overrides the form's (the portal
    /// is always `online`); `arrived_on` defaults to today for the portal.
    pub fn parse(
        &self,
        org_id: i64,
        fixed_channel: Option<&str>,
        today: NaiveDate,
    ) -> (NewApplication, Errors) {
        let mut errors = Errors::new();
        let arrived = if fixed_channel.is_some() {
            Some(today)
        } else {
            date_field(&mut errors, "arrived_on", &self.arrived_on)
        };
        let signed = date_field(&mut errors, "signed_on", &self.signed_on);
        let confirmed = date_field(&mut errors, "confirmed_on", &self.confirmed_on);
        let mut help = Vec::new();
        for (flag, need) in [
            (&self.help_reading, HelpNeed::Reading),
            (&self.help_hearing, HelpNeed::Hearing),
            (&self.help_other, HelpNeed::Other),
        ] {
            if !flag.is_empty() {
                help.push(need.code().to_owned());
            }
        }
        let n = NewApplication {
            org_id,
            channel: fixed_channel.unwrap_or(&self.channel).to_owned(),
            applicant_type: self.applicant_type.clone(),
            applicant_name: self.applicant_name.clone(),
            id_kind: self.id_kind.clone(),
            id_number: self.id_number.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            agent_kind: self.agent_kind.clone(),
            agent_name: self.agent_name.clone(),
            agent_id_number: self.agent_id_number.clone(),
            agent_authorisation: self.agent_authorisation.clone(),
            info_form: self.info_form.clone(),
            delivery: self.delivery.clone(),
            help_needs: help,
            help_note: self.help_note.clone(),
            items: self
                .items()
                .iter()
                .map(|(d, n, f)| NewItem {
                    description: (*d).to_owned(),
                    doc_number: (*n).to_owned(),
                    features: (*f).to_owned(),
                })
                .collect(),
            arrived_on: arrived,
            signed_on: signed,
            confirmed_on: confirmed,
            identity_proof_id: None,
        };
        let date_errors: Vec<String> = errors.iter().map(|(f, _)| f.clone()).collect();
        for e in validate(&n, today) {
            let f = form_field(&e.field);
            // A date that did not parse already has its message.
            if date_errors.contains(&f) {
                continue;
            }
            errors.push((f, e.message));
        }
        (n, errors)
    }
}

/// The rules of staff registration on top of the form's (Art. 29; the console's registration
/// and `POST /api/v1/applications` both apply them): the receiving organisation must be one the
/// staff member manages applications for, and online applications come only from the portal
/// (Art. 31: their receipt date is the confirmation date).
pub fn staff_registration_errors(n: &NewApplication, org_in_scope: bool) -> Errors {
    let mut errors = Errors::new();
    if !org_in_scope {
        errors.push(("org_id".into(), "请选择受理机关".into()));
    }
    if n.channel == gongkai_core::applications::Channel::Online.code() {
        errors.push((
            "channel".into(),
            "网上申请由申请人在门户网站提交，请选择其他渠道".into(),
        ));
    }
    errors
}

/// The message for a field, if any (templates call this through their page's `error_for`).
pub fn error_for<'a>(errors: &'a Errors, field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}
