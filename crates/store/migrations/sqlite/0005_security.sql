-- Security hardening (issue #13): account lockout, last login, TOTP second factor, password
-- history, and the SM3 audit chain. Same schema on both backends.

-- Lockout is counted in the database so that it holds across instances: consecutive failures
-- since the last success, and the time until which logins are refused (NULL = not locked).
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
-- Shown to the user after the next login ("上次登录：…，来自 …").
ALTER TABLE users ADD COLUMN last_login_at BIGINT;
ALTER TABLE users ADD COLUMN last_login_ip TEXT;
-- RFC 6238 secret (base32). totp_enabled only after the user confirmed a code; totp_last_step
-- is the last accepted time step, so a code cannot be replayed.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Argon2id hashes of earlier passwords (no reuse of the last N).
CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- Each audit record names the hash algorithm of its own content hash. Records written before
-- this migration used SHA-256; the application writes 'sm3' from now on (GB/T 32905-2016).
ALTER TABLE audit_log ADD COLUMN hash_alg TEXT NOT NULL DEFAULT 'sha256';

-- A session waiting for the TOTP code after a correct password grants nothing yet; the notice
-- of the previous login is shown once on the first page after login.
ALTER TABLE sessions ADD COLUMN pending_totp BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN login_notice TEXT;
