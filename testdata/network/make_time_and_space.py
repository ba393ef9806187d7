#!/usr/bin/env python3
"""Writes testdata/network/two-vpcs/ and testdata/network/history/ (see README.md there).

Not captured from a real account: the shapes follow the AWS CLI command reference's output
examples (describe-vpcs, describe-subnets, describe-vpc-peering-connections,
describe-network-acls, describe-flow-logs, elbv2 describe-load-balancers / describe-target-groups /
describe-target-health / describe-target-group-attributes, configservice
get-resource-config-history / select-resource-config); ids, addresses (10.0.0.0/8,
2001:db8::/32, 198.51.100.0/24, 203.0.113.0/24) and account numbers are made up. Run from this
directory: `python3 make_time_and_space.py`. Output is deterministic.
"""
import json
import os

ACCOUNT = "111122223333"
REGION = "us-east-1"

# ---------------------------------------------------------------------------------------------
# two-vpcs: scope, peering, NACLs, flow logs, load balancers

VPC_A = "vpc-0aa0000000000000a"  # the application VPC
VPC_B = "vpc-0bb0000000000000b"  # the database VPC, peered with A (active)
VPC_C = "vpc-0cc0000000000000c"  # an older VPC with A's CIDR; its peering with A was deleted
PCX_AB = "pcx-0ab0000000000000a"
PCX_AC = "pcx-0ac0000000000000a"
SG_NLB = "sg-0aa00000000000001"
SG_WEB = "sg-0aa00000000000002"
SG_BATCH = "sg-0aa00000000000003"  # referenced, carried by no ENI
SG_DB = "sg-0bb00000000000001"
SG_LEGACY = "sg-0cc00000000000001"
NLB_KEY = "net/web-nlb/6a1b2c3d4e5f6a7b"
NLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/{NLB_KEY}"
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/admin-alb/0123456789abcdef"
TG_INSTANCES = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-instances/73e2d6bc24d8a067"
TG_IPS = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-ips/0f1e2d3c4b5a6978"
INSTANCE = "i-0aa00000000000201"


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def vpc(vid, cidr, v6=None, default=False):
    v = {"CidrBlock": cidr, "DhcpOptionsId": "dopt-0aa00000000000001", "State": "available",
         "VpcId": vid, "OwnerId": ACCOUNT, "InstanceTenancy": "default",
         "CidrBlockAssociationSet": [{"AssociationId": f"vpc-cidr-assoc-{vid[4:]}", "CidrBlock": cidr,
                                      "CidrBlockState": {"State": "associated"}}],
         "IsDefault": default}
    if v6:
        v["Ipv6CidrBlockAssociationSet"] = [{"AssociationId": f"vpc-cidr-assoc-6{vid[5:]}", "Ipv6CidrBlock": v6,
                                             "Ipv6CidrBlockState": {"State": "associated"},
                                             "NetworkBorderGroup": REGION, "Ipv6Pool": "Amazon"}]
    return v


def subnet(sid, vid, cidr, az="us-east-1a"):
    return {"AvailabilityZone": az, "AvailableIpAddressCount": 250, "CidrBlock": cidr,
            "DefaultForAz": False, "MapPublicIpOnLaunch": False, "State": "available",
            "SubnetId": sid, "VpcId": vid, "OwnerId": ACCOUNT, "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [], "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{sid}"}


def peering_side(vid, cidr, owner=ACCOUNT):
    return {"CidrBlock": cidr, "CidrBlockSet": [{"CidrBlock": cidr}], "OwnerId": owner,
            "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": False,
                               "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
                               "AllowEgressFromLocalVpcToRemoteClassicLink": False},
            "VpcId": vid, "Region": REGION}


def pair(gid, vid=None, pcx=None, status=None):
    p = {"GroupId": gid, "UserId": ACCOUNT}
    if vid:
        p["VpcId"] = vid
    if pcx:
        p["VpcPeeringConnectionId"] = pcx
    if status:
        p["PeeringStatus"] = status
    return p


def perm(proto, frm, to, cidrs=(), pairs=()):
    return {"IpProtocol": proto, "FromPort": frm, "ToPort": to,
            "IpRanges": [{"CidrIp": c} for c in cidrs], "Ipv6Ranges": [], "PrefixListIds": [],
            "UserIdGroupPairs": list(pairs)}


def group(gid, name, vid, ingress, egress):
    return {"Description": name, "GroupName": name, "IpPermissions": ingress, "OwnerId": ACCOUNT,
            "GroupId": gid, "IpPermissionsEgress": egress, "VpcId": vid}


def eni(eid, ip, groups, vid, sid, desc="Primary network interface", itype="interface",
        instance=None, device=None, requester=None):
    e = {"AvailabilityZone": "us-east-1a", "Description": desc,
         "Groups": [{"GroupName": g, "GroupId": g} for g in groups], "InterfaceType": itype,
         "Ipv6Addresses": [], "MacAddress": "02:00:00:00:00:01", "NetworkInterfaceId": eid,
         "OwnerId": ACCOUNT, "PrivateIpAddress": ip,
         "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
         "RequesterManaged": requester is not None, "SourceDestCheck": True, "Status": "in-use",
         "SubnetId": sid, "TagSet": [], "VpcId": vid}
    if requester:
        e["RequesterId"] = requester
    if instance is not None or device is not None:
        e["Attachment"] = {"AttachmentId": f"eni-attach-{eid[4:]}", "DeleteOnTermination": True,
                           "DeviceIndex": device, "NetworkCardIndex": 0, "Status": "attached",
                           "AttachTime": "2025-02-13T21:08:39+00:00"}
        if instance:
            e["Attachment"]["InstanceId"] = instance
            e["Attachment"]["InstanceOwnerId"] = ACCOUNT
    return e


def acl_entry(n, egress, proto, action, cidr, ports=None, icmp=None):
    e = {"CidrBlock" if ":" not in cidr else "Ipv6CidrBlock": cidr, "Egress": egress,
         "Protocol": proto, "RuleAction": action, "RuleNumber": n}
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    if icmp:
        e["IcmpTypeCode"] = {"Code": icmp[1], "Type": icmp[0]}
    return e


def two_vpcs():
    d = "two-vpcs"
    dump(f"{d}/describe-vpcs.json", {"Vpcs": [
        vpc(VPC_A, "10.0.0.0/16", "2001:db8:a::/56"),
        vpc(VPC_B, "10.1.0.0/16"),
        vpc(VPC_C, "10.0.0.0/16"),
    ]})
    dump(f"{d}/describe-subnets.json", {"Subnets": [
        subnet("subnet-0aa00000000000001", VPC_A, "10.0.1.0/24"),
        subnet("subnet-0aa00000000000002", VPC_A, "10.0.2.0/24"),
        subnet("subnet-0bb00000000000001", VPC_B, "10.1.1.0/24"),
        subnet("subnet-0cc00000000000001", VPC_C, "10.0.2.0/24"),
    ]})
    dump(f"{d}/describe-vpc-peering-connections.json", {"VpcPeeringConnections": [
        {"AccepterVpcInfo": peering_side(VPC_B, "10.1.0.0/16"), "RequesterVpcInfo": peering_side(VPC_A, "10.0.0.0/16"),
         "Status": {"Code": "active", "Message": "Active"}, "Tags": [], "VpcPeeringConnectionId": PCX_AB},
        {"AccepterVpcInfo": peering_side(VPC_C, "10.0.0.0/16"), "RequesterVpcInfo": peering_side(VPC_A, "10.0.0.0/16"),
         "Status": {"Code": "deleted", "Message": "Deleted by 111122223333"}, "Tags": [],
         "VpcPeeringConnectionId": PCX_AC},
    ]})
    dump(f"{d}/describe-security-groups.json", {"SecurityGroups": [
        group(SG_NLB, "web-nlb", VPC_A,
              [perm("tcp", 443, 443, cidrs=["0.0.0.0/0"])],
              [perm("tcp", 8443, 8443, pairs=[pair(SG_WEB)])]),
        group(SG_WEB, "web", VPC_A,
              [perm("tcp", 8443, 8443, pairs=[pair(SG_NLB)]),
               perm("tcp", 9000, 9000, pairs=[pair(SG_BATCH)])],
              [perm("tcp", 5432, 5432, pairs=[pair(SG_DB, VPC_B, PCX_AB, "active")])]),
        group(SG_BATCH, "batch", VPC_A, [], []),
        group(SG_DB, "db", VPC_B,
              [perm("tcp", 5432, 5432, pairs=[pair(SG_WEB, VPC_A, PCX_AB, "active")])], []),
        # The peering with A was deleted; this listing does not say so, the peering output does.
        group(SG_LEGACY, "legacy", VPC_C,
              [perm("tcp", 22, 22, pairs=[pair(SG_WEB, VPC_A, PCX_AC)])], []),
    ]})
    dump(f"{d}/describe-network-interfaces.json", {"NetworkInterfaces": [
        eni("eni-0aa00000000000101", "10.0.1.10", [SG_NLB], VPC_A, "subnet-0aa00000000000001",
            desc=f"ELB {NLB_KEY}", itype="network_load_balancer", requester="amazon-elb", device=1),
        eni("eni-0aa00000000000201", "10.0.2.20", [SG_WEB], VPC_A, "subnet-0aa00000000000002",
            instance=INSTANCE, device=0),
        eni("eni-0aa00000000000202", "10.0.2.21", [SG_WEB], VPC_A, "subnet-0aa00000000000002",
            desc="second interface", instance=INSTANCE, device=1),
        eni("eni-0aa00000000000203", "10.0.2.30", [SG_WEB], VPC_A, "subnet-0aa00000000000002",
            desc="arn:aws:ecs:us-east-1:111122223333:attachment/0f0e0d0c-0b0a-4909-8807-060504030201",
            requester="578734482556", device=1),
        eni("eni-0bb00000000000101", "10.1.1.50", [SG_DB], VPC_B, "subnet-0bb00000000000001",
            desc="RDSNetworkInterface", requester="amazon-rds", device=1),
        # Same address as the web instance, in the other 10.0.0.0/16.
        eni("eni-0cc00000000000101", "10.0.2.20", [SG_LEGACY], VPC_C, "subnet-0cc00000000000001",
            instance="i-0cc00000000000101", device=0),
    ]})
    dump(f"{d}/describe-network-acls.json", {"NetworkAcls": [
        {"Associations": [{"NetworkAclAssociationId": "aclassoc-0aa00000000000001", "NetworkAclId": "acl-0aa00000000000001",
                           "SubnetId": "subnet-0aa00000000000001"}],
         "Entries": [acl_entry(100, True, "-1", "allow", "0.0.0.0/0"),
                     acl_entry(32767, True, "-1", "deny", "0.0.0.0/0"),
                     acl_entry(100, False, "-1", "allow", "0.0.0.0/0"),
                     acl_entry(32767, False, "-1", "deny", "0.0.0.0/0")],
         "IsDefault": True, "NetworkAclId": "acl-0aa00000000000001", "Tags": [], "VpcId": VPC_A, "OwnerId": ACCOUNT},
        {"Associations": [{"NetworkAclAssociationId": "aclassoc-0aa00000000000002", "NetworkAclId": "acl-0aa00000000000002",
                           "SubnetId": "subnet-0aa00000000000002"}],
         "Entries": [acl_entry(100, False, "6", "allow", "10.0.1.0/24", ports=(8443, 8443)),
                     acl_entry(110, False, "6", "deny", "0.0.0.0/0", ports=(22, 22)),
                     acl_entry(120, False, "1", "allow", "10.0.0.0/16", icmp=(8, -1)),
                     acl_entry(130, False, "6", "allow", "0.0.0.0/0", ports=(1024, 65535)),
                     acl_entry(32767, False, "-1", "deny", "0.0.0.0/0"),
                     acl_entry(100, True, "-1", "allow", "0.0.0.0/0"),
                     acl_entry(32767, True, "-1", "deny", "0.0.0.0/0")],
         "IsDefault": False, "NetworkAclId": "acl-0aa00000000000002", "Tags": [], "VpcId": VPC_A, "OwnerId": ACCOUNT},
    ]})
    v2 = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
    dump(f"{d}/describe-flow-logs.json", {"FlowLogs": [
        {"CreationTime": "2025-03-01T10:00:00.000Z", "DeliverLogsStatus": "SUCCESS", "FlowLogId": "fl-0aa00000000000001",
         "FlowLogStatus": "ACTIVE", "ResourceId": VPC_A, "TrafficType": "ALL", "LogDestinationType": "s3",
         "LogDestination": "arn:aws:s3:::flow-log-bucket/vpc-a", "LogFormat": v2 + " ${vpc-id} ${tcp-flags}",
         "Tags": [], "MaxAggregationInterval": 60,
         "DestinationOptions": {"FileFormat": "parquet", "HiveCompatiblePartitions": False, "PerHourPartition": True}},
        {"CreationTime": "2025-03-02T08:30:00+00:00", "DeliverLogsPermissionArn": f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
         "DeliverLogsStatus": "SUCCESS", "FlowLogId": "fl-0bb00000000000001", "FlowLogStatus": "ACTIVE",
         "LogGroupName": "vpc-b-rejects", "ResourceId": "subnet-0bb00000000000001", "TrafficType": "REJECT",
         "LogFormat": v2, "MaxAggregationInterval": 600},
        {"CreationTime": 1741000000.0, "FlowLogId": "fl-0cc00000000000001", "FlowLogStatus": "ACTIVE",
         "ResourceId": "eni-0cc00000000000101", "TrafficType": "ACCEPT",
         "LogDestinationType": "kinesis-data-firehose",
         "LogDestination": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/flows", "LogFormat": v2,
         "MaxAggregationInterval": 600},
        {"CreationTime": "2025-03-05T00:00:00+00:00", "FlowLogId": "fl-0dd00000000000001", "FlowLogStatus": "ACTIVE",
         "ResourceId": "tgw-0dd00000000000001", "LogDestinationType": "s3",
         "LogDestination": "arn:aws:s3:::flow-log-bucket/tgw", "MaxAggregationInterval": 60},
    ]})
    dump(f"{d}/elbv2-describe-load-balancers.json", {"LoadBalancers": [
        {"LoadBalancerArn": NLB_ARN, "DNSName": "web-nlb-6a1b2c3d4e5f6a7b.elb.us-east-1.amazonaws.com",
         "CanonicalHostedZoneId": "Z26RNL4JYFTOTI", "CreatedTime": "2025-02-01T12:00:00.000Z",
         "LoadBalancerName": "web-nlb", "Scheme": "internet-facing", "VpcId": VPC_A, "State": {"Code": "active"},
         "Type": "network", "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": "subnet-0aa00000000000001",
                                                   "LoadBalancerAddresses": []}],
         "SecurityGroups": [SG_NLB], "IpAddressType": "ipv4",
         "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic": "on"},
        {"LoadBalancerArn": ALB_ARN, "DNSName": "internal-admin-alb-1.us-east-1.elb.amazonaws.com",
         "LoadBalancerName": "admin-alb", "Scheme": "internal", "VpcId": VPC_A, "State": {"Code": "active"},
         "Type": "application", "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": "subnet-0aa00000000000002"},
                                                       {"ZoneName": "us-east-1b", "SubnetId": "subnet-0aa00000000000001"}],
         "SecurityGroups": [SG_WEB], "IpAddressType": "ipv4"},
    ]})
    dump(f"{d}/elbv2-describe-target-groups.json", {"TargetGroups": [
        {"TargetGroupArn": TG_INSTANCES, "TargetGroupName": "web-instances", "Protocol": "TCP", "Port": 8443,
         "VpcId": VPC_A, "HealthCheckProtocol": "TCP", "HealthCheckPort": "traffic-port", "HealthCheckEnabled": True,
         "LoadBalancerArns": [NLB_ARN], "TargetType": "instance", "IpAddressType": "ipv4"},
        {"TargetGroupArn": TG_IPS, "TargetGroupName": "web-ips", "Protocol": "TCP", "Port": 8443,
         "VpcId": VPC_A, "LoadBalancerArns": [NLB_ARN], "TargetType": "ip", "IpAddressType": "ipv4"},
    ]})
    # Target health: named by the file name (the group's id) or by the TargetGroupArn wrapper.
    dump(f"{d}/elbv2-describe-target-health-73e2d6bc24d8a067.json", {"TargetHealthDescriptions": [
        {"Target": {"Id": INSTANCE, "Port": 8443}, "HealthCheckPort": "8443",
         "TargetHealth": {"State": "healthy"}}]})
    dump(f"{d}/elbv2-target-health-web-ips.json", {"TargetGroupArn": TG_IPS, "TargetHealthDescriptions": [
        {"Target": {"Id": "10.0.2.30", "Port": 8443, "AvailabilityZone": "us-east-1a"}, "HealthCheckPort": "8443",
         "TargetHealth": {"State": "healthy"}}]})
    dump(f"{d}/elbv2-describe-target-group-attributes-0f1e2d3c4b5a6978.json", {"Attributes": [
        {"Key": "deregistration_delay.timeout_seconds", "Value": "300"},
        {"Key": "preserve_client_ip.enabled", "Value": "true"},
        {"Key": "proxy_protocol_v2.enabled", "Value": "false"},
        {"Key": "stickiness.enabled", "Value": "false"}]})
    # Load-balancer attributes also print `Attributes`: not an inventory file (a finding).
    dump(f"{d}/elbv2-describe-load-balancer-attributes.json", {"Attributes": [
        {"Key": "deletion_protection.enabled", "Value": "false"},
        {"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]})


# ---------------------------------------------------------------------------------------------
# history: two dated snapshots and AWS Config history of churned task ENIs

VPC_H = "vpc-0d100000000000001"
SUBNET_H = "subnet-0d100000000000001"
SG_ALB = "sg-0d1000000000000a1"
SG_TASK = "sg-0d1000000000000a2"
SG_H_DB = "sg-0d1000000000000a3"


def history_groups(second):
    task_in = [perm("tcp", 8080, 8080, pairs=[pair(SG_ALB)])]
    if second:  # added between the snapshots
        task_in.append(perm("tcp", 9090, 9090, pairs=[pair(SG_ALB)]))
    return {"SecurityGroups": [
        group(SG_ALB, "alb", VPC_H, [perm("tcp", 443, 443, cidrs=["0.0.0.0/0"])], []),
        group(SG_TASK, "task", VPC_H, task_in, []),
        group(SG_H_DB, "db", VPC_H, [perm("tcp", 5432, 5432, pairs=[pair(SG_TASK)])], []),
    ]}


def history_enis(second):
    out = [eni("eni-0d1000000000000a1", "10.2.0.10", [SG_ALB], VPC_H, SUBNET_H, desc="ELB app/h-alb/1a2b3c4d5e6f7a8b",
               requester="amazon-elb", device=1),
           eni("eni-0d1000000000000c1", "10.2.2.5", [SG_H_DB], VPC_H, SUBNET_H, desc="RDSNetworkInterface",
               requester="amazon-rds", device=1)]
    task = "eni-0d1000000000000b2" if second else "eni-0d1000000000000b1"
    out.append(eni(task, "10.2.1.5", [SG_TASK], VPC_H, SUBNET_H,
                   desc="arn:aws:ecs:us-east-1:111122223333:attachment/task", requester="578734482556", device=1))
    return {"NetworkInterfaces": out}


def config_eni(eid, ip, groups):
    """The camelCase `configuration` of an AWS::EC2::NetworkInterface item."""
    return {"networkInterfaceId": eid, "description": "arn:aws:ecs:us-east-1:111122223333:attachment/task3",
            "interfaceType": "interface", "requesterId": "578734482556", "requesterManaged": True,
            "privateIpAddress": ip, "privateIpAddresses": [{"primary": True, "privateIpAddress": ip}],
            "groups": [{"groupId": g, "groupName": g} for g in groups], "ipv6Addresses": [],
            "subnetId": SUBNET_H, "vpcId": VPC_H, "status": "in-use", "sourceDestCheck": True, "tagSet": []}


def config_sg(rules):
    """The camelCase `configuration` of an AWS::EC2::SecurityGroup item: IPv4 peers both as
    `ipv4Ranges` (objects) and `ipRanges` (strings), as AWS Config writes them."""
    perms = []
    for proto, port, cidrs, groups in rules:
        perms.append({"fromPort": port, "ipProtocol": proto, "ipv6Ranges": [], "prefixListIds": [], "toPort": port,
                      "userIdGroupPairs": [{"groupId": g, "userId": ACCOUNT} for g in groups],
                      "ipv4Ranges": [{"cidrIp": c} for c in cidrs], "ipRanges": list(cidrs)})
    return {"description": "db", "groupName": "db", "ipPermissions": perms, "ownerId": ACCOUNT, "groupId": SG_H_DB,
            "ipPermissionsEgress": [], "tags": [], "vpcId": VPC_H}


def item(rtype, rid, when, status, conf, created=None):
    it = {"version": "1.3", "accountId": ACCOUNT, "configurationItemCaptureTime": when,
          "configurationItemStatus": status, "configurationStateId": "1743552000000",
          "configurationItemMD5Hash": "", "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:{rid}", "resourceType": rtype,
          "resourceId": rid, "awsRegion": REGION, "availabilityZone": "us-east-1a", "tags": {},
          "relatedEvents": [], "relationships": [], "supplementaryConfiguration": {},
          "configuration": json.dumps(conf) if conf is not None else None}
    if created:
        it["resourceCreationTime"] = created
    return it


def history():
    d = "history"
    dump(f"{d}/2025-04-01/describe-security-groups.json", history_groups(False))
    dump(f"{d}/2025-04-01/describe-network-interfaces.json", history_enis(False))
    dump(f"{d}/2025-04-08/describe-security-groups.json", history_groups(True))
    dump(f"{d}/2025-04-08/describe-network-interfaces.json", history_enis(True))
    eni3 = "eni-0d1000000000000b3"
    # Newest first, as get-resource-config-history lists by default.
    dump(f"{d}/config/get-resource-config-history-{eni3}.json", {"configurationItems": [
        item("AWS::EC2::NetworkInterface", eni3, "2025-04-05T00:00:00.000000+00:00", "ResourceDeleted", None),
        item("AWS::EC2::NetworkInterface", eni3, "2025-04-03T00:00:00.000000+00:00", "OK",
             config_eni(eni3, "10.2.1.7", [SG_TASK, SG_H_DB])),
        item("AWS::EC2::NetworkInterface", eni3, "2025-04-02T00:00:00.000000+00:00", "ResourceDiscovered",
             config_eni(eni3, "10.2.1.7", [SG_TASK]), created="2025-04-02T00:00:00.000000+00:00"),
    ]})
    dump(f"{d}/config/get-resource-config-history-{SG_H_DB}.json", {"configurationItems": [
        item("AWS::EC2::SecurityGroup", SG_H_DB, "2025-04-06T00:00:00.000000+00:00", "OK",
             config_sg([("tcp", 5432, [], [SG_TASK]), ("tcp", 6432, ["10.2.0.0/16"], [])])),
        item("AWS::EC2::SecurityGroup", SG_H_DB, "2025-04-02T00:00:00.000000+00:00", "OK",
             config_sg([("tcp", 5432, [], [SG_TASK])])),
    ]})
    eni4 = "eni-0d1000000000000b4"
    result = {"resourceId": eni4, "resourceType": "AWS::EC2::NetworkInterface",
              "configurationItemCaptureTime": "2025-04-06T12:00:00.000Z",
              "configuration": config_eni(eni4, "10.2.1.9", [SG_TASK])}
    dump(f"{d}/config/select-resource-config.json", {
        "Results": [json.dumps(result)],
        "QueryInfo": {"SelectFields": [{"Name": "resourceId"}, {"Name": "resourceType"},
                                       {"Name": "configurationItemCaptureTime"}, {"Name": "configuration"}]}})


def main():
    two_vpcs()
    history()


if __name__ == "__main__":
    main()
