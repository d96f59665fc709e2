//! Organisations (product.md C1): the body, its internal departments, directly-affiliated units,
//! county/district/development-zone bodies and special associations, as a tree.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Database id of an organisation.
pub type OrgId = i64;

/// The kind of an organisation in the tree. Stored as its stable `code()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 本级机关
    Body,
    /// 内设部室
    Department,
    /// 直属单位
    Affiliated,
    /// 县（市）区/开发区
    County,
    /// 专门协会
    Association,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::Body,
        OrgKind::Department,
        OrgKind::Affiliated,
        OrgKind::County,
        OrgKind::Association,
    ];

    /// Stable storage code.
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Body => "body",
            OrgKind::Department => "department",
            OrgKind::Affiliated => "affiliated",
            OrgKind::County => "county",
            OrgKind::Association => "association",
        }
    }

    pub fn from_code(code: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The Chinese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Body => "本级机关",
            OrgKind::Department => "内设部室",
            OrgKind::Affiliated => "直属单位",
            OrgKind::County => "县（市）区/开发区",
            OrgKind::Association => "专门协会",
        }
    }
}

/// The parent relation of the organisation tree, enough to answer "is A inside B's subtree?".
///
/// On a consolidated platform (政府网站集约化, issue #14) several top-level organisations share
/// one deployment, each the body of its own site; the *platform root* is the deployment's own
/// body (the default site's). Only grants there reach deployment-wide data (the calendar, the
/// settings, the audit log): a site's administrators manage their site, never the platform.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    parent: HashMap<OrgId, Option<OrgId>>,
    platform: Option<OrgId>,
}

impl OrgTree {
    /// Builds the tree from `(id, parent_id)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (OrgId, Option<OrgId>)>) -> Self {
        OrgTree {
            parent: pairs.into_iter().collect(),
            platform: None,
        }
    }

    /// The same tree on a platform of several sites whose own body is `platform`.
    pub fn with_platform(mut self, platform: Option<OrgId>) -> Self {
        self.platform = platform.filter(|p| self.parent.get(p) == Some(&None));
        self
    }

    /// True on a platform of several sites (the tree knows its platform root).
    pub fn has_sites(&self) -> bool {
        self.platform.is_some()
    }

    /// The roots whose grants reach deployment-wide data: the platform root on a platform of
    /// several sites, else every root (a deployment of one body).
    pub fn deployment_roots(&self) -> Vec<OrgId> {
        match self.platform {
            Some(p) => vec![p],
            None => self.roots(),
        }
    }

    /// The top-level organisation above `id` (itself when it is one); `None` for an unknown id
    /// or a cycle.
    pub fn top_of(&self, id: OrgId) -> Option<OrgId> {
        let mut current = id;
        for _ in 0..=self.parent.len() {
            match self.parent.get(&current)? {
                None => return Some(current),
                Some(p) => current = *p,
            }
        }
        None
    }

    pub fn contains(&self, id: OrgId) -> bool {
        self.parent.contains_key(&id)
    }

    /// True when `node` is `root` or lies below it. Cycles (which the store prevents) end the
    /// walk instead of looping.
    pub fn is_within(&self, node: OrgId, root: OrgId) -> bool {
        let mut current = Some(node);
        let mut steps = 0usize;
        while let Some(id) = current {
            if id == root {
                return true;
            }
            steps += 1;
            if steps > self.parent.len() {
                return false;
            }
            current = self.parent.get(&id).copied().flatten();
        }
        false
    }

    /// The roots of the tree (organisations without a parent).
    pub fn roots(&self) -> Vec<OrgId> {
        let mut roots: Vec<OrgId> = self
            .parent
            .iter()
            .filter(|(_, p)| p.is_none())
            .map(|(id, _)| *id)
            .collect();
        roots.sort_unstable();
        roots
    }

    /// Would re-parenting `node` under `new_parent` create a cycle?
    pub fn would_cycle(&self, node: OrgId, new_parent: OrgId) -> bool {
        self.is_within(new_parent, node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::from_code(k.code()), Some(k));
        }
        assert_eq!(OrgKind::from_code("nope"), None);
    }

    #[test]
    fn subtree_membership() {
        let t = OrgTree::new([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))]);
        assert!(t.is_within(3, 1));
        assert!(t.is_within(3, 2));
        assert!(t.is_within(2, 2));
        assert!(!t.is_within(4, 2));
        assert!(!t.is_within(1, 2));
        assert!(t.would_cycle(1, 3));
        assert!(!t.would_cycle(4, 2));
        assert_eq!(t.roots(), vec![1]);
        assert_eq!(t.deployment_roots(), vec![1]);
        assert_eq!(t.top_of(3), Some(1));
        assert_eq!(t.top_of(1), Some(1));
        assert_eq!(t.top_of(9), None);
    }

    #[test]
    fn a_platform_narrows_the_deployment_roots() {
        // Two sites: 1 (the platform's own body) and 10.
        let t = OrgTree::new([(1, None), (2, Some(1)), (10, None), (11, Some(10))]);
        assert_eq!(t.deployment_roots(), vec![1, 10]);
        let p = t.clone().with_platform(Some(1));
        assert_eq!(p.deployment_roots(), vec![1]);
        assert_eq!(p.top_of(11), Some(10));
        // A platform that is not a root is ignored.
        assert_eq!(t.with_platform(Some(2)).deployment_roots(), vec![1, 10]);
    }
}
