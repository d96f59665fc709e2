//! Mailbox, online consultation and public messages (issue #7, product.md C8, REG §4.5):
//! administrator-defined boxes and topics ([`boxes`]), messages and their processing form
//! (处理单, [`messages`]), supervision (督办, [`supervision`]), publication of answered
//! questions ([`public`]), conversion into a disclosure application ([`convert`]) and statistics
//! ([`stats`]).
//!
//! **Rules.**
//! - Every change goes through a function here that records the step on the processing form
//!   (`mailbox_steps`: who, when, what) and appends an audit record in the same transaction.
//!   Permission checks (`auth::permits` on the message's `org_id` for the office, on its
//!   `dept_id` for the department) are the caller's; staff lists filter by scope in SQL.
//! - Deadlines: the 条例 sets none for messages (REG §4.5); each box sets a reply period in
//!   working days. The clock runs in the deadlines register (object type [`OBJECT_TYPE`], kind
//!   [`DEADLINE_KIND`]) from the day of receipt, on the box organisation's calendar. A message
//!   handled as 信访 switches to 信访工作条例's calendar-day periods (Art. 34: 60日 from 受理).
//! - Nothing reaches the public unless [`public::PUBLIC_CONDITION`] holds: the writer consented,
//!   the texts were masked, and a confidentiality reviewer approved them.
//! - The writer's name, phone and e-mail are sealed by the personal-data vault (issue #13):
//!   [`messages::Message::contact`] opens them, staff see them masked, a full view goes through
//!   `personal::reveal`.
//! - Step functions take the time of the step (`at`, ms) so that the demo can replay 2019 with
//!   back-dated clocks; handlers pass `now_ms()`.

pub mod boxes;
pub mod convert;
pub mod messages;
pub mod public;
pub mod stats;
pub mod supervision;

pub use boxes::{BoxInput, MailBox, Topic};
pub use messages::{Message, Receipt, Step as StepRow, Submission};

use crate::StoreError;

/// `object_type` of messages in the deadlines register and the audit log.
pub const OBJECT_TYPE: &str = "mailbox_message";
/// Kind of the reply deadline.
pub const DEADLINE_KIND: &str = "reply";

pub(crate) fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// The CST date of a millisecond timestamp.
pub(crate) fn cst_date(ms: i64) -> chrono::NaiveDate {
    crate::items::cst_date(ms)
}
