//! Information items of proactive disclosure (主动公开, product.md C2/C3, 条例 Arts. 19–26): the
//! pure rules the store and the pages build on — the review workflow ([`workflow`]), the 索引号
//! template language ([`index_no`]) and the default catalog vocabularies ([`vocab`]).

pub mod index_no;
pub mod vocab;
pub mod workflow;

pub use index_no::{DEFAULT_TEMPLATE, Template, TemplateError};
pub use vocab::{Disclosure, Validity, VocabKind};
pub use workflow::{
    Capabilities, Check, INVALIDATION_NOTICE, ItemAction, ReviewChecks, State, WorkflowError,
    transition,
};

/// The Art. 26 period: published within 20 working days of 形成或者变更 (REG §1.4).
pub const PUBLICATION_WORKDAYS: u32 = 20;
