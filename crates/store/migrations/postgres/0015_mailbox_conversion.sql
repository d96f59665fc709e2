-- Mailbox (issue #7): a message that is really a disclosure application becomes one (#6), and
-- the writer's personal data are sealed by the vault (#13). See crates/store/src/mailbox/convert.rs.
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC.

-- The application a message was converted into, and when. At most one message per application.
ALTER TABLE mailbox_messages ADD COLUMN application_id BIGINT REFERENCES applications(id);
ALTER TABLE mailbox_messages ADD COLUMN converted_at BIGINT;
CREATE UNIQUE INDEX mailbox_messages_application ON mailbox_messages(application_id);

-- pii_name, pii_phone and pii_email now hold vault ciphertexts (personal::SEALED_COLUMNS); rows
-- written before this migration are plaintext until the re-seal job has run (`gongkai serve`
-- queues it at start when any value is pending).
