//! The emails this component queues (contents in `carnet_domain::emails`).

use carnet_domain::emails;
use carnet_domain::Instant;
use carnet_store::repo::outbox::enqueue_content;
use carnet_store::{Db, StoreError};

pub async fn sign_in_link(
    db: &Db,
    now: Instant,
    recipient: &str,
    link: &str,
    minutes: i64,
) -> Result<(), StoreError> {
    enqueue_content(db, now, recipient, &emails::sign_in_link(link, minutes))
        .await
        .map(|_| ())
}

pub async fn account_created(
    db: &Db,
    now: Instant,
    recipient: &str,
    sign_in_page: &str,
    department: &str,
) -> Result<(), StoreError> {
    enqueue_content(
        db,
        now,
        recipient,
        &emails::account_created(sign_in_page, department),
    )
    .await
    .map(|_| ())
}

pub async fn confirm_new_email(
    db: &Db,
    now: Instant,
    recipient: &str,
    link: &str,
) -> Result<(), StoreError> {
    enqueue_content(db, now, recipient, &emails::confirm_new_email(link))
        .await
        .map(|_| ())
}

pub async fn email_changed(db: &Db, now: Instant, recipient: &str) -> Result<(), StoreError> {
    enqueue_content(db, now, recipient, &emails::email_changed())
        .await
        .map(|_| ())
}
