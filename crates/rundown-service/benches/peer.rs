//! Criterion benchmark: the peer interface's uncontended path (acquire, read the 256-byte
//! payload, release) against the least any such path costs (a bare run-down acquire and release
//! around a 256-byte copy).
//!
//! `cargo xtask bench` runs it with the `rundown` benchmarks and prints the ratio.
#![allow(missing_docs, reason = "criterion's macros generate undocumented functions")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rundown::RundownRef;
use rundown::irql::PassiveLevel;
use rundown_abi::MAX_PAYLOAD;
use rundown_service::{PoolUsage, Service, peer_read};

fn peer_interface(c: &mut Criterion) {
    let mut irql = PassiveLevel::check().expect("benchmark threads run at PASSIVE_LEVEL");
    let mut group = c.benchmark_group("peer_interface");

    let object = rundown_service::shared_object(&irql).expect("pool");
    let service = Service::new(&object, PoolUsage::default);
    let hold = service.peer_acquire(&irql).expect("active");
    // SAFETY: the hold keeps the object alive until the release below.
    unsafe { hold.as_ref() }.payload().write(&[0x5a; MAX_PAYLOAD], &mut irql);
    assert!(service.peer_release(&irql));
    let mut buffer = [0u8; MAX_PAYLOAD];
    group.bench_function("acquire_read_256_release", |b| {
        b.iter(|| {
            let hold = black_box(&service).peer_acquire(&irql).expect("active");
            // SAFETY: held until the release below.
            let (status, result) = peer_read(unsafe { hold.as_ref() }, Some(&mut buffer));
            black_box((status, result, &buffer));
            service.peer_release(&irql)
        });
    });

    let bare = RundownRef::new();
    let source = [0x5a_u8; MAX_PAYLOAD];
    group.bench_function("bare_acquire_copy_256_release", |b| {
        b.iter(|| {
            let guard = black_box(&bare).acquire(&irql).expect("active");
            buffer.copy_from_slice(black_box(&source));
            black_box(&buffer);
            drop(guard);
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = peer_interface
}
criterion_main!(benches);
