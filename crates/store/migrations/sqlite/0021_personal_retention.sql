-- Personal data (issue #13; 个人信息保护法 Art. 19, 47, 51; see crates/store/src/personal.rs).
-- Conventions as in 0001: timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD' (CST).

-- The vault key a sealed file (identity proofs) was written under, so a key rotation finds the
-- files still under an older key without reading every file. NULL for plain files, and for
-- sealed files stored before this column (the re-seal job reads their header once and fills it).
ALTER TABLE attachments ADD COLUMN sealed_key TEXT;

-- When the personal data of a closed application or mailbox message were deleted at the end of
-- their retention period (NULL: still held). The record itself stays for the annual report.
ALTER TABLE applications ADD COLUMN pii_purged_at BIGINT;
ALTER TABLE mailbox_messages ADD COLUMN pii_purged_at BIGINT;
