//! Identity numbers (REG §6): resident ID (公民身份号码), disability certificate number (残疾人证号)
//! and Unified Social Credit Code (统一社会信用代码).

pub mod resident;
pub mod uscc;
