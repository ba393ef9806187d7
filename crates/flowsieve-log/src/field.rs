//! The field table: every VPC Flow Log field of versions 2 to 8 (plus the documented newer
//! `encryption-status`), with its AWS name, Arrow column name, introducing version and the
//! in-memory type flowsieve chooses for it.
//!
//! This module is data, not code paths: the parser, the schema and the Parquet reader all look
//! fields up here. It knows nothing about parsing or I/O.

use std::fmt;
use std::sync::Arc;

use arrow_schema::{DataType, Field, TimeUnit};

/// The latest time a `start` or `end` may hold: 9999-12-31T23:59:59Z, in seconds since the
/// epoch. Flow-log times are whole seconds; a larger value (every epoch in *milliseconds*
/// after January 1978 is one) is refused as `number_out_of_range` rather than read as a date
/// tens of thousands of years ahead. The earliest is the epoch itself (no sign is accepted).
pub const MAX_TIMESTAMP: i64 = 253_402_300_799;

/// How a field is stored in a [`crate::FlowRecordBatch`].
///
/// The choice favours analysis speed: ports are `u16`, protocol `u8`, counters `u64`, times
/// `Timestamp(Second, "+00:00")`, addresses a fixed 16-byte big-endian form (IPv4 as IPv4-mapped
/// IPv6, so a CIDR test is one masked `u128` compare), and every identifier or enumeration
/// dictionary-encoded (a batch holds a few hundred distinct ENI ids among tens of thousands of
/// rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// `UInt8`: version, protocol, tcp-flags, traffic-path, encryption-status.
    UInt8,
    /// `UInt16`: srcport, dstport.
    UInt16,
    /// `UInt64`: packets, bytes.
    UInt64,
    /// `Timestamp(Second, "+00:00")`: start, end (0 to [`MAX_TIMESTAMP`]).
    Timestamp,
    /// `FixedSizeBinary(16)`: srcaddr, dstaddr, pkt-srcaddr, pkt-dstaddr.
    Address,
    /// `Dictionary(Int32, Utf8)` with any value: ids, names, ARNs, free text.
    Text,
    /// `Dictionary(Int32, Utf8)` restricted to `ACCEPT` / `REJECT`.
    Action,
    /// `Dictionary(Int32, Utf8)` restricted to `OK` / `NODATA` / `SKIPDATA`.
    LogStatus,
    /// `Dictionary(Int32, Utf8)` restricted to `ingress` / `egress`.
    FlowDirection,
    /// `Dictionary(Int32, Utf8)` restricted to `IPv4` / `IPv6` / `EFA`.
    TrafficKind,
}

impl FieldKind {
    /// The Arrow data type of a column of this kind.
    pub fn data_type(self) -> DataType {
        match self {
            FieldKind::UInt8 => DataType::UInt8,
            FieldKind::UInt16 => DataType::UInt16,
            FieldKind::UInt64 => DataType::UInt64,
            FieldKind::Timestamp => {
                DataType::Timestamp(TimeUnit::Second, Some(Arc::from("+00:00")))
            }
            FieldKind::Address => DataType::FixedSizeBinary(16),
            FieldKind::Text
            | FieldKind::Action
            | FieldKind::LogStatus
            | FieldKind::FlowDirection
            | FieldKind::TrafficKind => {
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            }
        }
    }
}

macro_rules! flow_fields {
    ($( $(#[$doc:meta])* $variant:ident = $aws:literal, $col:literal, $version:expr, $kind:ident; )*) => {
        /// A VPC Flow Log field, named as AWS names it in a log format.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FlowField {
            $( $(#[$doc])* $variant, )*
        }

        impl FlowField {
            /// Every known field, in AWS's documentation order (version 2 first).
            pub const ALL: &'static [FlowField] = &[ $( FlowField::$variant, )* ];

            /// The name AWS uses in a log format and in the header line (`log-status`).
            pub fn aws_name(self) -> &'static str {
                match self { $( FlowField::$variant => $aws, )* }
            }

            /// The Arrow / Parquet column name: the AWS name with `-` turned into `_`
            /// (`log_status`), as AWS's own Parquet files name it.
            pub fn column_name(self) -> &'static str {
                match self { $( FlowField::$variant => $col, )* }
            }

            /// The flow-log version that introduced the field; `None` for fields AWS added
            /// after version 8 without a documented version.
            pub fn since_version(self) -> Option<u8> {
                match self { $( FlowField::$variant => $version, )* }
            }

            /// How the field is stored in memory.
            pub fn kind(self) -> FieldKind {
                match self { $( FlowField::$variant => FieldKind::$kind, )* }
            }

            /// Looks a field up by its AWS name (`pkt-srcaddr`) or its column name (`pkt_srcaddr`).
            #[allow(unreachable_patterns)] // names without `-` are their own column names
            pub fn from_name(name: &str) -> Option<FlowField> {
                match name {
                    $( $aws | $col => Some(FlowField::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

flow_fields! {
    /// Flow log version of the record (the highest version among the format's fields).
    Version = "version", "version", Some(2), UInt8;
    /// AWS account that owns the recording ENI (may be `unknown` for service ENIs).
    AccountId = "account-id", "account_id", Some(2), Text;
    /// The ENI that recorded the traffic.
    InterfaceId = "interface-id", "interface_id", Some(2), Text;
    /// Source address (for outgoing traffic, the ENI's private address).
    SrcAddr = "srcaddr", "srcaddr", Some(2), Address;
    /// Destination address (for incoming traffic, the ENI's private address).
    DstAddr = "dstaddr", "dstaddr", Some(2), Address;
    /// Source port (0 for ICMP).
    SrcPort = "srcport", "srcport", Some(2), UInt16;
    /// Destination port (0 for ICMP).
    DstPort = "dstport", "dstport", Some(2), UInt16;
    /// IANA protocol number.
    Protocol = "protocol", "protocol", Some(2), UInt8;
    /// Packets in this direction during the interval.
    Packets = "packets", "packets", Some(2), UInt64;
    /// Bytes in this direction during the interval.
    Bytes = "bytes", "bytes", Some(2), UInt64;
    /// Unix seconds of the first packet within the interval.
    Start = "start", "start", Some(2), Timestamp;
    /// Unix seconds of the last packet within the interval.
    End = "end", "end", Some(2), Timestamp;
    /// `ACCEPT` or `REJECT`.
    Action = "action", "action", Some(2), Action;
    /// `OK`, `NODATA` or `SKIPDATA`.
    LogStatus = "log-status", "log_status", Some(2), LogStatus;
    /// VPC of the ENI.
    VpcId = "vpc-id", "vpc_id", Some(3), Text;
    /// Subnet of the ENI.
    SubnetId = "subnet-id", "subnet_id", Some(3), Text;
    /// Instance the ENI is attached to, when owned by the account.
    InstanceId = "instance-id", "instance_id", Some(3), Text;
    /// TCP flags ORed over the interval (FIN 1, SYN 2, RST 4, SYN-ACK 18).
    TcpFlags = "tcp-flags", "tcp_flags", Some(3), UInt8;
    /// `IPv4`, `IPv6` or `EFA`.
    Type = "type", "type", Some(3), TrafficKind;
    /// Packet-level (original) source address.
    PktSrcAddr = "pkt-srcaddr", "pkt_srcaddr", Some(3), Address;
    /// Packet-level (original) destination address.
    PktDstAddr = "pkt-dstaddr", "pkt_dstaddr", Some(3), Address;
    /// Region of the ENI.
    Region = "region", "region", Some(4), Text;
    /// Availability Zone ID of the ENI.
    AzId = "az-id", "az_id", Some(4), Text;
    /// `wavelength`, `outpost` or `localzone`.
    SublocationType = "sublocation-type", "sublocation_type", Some(4), Text;
    /// ID of the sublocation.
    SublocationId = "sublocation-id", "sublocation_id", Some(4), Text;
    /// AWS IP-range subset containing pkt-srcaddr (`S3`, `EC2`, …).
    PktSrcAwsService = "pkt-src-aws-service", "pkt_src_aws_service", Some(5), Text;
    /// AWS IP-range subset containing pkt-dstaddr.
    PktDstAwsService = "pkt-dst-aws-service", "pkt_dst_aws_service", Some(5), Text;
    /// `ingress` or `egress`, relative to the recording ENI.
    FlowDirection = "flow-direction", "flow_direction", Some(5), FlowDirection;
    /// Path egress traffic takes (1–8).
    TrafficPath = "traffic-path", "traffic_path", Some(5), UInt8;
    /// ARN of the ECS cluster.
    EcsClusterArn = "ecs-cluster-arn", "ecs_cluster_arn", Some(7), Text;
    /// Name of the ECS cluster.
    EcsClusterName = "ecs-cluster-name", "ecs_cluster_name", Some(7), Text;
    /// ARN of the ECS container instance.
    EcsContainerInstanceArn = "ecs-container-instance-arn", "ecs_container_instance_arn", Some(7), Text;
    /// ID of the ECS container instance.
    EcsContainerInstanceId = "ecs-container-instance-id", "ecs_container_instance_id", Some(7), Text;
    /// Docker runtime ID of the task's first container.
    EcsContainerId = "ecs-container-id", "ecs_container_id", Some(7), Text;
    /// Docker runtime ID of the task's second container.
    EcsSecondContainerId = "ecs-second-container-id", "ecs_second_container_id", Some(7), Text;
    /// ECS service that started the task.
    EcsServiceName = "ecs-service-name", "ecs_service_name", Some(7), Text;
    /// ARN of the task definition.
    EcsTaskDefinitionArn = "ecs-task-definition-arn", "ecs_task_definition_arn", Some(7), Text;
    /// ARN of the task.
    EcsTaskArn = "ecs-task-arn", "ecs_task_arn", Some(7), Text;
    /// ID of the task.
    EcsTaskId = "ecs-task-id", "ecs_task_id", Some(7), Text;
    /// Why the traffic was rejected (`BPA`); `-` for SG/NACL rejections.
    RejectReason = "reject-reason", "reject_reason", Some(8), Text;
    /// VPC Encryption Controls status (0–3); documented after version 8.
    EncryptionStatus = "encryption-status", "encryption_status", None, UInt8;
}

impl fmt::Display for FlowField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.aws_name())
    }
}

/// A field of a log format: a known [`FlowField`], or a name flowsieve does not know (AWS adds
/// fields over time). Unknown fields are kept as nullable dictionary-encoded text columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldName {
    /// A field of the table above.
    Known(FlowField),
    /// Any other name, as written in the format (AWS spelling, with `-`).
    Unknown(Arc<str>),
}

impl FieldName {
    /// Resolves a name written either the AWS way (`log-status`) or the column way (`log_status`).
    pub fn parse(name: &str) -> FieldName {
        match FlowField::from_name(&name.replace('_', "-")) {
            Some(field) => FieldName::Known(field),
            None => FieldName::Unknown(Arc::from(name.replace('_', "-"))),
        }
    }

    /// Resolves the name of a column of someone else's table: a known field's AWS or column
    /// name in any case (`SrcAddr`, `LOG_STATUS`), else an unknown field of that name.
    pub fn from_column(name: &str) -> FieldName {
        match FlowField::from_name(&name.to_ascii_lowercase().replace('_', "-")) {
            Some(field) => FieldName::Known(field),
            None => FieldName::parse(name),
        }
    }

    /// The AWS spelling.
    pub fn aws_name(&self) -> &str {
        match self {
            FieldName::Known(field) => field.aws_name(),
            FieldName::Unknown(name) => name,
        }
    }

    /// The Arrow column name (`-` turned into `_`).
    pub fn column_name(&self) -> String {
        match self {
            FieldName::Known(field) => field.column_name().to_owned(),
            FieldName::Unknown(name) => name.replace('-', "_"),
        }
    }

    /// The storage kind; unknown fields are text.
    pub fn kind(&self) -> FieldKind {
        match self {
            FieldName::Known(field) => field.kind(),
            FieldName::Unknown(_) => FieldKind::Text,
        }
    }

    /// The Arrow field (always nullable: `-` may appear in any column).
    pub fn arrow_field(&self) -> Field {
        Field::new(self.column_name(), self.kind().data_type(), true)
    }

    /// The known field, if this is one.
    pub fn known(&self) -> Option<FlowField> {
        match self {
            FieldName::Known(field) => Some(*field),
            FieldName::Unknown(_) => None,
        }
    }

    /// The key of flowsieve's canonical field order: known fields in [`FlowField::ALL`] order,
    /// then unknown ones by name ([`crate::LogFormat::union_fields`] sorts by it).
    pub fn canonical_key(&self) -> (usize, &str) {
        match self.known() {
            Some(known) => (
                FlowField::ALL
                    .iter()
                    .position(|f| *f == known)
                    .unwrap_or(usize::MAX),
                "",
            ),
            None => (usize::MAX, self.aws_name()),
        }
    }
}

impl From<FlowField> for FieldName {
    fn from(field: FlowField) -> Self {
        FieldName::Known(field)
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.aws_name())
    }
}

/// Field names that only Transit Gateway flow logs (version 6) have. A header holding one of
/// them is a different record type, refused as unsupported rather than mis-parsed.
pub(crate) const TRANSIT_GATEWAY_MARKERS: &[&str] = &["tgw-id", "tgw-attachment-id"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_columns_use_underscores() {
        for &field in FlowField::ALL {
            assert_eq!(FlowField::from_name(field.aws_name()), Some(field));
            assert_eq!(FlowField::from_name(field.column_name()), Some(field));
            assert_eq!(field.column_name(), field.aws_name().replace('-', "_"));
        }
    }

    #[test]
    fn every_version_two_to_eight_is_covered() {
        for version in [2, 3, 4, 5, 7, 8] {
            assert!(
                FlowField::ALL
                    .iter()
                    .any(|f| f.since_version() == Some(version))
            );
        }
        assert_eq!(
            FlowField::ALL
                .iter()
                .filter(|f| f.since_version() == Some(2))
                .count(),
            14
        );
        assert_eq!(
            FlowField::ALL
                .iter()
                .filter(|f| f.since_version() == Some(7))
                .count(),
            10
        );
    }

    #[test]
    fn column_names_match_known_fields_in_any_case() {
        for name in ["log_status", "LOG-STATUS", "Log_Status"] {
            assert_eq!(
                FieldName::from_column(name),
                FieldName::Known(FlowField::LogStatus)
            );
        }
        assert_eq!(
            FieldName::from_column("Hour").column_name(),
            "Hour",
            "unknown columns keep their spelling"
        );
    }

    #[test]
    fn unknown_names_keep_aws_spelling() {
        let name = FieldName::parse("next_hop_vpc_id");
        assert_eq!(name.aws_name(), "next-hop-vpc-id");
        assert_eq!(name.column_name(), "next_hop_vpc_id");
        assert_eq!(name.kind(), FieldKind::Text);
    }
}
