//! Information items (issue #4): the lifecycle with every return path, the invalidation on edit,
//! the scanner gate and one-click masking, scheduled publication exactly once, the public
//! catalog's visibility rule, 索引号 uniqueness under concurrent publication, the Art. 26 clock
//! and the registers. Every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use gongkai_core::auth::Role;
use gongkai_core::calendar::{Clock, Period};
use gongkai_core::items::{
    Capabilities, Check, Disclosure, ReviewChecks, State, Validity, VocabKind,
};
use gongkai_store::audit::{self, Actor};
use gongkai_store::items::catalog::{self, CatalogFilter, PublicView, Sort, WorkQueue};
use gongkai_store::items::findings::{self, TextFix};
use gongkai_store::items::publish::{self, Rereview, ValidityChange};
use gongkai_store::items::registers::{self, CommitmentInput, VocabInput};
use gongkai_store::items::review::{self, Conclusion, ConfidentialityForm};
use gongkai_store::items::{self, Content, Item, Metadata};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::{Db, StoreError, both_backends, calendar, deadlines, jobs};

const ID: &str = "11010519491231002X"; // GB 11643 example, valid check digit
const MASKED: &str = "110105********002X";

fn actor() -> Actor {
    Actor::user(1, "tester", "127.0.0.1")
}

fn caps(role: Role) -> Capabilities {
    Capabilities::from_roles(&[role])
}

fn org(code: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: if parent.is_none() { "body" } else { "county" }.into(),
        code: code.into(),
        full_name: format!("{code} 人民政府"),
        short_name: code.into(),
        ..Default::default()
    }
}

struct Setup {
    root: i64,
    child: i64,
    other: i64,
}

async fn setup(db: &Db) -> Setup {
    calendar::seed_official(db).await.unwrap();
    assert!(registers::seed_defaults(db).await.unwrap() > 0);
    assert_eq!(
        registers::seed_defaults(db).await.unwrap(),
        0,
        "seeding is idempotent"
    );
    let mut tx = db.begin().await.unwrap();
    let a = Actor::system();
    let root = orgs::create(&mut tx, &a, &org("000014349", None))
        .await
        .unwrap()
        .id;
    let child = orgs::create(&mut tx, &a, &org("child", Some(root)))
        .await
        .unwrap()
        .id;
    let other = orgs::create(&mut tx, &a, &org("other", Some(root)))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    Setup { root, child, other }
}

fn meta(formed_on: NaiveDate) -> Metadata {
    Metadata {
        formed_on,
        signed_on: None,
        publisher_name: String::new(),
        doc_number: "某政发〔2026〕1号".into(),
        topic_code: "general-disclosure".into(),
        genre_code: "notice".into(),
        catalog_code: "art20-01".into(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    }
}

fn content(title: &str, body: &str) -> Content {
    Content {
        title: title.into(),
        summary: "关于某事项的通知".into(),
        body_html: body.into(),
        keywords: "通知".into(),
    }
}

fn checks(pass: bool) -> ReviewChecks {
    let ok = Check {
        passed: true,
        comment: "同意".into(),
    };
    ReviewChecks {
        legal: ok.clone(),
        policy: ok.clone(),
        wording: if pass {
            ok.clone()
        } else {
            Check {
                passed: false,
                comment: "错别字：第二段".into(),
            }
        },
        secrecy: ok,
    }
}

fn form(conclusion: Conclusion) -> ConfidentialityForm {
    let today = deadlines::today();
    ConfidentialityForm {
        form_date: today,
        originating_unit: "办公室".into(),
        info_title: String::new(),
        is_document: true,
        reference_no: String::new(),
        channels: vec!["政府网站".into()],
        planned_on: Some(today),
        disclosure: if conclusion == Conclusion::Withhold {
            Disclosure::Withheld
        } else {
            Disclosure::Proactive
        },
        withhold_ground: if conclusion == Conclusion::Withhold {
            "条例第十四条".into()
        } else {
            String::new()
        },
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: false,
        secrets_note: String::new(),
        drafter_opinion: "建议主动公开".into(),
        drafter_name: "张三".into(),
        drafter_on: Some(today),
        head_opinion: "同意".into(),
        head_name: "李四".into(),
        head_on: Some(today),
        conclusion,
        basis: "经审查不涉及国家秘密、工作秘密".into(),
        reviewer_name: String::new(),
        reviewed_on: today,
        remarks: String::new(),
        rereview_due: None,
    }
}

async fn create(db: &Db, org_id: i64, title: &str, body: &str) -> Item {
    let mut tx = db.begin().await.unwrap();
    let item = items::create(
        &mut tx,
        &actor(),
        org_id,
        caps(Role::Drafter),
        &meta(deadlines::today()),
        &content(title, body),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    item
}

async fn in_tx<T, F>(db: &Db, f: F) -> Result<T, StoreError>
where
    F: for<'a> FnOnce(
        &'a mut gongkai_store::Tx,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<T, StoreError>> + 'a>,
    >,
{
    let mut tx = db.begin().await.unwrap();
    let out = f(&mut tx).await;
    if out.is_ok() {
        tx.commit().await.unwrap();
    }
    out
}

async fn submit(db: &Db, id: i64) -> Item {
    in_tx(db, move |tx| {
        Box::pin(async move { items::submit(tx, &actor(), id, caps(Role::Drafter)).await })
    })
    .await
    .unwrap()
}

async fn do_review(db: &Db, id: i64, pass: bool) -> Result<Item, StoreError> {
    let c = checks(pass);
    in_tx(db, move |tx| {
        Box::pin(
            async move { review::review(tx, &actor(), id, caps(Role::DepartmentHead), &c).await },
        )
    })
    .await
}

async fn conf(db: &Db, id: i64, conclusion: Conclusion) -> Result<Item, StoreError> {
    let f = form(conclusion);
    in_tx(db, move |tx| {
        Box::pin(async move {
            review::confidentiality_review(
                tx,
                &actor(),
                id,
                caps(Role::ConfidentialityReviewer),
                &f,
            )
            .await
        })
    })
    .await
}

async fn approve(db: &Db, id: i64) -> Result<Item, StoreError> {
    in_tx(db, move |tx| {
        Box::pin(async move {
            review::approve(tx, &actor(), id, caps(Role::ApprovingLeader), "同意发布").await
        })
    })
    .await
}

async fn publish_item(db: &Db, id: i64) -> Result<Item, StoreError> {
    in_tx(db, move |tx| {
        Box::pin(
            async move { publish::publish(tx, &actor(), id, caps(Role::DisclosureOffice)).await },
        )
    })
    .await
}

async fn ret(db: &Db, id: i64, role: Role) -> Result<Item, StoreError> {
    in_tx(db, move |tx| {
        Box::pin(async move {
            items::return_to_draft(tx, &actor(), id, caps(role), "请补充依据").await
        })
    })
    .await
}

/// Submit → 审核 → 保密审查 → 审批.
async fn chain(db: &Db, id: i64) -> Item {
    submit(db, id).await;
    assert_eq!(do_review(db, id, true).await.unwrap().state, "reviewed");
    assert_eq!(
        conf(db, id, Conclusion::Publish).await.unwrap().state,
        "confidentiality_reviewed"
    );
    let item = approve(db, id).await.unwrap();
    assert_eq!(item.state, "approved");
    item
}

async fn audit_actions(db: &Db, item_id: i64) -> Vec<String> {
    let f = audit::Filter {
        object_type: Some("item".into()),
        object_id: Some(item_id.to_string()),
        limit: 10_000,
        ..Default::default()
    };
    audit::list(db, &f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

both_backends!(lifecycle_with_every_return_path, |db| {
    let s = setup(db).await;
    let item = create(db, s.child, "关于开展某项工作的通知", "<p>正文</p>").await;
    assert_eq!(item.state, "draft");
    assert_eq!(
        item.publisher_name, "child 人民政府",
        "发布机构 defaults to the full name"
    );
    assert!(item.index_no.is_none());

    // Art. 26 clock registered: 生成日期 + 20 working days on the org's calendar.
    let dl = deadlines::get(db, "item", item.id, "publication")
        .await
        .unwrap()
        .unwrap();
    assert!(dl.is_open());
    let cal = calendar::load(db, Some(s.child)).await.unwrap();
    let want = Clock::new(deadlines::today(), Period::Workdays(20))
        .compute(&cal)
        .unwrap()
        .due;
    assert_eq!(dl.due_date, want.to_string());

    // Permission: a drafter cannot review; a reviewer cannot publish.
    submit(db, item.id).await;
    let c = checks(true);
    let err = in_tx(db, |tx| {
        Box::pin(
            async move { review::review(tx, &actor(), item.id, caps(Role::Drafter), &c).await },
        )
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("审核（科室负责人）"), "{err}");

    // 1. 审核 with a failed check returns the item with the reasons.
    let back = do_review(db, item.id, false).await.unwrap();
    assert_eq!(back.state, "draft");
    let tl = items::timeline(db, item.id).await.unwrap();
    assert!(
        tl.last().unwrap().note.contains("错别字"),
        "{:?}",
        tl.last()
    );
    // A failed check without a comment is refused.
    let mut bad = checks(false);
    bad.wording.comment.clear();
    submit(db, item.id).await;
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            review::review(tx, &actor(), item.id, caps(Role::DepartmentHead), &bad).await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("文字审核未通过时须填写意见"));
    // 2. Return from 审核 step explicitly.
    assert_eq!(
        ret(db, item.id, Role::DepartmentHead).await.unwrap().state,
        "draft"
    );
    // 3. Return from 保密审查.
    submit(db, item.id).await;
    do_review(db, item.id, true).await.unwrap();
    let err = ret(db, item.id, Role::DepartmentHead).await.unwrap_err();
    assert!(err.to_string().contains("保密审查"), "{err}");
    assert_eq!(
        ret(db, item.id, Role::ConfidentialityReviewer)
            .await
            .unwrap()
            .state,
        "draft"
    );
    // 需报审 keeps the item at the step.
    submit(db, item.id).await;
    do_review(db, item.id, true).await.unwrap();
    assert_eq!(
        conf(db, item.id, Conclusion::Refer).await.unwrap().state,
        "reviewed"
    );
    // 4. Return from 审批.
    conf(db, item.id, Conclusion::Publish).await.unwrap();
    assert_eq!(
        ret(db, item.id, Role::ApprovingLeader).await.unwrap().state,
        "draft"
    );
    // 5. Return from approved (the office).
    chain(db, item.id).await;
    assert_eq!(
        ret(db, item.id, Role::DisclosureOffice)
            .await
            .unwrap()
            .state,
        "draft"
    );
    // A return needs reasons.
    chain(db, item.id).await;
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            items::return_to_draft(tx, &actor(), item.id, Capabilities::ALL, "  ").await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("理由"));

    // Editing after approval invalidates every review and says so.
    let before_rev = items::get(db, item.id)
        .await
        .unwrap()
        .unwrap()
        .current_revision_id;
    let m = meta(deadlines::today());
    let cnt = content("关于开展某项工作的通知（修改）", "<p>正文</p>");
    let out = in_tx(db, |tx| {
        Box::pin(
            async move { items::edit(tx, &actor(), item.id, caps(Role::Drafter), &m, &cnt).await },
        )
    })
    .await
    .unwrap();
    assert!(out.reviews_invalidated && out.new_revision);
    assert_eq!(out.item.state, "draft");
    assert!(out.notice.unwrap().contains("已失效"));
    assert_ne!(out.item.current_revision_id, before_rev);
    let reviews = review::reviews(db, item.id).await.unwrap();
    assert!(
        reviews
            .iter()
            .all(|r| Some(r.revision_id) != out.item.current_revision_id)
    );
    // Publishing from draft is impossible.
    let err = publish_item(db, item.id).await.unwrap_err();
    assert!(err.to_string().contains("草稿"), "{err}");
    // Even an edit without content change after a review step voids the reviews.
    submit(db, item.id).await;
    let m = meta(deadlines::today());
    let cnt = content("关于开展某项工作的通知（修改）", "<p>正文</p>");
    let out = in_tx(db, |tx| {
        Box::pin(
            async move { items::edit(tx, &actor(), item.id, caps(Role::Drafter), &m, &cnt).await },
        )
    })
    .await
    .unwrap();
    assert!(out.reviews_invalidated && out.new_revision);

    // The full chain again, then publication.
    chain(db, item.id).await;
    let published = publish_item(db, item.id).await.unwrap();
    assert_eq!(published.state, "published");
    let year = deadlines::today().year();
    assert_eq!(
        published.index_no.as_deref(),
        Some(format!("child/{year}-00001").as_str())
    );
    assert!(!published.published_late);
    assert_eq!(
        published.published_revision_id,
        published.current_revision_id
    );
    let dl = deadlines::get(db, "item", item.id, "publication")
        .await
        .unwrap()
        .unwrap();
    assert!(!dl.is_open(), "Art. 26 clock closed on publication");
    let p = catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.revision.title, "关于开展某项工作的通知（修改）");
    // Publishing twice is refused.
    assert!(publish_item(db, item.id).await.is_err());

    // Amend: a new public revision, same 索引号.
    let cnt = content("关于开展某项工作的通知（修订）", "<p>更正后的正文</p>");
    let amended = in_tx(db, |tx| {
        Box::pin(async move {
            publish::amend(
                tx,
                &actor(),
                item.id,
                caps(Role::DisclosureOffice),
                &cnt,
                "更正笔误",
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(amended.index_no, published.index_no);
    // The amendment goes through the review chain again; until it is published the old text
    // stays public (REG §5.4).
    assert_eq!(amended.state, "submitted");
    assert_eq!(
        amended.published_revision_id,
        published.published_revision_id
    );
    let still = catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.revision.title, "关于开展某项工作的通知（修改）");
    assert_eq!(
        catalog::public_revisions(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        publish_item(db, item.id).await.is_err(),
        "not before review"
    );
    assert_eq!(
        do_review(db, item.id, true).await.unwrap().state,
        "reviewed"
    );
    conf(db, item.id, Conclusion::Publish).await.unwrap();
    approve(db, item.id).await.unwrap();
    let republished = publish_item(db, item.id).await.unwrap();
    assert_eq!(republished.index_no, published.index_no);
    assert_eq!(
        republished.published_on, published.published_on,
        "发布日期 stays"
    );
    assert_eq!(republished.published_at, published.published_at);
    let hist = catalog::public_revisions(db, &gongkai_store::sites::Scope::All, item.id)
        .await
        .unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[1].note, "更正笔误");
    assert_eq!(
        catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .unwrap()
            .revision
            .body_html,
        "<p>更正后的正文</p>"
    );

    // Validity: 废止 needs a date; then the catalog filters by it.
    let change = ValidityChange {
        validity: Validity::Repealed,
        effective_on: None,
        replaced_by: String::new(),
        note: String::new(),
    };
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            publish::change_validity(tx, &actor(), item.id, caps(Role::DisclosureOffice), &change)
                .await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("须填写日期"));
    let change = ValidityChange {
        validity: Validity::Repealed,
        effective_on: Some(deadlines::today()),
        replaced_by: "某政发〔2026〕9号".into(),
        note: String::new(),
    };
    let v = in_tx(db, |tx| {
        Box::pin(async move {
            publish::change_validity(tx, &actor(), item.id, caps(Role::DisclosureOffice), &change)
                .await
        })
    })
    .await
    .unwrap();
    assert_eq!(v.validity(), Some(Validity::Repealed));
    let f = CatalogFilter {
        validity: Some("repealed".into()),
        ..Default::default()
    };
    assert_eq!(
        catalog::catalog(db, &gongkai_store::sites::Scope::All, &f)
            .await
            .unwrap()
            .total,
        1
    );
    let f = CatalogFilter {
        validity: Some("valid".into()),
        ..Default::default()
    };
    assert_eq!(
        catalog::catalog(db, &gongkai_store::sites::Scope::All, &f)
            .await
            .unwrap()
            .total,
        0
    );

    // Withdraw: off the portal, 410 with the reason, kept for auditors.
    let w = in_tx(db, |tx| {
        Box::pin(async move {
            publish::withdraw(
                tx,
                &actor(),
                item.id,
                caps(Role::DisclosureOffice),
                "政策调整",
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(w.state, "withdrawn");
    assert!(
        catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        catalog::public_revisions(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .is_empty()
    );
    match catalog::public_view(db, &gongkai_store::sites::Scope::All, item.id)
        .await
        .unwrap()
    {
        PublicView::Withdrawn {
            index_no, reason, ..
        } => {
            assert_eq!(Some(index_no), published.index_no);
            assert_eq!(reason, "政策调整");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        catalog::catalog(
            db,
            &gongkai_store::sites::Scope::All,
            &CatalogFilter::default()
        )
        .await
        .unwrap()
        .total,
        0
    );
    assert!(items::get(db, item.id).await.unwrap().is_some());

    // Every step is on the timeline and in the audit log.
    let actions = audit_actions(db, item.id).await;
    for a in [
        "item.create",
        "item.submit",
        "item.review",
        "item.return",
        "item.confidentiality_refer",
        "item.confidentiality_clear",
        "item.approve",
        "item.edit",
        "item.publish",
        "item.amend",
        "item.change_validity",
        "item.withdraw",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "missing audit {a}: {actions:?}"
        );
    }
    assert_eq!(
        items::timeline(db, item.id).await.unwrap().len(),
        actions.len()
    );
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(resident_id_blocks_until_masked, |db| {
    let s = setup(db).await;
    let body = format!("<p>申请人身份证号码：{ID}，联系电话 13812345678。</p>");
    let item = create(db, s.root, "关于某人员情况的公示", &body).await;
    let rev = items::current_revision(db, &item).await.unwrap();
    let found = findings::list(db, rev.id).await.unwrap();
    let id_finding = found
        .iter()
        .find(|f| f.kind == "resident_id")
        .expect("ID found");
    let mobile = found
        .iter()
        .find(|f| f.kind == "mobile")
        .expect("mobile found");
    assert!(id_finding.blocking && mobile.blocking);

    // The full chain does not help: the gate refuses.
    chain(db, item.id).await;
    let err = publish_item(db, item.id).await.unwrap_err();
    assert!(err.to_string().contains("公民身份号码"), "{err}");
    assert!(err.to_string().contains("先审查、后公开"));
    // Scheduling is refused too.
    let at = gongkai_store::now_ms() + 60_000;
    assert!(
        in_tx(db, |tx| Box::pin(async move {
            publish::schedule(tx, &actor(), item.id, caps(Role::DisclosureOffice), at).await
        }))
        .await
        .is_err()
    );

    // Justify the mobile (an office number, say): the text and the reviews stay.
    let mid = mobile.id;
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            findings::justify(
                tx,
                &actor(),
                item.id,
                caps(Role::ConfidentialityReviewer),
                mid,
                "",
            )
            .await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("理由"));
    in_tx(db, |tx| {
        Box::pin(async move {
            findings::justify(
                tx,
                &actor(),
                item.id,
                caps(Role::ConfidentialityReviewer),
                mid,
                "公职人员办公电话，依规公开",
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(
        items::get(db, item.id).await.unwrap().unwrap().state,
        "approved"
    );
    let err = publish_item(db, item.id).await.unwrap_err();
    assert!(err.to_string().contains("1 处"), "{err}");

    // One-click masking makes a new revision, voids the reviews, and resolves the finding.
    let fid = id_finding.id;
    let (after, new_rev) = in_tx(db, |tx| {
        Box::pin(async move {
            findings::fix_text(
                tx,
                &actor(),
                item.id,
                caps(Role::ConfidentialityReviewer),
                &[fid],
                TextFix::Mask,
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(after.state, "draft");
    assert!(!new_rev.body_html.contains(ID));
    assert!(new_rev.body_html.contains(MASKED), "{}", new_rev.body_html);
    assert_eq!(new_rev.note, "一键遮蔽");
    let old = findings::list(db, rev.id).await.unwrap();
    assert_eq!(
        old.iter()
            .find(|f| f.id == fid)
            .unwrap()
            .resolution
            .as_deref(),
        Some("masked")
    );
    // The justification carried over to the new revision; nothing blocking remains.
    let now_found = findings::list(db, new_rev.id).await.unwrap();
    assert!(
        now_found.iter().all(|f| !f.is_open_blocking()),
        "{now_found:?}"
    );
    assert!(
        now_found
            .iter()
            .any(|f| f.kind == "mobile" && f.resolution.as_deref() == Some("justified"))
    );

    chain(db, item.id).await;
    let published = publish_item(db, item.id).await.unwrap();
    let public = catalog::get_published(db, &gongkai_store::sites::Scope::All, published.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!public.revision.body_html.contains(ID));
    assert!(public.revision.body_html.contains(MASKED));
    let cat = catalog::catalog(
        db,
        &gongkai_store::sites::Scope::All,
        &CatalogFilter::default(),
    )
    .await
    .unwrap();
    assert_eq!(cat.total, 1);

    // Removal path on another item.
    let item2 = create(db, s.root, "另一条", &format!("号码{ID}。")).await;
    let rev2 = items::current_revision(db, &item2).await.unwrap();
    let f2 = findings::list(db, rev2.id).await.unwrap()[0].id;
    let (_, r) = in_tx(db, |tx| {
        Box::pin(async move {
            findings::fix_text(
                tx,
                &actor(),
                item2.id,
                caps(Role::Drafter),
                &[f2],
                TextFix::Remove,
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(r.body_html, "号码。");
    // A finding of an old revision cannot be resolved again.
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            findings::fix_text(
                tx,
                &actor(),
                item2.id,
                caps(Role::Drafter),
                &[f2],
                TextFix::Mask,
            )
            .await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("不属于当前版本"), "{err}");
    let actions = audit_actions(db, item.id).await;
    assert!(actions.iter().any(|a| a == "item.mask"));
});

both_backends!(scheduled_publication_happens_exactly_once, |db| {
    let s = setup(db).await;
    // Other set-up work (calendar recomputation) out of the way, so claims below see only ours.
    while let Some(j) = jobs::claim(db, "setup", 60_000).await.unwrap() {
        assert_ne!(j.kind, publish::PUBLISH_JOB);
        jobs::complete(db, j.id, "setup").await.unwrap();
    }
    let item = create(db, s.child, "定时发布的通知", "<p>正文</p>").await;
    chain(db, item.id).await;
    let at = gongkai_store::now_ms() + 1500;
    let sched = in_tx(db, |tx| {
        Box::pin(async move {
            publish::schedule(tx, &actor(), item.id, caps(Role::DisclosureOffice), at).await
        })
    })
    .await
    .unwrap();
    assert_eq!(sched.state, "scheduled");
    // Before its time: invisible everywhere public, and the job does nothing.
    assert!(
        catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        catalog::public_view(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap(),
        PublicView::NotFound
    );
    assert_eq!(
        catalog::catalog(
            db,
            &gongkai_store::sites::Scope::All,
            &CatalogFilter::default()
        )
        .await
        .unwrap()
        .total,
        0
    );
    assert!(
        jobs::claim(db, "w1", 60_000).await.unwrap().is_none(),
        "not due yet"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    // Two workers: only one claims.
    let (a, b) = tokio::join!(jobs::claim(db, "w1", 60_000), jobs::claim(db, "w2", 60_000));
    let claimed: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(claimed.len(), 1);
    let job = claimed.into_iter().next().unwrap();
    assert_eq!(job.kind, publish::PUBLISH_JOB);
    // Even if the handler runs twice at once (a lease expired), it publishes once.
    let (r1, r2) = tokio::join!(publish::run_job(db, &job), publish::run_job(db, &job));
    let published: Vec<bool> = vec![r1.unwrap(), r2.unwrap()];
    assert_eq!(published.iter().filter(|p| **p).count(), 1, "{published:?}");
    assert!(
        !publish::run_job(db, &job).await.unwrap(),
        "a third run does nothing"
    );
    jobs::complete(db, job.id, &job.locked_by.clone().unwrap())
        .await
        .unwrap();
    let it = items::get(db, item.id).await.unwrap().unwrap();
    assert_eq!(it.state, "published");
    assert!(it.index_no.is_some());
    assert!(
        catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .is_some()
    );
    let pubs = audit_actions(db, item.id)
        .await
        .into_iter()
        .filter(|a| a == "item.publish")
        .count();
    assert_eq!(pubs, 1);

    // Unscheduling leaves a stale job that does nothing.
    let item2 = create(db, s.child, "取消定时", "<p>正文</p>").await;
    chain(db, item2.id).await;
    let at = gongkai_store::now_ms() + 200;
    in_tx(db, |tx| {
        Box::pin(async move {
            publish::schedule(tx, &actor(), item2.id, caps(Role::DisclosureOffice), at).await
        })
    })
    .await
    .unwrap();
    in_tx(db, |tx| {
        Box::pin(async move {
            publish::unschedule(tx, &actor(), item2.id, caps(Role::DisclosureOffice)).await
        })
    })
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let job = jobs::claim(db, "w1", 60_000).await.unwrap().unwrap();
    assert!(!publish::run_job(db, &job).await.unwrap());
    assert_eq!(
        items::get(db, item2.id).await.unwrap().unwrap().state,
        "approved"
    );
});

both_backends!(catalog_shows_only_published, |db| {
    let s = setup(db).await;
    let draft = create(db, s.child, "草稿", "x").await;
    let approved = create(db, s.child, "已审批", "x").await;
    chain(db, approved.id).await;
    let scheduled = create(db, s.child, "定时", "x").await;
    chain(db, scheduled.id).await;
    let at = gongkai_store::now_ms() + 3_600_000;
    in_tx(db, |tx| {
        Box::pin(async move {
            publish::schedule(tx, &actor(), scheduled.id, caps(Role::DisclosureOffice), at).await
        })
    })
    .await
    .unwrap();
    let withdrawn = create(db, s.other, "撤回", "x").await;
    chain(db, withdrawn.id).await;
    publish_item(db, withdrawn.id).await.unwrap();
    in_tx(db, |tx| {
        Box::pin(async move {
            publish::withdraw(
                tx,
                &actor(),
                withdrawn.id,
                caps(Role::DisclosureOffice),
                "错误",
            )
            .await
        })
    })
    .await
    .unwrap();
    let withheld = create(db, s.child, "不予公开", "x").await;
    submit(db, withheld.id).await;
    do_review(db, withheld.id, true).await.unwrap();
    assert_eq!(
        conf(db, withheld.id, Conclusion::Withhold)
            .await
            .unwrap()
            .state,
        "withheld"
    );
    let mut published = Vec::new();
    for (i, org) in [s.child, s.other, s.child].into_iter().enumerate() {
        let it = create(db, org, &format!("公开{i}"), "x").await;
        chain(db, it.id).await;
        published.push(publish_item(db, it.id).await.unwrap());
    }

    for hidden in [
        draft.id,
        approved.id,
        scheduled.id,
        withdrawn.id,
        withheld.id,
        999_999,
    ] {
        assert!(
            catalog::get_published(db, &gongkai_store::sites::Scope::All, hidden)
                .await
                .unwrap()
                .is_none(),
            "{hidden}"
        );
        assert!(
            catalog::public_revisions(db, &gongkai_store::sites::Scope::All, hidden)
                .await
                .unwrap()
                .is_empty()
        );
    }
    let all = catalog::catalog(
        db,
        &gongkai_store::sites::Scope::All,
        &CatalogFilter::default(),
    )
    .await
    .unwrap();
    assert_eq!(all.total, 3);
    let ids: Vec<i64> = all.entries.iter().map(|e| e.id).collect();
    let mut newest_first: Vec<i64> = published.iter().map(|p| p.id).collect();
    newest_first.reverse();
    assert_eq!(ids, newest_first);
    // Filters and paging.
    let f = CatalogFilter {
        org_id: Some(s.other),
        ..Default::default()
    };
    assert_eq!(
        catalog::catalog(db, &gongkai_store::sites::Scope::All, &f)
            .await
            .unwrap()
            .total,
        1
    );
    let f = CatalogFilter {
        org_id: Some(s.root),
        ..Default::default()
    };
    assert_eq!(
        catalog::catalog(db, &gongkai_store::sites::Scope::All, &f)
            .await
            .unwrap()
            .total,
        3
    );
    let f = CatalogFilter {
        per_page: 2,
        page: 2,
        sort: Sort::OldestFirst,
        ..Default::default()
    };
    let p2 = catalog::catalog(db, &gongkai_store::sites::Scope::All, &f)
        .await
        .unwrap();
    assert_eq!((p2.total, p2.entries.len()), (3, 1));
    assert_eq!(p2.entries[0].id, published[2].id);
    let y = deadlines::today().year();
    for (filter, want) in [
        (
            CatalogFilter {
                year: Some(y),
                ..Default::default()
            },
            3,
        ),
        (
            CatalogFilter {
                year: Some(y - 1),
                ..Default::default()
            },
            0,
        ),
        (
            CatalogFilter {
                catalog_code: Some("art20-01".into()),
                ..Default::default()
            },
            3,
        ),
        (
            CatalogFilter {
                catalog_code: Some("art20-07".into()),
                ..Default::default()
            },
            0,
        ),
        (
            CatalogFilter {
                topic_code: Some("general-disclosure".into()),
                ..Default::default()
            },
            3,
        ),
        (
            CatalogFilter {
                genre_code: Some("letter".into()),
                ..Default::default()
            },
            0,
        ),
    ] {
        assert_eq!(
            catalog::catalog(db, &gongkai_store::sites::Scope::All, &filter)
                .await
                .unwrap()
                .total,
            want,
            "{filter:?}"
        );
    }

    // "My work" lists are scoped in SQL.
    let to_publish = catalog::work_list(db, &[s.child], WorkQueue::ToPublish, 100)
        .await
        .unwrap();
    assert_eq!(
        to_publish.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![approved.id]
    );
    assert!(
        catalog::work_list(db, &[s.other], WorkQueue::ToPublish, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        catalog::work_list(db, &[], WorkQueue::ToDraft, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        catalog::work_list(db, &[s.root], WorkQueue::ToDraft, 100)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        catalog::work_list(db, &[s.root], WorkQueue::Scheduled, 100)
            .await
            .unwrap()
            .len(),
        1
    );

    // Art. 18 re-review list; the withheld item's Art. 26 clock is closed.
    let due = deadlines::today()
        .checked_add_months(chrono::Months::new(12))
        .unwrap();
    let list = catalog::rereview_list(db, &[s.root], Some(due), 100)
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![withheld.id]
    );
    assert!(
        catalog::rereview_list(db, &[s.root], Some(deadlines::today()), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !deadlines::get(db, "item", withheld.id, "publication")
            .await
            .unwrap()
            .unwrap()
            .is_open()
    );
    let keep = Rereview::Keep {
        next_due: due.checked_add_months(chrono::Months::new(12)).unwrap(),
    };
    let kept = in_tx(db, |tx| {
        Box::pin(async move {
            publish::rereview(
                tx,
                &actor(),
                withheld.id,
                caps(Role::ConfidentialityReviewer),
                &keep,
                "仍涉及个人隐私",
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(kept.state, "withheld");
    assert!(
        catalog::rereview_list(db, &[s.root], Some(due), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let reopened = in_tx(db, |tx| {
        Box::pin(async move {
            publish::rereview(
                tx,
                &actor(),
                withheld.id,
                caps(Role::ConfidentialityReviewer),
                &Rereview::Reopen,
                "情况变化，可以公开",
            )
            .await
        })
    })
    .await
    .unwrap();
    assert_eq!(
        (reopened.state.as_str(), reopened.disclosure()),
        ("draft", Some(Disclosure::Proactive))
    );
});

both_backends!(index_numbers_unique_under_concurrent_publication, |db| {
    let s = setup(db).await;
    let n = 30;
    let mut ids = Vec::new();
    for i in 0..n {
        let org = if i % 2 == 0 { s.child } else { s.other };
        let it = create(db, org, &format!("并发{i}"), "x").await;
        chain(db, it.id).await;
        ids.push(it.id);
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let item = publish::publish(&mut tx, &actor(), id, Capabilities::ALL)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            item
        }));
    }
    let mut numbers = BTreeSet::new();
    let mut per_org: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for t in tasks {
        let item = t.await.unwrap();
        let no = item.index_no.clone().unwrap();
        assert!(numbers.insert(no.clone()), "duplicate {no}");
        per_org.entry(item.org_id).or_default().push(no);
    }
    assert_eq!(numbers.len(), n);
    // Each organisation's serials are exactly 1..=15: none skipped, none reused.
    let y = deadlines::today().year();
    for (org, code) in [(s.child, "child"), (s.other, "other")] {
        let got: BTreeSet<String> = per_org[&org].iter().cloned().collect();
        let want: BTreeSet<String> = (1..=15).map(|k| format!("{code}/{y}-{k:05}")).collect();
        assert_eq!(got, want);
    }
    assert_eq!(
        catalog::catalog(
            db,
            &gongkai_store::sites::Scope::All,
            &CatalogFilter {
                per_page: 100,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .total,
        n as i64
    );
});

both_backends!(registers_templates_and_late_publication, |db| {
    let s = setup(db).await;
    // Vocabularies: defaults present; admin edits; deactivated codes are refused on items.
    let cats = registers::vocab_list(db, VocabKind::Catalog, true)
        .await
        .unwrap();
    assert_eq!(cats.len(), 22);
    assert!(cats[0].label.starts_with("（一）行政法规"));
    let input = VocabInput {
        kind: VocabKind::Topic,
        code: "general-disclosure".into(),
        label: "综合政务\\政务公开".into(),
        group_label: "综合政务".into(),
        sort_order: 0,
        active: false,
    };
    in_tx(db, |tx| {
        Box::pin(async move { registers::vocab_put(tx, &actor(), &input).await })
    })
    .await
    .unwrap();
    let m = meta(deadlines::today());
    let c = content("题", "x");
    let err = in_tx(db, |tx| {
        Box::pin(
            async move { items::create(tx, &actor(), s.child, Capabilities::ALL, &m, &c).await },
        )
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("主题分类"), "{err}");
    assert_eq!(
        registers::seed_defaults(db).await.unwrap(),
        0,
        "seeding never overwrites"
    );
    let input = VocabInput {
        kind: VocabKind::Topic,
        code: "general-disclosure".into(),
        label: "综合政务\\政务公开".into(),
        group_label: "综合政务".into(),
        sort_order: 0,
        active: true,
    };
    in_tx(db, |tx| {
        Box::pin(async move { registers::vocab_put(tx, &actor(), &input).await })
    })
    .await
    .unwrap();

    // Template per organisation; a bad one is refused in Chinese.
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            registers::set_template(tx, &actor(), s.other, "{org_code}-{YYYY}").await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("流水号"));
    let t = in_tx(db, |tx| {
        Box::pin(async move {
            registers::set_template(tx, &actor(), s.other, "GK-{org_code}-{serial:3}").await
        })
    })
    .await
    .unwrap();
    assert_eq!(t, "GK-{org_code}-{serial:03}");
    assert_eq!(registers::template(db, s.other).await.unwrap(), t);
    let it = create(db, s.other, "模板", "x").await;
    chain(db, it.id).await;
    assert_eq!(
        publish_item(db, it.id).await.unwrap().index_no.as_deref(),
        Some("GK-other-001")
    );

    // Late publication is recorded (生成日期 long ago).
    let mut tx = db.begin().await.unwrap();
    let old = items::create(
        &mut tx,
        &actor(),
        s.child,
        Capabilities::ALL,
        &meta(NaiveDate::from_ymd_opt(2025, 1, 2).unwrap()),
        &content("逾期", "x"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let dl = deadlines::get(db, "item", old.id, "publication")
        .await
        .unwrap()
        .unwrap();
    assert!(dl.due().unwrap() < deadlines::today());
    chain(db, old.id).await;
    let p = publish_item(db, old.id).await.unwrap();
    assert!(p.published_late);
    assert!(
        items::timeline(db, old.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .note
            .contains("超过")
    );

    // A shorter local period (REG §1.4) applies to clocks started after it is set; values
    // above 20 fall back to the statutory period.
    for (value, want) in [("10", 10), ("25", 20)] {
        gongkai_store::on_db!(db, |p| sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, 0) \
             ON CONFLICT (key) DO UPDATE SET value = $2"
        )
        .bind(items::PERIOD_SETTING)
        .bind(value)
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
        let it = create(db, s.child, "短期限", "x").await;
        let dl = deadlines::get(db, "item", it.id, "publication")
            .await
            .unwrap()
            .unwrap();
        let cal = calendar::load(db, Some(s.child)).await.unwrap();
        let due = Clock::new(deadlines::today(), Period::Workdays(want))
            .compute(&cal)
            .unwrap()
            .due;
        assert_eq!(dl.due_date, due.to_string(), "{value}");
    }

    // A state secret can never be concluded 公开.
    let it = create(db, s.child, "涉密", "x").await;
    submit(db, it.id).await;
    do_review(db, it.id, true).await.unwrap();
    let mut f = form(Conclusion::Publish);
    f.state_secret = true;
    let err = in_tx(db, |tx| {
        Box::pin(async move {
            review::confidentiality_review(
                tx,
                &actor(),
                it.id,
                caps(Role::ConfidentialityReviewer),
                &f,
            )
            .await
        })
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("国家秘密"));
    let recs = review::confidentiality_reviews(db, it.id).await.unwrap();
    assert!(recs.is_empty(), "a refused form is not stored");

    // 保密承诺书 register, scoped.
    let input = CommitmentInput {
        org_id: s.child,
        user_id: None,
        person_name: "王五".into(),
        role: "保密审查员".into(),
        signed_on: deadlines::today(),
        document_ref: "档案 2026-001".into(),
    };
    in_tx(db, |tx| {
        Box::pin(async move { registers::add_commitment(tx, &actor(), &input).await })
    })
    .await
    .unwrap();
    assert_eq!(
        registers::commitments(db, &[s.root]).await.unwrap().len(),
        1
    );
    assert_eq!(
        registers::commitments(db, &[s.child]).await.unwrap()[0].person_name,
        "王五"
    );
    assert!(
        registers::commitments(db, &[s.other])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
    let _ = State::Draft;
});

// --- recordings need captions or a transcript (issue #10, WCAG 1.2) ----------------------------

const MP4: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08free";
const MP3: &[u8] = b"ID3\x04\0\0\0\0\0\x00\xFF\xFB\x90\x64";

/// Stores `bytes` as `name`, attaches it to the draft `item_id` with its extracted text, and
/// justifies the `unreadable` finding a recording gets (someone listened to it).
async fn attach_file(db: &Db, data: &std::path::Path, item_id: i64, name: &str, bytes: &[u8]) {
    use gongkai_store::attachments::{self, Limits};
    use gongkai_store::items::files;
    let stored = attachments::store_file(data, bytes, name, &Limits::default()).unwrap();
    let text = gongkai_core::extract::extract_text(
        stored.kind,
        &std::fs::read(attachments::path_for(data, &stored.sha256).unwrap()).unwrap(),
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let (att, _) = files::attach(
        &mut tx,
        &Actor::system(),
        item_id,
        caps(Role::Drafter),
        &stored,
        "",
        Some(&text),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for f in files::list(db, item_id).await.unwrap() {
        if f.attachment_id == att.id && f.is_open_blocking() {
            let mut tx = db.begin().await.unwrap();
            files::justify(
                &mut tx,
                &actor(),
                item_id,
                caps(Role::Drafter),
                f.id,
                "已逐段收听，节目中无个人信息",
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    }
}

both_backends!(recordings_need_captions_or_transcript, |db| {
    let s = setup(db).await;
    let data = tempfile::tempdir().unwrap();

    // A 音视频节目 whose recording has neither captions nor a transcript is refused at publication,
    // with the file named and what to upload.
    let item = create(
        db,
        s.child,
        "《与爱同行》第12期",
        "<p>本期节目介绍残疾人两项补贴。</p>",
    )
    .await;
    attach_file(db, data.path(), item.id, "第12期.mp4", MP4).await;
    // A caption track of another recording does not count (paired by the name stem).
    attach_file(
        db,
        data.path(),
        item.id,
        "预告.vtt",
        "WEBVTT\n\n00:00.000 --> 00:02.000\n下期预告\n".as_bytes(),
    )
    .await;
    chain(db, item.id).await;
    let err = publish_item(db, item.id).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(msg.contains("音视频附件须有字幕或文字稿"), "{msg}");
    assert!(msg.contains("《第12期.mp4》"), "{msg}");
    assert!(
        msg.contains("第12期.vtt") && msg.contains("第12期.txt"),
        "{msg}"
    );
    assert!(!msg.contains("预告"), "{msg}");
    assert!(
        catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .is_none()
    );

    // Back to the drafter, who adds the caption track; after the chain again it is published.
    ret(db, item.id, Role::DisclosureOffice).await.unwrap();
    attach_file(
        db,
        data.path(),
        item.id,
        "第12期.vtt",
        "WEBVTT\n\n00:00.000 --> 00:03.000\n<v 主持人>各位听众，大家好。\n".as_bytes(),
    )
    .await;
    chain(db, item.id).await;
    let published = publish_item(db, item.id).await.unwrap();
    assert_eq!(published.state, "published");
    assert!(
        catalog::get_published(db, &gongkai_store::sites::Scope::All, item.id)
            .await
            .unwrap()
            .is_some()
    );

    // Audio with a plain-text transcript of the same stem is enough as well.
    let audio = create(db, s.child, "政策解读录音", "<p>录音。</p>").await;
    attach_file(db, data.path(), audio.id, "解读.mp3", MP3).await;
    attach_file(
        db,
        data.path(),
        audio.id,
        "解读.txt",
        "主持人：各位听众，大家好。".as_bytes(),
    )
    .await;
    chain(db, audio.id).await;
    assert_eq!(publish_item(db, audio.id).await.unwrap().state, "published");

    // Items without recordings are untouched by the rule.
    let plain = create(db, s.child, "普通通知", "<p>正文</p>").await;
    attach_file(db, data.path(), plain.id, "附件.txt", "附件正文".as_bytes()).await;
    chain(db, plain.id).await;
    assert_eq!(publish_item(db, plain.id).await.unwrap().state, "published");
});

// The catalog's count memo (issue #11: counting a million public items on every page is too
// slow) must never show a stale total: it follows publication, withdrawal and the clock passing
// a scheduled publication time. The memo is switched on for every count here.
both_backends!(memoised_catalog_counts_follow_every_change, |db| {
    gongkai_store::testing::memoise_catalog_counts_from(0);
    let s = setup(db).await;
    let all = || async {
        catalog::catalog(
            db,
            &gongkai_store::sites::Scope::All,
            &CatalogFilter::default(),
        )
        .await
        .unwrap()
        .total
    };
    assert_eq!(all().await, 0);
    let a = create(db, s.child, "公开甲", "x").await;
    chain(db, a.id).await;
    publish_item(db, a.id).await.unwrap();
    assert_eq!(all().await, 1);
    assert_eq!(all().await, 1, "the kept count");
    let b = create(db, s.other, "公开乙", "x").await;
    chain(db, b.id).await;
    publish_item(db, b.id).await.unwrap();
    assert_eq!(all().await, 2, "a publication drops the kept count");

    // Scheduled: counted once the publication job has published it (its own write).
    let c = create(db, s.child, "定时公开", "x").await;
    chain(db, c.id).await;
    let at = gongkai_store::now_ms() + 1_500;
    in_tx(db, |tx| {
        Box::pin(async move {
            publish::schedule(tx, &actor(), c.id, caps(Role::DisclosureOffice), at).await
        })
    })
    .await
    .unwrap();
    assert_eq!(all().await, 2);
    while gongkai_store::now_ms() <= at {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(all().await, 2, "not public before the job runs");
    gongkai_store::testing::run_due_publication(db).await;
    assert_eq!(all().await, 3, "the scheduled item, once published");

    in_tx(db, |tx| {
        Box::pin(async move {
            publish::withdraw(tx, &actor(), a.id, caps(Role::DisclosureOffice), "错误").await
        })
    })
    .await
    .unwrap();
    assert_eq!(all().await, 2, "a withdrawal drops the kept count");
});
