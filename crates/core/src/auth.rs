//! Roles, actions and the one permission check of the whole system (product.md C1).
//!
//! A user holds one or more [`Grant`]s: a role scoped to an organisation subtree. An action on an
//! object owned by organisation `o` is permitted when some grant's role allows the action and `o`
//! lies in the grant's subtree. Deployment-wide actions (the calendar, settings) need a grant scoped
//! at a root of the tree. Every handler asks [`permits`]; nothing else decides access.
//!
//! 三员分立 (GB/T 22239-2019 8.1.4.2 访问控制, issue #13): the system administrator
//! ([`Role::Administrator`]: configuration, calendar, organisations, and which accounts exist), the
//! security administrator ([`Role::SecurityAdministrator`]: roles and permissions, unlocking) and
//! the audit administrator ([`Role::Auditor`]: audit review and export) have disjoint powers in
//! [`Role::allows`], and [`separation_conflict`] refuses any set of grants that gives one account
//! two of the three.

use crate::org::{OrgId, OrgTree};
use serde::{Deserialize, Serialize};

/// A staff role (product.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 承办人
    Drafter,
    /// 科室负责人
    DepartmentHead,
    /// 保密审查员
    ConfidentialityReviewer,
    /// 分管/主要领导
    ApprovingLeader,
    /// 政务公开办公室
    DisclosureOffice,
    /// 系统管理员: configuration, calendar, organisations, accounts (create, disable, reset).
    Administrator,
    /// 安全管理员: role grants and unlocking accounts.
    SecurityAdministrator,
    /// 审计管理员 (审计员): audit review and export only.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Drafter,
        Role::DepartmentHead,
        Role::ConfidentialityReviewer,
        Role::ApprovingLeader,
        Role::DisclosureOffice,
        Role::Administrator,
        Role::SecurityAdministrator,
        Role::Auditor,
    ];

    /// The three administrator roles of 三员分立: no account may hold two of them.
    pub const THREE_ADMINISTRATORS: [Role; 3] = [
        Role::Administrator,
        Role::SecurityAdministrator,
        Role::Auditor,
    ];

    /// Stable storage and CLI code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Drafter => "drafter",
            Role::DepartmentHead => "department_head",
            Role::ConfidentialityReviewer => "confidentiality_reviewer",
            Role::ApprovingLeader => "approving_leader",
            Role::DisclosureOffice => "disclosure_office",
            Role::Administrator => "administrator",
            Role::SecurityAdministrator => "security_administrator",
            Role::Auditor => "auditor",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Chinese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Drafter => "承办人",
            Role::DepartmentHead => "科室负责人",
            Role::ConfidentialityReviewer => "保密审查员",
            Role::ApprovingLeader => "审批领导",
            Role::DisclosureOffice => "政务公开办公室",
            Role::Administrator => "系统管理员",
            Role::SecurityAdministrator => "安全管理员",
            Role::Auditor => "审计管理员",
        }
    }

    /// The actions this role may take (within its scope).
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match action {
            // Every staff member may open the console, see their own work and change their password.
            ViewConsole => true,
            DraftItem => matches!(self, Role::Drafter | Role::DepartmentHead),
            // A department drafts the reply to a message forwarded to it (issue #7).
            AnswerMessage => matches!(self, Role::Drafter | Role::DepartmentHead),
            ReviewItem => matches!(self, Role::DepartmentHead),
            ConfidentialityReview => matches!(self, Role::ConfidentialityReviewer),
            ApproveItem | ApproveExtension => matches!(self, Role::ApprovingLeader),
            PublishItem | ManageApplications | ManageMailbox | EditGuide | ViewStatistics => {
                matches!(self, Role::DisclosureOffice)
            }
            // Personal data: only the office that handles applicants' requests needs full
            // numbers and exports; no administrator (三员) does (issue #13).
            RevealPersonalData | ExportPersonalData => matches!(self, Role::DisclosureOffice),
            // The annual work plan and the registers of issue #12 are business records: the
            // office keeps them, units report progress on their own tasks; no administrator
            // (三员) gains them.
            ManagePlans | ManageWorkRecords => matches!(self, Role::DisclosureOffice),
            ReportProgress => matches!(
                self,
                Role::Drafter | Role::DepartmentHead | Role::DisclosureOffice
            ),
            ViewOrganisations => matches!(
                self,
                Role::Administrator
                    | Role::SecurityAdministrator
                    | Role::DisclosureOffice
                    | Role::Auditor
            ),
            // 三员分立: the system administrator decides which accounts exist, never their roles.
            ManageOrganisations | ManageUsers | ManageCalendar | ManageSettings => {
                matches!(self, Role::Administrator)
            }
            // The security administrator decides roles and unlocks accounts, nothing else.
            ManageGrants | UnlockAccounts => matches!(self, Role::SecurityAdministrator),
            // The audit administrator reviews and exports the log; nobody may alter it.
            ViewAudit | ExportAudit => matches!(self, Role::Auditor),
        }
    }
}

/// Something a staff member may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ViewConsole,
    DraftItem,
    ReviewItem,
    ConfidentialityReview,
    ApproveItem,
    ApproveExtension,
    PublishItem,
    ManageApplications,
    ManageMailbox,
    /// Draft the reply to a message forwarded to one's department (承办人, 科室负责人).
    AnswerMessage,
    EditGuide,
    ViewStatistics,
    ViewOrganisations,
    ManageOrganisations,
    /// Create accounts, disable and enable them, reset their passwords (system administrator).
    ManageUsers,
    ManageCalendar,
    ManageSettings,
    /// Grant and revoke roles (security administrator).
    ManageGrants,
    /// Unlock an account locked after failed logins (security administrator).
    UnlockAccounts,
    ViewAudit,
    ExportAudit,
    /// See a full identity or certificate number instead of the masked one; each reveal is
    /// audited (`personal::reveal`, issue #13). The office that handles applications.
    RevealPersonalData,
    /// Export records that contain personal data (audited and watermarked, issue #13).
    ExportPersonalData,
    /// Keep the annual work plan: plans, tasks, cascading, the progress board (issue #12).
    ManagePlans,
    /// See the work-plan tasks of one's unit and report their progress (issue #12).
    ReportProgress,
    /// Keep the training, assessment, proposal and publicity registers (issue #12).
    ManageWorkRecords,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::ViewConsole,
        Action::DraftItem,
        Action::ReviewItem,
        Action::ConfidentialityReview,
        Action::ApproveItem,
        Action::ApproveExtension,
        Action::PublishItem,
        Action::ManageApplications,
        Action::ManageMailbox,
        Action::AnswerMessage,
        Action::EditGuide,
        Action::ViewStatistics,
        Action::ViewOrganisations,
        Action::ManageOrganisations,
        Action::ManageUsers,
        Action::ManageCalendar,
        Action::ManageSettings,
        Action::ManageGrants,
        Action::UnlockAccounts,
        Action::ViewAudit,
        Action::ExportAudit,
        Action::RevealPersonalData,
        Action::ExportPersonalData,
        Action::ManagePlans,
        Action::ReportProgress,
        Action::ManageWorkRecords,
    ];

    /// Deployment-wide actions: they touch data that belongs to no single organisation, so only a
    /// grant scoped at a root of the tree allows them.
    pub fn is_deployment_wide(self) -> bool {
        matches!(
            self,
            Action::ManageCalendar
                | Action::ManageSettings
                | Action::ViewAudit
                | Action::ExportAudit
        )
    }
}

/// A role held over an organisation subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: OrgId,
}

/// The single permission check. `target` is the organisation that owns the object acted on; for
/// deployment-wide actions pass `None`.
pub fn permits(grants: &[Grant], action: Action, target: Option<OrgId>, tree: &OrgTree) -> bool {
    grants.iter().any(|g| {
        if !g.role.allows(action) {
            return false;
        }
        if action.is_deployment_wide() {
            return tree.roots().contains(&g.scope);
        }
        match target {
            Some(org) => tree.is_within(org, g.scope),
            // An action not tied to one organisation (e.g. opening a list page): the list itself
            // is filtered by scope, so holding the role anywhere is enough to open it.
            None => true,
        }
    })
}

/// 三员分立: the message (in Chinese) when `grants` would give one account two of the three
/// administrator roles ([`Role::THREE_ADMINISTRATORS`]), whatever their scopes; `None` when the
/// grants are acceptable. The store refuses such grants and the console shows this message.
pub fn separation_conflict(grants: &[Grant]) -> Option<String> {
    let held: Vec<Role> = Role::THREE_ADMINISTRATORS
        .into_iter()
        .filter(|r| grants.iter().any(|g| g.role == *r))
        .collect();
    if held.len() < 2 {
        return None;
    }
    let names: Vec<&str> = held.iter().map(|r| r.label()).collect();
    Some(format!(
        "三员分立：同一账号不能同时担任{}（系统管理员、安全管理员、审计管理员只能任选其一）",
        names.join("和")
    ))
}

/// The organisations a user's grants for `action` cover, as subtree roots. Queries use this to
/// filter lists inside the database rather than after the fact.
pub fn scopes_for(grants: &[Grant], action: Action) -> Vec<OrgId> {
    let mut scopes: Vec<OrgId> = grants
        .iter()
        .filter(|g| g.role.allows(action))
        .map(|g| g.scope)
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> OrgTree {
        // 1 = city body, 2 = a department, 3 = county A, 4 = county B, 5 = a unit in county A
        OrgTree::new([
            (1, None),
            (2, Some(1)),
            (3, Some(1)),
            (4, Some(1)),
            (5, Some(3)),
        ])
    }

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
    }

    /// The full matrix role × scope × action, written out independently of `Role::allows`.
    #[test]
    fn permission_matrix() {
        use Action::*;
        let expected_role_actions: &[(Role, &[Action])] = &[
            (
                Role::Drafter,
                &[ViewConsole, DraftItem, AnswerMessage, ReportProgress],
            ),
            (
                Role::DepartmentHead,
                &[
                    ViewConsole,
                    DraftItem,
                    ReviewItem,
                    AnswerMessage,
                    ReportProgress,
                ],
            ),
            (
                Role::ConfidentialityReviewer,
                &[ViewConsole, ConfidentialityReview],
            ),
            (
                Role::ApprovingLeader,
                &[ViewConsole, ApproveItem, ApproveExtension],
            ),
            (
                Role::DisclosureOffice,
                &[
                    ViewConsole,
                    PublishItem,
                    ManageApplications,
                    ManageMailbox,
                    EditGuide,
                    ViewStatistics,
                    ViewOrganisations,
                    RevealPersonalData,
                    ExportPersonalData,
                    ManagePlans,
                    ReportProgress,
                    ManageWorkRecords,
                ],
            ),
            (
                Role::Administrator,
                &[
                    ViewConsole,
                    ViewOrganisations,
                    ManageOrganisations,
                    ManageUsers,
                    ManageCalendar,
                    ManageSettings,
                ],
            ),
            (
                Role::SecurityAdministrator,
                &[ViewConsole, ViewOrganisations, ManageGrants, UnlockAccounts],
            ),
            (
                Role::Auditor,
                &[ViewConsole, ViewAudit, ExportAudit, ViewOrganisations],
            ),
        ];
        let t = tree();
        for (role, actions) in expected_role_actions {
            for action in Action::ALL {
                let allowed = actions.contains(&action);
                // Scoped at the root: every org, and deployment-wide actions.
                let root = [Grant {
                    role: *role,
                    scope: 1,
                }];
                for org in 1..=5 {
                    assert_eq!(
                        permits(&root, action, Some(org), &t),
                        allowed,
                        "{role:?} at root, {action:?} on org {org}"
                    );
                }
                // Scoped at county A (3): only 3 and 5; never deployment-wide actions.
                let county = [Grant {
                    role: *role,
                    scope: 3,
                }];
                for org in 1..=5 {
                    let inside = org == 3 || org == 5;
                    let want = allowed
                        && (inside || action.is_deployment_wide())
                        && !action.is_deployment_wide();
                    assert_eq!(
                        permits(&county, action, Some(org), &t),
                        want,
                        "{role:?} at county A, {action:?} on org {org}"
                    );
                }
            }
        }
    }

    /// 三员分立 as a matrix: the powers of the three administrators are pairwise disjoint
    /// (apart from opening the console and seeing the organisation tree), and no other role
    /// holds any of them.
    #[test]
    fn three_administrators_have_disjoint_powers() {
        use Action::*;
        let shared = [ViewConsole, ViewOrganisations];
        let own: &[(Role, &[Action])] = &[
            (
                Role::Administrator,
                &[
                    ManageOrganisations,
                    ManageUsers,
                    ManageCalendar,
                    ManageSettings,
                ],
            ),
            (Role::SecurityAdministrator, &[ManageGrants, UnlockAccounts]),
            (Role::Auditor, &[ViewAudit, ExportAudit]),
        ];
        for (role, actions) in own {
            for action in Action::ALL {
                if shared.contains(&action) {
                    continue;
                }
                let owner = own
                    .iter()
                    .find(|(_, a)| a.contains(&action))
                    .map(|(r, _)| *r);
                for other in Role::ALL {
                    if owner.is_some() && Some(other) != owner {
                        assert!(!other.allows(action), "{other:?} must not {action:?}");
                    }
                }
                assert_eq!(
                    role.allows(action),
                    actions.contains(&action),
                    "{role:?} {action:?}"
                );
            }
        }
    }

    /// Every subset of roles, each at one of two scopes: a conflict exactly when two distinct
    /// administrator roles are present, and the message names both.
    #[test]
    fn separation_conflict_over_every_role_subset() {
        for mask in 0u32..(1 << Role::ALL.len()) {
            let grants: Vec<Grant> = Role::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(i, r)| Grant {
                    role: *r,
                    scope: if i % 2 == 0 { 1 } else { 3 },
                })
                .collect();
            let admins = [
                Role::Administrator,
                Role::SecurityAdministrator,
                Role::Auditor,
            ]
            .iter()
            .filter(|r| grants.iter().any(|g| g.role == **r))
            .count();
            let got = separation_conflict(&grants);
            assert_eq!(got.is_some(), admins >= 2, "{grants:?}");
            if let Some(msg) = got {
                assert!(msg.starts_with("三员分立"));
                for g in &grants {
                    if Role::THREE_ADMINISTRATORS.contains(&g.role) {
                        assert!(msg.contains(g.role.label()), "{msg}");
                    }
                }
            }
        }
        // The same role twice (two scopes) is not a conflict.
        let twice = [
            Grant {
                role: Role::Auditor,
                scope: 1,
            },
            Grant {
                role: Role::Auditor,
                scope: 3,
            },
        ];
        assert_eq!(separation_conflict(&twice), None);
    }

    #[test]
    fn county_a_never_sees_county_b() {
        let t = tree();
        let g = [Grant {
            role: Role::DisclosureOffice,
            scope: 3,
        }];
        assert!(permits(&g, Action::ManageApplications, Some(5), &t));
        assert!(!permits(&g, Action::ManageApplications, Some(4), &t));
        assert_eq!(scopes_for(&g, Action::ManageApplications), vec![3]);
        assert!(scopes_for(&g, Action::ViewAudit).is_empty());
    }

    #[test]
    fn no_grants_no_access() {
        let t = tree();
        for a in Action::ALL {
            assert!(!permits(&[], a, Some(1), &t));
            assert!(!permits(&[], a, None, &t));
        }
    }
}
