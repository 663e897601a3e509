//! The Alibaba Cloud-compatible OpenAPI endpoint: `POST /` and `GET /`, RPC style, so the official
//! SDKs (Resource Sharing 2020-01-10, PolarDB 2017-08-01) drive polarshare with no change but the
//! endpoint.
//!
//! A request is an OpenAPI call when it names an action (`x-acs-action` header or `Action` parameter)
//! or carries a signature; anything else on `/` is the console's. A call goes: signature check
//! ([`signature`]) -> the AccessKey's identity, with exactly its console policies -> the same services
//! the server functions call -> this adapter's wire format. No call reaches an action unsigned, and the
//! console's same-origin guard never sees one (it has no cookie to protect: its credential is the
//! signature).
//!
//! Refusals map from the services' `AppError` to the API's HTTP status in one place
//! ([`ApiError::from`]); the code and sentence are the services' own.

pub mod params;
mod polardb;
mod resource_sharing;
pub mod signature;

use crate::error::AppError;
use crate::server::auth::{identity_from_row, Identity};
use crate::server::db::{self, access_keys};
use crate::server::grant::Credential;
use crate::server::services::sharing;
use crate::server::state::AppState;
use crate::server::{audit, ids, internal};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use params::Params;
use serde_json::{json, Value};
use signature::{SignatureError, SignedRequest};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Larger than any call's form body needs (the SDKs send everything in the query).
const MAX_BODY: usize = 64 * 1024;

/// The resource type backup sets have in Resource Sharing. The real one is not public (the feature is
/// in a ticket-gated beta), so this name is polarshare's own choice.
pub const RESOURCE_TYPE: &str = "PolarDBBackupSet";
/// The one permission a backup set share has (named as the real default permissions are).
pub const PERMISSION_NAME: &str = "AliyunRSDefaultPermissionPolarDBBackupSet";

pub const RESOURCE_SHARING_VERSION: &str = "2020-01-10";
pub const POLARDB_VERSION: &str = "2017-08-01";

/// Every action the endpoint answers, as (version, action): what a caller can reach, and what the
/// hostile-input tests call one by one.
pub fn actions() -> impl Iterator<Item = (&'static str, &'static str)> {
    let sharing = resource_sharing::ACTIONS.iter().map(|a| (RESOURCE_SHARING_VERSION, *a));
    sharing.chain(polardb::ACTIONS.iter().map(|a| (POLARDB_VERSION, *a)))
}

/// A refusal as the SDKs read it: the HTTP status and `{RequestId, HostId, Code, Message, Recommend}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, code: code.to_owned(), message: message.into() }
    }

    pub fn missing(name: &str) -> Self {
        Self::new(400, &format!("MissingParameter.{name}"), format!("The parameter {name} is required."))
    }

    pub fn invalid(name: &str) -> Self {
        Self::new(400, &format!("InvalidParameter.{name}"), format!("The parameter {name} is not valid."))
    }
}

/// The one mapping from a service's refusal to the API's status: malformed input is 400 here (the
/// console says 422), the rest keep their meaning.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use crate::domain::ErrorKind::*;
        let status = match e.kind {
            Invalid | BadRequest => 400,
            Unauthenticated => 401,
            Forbidden => 403,
            NotFound => 404,
            Conflict => 409,
            TooLarge => 413,
            UnsupportedMediaType => 415,
            MethodNotAllowed => 405,
            RequestTimeout => 408,
            TooManyRequests => 429,
            Unavailable => 503,
            Internal => 500,
        };
        ApiError { status, code: e.code, message: e.message }
    }
}

impl From<SignatureError> for ApiError {
    fn from(e: SignatureError) -> Self {
        ApiError { status: e.status, code: e.code.to_owned(), message: e.message }
    }
}

/// A verified call on its way to an action.
pub struct Call {
    pub state: AppState,
    pub who: Identity,
    pub params: Params,
    pub access_key_id: String,
    pub source_ip: String,
    pub request_id: String,
    /// The nonce of a call whose action records it in its own write ([`nonce_rides_with_action`]),
    /// until that write has committed ([`Call::nonce_in_write`]) or, refused, [`Call::audited`] records it.
    pending_nonce: Arc<Mutex<Option<access_keys::NonceSeen>>>,
}

impl Call {
    /// The audit event of an action this call takes (channel `api:<AccessKeyId>`), for the service to
    /// commit with the action.
    pub fn event(&self, action: &str, target: &str) -> audit::Event {
        audit::Event::new(
            self.state.clock.clone(),
            audit::EventFields {
                account_id: Some(self.who.account_id().to_string()),
                identity: self.who.login_name.clone(),
                source_ip: self.source_ip.clone(),
                request_id: self.request_id.clone(),
                caller_request_id: None,
                action: action.to_owned(),
                target: target.to_owned(),
                channel: format!("api:{}", self.access_key_id),
            },
            Some(self.who.grant()),
        )
    }

    /// Carries out `action`, which was handed `event`, and settles the event as the console's server
    /// functions do (see [`audit::Event::settle`]).
    pub async fn audited<T>(
        &self,
        event: &audit::Event,
        action: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, ApiError> {
        let result = action.await;
        if result.is_err() {
            // Refused before its write recorded the nonce (or its write was refused as a replay, or
            // rolled back): recorded before the refusal is, so that a replay of the refused call is
            // refused as a replay and leaves no event.
            if let Err(replay) = self.record_pending_nonce().await {
                event.discard();
                return Err(replay);
            }
        } else {
            // A call whose nonce rides with its write succeeded: the write recorded it.
            self.take_pending_nonce();
        }
        event.settle(&self.state.writer, &result).await;
        result.map_err(ApiError::from)
    }

    /// Who may act first: a change refused to this identity outright (`check`, its policy or the
    /// account's beta) is refused before any of its parameters is judged, audited under the action's
    /// event (its target the raw `target_param`), so a parameter error never tells such an identity
    /// anything.
    pub async fn permitted<E>(&self, action: &str, target_param: &str, check: Result<(), E>) -> Result<(), ApiError>
    where
        AppError: From<E>,
    {
        let Err(refused) = check else { return Ok(()) };
        let event = self.event(action, self.params.opt(target_param).unwrap_or("-"));
        self.audited(&event, async { Err::<(), _>(AppError::from(refused)) }).await
    }

    /// For an action whose nonce rides with its write: the nonce for its first write to record, in the
    /// same round trip; a replay is refused there and writes nothing. `None` for every other call: its
    /// nonce is recorded already. The nonce stays pending until the call succeeds, so that a call refused
    /// before its write (or in it) still has it recorded (`audited`).
    pub fn nonce_in_write(&self) -> Option<sharing::CallNonce> {
        let pending = self.pending_nonce.lock().ok()?;
        let nonce = pending.as_ref()?;
        let (replay, expired) = (SignatureError::nonce_used(), SignatureError::expired());
        Some(sharing::CallNonce {
            seen: nonce.clone(),
            replay: AppError::invalid(replay.code, replay.message),
            expired: AppError::invalid(expired.code, expired.message),
        })
    }

    fn take_pending_nonce(&self) -> Option<access_keys::NonceSeen> {
        self.pending_nonce.lock().ok().and_then(|mut n| n.take())
    }

    /// Records the nonce no write has taken yet, if any.
    async fn record_pending_nonce(&self) -> Result<(), ApiError> {
        match self.take_pending_nonce() {
            Some(nonce) => record_nonce(nonce, &self.state).await,
            None => Ok(()),
        }
    }
}

/// Whether a request on `/` is an OpenAPI call rather than the console's home page.
fn is_api_call(request: &Request) -> bool {
    if request.uri().path() != "/" || !matches!(*request.method(), Method::GET | Method::POST) {
        return false;
    }
    let headers = request.headers();
    // Only an Alibaba Cloud signature makes `Authorization` an API call: a proxy's Basic or Bearer
    // credentials in front of the console must leave its home page alone.
    let acs_signed = headers.get(header::AUTHORIZATION).is_some_and(|v| v.as_bytes().starts_with(b"ACS3-"));
    if headers.contains_key("x-acs-action") || acs_signed {
        return true;
    }
    let query = request.uri().query().unwrap_or("");
    query.split('&').any(|p| p.starts_with("Action=") || p.starts_with("Signature="))
}

/// The endpoint as a layer of the whole router: calls are answered here, everything else passes on.
pub async fn endpoint(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_api_call(&request) {
        return next.run(request).await;
    }
    let request_id = ids::hex_id("req", 16).to_uppercase();
    match handle(state, request, &request_id).await {
        Ok(body) => respond(StatusCode::OK, body, &request_id),
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = json!({
                "RequestId": request_id,
                "HostId": "polarshare",
                "Code": e.code,
                "Message": e.message,
                "Recommend": "",
            });
            respond(status, body, &request_id)
        }
    }
}

fn respond(status: StatusCode, mut body: Value, request_id: &str) -> Response {
    if let Some(map) = body.as_object_mut() {
        map.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
    }
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-acs-request-id", v);
    }
    response
}

async fn handle(state: AppState, request: Request, request_id: &str) -> Result<Value, ApiError> {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    let source_ip = crate::server::proxy::client_address(peer, request.headers(), &state.settings.trusted_proxies);
    let (parts, body) = request.into_parts();
    let body = crate::server::guard::read_body(&parts.headers, body, MAX_BODY, state.settings.body_deadline).await?;
    let query = signature::parse_form(parts.uri.query().unwrap_or(""))?;
    let is_form = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    let form = if is_form && !body.is_empty() {
        signature::parse_form(
            std::str::from_utf8(&body)
                .map_err(|_| ApiError::new(400, "InvalidParameter", "The form body is not UTF-8."))?,
        )?
    } else {
        BTreeMap::new()
    };
    // A name in both the query and the body would leave which one the action reads to chance. Refused
    // here, with a name repeated in either (`parse_form`), before the nonce is recorded: nothing written.
    if let Some(name) = form.keys().find(|k| query.contains_key(*k)) {
        return Err(ApiError::new(
            400,
            "InvalidParameter",
            format!("The parameter \"{name}\" is given both in the query and in the body."),
        ));
    }
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        headers: &parts.headers,
        query: &query,
        form: &form,
        body: &body,
    };
    let claim = signature::read_claim(&signed)?;

    // The key, then the signature, then its freshness: an unknown key has no secret to check with, and
    // nothing about a key (disabled or not) is told to a caller that can't sign with it.
    let key = state
        .writer
        .signing_keys
        .get(&state.pool, &claim.access_key_id)
        .await
        .map_err(|e| ApiError::from(internal(e)))?;
    let Some(key) = key else { return Err(SignatureError::unknown_key().into()) };
    signature::verify(&signed, &claim, &key.secret)?;
    let now = state.clock.now();
    signature::check_timestamp(claim.timestamp, now, state.writer.nonce_cutoff.get())?;
    if key.status != crate::domain::AccessKeyStatus::Active {
        return Err(SignatureError::disabled_key().into());
    }
    let nonce = access_keys::NonceSeen {
        access_key_id: claim.access_key_id.clone(),
        nonce: claim.nonce.clone(),
        seen_at: db::ts(now),
        signed_at: db::ts(claim.timestamp),
    };
    let pending_nonce = if nonce_rides_with_action(&claim.version, &claim.action) {
        Some(nonce)
    } else {
        record_nonce(nonce, &state).await?;
        None
    };

    let who = identity_from_row(&key.identity, Credential::AccessKey { access_key_id: claim.access_key_id.clone() })?;
    let mut all = form;
    all.extend(query);
    let call = Call {
        state,
        who,
        params: Params(all),
        access_key_id: claim.access_key_id,
        source_ip,
        request_id: request_id.to_owned(),
        pending_nonce: Arc::new(Mutex::new(pending_nonce)),
    };
    let answer = match claim.version.as_str() {
        RESOURCE_SHARING_VERSION => resource_sharing::dispatch(&call, &claim.action).await,
        POLARDB_VERSION => polardb::dispatch(&call, &claim.action).await,
        other => Err(ApiError::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version {other:?} is not valid: polarshare serves Resource Sharing {RESOURCE_SHARING_VERSION} and PolarDB {POLARDB_VERSION}."),
        )),
    };
    if answer.is_ok() && call.pending_nonce.lock().is_ok_and(|n| n.is_some()) {
        tracing::error!(action = %claim.action, "an action whose nonce rides with its write answered without writing it");
    }
    // Refused before its write: the nonce is recorded now (a replay of the refused call is refused as one).
    call.record_pending_nonce().await?;
    answer
}

/// The actions whose signature nonce is recorded in their own write, first, instead of in a write of
/// its own before the action: their action runs in the share group transaction (`db::group`), so the
/// call passes the write queue once. A replay is refused there and writes nothing. Every other call's
/// nonce is recorded before its action runs. Such an action calls [`Call::audited`] once, around the
/// write that carries [`Call::nonce_in_write`]: a success there is what says the nonce was recorded.
fn nonce_rides_with_action(version: &str, action: &str) -> bool {
    version == RESOURCE_SHARING_VERSION && matches!(action, "CreateResourceShare" | "AssociateResourceShare")
}

/// Records a verified call's nonce with the key's last use (a nonce seen before is a replay), in the
/// share group commit: the calls arriving together write their nonces in one transaction instead of one
/// each, and a call goes on only once its nonce is committed.
async fn record_nonce(nonce: access_keys::NonceSeen, state: &AppState) -> Result<(), ApiError> {
    let recorded = state
        .writer
        .groups
        .run(move |tx| {
            async move { access_keys::record_use(tx, &nonce).await.map_err(db::group::Failure::Broken) }.boxed()
        })
        .await
        .map_err(|_| {
            ApiError::from(internal(anyhow::anyhow!("the group transaction holding a nonce did not commit")))
        })?;
    match recorded.map_err(|e| ApiError::from(internal(e)))? {
        access_keys::NonceRecord::Fresh => Ok(()),
        access_keys::NonceRecord::Replay => Err(SignatureError::nonce_used().into()),
        access_keys::NonceRecord::Forgotten => Err(SignatureError::expired().into()),
    }
}

/// The refusal for an action this version does not have.
pub fn unknown_action(action: &str, version: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidAction.NotFound",
        format!("Specified api {action:?} is not found in version {version}, please check your url and method."),
    )
}

/// Paging with `MaxResults` / `NextToken`: a page continues after the last row of the one before,
/// named by that row's sort keys in an opaque token. Every list is read for the caller's account only
/// (its query names the account), so a changed or borrowed token can move within the caller's list but
/// never reach another account's rows.
pub struct Paging {
    pub max: i64,
    pub after: db::api_lists::After,
}

const TOKEN_PREFIX: &str = "nt1";

impl Paging {
    pub fn read(params: &Params) -> Result<Paging, ApiError> {
        let max = params.int("MaxResults", 1..=100)?.unwrap_or(20);
        let after = match params.opt("NextToken") {
            None => None,
            Some(t) if t.len() > 256 => {
                return Err(ApiError::new(
                    400,
                    "InvalidParameter.NextToken.Length",
                    "The NextToken is longer than 256 characters.",
                ))
            }
            Some(t) => Some(decode_token(t).ok_or_else(|| ApiError::invalid("NextToken"))?),
        };
        Ok(Paging { max, after })
    }

    /// Cuts the `max + 1` rows a query read to the page, and the token of the next page if there is one.
    pub fn cut<'r, R>(&self, rows: &'r [R], key: impl Fn(&R) -> Vec<String>) -> (&'r [R], Option<String>) {
        let more = rows.len() as i64 > self.max;
        let rows = &rows[..rows.len().min(self.max as usize)];
        let next = if more { rows.last().map(|r| encode_token(&key(r))) } else { None };
        (rows, next)
    }
}

/// The `NextToken` of the page after the row whose sort keys are `keys` (public for the benchmark,
/// which asks for pages nobody has read yet).
pub fn encode_token(keys: &[String]) -> String {
    let joined = keys.join("\n");
    let hex: String = joined.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

fn decode_token(token: &str) -> Option<Vec<String>> {
    let hex = token.strip_prefix(TOKEN_PREFIX)?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(text.split('\n').map(str::to_owned).collect())
}

/// Paging a list the caller's console page already bounds (backup sets shared with it, in one
/// region): the token holds the offset of the next row, in the same opaque form.
pub fn token_page<T>(params: &Params, items: Vec<T>) -> Result<(Vec<T>, Option<String>), ApiError> {
    let paging = Paging::read(params)?;
    let start = match &paging.after {
        None => 0,
        Some(k) => k
            .first()
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|_| k.len() == 1)
            .ok_or_else(|| ApiError::invalid("NextToken"))?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(paging.max as usize).collect();
    let next = (start + page.len() < total).then(|| encode_token(&[(start + page.len()).to_string()]));
    Ok((page, next))
}

/// A stored RFC 3339 time as the API writes it: ISO 8601 UTC with milliseconds.
///
/// Every stored time is written by `db::ts` (`2026-11-25T08:00:00Z`: UTC, whole seconds), which only
/// needs its milliseconds added, instead of being parsed and formatted again (40 times per
/// ListResourceShares page; building that page's JSON, times included, was ~7 % of the call's samples
/// in a profile). Any other form is parsed.
pub fn iso(stored: &str) -> String {
    match stored.strip_suffix('Z').filter(|seconds| is_utc_seconds(seconds)) {
        Some(seconds) => format!("{seconds}.000Z"),
        None => iso_parsed(stored),
    }
}

/// Whether `s` is `YYYY-MM-DDTHH:MM:SS`, digits and separators in place.
fn is_utc_seconds(s: &str) -> bool {
    const SHAPE: &[u8; 19] = b"0000-00-00T00:00:00";
    s.len() == SHAPE.len()
        && s.bytes().zip(SHAPE).all(|(c, &shape)| if shape == b'0' { c.is_ascii_digit() } else { c == shape })
}

fn iso_parsed(stored: &str) -> String {
    match time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            let seconds = t
                .format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
                .unwrap_or_default();
            format!("{seconds}.{:03}Z", t.millisecond())
        }
        Err(_) => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_carries_its_sort_keys_and_nothing_else_decodes() {
        let keys = vec!["2026-11-25T08:00:00Z".to_owned(), "rs-abc".to_owned()];
        assert_eq!(decode_token(&encode_token(&keys)), Some(keys));
        for bad in ["", "nt-0", "nt1zz", "nt1a", "garbage", "nt1ff"] {
            assert_eq!(decode_token(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_stored_time_is_written_with_milliseconds_in_utc_as_parsing_it_would() {
        let stored =
            [db::ts(time::OffsetDateTime::UNIX_EPOCH), db::ts(time::macros::datetime!(2026-11-27 23:59:59 UTC))];
        for t in &stored {
            assert_eq!(iso(t), iso_parsed(t), "{t}");
        }
        assert_eq!(iso("2026-11-25T08:00:00Z"), "2026-11-25T08:00:00.000Z");
        // Not the stored form: parsed, and moved to UTC.
        assert_eq!(iso("2026-11-25T08:00:00.250+08:00"), "2026-11-25T00:00:00.250Z");
        assert_eq!(iso("2026-11-25T08:00:0xZ"), "2026-11-25T08:00:0xZ");
        assert_eq!(iso("not a time"), "not a time");
    }
}
