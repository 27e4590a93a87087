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
#
#        python3 tests/it/official_sdk/check.py --sign < inputs.json
# Signs fixed inputs with the SDKs' own signers and prints, as JSON, what they
# computed (see sign_mode below), so livemod's signer can be compared with them.

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


def sign_mode():
    """Reads {"cases": [...]} on stdin; prints {"results": [...]}.

    A V3 case: {"scheme": "v3", "method", "pathname", "query": {..}, "headers":
    {..} (exactly the signed ones), "payload_hash", "key_id", "secret"} → the
    SDK's canonical request, string to sign and Authorization header.
    A V2 case: {"scheme": "v2", "method", "params": {..} (all but Signature),
    "secret"} → the SDK's signature.
    """
    import hashlib
    from types import SimpleNamespace

    from alibabacloud_tea_openapi import utils as tea_utils
    from aliyunsdkcore.auth.algorithm import sha_hmac1
    from aliyunsdkcore.auth.composer import rpc_signature_composer

    results = []
    for case in json.load(sys.stdin)["cases"]:
        if case["scheme"] == "v3":
            request = SimpleNamespace(
                method=case["method"], pathname=case["pathname"],
                query=case["query"], headers=case["headers"],
            )
            query = tea_utils.get_canonical_query_string(request.query)
            headers, signed = tea_utils.get_canonicalized_headers(request.headers)
            canonical = f'{request.method}\n{request.pathname}\n{query}\n{headers}\n{signed}\n{case["payload_hash"]}'
            string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            authorization = tea_utils.Utils.get_authorization(
                request, "ACS3-HMAC-SHA256", case["payload_hash"], case["key_id"], case["secret"])
            results.append({"canonical_request": canonical, "string_to_sign": string_to_sign,
                            "authorization": authorization})
        else:
            params = dict(case["params"])
            tea = tea_utils.Utils.get_rpcsignature(params, case["method"], case["secret"])
            # The core SDK's own composer: string to sign, then HMAC-SHA1.
            compose = getattr(rpc_signature_composer, "__compose_string_to_sign")
            string_to_sign = compose(case["method"], params)
            core = sha_hmac1.get_sign_string(string_to_sign, case["secret"] + "&")
            results.append({"string_to_sign": string_to_sign, "signature": tea, "core_signature": core})
    print(json.dumps({"results": results}))


if len(sys.argv) > 1 and sys.argv[1] == "--sign":
    sign_mode()
    sys.exit(0)

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


# ------------------------------------------------------------------ the whole family (Tea SDK)


def tea_family(label, client):
    """Every one of the 29 operations (and the emulator-only actions), as the
    Tea SDK calls them: action in x-acs-action (V3) or Action (V2), every
    business parameter in the query, arrays comma-joined, booleans True/False."""
    gid = "fam" + uuid.uuid4().hex[:12]
    state = {}

    def call(action, **query):
        q = {"AppId": APP, **{k: str(v) for k, v in query.items()}}
        if query.get("AppId") is None and action in ("CreateLiveMessageApp", "ListLiveMessageApps",
                                                     "EmulatorAdvanceClock"):
            q.pop("AppId")
        return tea_call(client, action, "POST", query=q)

    def groups():
        call("CreateLiveMessageGroup", GroupId=gid, CreatorId="host1", Administrators="mod1")
        for user in ("alice", "bob"):
            call("EmulatorJoinGroup", GroupId=gid, UserId=user)
        d = call("DescribeLiveMessageGroup", GroupId=gid)
        expect(d["OnlineUserCounts"] == 2 and d["Delete"] is False and "Createtime" in d, d)
        call("ModifyLiveMessageGroup", GroupId=gid, ModifyAdmin=True, AdminList="mod1,mod2")
        d = call("DescribeLiveMessageGroup", GroupId=gid)
        expect(d["AdminList"] == ["mod1", "mod2"], d)
        page = tea_call(client, "ListLiveMessageGroupByPage", "GET",
                        query={"AppId": APP, "SortType": "2", "PageSize": "50"})
        expect(any(g["GroupId"] == gid for g in page["GroupList"]), page)
        tokens = call("ListLiveMessageGroups", SortType=2, GroupStatus=1)
        expect("Hasmore" in tokens and isinstance(tokens["GroupList"], list), tokens)

    def messages():
        sent = call("SendLiveMessageGroup", GroupId=gid, SenderId="mod1", Body="hello", MsgType=1)
        state["tid"] = sent["MsgTid"]
        call("EmulatorUserSend", GroupId=gid, UserId="alice", Body="hi from alice")
        page = call("ListLiveMessageGroupMessages", GroupId=gid, PageSize=10, SortType=1)
        seqs = [m["SeqNumber"] for m in page["MessageList"]]
        expect(seqs == [1, 2] and page["Hasmore"] is False and page["NextPageToken"] == 0, page)
        expect(page["MessageList"][1]["Sender"]["UserId"] == "alice", page)
        r = call("DeleteLiveMessageGroupMessage", GroupId=gid, MessageId=state["tid"], DeleterId="mod1")
        expect(r["MessageId"] == state["tid"], r)
        page = call("ListLiveMessageGroupMessages", GroupId=gid, PageSize=10, SortType=2)
        expect([m["SeqNumber"] for m in page["MessageList"]] == [2], page)
        one = call("SendLiveMessageUser", ReceiverId="alice", SenderId="mod1", Body="psst", Storage=True)
        call("DeleteLiveMessageUserMessage", MessageId=one["MsgTid"], ReceiverId="alice", DeleterId="mod1")

    def members():
        users = call("ListLiveMessageGroupUsers", GroupId=gid, PageSize=10, SortType=1)
        expect([u["UserId"] for u in users["UserList"]] == ["alice", "bob"], users)
        check = call("CheckLiveMessageUsersInGroup", GroupId=gid, UserIds="alice,carol")
        expect([(u["UserId"], u["Online"]) for u in check["Users"]] == [("alice", True), ("carol", False)], check)
        online = call("CheckLiveMessageUsersOnline", UserIds="bob")
        expect(online["UserList"] == [{"UserId": "bob", "Online": True}], online)
        info = call("ModifyLiveMessageUserInfo", UserId="alice", UserMetaInfo="vip")
        expect(any(s["GroupId"] == gid for s in info["SuccessList"]) and info["FailList"] == [], info)
        call("KickLiveMessageGroupUser", GroupId=gid, KickoffUser="bob")
        check = call("CheckLiveMessageUsersInGroup", GroupId=gid, UserIds="bob")
        expect(check["Users"] == [{"UserId": "bob", "Online": False}], check)

    def mutes():
        call("BanLiveMessageGroup", GroupId=gid, ExceptUsers="alice")
        call("AddLiveMessageGroupBand", GroupId=gid, BannedUsers="bob,carol")
        b = call("DescribeLiveMessageGroupBand", GroupId=gid)
        expect(b["IsbannedAll"] is True and b["BannedUserList"] == ["bob", "carol"]
               and b["UnbannedUserList"] == ["alice"], b)
        call("RemoveLiveMessageGroupBand", GroupId=gid, UnbannedUsers="carol")
        call("ModifyLiveMessageGroupBand", GroupId=gid, BannedAll=False, BannnedUsers="dave")
        b = call("DescribeLiveMessageGroupBand", GroupId=gid)
        expect(b["IsbannedAll"] is False and b["BannedUserList"] == ["dave"] and b["UnbannedUserList"] == [], b)
        call("UnbanLiveMessageGroup", GroupId=gid)

    def delete_and_recover():
        call("DeleteLiveMessageGroup", GroupId=gid, OperatorId="mod1")
        d = call("DescribeLiveMessageGroup", GroupId=gid)
        expect(d["Delete"] is True and d["Deletor"] == "mod1" and "Deletatime" in d, d)
        r = call("RecoverLiveMessageDeletedGroup", GroupId=gid)
        expect(r["GroupId"] == gid, r)
        now = tea_call(client, "EmulatorAdvanceClock", "POST", query={"Seconds": "0"})
        expect(isinstance(now["Now"], int), now)

    def apps():
        created = tea_call(client, "CreateLiveMessageApp", "POST", query={"AppName": f"sdk {label}"[:16]})
        app = created["AppId"]
        expect(len(app) == 12 and created["DataCenter"] == "cn-shanghai", created)
        d = tea_call(client, "DescribeLiveMessageApp", "POST", query={"AppId": app})
        expect(d["Disable"] is False and "CreateTime" in d and "AuditUrl" not in d, d)
        listed = tea_call(client, "ListLiveMessageApps", "POST", query={"SortType": "1"})
        expect("HasMore" in listed and any(a["AppId"] == app for a in listed["AppList"]), listed)
        a = tea_call(client, "ModifyLiveMessageAppAudit", "POST", query={"AppId": app, "AuditType": "1"})
        expect(a["AuditType"] == 1 and a["AuditNeedAuthentication"] is False, a)
        cb = tea_call(client, "ModifyLiveMessageAppCallback", "POST",
                      query={"AppId": app, "EventCallbackUrl": "https://cb.example.com/hook"})
        expect(cb["EventCallbackUrl"] == "https://cb.example.com/hook", cb)
        off = tea_call(client, "ModifyLiveMessageAppDisable", "POST", query={"AppId": app, "Disable": "True"})
        expect(off["Disable"] is True, off)
        listed = tea_call(client, "ListLiveMessageApps", "POST", query={"SortType": "2"})
        expect(next(x for x in listed["AppList"] if x["AppId"] == app)["Disable"] == "true", listed)
        on = tea_call(client, "ModifyLiveMessageAppDisable", "POST", query={"AppId": app, "Disable": "False"})
        expect(on["Disable"] is False, on)

    for name, fn in [("groups", groups), ("messages", messages), ("members", members), ("mutes", mutes),
                     ("delete + recover", delete_and_recover), ("apps", apps)]:
        check(f"{label} family: {name}", fn)


# ------------------------------------------------------------------ arrays in the V2 core SDK's .N form


def core_arrays():
    client = AcsClient(KEY_ID, KEY_SECRET, "cn-shanghai", port=PORT, auto_retry=False, max_retry_time=0)
    gid = "arr" + uuid.uuid4().hex[:12]

    def run(action, params):
        r = core_request(action, "POST")
        for k, v in params.items():
            r.add_query_param(k, v)
        return json.loads(client.do_action_with_exception(r))

    def flat(name, values):
        return {f"{name}.{i}": v for i, v in enumerate(values, 1)}

    def all_arrays():
        run("CreateLiveMessageGroup", {"AppId": APP, "GroupId": gid, **flat("Administrators", ["mod1"])})
        run("ModifyLiveMessageGroup", {"AppId": APP, "GroupId": gid, "ModifyAdmin": "True",
                                       **flat("AdminList", ["mod2", "mod3"])})
        d = run("DescribeLiveMessageGroup", {"AppId": APP, "GroupId": gid})
        expect(d["AdminList"] == ["mod2", "mod3"], d)
        run("EmulatorJoinGroup", {"AppId": APP, "GroupId": gid, "UserId": "zed"})
        c = run("CheckLiveMessageUsersInGroup", {"AppId": APP, "GroupId": gid, **flat("UserIds", ["zed", "amy"])})
        expect([u["Online"] for u in c["Users"]] == [True, False], c)
        o = run("CheckLiveMessageUsersOnline", {"AppId": APP, **flat("UserIds", ["zed"])})
        expect(o["UserList"][0]["Online"] is True, o)
        run("BanLiveMessageGroup", {"AppId": APP, "GroupId": gid, **flat("ExceptUsers", ["zed"])})
        run("AddLiveMessageGroupBand", {"AppId": APP, "GroupId": gid, **flat("BannedUsers", ["u1", "u2", "u3"])})
        run("RemoveLiveMessageGroupBand", {"AppId": APP, "GroupId": gid, **flat("UnbannedUsers", ["u2"])})
        b = run("DescribeLiveMessageGroupBand", {"AppId": APP, "GroupId": gid})
        expect(b["BannedUserList"] == ["u1", "u3"] and b["UnbannedUserList"] == ["zed"], b)
        # BannnedUsers with three n's, replacing the list; ExceptUsers replacing the exceptions.
        run("ModifyLiveMessageGroupBand", {"AppId": APP, "GroupId": gid, "BannedAll": "True",
                                           **flat("BannnedUsers", ["x1", "x2"]), **flat("ExceptUsers", ["amy"])})
        b = run("DescribeLiveMessageGroupBand", {"AppId": APP, "GroupId": gid})
        expect(b["IsbannedAll"] is True and b["BannedUserList"] == ["x1", "x2"]
               and b["UnbannedUserList"] == ["amy"], b)

    check("aliyunsdkcore V2: every array parameter in the .N form", all_arrays)


tea_checks("tea V3", tea_client())
tea_checks("tea V2", tea_client("v2"))
core_checks()
tea_family("tea V3", tea_client())
tea_family("tea V2", tea_client("v2"))
core_arrays()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
