//! AWS Config configuration items of `AWS::EC2::NetworkInterface` and `AWS::EC2::SecurityGroup`:
//! `aws configservice get-resource-config-history` (`configurationItems`, each `configuration` a
//! JSON string) and `select-resource-config` (`Results`, each item a JSON string whose
//! `configuration` is an object).
//!
//! An item with a capture time is an observation of its resource's history (see `timeline`); an
//! item without one (a query that did not select `configurationItemCaptureTime`) describes the
//! resource like a `describe-…` page of the current snapshot. The camelCase `configuration` is
//! renamed to the AWS CLI's PascalCase and read with the same converters as `describe-…` output,
//! so JSON paths inside it use the CLI's names.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::builder::{ConfigObservation, Layer};
use super::network::json_time;
use super::{InventoryBuilder, at, req, req_id};
use crate::dto::{aws, config};
use crate::error::{Error, Result};
use crate::model::{Finding, FindingCode, SourceKind};

/// The resource types flowsieve reads from AWS Config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResourceType {
    NetworkInterface,
    SecurityGroup,
}

impl InventoryBuilder {
    /// `configurationItems` (one history page).
    pub(super) fn add_config_items(
        &mut self,
        file: &Path,
        prefix: &str,
        items: Vec<config::ConfigurationItem>,
    ) -> Result<()> {
        let mut skipped = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let ip = format!("{prefix}configurationItems[{i}]");
            if let Some(other) = self.add_config_item(file, &ip, item)? {
                skipped.push(other);
            }
        }
        self.report_skipped_config(file, prefix, skipped);
        Ok(())
    }

    /// `Results` (advanced query output: one JSON string per item).
    pub(super) fn add_config_results(
        &mut self,
        file: &Path,
        prefix: &str,
        results: Vec<String>,
    ) -> Result<()> {
        let mut skipped = Vec::new();
        for (i, text) in results.into_iter().enumerate() {
            let ip = format!("{prefix}Results[{i}]");
            let item: config::ConfigurationItem =
                serde_json::from_str(&text).map_err(|e| Error::InvalidValue {
                    path: file.to_owned(),
                    json_path: ip.clone(),
                    message: format!("not a configuration item: {e}"),
                })?;
            if let Some(other) = self.add_config_item(file, &ip, item)? {
                skipped.push(other);
            }
        }
        self.report_skipped_config(file, prefix, skipped);
        Ok(())
    }

    fn report_skipped_config(&mut self, file: &Path, prefix: &str, mut skipped: Vec<String>) {
        if skipped.is_empty() {
            return;
        }
        let n = skipped.len();
        skipped.sort();
        skipped.dedup();
        self.findings.push(Finding::new(
            FindingCode::UnsupportedConfigItem,
            format!(
                "{n} AWS Config item(s) of resource type {} skipped (flowsieve reads \
                 AWS::EC2::NetworkInterface and AWS::EC2::SecurityGroup)",
                skipped.join(", ")
            ),
            at(file, if prefix.is_empty() { "$" } else { prefix }),
            None,
        ));
    }

    /// One item; `Ok(Some(type))` when its resource type is not one flowsieve reads.
    fn add_config_item(
        &mut self,
        file: &Path,
        ip: &str,
        item: config::ConfigurationItem,
    ) -> Result<Option<String>> {
        let id = req_id(file, item.resource_id, || format!("{ip}.resourceId"))?;
        let kind = match item.resource_type.as_deref() {
            Some("AWS::EC2::NetworkInterface") => ResourceType::NetworkInterface,
            Some("AWS::EC2::SecurityGroup") => ResourceType::SecurityGroup,
            Some(other) => return Ok(Some(other.to_owned())),
            // A query may leave the type out: the id tells.
            None if id.starts_with("eni-") => ResourceType::NetworkInterface,
            None if id.starts_with("sg-") => ResourceType::SecurityGroup,
            None => return Ok(Some(format!("of unknown type ({id})"))),
        };
        let captured = match &item.configuration_item_capture_time {
            None | Some(Value::Null) => None,
            Some(v) => Some(json_time(v).ok_or_else(|| Error::InvalidValue {
                path: file.to_owned(),
                json_path: format!("{ip}.configurationItemCaptureTime"),
                message: format!("{v} is not a time"),
            })?),
        };
        let gone = matches!(
            item.configuration_item_status.as_deref(),
            Some("ResourceDeleted" | "ResourceDeletedNotRecorded" | "ResourceNotRecorded")
        );
        let cp = format!("{ip}.configuration");
        let configuration = if gone {
            None
        } else {
            let raw = req(file, item.configuration.filter(|v| !v.is_null()), || {
                cp.clone()
            })?;
            Some(pascal_case_configuration(file, &cp, raw)?)
        };
        let created = item.resource_creation_time.as_ref().and_then(json_time);
        match (captured, kind) {
            (None, _) if gone => {}
            (None, kind) => {
                let Some(conf) = configuration else {
                    return Ok(None);
                };
                self.describe_config_now(file, &cp, kind, conf)?;
            }
            (Some(at_time), ResourceType::NetworkInterface) => {
                let state = match configuration {
                    Some(conf) => {
                        let eni = self.eni_from_aws(file, &cp, typed(file, &cp, conf)?)?;
                        same_resource(file, &cp, &id, &eni.id)?;
                        Some(eni)
                    }
                    None => None,
                };
                let obs = ConfigObservation::new(at_time, created, state);
                self.config.enis.entry(id).or_default().push(obs);
            }
            (Some(at_time), ResourceType::SecurityGroup) => {
                let state = match configuration {
                    Some(conf) => {
                        let group: aws::SecurityGroup = typed(file, &cp, conf)?;
                        if let Some(group_id) = &group.group_id {
                            same_resource(file, &cp, &id, group_id)?;
                        }
                        let previous =
                            std::mem::replace(&mut self.layer, Layer::Collect(Vec::new()));
                        let added = self.add_aws_group(file, &cp, group, SourceKind::AwsConfig);
                        let collected = std::mem::replace(&mut self.layer, previous);
                        added?;
                        match collected {
                            Layer::Collect(keys) => Some(keys),
                            Layer::Snapshot(_) => None,
                        }
                    }
                    None => None,
                };
                let obs = ConfigObservation::new(at_time, created, state);
                self.config.groups.entry(id).or_default().push(obs);
            }
        }
        Ok(None)
    }

    /// An undated item: a description of the resource in the current snapshot.
    fn describe_config_now(
        &mut self,
        file: &Path,
        cp: &str,
        kind: ResourceType,
        conf: Value,
    ) -> Result<()> {
        match kind {
            ResourceType::NetworkInterface => {
                let eni = self.eni_from_aws(file, cp, typed(file, cp, conf)?)?;
                self.add_eni_at(eni, at(file, cp));
            }
            ResourceType::SecurityGroup => {
                self.add_aws_group(file, cp, typed(file, cp, conf)?, SourceKind::AwsConfig)?;
            }
        }
        Ok(())
    }
}

/// Refuses an item whose configuration describes another resource than its `resourceId` (AWS
/// never writes one; versions are kept per resource id, so such an item would file one
/// resource's state under another's history).
fn same_resource(file: &Path, cp: &str, resource_id: &str, described: &str) -> Result<()> {
    if resource_id == described {
        return Ok(());
    }
    Err(Error::InvalidValue {
        path: file.to_owned(),
        json_path: cp.to_owned(),
        message: format!("describes {described}, but the item's resourceId is {resource_id}"),
    })
}

/// Reads a renamed configuration into a DTO, naming its JSON path on a type error.
fn typed<T: for<'de> Deserialize<'de>>(file: &Path, cp: &str, v: Value) -> Result<T> {
    T::deserialize(v).map_err(|e| Error::InvalidValue {
        path: file.to_owned(),
        json_path: cp.to_owned(),
        message: e.to_string(),
    })
}

/// The `configuration` of an item (a JSON string or an object) with every key renamed from the
/// EC2 API's camelCase to the AWS CLI's PascalCase (`ipPermissions` → `IpPermissions`).
///
/// One shape differs beyond case: an IpPermission lists its IPv4 peers twice, as `ipv4Ranges`
/// (objects with `cidrIp` and `description`) and as the older `ipRanges` (plain CIDR strings).
/// `ipv4Ranges` becomes `IpRanges`; `ipRanges` is used (as `{"CidrIp": …}` objects) only when
/// `ipv4Ranges` is absent.
fn pascal_case_configuration(file: &Path, cp: &str, raw: Value) -> Result<Value> {
    let value = match raw {
        Value::String(text) => serde_json::from_str(&text).map_err(|e| Error::InvalidValue {
            path: file.to_owned(),
            json_path: cp.to_owned(),
            message: format!("the configuration string is not JSON: {e}"),
        })?,
        other => other,
    };
    Ok(rename_keys(value))
}

fn rename_keys(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.into_iter().map(rename_keys).collect()),
        Value::Object(map) => {
            let has_v4_objects = map.contains_key("ipv4Ranges");
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                match k.as_str() {
                    "ipv4Ranges" => {
                        out.insert("IpRanges".to_owned(), rename_keys(v));
                    }
                    "ipRanges" if has_v4_objects => {}
                    "ipRanges" => {
                        out.insert("IpRanges".to_owned(), plain_ranges(v));
                    }
                    _ => {
                        out.insert(upper_first(&k), rename_keys(v));
                    }
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}

/// `["10.0.0.0/8", …]` → `[{"CidrIp": "10.0.0.0/8"}, …]` (objects are renamed as they are).
fn plain_ranges(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => serde_json::json!({ "CidrIp": s }),
                    other => rename_keys(other),
                })
                .collect(),
        ),
        other => rename_keys(other),
    }
}

fn upper_first(k: &str) -> String {
    let mut chars = k.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_keys_become_cli_names() {
        let conf = serde_json::json!({
            "groupId": "sg-1",
            "ipPermissions": [
                {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                 "ipv4Ranges": [{"cidrIp": "10.0.0.0/8"}], "ipRanges": ["10.0.0.0/8"],
                 "userIdGroupPairs": [{"groupId": "sg-2", "userId": "111122223333"}]},
                {"ipProtocol": "-1", "ipRanges": ["0.0.0.0/0"]}
            ]
        });
        let text = Value::String(conf.to_string());
        let out = pascal_case_configuration(Path::new("x"), "c", text).unwrap();
        assert_eq!(
            out,
            serde_json::json!({
                "GroupId": "sg-1",
                "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                     "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                     "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333"}]},
                    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ]
            })
        );
        let err = pascal_case_configuration(Path::new("x"), "c", Value::String("{".into()));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("c: the configuration string is not JSON")
        );
    }
}
