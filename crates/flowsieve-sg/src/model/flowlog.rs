//! Flow-log configurations (`aws ec2 describe-flow-logs`): which resource each flow log covers and
//! which traffic it captures. Plain data; flowsieve-sg never reads flow-log records.

use std::fmt;

/// Which records a flow log captures (`TrafficType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrafficType {
    /// `ACCEPT`: accepted traffic only.
    Accept,
    /// `REJECT`: rejected traffic only (nothing can be proven unused from it).
    Reject,
    /// `ALL`: both.
    All,
}

impl TrafficType {
    /// `ACCEPT`, `REJECT` or `ALL` (any case); `None` for anything else.
    pub fn parse(text: &str) -> Option<TrafficType> {
        match text.trim().to_ascii_uppercase().as_str() {
            "ACCEPT" => Some(TrafficType::Accept),
            "REJECT" => Some(TrafficType::Reject),
            "ALL" => Some(TrafficType::All),
            _ => None,
        }
    }

    /// `"ACCEPT"`, `"REJECT"` or `"ALL"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            TrafficType::Accept => "ACCEPT",
            TrafficType::Reject => "REJECT",
            TrafficType::All => "ALL",
        }
    }

    /// True when accepted traffic is captured.
    pub fn captures_accept(&self) -> bool {
        matches!(self, TrafficType::Accept | TrafficType::All)
    }

    /// True when rejected traffic is captured.
    pub fn captures_reject(&self) -> bool {
        matches!(self, TrafficType::Reject | TrafficType::All)
    }
}

impl fmt::Display for TrafficType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of resource a flow log is attached to, told by its id's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowLogResource {
    /// `vpc-…`: every ENI of the VPC.
    Vpc,
    /// `subnet-…`: every ENI of the subnet.
    Subnet,
    /// `eni-…`: one ENI.
    NetworkInterface,
    /// `tgw-…` or `tgw-attach-…`: Transit Gateway flow logs (another record format).
    TransitGateway,
    /// Anything else.
    Other,
}

/// Where a flow log delivers (`LogDestinationType`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowLogDestinationType {
    /// `s3`.
    S3,
    /// `cloud-watch-logs`.
    CloudWatchLogs,
    /// `kinesis-data-firehose`.
    KinesisDataFirehose,
    /// Any other value, as AWS wrote it.
    Other(String),
}

impl FlowLogDestinationType {
    /// The destination type of an AWS value (any case).
    pub fn parse(text: &str) -> FlowLogDestinationType {
        match text.trim().to_ascii_lowercase().as_str() {
            "s3" => FlowLogDestinationType::S3,
            "cloud-watch-logs" => FlowLogDestinationType::CloudWatchLogs,
            "kinesis-data-firehose" => FlowLogDestinationType::KinesisDataFirehose,
            _ => FlowLogDestinationType::Other(text.to_owned()),
        }
    }
}

/// One flow log as `describe-flow-logs` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowLogConfig {
    /// `fl-…` (S3 object keys carry it too).
    pub id: String,
    /// The VPC, subnet, ENI or transit gateway it covers.
    pub resource_id: String,
    /// Which traffic it captures.
    pub traffic_type: TrafficType,
    /// `LogFormat` (`${version} ${account-id} …`), when given.
    pub log_format: Option<String>,
    /// `MaxAggregationInterval` in seconds (60 or 600), when given.
    pub max_aggregation_interval: Option<u32>,
    /// Where it delivers, when given (`LogDestinationType`; CloudWatch Logs when only a log group
    /// name is given).
    pub destination_type: Option<FlowLogDestinationType>,
    /// `LogDestination` (an ARN), else `LogGroupName`.
    pub destination: Option<String>,
    /// `CreationTime` as unix seconds: it captures nothing before.
    pub creation_time: Option<i64>,
    /// `FlowLogStatus` (`ACTIVE`), when given.
    pub status: Option<String>,
    /// `DeliverLogsStatus` (`SUCCESS`, `FAILED`), when given.
    pub deliver_logs_status: Option<String>,
    /// `DestinationOptions.FileFormat` (`plain-text`, `parquet`), when given.
    pub file_format: Option<String>,
}

impl FlowLogConfig {
    /// The kind of the covered resource, from its id.
    pub fn resource(&self) -> FlowLogResource {
        let id = self.resource_id.as_str();
        if id.starts_with("vpc-") {
            FlowLogResource::Vpc
        } else if id.starts_with("subnet-") {
            FlowLogResource::Subnet
        } else if id.starts_with("eni-") {
            FlowLogResource::NetworkInterface
        } else if id.starts_with("tgw-") {
            FlowLogResource::TransitGateway
        } else {
            FlowLogResource::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_types() {
        for t in [TrafficType::Accept, TrafficType::Reject, TrafficType::All] {
            assert_eq!(TrafficType::parse(t.as_str()), Some(t));
        }
        assert_eq!(TrafficType::parse("reject"), Some(TrafficType::Reject));
        assert_eq!(TrafficType::parse("some"), None);
        assert!(!TrafficType::Reject.captures_accept() && TrafficType::All.captures_accept());
        assert!(TrafficType::Reject.captures_reject() && !TrafficType::Accept.captures_reject());
    }
}
