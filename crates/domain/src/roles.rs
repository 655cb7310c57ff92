//! Roles, their scopes, and who may grant what.
//!
//! The grant matrix (granter's role → role granted → scope allowed). Revoking a role and
//! disabling an account follow the same matrix: you may revoke what you may grant, and disable an
//! account only if you may grant every active role it holds. Nobody grants a role above their own
//! or outside their scope; nobody acts on their own account through these rules.
//!
//! | granter ↓ / grants →  | manager  | orientation_manager | structure_admin | professional        | platform_admin | beneficiary |
//! |-----------------------|----------|---------------------|-----------------|---------------------|----------------|-------------|
//! | platform_admin        | instance | —                   | —               | —                   | —              | —           |
//! | manager               | —        | instance            | any structure   | any structure       | —              | —           |
//! | orientation_manager   | —        | —                   | —               | —                   | —              | —           |
//! | structure_admin       | —        | —                   | —               | own structure only  | —              | —           |
//! | professional          | —        | —                   | —               | —                   | —              | —           |
//! | beneficiary           | —        | —                   | —               | —                   | —              | —           |
//!
//! The platform admin and the first manager come from the bootstrap command. Beneficiary accounts
//! are created with their notebook (the carnet issue).

use crate::{Id, ValueError};
use serde::{Deserialize, Serialize};

/// Un rôle : `platform_admin` (administrateur de la plateforme), `manager` (gestionnaire du
/// département), `orientation_manager` (chargé d'orientation), `structure_admin`
/// (administrateur de structure), `professional` (professionnel), `beneficiary` (bénéficiaire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Role)]
pub enum Role {
    PlatformAdmin,
    Manager,
    OrientationManager,
    StructureAdmin,
    Professional,
    Beneficiary,
}

pub const ALL_ROLES: [Role; 6] = [
    Role::PlatformAdmin,
    Role::Manager,
    Role::OrientationManager,
    Role::StructureAdmin,
    Role::Professional,
    Role::Beneficiary,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Instance,
    Structure,
    Beneficiary,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::Manager => "manager",
            Role::OrientationManager => "orientation_manager",
            Role::StructureAdmin => "structure_admin",
            Role::Professional => "professional",
            Role::Beneficiary => "beneficiary",
        }
    }

    pub fn parse(code: &str) -> Result<Role, ValueError> {
        ALL_ROLES
            .into_iter()
            .find(|role| role.code() == code)
            .ok_or(ValueError::InvalidRole)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "Administrateur de la plateforme",
            Role::Manager => "Gestionnaire du département",
            Role::OrientationManager => "Chargé d'orientation",
            Role::StructureAdmin => "Administrateur de structure",
            Role::Professional => "Professionnel",
            Role::Beneficiary => "Bénéficiaire",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Beneficiary
    }

    /// Whether this role is shown with a work position and phone: the staff who can be members
    /// of a notebook (professionals, orientation managers) and their structure admins. Managers
    /// and the platform admin are never members.
    pub fn has_work_contact(self) -> bool {
        matches!(
            self,
            Role::Professional | Role::OrientationManager | Role::StructureAdmin
        )
    }

    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::StructureAdmin | Role::Professional => ScopeKind::Structure,
            Role::Beneficiary => ScopeKind::Beneficiary,
            _ => ScopeKind::Instance,
        }
    }

    /// Order in which a new session picks its active role (the person can switch).
    pub fn default_priority(self) -> u8 {
        match self {
            Role::Manager => 0,
            Role::OrientationManager => 1,
            Role::StructureAdmin => 2,
            Role::Professional => 3,
            Role::PlatformAdmin => 4,
            Role::Beneficiary => 5,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Instance,
    Structure(Id),
    Beneficiary(Id),
}

impl Scope {
    pub fn kind(&self) -> ScopeKind {
        match self {
            Scope::Instance => ScopeKind::Instance,
            Scope::Structure(_) => ScopeKind::Structure,
            Scope::Beneficiary(_) => ScopeKind::Beneficiary,
        }
    }

    /// The uniqueness key stored with an assignment: '' or the scope's id.
    pub fn key(&self) -> String {
        match self {
            Scope::Instance => String::new(),
            Scope::Structure(id) | Scope::Beneficiary(id) => id.to_string(),
        }
    }

    pub fn structure_id(&self) -> Option<Id> {
        match self {
            Scope::Structure(id) => Some(*id),
            _ => None,
        }
    }

    pub fn beneficiary_id(&self) -> Option<Id> {
        match self {
            Scope::Beneficiary(id) => Some(*id),
            _ => None,
        }
    }
}

/// A role held in a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub role: Role,
    pub scope: Scope,
}

impl Assignment {
    /// Builds an assignment, refusing a scope of the wrong kind for the role.
    pub fn new(role: Role, scope: Scope) -> Result<Self, ValueError> {
        if role.scope_kind() != scope.kind() {
            return Err(ValueError::InvalidScope);
        }
        Ok(Assignment { role, scope })
    }
}

/// The grant matrix: may someone acting as `granter` give `granted` to another person?
pub fn may_grant(granter: &Assignment, granted: &Assignment) -> bool {
    match (granter.role, granted.role) {
        (Role::PlatformAdmin, Role::Manager) => true,
        (Role::Manager, Role::OrientationManager) => true,
        (Role::Manager, Role::StructureAdmin | Role::Professional) => true,
        (Role::StructureAdmin, Role::Professional) => {
            granter.scope == granted.scope && granted.scope.structure_id().is_some()
        }
        _ => false,
    }
}

/// May `granter` give `granted` to an account that holds `held` now? The grant matrix, and:
/// a beneficiary's account holds no other role (staff roles only on staff accounts), and no
/// grant reaches an account holding a role the granter could not grant itself (a structure
/// admin cannot add a role to a manager's, another structure's professional's or a
/// beneficiary's account).
pub fn may_grant_to(granter: &Assignment, granted: &Assignment, held: &[Assignment]) -> bool {
    may_grant(granter, granted)
        && held
            .iter()
            .all(|role| role.role != Role::Beneficiary && may_grant(granter, role))
}

/// May `granter` create structures? (Managers only.)
pub fn may_create_structures(granter: &Assignment) -> bool {
    granter.role == Role::Manager
}

/// May `granter` disable an account that holds `held` roles? Only if they may grant each one.
pub fn may_disable(granter: &Assignment, held: &[Assignment]) -> bool {
    !held.is_empty() && held.iter().all(|role| may_grant(granter, role))
}

/// May `granter` set the work position and phone of an account that holds `held` roles? Those
/// who may grant each of its roles (as for disabling), when one of them is a role shown with a
/// work contact ([`Role::has_work_contact`]).
pub fn may_set_work_contact_of(granter: &Assignment, held: &[Assignment]) -> bool {
    may_disable(granter, held)
        && held
            .iter()
            .any(|assignment| assignment.role.has_work_contact())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(structure: Id, other: Id, beneficiary: Id) -> Vec<Scope> {
        vec![
            Scope::Instance,
            Scope::Structure(structure),
            Scope::Structure(other),
            Scope::Beneficiary(beneficiary),
        ]
    }

    /// Every cell of the matrix: each granter role (in its scope) × each role × each scope.
    #[test]
    fn grant_matrix_cell_by_cell() {
        let own = Id::new_random();
        let other = Id::new_random();
        let beneficiary = Id::new_random();
        let granter_scope = |role: Role| match role.scope_kind() {
            ScopeKind::Instance => Scope::Instance,
            ScopeKind::Structure => Scope::Structure(own),
            ScopeKind::Beneficiary => Scope::Beneficiary(beneficiary),
        };
        let mut allowed = Vec::new();
        for granter_role in ALL_ROLES {
            let granter = Assignment::new(granter_role, granter_scope(granter_role)).unwrap();
            for granted_role in ALL_ROLES {
                for scope in scopes(own, other, beneficiary) {
                    let Ok(granted) = Assignment::new(granted_role, scope) else {
                        continue;
                    };
                    if may_grant(&granter, &granted) {
                        let scope_name = match scope {
                            Scope::Instance => "instance",
                            Scope::Structure(id) if id == own => "own structure",
                            Scope::Structure(_) => "other structure",
                            Scope::Beneficiary(_) => "beneficiary",
                        };
                        allowed.push((granter_role.code(), granted_role.code(), scope_name));
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                ("platform_admin", "manager", "instance"),
                ("manager", "orientation_manager", "instance"),
                ("manager", "structure_admin", "own structure"),
                ("manager", "structure_admin", "other structure"),
                ("manager", "professional", "own structure"),
                ("manager", "professional", "other structure"),
                ("structure_admin", "professional", "own structure"),
            ]
        );
    }

    /// One assignment of each kind, in a structure `own` or elsewhere: the accounts the grant
    /// tests try.
    struct Sample {
        own: Id,
        pro: Assignment,
        other_pro: Assignment,
        structure_admin: Assignment,
        orientation: Assignment,
        manager: Assignment,
        platform: Assignment,
        beneficiary: Assignment,
    }

    impl Sample {
        fn new() -> Self {
            let own = Id::new_random();
            let assignment = |role, scope| Assignment::new(role, scope).unwrap();
            Sample {
                own,
                pro: assignment(Role::Professional, Scope::Structure(own)),
                other_pro: assignment(Role::Professional, Scope::Structure(Id::new_random())),
                structure_admin: assignment(Role::StructureAdmin, Scope::Structure(own)),
                orientation: assignment(Role::OrientationManager, Scope::Instance),
                manager: assignment(Role::Manager, Scope::Instance),
                platform: assignment(Role::PlatformAdmin, Scope::Instance),
                beneficiary: assignment(Role::Beneficiary, Scope::Beneficiary(Id::new_random())),
            }
        }
    }

    /// Each granter × each kind of account: what the matrix allows on an account with no role
    /// still reaches an account holding only roles the granter could grant, and never a
    /// beneficiary's account or one holding a role beyond the granter.
    #[test]
    fn grants_reach_only_accounts_within_the_granters_rights() {
        let Sample {
            own: _,
            pro,
            other_pro,
            structure_admin,
            orientation,
            manager,
            platform,
            beneficiary,
        } = Sample::new();
        let accounts: [(&str, Vec<Assignment>); 8] = [
            ("no role", vec![]),
            ("pro", vec![pro]),
            ("other structure's pro", vec![other_pro]),
            ("structure admin", vec![structure_admin]),
            ("orientation manager", vec![orientation]),
            ("manager", vec![manager]),
            ("platform admin", vec![platform]),
            ("beneficiary", vec![beneficiary]),
        ];
        // (granter, role granted): the accounts it may reach.
        let cases: [(Assignment, Assignment, &[&str]); 4] = [
            (structure_admin, pro, &["no role", "pro"]),
            (
                manager,
                other_pro,
                &[
                    "no role",
                    "pro",
                    "other structure's pro",
                    "structure admin",
                    "orientation manager",
                ],
            ),
            (
                manager,
                orientation,
                &[
                    "no role",
                    "pro",
                    "other structure's pro",
                    "structure admin",
                    "orientation manager",
                ],
            ),
            (platform, manager, &["no role", "manager"]),
        ];
        for (granter, granted, reachable) in cases {
            for (name, held) in &accounts {
                assert_eq!(
                    may_grant_to(&granter, &granted, held),
                    reachable.contains(name),
                    "{:?} granting {:?} to {name}",
                    granter.role,
                    granted.role
                );
            }
        }
        // Whoever is refused by the matrix stays refused on any account.
        for (_, held) in &accounts {
            assert!(!may_grant_to(&pro, &pro, held));
            assert!(!may_grant_to(&beneficiary, &pro, held));
            assert!(!may_grant_to(&orientation, &pro, held));
        }
    }

    #[test]
    fn scopes_must_fit_roles() {
        let id = Id::new_random();
        assert!(Assignment::new(Role::Professional, Scope::Instance).is_err());
        assert!(Assignment::new(Role::Manager, Scope::Structure(id)).is_err());
        assert!(Assignment::new(Role::Beneficiary, Scope::Structure(id)).is_err());
        assert!(Assignment::new(Role::Professional, Scope::Structure(id)).is_ok());
    }

    #[test]
    fn disabling_requires_granting_every_held_role() {
        let own = Id::new_random();
        let admin = Assignment::new(Role::StructureAdmin, Scope::Structure(own)).unwrap();
        let pro = Assignment::new(Role::Professional, Scope::Structure(own)).unwrap();
        let other_admin = Assignment::new(Role::StructureAdmin, Scope::Structure(own)).unwrap();
        assert!(may_disable(&admin, &[pro]));
        assert!(!may_disable(&admin, &[pro, other_admin]));
        assert!(!may_disable(&admin, &[]));
    }

    /// Each granter role × the account's roles: the structure admin for its own structure's
    /// professionals, the manager for professionals, orientation managers and structure admins;
    /// nobody for a manager's or a platform admin's account (no work contact), nor for one's
    /// peers.
    #[test]
    fn work_contacts_are_set_by_who_may_grant_every_role_held() {
        let Sample {
            own,
            pro,
            other_pro,
            structure_admin,
            orientation,
            manager,
            platform,
            beneficiary,
        } = Sample::new();
        let assignment = |role, scope| Assignment::new(role, scope).unwrap();
        let accounts: [(&str, Vec<Assignment>); 7] = [
            ("pro", vec![pro]),
            ("other structure's pro", vec![other_pro]),
            ("structure admin", vec![structure_admin]),
            ("pro and structure admin", vec![pro, structure_admin]),
            ("orientation manager", vec![orientation]),
            ("manager", vec![manager]),
            ("no role", vec![]),
        ];
        for granter_role in ALL_ROLES {
            let granter = match granter_role {
                Role::Professional | Role::StructureAdmin => {
                    assignment(granter_role, Scope::Structure(own))
                }
                Role::Beneficiary => beneficiary,
                _ => assignment(granter_role, Scope::Instance),
            };
            for (name, held) in &accounts {
                let expected = match granter_role {
                    Role::StructureAdmin => *name == "pro",
                    Role::Manager => !matches!(*name, "manager" | "no role"),
                    _ => false,
                };
                assert_eq!(
                    may_set_work_contact_of(&granter, held),
                    expected,
                    "{granter_role:?} on {name}"
                );
            }
        }
        assert!(!may_set_work_contact_of(&platform, &[manager]));
    }

    #[test]
    fn role_codes_round_trip() {
        for role in ALL_ROLES {
            assert_eq!(Role::parse(role.code()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
    }
}
