//! Broken input on the enclave's stdin: a bad request is answered and the enclave goes on; a
//! stream that can no longer be split into frames ends the process with a message, never a
//! panic or a hang.

mod common;

use std::time::Duration;

use bonded_enclave::protocol::{ErrorCode, Response};
use common::*;

fn error_code(response: Response) -> ErrorCode {
    match response {
        Response::Error { code, .. } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn a_request_that_is_not_json_of_the_protocol_is_answered_and_serving_goes_on() {
    let data = tempfile::tempdir().expect("data folder");
    let mut enclave = spawn(data.path());
    for payload in [
        &b"{not json"[..],
        b"{\"Unknown\":{}}",
        b"\"Shutdown\"",
        b"\xff\xfe",
    ] {
        enclave.send_frame(payload).expect("send");
        let response = enclave.receive().expect("an answer");
        assert_eq!(error_code(response), ErrorCode::MalformedRequest);
    }
    identity(&mut enclave);
    shutdown(&mut enclave);
    assert!(!contains(&enclave.log(), "panicked"));
}

#[test]
fn an_oversize_length_is_refused_and_the_enclave_exits() {
    let data = tempfile::tempdir().expect("data folder");
    let mut enclave = spawn(data.path());
    enclave.send_raw(&u32::MAX.to_be_bytes()).expect("send");
    let response = enclave.receive().expect("an answer");
    assert_eq!(error_code(response), ErrorCode::FrameTooLarge);
    let status = enclave.wait(Duration::from_secs(10)).expect("exits");
    assert_eq!(status.code(), Some(2));
    let log = enclave.log();
    assert!(contains(&log, "enclave.stream_broken"));
    assert!(!contains(&log, "panicked"));
}

#[test]
fn input_ending_inside_a_frame_stops_the_enclave_with_a_message() {
    let data = tempfile::tempdir().expect("data folder");
    let mut enclave = spawn(data.path());
    enclave.send_raw(&[0, 0, 0, 100, b'{']).expect("send");
    let status = enclave.wait(Duration::from_secs(10)).expect("exits");
    assert_eq!(status.code(), Some(2));
    let log = enclave.log();
    assert!(contains(&log, "ended inside a message"));
    assert!(!contains(&log, "panicked"));
}

#[test]
fn input_ending_between_frames_is_a_clean_stop() {
    let data = tempfile::tempdir().expect("data folder");
    let mut enclave = spawn(data.path());
    identity(&mut enclave);
    let status = enclave.wait(Duration::from_secs(10)).expect("exits");
    assert!(status.success());
}

#[test]
fn a_missing_data_argument_is_a_usage_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_bonded-enclave"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(contains(&output.stderr, "usage: bonded-enclave --data DIR"));
}
