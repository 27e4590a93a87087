//! Bad input: credentials files.

use super::*;

/// Recognisable, and made of characters that every encoding leaves alone.
const SECRET: &str = "S3cr3tLivemodBadInput9f2c";
const TOKEN: &str = "StsTokenLivemodBadInput7a1e";

fn good_config_json() -> String {
    format!(
        r#"{{"current":"default","profiles":[{{"name":"default","mode":"StsToken","access_key_id":"AKID1","access_key_secret":"{SECRET}","sts_token":"{TOKEN}","region_id":"cn-shanghai","output_format":"json","sts_expiration":0}}],"meta_path":""}}"#
    )
}

fn good_credentials_ini() -> String {
    format!(
        "[default]\ntype = access_key\naccess_key_id = AKID1\naccess_key_secret = {SECRET}\n\n[other]\ntype = access_key\naccess_key_id = AKID2\naccess_key_secret = {SECRET}\n"
    )
}

/// Broken files a person could plausibly end up with, each still holding the secret.
fn broken_config_json() -> impl Strategy<Value = String> {
    let structural = prop_oneof![
        // The secret where a list, an object or a number belongs.
        Just(format!(r#"{{"current":"default","profiles":"{SECRET}"}}"#)),
        Just(format!(
            r#"{{"current":"default","profiles":["{SECRET}"]}}"#
        )),
        Just(format!(r#"{{"current":["{SECRET}"],"profiles":[]}}"#)),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":["{SECRET}"]}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":["{SECRET}"]}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_id":1,"access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","mode":"AK","access_key_id":"","access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","mode":"EcsRamRole","access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(r#"["{SECRET}"]"#)),
        Just(format!(r#""{SECRET}""#)),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":{SECRET}}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":"{SECRET}\x"}}]}}"#
        )),
        Just(format!(
            "{{\"current\":\"default\",\"profiles\":[{{\"name\":\"default\",\"access_key_secret\":\"{SECRET}\n\"}}]}}"
        )),
    ];
    prop_oneof![
        2 => structural,
        3 => mutated(good_config_json()),
    ]
}

fn broken_credentials_ini() -> impl Strategy<Value = String> {
    let structural = prop_oneof![
        Just(format!("[default\naccess_key_secret = {SECRET}\n")),
        Just(format!("[default]\naccess_key_secret {SECRET}\n")),
        Just(format!("[default]\naccess_key_secret = \"{SECRET}\n")),
        Just(format!("[default]\naccess_key_secret = '{SECRET}\n")),
        Just(format!(
            "[default]\ntype = ram_role_arn\naccess_key_id = AKID1\naccess_key_secret = {SECRET}\n"
        )),
        Just(format!("[default]\naccess_key_secret = {SECRET}\n")),
        Just(format!("access_key_secret = {SECRET}\n[default\n")),
        Just(format!("[{SECRET}]\naccess_key_id = x\n")),
        Just(format!("[default]\naccess_key_secret = {SECRET}\\\n")),
        Just(format!("[default]\n=\naccess_key_secret = {SECRET}\n[")),
    ];
    prop_oneof![
        2 => structural,
        3 => mutated(good_credentials_ini()),
    ]
}

/// The text with up to four bytes changed, dropped or inserted, or cut short.
fn mutated(text: String) -> impl Strategy<Value = String> {
    let edits = proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            0..4u8,
            prop_oneof![
                Just(b'"'),
                Just(b'{'),
                Just(b'}'),
                Just(b'['),
                Just(b']'),
                Just(b','),
                Just(b':'),
                Just(b'='),
                Just(b'\n'),
                Just(b'\\'),
                Just(b'#'),
                Just(b';'),
                any::<u8>()
            ],
        ),
        1..5,
    );
    edits.prop_map(move |edits| {
        let mut bytes = text.clone().into_bytes();
        for (at, op, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => {
                    bytes.remove(i);
                }
                2 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn check_credentials(
    config_json: Option<&[u8]>,
    credentials_ini: Option<&[u8]>,
    profile: Option<&str>,
) -> Result<(), TestCaseError> {
    let home = tempfile::tempdir().unwrap();
    if let Some(text) = config_json {
        std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
        std::fs::write(home.path().join(".aliyun/config.json"), text).unwrap();
    }
    if let Some(text) = credentials_ini {
        std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
        std::fs::write(home.path().join(".alibabacloud/credentials"), text).unwrap();
    }
    let env = |_: &str| None;
    let lookup = Lookup {
        profile,
        env: &env,
        home: Some(home.path().to_path_buf()),
    };
    match credentials::resolve(&lookup) {
        Ok(creds) => {
            let shown = format!("{creds:?}");
            prop_assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
        }
        Err(e) => {
            for shown in [e.to_string(), format!("{e:?}")] {
                prop_assert!(!shown.contains(SECRET), "secret in the error: {shown}");
                prop_assert!(!shown.contains(TOKEN), "token in the error: {shown}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn broken_cli_config_never_shows_the_secret(text in broken_config_json(), explicit in any::<bool>()) {
        check_credentials(Some(text.as_bytes()), None, explicit.then_some("default"))?;
    }

    #[test]
    fn broken_credentials_file_never_shows_the_secret(text in broken_credentials_ini(), explicit in any::<bool>()) {
        check_credentials(None, Some(text.as_bytes()), explicit.then_some("default"))?;
    }

    #[test]
    fn arbitrary_credential_files(
        config_json in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        ini in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
    ) {
        check_credentials(config_json.as_deref(), ini.as_deref(), None)?;
    }
}

#[test]
fn a_valid_profile_still_resolves() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    std::fs::write(home.path().join(".aliyun/config.json"), good_config_json()).unwrap();
    let env = |_: &str| None;
    let creds = credentials::resolve(&Lookup {
        profile: None,
        env: &env,
        home: Some(home.path().to_path_buf()),
    })
    .unwrap();
    assert_eq!(creds.access_key_id, "AKID1");
}

/// A lost line break glues the secret onto the ID; the ID must not carry it out.
#[test]
fn a_secret_glued_onto_the_id_is_refused_unseen() {
    let text = format!(
        "[default]\ntype = access_key\naccess_key_id = AKID1access_key_secret = {SECRET}\naccess_key_secret = {SECRET}\n"
    );
    let r = check_credentials(None, Some(text.as_bytes()), Some("default"));
    assert!(r.is_ok(), "{r:?}");
}
