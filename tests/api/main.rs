//! The black-box HTTP suite: one binary, one module per area.

mod foundation;
