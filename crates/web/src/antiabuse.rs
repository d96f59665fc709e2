//! Abuse protection for the public forms (依申请公开 applications, mailbox messages): rate limits
//! counted in the database and an accessible human check (tech-choices §3.4).
//!
//! # The human check: never an image
//! Many of our readers are blind, deaf, elderly or use only a keyboard, so there is no picture to
//! decipher and no sound to hear. A form offers two ways through, and passing either is enough:
//!
//! - **Proof of work (with JavaScript).** An ALTCHA v2 challenge (the `altcha` crate, deterministic
//!   mode, iterated SHA-256) is embedded in the form; `/static/pow.js` solves it in the background
//!   with Web Crypto (about a second), fills the hidden `altcha` field, hides the question and says
//!   so in a live region. The person does nothing.
//! - **A question in words (without JavaScript).** 「三加四等于几？」 — a screen reader reads it, a
//!   keyboard answers it, and Arabic, full-width or Chinese numerals are all accepted. The answer is
//!   bound to a signed token (HMAC-SM3 over id, expiry and answer), so nothing is kept on the
//!   server until it is used.
//!
//! Both are single-use: a used proof-of-work signature or question id is recorded in
//! `spent_challenges` until it expires (`gongkai_store::ratelimit::spend`). Both expire after
//! [`CHALLENGE_TTL_SECS`]. The signing secret is deployment-wide (`ratelimit::instance_secret`), so
//! any instance verifies what another issued.
//!
//! # Rate limits
//! [`limit`] counts accepted submissions per bucket and key in the database (so limits hold across
//! instances) and answers 429 with a Chinese message saying when to try again. Forms call it once
//! per IP address and once per applicant (a blind index of the identity, never the raw number).
//!
//! # Using it in a form
//! ```ignore
//! #[derive(Deserialize)]
//! struct MyForm { /* fields */ #[serde(flatten)] proof: antiabuse::Proof }
//! // GET: let challenge = antiabuse::issue(&state).await?;  → pass to the template, which does
//! //      {% include "portal/_challenge.html" %} with a `challenge` variable in scope.
//! // POST: if let Err(message) = antiabuse::check(&state, &form.proof).await? { re-render with
//! //      the message by the `captcha_answer` field and a fresh challenge }
//! //      antiabuse::limit(&state, "apply:ip", &ip, settings.per_ip).await?;
//! ```

use crate::AppState;
use crate::error::AppError;
use axum::http::StatusCode;
use gongkai_store::ratelimit::{self, Decision, Limit};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sm3::Sm3;

/// How long a challenge stays valid: long enough to write an application slowly.
pub const CHALLENGE_TTL_SECS: i64 = 2 * 60 * 60;

/// Work for the proof of work: the counter is drawn from this range, so a browser tries on
/// average about 27,500 SHA-256 hashes (well under a second or two on an old phone).
const POW_COUNTER_RANGE: std::ops::RangeInclusive<u32> = 5_000..=50_000;

/// Limits of the public forms; configurable, with these defaults.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Submissions from one IP address (per form).
    pub per_ip: Limit,
    /// Submissions by one applicant or writer (per form), keyed by a blind index.
    pub per_person: Limit,
    /// Status-page look-ups with a wrong secret, per IP address.
    pub lookups_per_ip: Limit,
    /// Look-ups with a wrong secret for one tracking or query number, from anywhere.
    pub lookups_per_number: Limit,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            per_ip: Limit::per_hour(10),
            per_person: Limit::per_day(10),
            lookups_per_ip: Limit::per_hour(30),
            lookups_per_number: Limit {
                max: 5,
                window_ms: 15 * 60_000,
            },
        }
    }
}

/// What a form template needs to render the check (`templates/portal/_challenge.html`).
#[derive(Debug, Clone)]
pub struct Challenge {
    /// The ALTCHA challenge as JSON, for `pow.js`.
    pub pow_json: String,
    /// The question in words, e.g. 「三加四等于几？」.
    pub question: String,
    /// The signed token that binds the question's answer.
    pub token: String,
    /// The cache-busting URL of `pow.js`.
    pub script_url: String,
}

/// The fields a form submits for the check; flatten it into the form struct.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Proof {
    /// Base64 JSON of the solved ALTCHA payload (filled in by `pow.js`).
    #[serde(default)]
    pub altcha: String,
    #[serde(default)]
    pub captcha_token: String,
    #[serde(default)]
    pub captcha_answer: String,
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

async fn secret(state: &AppState) -> Result<String, AppError> {
    Ok(ratelimit::instance_secret(&state.db, "public-form-challenge").await?)
}

fn now_secs() -> i64 {
    gongkai_store::now_ms() / 1000
}

fn sign(secret: &str, id: &str, expires: i64, answer: i64) -> String {
    let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(format!("{id}|{expires}|{answer}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A question in words and its answer: a sum or a difference of small numbers, never negative.
fn question(a: u32, b: u32, add: bool) -> (String, i64) {
    let (a, b) = (a % 10, b % 10);
    if add {
        (
            format!("{}加{}等于几？", DIGITS[a as usize], DIGITS[b as usize]),
            i64::from(a + b),
        )
    } else {
        let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
        (
            format!("{}减{}等于几？", DIGITS[hi as usize], DIGITS[lo as usize]),
            i64::from(hi - lo),
        )
    }
}

/// Reads an answer written in Arabic, full-width or Chinese numerals (0–18), e.g. 「12」「１２」
/// 「十二」「一十二」. Anything else is `None`.
pub fn parse_answer(input: &str) -> Option<i64> {
    let s: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok().filter(|n| *n <= 99);
    }
    let digit = |c: char| {
        if c == '〇' || c == '零' {
            Some(0)
        } else if c == '两' {
            Some(2)
        } else {
            DIGITS
                .iter()
                .position(|d| d.starts_with(c))
                .map(|d| d as i64)
        }
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => digit(*u).map(|u| 10 + u),
        [t, '十'] => digit(*t).filter(|t| *t > 0).map(|t| t * 10),
        [t, '十', u] => Some(digit(*t).filter(|t| *t > 0)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// Issues a fresh check for a form.
pub async fn issue(state: &AppState) -> Result<Challenge, AppError> {
    let secret = secret(state).await?;
    let expires = now_secs() + CHALLENGE_TTL_SECS;
    let pow = altcha::create_challenge(altcha::CreateChallengeOptions {
        algorithm: "SHA-256".to_string(),
        cost: 1,
        counter: Some(rand::random_range(POW_COUNTER_RANGE)),
        expires_at: Some(expires),
        hmac_signature_secret: Some(secret.clone()),
        hmac_key_signature_secret: Some(secret.clone()),
        ..Default::default()
    })
    .map_err(|e| AppError::internal(format!("altcha challenge: {e}")))?;
    let pow_json =
        serde_json::to_string(&pow).map_err(|e| AppError::internal(format!("altcha json: {e}")))?;
    let (q, answer) = question(rand::random(), rand::random(), rand::random());
    let id = gongkai_store::sessions::random_token()[..32].to_string();
    let token = format!("{id}.{expires}.{}", sign(&secret, &id, expires, answer));
    Ok(Challenge {
        pow_json,
        question: format!("{q}请填写数字。"),
        token,
        script_url: crate::assets::url("pow.js"),
    })
}

/// Checks a submitted proof. `Ok(Err(message))` is a person's mistake, with a Chinese message to
/// show by the question field (the form re-renders with a fresh challenge); `Err` is a server
/// failure.
pub async fn check(state: &AppState, proof: &Proof) -> Result<Result<(), String>, AppError> {
    let secret = secret(state).await?;
    if !proof.altcha.trim().is_empty() && check_pow(state, &secret, proof.altcha.trim()).await? {
        return Ok(Ok(()));
    }
    let answer = proof.captcha_answer.trim();
    if answer.is_empty() {
        return Ok(Err("请回答验证问题（计算题），用数字填写答案。".into()));
    }
    let Some(answer) = parse_answer(answer) else {
        return Ok(Err("验证问题的答案请用数字填写，例如“7”或“七”。".into()));
    };
    let mut parts = proof.captcha_token.splitn(3, '.');
    let (Some(id), Some(expires), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(Err("验证问题已失效，请回答新的验证问题。".into()));
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return Ok(Err("验证问题已失效，请回答新的验证问题。".into()));
    };
    if expires < now_secs() {
        return Ok(Err("验证问题已超过有效时间，请回答新的验证问题。".into()));
    }
    let expected = sign(&secret, id, expires, answer);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_bytes(),
        mac.as_bytes(),
    )) {
        return Ok(Err("验证问题的答案不正确，请重新计算后填写。".into()));
    }
    if !ratelimit::spend(&state.db, &format!("q:{id}"), expires * 1000).await? {
        return Ok(Err("这个验证问题已经用过，请回答新的验证问题。".into()));
    }
    Ok(Ok(()))
}

/// True when `payload` is a valid, unexpired, unused solution of a challenge we issued.
async fn check_pow(state: &AppState, secret: &str, payload: &str) -> Result<bool, AppError> {
    use base64::Engine as _;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(payload) else {
        return Ok(false);
    };
    let Ok(payload) = serde_json::from_slice::<altcha::Payload>(&bytes) else {
        return Ok(false);
    };
    let options = altcha::VerifySolutionOptions {
        hmac_key_signature_secret: Some(secret.to_string()),
        ..altcha::VerifySolutionOptions::new(&payload.challenge, &payload.solution, secret)
    };
    let verified = altcha::verify_solution(options).is_ok_and(|r| r.verified);
    if !verified {
        return Ok(false);
    }
    let (Some(signature), Some(expires)) = (
        payload.challenge.signature.as_deref(),
        payload.challenge.parameters.expires_at,
    ) else {
        return Ok(false);
    };
    Ok(ratelimit::spend(&state.db, &format!("p:{signature}"), expires * 1000).await?)
}

fn too_many(retry_at_ms: i64) -> AppError {
    let minutes = ((retry_at_ms - gongkai_store::now_ms()).max(0) + 59_999) / 60_000;
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("提交过于频繁，请在约 {minutes} 分钟后再试。如有急事，请拨打页面底部的咨询电话。"),
    )
}

/// Guards a look-up by number + secret (the application status page, the mailbox query page):
/// refused with 429 *before* the secret is compared once `bucket` holds `limit` failures for
/// `key`, so a guesser who reached the limit cannot tell a right secret from a wrong one. Count
/// each failure with [`lookup_failed`].
pub async fn lookup_guard(
    state: &AppState,
    bucket: &str,
    key: &str,
    limit: Limit,
) -> Result<(), AppError> {
    match ratelimit::check(&state.db, bucket, key, limit).await? {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_at_ms } => Err(too_many(retry_at_ms)),
    }
}

/// Counts a failed look-up (see [`lookup_guard`]).
pub async fn lookup_failed(
    state: &AppState,
    bucket: &str,
    key: &str,
    limit: Limit,
) -> Result<(), AppError> {
    ratelimit::take(&state.db, bucket, key, limit).await?;
    Ok(())
}

/// Counts one submission in `bucket` for `key`; 429 with a Chinese message when over the limit.
pub async fn limit(
    state: &AppState,
    bucket: &str,
    key: &str,
    limit: Limit,
) -> Result<(), AppError> {
    match ratelimit::take(&state.db, bucket, key, limit).await? {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_at_ms } => Err(too_many(retry_at_ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_any_numerals() {
        for (input, want) in [
            ("7", Some(7)),
            (" 12 ", Some(12)),
            ("１２", Some(12)),
            ("七", Some(7)),
            ("零", Some(0)),
            ("〇", Some(0)),
            ("十", Some(10)),
            ("十二", Some(12)),
            ("一十二", Some(12)),
            ("两", Some(2)),
            ("十八", Some(18)),
            ("", None),
            ("abc", None),
            ("十十", None),
            ("7个", None),
            ("100", None),
        ] {
            assert_eq!(parse_answer(input), want, "{input:?}");
        }
    }

    #[test]
    fn every_question_has_a_small_non_negative_answer_readable_back() {
        for a in 0..10 {
            for b in 0..10 {
                for add in [true, false] {
                    let (q, answer) = question(a, b, add);
                    assert!((0..=18).contains(&answer), "{q}");
                    assert!(q.ends_with("等于几？"));
                    // The answer written the way a person might, in Chinese numerals, parses back.
                    let words = if answer < 10 {
                        DIGITS[answer as usize].to_string()
                    } else if answer == 10 {
                        "十".to_string()
                    } else {
                        format!("十{}", DIGITS[(answer - 10) as usize])
                    };
                    assert_eq!(parse_answer(&words), Some(answer), "{q} {words}");
                    assert_eq!(parse_answer(&answer.to_string()), Some(answer));
                }
            }
        }
    }
}
