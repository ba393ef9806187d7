"""Sets up the S3 tests' moto server with boto3 (a moto dependency, in the same venv).

    python moto_admin.py upload ENDPOINT BUCKET DIR PREFIX [OLD=NEW ...]
        creates BUCKET (if needed) and uploads every file under DIR as PREFIX + its relative
        path, with each OLD replaced by NEW in the key (to make copies under other accounts
        or regions); prints the number of objects uploaded.
    python moto_admin.py lister ENDPOINT BUCKET
        creates an IAM user allowed to list BUCKET but not to read its objects, prints its
        access key as JSON, then turns on moto's authentication (every later request must be
        signed by a known key and is checked against IAM policies).
"""

import json
import os
import sys
import urllib.request

import boto3

ANON = dict(
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)


def upload(endpoint, bucket, root, prefix, replacements):
    s3 = boto3.client("s3", endpoint_url=endpoint, **ANON)
    existing = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    pairs = [r.split("=", 1) for r in replacements]
    count = 0
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            key = prefix + os.path.relpath(path, root).replace(os.sep, "/")
            for old, new in pairs:
                key = key.replace(old, new)
            s3.upload_file(path, bucket, key)
            count += 1
    print(count)


def lister(endpoint, bucket):
    iam = boto3.client("iam", endpoint_url=endpoint, **ANON)
    iam.create_user(UserName="lister")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}"],
            }
        ],
    }
    iam.put_user_policy(
        UserName="lister", PolicyName="list-only", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName="lister")["AccessKey"]
    # text/plain: with urllib's default form content type, Flask would eat the body.
    request = urllib.request.Request(
        endpoint + "/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    urllib.request.urlopen(request).read()
    print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "upload":
        upload(args[0], args[1], args[2], args[3], args[4:])
    elif command == "lister":
        lister(args[0], args[1])
    else:
        sys.exit(f"unknown command {command}")
