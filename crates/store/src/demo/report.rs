//! The demo's 2019 annual report (issue #9): the seed report (shared/seed, 2019年市残联政府信息
//! 公开工作报告) restated in the 2021 structure as the office's edited narrative
//! (`report_2019_seed.json`), with every figure of its tables counted from the demo's records —
//! none is typed in. The seed's 13 保密承诺书 are registered (one is already in the console demo).
//!
//! Publication reads the committed records through the read pool, so it is a second transaction
//! after the demo's one ([`publish_2019`]); if it failed, the report would stay a draft.
//!
//! ILLUSTRATIVE: the names and posts of the commitment signers.

use chrono::NaiveDate;

use crate::audit::Actor;
use crate::items::registers::{self, CommitmentInput};
use crate::reports::{self, Status};
use crate::{Db, Result, StoreError, Tx};

/// The seed report restated in the 2021 structure (narrative and the seed's own figures).
pub const SEED_JSON: &str = include_str!("report_2019_seed.json");

/// 保密承诺书 signed in 2019 according to the seed.
pub const COMMITMENTS_2019: i64 = 13;

/// Posts of the 12 signers beside the demo's 保密审查员. ILLUSTRATIVE.
const SIGNERS: [(&str, &str); 12] = [
    ("办公室信息员", "2019-03-04"),
    ("办公室主任", "2019-03-04"),
    ("组织联络部信息员", "2019-03-05"),
    ("康复部信息员", "2019-03-05"),
    ("教育就业部信息员", "2019-03-06"),
    ("宣传文化部信息员", "2019-03-06"),
    ("宣传文化部网站编辑", "2019-03-06"),
    ("宣传文化部微信编辑", "2019-03-07"),
    ("维权部信息员", "2019-03-07"),
    ("综合服务中心信息员", "2019-03-08"),
    ("康复中心信息员", "2019-03-08"),
    ("就业服务中心信息员", "2019-03-11"),
];

/// Registers the commitments and makes the 2019 draft of the body with the seed's narrative.
pub(super) async fn load(tx: &mut Tx, body_id: i64) -> Result<()> {
    let actor = Actor::system();
    for (i, (role, on)) in SIGNERS.iter().enumerate() {
        let signed_on = NaiveDate::parse_from_str(on, "%Y-%m-%d")
            .map_err(|_| StoreError::Invalid(format!("演示日期无效：{on}")))?;
        registers::add_commitment(
            tx,
            &actor,
            &CommitmentInput {
                org_id: body_id,
                user_id: None,
                person_name: format!("演示签订人{}", i + 2),
                role: (*role).to_string(),
                signed_on,
                document_ref: format!("BM-2019-{:03}", i + 2),
            },
        )
        .await?;
    }
    let imported = gongkai_report::import::from_json(SEED_JSON).map_err(StoreError::Invalid)?;
    let r = reports::create(tx, &actor, body_id, 2019, false).await?;
    reports::save_narrative(tx, &actor, r.id, &imported.narrative).await?;
    Ok(())
}

/// Takes the 2019 draft through 内部审核 and 审批 to publication (locking its figures today).
pub(super) async fn publish_2019(db: &Db, body_id: i64) -> Result<()> {
    let Some(r) = reports::find(db, body_id, 2019, false).await? else {
        return Ok(());
    };
    let actor = Actor::system();
    let today = crate::deadlines::today();
    let mut tx = db.begin().await?;
    for to in [Status::Review, Status::Approval, Status::Published] {
        reports::advance(db, &mut tx, &actor, r.id, to, today).await?;
    }
    tx.commit().await?;
    Ok(())
}
