//! Property tests of the emulator's state against small models: mutes,
//! kicks and joins in any order, and token paging in both orders.
//!
//! Requests go through the emulator's own router in process, unsigned, in
//! load-test mode (no rate limit: the mute writers' 10 calls/s would
//! otherwise pace a thousand-step run).

use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::Request;
use livemod::emulator::{Emulator, EmulatorOptions};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt as _;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
});
static EMULATOR: LazyLock<Emulator> = LazyLock::new(|| {
    RUNTIME
        .block_on(Emulator::start(EmulatorOptions {
            load_test: true,
            ..Default::default()
        }))
        .unwrap()
});
static GROUPS: AtomicU64 = AtomicU64::new(0);

/// One unsigned call; returns the status and the JSON reply.
fn call(action: &str, params: &[(&str, String)]) -> (u16, Value) {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", action)
        .append_pair("Version", "2016-11-01")
        .append_pair("AppId", "demo")
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let router = EMULATOR.router();
    RUNTIME.block_on(async move {
        let resp = router
            .oneshot(
                Request::post(format!("/?{query}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    })
}

fn ok(action: &str, params: &[(&str, String)]) -> Value {
    let (status, v) = call(action, params);
    assert_eq!(status, 200, "{action} {params:?}: {v}");
    v
}

fn new_group(admin: &str) -> String {
    let gid = format!("prop{}", GROUPS.fetch_add(1, Ordering::Relaxed));
    ok(
        "CreateLiveMessageGroup",
        &[("GroupId", gid.clone()), ("Administrators", admin.into())],
    );
    gid
}

const USERS: [&str; 5] = ["u1", "u2", "u3", "u4", "adm"];

#[derive(Debug, Clone)]
enum Step {
    Join(usize),
    Kick(usize),
    Ban(Vec<usize>),
    Unban,
    Add(Vec<usize>),
    Remove(Vec<usize>),
    Modify(Option<bool>, Vec<usize>, Vec<usize>),
}

fn users() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..USERS.len(), 0..4)
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..USERS.len()).prop_map(Step::Join),
        (0..USERS.len()).prop_map(Step::Kick),
        users().prop_map(Step::Ban),
        Just(Step::Unban),
        users()
            .prop_filter("non-empty", |u| !u.is_empty())
            .prop_map(Step::Add),
        users()
            .prop_filter("non-empty", |u| !u.is_empty())
            .prop_map(Step::Remove),
        (proptest::option::of(any::<bool>()), users(), users())
            .prop_map(|(a, b, e)| Step::Modify(a, b, e)),
    ]
}

/// The model of api-family.md §7.2–§7.3.
#[derive(Debug, Default)]
struct Model {
    online: Vec<String>,
    banned_all: bool,
    except: Vec<String>,
    banned: Vec<String>,
}

fn names(ix: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &i in ix {
        let u = USERS[i].to_string();
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

impl Model {
    fn apply(&mut self, step: &Step) {
        match step {
            Step::Join(i) => {
                let u = USERS[*i].to_string();
                if !self.online.contains(&u) {
                    self.online.push(u);
                }
            }
            Step::Kick(i) => self.online.retain(|u| u != USERS[*i]),
            Step::Ban(except) => {
                self.banned_all = true;
                self.except = names(except);
            }
            Step::Unban => {
                self.banned_all = false;
                self.except.clear();
            }
            Step::Add(users) => {
                for u in names(users) {
                    if !self.banned.contains(&u) {
                        self.banned.push(u);
                    }
                }
            }
            Step::Remove(users) => {
                let gone = names(users);
                self.banned.retain(|u| !gone.contains(u));
            }
            Step::Modify(all, banned, except) => {
                if let Some(all) = all {
                    self.banned_all = *all;
                }
                if !banned.is_empty() {
                    self.banned = names(banned);
                }
                if !except.is_empty() {
                    self.except = names(except);
                }
                if !self.banned_all {
                    self.except.clear();
                }
            }
        }
    }

    fn muted(&self, user: &str) -> bool {
        user != "adm"
            && (self.banned.iter().any(|u| u == user)
                || (self.banned_all && !self.except.iter().any(|u| u == user)))
    }
}

fn joined(ix: &[usize]) -> String {
    names(ix).join(",")
}

fn run(gid: &str, step: &Step) {
    let g = ("GroupId", gid.to_string());
    match step {
        Step::Join(i) => ok("EmulatorJoinGroup", &[g, ("UserId", USERS[*i].into())]),
        Step::Kick(i) => ok(
            "KickLiveMessageGroupUser",
            &[g, ("KickoffUser", USERS[*i].into())],
        ),
        Step::Ban(except) => {
            let mut p = vec![g];
            if !except.is_empty() {
                p.push(("ExceptUsers", joined(except)));
            }
            ok("BanLiveMessageGroup", &p)
        }
        Step::Unban => ok("UnbanLiveMessageGroup", &[g]),
        Step::Add(users) => ok(
            "AddLiveMessageGroupBand",
            &[g, ("BannedUsers", joined(users))],
        ),
        Step::Remove(users) => ok(
            "RemoveLiveMessageGroupBand",
            &[g, ("UnbannedUsers", joined(users))],
        ),
        Step::Modify(all, banned, except) => {
            let mut p = vec![g];
            if let Some(all) = all {
                p.push(("BannedAll", if *all { "True" } else { "False" }.into()));
            }
            // The V2 core SDK's flat form for one list, comma-joined for the other.
            for (n, u) in names(banned).into_iter().enumerate() {
                let key: &'static str = [
                    "BannnedUsers.1",
                    "BannnedUsers.2",
                    "BannnedUsers.3",
                    "BannnedUsers.4",
                ][n];
                p.push((key, u));
            }
            if !except.is_empty() {
                p.push(("ExceptUsers", joined(except)));
            }
            ok("ModifyLiveMessageGroupBand", &p)
        }
    };
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mute_kick_and_join_sequences_match_the_model(steps in proptest::collection::vec(step(), 1..25)) {
        let gid = new_group("adm");
        let mut model = Model::default();
        for s in &steps {
            run(&gid, s);
            model.apply(s);
        }
        let band = ok("DescribeLiveMessageGroupBand", &[("GroupId", gid.clone())]);
        prop_assert_eq!(band["IsbannedAll"].as_bool().unwrap(), model.banned_all);
        prop_assert_eq!(strings(&band["BannedUserList"]), model.banned.clone());
        prop_assert_eq!(strings(&band["UnbannedUserList"]), model.except.clone());
        let users = ok(
            "ListLiveMessageGroupUsers",
            &[("GroupId", gid.clone()), ("PageSize", "50".into()), ("SortType", "1".into())],
        );
        let online: Vec<String> = users["UserList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["UserId"].as_str().unwrap().to_string())
            .collect();
        prop_assert_eq!(&online, &model.online);
        // muted(u), observed: a client-side send is refused exactly when muted.
        for u in &model.online {
            let (status, reply) = call(
                "EmulatorUserSend",
                &[("GroupId", gid.clone()), ("UserId", u.clone()), ("Body", "x".into())],
            );
            let expected = if model.muted(u) { 403 } else { 200 };
            prop_assert_eq!(status, expected, "{} {}", u, reply);
        }
    }

    #[test]
    fn paging_returns_every_stored_message_exactly_once(
        n in 0usize..130,
        recalls in proptest::collection::btree_set(1usize..130, 0..20),
        no_storage in proptest::collection::btree_set(1usize..130, 0..10),
        page_size in 10u32..=50,
    ) {
        let gid = new_group("adm");
        ok("EmulatorJoinGroup", &[("GroupId", gid.clone()), ("UserId", "u1".into())]);
        let mut expected: Vec<i64> = Vec::new();
        for i in 1..=n {
            let mut p = vec![
                ("GroupId", gid.clone()),
                ("SenderId", "adm".to_string()),
                ("MsgTid", format!("m{i}")),
            ];
            if no_storage.contains(&i) {
                p.push(("NoStorage", "True".into()));
            } else if !recalls.contains(&i) {
                expected.push(i as i64);
            }
            ok("SendLiveMessageGroup", &p);
        }
        for r in recalls.iter().filter(|r| **r <= n) {
            ok("DeleteLiveMessageGroupMessage", &[("GroupId", gid.clone()), ("MessageId", format!("m{r}"))]);
        }
        for (sort, order) in [("1", false), ("2", true)] {
            let mut seen: Vec<i64> = Vec::new();
            let mut token: Option<i64> = None;
            for _ in 0..=n + 1 {
                let mut p = vec![
                    ("GroupId", gid.clone()),
                    ("PageSize", page_size.to_string()),
                    ("SortType", sort.to_string()),
                ];
                if let Some(t) = token {
                    p.push(("NextPageToken", t.to_string()));
                }
                let page = ok("ListLiveMessageGroupMessages", &p);
                let items = page["MessageList"].as_array().unwrap();
                prop_assert!(items.len() <= page_size as usize);
                for m in items {
                    prop_assert_eq!(m["TotalMessages"].as_i64().unwrap(), expected.len() as i64);
                    seen.push(m["SeqNumber"].as_i64().unwrap());
                }
                let next = page["NextPageToken"].as_i64().unwrap();
                prop_assert_eq!(page["Hasmore"].as_bool().unwrap(), next != 0);
                if next == 0 {
                    break;
                }
                token = Some(next);
            }
            let mut want = expected.clone();
            if order {
                want.reverse();
            }
            prop_assert_eq!(&seen, &want);
            let unique: BTreeSet<i64> = seen.iter().copied().collect();
            prop_assert_eq!(unique.len(), seen.len());
        }
    }
}
