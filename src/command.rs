//! What the adapters ask the services to do, and what a share did: the services' own input and
//! outcome types, so no service depends on an adapter's wire types. The console's server functions take
//! and answer them unchanged (serde; compiled for the browser); the OpenAPI builds them from its
//! parameters and maps the outcome to the SDK's models.

use crate::domain::PrincipalScope;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ShareMethod {
    /// Create a new resource share containing the backup set.
    New { name: String, scope: String, principals: Vec<String> },
    /// Add the backup set to an existing share; `principals`, when given, replaces the share's principals.
    Existing { resource_share_id: String, principals: Option<Vec<String>> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRequest {
    pub backup_set_id: String,
    pub method: ShareMethod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareOutcome {
    pub resource_share_id: String,
    pub resource_share_name: String,
    /// Accounts that were sent an invitation to accept.
    pub invited: Vec<String>,
    /// Principals associated at once (inside the resource directory).
    pub associated: Vec<String>,
    /// The share's principal scope.
    pub principal_scope: PrincipalScope,
    /// Principals whose access will be revoked by the scheduled task.
    pub revoking: Vec<String>,
    /// The accounts among those invited, associated and revoking that are outside the owner's resource
    /// directory (Resource Sharing's `External`), as the change's own transaction saw them.
    pub external: Vec<String>,
    /// A restore is reading one of the share's sets: the removals start when it ends.
    pub removal_waits_for_restore: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreRequest {
    pub backup_set_id: String,
    pub cluster_name: String,
    /// Absent: the first listed (`domain::restore_node_spec`), as CreateDBCluster's DBNodeClass may be.
    #[serde(default)]
    pub node_spec: Option<String>,
    /// Absent: the first zone of the region (`domain::restore_placement`), as CreateDBCluster's ZoneId may be.
    #[serde(default)]
    pub zone_id: Option<String>,
    /// The region the new cluster goes in (CreateDBCluster's RegionId): a zone named must be of it. The
    /// console names none: its zone says where, or else the backup set's region.
    #[serde(default)]
    pub region_id: Option<String>,
    pub pay_type: String,
    /// A subscription's term, as CreateDBCluster's Period (`Month` or `Year`) and UsedTime (1-9 months or
    /// 1-3 years) name it; both required for `Prepaid`, ignored for `Postpaid` (`domain::BillingChoice`).
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub used_time: Option<String>,
}
