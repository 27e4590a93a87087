//! Request signing: V3 `ACS3-HMAC-SHA256` (default) and V2 RPC `HMAC-SHA1`.
//!
//! The same functions sign on the client and verify in the emulator, so the two
//! can only agree if both follow the published algorithm (the test vectors below
//! come from the official SDKs and are independent of this code).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";
pub const V2_METHOD: &str = "HMAC-SHA1";
pub const V2_VERSION: &str = "1.0";
/// Hex SHA-256 of the empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Which signature scheme a client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SignatureVersion {
    #[default]
    V3,
    V2,
}

/// RFC 3986 encoding: unreserved `A-Z a-z 0-9 - _ . ~` kept, every other byte `%XX`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0xF)]));
        }
    }
    out
}

/// `k=v` pairs, each side encoded, sorted by encoded name (then value), joined by `&`.
pub fn canonical_query<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k.as_ref()), percent_encode(v.as_ref())))
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ------------------------------------------------------------------ V2

/// `METHOD&%2F&encode(canonical query)`.
pub fn v2_string_to_sign<K: AsRef<str>, V: AsRef<str>>(method: &str, params: &[(K, V)]) -> String {
    format!("{method}&%2F&{}", percent_encode(&canonical_query(params)))
}

/// Base64(HMAC-SHA1(secret + "&", string to sign)).
pub fn v2_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

// ------------------------------------------------------------------ V3

/// Which headers take part in the V3 canonical request.
pub enum HeaderSelection<'a> {
    /// What a client signs: every `x-acs-*` header, `host` and `content-type`.
    Default,
    /// What a verifier must use: exactly the names listed in `SignedHeaders`.
    Named(&'a [String]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    pub text: String,
    /// Lower-case names joined by `;`.
    pub signed_headers: String,
}

/// Builds the V3 canonical request. An empty path is `/`.
pub fn v3_canonical_request<K: AsRef<str>, V: AsRef<str>>(
    method: &str,
    path: &str,
    query: &[(K, V)],
    headers: &[(String, String)],
    selection: HeaderSelection<'_>,
    payload_hash: &str,
) -> CanonicalRequest {
    // Group by lower-case name, keeping the order values arrived in.
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in headers {
        let lower = name.trim().to_ascii_lowercase();
        let wanted = match &selection {
            HeaderSelection::Default => {
                lower.starts_with("x-acs-") || lower == "host" || lower == "content-type"
            }
            HeaderSelection::Named(names) => names.iter().any(|n| n == &lower),
        };
        if !wanted {
            continue;
        }
        let value = value.trim().to_string();
        match grouped.iter_mut().find(|(n, _)| *n == lower) {
            Some((_, values)) => values.push(value),
            None => grouped.push((lower, vec![value])),
        }
    }
    grouped.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical_headers = String::new();
    for (name, values) in &grouped {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let signed_headers = grouped
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let path = if path.is_empty() { "/" } else { path };
    let text = format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        canonical_query(query)
    );
    CanonicalRequest {
        text,
        signed_headers,
    }
}

pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// hex(HMAC-SHA256(secret, string to sign)).
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn v3_authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    )
}

/// The parts of a V3 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Authorization {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
pub fn parse_v3_authorization(header: &str) -> Option<V3Authorization> {
    let rest = header.trim().strip_prefix(V3_ALGORITHM)?.trim_start();
    let (mut key, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        match name.trim() {
            "Credential" => key = Some(value.trim().to_string()),
            "SignedHeaders" => signed = Some(value.trim().to_string()),
            "Signature" => sig = Some(value.trim().to_string()),
            _ => {}
        }
    }
    Some(V3Authorization {
        access_key_id: key.filter(|k| !k.is_empty())?,
        signed_headers: signed?
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        signature: sig?,
    })
}

/// Constant-time comparison, so a verifier does not leak how much of a signature matched.
pub fn signatures_equal(a: &str, b: &str) -> bool {
    use subtle_eq::ct_eq;
    ct_eq(a.as_bytes(), b.as_bytes())
}

mod subtle_eq {
    pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn v2_vector_describe_regions() {
        let params = owned(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        let sts = v2_string_to_sign("GET", &params);
        assert_eq!(
            v2_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn v2_vector_describe_dedicated_hosts() {
        let params = owned(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeDedicatedHosts"),
            ("Format", "JSON"),
            ("RegionId", "cn-beijing"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2023-03-13T08:34:30Z"),
            ("Version", "2014-05-26"),
        ]);
        let sts = v2_string_to_sign("GET", &params);
        assert_eq!(
            v2_signature("testsecret", &sts),
            "9NaGiOspFP5UPcwX8Iwt2YJXXuk="
        );
    }

    #[test]
    fn v2_vector_empty_method() {
        let sts = v2_string_to_sign("", &owned(&[("test", "ok")]));
        assert_eq!(sts, "&%2F&test%3Dok");
        assert_eq!(
            v2_signature("accessKeySecret", &sts),
            "jHx/oHoHNrbVfhncHEvPdHXZwHU="
        );
    }

    #[test]
    fn v3_vector_run_instances() {
        let headers = owned(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ]);
        let query = owned(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]);
        let canonical = v3_canonical_request(
            "POST",
            "/",
            &query,
            &headers,
            HeaderSelection::Default,
            EMPTY_SHA256,
        );
        assert_eq!(
            canonical.signed_headers,
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        assert_eq!(
            sha256_hex(canonical.text.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let sig = v3_signature("YourAccessKeySecret", &v3_string_to_sign(&canonical.text));
        assert_eq!(
            sig,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn v3_vector_repeated_headers_and_empty_values() {
        let payload = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
        let headers = owned(&[("x-acs-test", "http"), ("x-acs-TEST", "https")]);
        let query = owned(&[("test", "ok"), ("empty", "")]);
        let canonical =
            v3_canonical_request("", "", &query, &headers, HeaderSelection::Default, payload);
        assert_eq!(
            canonical.text,
            format!("\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n{payload}")
        );
        assert_eq!(
            v3_signature("secret", &v3_string_to_sign(&canonical.text)),
            "4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"
        );
    }

    #[test]
    fn encoding_follows_rfc3986() {
        assert_eq!(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
    }

    #[test]
    fn authorization_round_trips() {
        let header = v3_authorization("key", "host;x-acs-date", "abc");
        let parsed = parse_v3_authorization(&header).unwrap();
        assert_eq!(parsed.access_key_id, "key");
        assert_eq!(parsed.signed_headers, vec!["host", "x-acs-date"]);
        assert_eq!(parsed.signature, "abc");
        assert!(parse_v3_authorization("Bearer x").is_none());
    }

    #[test]
    fn named_selection_uses_only_listed_headers() {
        let headers = owned(&[("host", "h"), ("x-acs-date", "d"), ("x-acs-extra", "e")]);
        let names = vec!["host".to_string(), "x-acs-date".to_string()];
        let c = v3_canonical_request::<&str, &str>(
            "GET",
            "/",
            &[],
            &headers,
            HeaderSelection::Named(&names),
            EMPTY_SHA256,
        );
        assert_eq!(c.signed_headers, "host;x-acs-date");
    }
}
