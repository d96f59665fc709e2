//! Pure domain rules of Gongkai. Nothing in this crate does I/O: no database, no network, no files
//! (data tables such as the holiday calendar and the region codes are compiled in with
//! `include_str!`). Every workflow crate builds on these functions, so they are exhaustively tested
//! against independent oracles (see `tests/oracles/`).

pub mod applications;
pub mod auth;
pub mod calendar;
pub mod extract;
pub mod fee;
pub mod filetype;
pub mod forms;
pub mod ids;
pub mod import;
pub mod items;
pub mod mailbox;
pub mod mask;
pub mod org;
pub mod richtext;
pub mod scan;
pub mod vault;
pub mod wechat;
