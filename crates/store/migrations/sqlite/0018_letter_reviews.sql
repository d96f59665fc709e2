-- The confidentiality review (保密审查) of letters to applicants before they are sent (issue #6:
-- the reply letter "passes the #3/#4 confidentiality review"; 条例 Art. 17, 保守国家秘密法 Art. 5;
-- see crates/store/src/applications/letters.rs). Conventions as in 0001.

-- A letter is edited in place until it is sent; each edit makes a new revision, and a review
-- judges one revision (void for any later one, as an item's reviews are, REG §5.4).
ALTER TABLE application_letters ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
-- What the scanner's pre-send check found and how the drafter dealt with it.
ALTER TABLE application_letters ADD COLUMN precheck TEXT NOT NULL DEFAULT '';

-- The review records, immutable: one per (letter, revision).
CREATE TABLE application_letter_reviews (
    id                INTEGER PRIMARY KEY,
    letter_id         BIGINT NOT NULL REFERENCES application_letters(id),
    application_id    BIGINT NOT NULL REFERENCES applications(id),
    letter_revision   BIGINT NOT NULL,
    -- cleared = 同意发出, returned = 退回修改.
    conclusion        TEXT NOT NULL CHECK (conclusion IN ('cleared', 'returned')),
    state_secret      BOOLEAN NOT NULL,
    work_secret       BOOLEAN NOT NULL,
    commercial_secret BOOLEAN NOT NULL,
    personal_privacy  BOOLEAN NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    reviewer_name     TEXT NOT NULL,
    reviewer_id       BIGINT,
    reviewed_on       TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (letter_id, letter_revision)
);
CREATE INDEX application_letter_reviews_app ON application_letter_reviews (application_id);
