//! Who reads what: one policy function per capability, pure, tested role by role.
//!
//! Reading a notebook (role × kind of notebook → answer and fields):
//!
//! | caller ↓ / notebook →   | own (beneficiary) | member of it | linked to own structure | other, active | archived |
//! |-------------------------|-------------------|--------------|-------------------------|---------------|----------|
//! | beneficiary             | full, no NIR      | —            | —                       | 404           | 404 (own: full) |
//! | professional            | —                 | full, no NIR | card                    | card          | member: 403, else 404 |
//! | structure admin         | —                 | —            | full, no NIR            | 404           | linked: 403, else 404 |
//! | orientation manager     | —                 | full, no NIR | full, no NIR            | full, no NIR  | 403 |
//! | manager                 | —                 | —            | full with NIR           | full with NIR | full with NIR (read-only, logged) |
//! | platform admin          | —                 | —            | 404                     | 404           | 404 |
//!
//! "full" is identity, rights, diagnostic, plan, rendez-vous, members, latest events and the
//! timeline; the NIR only for managers. "card" (restricted card): names, birth date, and the
//! members with how to reach them — never the NIR, the diagnostic, health-related situations or
//! RQTH; a member from a "sensitive" structure is shown as "structure d'accompagnement".
//! 404 where the caller may not know the notebook exists; 403 where they know it (a member, a
//! linked structure) but it is beyond their rights now.

use crate::roles::{Assignment, Role, Scope};
use crate::Id;

/// What the policy needs to know of a notebook.
#[derive(Clone, Debug, Default)]
pub struct NotebookFacts {
    pub beneficiary_id: Option<Id>,
    pub archived: bool,
    /// Accounts of the active members.
    pub active_members: Vec<Id>,
    /// Structures of the active members.
    pub member_structures: Vec<Id>,
}

/// Who is asking: the account and the role it acts in.
#[derive(Clone, Copy, Debug)]
pub struct Actor {
    pub account_id: Id,
    pub assignment: Assignment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadAccess {
    Full {
        nir: bool,
    },
    Card,
    /// 403: known, beyond the caller's rights.
    Forbidden,
    /// 404: the caller may not know of it.
    Hidden,
}

/// Reading one notebook (its full view, its timeline, or its card).
pub fn notebook_read(actor: &Actor, notebook: &NotebookFacts) -> ReadAccess {
    let is_member = notebook.active_members.contains(&actor.account_id);
    match (actor.assignment.role, actor.assignment.scope) {
        (Role::Beneficiary, Scope::Beneficiary(own)) if notebook.beneficiary_id == Some(own) => {
            ReadAccess::Full { nir: false }
        }
        (Role::Beneficiary, _) | (Role::PlatformAdmin, _) => ReadAccess::Hidden,
        (Role::Manager, _) => ReadAccess::Full { nir: true },
        (Role::OrientationManager, _) if notebook.archived => ReadAccess::Forbidden,
        (Role::OrientationManager, _) => ReadAccess::Full { nir: false },
        (Role::StructureAdmin, Scope::Structure(structure)) => {
            match (
                notebook.member_structures.contains(&structure),
                notebook.archived,
            ) {
                (true, false) => ReadAccess::Full { nir: false },
                (true, true) => ReadAccess::Forbidden,
                (false, _) => ReadAccess::Hidden,
            }
        }
        (Role::Professional, _) => match (is_member, notebook.archived) {
            (true, false) => ReadAccess::Full { nir: false },
            (true, true) => ReadAccess::Forbidden,
            (false, true) => ReadAccess::Hidden,
            (false, false) => ReadAccess::Card,
        },
        (Role::StructureAdmin, _) => ReadAccess::Hidden,
    }
}

/// Searching the département's notebooks (results are cards): staff who work with people.
pub fn may_search(actor: &Actor) -> bool {
    matches!(
        actor.assignment.role,
        Role::Professional | Role::StructureAdmin | Role::OrientationManager | Role::Manager
    )
}

/// The département's lists (without referent, orientation pending, RSA rights).
pub fn may_list_department(actor: &Actor) -> bool {
    matches!(
        actor.assignment.role,
        Role::OrientationManager | Role::Manager
    )
}

/// A professional's own portfolio ("mes bénéficiaires").
pub fn may_list_portfolio(actor: &Actor) -> bool {
    matches!(
        actor.assignment.role,
        Role::Professional | Role::OrientationManager
    )
}

/// A structure's portfolio: its admins.
pub fn may_list_structure(actor: &Actor) -> Option<Id> {
    match (actor.assignment.role, actor.assignment.scope) {
        (Role::StructureAdmin, Scope::Structure(id)) => Some(id),
        _ => None,
    }
}

/// Creating a beneficiary and their notebook.
pub fn may_create_beneficiary(actor: &Actor) -> bool {
    matches!(
        actor.assignment.role,
        Role::Manager | Role::OrientationManager
    )
}

/// Managing structures and dispositifs.
pub fn may_manage_structures(actor: &Actor) -> bool {
    actor.assignment.role == Role::Manager
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Assignment;

    struct World {
        me: Id,
        my_structure: Id,
        other_structure: Id,
        my_beneficiary: Id,
    }

    fn actor(world: &World, role: Role) -> Actor {
        let scope = match role {
            Role::Professional | Role::StructureAdmin => Scope::Structure(world.my_structure),
            Role::Beneficiary => Scope::Beneficiary(world.my_beneficiary),
            _ => Scope::Instance,
        };
        Actor {
            account_id: world.me,
            assignment: Assignment::new(role, scope).unwrap(),
        }
    }

    #[test]
    fn every_cell_of_the_read_matrix() {
        let world = World {
            me: Id::new_random(),
            my_structure: Id::new_random(),
            other_structure: Id::new_random(),
            my_beneficiary: Id::new_random(),
        };
        let someone = Id::new_random();
        let own = NotebookFacts {
            beneficiary_id: Some(world.my_beneficiary),
            ..Default::default()
        };
        let member = NotebookFacts {
            beneficiary_id: Some(Id::new_random()),
            active_members: vec![world.me],
            member_structures: vec![world.my_structure],
            archived: false,
        };
        let linked = NotebookFacts {
            beneficiary_id: Some(Id::new_random()),
            active_members: vec![someone],
            member_structures: vec![world.my_structure],
            archived: false,
        };
        let other = NotebookFacts {
            beneficiary_id: Some(Id::new_random()),
            active_members: vec![someone],
            member_structures: vec![world.other_structure],
            archived: false,
        };
        let archived_member = NotebookFacts {
            archived: true,
            ..member.clone()
        };
        let archived_other = NotebookFacts {
            archived: true,
            ..other.clone()
        };
        use ReadAccess::*;
        let full = Full { nir: false };
        let expected = [
            (
                Role::Beneficiary,
                [full, Hidden, Hidden, Hidden, Hidden, Hidden],
            ),
            (
                Role::Professional,
                [Card, full, Card, Card, Forbidden, Hidden],
            ),
            (
                Role::StructureAdmin,
                [Hidden, full, full, Hidden, Forbidden, Hidden],
            ),
            (
                Role::OrientationManager,
                [full, full, full, full, Forbidden, Forbidden],
            ),
            (Role::Manager, [Full { nir: true }; 6]),
            (Role::PlatformAdmin, [Hidden; 6]),
        ];
        for (role, answers) in expected {
            let who = actor(&world, role);
            let notebooks = [
                &own,
                &member,
                &linked,
                &other,
                &archived_member,
                &archived_other,
            ];
            for (index, (notebook, answer)) in notebooks.iter().zip(answers).enumerate() {
                assert_eq!(
                    notebook_read(&who, notebook),
                    answer,
                    "{role:?} on notebook #{index}"
                );
            }
        }
    }

    #[test]
    fn list_capabilities_by_role() {
        let world = World {
            me: Id::new_random(),
            my_structure: Id::new_random(),
            other_structure: Id::new_random(),
            my_beneficiary: Id::new_random(),
        };
        let table = [
            (Role::Beneficiary, false, false, false, false, false),
            (Role::Professional, true, false, true, false, false),
            (Role::StructureAdmin, true, false, false, true, false),
            (Role::OrientationManager, true, true, true, false, true),
            (Role::Manager, true, true, false, false, true),
            (Role::PlatformAdmin, false, false, false, false, false),
        ];
        for (role, search, department, portfolio, structure, create) in table {
            let who = actor(&world, role);
            assert_eq!(may_search(&who), search, "{role:?} search");
            assert_eq!(may_list_department(&who), department, "{role:?} department");
            assert_eq!(may_list_portfolio(&who), portfolio, "{role:?} portfolio");
            assert_eq!(
                may_list_structure(&who).is_some(),
                structure,
                "{role:?} structure"
            );
            assert_eq!(may_create_beneficiary(&who), create, "{role:?} create");
        }
    }
}

/// What a write touches, for the write policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteScope {
    /// Diagnostic, plan d'action, contacts, members, re-orientation requests.
    NotebookContent,
    /// A rendez-vous held by someone of `Some(structure)`.
    RendezVous(Option<Id>),
    /// Choosing the referent among `structure`'s professionals.
    Referent(Id),
    /// Identity fields (names, birth, NIR, identifiers, rights).
    Identity,
    /// The beneficiary's own contact details.
    ContactDetails,
}

/// Who may write (answer as for reads: `Full` allowed, else 403/404):
///
/// | caller ↓ / write →      | content | rendez-vous | referent | identity | contact details |
/// |-------------------------|---------|-------------|----------|----------|-----------------|
/// | active member (pro, OM) | yes     | yes         | yes      | —        | —               |
/// | structure admin (linked)| —       | own structure's | own structure's pros | — | — |
/// | manager                 | —       | —           | —        | yes      | —               |
/// | the beneficiary (own)   | —       | —           | —        | —        | yes             |
///
/// Everyone else: 403 where they may know the notebook, 404 otherwise; archived notebooks are
/// read-only for all.
pub fn notebook_write(actor: &Actor, notebook: &NotebookFacts, scope: WriteScope) -> ReadAccess {
    let read = notebook_read(actor, notebook);
    if matches!(read, ReadAccess::Hidden) {
        return ReadAccess::Hidden;
    }
    if notebook.archived {
        return ReadAccess::Forbidden;
    }
    let is_member = notebook.active_members.contains(&actor.account_id);
    let allowed = match (actor.assignment.role, scope) {
        (
            Role::Professional | Role::OrientationManager,
            WriteScope::Identity | WriteScope::ContactDetails,
        ) => false,
        (Role::Professional | Role::OrientationManager, _) => is_member,
        (
            Role::StructureAdmin,
            WriteScope::RendezVous(Some(structure)) | WriteScope::Referent(structure),
        ) => actor.assignment.scope == Scope::Structure(structure),
        (Role::Manager, WriteScope::Identity) => true,
        (Role::Beneficiary, WriteScope::ContactDetails) => true,
        _ => false,
    };
    if allowed {
        ReadAccess::Full { nir: false }
    } else {
        ReadAccess::Forbidden
    }
}

/// With whom a rendez-vous may be booked (or moved), once the caller may write rendez-vous in
/// the notebook ([`notebook_write`]): the professional who holds it is
///
/// | holder ↓                                        | allowed |
/// |-------------------------------------------------|---------|
/// | the caller                                      | yes     |
/// | an active member of the notebook                | yes     |
/// | a professional of the structure the caller acts in | yes  |
/// | anyone else (another structure's professional)  | no      |
///
/// so that nobody is made to hold — and be reminded of — a rendez-vous in a notebook they may
/// only see as a card. `holder_structures`: the structures the holder works in.
pub fn may_book_with(
    actor: &Actor,
    notebook: &NotebookFacts,
    holder: Id,
    holder_structures: &[Id],
) -> bool {
    holder == actor.account_id
        || notebook.active_members.contains(&holder)
        || actor
            .assignment
            .scope
            .structure_id()
            .is_some_and(|own| holder_structures.contains(&own))
}

#[cfg(test)]
mod booking_tests {
    use super::*;

    /// Each kind of holder × callers acting in a structure or not.
    #[test]
    fn every_cell_of_the_booking_table() {
        let me = Id::new_random();
        let my_structure = Id::new_random();
        let other_structure = Id::new_random();
        let member = Id::new_random();
        let colleague = Id::new_random();
        let stranger = Id::new_random();
        let notebook = NotebookFacts {
            beneficiary_id: Some(Id::new_random()),
            active_members: vec![me, member],
            member_structures: vec![my_structure],
            archived: false,
        };
        let holders: [(&str, Id, Vec<Id>); 4] = [
            ("self", me, vec![my_structure]),
            ("member", member, vec![other_structure]),
            ("colleague of my structure", colleague, vec![my_structure]),
            ("stranger", stranger, vec![other_structure]),
        ];
        let callers = [
            (Role::Professional, Scope::Structure(my_structure)),
            (Role::StructureAdmin, Scope::Structure(my_structure)),
            (Role::OrientationManager, Scope::Instance),
        ];
        for (role, scope) in callers {
            let actor = Actor {
                account_id: me,
                assignment: Assignment::new(role, scope).unwrap(),
            };
            for (name, holder, structures) in &holders {
                let expected = match *name {
                    "self" | "member" => true,
                    "colleague of my structure" => role != Role::OrientationManager,
                    _ => false,
                };
                assert_eq!(
                    may_book_with(&actor, &notebook, *holder, structures),
                    expected,
                    "{role:?} booking with {name}"
                );
            }
        }
    }
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn every_cell_of_the_write_matrix() {
        let me = Id::new_random();
        let mine = Id::new_random();
        let theirs = Id::new_random();
        let beneficiary = Id::new_random();
        let member_of = |archived: bool| NotebookFacts {
            beneficiary_id: Some(beneficiary),
            archived,
            active_members: vec![me],
            member_structures: vec![mine],
        };
        let stranger = NotebookFacts {
            beneficiary_id: Some(Id::new_random()),
            archived: false,
            active_members: vec![Id::new_random()],
            member_structures: vec![mine],
        };
        let actor = |role: Role| Actor {
            account_id: me,
            assignment: Assignment::new(
                role,
                match role {
                    Role::Professional | Role::StructureAdmin => Scope::Structure(mine),
                    Role::Beneficiary => Scope::Beneficiary(beneficiary),
                    _ => Scope::Instance,
                },
            )
            .unwrap(),
        };
        let scopes = [
            WriteScope::NotebookContent,
            WriteScope::RendezVous(Some(mine)),
            WriteScope::RendezVous(Some(theirs)),
            WriteScope::Referent(mine),
            WriteScope::Identity,
            WriteScope::ContactDetails,
        ];
        let ok = ReadAccess::Full { nir: false };
        let no = ReadAccess::Forbidden;
        let hidden = ReadAccess::Hidden;
        let expected: [(Role, &NotebookFacts, [ReadAccess; 6]); 8] = [
            (
                Role::Professional,
                &member_of(false),
                [ok, ok, ok, ok, no, no],
            ),
            (Role::Professional, &stranger, [no, no, no, no, no, no]),
            (
                Role::OrientationManager,
                &member_of(false),
                [ok, ok, ok, ok, no, no],
            ),
            (Role::StructureAdmin, &stranger, [no, ok, no, ok, no, no]),
            (Role::Manager, &stranger, [no, no, no, no, ok, no]),
            (
                Role::Beneficiary,
                &member_of(false),
                [no, no, no, no, no, ok],
            ),
            (Role::PlatformAdmin, &stranger, [hidden; 6]),
            (Role::Professional, &member_of(true), [no; 6]),
        ];
        for (role, notebook, answers) in expected {
            for (scope, answer) in scopes.iter().zip(answers) {
                assert_eq!(
                    notebook_write(&actor(role), notebook, *scope),
                    answer,
                    "{role:?} {scope:?} archived={}",
                    notebook.archived
                );
            }
        }
    }
}

/// A beneficiary's own notebook: the beneficiary their active role is scoped to (nobody else
/// has an "own" notebook).
pub fn own_notebook(actor: &Actor) -> Option<Id> {
    match (actor.assignment.role, actor.assignment.scope) {
        (Role::Beneficiary, Scope::Beneficiary(beneficiary)) => Some(beneficiary),
        _ => None,
    }
}

/// Choosing, signed in, whether one gets reminder emails: beneficiaries (the reminders of staff
/// are part of their work and carry no opt-out).
pub fn may_choose_reminders(actor: &Actor) -> bool {
    actor.assignment.role == Role::Beneficiary
}

/// The queue of re-orientation requests (with their reasons): orientation managers, who decide,
/// and managers, who oversee.
pub fn may_list_orientation_requests(actor: &Actor) -> bool {
    matches!(
        actor.assignment.role,
        Role::OrientationManager | Role::Manager
    )
}

/// The professionals of a structure (to choose a referent or invite a member): staff who work
/// with people.
pub fn may_list_professionals(actor: &Actor) -> bool {
    matches!(
        actor.assignment.role,
        Role::Professional | Role::StructureAdmin | Role::OrientationManager | Role::Manager
    )
}

/// Setting one's own work position and phone, shown with one's name wherever one is a member of
/// a notebook: the roles that have one ([`Role::has_work_contact`]).
pub fn may_set_work_contact(actor: &Actor) -> bool {
    actor.assignment.role.has_work_contact()
}

#[cfg(test)]
mod own_and_queue_tests {
    use super::*;
    use crate::roles::ALL_ROLES;

    #[test]
    fn own_notebook_reminders_queue_and_professionals_by_role() {
        let beneficiary = Id::new_random();
        let structure = Id::new_random();
        for role in ALL_ROLES {
            let scope = match role {
                Role::Professional | Role::StructureAdmin => Scope::Structure(structure),
                Role::Beneficiary => Scope::Beneficiary(beneficiary),
                _ => Scope::Instance,
            };
            let who = Actor {
                account_id: Id::new_random(),
                assignment: Assignment::new(role, scope).unwrap(),
            };
            let is = |roles: &[Role]| roles.contains(&role);
            assert_eq!(
                own_notebook(&who),
                is(&[Role::Beneficiary]).then_some(beneficiary),
                "{role:?} own notebook"
            );
            assert_eq!(
                may_choose_reminders(&who),
                is(&[Role::Beneficiary]),
                "{role:?} reminders"
            );
            assert_eq!(
                may_list_orientation_requests(&who),
                is(&[Role::OrientationManager, Role::Manager]),
                "{role:?} orientation queue"
            );
            assert_eq!(
                may_list_professionals(&who),
                is(&[
                    Role::Professional,
                    Role::StructureAdmin,
                    Role::OrientationManager,
                    Role::Manager
                ]),
                "{role:?} professionals"
            );
            assert_eq!(
                may_set_work_contact(&who),
                is(&[
                    Role::Professional,
                    Role::OrientationManager,
                    Role::StructureAdmin
                ]),
                "{role:?} work contact"
            );
        }
    }
}

/// Which accounts someone may list, with their emails and roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountDirectory {
    /// Every staff account of the instance.
    Instance,
    /// The accounts holding an active role in this structure.
    Structure(Id),
}

/// The accounts directory: managers and the platform admin see the instance's staff accounts, a
/// structure admin those of their structure; nobody else lists accounts.
pub fn may_list_accounts(actor: &Actor) -> Option<AccountDirectory> {
    match (actor.assignment.role, actor.assignment.scope) {
        (Role::Manager | Role::PlatformAdmin, _) => Some(AccountDirectory::Instance),
        (Role::StructureAdmin, Scope::Structure(id)) => Some(AccountDirectory::Structure(id)),
        _ => None,
    }
}

/// The département's dashboard (counts and series, no personal data): managers only.
pub fn may_view_dashboard(actor: &Actor) -> bool {
    actor.assignment.role == Role::Manager
}

/// The emails given up after every attempt (recipients' addresses and the provider's errors),
/// so that someone can reach those people another way: managers only.
pub fn may_list_failed_emails(actor: &Actor) -> bool {
    actor.assignment.role == Role::Manager
}

/// Bringing an archived notebook back (its retention then counts afresh): managers only.
pub fn may_restore_notebook(actor: &Actor) -> bool {
    actor.assignment.role == Role::Manager
}

#[cfg(test)]
mod directory_tests {
    use super::*;
    use crate::roles::ALL_ROLES;

    #[test]
    fn accounts_directory_and_dashboard_by_role() {
        let structure = Id::new_random();
        for role in ALL_ROLES {
            let scope = match role {
                Role::Professional | Role::StructureAdmin => Scope::Structure(structure),
                Role::Beneficiary => Scope::Beneficiary(Id::new_random()),
                _ => Scope::Instance,
            };
            let who = Actor {
                account_id: Id::new_random(),
                assignment: Assignment::new(role, scope).unwrap(),
            };
            let directory = match role {
                Role::Manager | Role::PlatformAdmin => Some(AccountDirectory::Instance),
                Role::StructureAdmin => Some(AccountDirectory::Structure(structure)),
                _ => None,
            };
            assert_eq!(may_list_accounts(&who), directory, "{role:?} directory");
            assert_eq!(
                may_view_dashboard(&who),
                role == Role::Manager,
                "{role:?} dashboard"
            );
            assert_eq!(
                may_list_failed_emails(&who),
                role == Role::Manager,
                "{role:?} failed emails"
            );
            assert_eq!(
                may_restore_notebook(&who),
                role == Role::Manager,
                "{role:?} restore"
            );
        }
    }
}
