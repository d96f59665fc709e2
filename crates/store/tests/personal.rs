//! Personal data beyond the sealed columns (issue #13) on SQLite and PostgreSQL: sealed files
//! (identity proofs) follow a key rotation, and personal data are deleted at the end of their
//! retention period while the records stay.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use gongkai_core::applications::table3::{CaseKind, CaseResult};
use gongkai_core::vault::{Algorithm, Vault};
use gongkai_store::applications::register::{self, CaseInput};
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::attachments;
use gongkai_store::audit::{self, Actor};
use gongkai_store::mailbox::boxes::{self, BoxInput};
use gongkai_store::mailbox::messages::{self, Submission};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::personal::{self, retention};
use gongkai_store::{Db, StoreError, both_backends, calendar, on_db};
use std::path::Path;

const ID: &str = "11010519491231002X";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn root_org(db: &Db) -> i64 {
    calendar::seed_official(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let id = orgs::create(
        &mut tx,
        &Actor::system(),
        &OrgInput {
            kind: "body".into(),
            code: "root".into(),
            full_name: "某市残疾人联合会".into(),
            short_name: "市残联".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    tx.commit().await.unwrap();
    id
}

/// An online application with an identity proof sealed by `vault`.
async fn application_with_proof(db: &Db, dir: &Path, vault: &Vault, org: i64) -> i64 {
    let n = NewApplication {
        org_id: org,
        channel: "in_person".into(),
        applicant_type: "natural_person".into(),
        applicant_name: "张三".into(),
        id_kind: "resident_id".into(),
        id_number: ID.into(),
        phone: "13812345678".into(),
        email: "zhang@example.com".into(),
        info_form: "electronic".into(),
        delivery: "email".into(),
        items: vec![NewItem {
            description: "2024年残疾人就业补贴发放情况".into(),
            ..Default::default()
        }],
        arrived_on: Some(d("2025-03-03")),
        ..Default::default()
    };
    let stored = applications::store_identity_proof(
        dir,
        vault,
        &gongkai_store::testing::png_with_author(),
        "身份证.png",
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let c = applications::create(&mut tx, &Actor::system(), vault, &n, d("2025-03-03"))
        .await
        .unwrap();
    applications::attach_identity_proof(&mut tx, &Actor::system(), c.application.id, &stored)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    c.application.id
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&p) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

async fn proof_bytes(db: &Db, dir: &Path, vault: &Vault, id: i64) -> Option<Vec<u8>> {
    let app = applications::get(db, id).await.unwrap().unwrap();
    applications::identity_proof(db, dir, vault, &app)
        .await
        .unwrap()
        .map(|(_, bytes)| bytes)
}

both_backends!(identity_proofs_are_resealed_after_a_rotation, |db| {
    let dir = tempfile::tempdir().unwrap();
    let org = root_org(db).await;
    let mut vault = Vault::generate(Algorithm::Sm4Gcm, "t");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    let a = application_with_proof(db, dir.path(), &vault, org).await;
    let b = application_with_proof(db, dir.path(), &vault, org).await;
    let c = application_with_proof(db, dir.path(), &vault, org).await;
    let original = proof_bytes(db, dir.path(), &vault, a).await.unwrap();
    // A proof stored before the key was recorded on its row (before migration 0021).
    on_db!(db, |p| sqlx::query(
        "UPDATE attachments SET sealed_key = NULL WHERE owner_type = $1 AND owner_id = $2"
    )
    .bind(applications::IDENTITY_PROOF_OWNER)
    .bind(c)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    let files_status = |s: Vec<personal::ColumnStatus>| {
        s.into_iter()
            .find(|s| s.context.contains(applications::IDENTITY_PROOF))
            .unwrap()
    };
    // Before any rotation only the unrecorded one is pending, and a batch just records its key.
    let before = files_status(personal::status(db, &vault).await.unwrap());
    assert_eq!((before.total, before.pending), (3, 1));
    let n = personal::files::reseal_batch(db, &vault, dir.path(), 10, &Actor::system())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(files_under(dir.path()).len(), 3, "nothing rewritten");

    let new_key = vault.rotate(Algorithm::Sm4Gcm, "t2");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    personal::record_rotation(db, &vault, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(
        files_status(personal::status(db, &vault).await.unwrap()).pending,
        3
    );
    // Old keys cannot be retired while a file still needs them.
    assert!(matches!(
        personal::retire_old_keys(db, &vault, &Actor::cli()).await,
        Err(StoreError::Conflict(_))
    ));
    // Batches of 2: the files move in committed steps; every proof opens after each.
    let first = personal::files::reseal_batch(db, &vault, dir.path(), 2, &Actor::system())
        .await
        .unwrap();
    assert_eq!(first, 2);
    for id in [a, b, c] {
        assert_eq!(
            proof_bytes(db, dir.path(), &vault, id).await.unwrap(),
            original
        );
    }
    // reseal_all does the sealed columns (the applications' contact details) and the last file.
    let columns_pending: i64 = personal::status(db, &vault)
        .await
        .unwrap()
        .iter()
        .filter(|s| !s.context.contains(applications::IDENTITY_PROOF))
        .map(|s| s.pending)
        .sum();
    assert!(columns_pending > 0);
    let total = personal::reseal_all(db, &vault, dir.path(), 2, &Actor::system())
        .await
        .unwrap();
    assert_eq!(total, u64::try_from(columns_pending).unwrap() + 1);
    assert_eq!(
        files_status(personal::status(db, &vault).await.unwrap()).pending,
        0
    );
    // On disk: exactly three files, each under the new key, none holding the picture's bytes;
    // the old ciphertexts are gone.
    let files = files_under(dir.path());
    assert_eq!(files.len(), 3, "{files:?}");
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        assert_eq!(Vault::key_id_of_bytes(&raw), Some(new_key.as_str()));
        assert!(!raw.windows(4).any(|w| w == b"IHDR"));
    }
    // A key set without the old key opens every proof; then the old key retires.
    let mut only_new = vault.clone();
    only_new.retire_old();
    for id in [a, b, c] {
        assert_eq!(
            proof_bytes(db, dir.path(), &only_new, id).await.unwrap(),
            original
        );
    }
    assert_eq!(
        personal::retire_old_keys(db, &vault, &Actor::cli())
            .await
            .unwrap(),
        vec!["k1".to_string()]
    );
    let actions: Vec<String> = audit::list(
        db,
        &audit::Filter {
            action: Some("vault.reseal_files".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.action)
    .collect();
    assert_eq!(actions.len(), 3, "one record per committed batch");
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(a_missing_proof_file_stops_the_reseal_with_its_name, |db| {
    let dir = tempfile::tempdir().unwrap();
    let org = root_org(db).await;
    let mut vault = Vault::generate(Algorithm::Sm4Gcm, "t");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    let a = application_with_proof(db, dir.path(), &vault, org).await;
    for f in files_under(dir.path()) {
        std::fs::remove_file(f).unwrap();
    }
    vault.rotate(Algorithm::Sm4Gcm, "t2");
    let err = personal::reseal_all(db, &vault, dir.path(), 10, &Actor::system())
        .await
        .unwrap_err()
        .to_string();
    let att = applications::get(db, a)
        .await
        .unwrap()
        .unwrap()
        .identity_proof_id
        .unwrap();
    assert!(err.contains(&format!("附件 {att}")), "{err}");
    assert!(err.contains("文件缺失"), "{err}");
    // Nothing was changed: the row still names the old file.
    assert_eq!(
        attachments::get(db, att)
            .await
            .unwrap()
            .unwrap()
            .sha256
            .len(),
        64
    );
});

async fn mailbox_message(db: &Db, org: i64, vault: &Vault, replied_on: Option<&str>) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let code = format!("box{}", replied_on.unwrap_or("open").replace('-', ""));
    let b = boxes::create_box(
        &mut tx,
        &Actor::system(),
        &BoxInput {
            org_id: org,
            code,
            name: "理事长信箱".into(),
            intro: String::new(),
            name_required: true,
            reply_workdays: 5,
            publish_by_default: false,
            active: true,
            sort_order: 0,
        },
    )
    .await
    .unwrap();
    let r = messages::submit(
        &mut tx,
        &Actor::system(),
        vault,
        &Submission {
            box_id: b.id,
            topic_code: "certificate".into(),
            title: "残疾人证换证咨询".into(),
            content: "请问残疾人证到期如何换领？".into(),
            name: "王小明".into(),
            phone: "13812345678".into(),
            email: "wang@example.com".into(),
            consent_publish: false,
            channel: "online".into(),
        },
        1_546_300_800_000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let id = r.message.id;
    if let Some(on) = replied_on {
        on_db!(db, |p| sqlx::query(
            "UPDATE mailbox_messages SET status = 'replied', replied_on = $1 WHERE id = $2"
        )
        .bind(on)
        .bind(id)
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
    }
    id
}

async fn proof_file(db: &Db, dir: &Path, id: i64) -> Option<std::path::PathBuf> {
    let app = applications::get(db, id).await.unwrap().unwrap();
    let att = attachments::get(db, app.identity_proof_id?)
        .await
        .unwrap()?;
    attachments::path_for(dir, &att.sha256)
}

async fn archive_on(db: &Db, id: i64, on: &str) {
    on_db!(db, |p| sqlx::query(
        "UPDATE applications SET stage = 'archived', archived_on = $1 WHERE id = $2"
    )
    .bind(on)
    .bind(id)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
}

both_backends!(
    personal_data_are_deleted_after_their_retention_period,
    |db| {
        let dir = tempfile::tempdir().unwrap();
        let org = root_org(db).await;
        boxes::seed_default_topics(db).await.unwrap();
        let vault = Vault::for_tests();
        let old = application_with_proof(db, dir.path(), &vault, org).await;
        let appealed = application_with_proof(db, dir.path(), &vault, org).await;
        let recent = application_with_proof(db, dir.path(), &vault, org).await;
        let open = application_with_proof(db, dir.path(), &vault, org).await;
        archive_on(db, old, "2019-06-30").await;
        archive_on(db, appealed, "2019-06-30").await;
        archive_on(db, recent, "2025-06-30").await;
        let mut tx = db.begin().await.unwrap();
        register::create(
            &mut tx,
            &Actor::system(),
            &CaseInput {
                org_id: org,
                application_id: Some(appealed),
                kind: CaseKind::Review,
                case_no: "复2019-1".into(),
                body_name: "市人民政府".into(),
                filed_on: d("2019-07-10"),
                result: CaseResult::Pending,
                concluded_on: None,
                note: String::new(),
            },
            d("2026-11-27"),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let old_msg = mailbox_message(db, org, &vault, Some("2019-01-10")).await;
        let open_msg = mailbox_message(db, org, &vault, None).await;
        let old_file = proof_file(db, dir.path(), old).await.unwrap();
        assert!(old_file.exists());

        // Retention of five years on 2026-11-27: closed before 2021-11-27.
        let cutoff = retention::cutoff(d("2026-11-27"), 5);
        assert_eq!(cutoff, d("2021-11-27"));
        let purged = retention::purge_before(db, dir.path(), cutoff, &Actor::system())
            .await
            .unwrap();
        assert_eq!(
            purged,
            retention::Purged {
                applications: 1,
                proofs: 1,
                messages: 1
            }
        );

        // The old application keeps its record and name, loses numbers, contacts and proof.
        let a = applications::get(db, old).await.unwrap().unwrap();
        assert_eq!(a.applicant_name, "张三");
        let contact = a.contact(&vault).unwrap();
        assert_eq!(
            (
                contact.id_number.as_str(),
                contact.phone.as_str(),
                contact.email.as_str()
            ),
            ("", "", "")
        );
        assert!(a.identity_proof_id.is_none());
        assert!(!old_file.exists(), "the sealed proof file is deleted");
        let (key, purged_at): (String, Option<i64>) = on_db!(db, |p| sqlx::query_as(
            "SELECT applicant_key, pii_purged_at FROM applications WHERE id = $1"
        )
        .bind(old)
        .fetch_one(p)
        .await
        .unwrap());
        assert_eq!(key, "");
        assert!(purged_at.is_some());
        assert_eq!(applications::items(db, old).await.unwrap().len(), 1);
        // An open case, a recent archive and an open application keep everything.
        for id in [appealed, recent, open] {
            let a = applications::get(db, id).await.unwrap().unwrap();
            assert_eq!(a.contact(&vault).unwrap().id_number, ID, "{id}");
            assert!(
                proof_file(db, dir.path(), id).await.unwrap().exists(),
                "{id}"
            );
        }
        // The replied message loses the writer's name and contacts; the open one keeps them.
        let m = messages::get(db, old_msg).await.unwrap().unwrap();
        assert_eq!(
            (
                m.pii_name.as_str(),
                m.pii_phone.as_str(),
                m.pii_email.as_str()
            ),
            ("", "", "")
        );
        assert_eq!(m.title, "残疾人证换证咨询");
        let m = messages::get(db, open_msg).await.unwrap().unwrap();
        assert!(!m.pii_name.is_empty());

        // A second run finds nothing; the audit names what was deleted but holds no personal data.
        let again = retention::purge_before(db, dir.path(), cutoff, &Actor::system())
            .await
            .unwrap();
        assert_eq!(again, retention::Purged::default());
        let records = audit::list(
            db,
            &audit::Filter {
                action: Some("personal.purge".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(records.len(), 2);
        for r in &records {
            let after = r.after_json.clone().unwrap_or_default();
            assert!(
                !after.contains(ID) && !after.contains("13812345678"),
                "{after}"
            );
        }
        assert!(audit::verify(db).await.unwrap().first_broken.is_none());
    }
);

#[test]
fn the_cutoff_counts_whole_years_back() {
    assert_eq!(retention::cutoff(d("2026-11-27"), 3), d("2023-11-27"));
    // From a leap day, a year back is the last day of February.
    assert_eq!(retention::cutoff(d("2024-02-29"), 1), d("2023-02-28"));
    assert_eq!(retention::cutoff(d("2026-11-27"), u32::MAX), NaiveDate::MIN);
}
