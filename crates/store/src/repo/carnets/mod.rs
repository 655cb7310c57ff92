//! Beneficiaries and their notebooks, one concern per file:
//!
//! - [`create`]: creating a beneficiary and their notebook; the search words and name keys kept
//!   in step with the names, memberships and archiving;
//! - [`keys`]: the name and phone keys they are compared and found by;
//! - [`duplicates`]: who may be the same person;
//! - [`facts`]: what the read policy needs of a notebook, and a beneficiary's notebook;
//! - [`view`]: the full view (with or without the NIR), [`card`]: the restricted card, and
//!   [`members`]: the members both show;
//! - [`lists`]: portfolios, the département's list, recently viewed; [`search`]: search.
//!
//! The access log every read writes is [`crate::repo::access_log`]; the paged answer,
//! [`crate::repo::page::Page`]. Both are re-exported here, as is every public item of the files
//! above, so that callers write `carnets::create`, `carnets::Duplicate`…

pub mod card;
pub mod create;
pub mod duplicates;
pub mod facts;
pub mod keys;
pub mod lists;
pub mod members;
pub mod search;
pub mod view;

pub use super::access_log::{log_access, AccessLogEntry, ACCESS_LOG};
pub use super::page::Page;
pub use card::{card, Card, CardIdentity, CardView};
pub use create::{
    create, refresh_all_member_keys, refresh_member_keys, reindex_names, set_listed, NewBeneficiary,
};
pub use duplicates::{duplicates_of, find_duplicates, Duplicate, DuplicateRule, DuplicateRules};
pub use facts::{facts, facts_from_rows, notebook_of, FACTS_SQL};
pub use keys::{name_key, phone_key};
pub use lists::{
    department, portfolio, recent, structure_portfolio, CardLine, DepartmentFilter, ListItem,
};
pub use members::{Member, MemberStructure, MemberType};
pub use search::search;
pub use view::{full, FullView, Identity, IdentityWithNir, NotebookIdentity};
