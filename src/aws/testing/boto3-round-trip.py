"""Sends operations with boto3, as a Python user would, for the round-trip test (round-trip.test.ts).

Reads one JSON document on standard input:
  {"endpoint", "region", "accessKeyId", "secretAccessKey", "service", "calls": [{"operation", "input"}]}
where values are in the test's canonical form ({"$date": ISO} for timestamps, {"$bytes": base64}
for blobs), and writes one JSON line per call, in the same form:
  {"output": {...}}  or  {"error": {"code", "message", "fields": {...}}}  or  {"failed": "..."}
Comparing is left to the test, which knows what it generated.
"""
import base64
import datetime
import json
import sys

import boto3
import botocore.config
from botocore import xform_name
from botocore.exceptions import ClientError


def from_canonical(value):
    if isinstance(value, list):
        return [from_canonical(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return datetime.datetime.fromisoformat(value["$date"].replace("Z", "+00:00"))
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: from_canonical(v) for k, v in value.items()}
    return value


def to_canonical(value):
    if isinstance(value, datetime.datetime):
        utc = value.astimezone(datetime.timezone.utc)
        return {"$date": utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if hasattr(value, "read"):  # a streaming body
        return to_canonical(value.read())
    if isinstance(value, list):
        return [to_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: to_canonical(v) for k, v in value.items()}
    return value


def main():
    spec = json.load(sys.stdin)
    client = boto3.client(
        spec["service"],
        endpoint_url=spec["endpoint"],
        region_name=spec["region"],
        aws_access_key_id=spec["accessKeyId"],
        aws_secret_access_key=spec["secretAccessKey"],
        # total_max_attempts: one attempt, no retry of the 5xx errors the test raises on purpose.
        config=botocore.config.Config(retries={"total_max_attempts": 1}, inject_host_prefix=False),
    )
    print(json.dumps({"protocol": client.meta.service_model.protocol}), flush=True)
    for call in spec["calls"]:
        method = getattr(client, xform_name(call["operation"]))
        try:
            output = method(**from_canonical(call["input"]))
            output.pop("ResponseMetadata", None)
            print(json.dumps({"output": to_canonical(output)}), flush=True)
        except ClientError as e:
            fields = {k: v for k, v in e.response.items() if k not in ("Error", "ResponseMetadata")}
            error = e.response.get("Error", {})
            print(json.dumps({"error": {"code": error.get("Code"), "message": error.get("Message"), "fields": to_canonical(fields)}}), flush=True)
        except Exception as e:  # noqa: BLE001 - anything else is reported, not raised
            print(json.dumps({"failed": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
