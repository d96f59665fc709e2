//! Attachments (issue #4, part D): content checks, metadata stripping, durable content-addressed
//! storage, and the rows linking files to owners. Every database test runs on SQLite and on
//! PostgreSQL; the oracle for "stored correctly" is an independent SHA-256 of the file on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::filetype::FileKind;
use gongkai_store::attachments::{self, AttachmentError, Limits, Owner};
use gongkai_store::audit::{self, Actor};
use gongkai_store::{StoreError, both_backends};
use sha2::{Digest, Sha256};
use std::io::Read;

const PLANTED_ID: &str = "11010519491231002X";

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn store_file_strips_and_writes_content_addressed() {
    let data = tempfile::tempdir().unwrap();
    let stored = attachments::store_file(
        data.path(),
        &gongkai_store::testing::png_with_author(),
        "流程图.PNG",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(stored.kind, FileKind::Png);
    assert_eq!(stored.filename, "流程图.PNG");
    assert_eq!(stored.removed_metadata.len(), 1);
    let path = attachments::path_for(data.path(), &stored.sha256).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    // Independent oracle: the name is the SHA-256 of what is on disk, under ab/cd/.
    assert_eq!(hex::encode(Sha256::digest(&on_disk)), stored.sha256);
    assert!(path.ends_with(format!(
        "files/{}/{}/{}",
        &stored.sha256[..2],
        &stored.sha256[2..4],
        stored.sha256
    )));
    assert!(!contains(&on_disk, b"Zhang San"));
    assert_eq!(on_disk.len() as u64, stored.size);
    // The same content again is stored once; no temporary files are left behind.
    let again = attachments::store_file(
        data.path(),
        &gongkai_store::testing::png_with_author(),
        "copy.png",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(again.sha256, stored.sha256);
    assert_eq!(files_under(data.path()), vec![path.clone()]);
    let mut read = Vec::new();
    attachments::open(data.path(), &stored.sha256)
        .unwrap()
        .read_to_end(&mut read)
        .unwrap();
    assert_eq!(read, on_disk);
}

#[test]
fn refusals_are_in_chinese_and_write_nothing() {
    let data = tempfile::tempdir().unwrap();
    let limits = Limits { max_size: 128 };
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            b"MZ\x90\0\x03\0\0\0".to_vec(),
            "setup.exe",
            "不支持的文件类型",
        ),
        (
            b"plain words".to_vec(),
            "report.pdf",
            "扩展名 .pdf 与内容不符",
        ),
        (vec![b'a'; 129], "big.txt", "超过上限 128 字节"),
        (
            gongkai_store::testing::png_with_author(),
            "photo.jpg",
            "内容是PNG 图片",
        ),
        (b"abc".to_vec(), "../", "文件名无效"),
        (b"".to_vec(), "empty.txt", "文件为空"),
    ];
    for (bytes, name, message) in cases {
        let err = attachments::store_file(data.path(), &bytes, name, &limits).unwrap_err();
        assert!(err.to_string().contains(message), "{name}: {err}");
        let store_err: StoreError = err.into();
        assert!(matches!(store_err, StoreError::Invalid(_)), "{store_err}");
    }
    assert!(files_under(data.path()).is_empty());
}

#[test]
fn filenames_lose_paths_and_control_characters() {
    assert_eq!(
        attachments::clean_filename("C:\\docs\\通知.docx").unwrap(),
        "通知.docx"
    );
    assert_eq!(
        attachments::clean_filename("../../etc/passwd.txt").unwrap(),
        "passwd.txt"
    );
    assert_eq!(
        attachments::clean_filename("a\u{0}b\n.txt").unwrap(),
        "ab.txt"
    );
    assert_eq!(
        attachments::clean_filename("...hidden.txt").unwrap(),
        "hidden.txt"
    );
    assert!(attachments::clean_filename(&"长".repeat(201)).is_err());
}

#[test]
fn open_refuses_anything_but_a_digest_and_detects_tampering() {
    let data = tempfile::tempdir().unwrap();
    for bad in [
        "../../etc/passwd",
        "ABCDEF",
        &"g".repeat(64),
        &"A".repeat(64),
    ] {
        assert!(matches!(
            attachments::open(data.path(), bad),
            Err(AttachmentError::NotFound(_))
        ));
        assert!(attachments::path_for(data.path(), bad).is_none());
    }
    let stored =
        attachments::store_file(data.path(), b"hello", "a.txt", &Limits::default()).unwrap();
    assert_eq!(
        attachments::read_verified(data.path(), &stored.sha256).unwrap(),
        b"hello"
    );
    let path = attachments::path_for(data.path(), &stored.sha256).unwrap();
    std::fs::write(&path, b"jello").unwrap();
    let err = attachments::read_verified(data.path(), &stored.sha256).unwrap_err();
    assert!(err.to_string().contains("内容与摘要不符"), "{err}");
}

both_backends!(attach_list_detach_with_audit, |db| {
    let data = tempfile::tempdir().unwrap();
    let actor = Actor::system();
    let item = Owner {
        owner_type: "item",
        owner_id: 7,
    };
    let text = attachments::store_file(
        data.path(),
        format!("名单\n张三 {PLANTED_ID}\n").as_bytes(),
        "名单.txt",
        &Limits::default(),
    )
    .unwrap();
    let image = attachments::store_file(
        data.path(),
        &gongkai_store::testing::png_with_author(),
        "图.png",
        &Limits::default(),
    )
    .unwrap();

    let mut tx = db.begin().await.unwrap();
    // An image without alt text is refused, in Chinese.
    let err = attachments::attach(&mut tx, &actor, item, &image, "  ")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("替代文字")),
        "{err}"
    );
    let a = attachments::attach(&mut tx, &actor, item, &text, "")
        .await
        .unwrap();
    let b = attachments::attach(&mut tx, &actor, item, &image, " 办事流程图 ")
        .await
        .unwrap();
    // The same file on another owner.
    attachments::attach(
        &mut tx,
        &actor,
        Owner {
            owner_type: "item",
            owner_id: 8,
        },
        &image,
        "流程图",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(b.alt_text, "办事流程图");
    assert_eq!(b.media_type, "image/png");
    assert_eq!(b.size as u64, image.size);
    assert_eq!(a.kind(), Some(FileKind::Text));
    let listed = attachments::list_for(db, item).await.unwrap();
    assert_eq!(listed, vec![a.clone(), b.clone()]);
    assert_eq!(attachments::get(db, b.id).await.unwrap(), Some(b.clone()));

    // The scanner gate reads the attachment's text and finds the planted resident ID.
    let extracted = attachments::text_of(data.path(), &a).unwrap();
    assert!(extracted.complete);
    assert!(extracted.text.contains(PLANTED_ID));
    let img_text = attachments::text_of(data.path(), &b).unwrap();
    assert!(!img_text.complete);

    // Detach removes the row, not the shared file.
    let mut tx = db.begin().await.unwrap();
    attachments::detach(&mut tx, &actor, b.id).await.unwrap();
    let err = attachments::detach(&mut tx, &actor, b.id)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    tx.commit().await.unwrap();
    assert_eq!(attachments::list_for(db, item).await.unwrap(), vec![a]);
    assert!(attachments::open(data.path(), &image.sha256).is_ok());

    // Every change is in the audit chain, which still verifies.
    let records = audit::list(
        db,
        &audit::Filter {
            object_type: Some("item".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "attachment.add").count(),
        3,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "attachment.remove")
            .count(),
        1
    );
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
});

both_backends!(rolled_back_attach_leaves_no_row, |db| {
    let data = tempfile::tempdir().unwrap();
    let stored =
        attachments::store_file(data.path(), b"draft text", "a.txt", &Limits::default()).unwrap();
    let owner = Owner {
        owner_type: "item",
        owner_id: 1,
    };
    let mut tx = db.begin().await.unwrap();
    attachments::attach(&mut tx, &Actor::system(), owner, &stored, "")
        .await
        .unwrap();
    drop(tx);
    assert!(attachments::list_for(db, owner).await.unwrap().is_empty());
});
