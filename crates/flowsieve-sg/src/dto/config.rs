//! AWS Config JSON (camelCase keys): the configuration items of
//! `aws configservice get-resource-config-history` (`configurationItems[]`, with `configuration`
//! as a JSON *string*) and of `select-resource-config` (`Results[]`: one JSON string per item,
//! `configuration` an object there).
//!
//! The `configuration` of an `AWS::EC2::NetworkInterface` or `AWS::EC2::SecurityGroup` item is
//! the EC2 API's description in camelCase; the loader renames its keys to the AWS CLI's
//! PascalCase and reads it with the DTOs of `aws.rs`.

use serde::Deserialize;

/// One configuration item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfigurationItem {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// RFC 3339 text (AWS CLI v2) or epoch seconds (CLI v1, raw API).
    pub configuration_item_capture_time: Option<serde_json::Value>,
    pub configuration_item_status: Option<String>,
    pub resource_creation_time: Option<serde_json::Value>,
    /// A JSON string (history), an object (advanced query), or null for a deleted resource.
    pub configuration: Option<serde_json::Value>,
}
