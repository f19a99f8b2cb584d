//! A small blocking HTTP client for the node API.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use base64::Engine;
use bonded_ledger::SignedTransaction;
use bonded_node::views::{ChainView, ErrorView, SubmitResponse};
use serde::de::DeserializeOwned;

/// Most envelopes the client sends in one request.
pub const REQUEST_TRANSACTIONS_MAX: usize = 2000;
const TIMEOUT_S: u64 = 120;

pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(TIMEOUT_S)))
            .http_status_as_error(false)
            .build();
        Client {
            base: base.trim_end_matches('/').to_string(),
            agent: config.into(),
        }
    }

    /// GETs `path`; `None` on 404.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        let url = format!("{}{}", self.base, path);
        let mut response = self
            .agent
            .get(&url)
            .call()
            .with_context(|| format!("GET {url}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .context("reading the response")?;
        match status {
            200 => Ok(Some(
                serde_json::from_str(&text).context("decoding the response")?,
            )),
            404 => Ok(None),
            _ => bail!("GET {url} answered {status}: {text}"),
        }
    }

    /// POSTs `body` as JSON; a refusal by the node becomes an error with its code and message.
    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &serde_json::Value) -> Result<T> {
        let (url, status, text) = self.post_json(path, body)?;
        if status != 200 {
            match serde_json::from_str::<ErrorView>(&text) {
                Ok(error) => bail!("{} ({}, HTTP {status})", error.message, error.code),
                Err(_) => bail!("POST {url} answered {status}: {text}"),
            }
        }
        serde_json::from_str(&text).context("decoding the response")
    }

    /// POSTs `body` as JSON to `path`; the URL, the status and the response text.
    fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<(String, u16, String)> {
        let url = format!("{}{}", self.base, path);
        let mut response = self
            .agent
            .post(&url)
            .send_json(body)
            .with_context(|| format!("POST {url}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .context("reading the response")?;
        Ok((url, status, text))
    }

    pub fn chain(&self) -> Result<ChainView> {
        self.get("/v1/chain")?
            .context("the node has no genesis yet")
    }

    /// Submits envelopes in requests of at most [`REQUEST_TRANSACTIONS_MAX`].
    pub fn submit(&self, envelopes: &[SignedTransaction]) -> Result<SubmitResponse> {
        let mut all = SubmitResponse {
            results: Vec::new(),
        };
        for (chunk_index, chunk) in envelopes.chunks(REQUEST_TRANSACTIONS_MAX).enumerate() {
            let encoded: Vec<String> = chunk
                .iter()
                .map(|envelope| {
                    base64::engine::general_purpose::STANDARD.encode(envelope.as_bytes())
                })
                .collect();
            let body = serde_json::json!({ "transactions": encoded });
            let (url, status, text) = self.post_json("/v1/transactions", &body)?;
            if status != 200 {
                bail!("POST {url} answered {status}: {text}");
            }
            let mut part: SubmitResponse =
                serde_json::from_str(&text).context("decoding the response")?;
            for result in &mut part.results {
                result.index += chunk_index * REQUEST_TRANSACTIONS_MAX;
            }
            all.results.extend(part.results);
        }
        Ok(all)
    }
}
