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
//!
//! A consolidated platform (政府网站集约化, issue #14) runs several sites, each one top-level
//! organisation. A site's administrators are the usual grants scoped at its root, so they manage
//! only their site; deployment-wide actions need a grant at the platform root
//! (`OrgTree::deployment_roots`). The platform administrator ([`Role::PlatformAdministrator`])
//! is the one global role: it creates sites and produces the consolidated annual report over
//! chosen bodies, and for 三员分立 it sits with the system administrator (it configures the
//! platform), so it cannot be held together with the security or audit administrator.

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
    /// 平台管理员 (issue #14): creates and edits the sites of a consolidated platform and
    /// produces the consolidated annual report; global (granted at the platform root).
    PlatformAdministrator,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Drafter,
        Role::DepartmentHead,
        Role::ConfidentialityReviewer,
        Role::ApprovingLeader,
        Role::DisclosureOffice,
        Role::Administrator,
        Role::SecurityAdministrator,
        Role::Auditor,
        Role::PlatformAdministrator,
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
            Role::PlatformAdministrator => "platform_administrator",
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
            Role::PlatformAdministrator => "平台管理员",
        }
    }

    /// A global role: its grant (held at the platform root) covers every site of the platform.
    pub fn is_global(self) -> bool {
        matches!(self, Role::PlatformAdministrator)
    }

    /// The side of 三员分立 the role belongs to: the platform administrator configures the
    /// platform, so it sits with the system administrator.
    fn separation_side(self) -> Option<Role> {
        match self {
            Role::Administrator | Role::PlatformAdministrator => Some(Role::Administrator),
            Role::SecurityAdministrator => Some(Role::SecurityAdministrator),
            Role::Auditor => Some(Role::Auditor),
            _ => None,
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
                    | Role::PlatformAdministrator
            ),
            // The platform's own business (issue #14): its sites and the consolidated report
            // of a government over the bodies it chooses (REG §1.6, Art. 49 ¶2).
            ManageSites | ConsolidateReports => matches!(self, Role::PlatformAdministrator),
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
    /// Create sites of a consolidated platform and edit their host names (issue #14).
    ManageSites,
    /// Produce the consolidated annual report over chosen top-level bodies (REG §1.6, Art. 49
    /// ¶2; issue #14).
    ConsolidateReports,
}

impl Action {
    pub const ALL: [Action; 28] = [
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
        Action::ManageSites,
        Action::ConsolidateReports,
    ];

    /// Deployment-wide actions: they touch data that belongs to no single organisation, so only a
    /// grant scoped at a root of the tree allows them (on a platform of several sites, at the
    /// platform root: `OrgTree::deployment_roots`).
    pub fn is_deployment_wide(self) -> bool {
        matches!(
            self,
            Action::ManageCalendar
                | Action::ManageSettings
                | Action::ViewAudit
                | Action::ExportAudit
                | Action::ManageSites
                | Action::ConsolidateReports
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
        // A global role covers every organisation, but only from the platform root (a grant
        // placed anywhere else gives nothing); so do deployment-wide actions.
        if g.role.is_global() || action.is_deployment_wide() {
            return tree.deployment_roots().contains(&g.scope);
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
/// The platform administrator counts as the system administrator's side.
pub fn separation_conflict(grants: &[Grant]) -> Option<String> {
    let mut sides: Vec<Role> = grants
        .iter()
        .filter_map(|g| g.role.separation_side())
        .collect();
    sides.sort_unstable();
    sides.dedup();
    if sides.len() < 2 {
        return None;
    }
    let held: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.separation_side().is_some() && grants.iter().any(|g| g.role == *r))
        .collect();
    let names: Vec<&str> = held.iter().map(|r| r.label()).collect();
    Some(format!(
        "三员分立：同一账号不能同时担任{}（系统管理员（含平台管理员）、安全管理员、审计管理员只能任选其一）",
        names.join("和")
    ))
}

/// Whether `grants` reach the site of organisation `org` on a platform of several sites (issue
/// #14): some grant lies under the same top-level organisation, or a global role is held at the
/// platform root. Console lists of organisations and accounts keep to it, so one site's staff
/// never see another site's; in a deployment of one body every grant reaches everything.
pub fn reaches_site_of(grants: &[Grant], org: OrgId, tree: &OrgTree) -> bool {
    if !tree.has_sites() {
        return true;
    }
    if grants
        .iter()
        .any(|g| g.role.is_global() && tree.deployment_roots().contains(&g.scope))
    {
        return true;
    }
    let top = tree.top_of(org);
    top.is_some() && grants.iter().any(|g| tree.top_of(g.scope) == top)
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
            (
                Role::PlatformAdministrator,
                &[
                    ViewConsole,
                    ViewOrganisations,
                    ManageSites,
                    ConsolidateReports,
                ],
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
                    // A global role held below the root gives nothing.
                    let want = allowed
                        && (inside || action.is_deployment_wide())
                        && !action.is_deployment_wide()
                        && !role.is_global();
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
            // The platform administrator is on the system administrator's side.
            let side = |r: Role| match r {
                Role::PlatformAdministrator => Role::Administrator,
                r => r,
            };
            let admins = [
                Role::Administrator,
                Role::SecurityAdministrator,
                Role::Auditor,
            ]
            .iter()
            .filter(|r| grants.iter().any(|g| side(g.role) == **r))
            .count();
            let got = separation_conflict(&grants);
            assert_eq!(got.is_some(), admins >= 2, "{grants:?}");
            if let Some(msg) = got {
                assert!(msg.starts_with("三员分立"));
                for g in &grants {
                    if Role::THREE_ADMINISTRATORS.contains(&side(g.role)) {
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
        // A platform administrator may also be a system administrator (the same side).
        let platform_and_admin = [
            Grant {
                role: Role::PlatformAdministrator,
                scope: 1,
            },
            Grant {
                role: Role::Administrator,
                scope: 3,
            },
        ];
        assert_eq!(separation_conflict(&platform_and_admin), None);
    }

    /// A consolidated platform: sites 1 (the platform's own body) and 10. A site's
    /// administrators reach their site only, never deployment-wide data; the platform
    /// administrator reaches every site from the platform root and nothing from elsewhere.
    #[test]
    fn sites_on_a_platform() {
        let t = OrgTree::new([(1, None), (2, Some(1)), (10, None), (11, Some(10))])
            .with_platform(Some(1));
        let site_admin = [Grant {
            role: Role::Administrator,
            scope: 10,
        }];
        assert!(permits(&site_admin, Action::ManageUsers, Some(11), &t));
        assert!(!permits(&site_admin, Action::ManageUsers, Some(2), &t));
        assert!(!permits(&site_admin, Action::ManageCalendar, None, &t));
        assert!(!permits(&site_admin, Action::ManageSettings, None, &t));
        let platform_admin = [Grant {
            role: Role::Administrator,
            scope: 1,
        }];
        assert!(permits(&platform_admin, Action::ManageCalendar, None, &t));
        assert!(!permits(&platform_admin, Action::ManageUsers, Some(11), &t));
        let platform = [Grant {
            role: Role::PlatformAdministrator,
            scope: 1,
        }];
        assert!(permits(&platform, Action::ManageSites, None, &t));
        assert!(permits(&platform, Action::ViewOrganisations, Some(11), &t));
        assert!(!permits(&platform, Action::ManageUsers, Some(11), &t));
        let misplaced = [Grant {
            role: Role::PlatformAdministrator,
            scope: 10,
        }];
        for a in Action::ALL {
            assert!(!permits(&misplaced, a, Some(11), &t), "{a:?}");
        }
        assert!(reaches_site_of(&site_admin, 11, &t));
        assert!(!reaches_site_of(&site_admin, 2, &t));
        assert!(reaches_site_of(&platform, 11, &t));
        assert!(!reaches_site_of(&misplaced, 2, &t));
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
