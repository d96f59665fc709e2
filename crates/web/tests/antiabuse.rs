//! The public forms' human check and rate limits (crates/web/src/antiabuse.rs), on SQLite and
//! PostgreSQL: a proof of work solved the way `pow.js` solves it passes once and never twice; the
//! question in words passes with the right answer in any numerals, once; forged, expired or wrong
//! proofs are refused with a Chinese message; over the limit gives 429 in Chinese.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use axum::http::StatusCode;
use base64::Engine as _;
use gongkai_store::ratelimit::Limit;
use gongkai_store::testing::TestDb;
use gongkai_web::antiabuse::{self, Proof, parse_answer};
use gongkai_web::{AppState, WebConfig};

macro_rules! both {
    ($name:ident, |$state:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($state: AppState) $body

            #[tokio::test]
            async fn sqlite() {
                let t = TestDb::sqlite().await;
                run(AppState::new(t.db.clone(), WebConfig::default())).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = TestDb::postgres().await else {
                    return;
                };
                run(AppState::new(t.db.clone(), WebConfig::default())).await;
            }
        }
    };
}

/// The answer to 「三加四等于几？请填写数字。」, worked out from the words.
fn answer_of(question: &str) -> i64 {
    let chars: Vec<char> = question.chars().collect();
    let a = parse_answer(&chars[0].to_string()).unwrap();
    let b = parse_answer(&chars[2].to_string()).unwrap();
    match chars[1] {
        '加' => a + b,
        '减' => a - b,
        op => panic!("unexpected operator {op}"),
    }
}

/// Solves the challenge with the reference implementation, as the browser script does.
fn solve(pow_json: &str) -> String {
    let challenge: altcha::Challenge = serde_json::from_str(pow_json).unwrap();
    let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&challenge))
        .unwrap()
        .expect("solvable");
    let payload = altcha::Payload {
        challenge,
        solution,
    };
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&payload).unwrap())
}

both!(proof_of_work_passes_once, |state| {
    let c = antiabuse::issue(&state).await.unwrap();
    let proof = Proof {
        altcha: solve(&c.pow_json),
        ..Default::default()
    };
    assert_eq!(antiabuse::check(&state, &proof).await.unwrap(), Ok(()));
    // Replayed: falls through to the (empty) question and is refused.
    let again = antiabuse::check(&state, &proof).await.unwrap();
    assert!(again.unwrap_err().contains("验证问题"));
});

both!(tampered_proof_of_work_is_refused, |state| {
    let c = antiabuse::issue(&state).await.unwrap();
    let good = solve(&c.pow_json);
    let mut payload: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(&good)
            .unwrap(),
    )
    .unwrap();
    // A lower work factor than we signed: the signature no longer matches.
    payload["challenge"]["parameters"]["keyPrefix"] = serde_json::json!("00");
    let forged =
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&payload).unwrap());
    for altcha in [forged, "not base64!".to_string(), "e30=".to_string()] {
        let proof = Proof {
            altcha,
            ..Default::default()
        };
        assert!(antiabuse::check(&state, &proof).await.unwrap().is_err());
    }
    // A challenge signed by another deployment fails too.
    let other = TestDb::sqlite().await;
    let other_state = AppState::new(other.db.clone(), WebConfig::default());
    let foreign = antiabuse::issue(&other_state).await.unwrap();
    let proof = Proof {
        altcha: solve(&foreign.pow_json),
        ..Default::default()
    };
    assert!(antiabuse::check(&state, &proof).await.unwrap().is_err());
});

both!(question_in_words_passes_once_in_any_numerals, |state| {
    let c = antiabuse::issue(&state).await.unwrap();
    assert!(
        c.question.ends_with("等于几？请填写数字。"),
        "{}",
        c.question
    );
    let answer = answer_of(&c.question);
    let wrong = Proof {
        captcha_token: c.token.clone(),
        captcha_answer: (answer + 1).to_string(),
        ..Default::default()
    };
    assert_eq!(
        antiabuse::check(&state, &wrong).await.unwrap(),
        Err("验证问题的答案不正确，请重新计算后填写。".to_string())
    );
    let unreadable = Proof {
        captcha_token: c.token.clone(),
        captcha_answer: "不知道".into(),
        ..Default::default()
    };
    assert!(
        antiabuse::check(&state, &unreadable)
            .await
            .unwrap()
            .unwrap_err()
            .contains("请用数字填写")
    );
    // Full-width digits are what many Chinese input methods type.
    let full_width: String = answer
        .to_string()
        .chars()
        .map(|d| char::from_u32(d as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    let right = Proof {
        captcha_token: c.token.clone(),
        captcha_answer: full_width,
        ..Default::default()
    };
    assert_eq!(antiabuse::check(&state, &right).await.unwrap(), Ok(()));
    let replay = antiabuse::check(&state, &right).await.unwrap();
    assert!(replay.unwrap_err().contains("已经用过"));
});

both!(forged_or_expired_question_tokens_are_refused, |state| {
    let c = antiabuse::issue(&state).await.unwrap();
    let answer = answer_of(&c.question).to_string();
    let mut parts: Vec<String> = c.token.split('.').map(str::to_string).collect();
    // Moving the expiry breaks the signature; an expiry in the past is refused as expired.
    parts[1] = (parts[1].parse::<i64>().unwrap() + 3600).to_string();
    let moved = parts.join(".");
    parts[1] = "1000".into();
    let past = parts.join(".");
    for (token, want) in [
        (moved, "不正确"),
        (past, "超过有效时间"),
        ("garbage".to_string(), "已失效"),
    ] {
        let proof = Proof {
            captcha_token: token,
            captcha_answer: answer.clone(),
            ..Default::default()
        };
        let msg = antiabuse::check(&state, &proof).await.unwrap().unwrap_err();
        assert!(msg.contains(want), "{msg}");
    }
});

both!(over_the_limit_is_429_in_chinese, |state| {
    let limit = Limit::per_hour(2);
    antiabuse::limit(&state, "test:ip", "192.0.2.1", limit)
        .await
        .unwrap();
    antiabuse::limit(&state, "test:ip", "192.0.2.1", limit)
        .await
        .unwrap();
    let err = antiabuse::limit(&state, "test:ip", "192.0.2.1", limit)
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(err.message.contains("提交过于频繁"), "{}", err.message);
    assert!(err.message.contains("60 分钟"), "{}", err.message);
    // Another address is not affected.
    antiabuse::limit(&state, "test:ip", "192.0.2.2", limit)
        .await
        .unwrap();
});
