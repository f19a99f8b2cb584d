//! Times quote generation, collateral issuance and quote verification on the simulated platform.
//!
//! Run with `cargo run --release -p bonded-tee --example attestation_timings`. Prints the median
//! and the 90th percentile of each step over a fixed number of runs; asserts nothing.

use std::time::{Duration, Instant};

use bonded_tee::{
    ApprovedMeasurement, ApprovedMeasurements, CollateralSource, EnclaveProgram, Platform, Policy,
    QuoteVerifier, ReportData, SealPolicy, SimulatedSgx, SimulationSettings,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

const RUNS: usize = 200;
/// 2026-01-01T00:00:00Z.
const BLOCK_TIME_MS: i64 = 1_767_225_600_000;

fn main() {
    let program = EnclaveProgram::from_code(b"bench enclave", b"bench signer", 1, 1);
    let report_data = ReportData::binding(&[b"signing key", b"hpke key"], b"bench-chain");

    let open = time(20, || {
        SimulatedSgx::from_secret([7; 32], &program, SimulationSettings::default()).unwrap()
    });
    let platform = SimulatedSgx::from_secret([7; 32], &program, SimulationSettings::default())
        .expect("platform");
    let quote_time = time(RUNS, || platform.quote(&report_data).unwrap());
    let collateral_time = time(RUNS, || {
        platform.collateral(BLOCK_TIME_MS - 3_600_000).unwrap()
    });

    let quote = platform.quote(&report_data).expect("quote");
    let collateral = platform
        .collateral(BLOCK_TIME_MS - 3_600_000)
        .expect("collateral");
    let verifier = QuoteVerifier::new(platform.attestation_root());
    let verify_time = time(RUNS, || {
        verifier
            .verify(quote.as_bytes(), &collateral, BLOCK_TIME_MS)
            .unwrap()
    });

    let policy = Policy::test(platform.attestation_root());
    let mr_enclave = platform.identity().mr_enclave;
    let approved = ApprovedMeasurements(vec![ApprovedMeasurement::Enclave { mr_enclave }]);
    let accept_time = time(RUNS, || {
        policy
            .verify(
                quote.as_bytes(),
                &collateral,
                BLOCK_TIME_MS,
                &approved,
                &report_data,
            )
            .unwrap()
    });

    let mut rng = StdRng::seed_from_u64(1);
    let state = vec![0x5a; 64 * 1024];
    let seal_time = time(RUNS, || {
        platform
            .seal(SealPolicy::EnclaveIdentity, b"", &state, &mut rng)
            .unwrap()
    });
    let sealed = platform
        .seal(SealPolicy::EnclaveIdentity, b"", &state, &mut rng)
        .unwrap();
    let unseal_time = time(RUNS, || platform.unseal(b"", &sealed).unwrap());

    println!(
        "quote: {} bytes; collateral: {} bytes JSON",
        quote.as_bytes().len(),
        { collateral.to_json().len() }
    );
    report(
        "open simulated platform (derive keys, issue 4 certificates)",
        &open,
    );
    report("generate quote", &quote_time);
    report(
        "issue collateral (TCB info, QE identity, 2 CRLs)",
        &collateral_time,
    );
    report("verify quote (dcap-qvl, simulated root)", &verify_time);
    report("verify and accept (test policy)", &accept_time);
    report("seal 64 KiB", &seal_time);
    report("unseal 64 KiB", &unseal_time);
}

fn time<T>(runs: usize, mut step: impl FnMut() -> T) -> Vec<Duration> {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(step());
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples
}

fn report(step: &str, sorted: &[Duration]) {
    let at = |fraction: f64| sorted[((sorted.len() - 1) as f64 * fraction) as usize];
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{step:<62} median {:>9.1} µs   p90 {:>9.1} µs   ({} runs)",
        micros(at(0.5)),
        micros(at(0.9)),
        sorted.len()
    );
}
