#!/usr/bin/env python3
"""Writes the fixture network of testdata/network (see README.md there).

The designs (see README.md): AFIRGen (ALB -> Nginx -> backend -> model servers, RDS, EFS, backup,
VPC endpoints, frontend), a Lambda -> MongoDB on ECS -> EFS stack, the default security group and
an ops bastion (prefix lists, ICMP, IPv6, ESP, protocol -1). Run from this directory:
`python3 make_fixtures.py`. Output is deterministic.
"""
import json
import os

ACCOUNT = "111122223333"
VPC = "vpc-0a1b2c3d4e5f60001"
REGION_AZ = {"a": "us-east-1a", "b": "us-east-1b"}


def sg(n):
    return f"sg-0a1b2c3d4e5f600{n:02d}"


PL_S3 = "pl-63a5400a"
PL_OFFICE = "pl-0a1b2c3d4e5f60718"
PL_PARTNER = "pl-0a1b2c3d4e5f60719"
PL_OFFICE6 = "pl-0a1b2c3d4e5f6071a"
REMOTE_SG = "sg-0ffe1d2c3b4a59687"  # analytics account, over an active peering: not in inventory
STALE_SG = "sg-0ccc2222dddd33334"  # peering deleted: stale (told by describe-stale-security-groups)
UNKNOWN_SG = "sg-0dead00000000beef"  # carried by a legacy ENI, not described anywhere

GROUPS = {
    1: ("afirgen-alb", "ALB: HTTPS/HTTP from the internet, forwards to Nginx"),
    2: ("afirgen-nginx", "Nginx reverse proxy: from ALB only"),
    3: ("afirgen-backend", "Main backend API: port 8000 from Nginx"),
    4: ("afirgen-gguf-model", "GGUF model server: 8001 from backend"),
    5: ("afirgen-asr-ocr", "ASR/OCR server: 8002 from backend"),
    6: ("afirgen-rds", "RDS MySQL: 3306 from backend and backup"),
    7: ("afirgen-efs", "EFS for ChromaDB: NFS from backend"),
    8: ("afirgen-backup", "Backup service: to RDS and S3"),
    9: ("afirgen-vpc-endpoints", "Interface endpoints: 443 from ECS services"),
    10: ("afirgen-frontend", "Static frontend: 80 from Nginx"),
    11: ("default", "default VPC security group"),
    12: ("ops-bastion", "Bastion: SSH from office prefix lists, ICMP, IPsec"),
    13: ("RVK-mongo-db-sg", "Lambda API: initiates only"),
    14: ("RVK-ecs-mongo-sg", "MongoDB on ECS Fargate"),
    15: ("mongo-efs-sg", "EFS for MongoDB data"),
}

# (group, direction, protocol, from, to, [peers], description)
# peer: ("cidr", "10.0.0.0/8") | ("cidr6", "::/0") | ("sg", id, extra) | ("pl", id)
V4ANY = ("cidr", "0.0.0.0/0")
V6ANY = ("cidr6", "::/0")
PERMS = [
    (1, "in", "tcp", 443, 443, [V4ANY, V6ANY], "HTTPS from the internet"),
    (1, "in", "tcp", 80, 80, [V4ANY], "HTTP, redirected to HTTPS"),
    (1, "out", "tcp", 80, 80, [("sg", sg(2))], "Forward HTTP to Nginx"),
    (1, "out", "tcp", 443, 443, [("sg", sg(2))], "Forward HTTPS to Nginx"),
    (2, "in", "tcp", 80, 80, [("sg", sg(1))], "HTTP from ALB"),
    (2, "in", "tcp", 443, 443, [("sg", sg(1))], "HTTPS from ALB"),
    (2, "out", "tcp", 8000, 8000, [("sg", sg(3))], "API requests to backend"),
    (2, "out", "tcp", 80, 80, [("sg", sg(10))], "Static content from frontend"),
    (3, "in", "tcp", 8000, 8000, [("sg", sg(2))], "API from Nginx"),
    (3, "out", "tcp", 8001, 8001, [("sg", sg(4))], "LLM inference"),
    (3, "out", "tcp", 8002, 8002, [("sg", sg(5))], "Speech/OCR processing"),
    (3, "out", "tcp", 3306, 3306, [("sg", sg(6))], "Database queries"),
    (3, "out", "tcp", 2049, 2049, [("sg", sg(7))], "ChromaDB on EFS"),
    (3, "out", "tcp", 443, 443, [V4ANY, ("pl", PL_S3)], "AWS services"),
    (4, "in", "tcp", 8001, 8001, [("sg", sg(3))], "Inference from backend"),
    (4, "out", "tcp", 443, 443, [V4ANY], "S3 model downloads"),
    (5, "in", "tcp", 8002, 8002, [("sg", sg(3))], "Requests from backend"),
    (5, "out", "tcp", 443, 443, [V4ANY], "S3 model downloads"),
    (6, "in", "tcp", 3306, 3306, [("sg", sg(3))], "Application queries"),
    (6, "in", "tcp", 3306, 3306, [("sg", sg(8))], "Backup operations"),
    (6, "in", "tcp", 3306, 3306,
     [("sg", REMOTE_SG, {"UserId": "444455556666", "VpcId": "vpc-0b2c3d4e5f6a70001",
                         "VpcPeeringConnectionId": "pcx-0a1b2c3d4e5f60001", "PeeringStatus": "active"})],
     "Reporting replica in the analytics account"),
    (7, "in", "tcp", 2049, 2049, [("sg", sg(3))], "NFS from backend"),
    (8, "out", "tcp", 3306, 3306, [("sg", sg(6))], "Database backup"),
    (8, "out", "tcp", 443, 443, [V4ANY], "S3 uploads and Secrets Manager"),
    (9, "in", "tcp", 443, 443, [("sg", sg(3)), ("sg", sg(4)), ("sg", sg(5)), ("sg", sg(8))], "HTTPS from ECS services"),
    (9, "in", "tcp", 443, 443, [("pl", PL_PARTNER)], "Partner callbacks"),
    (10, "in", "tcp", 80, 80, [("sg", sg(2))], "HTTP from Nginx"),
    (11, "in", "-1", None, None, [("sg", sg(11))], None),
    (11, "out", "-1", None, None, [V4ANY, V6ANY], None),
    (12, "in", "tcp", 22, 22, [("pl", PL_OFFICE), ("pl", PL_OFFICE6)], "SSH from the offices"),
    (12, "in", "tcp", 22, 22,
     [("sg", STALE_SG, {"UserId": "777788889999", "VpcId": "vpc-0c3d4e5f6a7b80001",
                        "VpcPeeringConnectionId": "pcx-0b2c3d4e5f6a70002"})],
     "SSH from the old tooling VPC"),
    (12, "in", "icmp", 8, -1, [("cidr", "10.0.0.0/16")], "Ping from the VPC"),
    (12, "in", "icmp", -1, -1, [("cidr", "203.0.113.0/24")], "All ICMP from the NY office"),
    (12, "in", "icmpv6", -1, -1, [("cidr6", "2001:db8:1200::/56")], "All ICMPv6 from the VPC"),
    (12, "in", "50", -1, -1, [("cidr", "198.51.100.7/32")], "IPsec ESP from the VPN peer"),
    (12, "in", "udp", 500, 500, [("cidr", "198.51.100.7/32")], "IKE from the VPN peer"),
    (12, "out", "-1", None, None, [V4ANY, V6ANY], None),
    (13, "out", "tcp", 27017, 27017, [("sg", sg(14))], "Connect to MongoDB"),
    (13, "out", "tcp", 443, 443, [V4ANY], "AWS APIs and external services"),
    (13, "out", "tcp", 80, 80, [V4ANY], "Package downloads"),
    (14, "in", "tcp", 27017, 27017, [("sg", sg(13))], "Database connections from Lambda"),
    (14, "out", "tcp", 2049, 2049, [("sg", sg(15))], "Mount EFS (NFS)"),
    (14, "out", "tcp", 443, 443, [V4ANY], "CloudWatch Logs and ECR"),
    (14, "out", "tcp", 80, 80, [V4ANY], "Docker image pulls"),
    (14, "out", "udp", 53, 53, [V4ANY], "DNS resolution (added in the console)"),
    (15, "in", "tcp", 2049, 2049, [("sg", sg(14))], "NFS mount from MongoDB"),
]

# Groups whose rules the rules listing covers (`--filters Name=group-id,Values=...`): AFIRGen,
# default, ops. The Lambda/MongoDB stack (13-15) is covered by Terraform instead.
LISTED = set(range(1, 13))


def ip_permission(proto, frm, to, peers, desc):
    p = {"IpProtocol": proto, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    if frm is not None:
        p["FromPort"] = frm
        p["ToPort"] = to
    for peer in peers:
        d = {"Description": desc} if desc else {}
        if peer[0] == "cidr":
            p["IpRanges"].append({"CidrIp": peer[1], **d})
        elif peer[0] == "cidr6":
            p["Ipv6Ranges"].append({"CidrIpv6": peer[1], **d})
        elif peer[0] == "pl":
            p["PrefixListIds"].append({"PrefixListId": peer[1], **d})
        else:
            pair = {"GroupId": peer[1], "UserId": ACCOUNT, **d}
            if len(peer) > 2:
                pair.update(peer[2])
            p["UserIdGroupPairs"].append(pair)
    return p


def security_groups():
    out = []
    for n, (name, desc) in GROUPS.items():
        g = {
            "Description": desc,
            "GroupName": name,
            "IpPermissions": [],
            "OwnerId": ACCOUNT,
            "GroupId": sg(n),
            "IpPermissionsEgress": [],
            "Tags": [{"Key": "Name", "Value": name}] if name != "default" else [],
            "VpcId": VPC,
            "SecurityGroupArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{sg(n)}",
        }
        for (gn, d, proto, frm, to, peers, rdesc) in PERMS:
            if gn == n:
                key = "IpPermissions" if d == "in" else "IpPermissionsEgress"
                g[key].append(ip_permission(proto, frm, to, peers, rdesc))
        out.append(g)
    return out


def rule_listing():
    out = []
    counters = {}
    for (gn, d, proto, frm, to, peers, rdesc) in PERMS:
        if gn not in LISTED:
            continue
        for peer in peers:
            k = counters.get((gn, d), 0)
            counters[(gn, d)] = k + 1
            rid = f"sgr-0a1b2c3d4e5f{gn:02d}{1 if d == 'out' else 0}{k:02d}"
            r = {
                "SecurityGroupRuleId": rid,
                "GroupId": sg(gn),
                "GroupOwnerId": ACCOUNT,
                "IsEgress": d == "out",
                "IpProtocol": proto,
                "FromPort": -1 if frm is None else frm,
                "ToPort": -1 if to is None else to,
                "Tags": [],
                "SecurityGroupRuleArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group-rule/{rid}",
            }
            if rdesc:
                r["Description"] = rdesc
            if peer[0] == "cidr":
                r["CidrIpv4"] = peer[1]
            elif peer[0] == "cidr6":
                r["CidrIpv6"] = peer[1]
            elif peer[0] == "pl":
                r["PrefixListId"] = peer[1]
            else:
                info = {"GroupId": peer[1], "UserId": ACCOUNT}
                if len(peer) > 2:
                    info.update({k2: v for k2, v in peer[2].items()})
                r["ReferencedGroupInfo"] = info
            out.append(r)
    return out


def eni(eid, ip, groups, subnet, az, *, desc="Primary network interface", itype="interface", instance=None,
        managed=False, requester=None, secondary=(), ipv6=(), v4prefixes=(), public=None, public_owner="amazon"):
    addrs = [{"Primary": True, "PrivateIpAddress": ip, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal"}]
    for s in secondary:
        addrs.append({"Primary": False, "PrivateIpAddress": s, "PrivateDnsName": f"ip-{s.replace('.', '-')}.ec2.internal"})
    e = {
        "AvailabilityZone": REGION_AZ[az],
        "Description": desc,
        "Groups": [{"GroupName": GROUPS.get(int(g[-2:], 10) if g.startswith("sg-0a1b") else 0, ("unknown",))[0], "GroupId": g} for g in groups],
        "InterfaceType": itype,
        "Ipv6Addresses": [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in ipv6],
        "MacAddress": "02:" + ":".join(eid[-10:][i:i + 2] for i in range(0, 10, 2)),
        "NetworkInterfaceId": eid,
        "OwnerId": ACCOUNT,
        "PrivateDnsName": addrs[0]["PrivateDnsName"],
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": addrs,
        "RequesterManaged": managed,
        "SourceDestCheck": itype != "nat_gateway",
        "Status": "in-use",
        "SubnetId": subnet,
        "TagSet": [],
        "VpcId": VPC,
    }
    if requester:
        e["RequesterId"] = requester
    if v4prefixes:
        e["Ipv4Prefixes"] = [{"Ipv4Prefix": p} for p in v4prefixes]
    if public:
        assoc = {"IpOwnerId": public_owner, "PublicDnsName": f"ec2-{public.replace('.', '-')}.compute-1.amazonaws.com", "PublicIp": public}
        if public_owner != "amazon":
            assoc["AllocationId"] = "eipalloc-0a1b2c3d4e5f60001"
            assoc["AssociationId"] = "eipassoc-0a1b2c3d4e5f60001"
        e["Association"] = assoc
        addrs[0]["Association"] = assoc
    att = {"AttachTime": "2025-02-13T21:08:39+00:00", "AttachmentId": "eni-attach-" + eid[4:], "DeleteOnTermination": instance is not None,
           "DeviceIndex": 0 if instance else 1, "NetworkCardIndex": 0, "Status": "attached"}
    if instance:
        att["InstanceId"] = instance
        att["InstanceOwnerId"] = ACCOUNT
    elif requester:
        att["InstanceOwnerId"] = requester.split(":")[0]
    e["Attachment"] = att
    return e


SUB = {
    "public-a": "subnet-0a1b2c3d4e5f60010", "public-b": "subnet-0a1b2c3d4e5f60011", "app-a": "subnet-0a1b2c3d4e5f60020",
    "data-a": "subnet-0a1b2c3d4e5f60030", "data-b": "subnet-0a1b2c3d4e5f60031", "lambda-a": "subnet-0a1b2c3d4e5f60040",
}


def enis():
    return [
        eni("eni-0a1b00000000a1b01", "10.0.0.10", [sg(1)], SUB["public-a"], "a", desc="ELB app/afirgen-alb/50dc6c495c0c9188",
            managed=True, requester="amazon-elb", ipv6=["2001:db8:1200::a"], public="198.51.100.20"),
        eni("eni-0a1b00000000a1b02", "10.0.1.10", [sg(1)], SUB["public-b"], "b", desc="ELB app/afirgen-alb/50dc6c495c0c9188",
            managed=True, requester="amazon-elb", ipv6=["2001:db8:1200:1::a"], public="198.51.100.21"),
        eni("eni-0a1b00000000c0001", "10.0.10.10", [sg(2)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00001"),
        eni("eni-0b5e0000000000001", "10.0.10.20", [sg(3)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00002", secondary=["10.0.10.21"]),
        eni("eni-0b5e0000000000002", "10.0.10.22", [sg(3)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00003"),
        eni("eni-0a1b00000000c0004", "10.0.10.30", [sg(4)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00004", v4prefixes=["10.0.10.48/28"]),
        eni("eni-0a1b00000000c0005", "10.0.10.40", [sg(5)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00005"),
        eni("eni-0a1b00000000d0006", "10.0.21.10", [sg(6)], SUB["data-b"], "b", desc="RDSNetworkInterface", managed=True, requester="amazon-rds"),
        eni("eni-0a1b00000000d0007", "10.0.20.15", [sg(7)], SUB["data-a"], "a",
            desc="EFS mount target for fs-0a1b2c3d4e5f60001 (fsmt-0a1b2c3d4e5f60001)", managed=True, requester="641505163286"),
        eni("eni-0a1b00000000c0008", "10.0.10.90", [sg(8)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00008"),
        eni("eni-0a1b00000000e0009", "10.0.10.100", [sg(9)], SUB["app-a"], "a", desc="VPC Endpoint Interface vpce-0a1b2c3d4e5f60009",
            itype="vpc_endpoint", managed=True, requester="727180483921"),
        eni("eni-0a1b00000000c0010", "10.0.10.70", [sg(10)], SUB["app-a"], "a", instance="i-0a1b2c3d4e5f00010"),
        eni("eni-0a1b00000000c0012", "10.0.0.30", [sg(12), sg(11)], SUB["public-a"], "a", instance="i-0a1b2c3d4e5f00012",
            ipv6=["2001:db8:1200::30"], public="203.0.113.50", public_owner=ACCOUNT),
        eni("eni-0a1b00000000f0013", "10.0.30.10", [sg(13)], SUB["lambda-a"], "a",
            desc="AWS Lambda VPC ENI-rvk-api-2f1e4c5a-9b7d-4e21-8c3f-0a1b2c3d4e5f", itype="lambda", managed=True,
            requester="AROAEXAMPLEID1234567:awslambda_123"),
        eni("eni-0a1b00000000f0014", "10.0.30.20", [sg(14)], SUB["lambda-a"], "a",
            desc="arn:aws:ecs:us-east-1:111122223333:attachment/3b2c8f4e-1d2a-4f5b-9c8d-7e6f5a4b3c2d", managed=True,
            requester="578734482556"),
        eni("eni-0a1b00000000f0015", "10.0.30.30", [sg(15)], SUB["lambda-a"], "a",
            desc="EFS mount target for fs-0a1b2c3d4e5f60002 (fsmt-0a1b2c3d4e5f60002)", managed=True, requester="641505163286"),
        eni("eni-0a1b00000000b0016", "10.0.0.5", [], SUB["public-a"], "a", desc="Interface for NAT Gateway nat-0a1b2c3d4e5f60016",
            itype="nat_gateway", managed=True, requester="441231234567", public="198.51.100.30"),
        eni("eni-0a1b00000000c0017", "10.0.10.80", [UNKNOWN_SG, sg(11)], SUB["app-a"], "a", desc="legacy batch worker",
            instance="i-0a1b2c3d4e5f00017"),
    ]


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def terraform_state():
    def inline(proto, frm, to, cidrs=(), cidrs6=(), groups=(), self_=False, desc=""):
        return {"cidr_blocks": list(cidrs), "description": desc, "from_port": frm, "ipv6_cidr_blocks": list(cidrs6),
                "prefix_list_ids": [], "protocol": proto, "security_groups": list(groups), "self": self_, "to_port": to}

    def group(addr, name, n, ingress, egress, typ="aws_security_group"):
        return {"address": addr, "mode": "managed", "type": typ, "name": addr.split(".")[-1],
                "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
                "values": {"arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{sg(n)}", "description": GROUPS[n][1],
                           "egress": egress, "id": sg(n), "ingress": ingress, "name": name, "name_prefix": "",
                           "owner_id": ACCOUNT, "revoke_rules_on_delete": False, "tags": {"Name": name} if name != "default" else {},
                           "tags_all": {"Name": name} if name != "default" else {}, "timeouts": None, "vpc_id": VPC},
                "sensitive_values": {}}

    def vpc_rule(addr, kind, n, rule_id, proto, frm, to, **peer):
        values = {"arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group-rule/{rule_id}", "cidr_ipv4": None, "cidr_ipv6": None,
                  "description": peer.pop("description", None), "from_port": frm, "id": rule_id, "ip_protocol": proto,
                  "prefix_list_id": None, "referenced_security_group_id": None, "security_group_id": sg(n),
                  "security_group_rule_id": rule_id, "tags": None, "tags_all": {}, "to_port": to}
        values.update(peer)
        return {"address": addr, "mode": "managed", "type": f"aws_vpc_security_group_{kind}_rule", "name": addr.split(".")[-1],
                "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values, "sensitive_values": {}}

    sec = "module.rvk.module.security"
    security = {
        "address": sec,
        "resources": [
            group(f"{sec}.aws_security_group.lambda", "RVK-mongo-db-sg", 13, [], [
                inline("tcp", 27017, 27017, groups=[sg(14)], desc="Connect to MongoDB"),
                inline("tcp", 443, 443, cidrs=["0.0.0.0/0"], desc="AWS APIs and external services"),
                inline("tcp", 80, 80, cidrs=["0.0.0.0/0"], desc="Package downloads"),
            ]),
            group(f"{sec}.aws_security_group.mongo", "RVK-ecs-mongo-sg", 14, [], []),
            group(f"{sec}.aws_security_group.mongo_efs", "mongo-efs-sg", 15, [], []),
            vpc_rule(f"{sec}.aws_vpc_security_group_ingress_rule.mongo_from_lambda", "ingress", 14, "sgr-0e1d2c3b4a5960001", "tcp",
                     27017, 27017, referenced_security_group_id=sg(13), description="Database connections from Lambda"),
            vpc_rule(f"{sec}.aws_vpc_security_group_egress_rule.mongo_efs", "egress", 14, "sgr-0e1d2c3b4a5960002", "tcp", 2049, 2049,
                     referenced_security_group_id=sg(15), description="Mount EFS (NFS)"),
            vpc_rule(f"{sec}.aws_vpc_security_group_egress_rule.mongo_internet[\"443\"]", "egress", 14, "sgr-0e1d2c3b4a5960003", "tcp",
                     443, 443, cidr_ipv4="0.0.0.0/0", description="CloudWatch Logs and ECR"),
            vpc_rule(f"{sec}.aws_vpc_security_group_egress_rule.mongo_internet[\"80\"]", "egress", 14, "sgr-0e1d2c3b4a5960004", "tcp",
                     80, 80, cidr_ipv4="0.0.0.0/0", description="Docker image pulls"),
            {"address": f"{sec}.aws_security_group_rule.efs_from_mongo", "mode": "managed", "type": "aws_security_group_rule",
             "name": "efs_from_mongo", "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 2,
             "values": {"cidr_blocks": None, "description": "NFS mount from MongoDB", "from_port": 2049, "id": "sgrule-2049118213",
                        "ipv6_cidr_blocks": None, "prefix_list_ids": [], "protocol": "tcp", "security_group_id": sg(15),
                        "security_group_rule_id": "sgr-0e1d2c3b4a5960005", "self": False, "source_security_group_id": sg(14),
                        "timeouts": None, "to_port": 2049, "type": "ingress"},
             "sensitive_values": {}},
            {"address": f"{sec}.aws_security_group_rule.efs_from_lambda_subnet", "mode": "managed", "type": "aws_security_group_rule",
             "name": "efs_from_lambda_subnet", "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 2,
             "values": {"cidr_blocks": ["10.0.30.0/24"], "description": "NFS from the Lambda subnet (not applied yet)",
                        "from_port": 2049, "id": "sgrule-3311208764", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                        "protocol": "6", "security_group_id": sg(15), "self": False, "source_security_group_id": None,
                        "timeouts": None, "to_port": 2049, "type": "ingress"},
             "sensitive_values": {"cidr_blocks": [False]}},
        ],
    }
    rvk = {
        "address": "module.rvk",
        "resources": [
            {"address": "module.rvk.data.aws_caller_identity.current", "mode": "data", "type": "aws_caller_identity", "name": "current",
             "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
             "values": {"account_id": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/terraform", "id": ACCOUNT, "user_id": "AIDAEXAMPLE"},
             "sensitive_values": {}},
        ],
        "child_modules": [security],
    }
    root = {
        "resources": [
            {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
             "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
             "values": {"arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{VPC}", "assign_generated_ipv6_cidr_block": False,
                        "cidr_block": "10.0.0.0/16", "enable_dns_hostnames": True, "enable_dns_support": True, "id": VPC,
                        "instance_tenancy": "default", "ipv6_cidr_block": "2001:db8:1200::/56", "tags": {"Name": "main"}},
             "sensitive_values": {}},
            group("aws_default_security_group.default", "default", 11,
                  [inline("-1", 0, 0, self_=True)],
                  [inline("-1", 0, 0, cidrs=["0.0.0.0/0"], cidrs6=["::/0"])],
                  typ="aws_default_security_group"),
            {"address": "aws_route_table.private", "mode": "managed", "type": "aws_route_table", "name": "private",
             "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
             "values": {"id": "rtb-0a1b2c3d4e5f60001", "route": [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-0a1b2c3d4e5f60016"}],
                        "vpc_id": VPC}, "sensitive_values": {}},
        ],
        "child_modules": [rvk],
    }
    return {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"outputs": {}, "root_module": root}}


def terraform_plan():
    """A plan adding a monitoring group and rule to the 003 stack: ids unknown until apply."""
    state = terraform_state()
    sec = state["values"]["root_module"]["child_modules"][0]["child_modules"][0]
    planned_sec = json.loads(json.dumps(sec))
    planned_sec["resources"] = [r for r in planned_sec["resources"] if r["type"] != "aws_security_group_rule"]
    planned_sec["resources"].append({
        "address": "module.rvk.module.security.aws_security_group.monitoring", "mode": "managed", "type": "aws_security_group",
        "name": "monitoring", "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
        "values": {"description": "Prometheus scraping", "egress": [], "ingress": [], "name": "rvk-monitoring",
                   "revoke_rules_on_delete": False, "tags": {"Name": "rvk-monitoring"}, "timeouts": None, "vpc_id": VPC},
        "sensitive_values": {}})
    planned_sec["resources"].append({
        "address": "module.rvk.module.security.aws_vpc_security_group_ingress_rule.mongo_metrics", "mode": "managed",
        "type": "aws_vpc_security_group_ingress_rule", "name": "mongo_metrics", "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": {"cidr_ipv4": None, "cidr_ipv6": None, "description": "Metrics scraping", "from_port": 9216, "ip_protocol": "tcp",
                   "prefix_list_id": None, "security_group_id": sg(14), "tags": None, "to_port": 9216},
        "sensitive_values": {}})
    planned = {"root_module": {"child_modules": [{"address": "module.rvk", "child_modules": [planned_sec]}]}}
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": planned,
        "resource_changes": [
            {"address": "module.rvk.module.security.aws_security_group.monitoring", "mode": "managed", "type": "aws_security_group",
             "name": "monitoring", "change": {"actions": ["create"], "before": None,
                                              "after": {"description": "Prometheus scraping", "name": "rvk-monitoring"},
                                              "after_unknown": {"id": True, "arn": True, "owner_id": True}}},
        ],
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8", "values": state["values"]},
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}}},
    }


def main():
    groups = security_groups()
    # Paged: what a loop over `--max-items 8 --starting-token` writes when its pages are collected.
    dump("aws/describe-security-groups.json", [
        {"SecurityGroups": groups[:8], "NextToken": "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiA4fQ=="},
        {"SecurityGroups": groups[8:]},
    ])
    dump("aws/describe-security-group-rules.json", {"SecurityGroupRules": rule_listing()})
    nics = enis()
    dump("aws/describe-network-interfaces.json", [
        {"NetworkInterfaces": nics[:10], "NextToken": "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxMH0="},
        {"NetworkInterfaces": nics[10:]},
    ])
    dump("aws/describe-managed-prefix-lists.json", {"PrefixLists": [
        {"PrefixListId": PL_S3, "AddressFamily": "IPv4", "State": "create-complete",
         "PrefixListArn": "arn:aws:ec2:us-east-1:aws:prefix-list/" + PL_S3, "PrefixListName": "com.amazonaws.us-east-1.s3",
         "Tags": [], "OwnerId": "AWS"},
        {"PrefixListId": PL_OFFICE, "AddressFamily": "IPv4", "State": "modify-complete",
         "PrefixListArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:prefix-list/{PL_OFFICE}", "PrefixListName": "office-cidrs",
         "MaxEntries": 10, "Version": 3, "Tags": [], "OwnerId": ACCOUNT},
        {"PrefixListId": PL_PARTNER, "AddressFamily": "IPv4", "State": "create-complete",
         "PrefixListArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:prefix-list/{PL_PARTNER}", "PrefixListName": "partner-ranges",
         "MaxEntries": 20, "Version": 1, "Tags": [], "OwnerId": ACCOUNT},
        {"PrefixListId": PL_OFFICE6, "AddressFamily": "IPv6", "State": "create-complete",
         "PrefixListArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:prefix-list/{PL_OFFICE6}", "PrefixListName": "office-cidrs-v6",
         "MaxEntries": 5, "Version": 1, "Tags": [], "OwnerId": ACCOUNT},
    ]})
    # The flowsieve generator convention: the list id in the file name, plain CLI output inside.
    dump(f"aws/get-managed-prefix-list-entries-{PL_OFFICE}.json", {"Entries": [
        {"Cidr": "203.0.113.0/25", "Description": "NY office"}, {"Cidr": "192.0.2.64/26", "Description": "London office"}]})
    dump(f"aws/get-managed-prefix-list-entries-{PL_OFFICE6}.json", {"Entries": [{"Cidr": "2001:db8:ff00::/48", "Description": "NY office"}]})
    # The wrapper convention: the list id inside, any file name.
    dump("aws/s3-prefix-list-entries.json", {"PrefixListId": PL_S3, "Entries": [
        {"Cidr": "3.5.0.0/19"}, {"Cidr": "16.182.0.0/16"}, {"Cidr": "52.216.0.0/15"}, {"Cidr": "54.231.0.0/16"}]})
    dump("aws/describe-vpcs.json", {"Vpcs": [{
        "CidrBlock": "10.0.0.0/16", "DhcpOptionsId": "dopt-0a1b2c3d4e5f60001", "State": "available", "VpcId": VPC, "OwnerId": ACCOUNT,
        "InstanceTenancy": "default",
        "Ipv6CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0a1b2c3d4e5f60002", "Ipv6CidrBlock": "2001:db8:1200::/56",
                                         "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": "us-east-1",
                                         "Ipv6Pool": "Amazon"}],
        "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0a1b2c3d4e5f60001", "CidrBlock": "10.0.0.0/16",
                                     "CidrBlockState": {"State": "associated"}}],
        "IsDefault": False, "Tags": [{"Key": "Name", "Value": "main"}]}]})
    subnets = [("public-a", "10.0.0.0/24", "2001:db8:1200::/64", "a"), ("public-b", "10.0.1.0/24", "2001:db8:1200:1::/64", "b"),
               ("app-a", "10.0.10.0/24", None, "a"), ("data-a", "10.0.20.0/24", None, "a"), ("data-b", "10.0.21.0/24", None, "b"),
               ("lambda-a", "10.0.30.0/24", None, "a")]
    out = []
    for name, cidr, cidr6, az in subnets:
        s = {"AvailabilityZone": REGION_AZ[az], "AvailableIpAddressCount": 250, "CidrBlock": cidr, "DefaultForAz": False,
             "MapPublicIpOnLaunch": name.startswith("public"), "State": "available", "SubnetId": SUB[name], "VpcId": VPC,
             "OwnerId": ACCOUNT, "AssignIpv6AddressOnCreation": False, "Ipv6CidrBlockAssociationSet": [],
             "Tags": [{"Key": "Name", "Value": name}]}
        if cidr6:
            s["Ipv6CidrBlockAssociationSet"] = [{"AssociationId": "subnet-cidr-assoc-" + SUB[name][7:], "Ipv6CidrBlock": cidr6,
                                                 "Ipv6CidrBlockState": {"State": "associated"}}]
        out.append(s)
    dump("aws/describe-subnets.json", {"Subnets": out})
    dump("aws/describe-stale-security-groups.json", {"StaleSecurityGroupSet": [{
        "VpcId": VPC, "StaleIpPermissionsEgress": [], "GroupName": "ops-bastion", "GroupId": sg(12), "Description": GROUPS[12][1],
        "StaleIpPermissions": [{"ToPort": 22, "FromPort": 22, "IpProtocol": "tcp", "UserIdGroupPairs": [{
            "VpcId": "vpc-0c3d4e5f6a7b80001", "PeeringStatus": "deleted", "UserId": "777788889999", "GroupName": "tooling",
            "VpcPeeringConnectionId": "pcx-0b2c3d4e5f6a70002", "GroupId": STALE_SG}]}]}]})
    dump("terraform/state.json", terraform_state())
    dump("loader-cases/terraform-plan.json", terraform_plan())


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
