//! Signature verification for OpenAPI calls, as the official SDKs sign them (see
//! shared/reference/resource-sharing-api.md and `alibabacloud_tea_openapi/utils.py`):
//!
//! - **ACS3-HMAC-SHA256** (the current SDKs' default): `Authorization: ACS3-HMAC-SHA256
//!   Credential=<id>,SignedHeaders=<h1;h2>,Signature=<hex>` over a canonical request; action, version,
//!   date and nonce travel in signed `x-acs-*` headers.
//! - **HMAC-SHA1, signature version 1.0** (`signature_algorithm='v2'`, older SDKs, the CLI, Terraform):
//!   `Signature`, `AccessKeyId`, `Timestamp`, `SignatureNonce`, `Action`, `Version` in the parameters.
//!
//! Pure: the caller reads the request, looks up the secret and passes `now` in. Signatures are compared
//! in constant time. What a signature does not cover is refused rather than trusted: the headers that
//! carry the action, version, date and nonce must be among the signed ones, and a parameter may not
//! repeat (the signature would cover one copy while the action read the other).

use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

/// A call signed more than this far from the server's clock (either way) is refused.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// How long a used nonce is remembered: a call may be signed up to [`MAX_CLOCK_SKEW`] ahead and is
/// accepted until as long after that, so any replay the timestamp check lets through meets its nonce.
pub const NONCE_MEMORY: Duration = Duration::seconds(2 * MAX_CLOCK_SKEW.whole_seconds());

pub const ACS3: &str = "ACS3-HMAC-SHA256";

/// The longest `SignatureNonce` taken. The SDKs send 32 to 36 characters (a hex digest or a UUID);
/// every nonce is stored for [`NONCE_MEMORY`], so an unbounded one would let a key holder store up to
/// the URL's 64 KB per call.
pub const MAX_NONCE_CHARS: usize = 128;

/// The headers an ACS3 signature must cover: everything the server acts on.
const REQUIRED_SIGNED_HEADERS: [&str; 6] =
    ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"];

/// A refusal before any action runs, with the real gateway's code and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl SignatureError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        SignatureError { status, code, message: message.into() }
    }

    pub fn incomplete(why: &str) -> Self {
        Self::new(
            400,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards: {why}."),
        )
    }

    pub fn mismatch() -> Self {
        Self::new(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    }

    pub fn unknown_key() -> Self {
        Self::new(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    }

    pub fn disabled_key() -> Self {
        Self::new(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
    }

    pub fn expired() -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired: it must be within 15 minutes of the server's time (UTC).",
        )
    }

    pub fn nonce_used() -> Self {
        Self::new(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    }

    pub fn missing(name: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
        )
    }

    pub fn invalid(name: &str) -> Self {
        Self::new(400, "InvalidParameter", format!("The specified parameter \"{name}\" is not valid."))
    }
}

/// How the call says it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    Acs3 { signed_headers: Vec<String>, signature: String },
    RpcV1 { signature: String },
}

/// What a signed call claims, read (not yet verified) from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub access_key_id: String,
    pub action: String,
    pub version: String,
    pub nonce: String,
    pub timestamp: OffsetDateTime,
    pub scheme: Scheme,
}

/// The parts of a request a signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    /// The query's parameters, decoded.
    pub query: &'a BTreeMap<String, String>,
    /// A form body's parameters, decoded (empty for any other body).
    pub form: &'a BTreeMap<String, String>,
    pub body: &'a [u8],
}

/// `application/x-www-form-urlencoded` (also the query string) into parameters: `+` is a space, `%XX`
/// a byte, the result UTF-8. A name given twice is refused, and so is a name of anything but letters,
/// digits, `.`, `_` and `-` (every name the APIs have): the ACS3 canonical query writes names as they
/// are (as the SDK does), so a name holding `=` or `&` would sign the same as two parameters
/// (`A=x&B` = `v` as `A` = `x` and `B` = `v`) while the action read neither.
pub fn parse_form(raw: &str) -> Result<BTreeMap<String, String>, SignatureError> {
    let mut out = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (
            form_decode(k).ok_or_else(|| SignatureError::invalid(k))?,
            form_decode(v).ok_or_else(|| SignatureError::invalid(k))?,
        );
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
            let shown: String = k.chars().filter(|c| !c.is_control()).take(80).collect();
            return Err(SignatureError::new(
                400,
                "InvalidParameter",
                format!("The parameter name \"{shown}\" is not valid: a name is letters, digits, '.', '_' and '-'."),
            ));
        }
        if out.contains_key(&k) {
            return Err(SignatureError::new(
                400,
                "InvalidParameter",
                format!("The parameter \"{k}\" is given more than once."),
            ));
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// RFC 3986 encoding as the SDKs do it (Python `quote(s, safe='~')`): letters, digits and `-_.~` stay,
/// every other byte is `%XX` in upper case (a space is `%20`, never `+`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn parse_time(name: &str, s: &str) -> Result<OffsetDateTime, SignatureError> {
    // The SDKs send `YYYY-MM-DDTHH:MM:SSZ`, which is RFC 3339.
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| {
        SignatureError::new(
            400,
            "InvalidTimeStamp.Format",
            format!("Specified {name} is not in the format YYYY-MM-DDThh:mm:ssZ."),
        )
    })
}

/// Reads how the request is signed and what it claims. An `Authorization: ACS3-HMAC-SHA256 …` header
/// makes it an ACS3 call; a `Signature` parameter a version 1.0 one; neither is refused.
pub fn read_claim(request: &SignedRequest) -> Result<Claim, SignatureError> {
    let claim = read_either_claim(request)?;
    if claim.nonce.chars().count() > MAX_NONCE_CHARS {
        return Err(SignatureError::new(
            400,
            "InvalidParameter.SignatureNonce",
            format!("The SignatureNonce is longer than {MAX_NONCE_CHARS} characters."),
        ));
    }
    Ok(claim)
}

fn read_either_claim(request: &SignedRequest) -> Result<Claim, SignatureError> {
    if let Some(auth) = header(request.headers, "authorization") {
        return read_acs3(request, auth);
    }
    let params = |name: &str| request.query.get(name).or_else(|| request.form.get(name)).map(String::as_str);
    let Some(signature) = params("Signature") else {
        return Err(SignatureError::incomplete(
            "the call is not signed (no Authorization header and no Signature parameter)",
        ));
    };
    let require = |name: &str| {
        params(name).filter(|v| !v.is_empty()).map(str::to_owned).ok_or_else(|| SignatureError::missing(name))
    };
    match params("SignatureMethod") {
        Some("HMAC-SHA1") => {}
        Some(_) => {
            return Err(SignatureError::new(
                400,
                "InvalidParameter.SignatureMethod",
                "Only the HMAC-SHA1 signature method is supported with signature version 1.0.",
            ))
        }
        None => return Err(SignatureError::missing("SignatureMethod")),
    }
    match params("SignatureVersion") {
        Some("1.0") => {}
        Some(_) => {
            return Err(SignatureError::new(
                400,
                "InvalidParameter.SignatureVersion",
                "Only signature version 1.0 is supported in the parameters.",
            ))
        }
        None => return Err(SignatureError::missing("SignatureVersion")),
    }
    Ok(Claim {
        access_key_id: require("AccessKeyId")?,
        action: require("Action")?,
        version: require("Version")?,
        nonce: require("SignatureNonce")?,
        timestamp: parse_time("Timestamp", &require("Timestamp")?)?,
        scheme: Scheme::RpcV1 { signature: signature.to_owned() },
    })
}

fn read_acs3(request: &SignedRequest, auth: &str) -> Result<Claim, SignatureError> {
    let headers = request.headers;
    let Some(rest) = auth.strip_prefix(ACS3).and_then(|r| r.strip_prefix(' ')) else {
        let algorithm = auth.split(' ').next().unwrap_or("");
        return Err(SignatureError::new(
            400,
            "IncompleteSignature",
            format!("The signature algorithm {algorithm:?} is not supported here: sign with ACS3-HMAC-SHA256 or HMAC-SHA1 (signature version 1.0)."),
        ));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=').unwrap_or((part, ""));
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(SignatureError::incomplete("the Authorization header has an unknown part")),
        };
        // Not read as the first or the last: the header is not signed itself, so a second Credential
        // would be a choice an intermediary could make.
        if slot.replace(value).is_some() {
            return Err(SignatureError::incomplete(&format!("the Authorization header names {name} more than once")));
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(SignatureError::incomplete(
            "the Authorization header needs Credential, SignedHeaders and Signature",
        ));
    };
    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    let sorted = signed_headers.windows(2).all(|w| w[0] < w[1])
        && signed_headers.iter().all(|h| !h.is_empty() && *h == h.to_ascii_lowercase());
    if !sorted {
        return Err(SignatureError::incomplete("SignedHeaders must be lower-case names in sorted order"));
    }
    for required in REQUIRED_SIGNED_HEADERS {
        if !signed_headers.iter().any(|h| h == required) {
            return Err(SignatureError::incomplete(&format!("the header {required} must be signed")));
        }
    }
    // The handler reads a body as parameters by its Content-Type, which only a signature fixes: the
    // body's hash alone would let the same signed bytes be read as parameters or not.
    if !request.body.is_empty() && !signed_headers.iter().any(|h| h == "content-type") {
        return Err(SignatureError::incomplete("the header content-type must be signed when the call has a body"));
    }
    // The canonical request joins a repeated header's values with ',' (as the SDK does) while the
    // claim reads one value: a nonce signed as "a,b" would verify sent as "a" and "b", a nonce never
    // seen. So each signed header is one value, of text (a value that is not would be left out).
    for name in &signed_headers {
        let mut values = headers.get_all(name.as_str()).iter();
        if values.next().is_some() && values.next().is_some() {
            return Err(SignatureError::incomplete(&format!("the signed header {name} is given more than once")));
        }
        if headers.get(name.as_str()).is_some_and(|v| v.to_str().is_err()) {
            return Err(SignatureError::incomplete(&format!("the signed header {name} is not text")));
        }
    }
    let require = |name: &'static str| {
        header(headers, name).filter(|v| !v.is_empty()).map(str::to_owned).ok_or_else(|| SignatureError::missing(name))
    };
    Ok(Claim {
        access_key_id: credential.to_owned(),
        action: require("x-acs-action")?,
        version: require("x-acs-version")?,
        nonce: require("x-acs-signature-nonce")?,
        timestamp: parse_time("x-acs-date", &require("x-acs-date")?)?,
        scheme: Scheme::Acs3 { signed_headers, signature: signature.to_owned() },
    })
}

/// The ACS3 canonical request (step 1-5 of the reference).
pub fn acs3_canonical_request(request: &SignedRequest, signed_headers: &[String]) -> String {
    let query: Vec<String> = request.query.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
    let mut headers = String::new();
    for name in signed_headers {
        let mut values: Vec<&str> =
            request.headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
        values.sort_unstable();
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = hex(&Sha256::digest(request.body));
    let path = if request.path.is_empty() { "/" } else { request.path };
    format!("{}\n{path}\n{}\n{headers}\n{}\n{payload}", request.method, query.join("&"), signed_headers.join(";"))
}

/// The ACS3 signature of `request` with `secret` (lower-case hex).
pub fn acs3_signature(request: &SignedRequest, signed_headers: &[String], secret: &str) -> String {
    let canonical = acs3_canonical_request(request, signed_headers);
    let string_to_sign = format!("{ACS3}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// The version 1.0 signature: base64(HMAC-SHA1(secret + "&", METHOD&%2F&enc(sorted params))), over
/// the query and form parameters but `Signature`.
pub fn rpc_v1_signature(request: &SignedRequest, secret: &str) -> String {
    let mut params: BTreeMap<&str, &str> = request.form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    params.extend(request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    params.remove("Signature");
    let canonical: Vec<String> =
        params.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let string_to_sign = format!("{}&%2F&{}", request.method, percent_encode(&canonical.join("&")));
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks the claim's signature against `secret`, in constant time, and (for ACS3) that the body is
/// the one whose hash was signed.
pub fn verify(request: &SignedRequest, claim: &Claim, secret: &str) -> Result<(), SignatureError> {
    let (expected, given) = match &claim.scheme {
        Scheme::Acs3 { signed_headers, signature } => {
            let body_hash = hex(&Sha256::digest(request.body));
            if header(request.headers, "x-acs-content-sha256") != Some(body_hash.as_str()) {
                return Err(SignatureError::mismatch());
            }
            (acs3_signature(request, signed_headers, secret), signature)
        }
        Scheme::RpcV1 { signature } => (rpc_v1_signature(request, secret), signature),
    };
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::mismatch())
    }
}

/// A call signed at `timestamp` is accepted within [`MAX_CLOCK_SKEW`] of `now`, either way, and only
/// if its nonce can't have been forgotten: the schedule forgets the nonces seen before
/// `forgotten_before`, and a call is seen within [`MAX_CLOCK_SKEW`] of its timestamp, so one signed
/// before [`signed_before`] may have been seen before the cut-off. That holds however the clock moved
/// since (a clock stepped back would otherwise put such a call inside the window again).
pub fn check_timestamp(
    timestamp: OffsetDateTime,
    now: OffsetDateTime,
    forgotten_before: Option<OffsetDateTime>,
) -> Result<(), SignatureError> {
    if (now - timestamp).abs() > MAX_CLOCK_SKEW || forgotten_before.is_some_and(|f| timestamp < signed_before(f)) {
        return Err(SignatureError::expired());
    }
    Ok(())
}

/// The earliest time a call may be signed at once the nonces seen before `forgotten_before` are forgotten.
pub fn signed_before(forgotten_before: OffsetDateTime) -> OffsetDateTime {
    forgotten_before + MAX_CLOCK_SKEW
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    //! The vectors were computed with the official SDK's own code (alibabacloud-tea-openapi 0.4.6,
    //! `Utils.get_authorization` and `Utils.get_rpcsignature`) for the same request.
    use super::*;
    use http::HeaderValue;
    use time::macros::datetime;

    const KEY: &str = "LTAItestkey0000000000000";
    const SECRET: &str = "testsecret0000000000000000000x";
    /// The SDK's own URL encoding of the query (spaces as `+`, `~` kept, `*`, `+`, `/` and `ü` escaped, an empty value).
    const QUERY: &str = "ResourceShareName=my+share+~%2A%2B+%C3%BC&Targets.1=1234567890123456&Empty=&AllowExternalTargets=True&Resources.1.ResourceId=a%2Fb";
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const ACS3_SIGNATURE: &str = "520f25f6cdd74a43f3052d5e1cb82bb60a49309f408612312e419d98155e5810";
    const V1_SIGNATURE: &str = "ICByQ0L96rJBMJgiKO13rdqGfhI=";

    fn acs3_headers(signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "127.0.0.1:3321"),
            ("x-acs-version", "2020-01-10"),
            ("x-acs-action", "CreateResourceShare"),
            ("x-acs-date", "2026-11-27T10:00:00Z"),
            ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
            ("accept", "application/json"),
            ("x-acs-content-sha256", EMPTY_SHA256),
            ("user-agent", "not signed, so free to differ"),
        ] {
            h.insert(k, HeaderValue::from_static(v));
        }
        let auth = format!("{ACS3} Credential={KEY},SignedHeaders=accept;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature={signature}");
        h.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        h
    }

    fn v1_query(signature: &str) -> String {
        format!(
            "{QUERY}&Action=CreateResourceShare&Format=json&Version=2020-01-10&Timestamp=2026-11-27T10%3A00%3A00Z&SignatureNonce=nonce-1\
             &SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId={KEY}&Signature={}",
            percent_encode(signature)
        )
    }

    fn check(headers: &HeaderMap, raw_query: &str, body: &[u8]) -> Result<Claim, SignatureError> {
        let query = parse_form(raw_query)?;
        let form = BTreeMap::new();
        let request = SignedRequest { method: "POST", path: "/", headers, query: &query, form: &form, body };
        let claim = read_claim(&request)?;
        verify(&request, &claim, SECRET)?;
        Ok(claim)
    }

    #[test]
    fn the_sdks_acs3_signature_verifies() {
        let claim = check(&acs3_headers(ACS3_SIGNATURE), QUERY, b"").unwrap();
        assert_eq!(
            (claim.access_key_id.as_str(), claim.action.as_str(), claim.version.as_str()),
            (KEY, "CreateResourceShare", "2020-01-10")
        );
        assert_eq!(claim.timestamp, datetime!(2026-11-27 10:00:00 UTC));
    }

    #[test]
    fn the_acs3_canonical_query_encodes_spaces_as_percent_20_and_keeps_the_tilde() {
        let query = parse_form(QUERY).unwrap();
        let (headers, form) = (acs3_headers(ACS3_SIGNATURE), BTreeMap::new());
        let request =
            SignedRequest { method: "POST", path: "/", headers: &headers, query: &query, form: &form, body: b"" };
        let canonical = acs3_canonical_request(&request, &["host".to_owned()]);
        assert!(canonical.contains(
            "AllowExternalTargets=True&Empty=&ResourceShareName=my%20share%20~%2A%2B%20%C3%BC&Resources.1.ResourceId=a%2Fb&Targets.1=1234567890123456"
        ), "{canonical}");
    }

    #[test]
    fn the_sdks_hmac_sha1_signature_verifies() {
        let claim = check(&HeaderMap::new(), &v1_query(V1_SIGNATURE), b"").unwrap();
        assert_eq!((claim.nonce.as_str(), claim.action.as_str()), ("nonce-1", "CreateResourceShare"));
        assert!(matches!(claim.scheme, Scheme::RpcV1 { .. }));
    }

    #[test]
    fn a_changed_parameter_breaks_either_signature() {
        let changed = QUERY.replace("Targets.1=1234567890123456", "Targets.1=1234567890123457");
        assert_eq!(check(&acs3_headers(ACS3_SIGNATURE), &changed, b"").unwrap_err().code, "SignatureDoesNotMatch");
        let changed_v1 = v1_query(V1_SIGNATURE).replace("Targets.1=1234567890123456", "Targets.1=1234567890123457");
        assert_eq!(check(&HeaderMap::new(), &changed_v1, b"").unwrap_err().code, "SignatureDoesNotMatch");
    }

    #[test]
    fn a_plus_sign_and_a_space_are_different_values() {
        let plus_for_space = QUERY.replace("my+share", "my%2Bshare");
        assert_eq!(
            check(&acs3_headers(ACS3_SIGNATURE), &plus_for_space, b"").unwrap_err().code,
            "SignatureDoesNotMatch"
        );
    }

    #[test]
    fn a_body_other_than_the_signed_one_is_refused() {
        // The vector's call has no body, so no signed content-type: a body is refused for that first.
        assert_eq!(check(&acs3_headers(ACS3_SIGNATURE), QUERY, b"x=1").unwrap_err().code, "IncompleteSignature");
        let mut h = acs3_headers(ACS3_SIGNATURE);
        h.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded"));
        h.insert("x-acs-content-sha256", HeaderValue::from_str(&hex(&Sha256::digest(b"x=1"))).unwrap());
        let names: Vec<String> = [
            "content-type",
            "host",
            "x-acs-action",
            "x-acs-content-sha256",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-version",
        ]
        .map(str::to_owned)
        .to_vec();
        let (query, form) = (parse_form(QUERY).unwrap(), BTreeMap::new());
        let signature = acs3_signature(
            &SignedRequest { method: "POST", path: "/", headers: &h, query: &query, form: &form, body: b"x=1" },
            &names,
            SECRET,
        );
        let auth = format!("{ACS3} Credential={KEY},SignedHeaders={},Signature={signature}", names.join(";"));
        h.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        assert!(check(&h, QUERY, b"x=1").is_ok());
        assert_eq!(check(&h, QUERY, b"x=2").unwrap_err().code, "SignatureDoesNotMatch");
    }

    #[test]
    fn a_parameter_name_of_anything_but_letters_digits_dots_underscores_and_dashes_is_refused() {
        for bad in ["A%3Dx%26B=v", "a%20b=1", "%C3%BC=1", "=1"] {
            assert_eq!(parse_form(bad).unwrap_err().code, "InvalidParameter", "{bad}");
        }
        assert!(parse_form("Resources.1.Resource_Id-x=1").is_ok());
    }

    #[test]
    fn a_wrong_secret_does_not_verify() {
        let query = parse_form(QUERY).unwrap();
        let (headers, form) = (acs3_headers(ACS3_SIGNATURE), BTreeMap::new());
        let request =
            SignedRequest { method: "POST", path: "/", headers: &headers, query: &query, form: &form, body: b"" };
        let claim = read_claim(&request).unwrap();
        assert_eq!(verify(&request, &claim, "another-secret").unwrap_err().code, "SignatureDoesNotMatch");
    }

    #[test]
    fn the_method_is_part_of_the_signature() {
        let query = parse_form(QUERY).unwrap();
        let (headers, form) = (acs3_headers(ACS3_SIGNATURE), BTreeMap::new());
        let request =
            SignedRequest { method: "GET", path: "/", headers: &headers, query: &query, form: &form, body: b"" };
        let claim = read_claim(&request).unwrap();
        assert_eq!(verify(&request, &claim, SECRET).unwrap_err().code, "SignatureDoesNotMatch");
    }

    #[test]
    fn an_unsigned_action_header_is_refused() {
        let mut h = acs3_headers(ACS3_SIGNATURE);
        let auth = format!("{ACS3} Credential={KEY},SignedHeaders=host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=00");
        h.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        let e = check(&h, QUERY, b"").unwrap_err();
        assert_eq!(e.code, "IncompleteSignature");
        assert!(e.message.contains("x-acs-action"), "{}", e.message);
    }

    #[test]
    fn signed_header_names_in_upper_case_out_of_order_or_named_twice_are_refused() {
        let all = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";
        for signed in [
            all.replace("host", "Host"),
            all.replace("host;x-acs-action", "x-acs-action;host"),
            all.replace("host", "host;host"),
        ] {
            let mut h = acs3_headers(ACS3_SIGNATURE);
            let auth = format!("{ACS3} Credential={KEY},SignedHeaders={signed},Signature={ACS3_SIGNATURE}");
            h.insert("authorization", HeaderValue::from_str(&auth).unwrap());
            assert_eq!(check(&h, QUERY, b"").unwrap_err().code, "IncompleteSignature", "{signed}");
        }
    }

    #[test]
    fn another_algorithm_is_refused_by_name() {
        let mut h = acs3_headers(ACS3_SIGNATURE);
        h.insert(
            "authorization",
            HeaderValue::from_static("ACS3-HMAC-SM3 Credential=x,SignedHeaders=host,Signature=00"),
        );
        let e = check(&h, QUERY, b"").unwrap_err();
        assert_eq!(e.code, "IncompleteSignature");
        assert!(e.message.contains("ACS3-HMAC-SM3"));
    }

    #[test]
    fn an_unsigned_call_is_refused() {
        assert_eq!(check(&HeaderMap::new(), QUERY, b"").unwrap_err().code, "IncompleteSignature");
    }

    #[test]
    fn a_version_1_call_without_its_nonce_is_refused_as_missing() {
        let without = v1_query(V1_SIGNATURE).replace("&SignatureNonce=nonce-1", "");
        let e = check(&HeaderMap::new(), &without, b"").unwrap_err();
        assert_eq!((e.code, e.status), ("MissingParameter", 400));
        assert!(e.message.contains("SignatureNonce"));
    }

    #[test]
    fn a_nonce_longer_than_128_characters_is_refused_whichever_the_signature() {
        let long = "n".repeat(MAX_NONCE_CHARS + 1);
        let mut h = acs3_headers(ACS3_SIGNATURE);
        h.insert("x-acs-signature-nonce", HeaderValue::from_str(&long).unwrap());
        assert_eq!(check(&h, QUERY, b"").unwrap_err().code, "InvalidParameter.SignatureNonce");
        let v1 = v1_query(V1_SIGNATURE).replace("SignatureNonce=nonce-1", &format!("SignatureNonce={long}"));
        assert_eq!(check(&HeaderMap::new(), &v1, b"").unwrap_err().code, "InvalidParameter.SignatureNonce");
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        let e = parse_form("Targets.1=a&Targets.1=b").unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
    }

    #[test]
    fn form_decoding_reads_plus_as_space_and_utf8_escapes() {
        let p = parse_form("a=x+y&b=%C3%BC%7E&c=&d").unwrap();
        assert_eq!((p["a"].as_str(), p["b"].as_str(), p["c"].as_str(), p["d"].as_str()), ("x y", "ü~", "", ""));
        assert!(parse_form("a=%ZZ").is_err());
        assert!(parse_form("a=%FF").is_err(), "not UTF-8");
    }

    #[test]
    fn percent_encoding_keeps_only_the_unreserved_characters() {
        assert_eq!(percent_encode("a b~*+/-_.ü"), "a%20b~%2A%2B%2F-_.%C3%BC");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn a_timestamp_within_15_minutes_either_way_is_accepted() {
        let now = datetime!(2026-11-27 10:00:00 UTC);
        assert!(check_timestamp(now - Duration::minutes(15), now, None).is_ok());
        assert!(check_timestamp(now + Duration::minutes(15), now, None).is_ok());
        assert_eq!(
            check_timestamp(now - Duration::minutes(16), now, None).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
        assert_eq!(
            check_timestamp(now + Duration::minutes(16), now, None).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
        // The window is 15 minutes to the second, either way.
        let past_the_window = Duration::minutes(15) + Duration::SECOND;
        for timestamp in [now - past_the_window, now + past_the_window] {
            assert_eq!(check_timestamp(timestamp, now, None).unwrap_err().code, "InvalidTimeStamp.Expired");
        }
    }

    #[test]
    fn a_call_that_may_have_been_seen_before_the_forgotten_nonces_is_refused_whatever_the_clock() {
        let now = datetime!(2026-11-27 10:00:00 UTC);
        // Forgotten up to 09:45: a call signed at 09:59:59 may have been seen at 09:44:59.
        let forgotten_before = Some(now - Duration::minutes(15));
        assert_eq!(
            check_timestamp(now - Duration::seconds(1), now, forgotten_before).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
        assert!(check_timestamp(now, now, forgotten_before).is_ok(), "seen at 09:45 at the earliest: not forgotten");
        // With the sweep's own clock (forgotten 30 minutes back) it refuses nothing the window takes.
        assert!(check_timestamp(now - Duration::minutes(15), now, Some(now - NONCE_MEMORY)).is_ok());
    }

    #[test]
    fn a_malformed_date_is_refused_with_its_format_code() {
        let mut h = acs3_headers(ACS3_SIGNATURE);
        h.insert("x-acs-date", HeaderValue::from_static("yesterday"));
        assert_eq!(check(&h, QUERY, b"").unwrap_err().code, "InvalidTimeStamp.Format");
    }
}
