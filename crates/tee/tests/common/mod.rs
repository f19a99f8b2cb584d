//! Shared fixtures: a seeded simulated platform and the times the tests run at.

#![allow(dead_code)]

use bonded_tee::{EnclaveProgram, SimulatedSgx, SimulationSettings};

/// 2026-01-01T00:00:00Z, the "block time" most tests verify at.
pub const BLOCK_TIME_MS: i64 = 1_767_225_600_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;
pub const SIGNER_KEY: &[u8] = b"bonded enclave signing key (test)";
pub const PRODUCT_ID: u16 = 7;

pub fn program(code: &[u8], security_version: u16) -> EnclaveProgram {
    EnclaveProgram::from_code(code, SIGNER_KEY, PRODUCT_ID, security_version)
}

pub fn platform_with(secret_byte: u8, program: &EnclaveProgram) -> SimulatedSgx {
    SimulatedSgx::from_secret([secret_byte; 32], program, SimulationSettings::default())
        .expect("simulated platform")
}

pub fn platform() -> SimulatedSgx {
    platform_with(1, &program(b"enclave code v1", 1))
}
