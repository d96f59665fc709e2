//! Letters to applicants pass a confidentiality review before they are sent (issue #6; 条例
//! Art. 17): the pre-send check refuses markings and needs personal data confirmed, sending is
//! refused without a review that cleared the current revision, an edit voids the review, one
//! review per revision, a state secret is never cleared; and the staff list's organisation,
//! overdue and paging filters, and routing out under Art. 39. Both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::applications::{Outcome, Stage};
use gongkai_core::vault::Vault;
use gongkai_store::applications::letters::{self, ReviewConclusion, ReviewForm};
use gongkai_store::applications::workflow::{self, Decision};
use gongkai_store::applications::{self, ListFilter, NewApplication, NewItem};
use gongkai_store::audit::{self, Actor};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::{Db, StoreError, both_backends, calendar};

const ID: &str = "11010519491231002X";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    d("2025-12-31")
}

fn drafter() -> Actor {
    Actor::user(1, "经办人", "127.0.0.1")
}

fn reviewer() -> Actor {
    Actor::user(2, "保密审查员", "127.0.0.1")
}

async fn setup(db: &Db) -> (i64, i64) {
    calendar::seed_official(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = Actor::system();
    let mut ids = Vec::new();
    for (code, parent) in [("root", None), ("child", Some(0))] {
        let parent_id = parent.map(|i: usize| ids[i]);
        let o = orgs::create(
            &mut tx,
            &a,
            &OrgInput {
                parent_id,
                kind: if parent_id.is_none() {
                    "body"
                } else {
                    "county"
                }
                .into(),
                code: code.into(),
                full_name: format!("{code} 残疾人联合会"),
                short_name: code.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(o.id);
    }
    tx.commit().await.unwrap();
    (ids[0], ids[1])
}

fn new_app(org: i64, arrived: &str, items: usize) -> NewApplication {
    NewApplication {
        org_id: org,
        channel: "in_person".into(),
        applicant_type: "natural_person".into(),
        applicant_name: "张三".into(),
        id_kind: "resident_id".into(),
        id_number: ID.into(),
        phone: "0431-88888888".into(),
        info_form: "electronic".into(),
        delivery: "in_person".into(),
        items: (0..items)
            .map(|i| NewItem {
                description: format!("第{i}项 2024年残疾人就业补贴发放情况"),
                ..Default::default()
            })
            .collect(),
        arrived_on: Some(d(arrived)),
        ..Default::default()
    }
}

async fn create(db: &Db, n: &NewApplication) -> applications::Application {
    let mut tx = db.begin().await.unwrap();
    let c = applications::create(&mut tx, &drafter(), &Vault::for_tests(), n, today())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    c.application
}

fn cleared() -> ReviewForm {
    ReviewForm {
        conclusion: ReviewConclusion::Cleared,
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: false,
        note: String::new(),
        reviewed_on: d("2025-03-10"),
    }
}

async fn save(
    db: &Db,
    app: i64,
    body: &str,
    confirmed: bool,
) -> Result<letters::Letter, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = letters::save(
        &mut tx,
        &drafter(),
        app,
        "reply",
        "政府信息公开申请答复告知书",
        body,
        confirmed,
    )
    .await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

async fn review(db: &Db, lid: i64, form: &ReviewForm) -> Result<letters::LetterReview, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = letters::review(&mut tx, &reviewer(), lid, form, today()).await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

async fn send(db: &Db, lid: i64) -> Result<letters::Letter, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = letters::mark_sent(
        &mut tx,
        &drafter(),
        lid,
        "in_person",
        d("2025-03-11"),
        "张三",
    )
    .await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

async fn edit(db: &Db, lid: i64, body: &str) -> Result<letters::Edited, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = letters::edit(
        &mut tx,
        &drafter(),
        lid,
        "政府信息公开申请答复告知书",
        body,
        false,
    )
    .await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

both_backends!(
    sending_needs_a_review_that_cleared_the_current_revision,
    |db| {
        let (root, _) = setup(db).await;
        let app = create(db, &new_app(root, "2025-03-03", 1)).await;
        // The pre-send check: a classification marking refuses the text; personal data need the
        // drafter's confirmation, which the letter records.
        let marked = save(db, app.id, "张三：\n\n机密★10年\n\n某机关", false).await;
        assert!(
            matches!(&marked, Err(StoreError::Invalid(m)) if m.contains("密级标志")),
            "{marked:?}"
        );
        let with_id = format!("张三：\n\n第三方身份证号 {ID}。\n\n某机关");
        let unconfirmed = save(db, app.id, &with_id, false).await;
        assert!(
            matches!(&unconfirmed, Err(StoreError::Invalid(m)) if m.contains("个人信息") && !m.contains(ID)),
            "{unconfirmed:?}"
        );
        let confirmed = save(db, app.id, &with_id, true).await.unwrap();
        assert!(
            confirmed.precheck.contains("个人信息"),
            "{}",
            confirmed.precheck
        );
        let letter = save(
            db,
            app.id,
            "张三：\n\n经审查，现答复如下。\n\n某机关",
            false,
        )
        .await
        .unwrap();
        assert_eq!(letter.revision, 1);
        assert!(letter.precheck.contains("未发现"), "{}", letter.precheck);

        // Not reviewed: refused with a Chinese 409-style conflict, and nothing is recorded.
        let refused = send(db, letter.id).await;
        assert!(
            matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("保密审查")),
            "{refused:?}"
        );
        assert!(
            letters::get(db, letter.id)
                .await
                .unwrap()
                .unwrap()
                .sent_on
                .is_none()
        );
        // It is in the reviewer's queue (scope in the query: the child's reviewer does not see it).
        let queue = letters::awaiting_review(db, &[root]).await.unwrap();
        assert!(queue.iter().any(|(l, _, _)| l.id == letter.id));

        // A state secret is never cleared; returning needs the reviewer's reasons.
        let mut secret = cleared();
        secret.state_secret = true;
        assert!(matches!(
            review(db, letter.id, &secret).await,
            Err(StoreError::Invalid(m)) if m.contains("国家秘密")
        ));
        let mut returned = cleared();
        returned.conclusion = ReviewConclusion::Returned;
        assert!(matches!(
            review(db, letter.id, &returned).await,
            Err(StoreError::Invalid(m)) if m.contains("审查意见")
        ));
        let mut future = cleared();
        future.reviewed_on = d("2026-01-01");
        assert!(matches!(
            review(db, letter.id, &future).await,
            Err(StoreError::Invalid(_))
        ));

        // Cleared: recorded (reviewer, date, revision), audited, and the letter can be sent.
        let r = review(db, letter.id, &cleared()).await.unwrap();
        assert_eq!(r.letter_revision, 1);
        assert_eq!(r.reviewer_name, "保密审查员");
        assert_eq!(r.reviewer_id, Some(2));
        assert!(r.cleared());
        // One review per revision.
        assert!(matches!(
            review(db, letter.id, &cleared()).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            !letters::awaiting_review(db, &[root])
                .await
                .unwrap()
                .iter()
                .any(|(l, _, _)| l.id == letter.id)
        );
        let sent = send(db, letter.id).await.unwrap();
        assert_eq!(sent.sent_on.as_deref(), Some("2025-03-11"));
        // Sent once; a sent letter is neither edited nor reviewed again.
        assert!(matches!(
            send(db, letter.id).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            edit(db, letter.id, "改动").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            review(db, letter.id, &cleared()).await,
            Err(StoreError::Conflict(_))
        ));

        let records = audit::list(
            db,
            &audit::Filter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let review_record = records
            .iter()
            .find(|r| r.action == "application.letter_review")
            .expect("the review is audited");
        let after = format!("{:?}", review_record.after_json);
        assert!(after.contains("cleared"), "{after}");
        assert!(
            records
                .iter()
                .any(|r| r.action == "application.letter_sent")
        );
        for r in &records {
            let text = format!("{:?}{:?}", r.before_json, r.after_json);
            assert!(!text.contains(ID), "no ID number in the audit log: {text}");
        }
    }
);

both_backends!(an_edit_after_the_review_needs_a_new_review, |db| {
    let (root, _) = setup(db).await;
    let app = create(db, &new_app(root, "2025-03-03", 1)).await;
    let letter = save(db, app.id, "张三：\n\n第一稿。\n\n某机关", false)
        .await
        .unwrap();
    // Edited before any review: a new revision, nothing invalidated.
    let first = edit(db, letter.id, "张三：\n\n第二稿。\n\n某机关")
        .await
        .unwrap();
    assert_eq!(first.letter.revision, 2);
    assert!(!first.review_invalidated);
    // Returned with reasons: cannot be sent.
    let mut returned = cleared();
    returned.conclusion = ReviewConclusion::Returned;
    returned.note = "请删去第三方名称".into();
    review(db, letter.id, &returned).await.unwrap();
    let refused = send(db, letter.id).await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("退回修改")),
        "{refused:?}"
    );
    // Edited: revision 3, cleared.
    let second = edit(db, letter.id, "张三：\n\n第三稿。\n\n某机关")
        .await
        .unwrap();
    assert!(second.review_invalidated);
    review(db, letter.id, &cleared()).await.unwrap();
    // Edited after it was cleared: the clearance no longer covers the text.
    let third = edit(db, letter.id, "张三：\n\n第四稿。\n\n某机关")
        .await
        .unwrap();
    assert_eq!(third.letter.revision, 4);
    assert!(third.review_invalidated);
    let refused = send(db, letter.id).await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("尚未通过保密审查")),
        "{refused:?}"
    );
    let reviews = letters::reviews(db, app.id).await.unwrap();
    assert_eq!(reviews.len(), 2);
    let current = letters::get(db, letter.id).await.unwrap().unwrap();
    assert!(letters::current_review(&current, &reviews).is_none());
    assert!(letters::send_blocker(&current, None).is_some());
    // A new review of revision 4 clears it.
    let r = review(db, letter.id, &cleared()).await.unwrap();
    assert_eq!(r.letter_revision, 4);
    send(db, letter.id).await.unwrap();
    // The edit is audited with the invalidation.
    let records = audit::list(
        db,
        &audit::Filter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(records.iter().any(|r| r.action == "application.letter_edit"
        && format!("{:?}", r.after_json).contains("review_invalidated")));
});

both_backends!(list_filters_paging_and_route_out, |db| {
    let (root, child) = setup(db).await;
    let a1 = create(db, &new_app(root, "2025-03-03", 2)).await;
    let a2 = create(db, &new_app(child, "2025-03-04", 1)).await;
    let a3 = create(db, &new_app(child, "2025-12-29", 1)).await;
    // Organisation filter: the subtree, within the scopes.
    let f = |org: Option<i64>| ListFilter {
        org_id: org,
        ..Default::default()
    };
    let at_child = applications::list(db, &[root], &f(Some(child)))
        .await
        .unwrap();
    assert_eq!(
        at_child.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![a3.id, a2.id]
    );
    assert!(
        applications::list(db, &[child], &f(Some(root)))
            .await
            .unwrap()
            .iter()
            .all(|a| a.org_id == child),
        "a parent filter never widens the scope"
    );
    assert_eq!(applications::count(db, &[root], &f(None)).await.unwrap(), 3);
    assert_eq!(applications::count(db, &[], &f(None)).await.unwrap(), 0);
    // Paging.
    let page2 = applications::list(
        db,
        &[root],
        &ListFilter {
            limit: 2,
            offset: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page2.iter().map(|a| a.id).collect::<Vec<_>>(), vec![a1.id]);
    // Overdue on a day after the March applications' reply deadlines, not the December one's.
    let overdue = applications::list(
        db,
        &[root],
        &ListFilter {
            overdue_on: Some(d("2025-06-30")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ids: Vec<i64> = overdue.iter().map(|a| a.id).collect();
    assert!(
        ids.contains(&a1.id) && ids.contains(&a2.id) && !ids.contains(&a3.id),
        "{ids:?}"
    );

    // Routing out (Art. 39 ¶1): every undecided item gets （五）1.
    let mut tx = db.begin().await.unwrap();
    let items = applications::items(db, a1.id).await.unwrap();
    workflow::decide_item(
        &mut tx,
        &drafter(),
        items[0].id,
        &Decision {
            outcome: Outcome::UnableNotHeld,
            basis: None,
            withheld_what: String::new(),
            withheld_why: String::new(),
            published_item_id: None,
            note: String::new(),
            decided_on: d("2025-03-05"),
        },
        today(),
    )
    .await
    .unwrap();
    let after = workflow::route_out(
        &mut tx,
        &drafter(),
        a1.id,
        d("2025-03-06"),
        "请向信访部门反映",
        today(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(after.routed_out);
    assert_eq!(after.stage().unwrap(), Stage::Decided);
    let items = applications::items(db, a1.id).await.unwrap();
    assert_eq!(items[0].outcome(), Some(Outcome::UnableNotHeld));
    assert_eq!(items[1].outcome(), Some(Outcome::NotProcessedPetition));
    assert_eq!(items[1].basis, "art39_petition");
    // Nothing left to route out.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        workflow::route_out(&mut tx, &drafter(), a1.id, d("2025-03-06"), "", today()).await,
        Err(StoreError::Conflict(_))
    ));
});
