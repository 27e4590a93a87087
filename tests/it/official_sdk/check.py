#!/usr/bin/env python3
# Calls a running livemod emulator with the official Alibaba Cloud Python SDKs,
# to prove it accepts what they sign and send:
#   - alibabacloud_tea_openapi (the current "Tea" SDK): V3 ACS3-HMAC-SHA256, and
#     its V2 mode, through the generic OpenApiRequest/Params call, style RPC;
#   - aliyunsdkcore (the older core SDK): V2 HMAC-SHA1 via CommonRequest, with
#     query parameters, a form body and flat array parameters.
#
# Install the SDKs with (the versions this was last checked with):
#   python3 -m pip install alibabacloud-tea-openapi==0.4.6 aliyun-python-sdk-core==2.16.1
#
# Usage: python3 tests/it/official_sdk/check.py http://127.0.0.1:PORT [ACCESS_KEY_ID ACCESS_KEY_SECRET]
# Exits 0 when every check passed; prints one line per check.

import json
import sys
import uuid
from urllib.parse import urlparse

from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_util import models as util_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

VERSION = "2016-11-01"
APP = "demo"

url = urlparse(sys.argv[1])
KEY_ID = sys.argv[2] if len(sys.argv) > 3 else "livemod-demo-key"
KEY_SECRET = sys.argv[3] if len(sys.argv) > 3 else "livemod-demo-secret"
HOST, PORT = url.hostname, url.port or 80

passed = 0
failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - report every failure and go on
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


# ------------------------------------------------------------------ Tea SDK


def tea_client(signature_algorithm=None):
    config = open_api_models.Config(
        access_key_id=KEY_ID,
        access_key_secret=KEY_SECRET,
        endpoint=f"{HOST}:{PORT}",
        protocol="http",
        region_id="cn-shanghai",
    )
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return OpenApiClient(config)


def tea_call(client, action, method, query=None, body=None):
    params = open_api_models.Params(
        action=action,
        version=VERSION,
        protocol="HTTP",
        method=method,
        auth_type="AK",
        style="RPC",
        pathname="/",
        req_body_type="formData",
        body_type="json",
    )
    request = open_api_models.OpenApiRequest(query=query, body=body)
    runtime = util_models.RuntimeOptions(autoretry=False, max_attempts=1)
    reply = client.call_api(params, request, runtime)
    return reply["body"]


def tea_checks(label, client):
    gid = "tea" + uuid.uuid4().hex[:12]

    def create():
        body = tea_call(client, "CreateLiveMessageGroup", "POST", query={
            "AppId": APP, "GroupId": gid, "GroupName": f"{label} room",
            "Administrators": "mod1,mod2", "CreatorId": "host1",
        })
        expect(body["GroupId"] == gid and body["AlreadyExists"] is False, body)

    def create_form_body():
        # Business parameters in a form body (hashed into the signature for V3).
        body = tea_call(client, "CreateLiveMessageGroup", "POST", body={
            "AppId": APP, "GroupId": gid + "b", "GroupInfo": "info with spaces & symbols *~",
        })
        expect(body["GroupId"] == gid + "b", body)

    def listing():
        body = tea_call(client, "ListLiveMessageGroupByPage", "GET", query={
            "AppId": APP, "SortType": "2", "PageSize": "50", "GroupStatus": "1",
        })
        ids = [g["GroupId"] for g in body["GroupList"]]
        expect(gid in ids, ids)
        g = next(g for g in body["GroupList"] if g["GroupId"] == gid)
        expect(g["AdminList"] == ["mod1", "mod2"], g)

    def join_and_send():
        tea_call(client, "EmulatorJoinGroup", "POST", query={"AppId": APP, "GroupId": gid, "UserId": "viewer1"})
        body = tea_call(client, "SendLiveMessageGroup", "POST", query={
            "AppId": APP, "GroupId": gid, "SenderId": "mod1", "Body": "hello, 世界", "MsgType": "1",
        })
        expect(body["MsgTid"].isalnum(), body)

    def delete():
        body = tea_call(client, "DeleteLiveMessageGroup", "POST", query={"AppId": APP, "GroupId": gid})
        expect(body["GroupId"] == gid, body)

    def service_error():
        try:
            tea_call(client, "ListLiveMessageGroupByPage", "GET", query={"AppId": "nosuchapp", "SortType": "1"})
        except Exception as e:  # noqa: BLE001
            expect(getattr(e, "code", None) == "ResourceNotExist", repr(e))
            return
        raise AssertionError("no error for an unknown app")

    for name, fn in [("create", create), ("create (form body)", create_form_body), ("list", listing),
                     ("join + send", join_and_send), ("delete", delete), ("error body", service_error)]:
        check(f"{label}: {name}", fn)


# ------------------------------------------------------------------ core SDK (V2)


def core_request(action, method):
    request = CommonRequest(domain=HOST, version=VERSION, action_name=action)
    request.set_protocol_type("http")
    request.set_method(method)
    request.set_accept_format("json")
    return request


def core_checks():
    client = AcsClient(KEY_ID, KEY_SECRET, "cn-shanghai", port=PORT, auto_retry=False, max_retry_time=0)
    gid = "core" + uuid.uuid4().hex[:12]

    def run(request):
        return json.loads(client.do_action_with_exception(request))

    def create_query():
        r = core_request("CreateLiveMessageGroup", "POST")
        r.add_query_param("AppId", APP)
        r.add_query_param("GroupId", gid)
        r.add_query_param("GroupName", "core SDK room")
        body = run(r)
        expect(body["GroupId"] == gid and body["AlreadyExists"] is False, body)

    def create_form_flat_array():
        r = core_request("CreateLiveMessageGroup", "POST")
        r.add_body_params("AppId", APP)
        r.add_body_params("GroupId", gid + "f")
        r.add_body_params("Administrators.1", "mod1")
        r.add_body_params("Administrators.2", "mod2")
        body = run(r)
        expect(body["GroupId"] == gid + "f", body)

    def listing():
        r = core_request("ListLiveMessageGroupByPage", "GET")
        r.add_query_param("AppId", APP)
        r.add_query_param("SortType", "1")
        r.add_query_param("PageSize", "50")
        body = run(r)
        groups = {g["GroupId"]: g for g in body["GroupList"]}
        expect(gid in groups, list(groups))
        expect(groups[gid + "f"]["AdminList"] == ["mod1", "mod2"], groups[gid + "f"])

    def join_and_send():
        r = core_request("EmulatorJoinGroup", "POST")
        for k, v in {"AppId": APP, "GroupId": gid, "UserId": "viewer2"}.items():
            r.add_query_param(k, v)
        run(r)
        r = core_request("SendLiveMessageGroup", "POST")
        for k, v in {"AppId": APP, "GroupId": gid, "SenderId": "mod1", "MsgTid": "coretid1"}.items():
            r.add_body_params(k, v)
        body = run(r)
        expect(body["MsgTid"] == "coretid1", body)

    def delete():
        r = core_request("DeleteLiveMessageGroup", "POST")
        r.add_query_param("AppId", APP)
        r.add_query_param("GroupId", gid)
        body = run(r)
        expect(body["GroupId"] == gid, body)

    def service_error():
        r = core_request("SendLiveMessageGroup", "POST")
        for k, v in {"AppId": APP, "GroupId": gid, "SenderId": "mod1"}.items():
            r.add_query_param(k, v)
        try:
            run(r)
        except ServerException as e:
            expect(e.get_error_code() == "ResourceNotExist", repr(e))
            expect(e.get_http_status() == 404, repr(e))
            return
        raise AssertionError("no error for a deleted group")

    for name, fn in [("create (query)", create_query), ("create (form body, flat array)", create_form_flat_array),
                     ("list", listing), ("join + send (form body)", join_and_send), ("delete", delete),
                     ("error body", service_error)]:
        check(f"aliyunsdkcore V2: {name}", fn)


tea_checks("tea V3", tea_client())
tea_checks("tea V2", tea_client("v2"))
core_checks()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
